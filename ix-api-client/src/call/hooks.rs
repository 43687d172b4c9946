//! How a [`Client`] authenticates its calls: the value progenitor stores in
//! the generated client, and the request hooks that act on it.
//!
//! The hooks know nothing of sessions: a client holds either a fixed bearer
//! token or a `BearerSource` to ask for one (a session's token cache), and
//! tells the source when IX-API rejects the token it was given.
//!
//! Redirects: a credential or token only ever goes to the configured base
//! URL, and only its answers are accepted. The token operations are never
//! redirected (their body cannot be replayed), and any answer that is a
//! redirect, or that a redirect-following HTTP client fetched from another
//! origin, fails the call with [`Error::Redirected`] (reqwest already
//! drops the `Authorization` header when it follows a redirect to another
//! origin).
//!
//! Error answers: every answer of status 400 or more reaches progenitor as
//! a problem document it can read ([`problem::readable`]), so an error
//! always keeps its status and whatever the exchange said; the document
//! also travels in the answer's extensions, so that a status the spec does
//! not list for the operation is still read as the problem it is.
//!
//! A 404 is ambiguous: an object that does not exist, an operation the
//! server lacks, or a base URL with no IX-API behind it. IX-API's own
//! `not-found` problem about an object says the first. Otherwise (a 404
//! without an IX-API problem `type`, or any 404 to a list) the hooks ask
//! the server's `GET /implementation` once per client (its clones share the
//! answer) which operations it implements: one it does not list is
//! [`Error::NotImplemented`]; a 404 page from a server whose
//! `/implementation` is not found either is [`Error::NoIxApi`]; anything
//! else stays the 404 it was, "not found".
//!
//! Failures of the hooks' own (no token to be had, a redirect refused):
//! progenitor's error has no variant for them, so the hooks answer in the
//! exchange's place with [`UNANSWERED`], a status no operation documents,
//! whose response carries the typed [`Error`] in its extensions. Progenitor
//! hands that response back as `OperationError::UnexpectedResponse`, and
//! [`Error::from_operation`] and [`Error::from_session`] take the error from
//! it: per call, at any load, with no state shared between calls.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tracing::Instrument;

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{Body, Request, Response, StatusCode, Url};

use crate::auth::credentials::AccessToken;
use crate::call::dry_run::DryRun;
use crate::call::error::{Concluded, Error, HookFailure, ReadProblem, Unimplemented};
use crate::call::problem;
use crate::call::wire::{self, with_url};
use crate::generated::spec::{self, operations};
use crate::{Client, types};

/// An error body larger than this is not a problem document worth reading:
/// it is read as `about:blank`.
const MAX_PROBLEM_BYTES: usize = 4 << 20;

/// The status of the answer the hooks give progenitor when they fail
/// themselves; no operation documents it (`spec` facts codegen checks).
// Why a made-up status rather than the error alone: progenitor 0.15's
// `ClientHooks::exec` must answer `reqwest::Result<Response>`, and
// `reqwest::Error` has no public constructor; `pre` may fail, but only with
// `progenitor_client::Error<E>`, whose variants carry a string, a
// `reqwest::Error` or a `Response`. A `Response` is the one place a typed
// error can travel (its extensions), and a response has a status. Callers
// never see it: `Error::from_operation` takes the typed error out.
pub const UNANSWERED: u16 = 499;

/// The name of the header on such an answer that says what failed, for
/// people reading progenitor's error.
const FAILURE_HEADER: &str = "ix-api-client-error";

/// A future a `BearerSource` answers with.
pub(crate) type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<AccessToken, Error>> + Send + 'a>>;

/// Where a client's bearer tokens come from: a session's token cache.
pub(crate) trait BearerSource: Send + Sync + fmt::Debug {
    /// A token to send now.
    fn access_token(&self) -> TokenFuture<'_>;
    /// IX-API refused `token` as expired or invalid: do not hand it out again.
    fn reject(&self, token: &AccessToken);
}

/// How a [`Client`] authenticates the calls that need a token, and the
/// `User-Agent` it sends.
#[derive(Debug, Clone)]
pub struct Auth {
    kind: Kind,
    user_agent: HeaderValue,
    /// What the server's `GET /implementation` said, asked at most once
    /// (clones share it).
    pub(crate) implementation: Implementation,
}

