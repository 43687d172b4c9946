//! `--wait STATE` after an operation, and `ix-api api METHOD PATH`, against
//! a scripted exchange on 127.0.0.1 (whose objects move as the test says)
//! and the sandbox.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::json;

mod common;
use common::{World, code, hour_jwt, json_out, text};

/// An exchange whose one contact's reads answer the states in `states`,
/// in turn (the last from then on); it records the paths read.
async fn exchange(states: &'static [&'static str]) -> (String, Arc<Mutex<Vec<String>>>) {
    #[derive(Clone)]
    struct Seen(Arc<Mutex<Vec<String>>>, &'static [&'static str]);
    let seen = Seen(Arc::default(), states);
    let reads = seen.0.clone();
    let answer = |State(Seen(reads, states)): State<Seen>, method: Method, uri: Uri| async move {
        let path = uri.path().to_string();
        if path.ends_with("/auth/token") {
            let pair = json!({"access_token": hour_jwt("contact-reader"), "refresh_token": hour_jwt("contact-reader")});
            return (StatusCode::CREATED, axum::Json(pair)).into_response();
        }
        if method == Method::POST {
            let created = json!({"id": "9", "state": "requested", "managing_account": "1", "consuming_account": "1"});
            return (StatusCode::CREATED, axum::Json(created)).into_response();
        }
        let mut reads = reads.lock().unwrap();
        reads.push(path.clone());
        let state = states[(reads.len() - 1).min(states.len() - 1)];
        axum::Json(json!({"id": "9", "state": state, "path": path})).into_response()
    };
    let app = Router::new().fallback(answer).with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/api/v2"), reads)
}

async fn create_and_wait(
    name: &str,
    states: &'static [&'static str],
    timeout: &str,
) -> (i32, String, Vec<String>, String) {
    let (url, reads) = exchange(states).await;
    let world = World::new(name).await.at(&url);
    let order = world.home.join("order.json");
    let body = json!({
        "managing_account": "1", "consuming_account": "1", "billing_account": "1",
        "role_assignments": ["1"], "mode": "lag_lacp",
    });
    std::fs::write(&order, body.to_string()).unwrap();
    let output = world
        .run(
            &[
                "connections",
                "create",
                "--json",
                order.to_str().unwrap(),
                "--wait",
                "production",
                "--timeout",
                timeout,
            ],
            true,
        )
        .await;
    let reads = reads.lock().unwrap().clone();
    (
        code(&output),
        text(&output.stderr),
        reads,
        text(&output.stdout),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_exits_0_on_the_state_1_on_error_and_6_on_timeout() {
    let (exit, said, reads, printed) =
        create_and_wait("wait-arrives", &["requested", "production"], "1m").await;
    assert_eq!(exit, 0, "{said}");
    assert_eq!(
        reads,
        ["/api/v2/connections/9", "/api/v2/connections/9"],
        "polled the object it created"
    );
    // Defect 6 of issue 23: stdout holds the object as it arrived, once.
    let arrived: serde_json::Value = serde_json::from_str(&printed).expect(&printed);
    assert_eq!(arrived["state"], "production", "{printed}");
    assert_eq!(arrived["path"], "/api/v2/connections/9", "{printed}");

    let (exit, said, _, printed) =
        create_and_wait("wait-fails", &["requested", "error"], "1m").await;
    assert_eq!(exit, 1, "{said}");
    assert!(
        said.contains("/connections/9 landed in state error"),
        "{said}"
    );
    assert!(
        printed.is_empty(),
        "no JSON document on a failure: {printed}"
    );

    let (exit, said, reads, printed) =
        create_and_wait("wait-times-out", &["requested"], "1s").await;
    assert_eq!(exit, 6, "{said}");
    assert!(
        said.contains("is not production after 1s; last seen requested"),
        "{said}"
    );
    assert!(!reads.is_empty());
    assert!(
        printed.is_empty(),
        "no JSON document on a failure: {printed}"
    );
}

/// Defect 6 of issue 23: `--wait` only where the answer has a `state`, and
/// STATE one of its states; refused (exit 2) before anything is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_is_offered_only_for_states_the_spec_names() {
    let (url, reads) = exchange(&["production"]).await;
    let world = World::new("wait-states").await.at(&url);
    let contacts = world
        .run(
            &[
                "contacts",
                "create",
                "--managing-account",
                "1",
                "--consuming-account",
                "1",
                "--wait",
                "production",
            ],
            true,
        )
        .await;
    assert_eq!(code(&contacts), 2, "contacts have no state");
    assert!(
        text(&contacts.stderr).contains("--wait"),
        "{}",
        text(&contacts.stderr)
    );
    let typo = world
        .run(
            &["connections", "read", "--id", "9", "--wait", "prodution"],
            true,
        )
        .await;
    let said = text(&typo.stderr);
    assert_eq!(code(&typo), 2, "{said}");
    for state in ["production", "requested", "decommissioned", "error"] {
        assert!(said.contains(state), "the states are listed: {said}");
    }
    assert!(reads.lock().unwrap().is_empty(), "nothing was read");
    let help = world.run(&["connections", "create", "--help"], false).await;
    assert!(text(&help.stdout).contains("--wait"));
    let help = world.run(&["contacts", "create", "--help"], false).await;
    assert!(!text(&help.stdout).contains("--wait"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_calls_any_path_with_the_cached_token() {
    let world = World::new("api").await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);
    let implementation = world.run(&["api", "GET", "/implementation"], false).await;
    assert_eq!(code(&implementation), 0, "{}", text(&implementation.stderr));
    assert!(json_out(&implementation)["supported_operations"].is_array());

    let created = world
        .run_with_stdin(
            &["api", "post", "/contacts", "--json", "-"],
            &json!({"managing_account": "2", "consuming_account": "2", "name": "by api"})
                .to_string(),
        )
        .await;
    assert_eq!(code(&created), 0, "{}", text(&created.stderr));
    let id = json_out(&created)["id"].as_str().unwrap().to_string();
    let absolute = format!("{}/contacts/{id}", world.sandbox.base_url());
    let read = world.run(&["api", "GET", &absolute], false).await;
    assert_eq!(json_out(&read)["name"], "by api");

    let refused = world.run(&["api", "GET", "/contacts/424242"], false).await;
    assert_eq!(code(&refused), 1);
    assert!(
        text(&refused.stderr).contains("not-found"),
        "{}",
        text(&refused.stderr)
    );
    let elsewhere = world
        .run(&["api", "GET", "http://example.net/x"], false)
        .await;
    assert_eq!(code(&elsewhere), 2, "{}", text(&elsewhere.stderr));
    assert_eq!(world.sandbox.counts().logins, 1);
}
