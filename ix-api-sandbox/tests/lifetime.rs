//! The sandbox over time: nothing it starts outlives it, and what it
//! remembers of spent refresh tokens does not grow with their number.

use std::time::Duration;

use ix_api_sandbox::{Sandbox, SandboxConfig};
use ix_api_test_support::{resident_kib, token_pair};
use serde_json::{Value, json};

/// With `--state`, the writer task ends with the sandbox.
#[tokio::test]
async fn nothing_outlives_a_sandbox_with_a_state_file() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let dir = std::env::temp_dir().join(format!("ix-api-sandbox-lifetime-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        state_file: Some(dir.join("state.json")),
        provisioning_delay: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let pair = token_pair(&http, sandbox.base_url(), sandbox.credentials()).await;
    let created = http
        .post(format!("{}/contacts", sandbox.base_url()))
        .bearer_auth(pair["access_token"].as_str().unwrap())
        .json(&json!({"managing_account": "2", "consuming_account": "3", "name": "NOC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "a change, written to the file");
    assert!(metrics.num_alive_tasks() > before);
    drop(http);
    sandbox.shutdown().await;
    // The server and the state writer are gone; only the runtime's own
    // bookkeeping may take a moment.
    for _ in 0..1_000 {
        if metrics.num_alive_tasks() == before {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(
        metrics.num_alive_tasks(),
        before,
        "a task outlived the sandbox"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Resident memory over 1,000,000 refreshes (over HTTP, about a minute in a
/// release build): `cargo test --release -p ix-api-sandbox --test lifetime
/// -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a minute or more; run by hand"]
async fn memory_stays_flat_over_a_million_refreshes() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    let refresh_url = format!("{}/auth/refresh", sandbox.base_url());
    let mut refresh =
        token_pair(&http, sandbox.base_url(), sandbox.credentials()).await["refresh_token"]
            .as_str()
            .unwrap()
            .to_string();
    let mut rss = Vec::new();
    for round in 0..10 {
        for _ in 0..100_000 {
            let pair: Value = http
                .post(&refresh_url)
                .json(&json!({"refresh_token": refresh}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            refresh = pair["refresh_token"].as_str().unwrap().to_string();
        }
        rss.push(resident_kib());
        println!(
            "{} refreshes: resident {} KiB",
            (round + 1) * 100_000,
            rss[round]
        );
    }
    assert_eq!(sandbox.counts().refreshes, 1_000_000);
    // After the first round has warmed the allocator, flat within 4 MiB.
    let grown = rss[9].saturating_sub(rss[0]);
    assert!(grown < 4 * 1024, "grew {grown} KiB: {rss:?}");
}
