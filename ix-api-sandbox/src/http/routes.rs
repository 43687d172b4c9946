//! The sandbox's HTTP surface: every operation of `spec/ix-api.yaml` at its
//! method and path, answering as the spec says, with problem documents for
//! every error. The token operations, `/health` and `/implementation` are
//! answered here; everything else by the exchange (`exchange/`). Playing
//! IX-API 2.1.0, the operations the published 2.1.0 document lacks are not
//! there (`404` for a path it lacks, `405` for a method it lacks on a path it
//! has, neither with an IX-API problem type), the query parameters it lacks
//! are ignored (as a 2.1 server ignores unknown ones), and answers lose the
//! members it lacks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use ix_api_client::spec::{BASE_PATH, Operation, operations};
use ix_api_client::{AccessToken, ProblemKind, RefreshToken, types};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::auth::{ApiUser, Unauthenticated};
use super::problem::json_response;
use super::state::AppState;
use super::tokens::{Link, Rejection};
use crate::SchemaVersion;
use crate::exchange::problem::Problem;
use crate::exchange::store::Loa;
use crate::exchange::{Action, Call, Reply};
use crate::facts::{self, Facts, Invalid, OperationFacts};

/// JSON request bodies that are larger are refused unread.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The largest letter of authorisation the sandbox stores (10 MiB); a
/// larger one is refused with a `400` validation-error.
pub const MAX_LOA_BYTES: usize = 10 * 1024 * 1024;

/// How much of a letter of authorisation that is too large is read (and
/// thrown away) before the refusal, so that the client is still listening.
const MAX_DRAINED_BYTES: usize = 4 * MAX_LOA_BYTES;

/// The operations of the spec, all of which the sandbox implements at
/// 2.7.1 (see [`SchemaVersion::operations`] for those of a version).
pub const OPERATIONS: &[Operation] = operations::ALL;

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
    let mut router = Router::new();
    router = route(router, &operations::AUTH_TOKEN_CREATE, auth_token_create);
    router = route(router, &operations::AUTH_TOKEN_REFRESH, auth_token_refresh);
    router = route(
        router,
        &operations::API_IMPLEMENTATION_READ,
        api_implementation_read,
    );
    router = route(router, &operations::API_HEALTH_READ, api_health_read);
    let answered_here = [
        operations::AUTH_TOKEN_CREATE.id,
        operations::AUTH_TOKEN_REFRESH.id,
        operations::API_IMPLEMENTATION_READ.id,
        operations::API_HEALTH_READ.id,
    ];
    let version = state.schema_version;
    // Playing 2.1.0, the paths it has where 2.7.1 has more methods.
    let mut narrowed = std::collections::BTreeSet::new();
    for operation in operations::ALL {
        if !version.serves(operation.id) {
            // A method 2.1.0 lacks on a path it has is not allowed there (see
            // below); a path it lacks is not found (the router's fallback).
            if version
                .operations()
                .any(|served| served.path == operation.path)
            {
                narrowed.insert(operation.path);
            }
            continue;
        }
        if answered_here.contains(&operation.id) {
            continue;
        }
        if let Some((action, collection)) = Action::of(operation) {
            let handler = move |State(state): State<Arc<AppState>>,
                                Path(parameters): Path<Vec<(String, String)>>,
                                RawQuery(query): RawQuery,
                                user: Result<ApiUser, Unauthenticated>,
                                request: Request| async move {
                let call = Incoming {
                    operation,
                    action,
                    collection,
                    parameters,
                    query,
                };
                collection_operation(state, call, user, request).await
            };
            router = route(router, operation, handler);
        }
    }
    for path in narrowed {
        let allowed: Vec<&str> = version
            .operations()
            .filter(|served| served.path == path)
            .map(|served| served.method)
            .collect();
        let allow = allowed.join(", ");
        let handler =
            move |method: Method| async move { not_allowed(&method, path, version, &allow) };
        router = router.route(
            &format!("{BASE_PATH}{path}"),
            MethodRouter::new().fallback(handler),
        );
    }
    router = router.route(
        super::oauth2::TOKEN_PATH,
        axum::routing::post(super::oauth2::token),
    );
    router.fallback(not_found).with_state(state)
}

/// A request for the exchange, as it came.
struct Incoming {
    operation: &'static Operation,
    action: Action,
    collection: &'static str,
    parameters: Vec<(String, String)>,
    query: Option<String>,
}

