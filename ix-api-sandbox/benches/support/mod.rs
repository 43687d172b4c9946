// Each bench uses part of this.
#![allow(dead_code)]

//! What the sandbox's benches share: the API user, creating many MAC
//! addresses, and the process's resident memory.

use ix_api_sandbox::Account;
use serde_json::{Value, json};

/// A MAC address of `account`, the `i`th.
pub fn mac(i: u64, account: &str) -> Value {
    let b = i.to_be_bytes();
    json!({
        "address": format!("02:00:{:02x}:{:02x}:{:02x}:{:02x}", b[4], b[5], b[6], b[7]),
        "managing_account": "2", "consuming_account": account,
    })
}

/// The demo API user, logged in.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        response.json().await.unwrap()
    }
}

/// An access token for `account`.
pub async fn login(http: &reqwest::Client, base: &str, account: &Account) -> String {
    let pair: Value = http
        .post(format!("{base}/auth/token"))
        .json(&json!({"api_key": account.api_key, "api_secret": account.api_secret}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    pair["access_token"].as_str().unwrap().to_string()
}

/// `count` MAC addresses (`body(i)`), created over `connections` at once.
pub async fn create_many(api: &Api, connections: usize, count: u64, body: impl Fn(u64) -> Value) {
    let bodies: Vec<Value> = (0..count).map(body).collect();
    let chunk = bodies.len().div_ceil(connections);
    let mut tasks = Vec::new();
    for part in bodies.chunks(chunk) {
        let part = part.to_vec();
        let (http, base, token) = (api.http.clone(), api.base.clone(), api.token.clone());
        tasks.push(tokio::spawn(async move {
            let api = Api { http, base, token };
            for body in part {
                api.post("/macs", body).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// This process's resident memory, from /proc (Linux); 0 elsewhere.
pub fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}
