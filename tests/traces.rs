//! What shows of secrets in `tracing` output, `Debug` and errors, with the
//! session logging in, retrying after a 401 and failing on garbage. A test
//! binary of its own: a thread-local subscriber must not race other tests
//! for tracing's per-callsite cache.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ix_api_client::Session;
use ix_api_tests::{
    Captured, Recorded, Reply, ScriptedServer, demo_credentials, implementation, jwt,
    read_implementation, token_pair,
};

const IMPLEMENTATION: &str = "/api/v2/implementation";

#[test]
fn secrets_never_show_in_traces_debug_or_errors() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // One thread, so that the tasks the session spawns log here too.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let (key, secret) = demo_credentials();
    let issued: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = issued.clone();
    let mut shown = Vec::new();
    runtime.block_on(async {
        let server = ScriptedServer::start(move |r: &Recorded| {
            let access = jwt("access", Duration::from_secs(900));
            let refresh = jwt("refresh", Duration::from_secs(3600));
            log.lock()
                .unwrap()
                .extend([access.clone(), refresh.clone()]);
            match r.path.as_str() {
                // The first bearer call is refused, to exercise the retry.
                IMPLEMENTATION
                    if r.header("authorization")
                        .is_some_and(|h| h.ends_with(&log.lock().unwrap()[0])) =>
                {
                    Reply::problem(401, "authentication-error", "Token revoked")
                }
                IMPLEMENTATION => implementation(),
                _ => token_pair(&access, &refresh),
            }
        })
        .await;
        let builder = Session::builder(&server.base_url).credentials(key.as_str(), secret.as_str());
        shown.push(format!("{builder:?}"));
        let session = builder.build().unwrap();
        let token = session.access_token().await.unwrap();
        read_implementation(&session).await.unwrap();
        shown.push(format!(
            "{session:?} {token:?} {:?} {:?}",
            session.tokens(),
            session.client()
        ));

        let garbage = ScriptedServer::start(|_| {
            Reply::raw(
                201,
                Some("application/json"),
                r#"{"access_token": "eyJsecret-in-body"#,
            )
        })
        .await;
        let failing = Session::builder(&garbage.base_url)
            .credentials(key.as_str(), secret.as_str())
            .build()
            .unwrap();
        let error = failing.access_token().await.unwrap_err();
        shown.push(format!("{error:?} {error}"));
        let error = read_implementation(&failing).await.unwrap_err();
        shown.push(format!("{error:?} {error}"));
    });

    let traces = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        traces.contains("obtained a new IX-API token pair"),
        "{traces}"
    );
    assert!(
        traces.contains("retried once with a new access token after a 401"),
        "{traces}"
    );
    let everything = format!("{traces}\n{}", shown.join("\n"));
    let issued = issued.lock().unwrap();
    assert!(issued.len() >= 6);
    for secret_value in issued.iter().chain([&secret]) {
        assert!(
            !everything.contains(secret_value.as_str()),
            "leaked into:\n{everything}"
        );
    }
    assert!(!everything.contains("eyJsecret-in-body"), "{everything}");
}
