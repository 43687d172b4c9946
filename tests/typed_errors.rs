//! Every error typed, at any load, and every error answer understood: the
//! session's own failures through `client()` and `Call::call`, error
//! documents as real exchanges write them, transport failures named by host
//! and cause. Scripted servers on 127.0.0.1 play IX-API.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ix_api_client::{Call, Client, Error, ProblemError, ProblemKind, Session, TransportCause};
use ix_api_tests::{Reply, ScriptedServer, answering, count, demo_credentials};
use serde_json::json;

const LOGIN: &str = "/api/v2/auth/token";

/// 10,000 calls at once through a session whose login the exchange
/// rejects: each one's error is the session's typed `Rejected`, through
/// `Error::from_operation`, `Error::from_session` and `Call::call` alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_failures_are_all_typed() {
    let server =
        ScriptedServer::start(|_| Reply::problem(401, "authentication-error", "Bad secret")).await;
    let (key, secret) = demo_credentials();
    let session = Session::builder(&server.base_url)
        .credentials(key, secret)
        .build()
        .unwrap();
    const CALLS: usize = 10_000;
    let mut calls = Vec::with_capacity(CALLS);
    for i in 0..CALLS {
        let session = session.clone();
        calls.push(tokio::spawn(async move {
            let client = session.client();
            if i % 2 == 0 {
                let error = client.api_implementation_read().send().await.unwrap_err();
                let from_session = Error::from_session(&error);
                (
                    Error::from_operation("api_implementation_read", error),
                    from_session,
                )
            } else {
                let error = client.api_implementation_read().call().await.unwrap_err();
                (error.clone(), Some(error))
            }
        }));
    }
    let typed = AtomicUsize::new(0);
    for call in calls {
        let (error, from_session) = call.await.unwrap();
        let rejected_login = |error: &Error| {
            matches!(
                error,
                Error::Rejected {
                    operation: "auth_token_create",
                    status: 401,
                    ..
                }
            ) && error.problem_kind() == Some(ProblemKind::AuthenticationError)
        };
        assert!(rejected_login(&error), "{error:?}");
        assert!(from_session.as_ref().is_some_and(rejected_login));
        typed.fetch_add(1, Ordering::Relaxed);
    }
    assert_eq!(typed.into_inner(), CALLS);
    // One login, then the backoff answers everyone at once.
    assert!(count(&server, LOGIN) <= 3, "{}", count(&server, LOGIN));
    assert_eq!(
        server.requests().len(),
        count(&server, LOGIN),
        "no call went out without a token"
    );
}

/// A client answered `reply` for every call.
async fn client_answered(reply: Reply) -> (ScriptedServer, Client) {
    answering(reply).await
}

fn problem_json(status: u16, body: serde_json::Value) -> Reply {
    Reply::raw(status, Some("application/problem+json"), body.to_string())
}

#[tokio::test]
async fn a_problem_without_type_is_not_malformed() {
    let (_server, client) = client_answered(problem_json(
        400,
        json!({"title": "Invalid filter", "status": 400, "detail": "state: unknown"}),
    ))
    .await;
    let error = client.contacts_list().call().await.unwrap_err();
    let Error::Rejected {
        operation, status, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((*operation, *status), ("contacts_list", 400));
    assert_eq!(error.problem_kind(), Some(ProblemKind::ValidationError));
    assert_eq!(
        error.to_string(),
        "IX-API rejected contacts_list: validation-error (400): Invalid filter: state: unknown"
    );
}

#[tokio::test]
async fn every_detail_of_a_list_is_kept() {
    let (_server, client) = client_answered(problem_json(
        403,
        json!({"type": "https://errors.ix-api.net/v2/permission-denied.html",
               "detail": ["You may not see this account.", "Ask its managing account."]}),
    ))
    .await;
    let error = client.accounts_read().id("7").call().await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    let shown = error.to_string();
    assert!(
        shown.ends_with(
            "permission-denied (403): You may not see this account.; Ask its managing account."
        ),
        "{shown}"
    );
}

#[tokio::test]
async fn nested_validation_reasons_keep_their_paths() {
    let (_server, client) = client_answered(problem_json(
        400,
        json!({
            "type": "https://errors.ix-api.net/v2/validation-error.html",
            "title": "Some fields did not validate.",
            "status": 400,
            "properties": [
                {"name": "billing_information", "reason": {
                    "address": {"country": ["This field is required."],
                                "postal_code": ["Too long.", "Not a postal code."]}}},
                {"name": "name", "reason": "This field may not be blank."},
            ],
        }),
    ))
    .await;
    let error = client
        .contacts_create()
        .body(json_body())
        .call()
        .await
        .unwrap_err();
    let problem = error.problem().expect("a problem");
    assert_eq!(
        problem.reasons(),
        [
            (
                "billing_information.address.country".to_string(),
                "This field is required.".to_string()
            ),
            (
                "billing_information.address.postal_code".into(),
                "Too long.".into()
            ),
            (
                "billing_information.address.postal_code".into(),
                "Not a postal code.".into()
            ),
            ("name".into(), "This field may not be blank.".into()),
        ]
    );
    assert!(
        error
            .to_string()
            .contains("billing_information.address.country: This field is required."),
        "{error}"
    );
}

/// A contact the generated model accepts.
fn json_body() -> ix_api_client::types::ContactRequest {
    serde_json::from_value(json!({
        "managing_account": "1", "consuming_account": "1", "name": "NOC",
    }))
    .expect("a contact request")
}

#[tokio::test]
async fn health_versions_written_as_numbers_decode() {
    for version in [json!(2), json!("2"), json!(2.7)] {
        let (_server, client) = client_answered(Reply::json(
            200,
            json!({"status": "pass", "version": version, "releaseId": 271,
                   "checks": {"database": [{"status": "pass", "time": "2026-12-01T00:00:00Z"}]}}),
        ))
        .await;
        let health = client.api_health_read().call().await.unwrap().into_inner();
        let read = health.version.expect("a version");
        assert_eq!(read.as_str(), version.to_string().trim_matches('"'));
        assert_eq!(health.release_id.map(|r| r.0), Some("271".to_string()));
    }
}

#[tokio::test]
async fn a_gateway_page_keeps_its_status() {
    let (_server, client) = client_answered(Reply::raw(
        502,
        Some("text/html"),
        "<html><body>Bad Gateway</body></html>",
    ))
    .await;
    let error = client.contacts_list().call().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::UnexpectedStatus {
                operation: "contacts_list",
                status: 502
            }
        ),
        "{error:?}"
    );
    // A documented error status with an HTML body is that status's problem.
    let (_server, client) = client_answered(Reply::raw(
        403,
        Some("text/html"),
        "<html><body>Forbidden by the WAF</body></html>",
    ))
    .await;
    let error = client.contacts_list().call().await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    assert_eq!(error.problem_kind(), Some(ProblemKind::PermissionDenied));
    assert!(!error.to_string().contains("WAF"), "the page is not kept");
}