/// The server's `GET /implementation`, asked at most once, shared by a
/// client's clones and its session.
pub(crate) type Implementation = Arc<tokio::sync::OnceCell<Known>>;

/// What is known of the server's `GET /implementation`.
#[derive(Debug, Clone)]
pub(crate) enum Known {
    /// Its `supported_operations`.
    Listed(Arc<[String]>),
    /// It could not be read: not found, refused, not JSON, not reached.
    Unread {
        /// The status it answered with, if it answered.
        status: Option<u16>,
        /// Whether the answer was JSON (an IX-API server's words, even
        /// when it refuses).
        json: bool,
    },
}

impl Default for Auth {
    fn default() -> Self {
        Self::none()
    }
}

/// The `User-Agent` every request carries: `ix-api-rs/<version>`, which
/// exchanges use to see who calls them. [`Auth::user_agent`] and
/// [`SessionBuilder::user_agent`](crate::SessionBuilder::user_agent) add the
/// caller's own product after it.
pub const USER_AGENT: &str = concat!("ix-api-rs/", env!("CARGO_PKG_VERSION"));

/// `ix-api-rs/<version> <product>`, or the bare one if `product` cannot
/// travel in a header.
pub(crate) fn user_agent(product: Option<&str>) -> HeaderValue {
    let text = match product.map(str::trim).filter(|p| !p.is_empty()) {
        Some(product) => format!("{USER_AGENT} {product}"),
        None => USER_AGENT.to_string(),
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(USER_AGENT))
}

#[derive(Debug, Clone, Default)]
enum Kind {
    #[default]
    None,
    Bearer(AccessToken),
    Source(Arc<dyn BearerSource>),
    /// Keep each request instead of sending it; no token.
    DryRun(DryRun),
}

impl Auth {
    fn of(kind: Kind) -> Self {
        Self {
            kind,
            user_agent: user_agent(None),
            implementation: Implementation::default(),
        }
    }

    /// Send no `Authorization` header: enough for the token operations.
    pub fn none() -> Self {
        Self::of(Kind::None)
    }

    /// Send `Authorization: Bearer <access_token>` on every other call.
    pub fn bearer(access_token: impl Into<AccessToken>) -> Self {
        Self::of(Kind::Bearer(access_token.into()))
    }

    /// Send nothing: keep each request in `dry_run`, as it would have been
    /// sent but for the `Authorization` header, and fail the call with
    /// [`Error::NotSent`]. No token is fetched. See [`dry_run`](crate::dry_run).
    pub fn dry_run(dry_run: &DryRun) -> Self {
        Self::of(Kind::DryRun(dry_run.clone()))
    }

    pub(crate) fn source(source: Arc<dyn BearerSource>) -> Self {
        Self::of(Kind::Source(source))
    }

    /// Add `product` (`my-automation/1.2`) after `ix-api-rs/<version>` in the
    /// `User-Agent`.
    pub fn user_agent(mut self, product: &str) -> Self {
        self.user_agent = user_agent(Some(product));
        self
    }

    pub(crate) fn with_user_agent(mut self, value: HeaderValue) -> Self {
        self.user_agent = value;
        self
    }
}

impl Client {
    /// A client for the IX-API at `baseurl` (for example
    /// `https://ixp.example.net/api/v2`) that sends `access_token` as a
    /// bearer token on every call but the token operations.
    pub fn with_access_token(baseurl: &str, access_token: impl Into<AccessToken>) -> Self {
        Self::new(baseurl, Auth::bearer(access_token))
    }
}

/// Whether the spec requires a bearer token for this operation. Unknown
/// operations get one: better a header too many than a call refused.
fn needs_bearer(info: &OperationInfo) -> bool {
    spec::operation(info.operation_id).is_none_or(|operation| operation.bearer)
}

/// Sets `Authorization: Bearer <token>`, marked sensitive so that HTTP
/// tooling does not log it.
fn set_bearer(request: &mut Request, token: &AccessToken) -> Result<(), String> {
    let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
        "the access token contains characters an HTTP header cannot carry".to_string()
    })?;
    value.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, value);
    Ok(())
}