async fn collection_operation(
    state: Arc<AppState>,
    incoming: Incoming,
    user: Result<ApiUser, Unauthenticated>,
    request: Request,
) -> Response {
    let Some(facts) = Facts::get().operation(incoming.operation.id) else {
        return not_found().await.into_response();
    };
    let action = incoming.action;
    let version = state.schema_version;
    let checked = async {
        let root = user.map_err(|refused| refused.problem())?.account;
        let query = typed_query(facts, action, version, incoming.query.as_deref())?;
        let (body, upload) = match (action, &facts.request) {
            (Action::LoaUpload, _) => (None, Some(loa_body(request, facts).await?)),
            // A cancellation may say when; a merge patch without a body
            // changes nothing.
            (Action::Destroy, Some(component)) => {
                (request_body(request, component, true).await?, None)
            }
            (Action::Merge, Some(component)) => (
                Some(
                    request_body(request, component, true)
                        .await?
                        .unwrap_or_default(),
                ),
                None,
            ),
            (_, Some(component)) => (request_body(request, component, false).await?, None),
            (_, None) => (None, None),
        };
        let mut parameters = incoming.parameters.into_iter();
        let id = parameters.next().map(|(_, id)| id);
        Ok::<_, Problem>(Call {
            facts,
            action,
            collection: incoming.collection,
            path: incoming.operation.path,
            root,
            id,
            parameters: parameters.collect(),
            query,
            body,
            upload,
        })
    };
    let answer = match checked.await {
        Ok(call) => state.exchange.serve(call, state.issuer.now_ms()).await,
        Err(problem) => Err(problem),
    };
    let answer = match (answer, version) {
        (Ok(Reply::Json(status, value)), SchemaVersion::V2_1_0) => {
            downgrade(facts, value).map(|value| Reply::Json(status, value))
        }
        (answer, _) => answer,
    };
    match answer {
        Ok(reply) => {
            if action.changes() {
                state.counters.changes.fetch_add(1, Ordering::Relaxed);
            }
            match reply {
                Reply::Json(status, value) => json_response(status, &value),
                Reply::Bytes(status, loa) => {
                    // As it was uploaded; raw bytes if the operation does
                    // not answer that media type.
                    let documented = facts
                        .responses
                        .get(status.as_str())
                        .is_some_and(|answer| answer.media.contains(&loa.media_type));
                    let media_type = if documented {
                        loa.media_type.clone()
                    } else {
                        "application/octet-stream".to_string()
                    };
                    (
                        status,
                        [(header::CONTENT_TYPE, media_type)],
                        loa.bytes.clone(),
                    )
                        .into_response()
                }
                // No body, but a media type, as the operation documents
                // one (`*/*`).
                Reply::Empty(status) => (
                    status,
                    [(header::CONTENT_TYPE, "application/octet-stream")],
                    Vec::new(),
                )
                    .into_response(),
            }
        }
        Err(problem) => rejected(&state, problem.documented(facts)),
    }
}

/// The query, typed by the operation's parameters: integers parsed, lists
/// split, enums checked. Parameters the operation does not take are
/// ignored, and so, playing 2.1.0, are those 2.1.0 lacks. A timeseries also
/// takes the window of its statistics (`start`, `end`), which the spec does
/// not list for it.
fn typed_query(
    facts: &OperationFacts,
    action: Action,
    version: SchemaVersion,
    raw: Option<&str>,
) -> Result<Vec<(String, Value)>, Problem> {
    let window = serde_json::json!({"type": "string", "format": "date-time"});
    let mut query: Vec<(String, Value)> = Vec::new();
    for (name, raw) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let schema = match facts.query.get(name.as_ref()) {
            Some(_)
                if version == SchemaVersion::V2_1_0
                    && facts.query_added.iter().any(|a| a == &name) =>
            {
                continue;
            }
            Some(schema) => schema,
            None if action == Action::Timeseries && matches!(name.as_ref(), "start" | "end") => {
                &window
            }
            None => continue,
        };
        let value = facts::parse_parameter(schema, &raw).map_err(|reason| {
            Problem::invalid(vec![Invalid {
                name: name.to_string(),
                reason,
            }])
        })?;
        // A list given more than once (`id=1&id=2`, the exploded form)
        // is one list; another parameter given twice counts once, the last.
        match query.iter_mut().find(|(known, _)| *known == name) {
            Some((_, Value::Array(items))) if value.is_array() => {
                items.extend(value.as_array().into_iter().flatten().cloned());
            }
            Some((_, known)) => *known = value,
            None => query.push((name.into_owned(), value)),
        }
    }
    Ok(query)
}