#[tokio::test]
async fn a_malformed_success_keeps_its_status() {
    let (_server, client) =
        client_answered(Reply::raw(200, Some("application/json"), "[{\"id\": ")).await;
    let error = client.contacts_list().call().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::MalformedResponse {
                operation: "contacts_list",
                status: Some(200),
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_names_host_port_and_cause() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = Client::with_access_token(
        &format!("http://127.0.0.1:{port}/api/v2"),
        ix_api_tests::BEARER_TOKEN,
    );
    let error = client
        .contacts_list()
        .external_ref("secret-filter")
        .call()
        .await
        .unwrap_err();
    let Error::Transport { host, cause, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(host, &format!("127.0.0.1:{port}"));
    assert_eq!(*cause, TransportCause::Refused);
    let shown = error.to_string();
    assert!(
        shown.contains(&format!("127.0.0.1:{port}")) && shown.contains("connection refused"),
        "{shown}"
    );
    assert!(!shown.contains("secret-filter"), "no query string: {shown}");
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_timeout_of_the_http_client_is_named() {
    let (server, _) =
        client_answered(Reply::json(200, json!([])).after(Duration::from_secs(60))).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let client = Client::new_with_client(
        &server.base_url,
        http,
        ix_api_client::Auth::bearer(ix_api_tests::BEARER_TOKEN),
    );
    let error = client.contacts_list().call().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                cause: TransportCause::Timeout,
                ..
            }
        ),
        "{error:?}"
    );
}

/// A session's own failure is typed however it is reached, and an error the
/// exchange caused is not mistaken for one.
#[tokio::test]
async fn only_the_session_own_failures_are_session_errors() {
    let (_server, client) =
        client_answered(Reply::problem(404, "not-found", "No such contact")).await;
    let error = client.contacts_read().id("9").send().await.unwrap_err();
    assert!(Error::from_session(&error).is_none());
    assert!(matches!(
        Error::from_operation("contacts_read", error),
        Error::Rejected { status: 404, .. }
    ));
    // A list answered 404 is an operation the server does not have.
    let (_server, client) = client_answered(Reply::problem(404, "not-found", "No route")).await;
    assert!(matches!(
        client.contacts_list().call().await,
        Err(Error::NotImplemented {
            operation: "contacts_list",
            status: 404
        })
    ));
    let answered = Arc::new(AtomicUsize::new(0));
    let seen = answered.clone();
    let server = ScriptedServer::start(move |_| {
        seen.fetch_add(1, Ordering::Relaxed);
        Reply::problem(401, "authentication-error", "Bad secret")
    })
    .await;
    let (key, _) = demo_credentials();
    let error = Session::builder(&server.base_url)
        .credentials(
            key,
            "x".repeat(
                ix_api_client::ApiSecret::CONSTRAINTS
                    .max_length
                    .unwrap_or(86),
            ),
        )
        .build()
        .unwrap()
        .client()
        .contacts_list()
        .call()
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        Error::Rejected {
            operation: "auth_token_create",
            ..
        }
    ));
    assert_eq!(
        answered.load(Ordering::Relaxed),
        1,
        "only the login went out"
    );
}
