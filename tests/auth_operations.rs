//! The generated operations against a real HTTP server on 127.0.0.1: what
//! goes on the wire, and what comes back from good and bad answers.

use std::time::Duration;

use ix_api_client::{Auth, Client, OperationError as Error, ProblemError, ProblemKind, types};
use ix_api_tests::{Reply, ScriptedServer, demo_credentials, jwt};
use serde_json::json;

fn token_pair() -> (String, String) {
    (
        jwt("access", Duration::from_secs(900)),
        jwt("refresh", Duration::from_secs(86_400)),
    )
}

fn login_request() -> types::builder::AuthTokenRequest {
    let (key, secret) = demo_credentials();
    types::AuthTokenRequest::builder()
        .api_key(key)
        .api_secret(secret)
}

#[tokio::test]
async fn auth_token_create_posts_the_credentials_and_parses_the_pair() {
    let (access, refresh) = token_pair();
    let answer = json!({"access_token": access, "refresh_token": refresh});
    let server = ScriptedServer::start(move |_| Reply::json(201, answer.clone())).await;
    let client = Client::new(&server.base_url, Auth::none());

    let tokens = client
        .auth_token_create()
        .body(login_request())
        .send()
        .await
        .expect("201 parses")
        .into_inner();

    assert_eq!(tokens.access_token.expose(), access);
    assert_eq!(tokens.refresh_token.expose(), refresh);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/v2/auth/token");
    assert_eq!(request.header("content-type"), Some("application/json"));
    let (key, secret) = demo_credentials();
    assert_eq!(
        request.json(),
        json!({"api_key": key, "api_secret": secret})
    );
    assert_eq!(request.header("authorization"), None);
    assert_eq!(
        request.header("api-version"),
        None,
        "IX-API defines no api-version header"
    );
}

#[tokio::test]
async fn auth_token_refresh_posts_the_refresh_token_and_parses_the_new_pair() {
    let (access, refresh) = token_pair();
    let answer = json!({"access_token": access, "refresh_token": refresh});
    let server = ScriptedServer::start(move |_| Reply::json(201, answer.clone())).await;
    // A client holding an access token still sends none to /auth/refresh.
    let client = Client::with_access_token(&server.base_url, "old-access-token");
    let old_refresh = jwt("old-refresh", Duration::from_secs(60));

    let tokens = client
        .auth_token_refresh()
        .body(types::RefreshTokenRequest::builder().refresh_token(old_refresh.as_str()))
        .send()
        .await
        .expect("201 parses")
        .into_inner();

    assert_eq!(tokens.access_token.expose(), access);
    assert_eq!(tokens.refresh_token.expose(), refresh);
    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/v2/auth/refresh");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.json(), json!({"refresh_token": old_refresh}));
    assert_eq!(request.header("authorization"), None);
}

async fn create_error(reply: Reply) -> Error {
    let server = ScriptedServer::start(move |_| reply.clone()).await;
    let client = Client::new(&server.base_url, Auth::none());
    client
        .auth_token_create()
        .body(login_request())
        .send()
        .await
        .expect_err("an error answer")
}

#[tokio::test]
async fn every_documented_problem_parses_with_its_kind() {
    let cases = [
        (400, "validation-error", ProblemKind::ValidationError),
        (
            401,
            "authentication-error",
            ProblemKind::AuthenticationError,
        ),
        (401, "signature-expired", ProblemKind::SignatureExpired),
        (401, "not-authenticated", ProblemKind::NotAuthenticated),
    ];
    for (status, slug, kind) in cases {
        let error = create_error(Reply::problem(status, slug, "It went wrong")).await;
        let problem = error.problem().unwrap_or_else(|| panic!("{slug}: {error}"));
        assert_eq!(problem.kind(), kind, "{slug}");
        assert_eq!(problem.status, Some(i64::from(status)));
        assert_eq!(problem.title.as_deref(), Some("It went wrong"));
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
    }
}

#[tokio::test]
async fn unknown_problem_types_are_other_and_extension_members_survive() {
    let body = json!({
        "type": "https://ixp.example.net/problems/rate-limited",
        "title": "Slow down",
        "status": 401,
        "retry_after": 30,
        "properties": [{"name": "api_key", "reason": "unknown"}],
    });
    let error = create_error(Reply::json(401, body)).await;
    let problem = error.problem().expect("a problem");
    assert_eq!(
        problem.kind(),
        ProblemKind::Other("https://ixp.example.net/problems/rate-limited".into())
    );
    assert_eq!(problem.extension("retry_after"), Some(&json!(30)));
    assert_eq!(
        problem
            .extension("properties")
            .and_then(|p| p[0]["name"].as_str()),
        Some("api_key")
    );
}

