//! `--state FILE`: the exchange survives a restart, a `kill -9` at any
//! moment leaves a state that loads with every acknowledged change, and a
//! file that is not a sandbox state stops the start and is left untouched.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use ix_api_test_support::ApiUser;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const API_KEY: &str = "statefile0000001";

fn api_secret() -> String {
    "s".repeat(86)
}

struct Running {
    child: Child,
    api: ApiUser,
}

async fn start(state: &Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ix-api-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--provisioning-delay", "0"])
        .args(["--api-key", API_KEY, "--api-secret", &api_secret()])
        .arg("--state")
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the sandbox");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .await
        .unwrap();
    let started: Value = serde_json::from_str(&line).expect("the start line");
    let base = started["base_url"].as_str().unwrap().to_string();
    let api = ApiUser::login(&base, (API_KEY, &api_secret())).await;
    Running { child, api }
}

/// The id of a new contact; none if the sandbox did not take it (it may
/// be killed meanwhile).
async fn create_contact(api: &ApiUser, name: &str) -> Option<String> {
    let response = api
        .http
        .post(format!("{}/contacts", api.base))
        .bearer_auth(&api.token)
        .json(&json!({"managing_account": "2", "consuming_account": "2", "name": name}))
        .send()
        .await
        .ok()?;
    if response.status().as_u16() != 201 {
        return None;
    }
    let contact: Value = response.json().await.ok()?;
    contact["id"].as_str().map(str::to_string)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ix-api-state-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn the_exchange_survives_a_restart() {
    let dir = scratch("restart");
    let state = dir.join("exchange.json");
    let first = start(&state).await;
    let id = create_contact(&first.api, "kept").await.expect("created");
    drop(first); // killed
    let second = start(&state).await;
    assert!(second.api.ids("/contacts").await.contains(&id));
    let next = create_contact(&second.api, "after").await.unwrap();
    assert!(
        next.parse::<u64>().unwrap() > id.parse::<u64>().unwrap(),
        "ids are not reused"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_any_moment_keeps_every_acknowledged_change() {
    let dir = scratch("kill");
    let state = dir.join("exchange.json");
    let mut acknowledged = Vec::new();
    for round in 0..6u64 {
        let mut running = start(&state).await;
        // Creates from four clients at once, killed after a round-dependent
        // number of acknowledgements, mid-stream.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let tx = tx.clone();
                let api = running.api.clone();
                tokio::spawn(async move {
                    for i in 0.. {
                        match create_contact(&api, &format!("r{round} w{w} #{i}")).await {
                            Some(id) => {
                                if tx.send(id).is_err() {
                                    break;
                                }
                            }
                            None => break,
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let wanted = 5 + round * 7;
        while let Some(id) = rx.recv().await {
            acknowledged.push(id);
            if acknowledged.len() as u64 >= wanted + round * 5 {
                break;
            }
        }
        running.child.start_kill().unwrap(); // SIGKILL
        running.child.wait().await.unwrap();
        // Whatever was acknowledged before the kill was on disk.
        while let Ok(id) = rx.try_recv() {
            acknowledged.push(id);
        }
        for writer in writers {
            let _ = writer.await;
        }
        let text = std::fs::read_to_string(&state).expect("the state file is there");
        let _: Value = serde_json::from_str(&text).expect("and whole");
    }
    let last = start(&state).await;
    let listed = last.api.ids("/contacts").await;
    let missing: Vec<_> = acknowledged
        .iter()
        .filter(|id| !listed.contains(id))
        .collect();
    assert!(missing.is_empty(), "lost after kill -9: {missing:?}");
    assert!(acknowledged.len() >= 30, "{} creates", acknowledged.len());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_file_that_is_not_a_sandbox_state_stops_the_start_and_is_left_alone() {
    let dir = scratch("foreign");
    for (name, content) in [
        ("garbage.json", &b"\x00\x01 not json"[..]),
        ("foreign.json", &br#"{"accounts": []}"#[..]),
        (
            "newer.json",
            &br#"{"ix-api-sandbox-state": 99, "store": {}}"#[..],
        ),
        (
            "truncated.json",
            &br#"{"ix-api-sandbox-state": 1, "store": {"next_id": 4"#[..],
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_ix-api-sandbox"))
            .args(["--listen", "127.0.0.1:0", "--state"])
            .arg(&path)
            .output()
            .await
            .unwrap();
        assert!(!output.status.success(), "{name}: must not start");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains(name), "{name}: names the file: {message}");
        assert!(
            message.contains("state") && message.contains("untouched"),
            "{name}: {message}"
        );
        assert!(output.stdout.is_empty(), "{name}: printed no start line");
        assert_eq!(std::fs::read(&path).unwrap(), content, "{name}: untouched");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