/// An answer as a 2.1.0 exchange gives it (see [`Facts::downgrade`]); an
/// object of a kind 2.1.0 does not have is not found. Where the published
/// 2.1.0 document answers a list and 2.7.1 one object (reading a facility
/// or a metro area), the object is answered as a one-element array.
fn downgrade(facts: &OperationFacts, mut value: Value) -> Result<Value, Problem> {
    let answer = facts
        .responses
        .iter()
        .find(|(status, _)| status.starts_with('2'))
        .map(|(_, answer)| answer);
    if answer.is_some_and(|answer| answer.list_2_1) && value.is_object() {
        value = Value::Array(vec![value]);
    }
    let Some(component) = answer.and_then(|answer| answer.schema.as_deref()) else {
        return Ok(value);
    };
    let kept = match &mut value {
        Value::Array(items) => {
            items.retain_mut(|item| Facts::get().downgrade(component, item));
            true
        }
        other => Facts::get().downgrade(component, other),
    };
    if kept {
        Ok(value)
    } else {
        Err(Problem::not_found(
            "IX-API 2.1.0 has no such object (this sandbox plays 2.1.0)",
        ))
    }
}

/// The letter of authorisation a request uploads: its bytes (10 MiB at
/// most) and the media type they came as, one of those the operation
/// takes. The body is read to the end (up to four times the limit) before
/// any refusal, so that the client reads it.
async fn loa_body(request: Request, facts: &OperationFacts) -> Result<Loa, Problem> {
    use http_body_util::BodyExt;
    let (parts, mut body) = request.into_parts();
    let mut bytes = Vec::new();
    let mut total = 0_usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Problem::validation(format!("the letter of authorisation did not arrive: {e}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total = total.saturating_add(data.len());
        if total > MAX_DRAINED_BYTES {
            break;
        }
        if total <= MAX_LOA_BYTES {
            bytes.extend_from_slice(&data);
        }
    }
    if total > MAX_LOA_BYTES {
        return Err(Problem::validation(format!(
            "the letter of authorisation exceeds {} MiB",
            MAX_LOA_BYTES >> 20
        )));
    }
    let media_type = media_type(&parts.headers);
    if !facts.request_media.contains(&media_type) {
        return Err(Problem::validation(format!(
            "send the letter of authorisation as {}",
            facts.request_media.join(" or ")
        )));
    }
    if bytes.is_empty() {
        return Err(Problem::validation("the letter of authorisation is empty"));
    }
    Ok(Loa { media_type, bytes })
}

/// A method the published 2.1.0 document lacks on a path it has, while the
/// sandbox plays 2.1.0: `405 Method Not Allowed`, as a 2.1 exchange
/// answers, with the methods 2.1.0 has there and a problem that is not
/// IX-API's.
fn not_allowed(method: &Method, path: &str, version: SchemaVersion, allow: &str) -> Response {
    let mut response = Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ProblemKind::Other("about:blank".into()),
        "Method Not Allowed",
        format!("this exchange implements IX-API {version}, which has no {method} {path}"),
    )
    .into_response();
    if let Ok(allow) = axum::http::HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

/// The JSON object body of a request, checked against `component`; `None`
/// for an optional body that is absent. A DELETE's JSON `null` counts as no
/// body (the IX-API Terraform provider cancels with the body `null`); a
/// required body that is absent is refused, naming each member it requires. `application/json` and the `+json` media types
/// (`application/merge-patch+json`) are JSON; a merge patch may come as
/// either, as clients generated from the spec send it.
async fn request_body(
    request: Request,
    component: &str,
    optional: bool,
) -> Result<Option<serde_json::Map<String, Value>>, Problem> {
    let (parts, body) = request.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            Problem::validation(format!("the request body exceeds {MAX_BODY_BYTES} bytes"))
        })?;
    // Only no body at all (or `null`) is "no body": whitespace is a body,
    // and not JSON.
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        let media_type = media_type(&parts.headers);
        if media_type != "application/json" && !media_type.ends_with("+json") {
            return Err(Problem::validation(
                "the request body must be JSON (Content-Type: application/json)",
            ));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| Problem::validation(format!("the request body is not valid JSON: {e}")))?
    };
    // `null` stands for no body where a real client sends it so: the
    // cancellation of a DELETE. Elsewhere it is not an object.
    let cancellation = parts.method == axum::http::Method::DELETE;
    let value = match value {
        Value::Null if optional && (cancellation || bytes.is_empty()) => return Ok(None),
        Value::Null if optional => {
            return Err(Problem::validation(
                "the request body must be a JSON object",
            ));
        }
        Value::Null => {
            // A required body that is absent: the refusal names what it
            // requires, or says that it is required.
            Facts::get()
                .validate(component, &Value::Object(serde_json::Map::new()))
                .map_err(Problem::invalid)?;
            return Err(Problem::validation(
                "the request body must be a JSON object",
            ));
        }
        Value::Object(object) => Value::Object(object),
        _ => {
            return Err(Problem::validation(
                "the request body must be a JSON object",
            ));
        }
    };
    Facts::get()
        .validate(component, &value)
        .map_err(Problem::invalid)?;
    match value {
        Value::Object(object) => Ok(Some(object)),
        _ => Ok(None),
    }
}

