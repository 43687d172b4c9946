//! Support for the end-to-end tests: a real HTTP server on an ephemeral
//! 127.0.0.1 port that records every request and answers as the test says,
//! and real (HS256-signed) JWTs.

mod api_user;

pub use api_user::{ApiUser, demo_session};
pub use ix_api_test_support::{jwt, jwt_issued, offering_types};

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use ix_api_client::spec::BASE_PATH;
use ix_api_client::{ApiKey, ApiSecret, ProblemKind};
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

    /// A query parameter, decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        let (_, query) = self.path.split_once('?')?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

/// The `i`th availability zone of a made-up exchange.
pub fn zone(i: usize) -> serde_json::Value {
    serde_json::json!({"id": format!("az-{i}"), "name": format!("Zone {i}")})
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// A `Location` header, for redirects.
    pub location: Option<String>,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self::raw(status, Some("application/json"), body.to_string())
    }

    /// A problem of the IX-API kind named `kind` (`authentication-error`),
    /// documented by the spec or not.
    pub fn problem(status: u16, kind: &str, title: &str) -> Self {
        // Undocumented kinds live beside the documented ones.
        let documented = ProblemKind::DOCUMENTED[0].type_uri();
        let base = &documented[..documented.rfind('/').map_or(0, |at| at + 1)];
        let uri = ProblemKind::DOCUMENTED
            .iter()
            .find(|k| k.as_str() == kind)
            .map_or_else(
                || format!("{base}{kind}.html"),
                |k| k.type_uri().to_string(),
            );
        Self::raw(
            status,
            Some("application/problem+json"),
            serde_json::json!({
                "type": uri,
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
            location: None,
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
    /// `http://127.0.0.1:PORT` and the spec's base path
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
            base_url: format!("http://{address}{BASE_PATH}"),
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
    let body = axum::body::to_bytes(body, 64 << 20)
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
    if let Some(location) = reply.location {
        response = response.header(header::LOCATION, location);
    }
    response.body(Body::from(reply.body)).expect("response")
}

/// A spec-valid `api_key` and `api_secret`, each as long as allowed.
pub fn demo_credentials() -> (String, String) {
    let longest = |c: ix_api_client::spec::StringConstraints, pattern: &str| {
        let length = c.max_length.or(c.min_length).unwrap_or(32);
        pattern.chars().cycle().take(length).collect::<String>()
    };
    (
        longest(ApiKey::CONSTRAINTS, "0123456789abcdef"),
        longest(ApiSecret::CONSTRAINTS, "Ss"),
    )
}

/// Moves tokio's clock `by` at once, as if that much time had passed, then
/// lets it run on in real time, so that real I/O keeps working. Needs a
/// current-thread runtime (`#[tokio::test]`).
pub async fn advance(by: Duration) {
    tokio::time::pause();
    tokio::time::advance(by).await;
    tokio::time::resume();
}

/// Waits until `condition` holds, checking every few milliseconds; panics
/// after `within` (generous: it bounds a hang, it is not a deadline the
/// code under test races).
pub async fn eventually(within: Duration, condition: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + within;
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "the condition did not hold within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A server's requests to `path` so far.
pub fn count(server: &ScriptedServer, path: &str) -> usize {
    server.requests().iter().filter(|r| r.path == path).count()
}

/// `201` with a token pair.
pub fn token_pair(access_token: &str, refresh_token: &str) -> Reply {
    Reply::json(
        201,
        serde_json::json!({"access_token": access_token, "refresh_token": refresh_token}),
    )
}

/// `200` with an implementation that supports only `GET /implementation`.
pub fn implementation() -> Reply {
    Reply::json(
        200,
        serde_json::json!({
            "schema_version": "2.1.0",
            "supported_network_service_types": [],
            "supported_network_service_config_types": [],
            "supported_network_feature_types": [],
            "supported_network_feature_config_types": [],
            "supported_operations": ["api_implementation_read"],
        }),
    )
}

/// A saved pair whose access token expired a minute ago and whose refresh
/// token is good for an hour, and that refresh token.
pub fn stale_pair() -> (ix_api_client::TokenPair, String) {
    let refresh = jwt("refresh", Duration::from_secs(3600));
    let access = jwt_issued("access", -960, Duration::from_secs(900));
    let pair = serde_json::from_value(
        serde_json::json!({"access_token": access, "refresh_token": refresh}),
    )
    .expect("a token pair");
    (pair, refresh)
}

/// `GET /implementation` through a session's client.
pub async fn read_implementation(
    session: &ix_api_client::Session,
) -> Result<
    ix_api_client::ResponseValue<ix_api_client::types::ImplementationResponse>,
    ix_api_client::OperationError,
> {
    session.client().api_implementation_read().send().await
}

/// A server that answers every request with `reply`, and a client that
/// calls it with a fixed bearer token.
pub async fn answering(reply: Reply) -> (ScriptedServer, ix_api_client::Client) {
    let server = ScriptedServer::start(move |_| reply.clone()).await;
    let client = ix_api_client::Client::with_access_token(&server.base_url, BEARER_TOKEN);
    (server, client)
}

/// The bearer token of [`answering`]'s client.
pub const BEARER_TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.e30.c2ln";

/// A `tracing` writer that keeps everything written, for tests that read
/// what was logged.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
