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

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue, LOCATION};
use reqwest::{Body, Request, Response, ResponseBuilderExt, StatusCode, Url};

use crate::credentials::AccessToken;
use crate::error::{Error, carry};
use crate::generated::spec;
use crate::{Client, types};

/// A 401 body larger than this is not a problem document worth reading.
const MAX_PROBLEM_BYTES: usize = 64 * 1024;

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

/// How a [`Client`] authenticates the calls that need a token.
#[derive(Debug, Clone, Default)]
pub struct Auth(Kind);

#[derive(Debug, Clone, Default)]
enum Kind {
    #[default]
    None,
    Bearer(AccessToken),
    Source(Arc<dyn BearerSource>),
}

impl Auth {
    /// Send no `Authorization` header: enough for the token operations.
    pub fn none() -> Self {
        Self(Kind::None)
    }

    /// Send `Authorization: Bearer <access_token>` on every other call.
    pub fn bearer(access_token: impl Into<AccessToken>) -> Self {
        Self(Kind::Bearer(access_token.into()))
    }

    pub(crate) fn source(source: Arc<dyn BearerSource>) -> Self {
        Self(Kind::Source(source))
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
        if let Some(operation) = spec::operation(info.operation_id) {
            crate::wire::as_the_spec_says(request, operation);
        }
        if !needs_bearer(info) {
            // A body that cannot be replayed is one no 307/308 can send on.
            unreplayable(request);
            return Ok(());
        }
        let token = match &self.inner.0 {
            Kind::None => return Ok(()),
            Kind::Bearer(token) => token.clone(),
            Kind::Source(source) => source.access_token().await.map_err(carry)?,
        };
        set_bearer(request, &token).map_err(progenitor_client::Error::InvalidRequest)
    }

    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        let source = match &self.inner.0 {
            Kind::Source(source) if needs_bearer(info) => source,
            _ => return self.client().execute(request).await,
        };
        let retry = request.try_clone();
        let sent = sent_token(&request);
        let response = self.client().execute(request).await?;
        let (Some(mut retry), Some(sent), StatusCode::UNAUTHORIZED) =
            (retry, sent, response.status())
        else {
            return Ok(response);
        };
        if !same_origin(response.url(), retry.url()) {
            // Someone else's 401 says nothing about our token.
            return Ok(response);
        }

        // Only a 401 about the token is worth a new one; read the body to
        // tell, then hand it on unchanged if it is not.
        let (response, kind) = problem_kind(response).await?;
        if !kind.is_some_and(|k| k.is_authentication()) {
            return Ok(response);
        }
        let started = tokio::time::Instant::now();
        source.reject(&sent);
        let token = match source.access_token().await {
            Ok(token) => token,
            Err(error) => {
                tracing::warn!(operation = info.operation_id, %error, "could not renew the access token after a 401");
                return Ok(response);
            }
        };
        if set_bearer(&mut retry, &token).is_err() {
            return Ok(response);
        }
        let retried = self.client().execute(retry).await;
        tracing::info!(
            operation = info.operation_id,
            elapsed_ms = started.elapsed().as_millis() as u64,
            status = retried
                .as_ref()
                .map(|r| r.status().as_u16())
                .unwrap_or_default(),
            "retried once with a new access token after a 401"
        );
        retried
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<Response>,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let Ok(response) = result else {
            return Ok(());
        };
        let location = if response.status().is_redirection() {
            response
                .headers()
                .get(LOCATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| response.url().join(value).ok())
                .map_or_else(|| "an unnamed location".to_string(), |url| shown(&url))
        } else if !Url::parse(self.baseurl()).is_ok_and(|base| same_origin(&base, response.url())) {
            shown(response.url())
        } else {
            return Ok(());
        };
        Err(carry(Error::Redirected {
            operation: static_operation(info.operation_id),
            location,
        }))
    }
}

/// The spec's `'static` name of an operation, for errors.
fn static_operation(id: &str) -> &'static str {
    spec::operation(id).map_or("an IX-API operation", |operation| operation.id)
}

/// A URL as errors show it: without credentials, query or fragment.
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

fn same_origin(a: &Url, b: &Url) -> bool {
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

/// Reads the problem kind of a response (up to [`MAX_PROBLEM_BYTES`]) and
/// rebuilds the response around what it read, with its URL.
async fn problem_kind(
    mut response: Response,
) -> reqwest::Result<(Response, Option<crate::ProblemKind>)> {
    let mut head = Vec::new();
    let mut complete = false;
    while head.len() <= MAX_PROBLEM_BYTES {
        match response.chunk().await? {
            Some(chunk) => head.extend_from_slice(&chunk),
            None => {
                complete = true;
                break;
            }
        }
    }
    let head = Bytes::from(head);
    let kind = complete
        .then(|| serde_json::from_slice::<types::ProblemResponse>(&head).ok())
        .flatten()
        .map(|p| p.kind());

    let (status, version) = (response.status(), response.version());
    let (headers, url) = (response.headers().clone(), response.url().clone());
    let body = if complete {
        Body::from(head)
    } else {
        Body::wrap(Prefixed {
            head: Some(head),
            rest: Body::from(response),
        })
    };
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    // reqwest keeps a response's URL in an extension only its builder sets.
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        *rebuilt.extensions_mut() = carrier.into_parts().0.extensions;
    }
    Ok((Response::from(rebuilt), kind))
}

/// A body that yields `head`, then the rest of a response it was read from.
struct Prefixed {
    head: Option<Bytes>,
    rest: Body,
}

impl http_body::Body for Prefixed {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if let Some(head) = self.head.take() {
            return Poll::Ready(Some(Ok(http_body::Frame::data(head))));
        }
        Pin::new(&mut self.rest).poll_frame(cx)
    }
}