async fn api_health_read(
    State(state): State<Arc<AppState>>,
    user: Result<ApiUser, Unauthenticated>,
) -> Response {
    match user.map_err(|refused| refused.problem()) {
        // `version` is the API's major version, as IX-API servers answer it
        // (and pyixapi reads it); `releaseId` is the sandbox's own.
        Ok(_) => json_response(
            StatusCode::OK,
            &serde_json::json!({
                "status": "pass",
                "version": state.schema_version.as_str().split('.').next().unwrap_or("2"),
                "releaseId": env!("CARGO_PKG_VERSION"),
            }),
        ),
        Err(problem) => rejected(&state, problem),
    }
}

fn rejected(state: &AppState, problem: Problem) -> Response {
    state.counters.rejected.fetch_add(1, Ordering::Relaxed);
    problem.into_response()
}

fn token_pair(state: &AppState, subject: &str, after: Option<Link>) -> Response {
    let (access_token, refresh_token) = state.issuer.issue_pair(subject, after);
    let pair = types::AuthToken {
        access_token: AccessToken::from(access_token),
        refresh_token: RefreshToken::from(refresh_token),
    };
    json_response(StatusCode::CREATED, &pair)
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
/// lengths: what the spec says), naming the field that fails (a missing
/// one included).
fn validate<T: DeserializeOwned>(body: &serde_json::Map<String, Value>) -> Result<(), Problem> {
    let value = Value::Object(body.clone());
    serde_path_to_error::deserialize::<_, T>(value)
        .map(drop)
        .map_err(|e| {
            let path = e.path().to_string();
            let cause = e.into_inner().to_string();
            Problem::invalid(vec![Invalid::misfit(&path, &cause)])
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
        state
            .api_user(api_key, api_secret)
            .map(|account| (account.api_key.clone(), None))
            .ok_or_else(|| {
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
            .map(|(subject, next)| (subject, Some(next)))
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
/// yields (in the refresh chain it names), counted in `counter`, or the
/// problem it found.
async fn answer_token_operation(
    state: &AppState,
    counter: &AtomicU64,
    operation: &'static str,
    checked: impl Future<Output = Result<(String, Option<Link>), Problem>>,
) -> Response {
    tokio::time::sleep(state.token_latency).await;
    match checked.await {
        Ok((subject, after)) => {
            counter.fetch_add(1, Ordering::Relaxed);
            tracing::info!(subject, operation, "issued a token pair");
            token_pair(state, &subject, after)
        }
        Err(problem) => rejected(state, problem),
    }
}

async fn api_implementation_read(
    State(state): State<Arc<AppState>>,
    caller: Result<ApiUser, Unauthenticated>,
) -> Response {
    // Any valid access token will do, even of an API user that no longer
    // exists; without one, the problem is `not-authenticated`, as IX-API
    // servers answer here.
    match caller {
        Ok(_) | Err(Unauthenticated::Gone) => {}
        Err(Unauthenticated::NoToken) => {
            let problem = Problem::new(
                StatusCode::UNAUTHORIZED,
                ProblemKind::NotAuthenticated,
                "Authentication credentials were not provided.",
                "send Authorization: Bearer <access_token>",
            );
            return rejected(&state, problem);
        }
        Err(refused) => return rejected(&state, refused.problem()),
    }
    state
        .counters
        .implementation_reads
        .fetch_add(1, Ordering::Relaxed);
    let version = state.schema_version;
    let implementation = types::ImplementationResponse {
        schema_version: version.as_str().to_string(),
        service_version: Some(env!("CARGO_PKG_VERSION").to_string()),
        supported_features: None,
        supported_network_service_types: types_of("NetworkService", version),
        supported_network_service_config_types: types_of("NetworkServiceConfig", version),
        supported_network_feature_types: types_of("NetworkFeature", version),
        supported_network_feature_config_types: types_of("NetworkFeatureConfig", version),
        supported_operations: version.operations().map(|o| o.id.to_string()).collect(),
    };
    json_response(StatusCode::OK, &implementation)
}

/// The `type`s of a polymorphic model, as the spec maps them (those of
/// 2.1.0, playing 2.1.0).
fn types_of(component: &str, version: SchemaVersion) -> Vec<String> {
    Facts::get()
        .union(component)
        .map(|union| {
            union
                .mapping
                .keys()
                .filter(|tag| version != SchemaVersion::V2_1_0 || !union.added.contains(tag))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// RFC 7807's `about:blank`: the status says it all. Paths outside the
/// spec (or, playing 2.1.0, outside 2.1.0) have no IX-API problem type of
/// their own.
async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        ProblemKind::Other("about:blank".into()),
        "Not Found",
        "the sandbox does not implement this path (at the IX-API version it plays)",
    )
}

/// A request's media type without parameters, lower-cased; empty if none.
fn media_type(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}
