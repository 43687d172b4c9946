//! The sandbox's HTTP surface: IX-API's two token operations and
//! `GET /implementation`, answering as `spec/ix-api.yaml` says, with problem
//! documents for every error.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::Account;
use crate::tokens::{Issuer, Rejection};

/// Requests with larger bodies are refused unread.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
const API_KEY_LENGTH: usize = 16;
const API_SECRET_LENGTH: usize = 86;
const PROBLEM_BASE: &str = "https://errors.ix-api.net/v2/";

/// The operations the sandbox implements, as `GET /implementation` lists them.
pub const OPERATIONS: &[&str] = &[
    "auth_token_create",
    "auth_token_refresh",
    "api_implementation_read",
];

/// What the sandbox counts, for tests that assert how many requests a client
/// sent.
#[derive(Debug, Default)]
pub struct Counters {
    pub logins: AtomicU64,
    pub refreshes: AtomicU64,
    pub implementation_reads: AtomicU64,
    pub rejected: AtomicU64,
}

pub struct AppState {
    pub accounts: Vec<Account>,
    pub issuer: Issuer,
    pub counters: Counters,
    /// Added before answering a token operation, to make waiting visible.
    pub token_latency: Duration,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/v2/auth/token", post(auth_token_create))
        .route("/api/v2/auth/refresh", post(auth_token_refresh))
        .route("/api/v2/implementation", get(api_implementation_read))
        .fallback(not_found)
        .with_state(state)
}

/// An RFC 7807 problem, as IX-API sends them (`application/json`, as the
/// spec documents).
struct Problem {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: String,
}

impl Problem {
    fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            kind,
            title,
            detail: detail.into(),
        }
    }

    fn validation(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "validation-error",
            "Some fields did not validate.",
            detail,
        )
    }

    fn authentication(detail: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authentication-error",
            "Authentication failed.",
            detail,
        )
    }

    fn signature_expired(detail: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "signature-expired",
            "Signature has expired.",
            detail,
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = json!({
            "type": format!("{PROBLEM_BASE}{}.html", self.kind),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

fn rejected(state: &AppState, problem: Problem) -> Response {
    state.counters.rejected.fetch_add(1, Ordering::Relaxed);
    problem.into_response()
}

fn token_pair(state: &AppState, subject: &str) -> Response {
    let (access_token, refresh_token) = state.issuer.issue_pair(subject);
    let body = json!({"access_token": access_token, "refresh_token": refresh_token});
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The JSON object body of a request, or the problem to answer instead.
async fn json_object(request: Request) -> Result<serde_json::Map<String, Value>, Problem> {
    let (parts, body) = request.into_parts();
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Problem::validation(
            "the request body must be JSON (Content-Type: application/json)",
        ));
    }
    let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            Problem::validation(format!("the request body exceeds {MAX_BODY_BYTES} bytes"))
        })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(Problem::validation(
            "the request body must be a JSON object",
        )),
        Err(_) => Err(Problem::validation("the request body is not valid JSON")),
    }
}

/// A required string field of exactly `length` characters (any length if
/// `None`).
fn string_field<'a>(
    body: &'a serde_json::Map<String, Value>,
    name: &str,
    length: Option<usize>,
) -> Result<&'a str, Problem> {
    let value = match body.get(name) {
        None => {
            return Err(Problem::validation(format!(
                "{name}: this field is required"
            )));
        }
        Some(Value::String(value)) => value.as_str(),
        Some(_) => return Err(Problem::validation(format!("{name}: must be a string"))),
    };
    match length {
        Some(expected) if value.chars().count() != expected => Err(Problem::validation(format!(
            "{name}: must be exactly {expected} characters long"
        ))),
        _ => Ok(value),
    }
}

async fn auth_token_create(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let checked = async {
        let body = json_object(request).await?;
        let api_key = string_field(&body, "api_key", Some(API_KEY_LENGTH))?;
        let api_secret = string_field(&body, "api_secret", Some(API_SECRET_LENGTH))?;
        // Compare every account in constant time, and without stopping at a
        // match, so timing tells nothing about which part was wrong.
        let mut found = None;
        for account in &state.accounts {
            let key_ok = account.api_key.as_bytes().ct_eq(api_key.as_bytes());
            let secret_ok = account.api_secret.as_bytes().ct_eq(api_secret.as_bytes());
            if bool::from(key_ok & secret_ok) {
                found = Some(account);
            }
        }
        found.map(|account| account.api_key.clone()).ok_or_else(|| {
            Problem::authentication("the api_key and api_secret do not match an API user")
        })
    };
    answer_token_operation(&state, &state.counters.logins, "login", checked).await
}

async fn auth_token_refresh(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let checked = async {
        let body = json_object(request).await?;
        let refresh_token = string_field(&body, "refresh_token", None)?;
        state
            .issuer
            .redeem_refresh(refresh_token)
            .map_err(|rejection| match rejection {
                Rejection::Expired => {
                    Problem::signature_expired("the refresh token has expired; log in again")
                }
                Rejection::Invalid => {
                    Problem::authentication("the refresh token is invalid or was already used")
                }
            })
    };
    answer_token_operation(&state, &state.counters.refreshes, "refresh", checked).await
}

/// After the configured latency: a new pair for the subject `checked`
/// yields, counted in `counter`, or the problem it found.
async fn answer_token_operation(
    state: &AppState,
    counter: &AtomicU64,
    operation: &'static str,
    checked: impl Future<Output = Result<String, Problem>>,
) -> Response {
    tokio::time::sleep(state.token_latency).await;
    match checked.await {
        Ok(subject) => {
            counter.fetch_add(1, Ordering::Relaxed);
            tracing::info!(subject, operation, "issued a token pair");
            token_pair(state, &subject)
        }
        Err(problem) => rejected(state, problem),
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn api_implementation_read(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = bearer_token(&headers) else {
        return rejected(
            &state,
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "not-authenticated",
                "Authentication credentials were not provided.",
                "send Authorization: Bearer <access_token>",
            ),
        );
    };
    match state.issuer.check_access(token) {
        Ok(_) => {
            state
                .counters
                .implementation_reads
                .fetch_add(1, Ordering::Relaxed);
            let body = json!({
                "schema_version": "2.1.0",
                "service_version": env!("CARGO_PKG_VERSION"),
                "supported_network_service_types": [],
                "supported_network_service_config_types": [],
                "supported_network_feature_types": [],
                "supported_network_feature_config_types": [],
                "supported_operations": OPERATIONS,
            });
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response()
        }
        Err(Rejection::Expired) => rejected(
            &state,
            Problem::signature_expired("the access token has expired; refresh it"),
        ),
        Err(Rejection::Invalid) => rejected(
            &state,
            Problem::authentication("the access token is invalid"),
        ),
    }
}

async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found.",
        "the sandbox does not implement this path",
    )
}
