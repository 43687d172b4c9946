//! Support for the end-to-end tests: a real HTTP server on an ephemeral
//! 127.0.0.1 port that records every request and answers as the test says,
//! and real (HS256-signed) JWTs.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use tokio::sync::oneshot;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self::raw(status, Some("application/json"), body.to_string())
    }

    pub fn problem(status: u16, kind: &str, title: &str) -> Self {
        Self::raw(
            status,
            Some("application/problem+json"),
            serde_json::json!({
                "type": format!("https://errors.ix-api.net/v2/{kind}.html"),
                "title": title,
                "status": status,
            })
            .to_string(),
        )
    }

    pub fn raw(status: u16, content_type: Option<&'static str>, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Answer = dyn Fn(&Recorded) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    received: Arc<Mutex<Vec<Recorded>>>,
    answer: Arc<Answer>,
}

/// A loopback HTTP server that answers every request through a closure.
pub struct ScriptedServer {
    /// `http://127.0.0.1:PORT/api/v2`
    pub base_url: String,
    received: Arc<Mutex<Vec<Recorded>>>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl ScriptedServer {
    pub async fn start(answer: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let shared = Shared {
            received: Arc::default(),
            answer: Arc::new(answer),
        };
        let received = shared.received.clone();
        let app = Router::new().fallback(record_and_answer).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind an ephemeral loopback port");
        let address = listener.local_addr().expect("local address");
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await
                .expect("serve");
        });
        Self {
            base_url: format!("http://{address}/api/v2"),
            received,
            shutdown: Some(shutdown),
        }
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

async fn record_and_answer(State(shared): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let recorded = Recorded {
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(String::new, |p| p.to_string()),
        headers: parts.headers,
        body,
    };
    let reply = (shared.answer)(&recorded);
    shared
        .received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(recorded);
    tokio::time::sleep(reply.delay).await;
    let mut response =
        Response::builder().status(StatusCode::from_u16(reply.status).expect("valid status"));
    if let Some(content_type) = reply.content_type {
        response = response.header(header::CONTENT_TYPE, content_type);
    }
    response.body(Body::from(reply.body)).expect("response")
}

/// A real JWT, HS256-signed with a test key, with `iat` now and `exp`
/// `ttl` from now.
pub fn jwt(subject: &str, ttl: Duration) -> String {
    jwt_issued(subject, 0, ttl)
}

/// A real JWT issued `issued_secs` from now (negative: in the past) that
/// lives `ttl`.
pub fn jwt_issued(subject: &str, issued_secs: i64, ttl: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    let iat = now + issued_secs;
    let claims = serde_json::json!({
        "sub": subject,
        "iat": iat,
        "exp": iat + ttl.as_secs() as i64,
        "jti": format!("{subject}-{iat}-{}", COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"ix-api-rs test key"),
    )
    .expect("sign a JWT")
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A valid 16-character `api_key` and 86-character `api_secret`.
pub fn demo_credentials() -> (String, String) {
    (
        "0123456789abcdef".to_string(),
        "S".repeat(43) + &"s".repeat(43),
    )
}
