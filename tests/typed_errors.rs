//! Every error typed, at any load, and every error answer understood: the
//! session's own failures through `client()` and `Call::call`, error
//! documents as real exchanges write them, transport failures named by host
//! and cause. Scripted servers on 127.0.0.1 play IX-API.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ix_api_client::{Call, Client, Error, ProblemKind, Session, TransportCause, Unimplemented};
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
    // A list answered 404 that `GET /implementation` does not list is an
    // operation the server does not have: not the session's failure either.
    let server = ScriptedServer::start(|request| {
        if request.path.ends_with("/implementation") {
            implementation_of(&["contacts_read"])
        } else {
            Reply::problem(404, "not-found", "No route")
        }
    })
    .await;
    let client = Client::with_access_token(&server.base_url, ix_api_tests::BEARER_TOKEN);
    let error = client.contacts_list().send().await.unwrap_err();
    assert!(Error::from_session(&error).is_none());
    assert!(matches!(
        Error::from_operation("contacts_list", error),
        Error::NotImplemented {
            operation: "contacts_list",
            status: 404,
            why: Unimplemented::Unlisted,
        }
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

// Error answers as real exchanges write them, whatever the spec lists.

/// `GET /implementation` listing `operations`.
fn implementation_of(operations: &[&str]) -> Reply {
    Reply::json(
        200,
        json!({
            "schema_version": "2.7.1",
            "supported_network_service_types": [],
            "supported_network_service_config_types": [],
            "supported_network_feature_types": [],
            "supported_network_feature_config_types": [],
            "supported_operations": operations,
        }),
    )
}

/// `contacts_read` documents no 400; a 400 problem is still the problem it
/// is, with its details, through `call()` and through `send()` alike.
#[tokio::test]
async fn an_undocumented_status_with_a_problem_is_that_problem() {
    let (_server, client) = client_answered(problem_json(
        400,
        json!({"type": "https://errors.ix-api.net/v2/validation-error.html",
               "title": "Bad id", "status": 400,
               "properties": [{"name": "id", "reason": "not a number"}]}),
    ))
    .await;
    let error = client.contacts_read().id("x").call().await.unwrap_err();
    let Error::Rejected {
        operation: "contacts_read",
        status: 400,
        problem,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(problem.kind(), ProblemKind::ValidationError);
    assert_eq!(
        error.to_string(),
        "IX-API rejected contacts_read: validation-error (400): Bad id: id: not a number"
    );
    assert!(!error.is_transient());
    let sent = client.contacts_read().id("x").send().await.unwrap_err();
    assert!(matches!(
        Error::from_operation("contacts_read", sent),
        Error::Rejected { status: 400, .. }
    ));

    // A 503 problem no operation documents: the problem, and transient.
    let (_server, client) = client_answered(problem_json(
        503,
        json!({"title": "Maintenance", "detail": "back at 06:00"}),
    ))
    .await;
    let error = client.contacts_list().call().await.unwrap_err();
    assert!(
        matches!(error, Error::Rejected { status: 503, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("back at 06:00"), "{error}");
    assert!(error.is_transient());
}

/// A 404 without an IX-API problem `type` is "not found" when the server's
/// `GET /implementation` lists the operation, which is asked once however
/// many such 404s come, at once or one after another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_without_type_is_not_found_and_implementation_is_asked_once() {
    let server = ScriptedServer::start(|request| {
        if request.path == "/api/v2/implementation" {
            implementation_of(&["contacts_read", "contacts_list", "facilities_read"])
        } else {
            problem_json(404, json!({"detail": "Not found."}))
        }
    })
    .await;
    let client = Client::with_access_token(&server.base_url, ix_api_tests::BEARER_TOKEN);
    let mut calls = Vec::new();
    for i in 0..20 {
        let client = client.clone();
        calls.push(tokio::spawn(async move {
            client.contacts_read().id(i.to_string()).call().await
        }));
    }
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert!(
            matches!(
                error,
                Error::Rejected {
                    operation: "contacts_read",
                    status: 404,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.problem_kind(), Some(ProblemKind::NotFound));
        assert!(error.to_string().contains("Not found."), "{error}");
    }
    // A list and another read, later: still no second look.
    let listed = client.contacts_list().call().await.unwrap_err();
    assert!(
        matches!(listed, Error::Rejected { status: 404, .. }),
        "{listed:?}"
    );
    let read = client.facilities_read().id("1").call().await.unwrap_err();
    assert_eq!(read.problem_kind(), Some(ProblemKind::NotFound));
    assert_eq!(count(&server, "/api/v2/implementation"), 1);
    let asked = &server
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v2/implementation")
        .unwrap();
    assert_eq!(
        asked.header("authorization"),
        Some(format!("Bearer {}", ix_api_tests::BEARER_TOKEN).as_str()),
        "asked with the client's token"
    );

    // IX-API's own not-found problem needs no look at all.
    let (server, client) =
        client_answered(Reply::problem(404, "not-found", "No such contact")).await;
    let error = client.contacts_read().id("9").call().await.unwrap_err();
    assert!(matches!(error, Error::Rejected { status: 404, .. }));
    assert_eq!(count(&server, "/api/v2/implementation"), 0);
}

/// A 404 for an operation the server's `GET /implementation` leaves out is
/// "not implemented", and says so; a 405 and a 501 say it themselves.
#[tokio::test]
async fn not_implemented_says_why() {
    let server = ScriptedServer::start(|request| match request.path.as_str() {
        "/api/v2/implementation" => implementation_of(&["contacts_read"]),
        path if path.starts_with("/api/v2/connections") => {
            Reply::raw(405, Some("text/html"), "<h1>Method Not Allowed</h1>")
        }
        path if path.starts_with("/api/v2/facilities") => Reply::raw(501, None, ""),
        _ => Reply::raw(404, Some("text/html"), "<h1>Not Found</h1>"),
    })
    .await;
    let client = Client::with_access_token(&server.base_url, ix_api_tests::BEARER_TOKEN);
    let error = client.port_reservations_list().call().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::NotImplemented {
                operation: "port_reservations_list",
                status: 404,
                why: Unimplemented::Unlisted,
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "this IX-API server does not implement port_reservations_list (it answered 404, \
         and its GET /implementation does not list the operation)"
    );
    assert!(!error.is_transient());
    let read = client
        .port_reservations_read()
        .id("1")
        .call()
        .await
        .unwrap_err();
    assert!(matches!(
        read,
        Error::NotImplemented {
            why: Unimplemented::Unlisted,
            ..
        }
    ));
    let listed = client.contacts_read().id("1").call().await.unwrap_err();
    assert!(
        matches!(listed, Error::Rejected { status: 404, .. }),
        "listed, so not found: {listed:?}"
    );
    for (error, status) in [
        (client.connections_list().call().await.unwrap_err(), 405),
        (client.facilities_list().call().await.unwrap_err(), 501),
    ] {
        assert!(
            matches!(error, Error::NotImplemented { status: s, why: Unimplemented::Status, .. } if s == status),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .ends_with(&format!("(it answered {status})")),
            "{error}"
        );
    }
    assert_eq!(count(&server, "/api/v2/implementation"), 1);
}

/// A base URL without `/api/v2`: every path, `/implementation` too, is a
/// web server's 404 page. The error says so and what to try, whether the
/// client calls or the session logs in first.
#[tokio::test]
async fn a_base_url_without_ix_api_is_named_with_its_fix() {
    let server = ScriptedServer::start(|_| {
        Reply::raw(
            404,
            Some("text/html"),
            "<html><body>Not Found</body></html>",
        )
    })
    .await;
    let origin = server.base_url.strip_suffix("/api/v2").unwrap().to_string();
    let client = Client::with_access_token(&origin, ix_api_tests::BEARER_TOKEN);
    let error = client.contacts_read().id("1").call().await.unwrap_err();
    let Error::NoIxApi {
        operation,
        base_url,
        hint,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        (*operation, base_url.as_str()),
        ("contacts_read", origin.as_str())
    );
    assert!(hint.contains(&format!("try {origin}/api/v2")), "{hint}");
    let shown = error.to_string();
    assert!(!shown.contains("does not implement"), "{shown}");
    assert!(
        shown.contains(&origin) && shown.contains("/api/v2"),
        "{shown}"
    );
    assert!(!error.is_transient());
    // The list and `/implementation` itself say the same.
    assert!(matches!(
        client.contacts_list().call().await,
        Err(Error::NoIxApi { .. })
    ));
    assert!(matches!(
        client.api_implementation_read().call().await,
        Err(Error::NoIxApi { .. })
    ));

    let (key, secret) = demo_credentials();
    let session = Session::builder(format!("{origin}/"))
        .credentials(key, secret)
        .build()
        .unwrap();
    let error = session.client().contacts_list().call().await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::NoIxApi {
                operation: "auth_token_create",
                hint,
                ..
            } if hint.contains(&format!("try {origin}/api/v2"))
        ),
        "{error:?}"
    );
}

/// An item of a list that breaks the spec: the error names the operation,
/// the status (a 206 too) and the member with the item's index, and keeps
/// the body as it came.
#[tokio::test]
async fn a_malformed_answer_names_where_and_keeps_the_body() {
    let contact = |i: usize| {
        json!({"id": i.to_string(), "managing_account": "1", "consuming_account": "1",
               "name": format!("NOC {i}")})
    };
    let mut contacts: Vec<_> = (0..5).map(contact).collect();
    contacts[3]["consuming_account"] = json!(7);
    let body = serde_json::to_string(&contacts).unwrap();
    let (_server, client) =
        client_answered(Reply::raw(206, Some("application/json"), body.clone())).await;
    let error = client.contacts_list().call().await.unwrap_err();
    let Error::MalformedResponse {
        operation,
        status,
        path,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        (*operation, *status, path.as_deref()),
        ("contacts_list", Some(206), Some("[3].consuming_account"))
    );
    assert_eq!(error.raw_body(), Some(body.as_bytes()));
    let shown = error.to_string();
    assert!(
        shown.starts_with(
            "IX-API's answer to contacts_list (status 206) is malformed at [3].consuming_account: "
        ),
        "{shown}"
    );
    assert!(!shown.contains("NOC"), "the body is not shown: {shown}");
    assert!(
        !format!("{error:?}").contains("NOC"),
        "nor in Debug: {error:?}"
    );

    // A missing member is named down to itself; the object's index too.
    contacts[3] = contact(3);
    contacts[2]
        .as_object_mut()
        .unwrap()
        .remove("managing_account");
    let (_server, client) = client_answered(Reply::json(200, json!(contacts))).await;
    let sent = client.contacts_list().send().await.unwrap_err();
    let error =
        ix_api_client::with_answer_status(async { Error::from_operation("contacts_list", sent) })
            .await;
    assert!(
        matches!(&error, Error::MalformedResponse { path: Some(path), .. } if path == "[2].managing_account"),
        "{error:?}"
    );
    assert!(error.raw_body().is_some());

    // One object, nested.
    let (_server, client) = client_answered(Reply::json(
        200,
        json!({"id": "1", "managing_account": "1", "consuming_account": 5}),
    ))
    .await;
    let error = client.contacts_read().id("1").call().await.unwrap_err();
    assert!(
        matches!(&error, Error::MalformedResponse { status: Some(200), path: Some(path), .. } if path == "consuming_account"),
        "{error:?}"
    );
}

/// The token operations' answers hold tokens: a malformed one keeps no
/// body, and nothing of it is shown.
#[tokio::test]
async fn a_malformed_token_answer_keeps_no_body() {
    let leaked = "eyJsecret-access-token";
    let body = json!({"access_token": leaked, "refresh_token": 17}).to_string();
    let server =
        ScriptedServer::start(move |_| Reply::raw(201, Some("application/json"), body.clone()))
            .await;
    let client = Client::new(&server.base_url, ix_api_client::Auth::none());
    let (key, secret) = demo_credentials();
    let direct = client
        .auth_token_create()
        .body(
            serde_json::from_value::<ix_api_client::types::AuthTokenRequest>(
                json!({"api_key": &key, "api_secret": &secret}),
            )
            .unwrap(),
        )
        .call()
        .await
        .unwrap_err();
    let refresh = client
        .auth_token_refresh()
        .body(
            serde_json::from_value::<ix_api_client::types::RefreshTokenRequest>(
                json!({"refresh_token": "eyJold"}),
            )
            .unwrap(),
        )
        .call()
        .await
        .unwrap_err();
    let session = Session::builder(&server.base_url)
        .credentials(key.clone(), secret.clone())
        .build()
        .unwrap();
    let through_session = session.access_token().await.unwrap_err();
    for (error, operation) in [
        (direct, "auth_token_create"),
        (refresh, "auth_token_refresh"),
        (through_session, "auth_token_create"),
    ] {
        assert!(
            matches!(&error, Error::MalformedResponse { operation: o, status: Some(201), body: None, .. } if *o == operation),
            "{error:?}"
        );
        assert_eq!(error.raw_body(), None);
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(leaked), "{shown}");
        assert!(
            shown.contains("refresh_token"),
            "the member is named: {shown}"
        );
    }
}

/// The sandbox playing IX-API 2.1.0: what 2.1.0 lacks is not implemented
/// (its `GET /implementation` does not list it, read once for the whole
/// session), what it has but cannot find is not found, and the session
/// answers `supports` from the same reading.
#[tokio::test]
async fn a_2_1_exchange_lists_what_it_implements_once_per_session() {
    use ix_api_sandbox::{Sandbox, SandboxConfig, SchemaVersion};
    let sandbox = Sandbox::start(SandboxConfig {
        provisioning_delay: Duration::ZERO,
        schema_version: SchemaVersion::V2_1_0,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let session = ix_api_tests::demo_session(&sandbox);
    for _ in 0..3 {
        let error = session
            .client()
            .port_reservations_list()
            .call()
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::NotImplemented {
                    operation: "port_reservations_list",
                    status: 404,
                    why: Unimplemented::Unlisted,
                }
            ),
            "{error:?}"
        );
    }
    let missing = session
        .client()
        .contacts_read()
        .id("no-such-contact")
        .call()
        .await
        .unwrap_err();
    assert_eq!(
        missing.problem_kind(),
        Some(ProblemKind::NotFound),
        "{missing:?}"
    );
    assert!(session.supports("contacts_list").await.unwrap());
    assert!(!session.supports("port_reservations_list").await.unwrap());
    assert_eq!(sandbox.counts().implementation_reads, 1);
}

/// The member path of a malformed answer, found from serde_json's error
/// position, is the one `serde_path_to_error` tracks while decoding: every
/// member of the sandbox's answers, each made the wrong kind in turn, left
/// out, and (a string) made too long for any constrained string. Among
/// them: members held before a polymorphic model's tag, constrained
/// strings and open string enums as the last member of their object.
#[tokio::test]
async fn member_paths_are_the_ones_the_decoder_tracks() {
    use ix_api_client::builder::{
        AccountsList, ContactsList, DevicesList, FacilitiesList, MetroAreasList,
        NetworkServicesList, PopsList, ProductOfferingsList,
    };
    use serde_json::Value;

    /// Every document that `doc` becomes with one member or item made the
    /// wrong kind.
    fn broken(doc: &Value) -> Vec<Value> {
        let wrong = |value: &Value| match value {
            Value::String(_) => json!({"x": [1]}),
            Value::Object(_) | Value::Array(_) => json!(7),
            _ => json!("seven"),
        };
        let mut out = vec![];
        match doc {
            Value::Object(members) => {
                for (name, value) in members {
                    let mut changed = doc.clone();
                    changed[name] = wrong(value);
                    out.push(changed);
                    if value.is_string() {
                        // Longer than any constrained string allows.
                        let mut long = doc.clone();
                        long[name] = json!("x".repeat(300));
                        out.push(long);
                    }
                    let mut removed = doc.clone();
                    removed.as_object_mut().unwrap().remove(name);
                    out.push(removed);
                    for inner in broken(value) {
                        let mut changed = doc.clone();
                        changed[name] = inner;
                        out.push(changed);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let mut changed = doc.clone();
                    changed[i] = wrong(item);
                    out.push(changed);
                    for inner in broken(item) {
                        let mut changed = doc.clone();
                        changed[i] = inner;
                        out.push(changed);
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// Documents that failed to decode, those of them that failed on a
    /// constrained string, and the paths that differ.
    #[derive(Default)]
    struct Tried {
        failed: usize,
        constrained: usize,
        differ: Vec<String>,
    }

    fn compare<C: Call>(answer: &Value) -> Tried
    where
        C::Answer: serde::de::DeserializeOwned,
    {
        let mut tried = Tried::default();
        for (n, doc) in broken(answer).iter().enumerate() {
            // Both layouts: serde_json's positions count lines.
            let body = if n % 2 == 0 {
                serde_json::to_vec(doc)
            } else {
                serde_json::to_vec_pretty(doc)
            }
            .unwrap();
            let mut json = serde_json::Deserializer::from_slice(&body);
            let Err(tracked) = serde_path_to_error::deserialize::<_, C::Answer>(&mut json) else {
                continue;
            };
            tried.failed += 1;
            if tracked.inner().to_string().starts_with("longer than") {
                tried.constrained += 1;
            }
            let tracked = tracked.path().to_string();
            let found = C::locate(&body).unwrap_or_else(|| ".".into());
            if found != tracked {
                tried
                    .differ
                    .push(format!("{}: {found} != {tracked}", C::OPERATION));
            }
        }
        tried
    }

    let sandbox = ix_api_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let user = ix_api_tests::ApiUser::login(sandbox.base_url(), sandbox.credentials()).await;
    // What the sandbox's answers give today: fewer means members went
    // untried.
    const MIN_FAILED: usize = 432;
    const MIN_CONSTRAINED: usize = 85;
    let mut all = Tried::default();
    for (path, compare) in [
        ("/accounts", compare::<AccountsList> as fn(&Value) -> Tried),
        ("/contacts", compare::<ContactsList>),
        ("/facilities", compare::<FacilitiesList>),
        ("/devices", compare::<DevicesList>),
        ("/pops", compare::<PopsList>),
        ("/metro-areas", compare::<MetroAreasList>),
        ("/network-services", compare::<NetworkServicesList>),
        ("/product-offerings", compare::<ProductOfferingsList>),
    ] {
        // A few items of each: every member is tried in each of them.
        let mut answer = user.get(path).await;
        answer.as_array_mut().unwrap().truncate(3);
        let tried = compare(&answer);
        all.failed += tried.failed;
        all.constrained += tried.constrained;
        all.differ.extend(tried.differ);
    }
    let Tried {
        failed,
        constrained,
        differ,
    } = all;
    println!("{failed} broken answers, {constrained} of them by a constrained string");
    assert!(
        failed >= MIN_FAILED,
        "only {failed} broken answers were tried"
    );
    assert!(
        constrained >= MIN_CONSTRAINED,
        "only {constrained} broke a constrained string"
    );
    assert!(
        differ.is_empty(),
        "{} of {failed} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}
