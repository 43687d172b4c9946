//! An API user of an exchange (the sandbox, mostly) over plain HTTP: what
//! the sandbox's tests and benches send, without the client in between.

use serde_json::{Value, json};

/// `POST {base}/auth/token` with `(api_key, api_secret)`: the token pair
/// the exchange answers, as JSON.
pub async fn token_pair(
    http: &reqwest::Client,
    base: &str,
    (api_key, api_secret): (&str, &str),
) -> Value {
    http.post(format!("{base}/auth/token"))
        .json(&json!({"api_key": api_key, "api_secret": api_secret}))
        .send()
        .await
        .expect("the exchange answers a login")
        .json()
        .await
        .expect("a login answers JSON")
}

/// The access token of a login at `base` (see [`token_pair`]).
pub async fn access_token(http: &reqwest::Client, base: &str, credentials: (&str, &str)) -> String {
    let pair = token_pair(http, base, credentials).await;
    pair["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access_token in {pair}"))
        .to_string()
}

/// One API user's view of an exchange: its bearer token and the base URL.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl ApiUser {
    /// Logs in at `base` with `(api_key, api_secret)`.
    pub async fn login(base: &str, credentials: (&str, &str)) -> Self {
        let http = reqwest::Client::new();
        let token = access_token(&http, base, credentials).await;
        Self {
            http,
            base: base.to_string(),
            token,
        }
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

#[cfg(test)]
mod tests {
    use axum::Json;
    use axum::routing::{get, post};
    use serde_json::{Value, json};

    use super::ApiUser;

    /// A login against a real server on 127.0.0.1 that checks what it is
    /// sent, and a call with the token it answered.
    #[tokio::test]
    async fn logs_in_and_calls_with_the_bearer_token() {
        let login = post(|Json(body): Json<Value>| async move {
            assert_eq!(body, json!({"api_key": "key", "api_secret": "secret"}));
            Json(json!({"access_token": "a1", "refresh_token": "r1"}))
        });
        let contacts = get(|headers: axum::http::HeaderMap| async move {
            Json(json!([{"id": headers["authorization"].to_str().unwrap()}]))
        });
        let app = axum::Router::new()
            .route("/api/v2/auth/token", login)
            .route("/api/v2/contacts", contacts);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/v2", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let user = ApiUser::login(&base, ("key", "secret")).await;
        assert_eq!(user.token, "a1");
        assert_eq!(user.ids("/contacts").await, vec!["Bearer a1".to_string()]);
    }
}