#[tokio::test]
async fn malformed_answers_are_errors_not_panics() {
    let html = Reply::raw(
        502,
        Some("text/html"),
        "<html><body>Bad Gateway</body></html>",
    );
    match create_error(html).await {
        Error::UnexpectedResponse(response) => assert_eq!(response.status().as_u16(), 502),
        other => panic!("expected an unexpected response, got {other:?}"),
    }

    let truncated = Reply::raw(
        201,
        Some("application/json"),
        r#"{"access_token": "eyJhbGciOi"#,
    );
    assert!(matches!(
        create_error(truncated).await,
        Error::InvalidResponsePayload(..)
    ));

    let empty = Reply::raw(201, Some("application/json"), "");
    assert!(matches!(
        create_error(empty).await,
        Error::InvalidResponsePayload(..)
    ));

    // An error answer that is no problem document is still the status's
    // problem (RFC 7807's about:blank), not a parsing failure of ours.
    let html_401 = Reply::raw(401, Some("text/html"), "<h1>Unauthorized</h1>");
    let error = create_error(html_401).await;
    let problem = error.problem().expect("a problem");
    assert_eq!(problem.type_, "about:blank");
    assert_eq!(problem.title.as_deref(), Some("Unauthorized"));
    assert_eq!(problem.status, Some(401));
    assert!(
        error
            .problem_kind()
            .is_some_and(|kind| kind.is_authentication())
    );
}

#[tokio::test]
async fn api_implementation_read_sends_the_bearer_token() {
    let implementation = json!({
        "schema_version": "2.1.0",
        "supported_network_service_types": ["exchange_lan"],
        "supported_network_service_config_types": ["exchange_lan"],
        "supported_network_feature_types": [],
        "supported_network_feature_config_types": [],
        "supported_operations": ["auth_token_create", "auth_token_refresh", "api_implementation_read"],
    });
    let server = ScriptedServer::start(move |request| {
        if request.header("authorization").is_some() {
            Reply::json(200, implementation.clone())
        } else {
            Reply::problem(401, "not-authenticated", "No credentials")
        }
    })
    .await;
    let (access, _) = token_pair();

    let anonymous = Client::new(&server.base_url, Auth::none());
    let error = anonymous
        .api_implementation_read()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.problem_kind(), Some(ProblemKind::NotAuthenticated));

    let client = Client::with_access_token(&server.base_url, access.as_str());
    let found = client
        .api_implementation_read()
        .send()
        .await
        .expect("200")
        .into_inner();
    assert_eq!(found.schema_version, "2.1.0");
    assert_eq!(found.supported_operations.len(), 3);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].method, "GET");
    assert_eq!(requests[1].path, "/api/v2/implementation");
    assert_eq!(
        requests[1].header("authorization"),
        Some(format!("Bearer {access}").as_str())
    );
    assert_eq!(requests[1].header("api-version"), None);
}

#[tokio::test]
async fn wrong_credential_lengths_fail_before_anything_is_sent() {
    let server = ScriptedServer::start(|_| Reply::json(201, json!({}))).await;
    let client = Client::new(&server.base_url, Auth::none());
    let (key, secret) = demo_credentials();

    let short_secret = &secret[..85];
    let error = client
        .auth_token_create()
        .body(
            types::AuthTokenRequest::builder()
                .api_key(key.as_str())
                .api_secret(short_secret),
        )
        .send()
        .await
        .unwrap_err();
    let Error::InvalidRequest(message) = &error else {
        panic!("expected an invalid request, got {error:?}");
    };
    assert!(
        message.contains("api_secret must be exactly 86 characters long, not 85"),
        "{message}"
    );
    assert!(
        !message.contains(short_secret),
        "the message must not carry the secret"
    );

    let error = client
        .auth_token_create()
        .body(
            types::AuthTokenRequest::builder()
                .api_key("too-short")
                .api_secret(secret.as_str()),
        )
        .send()
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("api_key must be exactly 16 characters long, not 9"),
        "{error}"
    );

    assert!(server.requests().is_empty(), "nothing may reach the server");
}

#[test]
fn the_api_secret_never_shows_in_debug_output() {
    let (key, secret) = demo_credentials();
    let request: types::AuthTokenRequest = login_request().try_into().expect("valid");
    let builder = login_request();
    let client = Client::new("http://127.0.0.1:9/api/v2", Auth::none());
    let operation = client.auth_token_create().body(login_request());
    for shown in [
        format!("{request:?}"),
        format!("{request:#?}"),
        format!("{builder:?}"),
        format!("{operation:?}"),
    ] {
        assert!(!shown.contains(&secret), "secret leaked: {shown}");
        assert!(
            shown.contains(&key),
            "the key is not secret and helps debugging: {shown}"
        );
        assert!(shown.contains("ApiSecret(***)"), "{shown}");
    }

    let (access, refresh) = token_pair();
    let tokens: types::AuthToken =
        serde_json::from_value(json!({"access_token": access, "refresh_token": refresh})).unwrap();
    let shown = format!(
        "{tokens:?} {:?}",
        Client::with_access_token("http://127.0.0.1:9", access.as_str())
    );
    assert!(
        !shown.contains(&access) && !shown.contains(&refresh),
        "token leaked: {shown}"
    );
}
