//! The sandbox behaves as `spec/ix-api.yaml` says, seen through plain HTTP
//! (reqwest) and through the generated client.

use std::time::Duration;

use ix_api_client::{Auth, Client, ProblemError, ProblemKind, types};
use ix_api_sandbox::{MAX_BODY_BYTES, Sandbox, SandboxConfig};
use ix_api_tests::advance;
use serde_json::{Value, json};

async fn start(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("start the sandbox")
}

/// Posts `body` with `content_type`; returns the status and the JSON answer.
async fn post(url: String, content_type: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("the sandbox answers");
    let status = response.status().as_u16();
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    (status, response.json().await.expect("a JSON body"))
}

fn kind(problem: &Value) -> ProblemKind {
    let uri = problem["type"].as_str();
    ProblemKind::from_type(uri.unwrap_or_else(|| panic!("a problem type: {problem}")))
}

fn login_body(sandbox: &Sandbox) -> Value {
    let (key, secret) = sandbox.credentials();
    json!({"api_key": key, "api_secret": secret})
}

#[tokio::test]
async fn login_issues_real_jwts_and_refresh_rotates_them() {
    let sandbox = start(SandboxConfig::default()).await;
    let client = Client::new(sandbox.base_url(), Auth::none());
    let (key, secret) = sandbox.credentials();
    let first = client
        .auth_token_create()
        .body(
            types::AuthTokenRequest::builder()
                .api_key(key)
                .api_secret(secret),
        )
        .send()
        .await
        .expect("201")
        .into_inner();
    let left = first
        .access_token
        .expires_at()
        .unwrap()
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(left > Duration::from_secs(890), "{left:?}");
    assert!(first.refresh_token.expires_at().unwrap() > first.access_token.expires_at().unwrap());

    let second = client
        .auth_token_refresh()
        .body(types::RefreshTokenRequest::builder().refresh_token(first.refresh_token.clone()))
        .send()
        .await
        .expect("201")
        .into_inner();
    assert_ne!(second.access_token, first.access_token);
    assert_ne!(second.refresh_token, first.refresh_token);

    // Refresh tokens are single-use.
    let reused = client
        .auth_token_refresh()
        .body(types::RefreshTokenRequest::builder().refresh_token(first.refresh_token))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        reused.problem_kind(),
        Some(ProblemKind::AuthenticationError)
    );
    let counts = sandbox.counts();
    assert_eq!(
        (counts.logins, counts.refreshes, counts.rejected),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn bad_logins_get_the_documented_problems() {
    let sandbox = start(SandboxConfig::default()).await;
    let url = format!("{}/auth/token", sandbox.base_url());
    let (key, secret) = sandbox.credentials();
    // The last character changed (appending a fixed one would hit the right
    // secret once in 64 starts).
    let last = if secret.ends_with('x') { 'y' } else { 'x' };
    let wrong_secret = format!("{}{last}", &secret[..85]);

    let cases: Vec<(&str, String, u16, ProblemKind, &str)> = vec![
        (
            "application/json",
            json!({"api_key": key, "api_secret": wrong_secret}).to_string(),
            401,
            ProblemKind::AuthenticationError,
            "",
        ),
        (
            "application/json",
            json!({"api_secret": secret}).to_string(),
            400,
            ProblemKind::ValidationError,
            "api_key",
        ),
        (
            "application/json",
            json!({"api_key": "short", "api_secret": secret}).to_string(),
            400,
            ProblemKind::ValidationError,
            "api_key",
        ),
        (
            "application/json",
            json!({"api_key": key, "api_secret": 42}).to_string(),
            400,
            ProblemKind::ValidationError,
            "api_secret",
        ),
        (
            "application/json",
            "{not json".to_string(),
            400,
            ProblemKind::ValidationError,
            "JSON",
        ),
        (
            "application/json",
            "[]".to_string(),
            400,
            ProblemKind::ValidationError,
            "object",
        ),
        (
            "text/plain",
            login_body(&sandbox).to_string(),
            400,
            ProblemKind::ValidationError,
            "Content-Type",
        ),
    ];
    for (content_type, body, status, expected, names) in cases {
        let (got, problem) = post(url.clone(), content_type, body.clone()).await;
        assert_eq!((got, kind(&problem)), (status, expected), "{body}");
        assert_eq!(problem["status"], status);
        assert!(
            problem["detail"].as_str().unwrap().contains(names),
            "{problem}"
        );
    }
    assert_eq!(sandbox.counts().logins, 0);
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_a_problem() {
    let sandbox = start(SandboxConfig::default()).await;
    let padding = "x".repeat(MAX_BODY_BYTES);
    let body = json!({"api_key": padding, "api_secret": "s"}).to_string();
    let (status, problem) = post(
        format!("{}/auth/token", sandbox.base_url()),
        "application/json",
        body,
    )
    .await;
    assert_eq!(
        (status, kind(&problem)),
        (400, ProblemKind::ValidationError)
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("exceeds"),
        "{problem}"
    );
}

#[tokio::test]
async fn refresh_problems_tell_expired_from_invalid() {
    let sandbox = start(SandboxConfig {
        refresh_ttl: Duration::from_secs(60),
        ..SandboxConfig::default()
    })
    .await;
    let url = format!("{}/auth/refresh", sandbox.base_url());
    let (_, pair) = post(
        format!("{}/auth/token", sandbox.base_url()),
        "application/json",
        login_body(&sandbox).to_string(),
    )
    .await;

    let (status, problem) = post(
        url.clone(),
        "application/json",
        json!({"refresh_token": pair["access_token"]}).to_string(),
    )
    .await;
    assert_eq!(
        (status, kind(&problem)),
        (401, ProblemKind::AuthenticationError),
        "an access token is no refresh token"
    );
    let (status, problem) = post(
        url.clone(),
        "application/json",
        json!({"refresh_token": "garbage"}).to_string(),
    )
    .await;
    assert_eq!(
        (status, kind(&problem)),
        (401, ProblemKind::AuthenticationError)
    );
    let (status, problem) = post(url.clone(), "application/json", json!({}).to_string()).await;
    assert_eq!(
        (status, kind(&problem)),
        (400, ProblemKind::ValidationError)
    );

    advance(Duration::from_secs(61)).await; // the sandbox's clock is tokio's
    let (status, problem) = post(
        url,
        "application/json",
        json!({"refresh_token": pair["refresh_token"]}).to_string(),
    )
    .await;
    assert_eq!(
        (status, kind(&problem)),
        (401, ProblemKind::SignatureExpired)
    );
}

#[tokio::test]
async fn implementation_needs_a_valid_access_token() {
    let sandbox = start(SandboxConfig {
        access_ttl: Duration::from_secs(60),
        ..SandboxConfig::default()
    })
    .await;
    let (_, pair) = post(
        format!("{}/auth/token", sandbox.base_url()),
        "application/json",
        login_body(&sandbox).to_string(),
    )
    .await;
    let access = pair["access_token"].as_str().unwrap();
    let read = |auth: Auth| {
        let client = Client::new(sandbox.base_url(), auth);
        async move { client.api_implementation_read().send().await }
    };

    let implementation = read(Auth::bearer(access)).await.expect("200").into_inner();
    assert_eq!(
        implementation.schema_version,
        ix_api_client::spec::SCHEMA_VERSION
    );
    let spec: Vec<&str> = ix_api_client::spec::operations::ALL
        .iter()
        .map(|operation| operation.id)
        .collect();
    let mut supported = implementation.supported_operations.clone();
    supported.sort();
    let mut expected: Vec<String> = spec.iter().map(|id| id.to_string()).collect();
    expected.sort();
    assert_eq!(supported, expected, "every operation of the spec");

    let no_token = read(Auth::none()).await.unwrap_err();
    assert_eq!(no_token.problem_kind(), Some(ProblemKind::NotAuthenticated));
    let refresh_as_access = read(Auth::bearer(pair["refresh_token"].as_str().unwrap()))
        .await
        .unwrap_err();
    assert_eq!(
        refresh_as_access.problem_kind(),
        Some(ProblemKind::AuthenticationError)
    );
    let forged = read(Auth::bearer(format!("{access}x"))).await.unwrap_err();
    assert_eq!(
        forged.problem_kind(),
        Some(ProblemKind::AuthenticationError)
    );

    advance(Duration::from_secs(61)).await; // the sandbox's clock is tokio's
    let expired = read(Auth::bearer(access)).await.unwrap_err();
    assert_eq!(expired.problem_kind(), Some(ProblemKind::SignatureExpired));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_logins_all_succeed() {
    let sandbox = start(SandboxConfig::default()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/auth/token", sandbox.base_url());
    let body = login_body(&sandbox).to_string();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let request = http
                .post(&url)
                .header("content-type", "application/json")
                .body(body.clone());
            tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().expect("answered"), 201);
    }
    assert_eq!(sandbox.counts().logins, 1000);
}

#[tokio::test]
async fn unknown_paths_are_problems_too() {
    let sandbox = start(SandboxConfig::default()).await;
    let response = reqwest::get(format!("{}/peering-policies", sandbox.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(kind(&problem), ProblemKind::Other("about:blank".into()));
}