impl ClientHooks<Auth> for Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // Progenitor sends `api-version: <info.version>`. IX-API defines no
        // such header and versions itself in the path (`/api/v2`), so the
        // spec's document version has no business on the wire.
        request.headers_mut().remove("api-version");
        request
            .headers_mut()
            .insert(reqwest::header::USER_AGENT, self.inner.user_agent.clone());
        if let Some(operation) = spec::operation(info.operation_id) {
            wire::as_the_spec_says(request, operation);
        }
        if !needs_bearer(info) {
            // A body that cannot be replayed is one no 307/308 can send on.
            unreplayable(request);
            return Ok(());
        }
        if let Kind::Bearer(token) = &self.inner.kind {
            set_bearer(request, token).map_err(progenitor_client::Error::InvalidRequest)?;
        }
        Ok(())
    }

    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        let operation = static_operation(info.operation_id);
        if let Kind::DryRun(dry_run) = &self.inner.kind {
            dry_run.keep(&request, needs_bearer(info));
            return Ok(failed(request.url(), Error::NotSent { operation }));
        }
        // One span per operation: what was called and how it went, never a
        // token, a secret or a body.
        let path = spec::operation(info.operation_id).map_or_else(
            || request.url().path().to_string(),
            |op| op.path.to_string(),
        );
        let span = tracing::info_span!(
            "ix_api.operation",
            operation,
            method = %request.method(),
            path,
            // The path as sent (ids and all), never the query.
            url.path = request.url().path(),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            attempt = 1u32,
        );
        let started = tokio::time::Instant::now();
        let answer = self
            .attempts(request, info, operation, &span)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        let response = answer?;
        let status = response.status().as_u16();
        span.record("status", status);
        crate::call::answered::note_status(status);
        if status == StatusCode::NOT_FOUND.as_u16() {
            return Ok(self.not_found(response, info).instrument(span).await);
        }
        Ok(response)
    }
}

impl Client {
    /// Sends `request` with a token (and once more with a new one after a
    /// 401 about it), as [`ClientHooks::exec`] does.
    async fn attempts(
        &self,
        mut request: Request,
        info: &OperationInfo,
        operation: &'static str,
        span: &tracing::Span,
    ) -> reqwest::Result<Response> {
        let source = match &self.inner.kind {
            Kind::Source(source) if needs_bearer(info) => Some(source),
            _ => None,
        };
        if let Some(source) = source {
            let bearer = source.access_token().await.and_then(|token| {
                set_bearer(&mut request, &token)
                    .map_err(|reason| Error::InvalidRequest { operation, reason })
            });
            if let Err(error) = bearer {
                return Ok(failed(request.url(), error));
            }
        }
        let retry = source.and_then(|_| request.try_clone());
        let sent = sent_token(&request);
        let url = request.url().clone();
        let response = match self.answer(request, operation).await? {
            Ok(response) => response,
            Err(error) => return Ok(failed(&url, error)),
        };
        let (Some(source), Some(mut retry), Some(sent), StatusCode::UNAUTHORIZED) =
            (source, retry, sent, response.status())
        else {
            return Ok(response);
        };
        // Only a 401 about the token is worth a new one.
        let kind = response.extensions().get::<ReadProblem>().map_or_else(
            || crate::ProblemKind::of_status(StatusCode::UNAUTHORIZED.as_u16()),
            |read| read.problem.kind(),
        );
        if !kind.is_authentication() {
            return Ok(response);
        }
        let started = tokio::time::Instant::now();
        source.reject(&sent);
        let token = match source.access_token().await {
            Ok(token) => token,
            Err(error) => {
                tracing::warn!(operation, %error, "could not renew the access token after a 401");
                return Ok(response);
            }
        };
        if set_bearer(&mut retry, &token).is_err() {
            return Ok(response);
        }
        span.record("attempt", 2u32);
        let retried = self.answer(retry, operation).await?;
        tracing::info!(
            operation,
            elapsed_ms = started.elapsed().as_millis() as u64,
            status = retried.as_ref().map_or(0, |r| r.status().as_u16()),
            "retried once with a new access token after a 401"
        );
        Ok(retried.unwrap_or_else(|error| failed(&url, error)))
    }

