// Each bench uses part of this.
#![allow(dead_code)]

//! What the sandbox's benches share: the API user's login and creating
//! many MAC addresses (the rest is `ix-api-test-support`'s).

use ix_api_sandbox::Account;
use serde_json::{Value, json};

pub use ix_api_test_support::ApiUser;
use ix_api_test_support::access_token;

/// A MAC address of `account`, the `i`th.
pub fn mac(i: u64, account: &str) -> Value {
    let b = i.to_be_bytes();
    json!({
        "address": format!("02:00:{:02x}:{:02x}:{:02x}:{:02x}", b[4], b[5], b[6], b[7]),
        "managing_account": "2", "consuming_account": account,
    })
}

/// An access token for `account`.
pub async fn login(http: &reqwest::Client, base: &str, account: &Account) -> String {
    access_token(http, base, (&account.api_key, &account.api_secret)).await
}

/// `count` MAC addresses (`body(i)`), created over `connections` at once.
pub async fn create_many(
    api: &ApiUser,
    connections: usize,
    count: u64,
    body: impl Fn(u64) -> Value,
) {
    let bodies: Vec<Value> = (0..count).map(body).collect();
    let chunk = bodies.len().div_ceil(connections);
    let mut tasks = Vec::new();
    for part in bodies.chunks(chunk) {
        let part = part.to_vec();
        let (http, base, token) = (api.http.clone(), api.base.clone(), api.token.clone());
        tasks.push(tokio::spawn(async move {
            let api = ApiUser { http, base, token };
            for body in part {
                api.create("/macs", body).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}
