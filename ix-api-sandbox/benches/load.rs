//! Requests per second and latency of the sandbox on 127.0.0.1, with the
//! load generator in the same process on its own runtime (both on this
//! machine's cores), and the memory 100,000 stored objects take.
//!
//! `cargo bench -p ix-api-sandbox --bench load` (optimized). Prints one line
//! per scenario; `LOAD_SECONDS` sets each run's length (default 5).

use std::time::{Duration, Instant};

use ix_api_sandbox::{Account, Sandbox, SandboxConfig};
use serde_json::json;

mod support;
use ix_api_test_support::resident_kib;
use support::{ApiUser, create_many, login, mac};

const CONNECTIONS: usize = 32;

fn main() {
    let seconds: u64 = std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let account = Account::generate();
    let sandbox = server
        .block_on(Sandbox::start(SandboxConfig {
            accounts: vec![account.clone()],
            provisioning_delay: Duration::ZERO,
            ..SandboxConfig::default()
        }))
        .unwrap();
    let base = sandbox.base_url().to_string();
    load.block_on(async {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(CONNECTIONS)
            .build()
            .unwrap();
        let token = login(&http, &base, &account).await;
        let api = ApiUser { http, base, token };

        let contact = api
            .create("/contacts", json!({"managing_account": "2", "consuming_account": "3", "name": "bench"}))
            .await;
        let one = format!("/contacts/{}", contact["id"].as_str().unwrap());
        run(&api, "GET one contact", &one, seconds).await;

        // 1,000 MAC addresses of the sub-customer among others of the reseller.
        create_many(&api, CONNECTIONS, 1_000, |i| mac(i, "3")).await;
        create_many(&api, CONNECTIONS, 1_000, |i| mac(10_000 + i, "2")).await;
        let filtered = "/macs?consuming_account=3";
        let listed = api.get(filtered).await.as_array().unwrap().len();
        assert_eq!(listed, 1_000);
        run(&api, "GET a filtered list of 1,000 MACs", filtered, seconds).await;

        let before = resident_kib();
        let objects_before = sandbox.objects();
        let started = Instant::now();
        create_many(&api, CONNECTIONS, 100_000, |i| mac(100_000 + i, "2")).await;
        let created = started.elapsed();
        let after = resident_kib();
        println!(
            "100,000 creates: {:.1} s ({:.0}/s); {} objects stored; resident memory {} MiB -> {} MiB (+{:.0} bytes per object)",
            created.as_secs_f64(),
            100_000.0 / created.as_secs_f64(),
            sandbox.objects(),
            before / 1024,
            after / 1024,
            (after - before) as f64 * 1024.0 / (sandbox.objects() - objects_before) as f64,
        );
    });
}

/// `CONNECTIONS` clients GET `path` in a loop for `seconds`.
async fn run(api: &ApiUser, what: &str, path: &str, seconds: u64) {
    let url = format!("{}{path}", api.base);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (http, url, token) = (api.http.clone(), url.clone(), api.token.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let response = http.get(&url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(response.status().as_u16(), 200);
                response.bytes().await.unwrap();
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let started = Instant::now();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{what}: {} requests in {:.1} s = {:.0} requests/s; latency p50 {:.2} ms, p99 {:.2} ms ({CONNECTIONS} connections)",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
    );
}