    /// Sends `request` and hands back the answer, an error answer made
    /// readable; or the refusal of an answer that is a redirect or comes
    /// from another origin.
    async fn answer(
        &self,
        request: Request,
        operation: &'static str,
    ) -> reqwest::Result<Result<Response, Error>> {
        let response = self.client().execute(request).await?;
        let location = if response.status().is_redirection() {
            response
                .headers()
                .get(LOCATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| response.url().join(value).ok())
                .map_or_else(|| "an unnamed location".to_string(), |url| shown(&url))
        } else if !Url::parse(self.baseurl()).is_ok_and(|base| same_origin(&base, response.url())) {
            shown(response.url())
        } else if response.status().as_u16() >= 400 {
            return Ok(Ok(readable(response).await?));
        } else if let Some(spec) = spec::operation(operation) {
            return Ok(Ok(wire::one_object(response, spec).await?));
        } else {
            return Ok(Ok(response));
        };
        Ok(Err(Error::Redirected {
            operation,
            location,
        }))
    }

    /// A 404 as the [module](self) docs say: the answer as it came ("not
    /// found"), or in its place one that carries
    /// [`Error::NotImplemented`] or [`Error::NoIxApi`].
    async fn not_found(&self, response: Response, info: &OperationInfo) -> Response {
        let Some(operation) = spec::operation(info.operation_id) else {
            // A raw request: no operation to look up.
            return response;
        };
        let (typed, document) = response
            .extensions()
            .get::<ReadProblem>()
            .map_or((false, false), |read| {
                (read.problem.declares_type(), read.document)
            });
        let list = operation.method == "GET" && !operation.path.contains('{');
        let url = response.url().clone();
        if operation.id == operations::API_IMPLEMENTATION_READ.id {
            // `/implementation` itself: IX-API has served it since 2.1.0.
            return if document {
                response
            } else {
                concluded(&url, self.no_ix_api(operation.id))
            };
        }
        if typed && !list {
            // IX-API's own problem about an object.
            return response;
        }
        let known = self
            .inner
            .implementation
            .get_or_init(|| self.read_implementation())
            .await;
        match known {
            Known::Listed(supported) if supported.iter().any(|id| id == operation.id) => response,
            Known::Listed(_) => concluded(
                &url,
                Error::NotImplemented {
                    operation: operation.id,
                    status: StatusCode::NOT_FOUND.as_u16(),
                    why: Unimplemented::Unlisted,
                },
            ),
            Known::Unread { status, json }
                if !document && (*status == Some(404) || (status.is_some() && !json)) =>
            {
                concluded(&url, self.no_ix_api(operation.id))
            }
            Known::Unread { .. } => response,
        }
    }

    /// Asks `GET /implementation` which operations the server implements,
    /// with the client's token and `User-Agent`; read liberally (only
    /// `supported_operations` matters).
    async fn read_implementation(&self) -> Known {
        let url = format!(
            "{}{}",
            self.baseurl().trim_end_matches('/'),
            operations::API_IMPLEMENTATION_READ.path
        );
        let mut request = match self.client().get(&url).build() {
            Ok(request) => request,
            Err(_) => {
                return Known::Unread {
                    status: None,
                    json: false,
                };
            }
        };
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(reqwest::header::USER_AGENT, self.inner.user_agent.clone());
        let token = match &self.inner.kind {
            Kind::None | Kind::DryRun(_) => None,
            Kind::Bearer(token) => Some(token.clone()),
            Kind::Source(source) => source.access_token().await.ok(),
        };
        if let Some(token) = token {
            let _ = set_bearer(&mut request, &token);
        }
        tracing::info!(
            "reading GET /implementation once, to tell a missing object from a missing operation"
        );
        let response = match self.client().execute(request).await {
            Ok(response) => response,
            Err(_) => {
                return Known::Unread {
                    status: None,
                    json: false,
                };
            }
        };
        let status = response.status();
        let body = match bounded_body(response).await {
            Ok(Some(body)) => body,
            _ => Vec::new(),
        };
        let json = serde_json::from_slice::<serde_json::Value>(&body).ok();
        let supported = json
            .as_ref()
            .filter(|_| status.is_success())
            .and_then(|json| json.get("supported_operations"))
            .and_then(serde_json::Value::as_array)
            .map(|listed| {
                listed
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            });
        match supported {
            Some(supported) => Known::Listed(supported.into()),
            None => Known::Unread {
                status: Some(status.as_u16()),
                json: json.is_some(),
            },
        }
    }

