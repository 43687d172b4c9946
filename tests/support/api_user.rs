//! An API user of a sandbox, over plain HTTP: what the sandbox's own tests
//! send, without the client in between.

use ix_api_sandbox::Sandbox;
use serde_json::{Value, json};

/// A session of the sandbox's demo API user.
pub fn demo_session(sandbox: &Sandbox) -> ix_api_client::Session {
    let (api_key, api_secret) = sandbox.credentials();
    ix_api_client::Session::builder(sandbox.base_url())
        .credentials(api_key, api_secret)
        .build()
        .expect("valid settings")
}

/// One API user's view of a sandbox: its bearer token and the base URL.
#[derive(Clone)]
pub struct ApiUser {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl ApiUser {
    /// Logs in with `(api_key, api_secret)`.
    pub async fn login(sandbox: &Sandbox, (api_key, api_secret): (&str, &str)) -> Self {
        let http = reqwest::Client::new();
        let base = sandbox.base_url().to_string();
        let pair: Value = http
            .post(format!("{base}/auth/token"))
            .json(&json!({"api_key": api_key, "api_secret": api_secret}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = pair["access_token"].as_str().unwrap().to_string();
        Self { http, base, token }
    }

    /// `METHOD {path}` with a JSON body (a merge patch for PATCH): the
    /// status and the answer as JSON (`null` if it is none).
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let content_type = if method == reqwest::Method::PATCH {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", content_type)
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call("GET", path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    pub async fn create(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.call("POST", path, Some(body)).await;
        assert_eq!(status, 201, "POST {path}: {answer}");
        answer
    }

    /// The ids a list answers.
    pub async fn ids(&self, path: &str) -> Vec<String> {
        self.get(path)
            .await
            .as_array()
            .unwrap_or_else(|| panic!("{path} answers a list"))
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// The `type`s of the product offerings the user sees.
    pub async fn offering_types(&self) -> std::collections::BTreeSet<String> {
        self.get("/product-offerings")
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["type"].as_str().unwrap().to_string())
            .collect()
    }

    /// The first object of a list that has `member` = `value`.
    pub async fn find(&self, path: &str, member: &str, value: &str) -> Value {
        self.get(path)
            .await
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o[member] == value)
            .cloned()
            .unwrap_or_else(|| panic!("no {path} with {member} = {value}"))
    }

    /// `POST {path}` with raw bytes as `media_type`.
    pub async fn upload(&self, path: &str, media_type: &str, bytes: Vec<u8>) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", media_type)
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `GET {path}`: the status, the media type and the bytes.
    pub async fn download(&self, path: &str) -> (u16, String, Vec<u8>) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let media_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, media_type, response.bytes().await.unwrap().to_vec())
    }
}
