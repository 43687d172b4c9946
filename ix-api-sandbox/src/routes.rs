//! The sandbox's HTTP surface: IX-API's two token operations and
//! `GET /implementation`, answering as `spec/ix-api.yaml` says, with problem
//! documents for every error.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use ix_api_client::spec::{BASE_PATH, Operation, SCHEMA_VERSION, operations};
use ix_api_client::{AccessToken, ProblemKind, RefreshToken, types};
use serde::de::DeserializeOwned;
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::Account;
use crate::tokens::{Issuer, Rejection};

/// Requests with larger bodies are refused unread.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The operations the sandbox implements, as `GET /implementation` lists them.
pub const OPERATIONS: &[Operation] = &[
    operations::AUTH_TOKEN_CREATE,
    operations::AUTH_TOKEN_REFRESH,
    operations::API_IMPLEMENTATION_READ,
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

/// The path and method an operation is served at, as the spec says.
fn route<H, T>(
    router: Router<Arc<AppState>>,
    operation: &Operation,
    handler: H,
) -> Router<Arc<AppState>>
where
    H: axum::handler::Handler<T, Arc<AppState>>,
    T: 'static,
{
    let method = Method::from_bytes(operation.method.as_bytes())
        .ok()
        .and_then(|m| MethodFilter::try_from(m).ok())
        .unwrap_or(MethodFilter::GET);
    let endpoint: MethodRouter<Arc<AppState>> = on(method, handler);
    router.route(&format!("{BASE_PATH}{}", operation.path), endpoint)
}

pub fn router(state: Arc<AppState>) -> Router {
    let router = Router::new();
    let router = route(router, &operations::AUTH_TOKEN_CREATE, auth_token_create);
    let router = route(router, &operations::AUTH_TOKEN_REFRESH, auth_token_refresh);
    let router = route(
        router,
        &operations::API_IMPLEMENTATION_READ,
        api_implementation_read,
    );
    router.fallback(not_found).with_state(state)
}

/// An RFC 7807 problem, as IX-API sends them (`application/json`, as the
/// spec documents).
struct Problem {
    status: StatusCode,
    kind: ProblemKind,
    title: &'static str,
    detail: String,
}

impl Problem {
    fn new(
        status: StatusCode,
        kind: ProblemKind,
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
            ProblemKind::ValidationError,
            "Some fields did not validate.",
            detail,
        )
    }

    fn authentication(detail: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ProblemKind::AuthenticationError,
            "Authentication failed.",
            detail,
        )
    }

    fn signature_expired(detail: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ProblemKind::SignatureExpired,
            "Signature has expired.",
            detail,
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let problem = types::ProblemResponse::builder()
            .type_(self.kind.type_uri().to_string())
            .title(self.title.to_string())
            .status(i64::from(self.status.as_u16()))
            .detail(self.detail)
            // Progenitor's builder wants the extension members said, even none.
            .extra(serde_json::Map::new());
        match types::ProblemResponse::try_from(problem) {
            Ok(problem) => json_response(self.status, &problem),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

/// `value` as an `application/json` answer, as the spec documents.
fn json_response(status: StatusCode, value: &impl serde::Serialize) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn rejected(state: &AppState, problem: Problem) -> Response {
    state.counters.rejected.fetch_add(1, Ordering::Relaxed);
    problem.into_response()
}

fn token_pair(state: &AppState, subject: &str) -> Response {
    let (access_token, refresh_token) = state.issuer.issue_pair(subject);
    let pair = types::AuthToken::builder()
        .access_token(AccessToken::from(access_token))
        .refresh_token(RefreshToken::from(refresh_token));
    match types::AuthToken::try_from(pair) {
        Ok(pair) => json_response(StatusCode::CREATED, &pair),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
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

/// Checks `body` against the generated model `T` (required fields, types,
/// lengths: what the spec says), naming the field that fails.
fn validate<T: DeserializeOwned>(body: &serde_json::Map<String, Value>) -> Result<(), Problem> {
    let value = Value::Object(body.clone());
    serde_path_to_error::deserialize::<_, T>(value)
        .map(drop)
        .map_err(|e| {
            let path = e.path().to_string();
            let cause = e.into_inner().to_string();
            // A missing field has no path of its own; its name is in the cause.
            match path.as_str() {
                "." | "" => Problem::validation(cause),
                field if cause.starts_with(field) => Problem::validation(cause),
                field => Problem::validation(format!("{field}: {cause}")),
            }
        })
}

/// A string field of a validated body; absent if the spec makes it optional.
fn text<'a>(body: &'a serde_json::Map<String, Value>, name: &str) -> &'a str {
    body.get(name).and_then(Value::as_str).unwrap_or_default()
}

async fn auth_token_create(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let checked = async {
        let body = json_object(request).await?;
        validate::<types::AuthTokenRequest>(&body)?;
        let (api_key, api_secret) = (text(&body, "api_key"), text(&body, "api_secret"));
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
        validate::<types::RefreshTokenRequest>(&body)?;
        let refresh_token = text(&body, "refresh_token");
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
                ProblemKind::NotAuthenticated,
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
            let implementation = types::ImplementationResponse::builder()
                .schema_version(SCHEMA_VERSION)
                .service_version(env!("CARGO_PKG_VERSION").to_string())
                .supported_network_service_types(Vec::<String>::new())
                .supported_network_service_config_types(Vec::<String>::new())
                .supported_network_feature_types(Vec::<String>::new())
                .supported_network_feature_config_types(Vec::<String>::new())
                .supported_operations(
                    OPERATIONS
                        .iter()
                        .map(|o| o.id.to_string())
                        .collect::<Vec<_>>(),
                );
            match types::ImplementationResponse::try_from(implementation) {
                Ok(implementation) => json_response(StatusCode::OK, &implementation),
                Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
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

/// RFC 7807's `about:blank`: the status says it all. Paths outside the
/// spec have no IX-API problem type of their own.
async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        ProblemKind::Other("about:blank".into()),
        "Not Found",
        "the sandbox does not implement this path",
    )
}