    /// [`Error::NoIxApi`] for this client's base URL.
    fn no_ix_api(&self, operation: &'static str) -> Error {
        let base_url = Url::parse(self.baseurl()).map_or_else(
            |_| self.baseurl().to_string(),
            |url| shown(&url).trim_end_matches('/').to_string(),
        );
        let path = Url::parse(&base_url)
            .map(|url| url.path().trim_end_matches('/').to_string())
            .unwrap_or_default();
        let hint = if path.ends_with(spec::BASE_PATH) {
            "check the base URL: nothing there answers as IX-API does".to_string()
        } else if spec::BASE_PATH.starts_with(&path) {
            // `https://ixp.example.net` or `.../api`: IX-API's path is short.
            let origin = base_url.strip_suffix(&path).unwrap_or(&base_url);
            format!(
                "IX-API's operations are below {}: try {origin}{}",
                spec::BASE_PATH,
                spec::BASE_PATH
            )
        } else {
            format!(
                "IX-API's operations are usually below {}: try {base_url}{}",
                spec::BASE_PATH,
                spec::BASE_PATH
            )
        };
        Error::NoIxApi {
            operation,
            base_url,
            hint,
        }
    }
}

/// The answer the hooks give in place of a 404 they explained: see the
/// [module](self) docs.
fn concluded(url: &Url, error: Error) -> Response {
    let mut answer = unanswered(url, &error);
    answer.extensions_mut().insert(Concluded(error));
    Response::from(answer)
}

/// The answer the hooks give in the exchange's place when they fail: see
/// the [module](self) docs.
fn failed(url: &Url, error: Error) -> Response {
    let mut answer = unanswered(url, &error);
    answer.extensions_mut().insert(HookFailure(error));
    Response::from(answer)
}

/// An empty answer of status [`UNANSWERED`] saying `error` in its header.
fn unanswered(url: &Url, error: &Error) -> http::Response<Body> {
    let mut answer = http::Response::new(Body::from(Bytes::new()));
    *answer.status_mut() = StatusCode::from_u16(UNANSWERED).unwrap_or(StatusCode::BAD_REQUEST);
    let said: String = error
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { ' ' })
        .take(300)
        .collect();
    if let Ok(value) = HeaderValue::from_str(&said) {
        answer.headers_mut().insert(FAILURE_HEADER, value);
    }
    with_url(&mut answer, url.clone());
    answer
}

/// The spec's `'static` name of an operation, for errors.
fn static_operation(id: &str) -> &'static str {
    spec::operation(id).map_or("an IX-API operation", |operation| operation.id)
}

/// A URL as errors show it: without credentials, query or fragment.
pub(crate) fn shown(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Replaces a request's body by one with the same bytes that reqwest
/// cannot clone, so that it never re-sends it after a 307 or 308.
fn unreplayable(request: &mut Request) {
    let text = request
        .body()
        .and_then(Body::as_bytes)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .map(str::to_owned);
    if let Some(text) = text {
        *request.body_mut() = Some(Body::wrap(text));
    }
}

/// The access token the request carries.
fn sent_token(request: &Request) -> Option<AccessToken> {
    let value = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(AccessToken::from)
}

/// The body of `response`, up to [`MAX_PROBLEM_BYTES`]; `None` if it is
/// longer.
async fn bounded_body(mut response: Response) -> reqwest::Result<Option<Vec<u8>>> {
    let mut body = Vec::new();
    while body.len() <= MAX_PROBLEM_BYTES {
        match response.chunk().await? {
            Some(chunk) => body.extend_from_slice(&chunk),
            None => return Ok(Some(body)),
        }
    }
    Ok(None)
}

/// An error answer with its body made a readable problem document (up to
/// [`MAX_PROBLEM_BYTES`]), its status, headers and URL kept, and the
/// document in its extensions ([`ReadProblem`]).
async fn readable(response: Response) -> reqwest::Result<Response> {
    let status = response.status();
    let (version, headers, url) = (
        response.version(),
        response.headers().clone(),
        response.url().clone(),
    );
    let body = bounded_body(response).await?.unwrap_or_default();
    let readable = problem::readable(status, &body);
    let read = ReadProblem {
        problem: serde_json::from_slice(&readable)
            .unwrap_or_else(|_| types::ProblemResponse::blank(status)),
        document: problem::is_document(&body),
    };
    let mut rebuilt = http::Response::new(Body::from(readable));
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    rebuilt.headers_mut().remove(CONTENT_LENGTH);
    rebuilt.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    with_url(&mut rebuilt, url);
    rebuilt.extensions_mut().insert(read);
    Ok(Response::from(rebuilt))
}
