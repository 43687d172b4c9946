//! Latency of changes and reads while `--state` writes a file of 100,000
//! objects: every create is answered once its change is on disk, so creates
//! wait for a write; reads should not.
//!
//! `cargo bench -p ix-api-sandbox --bench state` (optimized). `LOAD_SECONDS`
//! sets the measured run's length (default 10); `STATE_OBJECTS` how many
//! MAC addresses are stored first (default 100,000).

use std::time::{Duration, Instant};

use ix_api_sandbox::{Account, Sandbox, SandboxConfig};
use serde_json::json;

mod support;
use support::{ApiUser, create_many, login, mac};

const CREATORS: usize = 32;
const READERS: usize = 8;

fn main() {
    let number = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let seconds = number("LOAD_SECONDS", 10);
    let objects = number("STATE_OBJECTS", 100_000);
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
    let dir =
        std::env::temp_dir().join(format!("ix-api-sandbox-state-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let account = Account::generate();
    let sandbox = server
        .block_on(Sandbox::start(SandboxConfig {
            accounts: vec![account.clone()],
            provisioning_delay: Duration::ZERO,
            state_file: Some(file.clone()),
            ..SandboxConfig::default()
        }))
        .unwrap();
    let base = sandbox.base_url().to_string();
    load.block_on(async {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .unwrap();
        let token = login(&http, &base, &account).await;
        let api = ApiUser { http, base, token };
        let started = Instant::now();
        create_many(&api, 256, objects, |i| mac(1_000_000 + i, "2")).await;
        println!(
            "{objects} creates with --state: {:.1} s; the file holds {} objects, {:.1} MB",
            started.elapsed().as_secs_f64(),
            sandbox.objects(),
            std::fs::metadata(&file).map_or(0, |m| m.len()) as f64 / 1e6,
        );
        let contact = api
            .create(
                "/contacts",
                json!({"managing_account": "2", "consuming_account": "3", "name": "bench"}),
            )
            .await;
        let one = format!("{}/contacts/{}", api.base, contact["id"].as_str().unwrap());

        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut creators = Vec::new();
        for c in 0..CREATORS {
            let (http, base, token) = (api.http.clone(), api.base.clone(), api.token.clone());
            creators.push(tokio::spawn(async move {
                let api = ApiUser { http, base, token };
                let mut latencies = Vec::new();
                let mut i = 0;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    api.create("/macs", mac(10_000_000 + (c as u64) * 1_000_000 + i, "2"))
                        .await;
                    latencies.push(sent.elapsed());
                    i += 1;
                }
                latencies
            }));
        }
        let mut readers = Vec::new();
        for _ in 0..READERS {
            let (http, url, token) = (api.http.clone(), one.clone(), api.token.clone());
            readers.push(tokio::spawn(async move {
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
        let mut creates = Vec::new();
        for task in creators {
            creates.extend(task.await.unwrap());
        }
        let mut reads = Vec::new();
        for task in readers {
            reads.extend(task.await.unwrap());
        }
        report(
            "create while the file is written",
            &mut creates,
            seconds,
            CREATORS,
        );
        report("GET one contact meanwhile", &mut reads, seconds, READERS);
    });
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
}

fn report(what: &str, latencies: &mut [Duration], seconds: u64, connections: usize) {
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{what}: {} in {seconds} s ({connections} connections); latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}
