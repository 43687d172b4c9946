//! One `tracing` span per operation, with what was called and how it went
//! (operation id, method, path template, status, duration, attempt) and
//! nothing secret; and the `User-Agent` exchanges see. A test binary of its
//! own: the subscriber is thread-local.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ix_api_client::{Call, Session};
use ix_api_tests::{
    Captured, Recorded, Reply, ScriptedServer, demo_credentials, implementation, jwt, token_pair,
};

#[test]
fn each_operation_is_one_span_with_its_facts_and_no_secrets() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (key, secret) = demo_credentials();
    let issued: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = issued.clone();
    let agents: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = agents.clone();
    runtime.block_on(async {
        let server = ScriptedServer::start(move |r: &Recorded| {
            seen.lock()
                .unwrap()
                .push(r.header("user-agent").unwrap_or_default().to_string());
            let mut issued = log.lock().unwrap();
            if r.path.ends_with("/auth/token") || r.path.ends_with("/auth/refresh") {
                let pair = (
                    jwt("access", Duration::from_secs(900)),
                    jwt("refresh", Duration::from_secs(3600)),
                );
                issued.extend([pair.0.clone(), pair.1.clone()]);
                return token_pair(&pair.0, &pair.1);
            }
            // The first token is refused: the call is retried once.
            if r.header("authorization")
                .is_some_and(|h| h.ends_with(&issued[0]))
            {
                return Reply::problem(401, "authentication-error", "Token revoked");
            }
            if r.path.starts_with("/api/v2/contacts/") {
                return Reply::problem(404, "not-found", "No such contact");
            }
            implementation()
        })
        .await;
        let session = Session::builder(&server.base_url)
            .credentials(key.as_str(), secret.as_str())
            .user_agent("noc-automation/1.2")
            .build()
            .unwrap();
        session
            .client()
            .api_implementation_read()
            .call()
            .await
            .unwrap();
        let missing = session.client().contacts_read().id("42").call().await;
        assert!(missing.is_err());
    });

    let traces = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let spans: Vec<&str> = traces
        .lines()
        .filter(|line| line.contains("ix_api.operation") && line.contains("close"))
        .collect();
    assert_eq!(
        spans.len(),
        4,
        "login, implementation, the refresh after its 401, contact:\n{traces}"
    );
    let find = |operation: &str| {
        spans
            .iter()
            .find(|line| line.contains(&format!("operation=\"{operation}\"")))
            .unwrap_or_else(|| panic!("no span of {operation}:\n{traces}"))
    };
    let read = find("api_implementation_read");
    for fact in [
        "method=GET",
        "path=\"/implementation\"",
        "status=200",
        "attempt=2",
        "duration_ms=",
    ] {
        assert!(read.contains(fact), "{fact} in {read}");
    }
    let contact = find("contacts_read");
    for fact in ["path=\"/contacts/{id}\"", "status=404", "attempt=1"] {
        assert!(contact.contains(fact), "{fact} in {contact}");
    }
    for renewal in ["auth_token_create", "auth_token_refresh"] {
        let span = find(renewal);
        assert!(
            span.contains("method=POST") && span.contains("status=201"),
            "{span}"
        );
    }
    for secret_value in issued.lock().unwrap().iter().chain([&secret]) {
        assert!(
            !traces.contains(secret_value.as_str()),
            "a secret in the traces"
        );
    }

    let agents = agents.lock().unwrap();
    assert!(agents.len() >= 4);
    let expected = format!("ix-api-rs/{} noc-automation/1.2", env!("CARGO_PKG_VERSION"));
    assert!(agents.iter().all(|agent| *agent == expected), "{agents:?}");
}
