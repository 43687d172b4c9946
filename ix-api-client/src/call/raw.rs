//! A door for what the spec lacks: an authenticated request to any path of
//! the exchange (an extension endpoint listed by `GET /extensions`, say),
//! with everything a generated operation gets: the session's token and its
//! renewal, one retry after a 401, the origin rules, error answers read as
//! problem documents, typed errors.
//!
//! ```no_run
//! # async fn demo(session: &ix_api_client::Session) -> Result<(), ix_api_client::Error> {
//! let answer = session
//!     .request(ix_api_client::raw::Method::GET, "/implementation")
//!     .send()
//!     .await?;
//! let implementation: serde_json::Value = answer.json()?;
//! # Ok(()) }
//! ```

use bytes::Bytes;
use progenitor_client::{ClientHooks, OperationInfo};
pub use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url, Version};

use crate::call::error::Error;
use crate::call::hooks::{UNANSWERED, same_origin};
use crate::{Client, types};

/// The operation name raw requests' errors carry.
pub const RAW_REQUEST: &str = "a request outside the spec";

/// A request to build and send; see [`Session::request`](crate::Session::request).
#[derive(Debug)]
pub struct RawRequest<'a> {
    client: &'a Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<(Bytes, HeaderValue)>,
}

/// The exchange's answer to a raw request (a success: error answers are
/// [`Error`]s).
#[derive(Debug, Clone)]
pub struct RawAnswer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The HTTP version the answer came in.
    pub version: Version,
    /// The answer's headers.
    pub headers: HeaderMap,
    /// The body, as it came.
    pub body: Bytes,
}

impl RawAnswer {
    /// The body as JSON. If it is not the `T` expected, the error names
    /// the member where it breaks and keeps the body.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::MalformedResponse {
            operation: RAW_REQUEST,
            status: Some(self.status.as_u16()),
            path: crate::call::locate::<T>(&self.body),
            reason: format!(
                "not the JSON expected (line {}, column {})",
                e.line(),
                e.column()
            ),
            body: Some(self.body.clone().into()),
        })
    }
}

impl<'a> RawRequest<'a> {
    pub(crate) fn new(client: &'a Client, method: Method, path: impl Into<String>) -> Self {
        Self {
            client,
            method,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
        }
    }

    /// Adds `name=value` to the URL's query, after any the path has.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header. `Authorization` and `Host` are refused: the session
    /// puts its token in the one, and the URL decides the other.
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidRequest {
            operation: RAW_REQUEST,
            reason,
        };
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid(format!("{name:?} is not a header name")))?;
        if name == AUTHORIZATION || name == HOST {
            return Err(invalid(format!(
                "the {name} header is the session's to set"
            )));
        }
        let value = HeaderValue::from_str(value)
            .map_err(|_| invalid(format!("the value of {name} cannot travel in a header")))?;
        self.headers.append(name, value);
        Ok(self)
    }

    /// A JSON body.
    pub fn json(mut self, body: &impl serde::Serialize) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::InvalidRequest {
            operation: RAW_REQUEST,
            reason: e.to_string(),
        })?;
        self.body = Some((bytes.into(), HeaderValue::from_static("application/json")));
        Ok(self)
    }

    /// A body of `media_type`.
    pub fn body(mut self, bytes: impl Into<Bytes>, media_type: HeaderValue) -> Self {
        self.body = Some((bytes.into(), media_type));
        self
    }

    /// The URL: `path` below the base URL (`/implementation`), or an
    /// absolute URL on the base URL's origin (an extension under another
    /// prefix). Any other origin is refused: the token goes nowhere else.
    fn url(&self) -> Result<Url, Error> {
        let invalid = |reason: String| Error::InvalidRequest {
            operation: RAW_REQUEST,
            reason,
        };
        let base = Url::parse(self.client.baseurl.as_str()).map_err(|e| invalid(e.to_string()))?;
        if self.path.starts_with('/') {
            let joined = format!(
                "{}{}",
                self.client.baseurl.as_str().trim_end_matches('/'),
                self.path
            );
            return Url::parse(&joined).map_err(|e| invalid(e.to_string()));
        }
        let url = Url::parse(&self.path).map_err(|_| {
            invalid(format!(
                "{:?} is neither a path (/...) nor a URL",
                self.path
            ))
        })?;
        if !same_origin(&url, &base) {
            return Err(invalid(format!(
                "{} is not on the exchange's origin; the access token goes only there",
                crate::call::hooks::shown(&url)
            )));
        }
        Ok(url)
    }

    /// Sends the request. A success answers with its status, headers and
    /// body; an error answer is [`Error::Rejected`] with its problem
    /// document, and the session's own failures are its typed errors.
    pub async fn send(self) -> Result<RawAnswer, Error> {
        let mut url = self.url()?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        let mut request = reqwest::Request::new(self.method.clone(), url);
        request.headers_mut().extend(self.headers);
        if let Some((bytes, media_type)) = self.body {
            request.headers_mut().insert(CONTENT_TYPE, media_type);
            *request.body_mut() = Some(bytes.into());
        }
        let info = OperationInfo {
            operation_id: RAW_REQUEST,
        };
        self.client
            .pre::<types::ProblemResponse>(&mut request, &info)
            .await
            .map_err(|e| Error::from_operation(RAW_REQUEST, e))?;
        let response = self.client.exec(request, &info).await.map_err(|e| {
            Error::from_operation(RAW_REQUEST, progenitor_client::Error::CommunicationError(e))
        })?;
        let status = response.status();
        // The hooks' own failures, and 5xx (transient), as for an
        // operation that does not document them; other errors carry the
        // problem document the hooks made readable.
        if status.as_u16() == UNANSWERED || status.is_server_error() {
            let error = progenitor_client::Error::UnexpectedResponse(response);
            return Err(Error::from_operation(RAW_REQUEST, error));
        }
        if status.is_client_error() {
            let error =
                match progenitor_client::ResponseValue::<types::ProblemResponse>::from_response(
                    response,
                )
                .await
                {
                    Ok(problem) => progenitor_client::Error::ErrorResponse(problem),
                    Err(error) => error,
                };
            return Err(Error::from_operation(RAW_REQUEST, error));
        }
        let headers = response.headers().clone();
        let version = response.version();
        let body = response.bytes().await.map_err(|e| {
            Error::from_operation(RAW_REQUEST, progenitor_client::Error::ResponseBodyError(e))
        })?;
        Ok(RawAnswer {
            status,
            version,
            headers,
            body,
        })
    }
}

impl Client {
    /// A request to any path of the exchange with this client's
    /// authentication: the token of [`Session::client`](crate::Session::client)'s
    /// session, or none at all for a [dry run](crate::dry_run). A session's
    /// [`request`](crate::Session::request) is the same.
    pub fn request(&self, method: Method, path: impl Into<String>) -> RawRequest<'_> {
        RawRequest::new(self, method, path)
    }
}
