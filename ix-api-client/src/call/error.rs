//! The error of the hand-written layers ([`Session`](crate::Session), the
//! client hooks and [`Call`](crate::Call)): what went wrong, in words a
//! person can act on, with the operation and the HTTP status where there was
//! an answer, and never with a secret in what it shows. An answer that
//! breaks the spec keeps its raw body ([`Error::raw_body`]), except the
//! token operations' answers, which hold tokens.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use serde::Serialize;

use crate::call::problem::{ProblemError, ProblemKind};
use crate::generated::spec::{self, operations};
use crate::types::ProblemResponse;

/// The error a generated operation returns (progenitor's error type).
/// Beware: its `Display` of an unparseable answer includes the raw body;
/// [`Error::from_operation`] turns it into an [`Error`] that does not.
pub type OperationError = progenitor_client::Error<ProblemResponse>;

/// Why a session, or a call made through one, could not do what was asked.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session was built with settings that cannot work.
    #[error("invalid session configuration: {0}")]
    Configuration(String),
    /// The base URL is `http://` to a host other than loopback: credentials
    /// and tokens would travel in clear text.
    #[error(
        "refusing to send credentials in clear text to {base_url}: use https, or allow_insecure_http(true) if you really mean it"
    )]
    InsecureHttp {
        /// The base URL as given.
        base_url: String,
    },
    /// IX-API answered with a problem document.
    #[error("IX-API rejected {what}: {problem}", what = rejected_what(operation))]
    Rejected {
        /// The IX-API operation, e.g. `auth_token_refresh`.
        operation: &'static str,
        /// The HTTP status of the answer.
        status: u16,
        /// The problem document IX-API sent (as [liberally
        /// read](crate::call::problem), with `status` filled in when it said none).
        problem: Box<ProblemResponse>,
    },
    /// The identity provider refused an OAuth2 client credentials grant.
    #[error("the identity provider refused the OAuth2 grant ({error}{}){}", status.map(|s| format!(", status {s}")).unwrap_or_default(), description.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    OAuth2Rejected {
        /// The HTTP status of the answer.
        status: Option<u16>,
        /// The OAuth2 error code: `invalid_client`, `invalid_scope`, ...
        error: String,
        /// The `error_description`, if the identity provider gave one.
        description: Option<String>,
    },
    /// Both tokens are spent or were rejected, and the session has no
    /// credentials to log in with again.
    #[error(
        "re-authentication required: the tokens have expired or were rejected, and the session has no api_key/api_secret to log in again"
    )]
    ReauthenticationRequired,
    /// The request did not reach IX-API or its answer did not arrive.
    #[error("could not reach IX-API at {host} for {operation}: {cause} ({detail})")]
    Transport {
        /// The IX-API operation, e.g. `auth_token_refresh`.
        operation: &'static str,
        /// The host and port, e.g. `ixp.example.net:443`; never a path or
        /// query.
        host: String,
        /// What kind of failure.
        cause: TransportCause,
        /// The innermost cause, as the operating system or TLS library said
        /// it.
        detail: String,
        /// reqwest's error (shared: `Error` is `Clone`), its URL (which may
        /// hold a query or credentials) removed; `None` when made from a
        /// borrowed error
        /// ([`Error::from_operation_ref`]), which cannot be moved.
        #[source]
        source: Option<Arc<reqwest::Error>>,
    },
    /// A token operation took longer than the session's token timeout.
    #[error("IX-API did not answer {operation} within {} ms", after.as_millis())]
    Timeout {
        /// `auth_token_create`, `auth_token_refresh`, or the token source's
        /// operation.
        operation: &'static str,
        /// The timeout that ran out.
        after: Duration,
    },
    /// IX-API answered with a redirect, or a redirect was followed to
    /// another origin. Credentials and tokens are only sent to the
    /// configured base URL, and only its answers are accepted.
    #[error("IX-API answered {operation} with a redirect to {location}; not followed")]
    Redirected {
        /// The IX-API operation, e.g. `auth_token_create`.
        operation: &'static str,
        /// Where the redirect pointed (scheme, host and path).
        location: String,
    },
    /// This server does not implement the operation (an older server, or
    /// one that implements only part of IX-API; see `Session::supports`):
    /// it said so with 405 or 501, or it answered 404 and its
    /// `GET /implementation` does not list the operation. `why` says which.
    #[error("this IX-API server does not implement {operation} ({})", why.said(*status))]
    NotImplemented {
        /// The IX-API operation, e.g. `network_service_configs_list`.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// How the server said it.
        why: Unimplemented,
    },
    /// Nothing that answers as IX-API does is at the base URL: the
    /// operation and `GET /implementation` were both not found, and the
    /// server's 404 was no problem document (a web server's page). Most
    /// often the base URL lacks IX-API's path (`/api/v2`).
    #[error(
        "no IX-API answers at {base_url}: it found neither {operation} nor GET /implementation; {hint}"
    )]
    NoIxApi {
        /// The operation that was not found, e.g. `contacts_list`.
        operation: &'static str,
        /// The base URL, without credentials or query.
        base_url: String,
        /// The likely fix, e.g. `try https://ixp.example.net/api/v2`.
        hint: String,
    },
    /// IX-API answered with a status the operation does not document and
    /// no problem document: a 5xx page from a proxy, a 2xx or 3xx the spec
    /// does not list. (An undocumented error status with a problem document
    /// is [`Error::Rejected`].)
    #[error("IX-API answered {operation} with unexpected status {status}")]
    UnexpectedStatus {
        /// The IX-API operation, e.g. `auth_token_refresh`.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
    },
    /// IX-API's answer could not be read as what the operation documents.
    /// The message names the operation, the status and the member; the raw
    /// body is kept in `body` ([`Error::raw_body`]) and never shown, and is
    /// not kept at all for the token operations (`auth_token_create`,
    /// `auth_token_refresh`, the OAuth2 token endpoint), whose answers hold
    /// tokens.
    #[error("IX-API's answer to {operation}{} is malformed{}: {reason}", status.map(|s| format!(" (status {s})")).unwrap_or_default(), path.as_ref().map(|p| format!(" at {p}")).unwrap_or_default())]
    MalformedResponse {
        /// The IX-API operation, e.g. `auth_token_refresh`.
        operation: &'static str,
        /// The HTTP status of the answer.
        status: Option<u16>,
        /// The member where reading failed, as a path from the top of the
        /// answer: `[3].state` (the item at index 3 of a list),
        /// `connection.vlan_config`; `None` when the answer as a whole is
        /// wrong or the place is unknown.
        path: Option<String>,
        /// How reading failed (never quoting a value of the answer).
        reason: String,
        /// The answer's body as it came, except for the token operations.
        body: Option<RawBody>,
    },
    /// The session's token renewal was cancelled: its tokio runtime is
    /// shutting down.
    #[error("the token renewal was cancelled: its runtime is shutting down")]
    Cancelled,
    /// The request was built and kept, not sent: the client is a dry run's
    /// ([`Auth::dry_run`](crate::Auth::dry_run)).
    #[error("{operation} was not sent: a dry run")]
    NotSent {
        /// The IX-API operation, e.g. `connections_create`.
        operation: &'static str,
    },
    /// The request could not be built (for example an invalid credential).
    #[error("invalid request for {operation}: {reason}")]
    InvalidRequest {
        /// The IX-API operation, e.g. `auth_token_refresh`.
        operation: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// What kind of transport failure an [`Error::Transport`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportCause {
    /// Nothing listens at that host and port.
    Refused,
    /// The host name did not resolve.
    Dns,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// The HTTP client's timeout ran out.
    Timeout,
    /// The connection was reset or closed before the answer was complete.
    Closed,
    /// Anything else.
    Other,
}

impl fmt::Display for TransportCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Refused => "connection refused",
            Self::Dns => "the host name does not resolve",
            Self::Tls => "the TLS handshake failed",
            Self::Timeout => "timed out",
            Self::Closed => "the connection was closed",
            Self::Other => "transport error",
        })
    }
}

/// How a server said it does not implement an operation; see
/// [`Error::NotImplemented`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unimplemented {
    /// It answered 405 (Method Not Allowed) or 501 (Not Implemented).
    Status,
    /// It answered 404, and the `supported_operations` of its
    /// `GET /implementation` do not list the operation.
    Unlisted,
}

impl Unimplemented {
    fn said(self, status: u16) -> String {
        match self {
            Self::Status => format!("it answered {status}"),
            Self::Unlisted => format!(
                "it answered {status}, and its GET /implementation does not list the operation"
            ),
        }
    }
}

/// The raw body of an answer that broke the spec, as it came. Its `Debug`
/// shows only its length; read it with [`RawBody::as_bytes`].
#[derive(Clone, PartialEq, Eq)]
pub struct RawBody(Bytes);

impl RawBody {
    /// The bytes, as the exchange sent them.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, as [`Bytes`].
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl From<Bytes> for RawBody {
    fn from(bytes: Bytes) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for RawBody {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawBody({} bytes)", self.0.len())
    }
}

/// The operation name errors give the OAuth2 token request. Defined here,
/// where errors decide what of an answer to keep; `oauth2` re-exports it.
pub const OAUTH2_TOKEN: &str = "oauth2_token";

/// Whether `operation` answers with tokens, so that no answer of it is
/// kept in an error.
pub(crate) fn answers_tokens(operation: &str) -> bool {
    operation == operations::AUTH_TOKEN_CREATE.id
        || operation == operations::AUTH_TOKEN_REFRESH.id
        || operation == OAUTH2_TOKEN
}

fn rejected_what(operation: &str) -> String {
    if operation == operations::AUTH_TOKEN_CREATE.id {
        "the credentials".into()
    } else if operation == operations::AUTH_TOKEN_REFRESH.id {
        "the refresh token".into()
    } else {
        operation.to_string()
    }
}

/// A failure of the hooks themselves (no token, a refused redirect), in the
/// extensions of the answer they give progenitor in place of the exchange's.
#[derive(Debug, Clone)]
pub(crate) struct HookFailure(pub Error);

/// What the hooks concluded from an answer that progenitor cannot (a 404
/// that `GET /implementation` explains), in the extensions of the answer
/// they give progenitor in its place. Unlike [`HookFailure`], the exchange
/// caused it, so [`Error::from_session`] does not take it.
#[derive(Debug, Clone)]
pub(crate) struct Concluded(pub Error);

/// An error answer as the hooks read it, in its extensions: its problem
/// document (as [liberally read](crate::call::problem)), and whether the body was
/// one (a JSON object) rather than a page or nothing.
#[derive(Debug, Clone)]
pub(crate) struct ReadProblem {
    pub problem: ProblemResponse,
    pub document: bool,
}

impl Error {
    /// Converts a generated operation's error into this one, dropping
    /// anything that could carry a secret (raw bodies, headers, URLs).
    /// `operation` names the operation (`Call::OPERATION` of its builder;
    /// [`Call::call`](crate::Call::call) does all this for you).
    ///
    /// When the operation failed because its session could not provide an
    /// access token (or its hooks refused an answer), this is the session's
    /// own error, typed: [`Error::ReauthenticationRequired`], a
    /// [`Error::Rejected`] login, a [`Error::Timeout`], ...
    pub fn from_operation(operation: &'static str, error: OperationError) -> Self {
        match error {
            OperationError::ErrorResponse(response) => {
                let status = response.status().as_u16();
                Self::answered(operation, status, response.into_inner())
            }
            OperationError::CommunicationError(source)
            | OperationError::ResponseBodyError(source)
            | OperationError::InvalidUpgrade(source) => transport(operation, source),
            other => Self::from_operation_ref(operation, &other),
        }
    }

    /// [`from_operation`](Self::from_operation) for an error borrowed, of
    /// any problem type that serializes (the generated command line's). A
    /// transport error made here names its cause but cannot keep reqwest's
    /// error as its `source`.
    pub fn from_operation_ref<E: Serialize>(
        operation: &'static str,
        error: &progenitor_client::Error<E>,
    ) -> Self {
        use progenitor_client::Error as E;
        match error {
            E::ErrorResponse(response) => {
                let problem = serde_json::to_value(response.as_ref())
                    .ok()
                    .and_then(|value| serde_json::from_value(value).ok())
                    .unwrap_or_else(|| ProblemResponse::blank(response.status()));
                Self::answered(operation, response.status().as_u16(), problem)
            }
            E::CommunicationError(source)
            | E::ResponseBodyError(source)
            | E::InvalidUpgrade(source) => transport_named(operation, source),
            E::UnexpectedResponse(response) => {
                let extensions = response.extensions();
                if let Some(HookFailure(error)) = extensions.get::<HookFailure>() {
                    return error.clone();
                }
                if let Some(Concluded(error)) = extensions.get::<Concluded>() {
                    return error.clone();
                }
                let status = response.status().as_u16();
                match extensions.get::<ReadProblem>() {
                    // The server's own words, whatever the spec lists: a
                    // problem document, or any client error.
                    Some(read) if read.document || (400..500).contains(&status) => {
                        Self::answered(operation, status, read.problem.clone())
                    }
                    _ if matches!(status, 405 | 501) => Self::NotImplemented {
                        operation,
                        status,
                        why: Unimplemented::Status,
                    },
                    _ => Self::UnexpectedStatus { operation, status },
                }
            }
            E::InvalidResponsePayload(body, cause) => Self::malformed(operation, body, cause),
            E::Custom(reason) | E::InvalidRequest(reason) => Self::InvalidRequest {
                operation,
                reason: reason.clone(),
            },
        }
    }

    /// The session's error behind a generated operation's error, if that is
    /// why it failed (no token could be had, a redirect was refused). `None`
    /// for errors IX-API's answer caused.
    pub fn from_session<E>(error: &progenitor_client::Error<E>) -> Option<Self> {
        match error {
            progenitor_client::Error::UnexpectedResponse(response) => response
                .extensions()
                .get::<HookFailure>()
                .map(|HookFailure(error)| error.clone()),
            _ => None,
        }
    }

    /// A problem document answered with `status`. Only 405 and 501 say
    /// "not implemented" by themselves; a 404 the hooks did not explain
    /// through `GET /implementation` is "not found".
    fn answered(operation: &'static str, status: u16, mut problem: ProblemResponse) -> Self {
        problem.status.get_or_insert(i64::from(status));
        if matches!(status, 405 | 501) {
            return Self::NotImplemented {
                operation,
                status,
                why: Unimplemented::Status,
            };
        }
        Self::Rejected {
            operation,
            status,
            problem: Box::new(problem),
        }
    }

    /// An answer of `operation` that is not what the spec says, with the
    /// member where reading it failed and its body (unless it holds
    /// tokens).
    fn malformed(operation: &'static str, body: &Bytes, cause: &serde_json::Error) -> Self {
        // Error answers are always readable (the hooks make them problem
        // documents), so this is a success: its status as the hooks saw it,
        // else the one the operation documents.
        let status = crate::call::answered::noted_status()
            .or_else(|| spec::operation(operation).and_then(|op| op.success()));
        let mut path = crate::generated::builder::locate(operation, body);
        if let Some(member) = missing_member(cause) {
            path = Some(match path {
                Some(parent) => format!("{parent}.{member}"),
                None => member,
            });
        }
        Self::MalformedResponse {
            operation,
            status,
            path,
            reason: describe_json_error(cause),
            body: (!answers_tokens(operation)).then(|| RawBody(body.clone())),
        }
    }

    /// The raw body of an answer that broke the spec
    /// ([`Error::MalformedResponse`]), as it came; never for the token
    /// operations.
    pub fn raw_body(&self) -> Option<&[u8]> {
        match self {
            Self::MalformedResponse {
                body: Some(body), ..
            } => Some(body.as_bytes()),
            _ => None,
        }
    }

    /// The HTTP status of the exchange's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Rejected { status, .. }
            | Self::NotImplemented { status, .. }
            | Self::UnexpectedStatus { status, .. } => Some(*status),
            Self::MalformedResponse { status, .. } | Self::OAuth2Rejected { status, .. } => *status,
            _ => None,
        }
    }

    /// The problem document, when IX-API answered with one
    /// ([`Error::Rejected`]).
    pub fn problem(&self) -> Option<&ProblemResponse> {
        match self {
            Self::Rejected { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// The problem's kind (`validation-error`, `not-found`, ...), when
    /// IX-API answered with a problem document.
    pub fn problem_kind(&self) -> Option<ProblemKind> {
        self.problem().map(ProblemResponse::kind)
    }

    /// The operation the error is about, when it is about one.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Self::Rejected { operation, .. }
            | Self::Transport { operation, .. }
            | Self::Timeout { operation, .. }
            | Self::Redirected { operation, .. }
            | Self::NotImplemented { operation, .. }
            | Self::NoIxApi { operation, .. }
            | Self::UnexpectedStatus { operation, .. }
            | Self::MalformedResponse { operation, .. }
            | Self::NotSent { operation }
            | Self::InvalidRequest { operation, .. } => Some(operation),
            _ => None,
        }
    }

    /// True when retrying later may succeed: transport failures, timeouts,
    /// unexpected (typically 5xx) statuses, problems answered with 408,
    /// 429 or a 5xx other than 501, and an identity provider that says it
    /// is unavailable.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport { .. } | Self::Timeout { .. } | Self::UnexpectedStatus { .. } => true,
            Self::Rejected { status, .. } => {
                matches!(status, 408 | 429) || (*status >= 500 && *status != 501)
            }
            Self::OAuth2Rejected { error, .. } => {
                matches!(error.as_str(), "temporarily_unavailable" | "server_error")
            }
            _ => false,
        }
    }

    /// True when IX-API rejected the credentials or a token
    /// (`authentication-error`, `signature-expired`, `not-authenticated`),
    /// or the identity provider the OAuth2 client (`invalid_client`,
    /// `unauthorized_client`, `invalid_grant`).
    pub fn is_authentication(&self) -> bool {
        match self {
            Self::OAuth2Rejected { error, .. } => matches!(
                error.as_str(),
                "invalid_client" | "unauthorized_client" | "invalid_grant"
            ),
            _ => self
                .problem_kind()
                .is_some_and(|kind| kind.is_authentication()),
        }
    }
}

/// A transport error, named by host, port and cause, with reqwest's error
/// as its source, stripped of its URL (reqwest's message names the whole
/// URL, query string and all).
pub(crate) fn transport(operation: &'static str, error: reqwest::Error) -> Error {
    match transport_named(operation, &error) {
        Error::Transport {
            operation,
            host,
            cause,
            detail,
            ..
        } => Error::Transport {
            operation,
            host,
            cause,
            detail,
            source: Some(Arc::new(error.without_url())),
        },
        other => other,
    }
}

/// [`transport`] for a borrowed error: named alike, without its source.
fn transport_named(operation: &'static str, error: &reqwest::Error) -> Error {
    let host = error
        .url()
        .and_then(|url| {
            let host = url.host_str()?;
            Some(match url.port_or_known_default() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            })
        })
        .unwrap_or_else(|| "an unknown host".into());
    let mut chain: Vec<&(dyn std::error::Error + 'static)> = Vec::new();
    let mut next = std::error::Error::source(error);
    while let Some(cause) = next {
        chain.push(cause);
        next = cause.source();
    }
    let io = chain
        .iter()
        .find_map(|cause| cause.downcast_ref::<std::io::Error>());
    let text = chain
        .iter()
        .map(|cause| cause.to_string().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" / ");
    use std::io::ErrorKind;
    let cause = match io.map(std::io::Error::kind) {
        _ if error.is_timeout() => TransportCause::Timeout,
        Some(ErrorKind::ConnectionRefused) => TransportCause::Refused,
        Some(ErrorKind::TimedOut) => TransportCause::Timeout,
        Some(
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof,
        ) => TransportCause::Closed,
        _ if text.contains("dns error") || text.contains("failed to lookup address") => {
            TransportCause::Dns
        }
        _ if text.contains("certificate") || text.contains("tls") || text.contains("handshake") => {
            TransportCause::Tls
        }
        _ if text.contains("connection closed") || text.contains("incomplete message") => {
            TransportCause::Closed
        }
        _ => TransportCause::Other,
    };
    let detail = chain
        .last()
        .map_or_else(|| url_free(error), |innermost| innermost.to_string());
    Error::Transport {
        operation,
        host,
        cause,
        detail,
        source: None,
    }
}

/// reqwest's message without its URL.
fn url_free(error: &reqwest::Error) -> String {
    let message = error.to_string();
    match error.url() {
        Some(url) => message.replace(url.as_str(), "").replace(" for ()", ""),
        None => message,
    }
}

/// The member a "missing field" error names: a name of the spec, not the
/// server's data.
fn missing_member(cause: &serde_json::Error) -> Option<String> {
    let message = cause.to_string();
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().map(str::to_string)
}

/// Where and how JSON failed to parse, without serde's message where that
/// can quote the offending value (which may be a token). A missing member
/// is named: its name is the spec's, not the server's data.
fn describe_json_error(cause: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let message = cause.to_string();
    let what = match cause.classify() {
        Category::Eof => "the JSON ends early",
        Category::Syntax => "not valid JSON",
        Category::Data if message.starts_with("missing field `") => {
            let field = message["missing field `".len()..]
                .split('`')
                .next()
                .unwrap_or("");
            return format!(
                "the required member `{field}` is missing (line {}, column {})",
                cause.line(),
                cause.column()
            );
        }
        Category::Data => "JSON of the wrong shape",
        Category::Io => "unreadable",
    };
    format!("{what} (line {}, column {})", cause.line(), cause.column())
}

// For code written when `problem()` and `problem_kind()` were reached
// through this trait; the methods of `Error` itself now answer first.
impl ProblemError for Error {
    fn problem(&self) -> Option<&ProblemResponse> {
        Error::problem(self)
    }
}

impl spec::Operation {
    /// The one success status the operation documents (none for a range
    /// such as `2XX`).
    pub fn success(&self) -> Option<u16> {
        let mut success = self
            .answers
            .iter()
            .filter(|(low, high)| *low >= 200 && *high < 300);
        match (success.next(), success.next()) {
            (Some((low, high)), None) if low == high => Some(*low),
            _ => None,
        }
    }
}

impl ProblemResponse {
    /// `about:blank` with the status's phrase as its title, which is what
    /// RFC 7807 reads an answer without a problem document as.
    pub(crate) fn blank(status: StatusCode) -> Self {
        serde_json::from_value(crate::call::problem::blank(status)).unwrap_or_else(|_| Self {
            detail: None,
            instance: None,
            status: Some(i64::from(status.as_u16())),
            title: None,
            type_: crate::call::problem::ABOUT_BLANK.into(),
            extra: serde_json::Map::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_member_is_named_and_nothing_else_is_quoted() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Pair {
            access_token: String,
            refresh_token: String,
        }
        let missing = serde_json::from_str::<Pair>(r#"{"access_token": "eyJsecret"}"#).unwrap_err();
        let shown = describe_json_error(&missing);
        assert!(shown.contains("`refresh_token` is missing"), "{shown}");
        assert!(!shown.contains("eyJsecret"), "{shown}");
        let wrong =
            serde_json::from_str::<Pair>(r#"{"access_token": 1, "refresh_token": "eyJsecret"}"#)
                .unwrap_err();
        assert!(!describe_json_error(&wrong).contains("eyJ"));
    }

    #[test]
    fn only_405_and_501_say_not_implemented_by_themselves() {
        let not_found = |declared: bool| -> ProblemResponse {
            let mut problem = ProblemResponse::blank(StatusCode::NOT_FOUND);
            if declared {
                problem.type_ = crate::ProblemKind::NotFound.type_uri().into();
            }
            problem
        };
        let read = operations::CONTACTS_READ.id;
        let list = operations::CONTACTS_LIST.id;
        for (operation, declared) in [(read, true), (read, false), (list, true), (list, false)] {
            let error = Error::answered(operation, 404, not_found(declared));
            assert!(
                matches!(error, Error::Rejected { status: 404, .. }),
                "{error:?}"
            );
            assert_eq!(error.problem_kind(), Some(crate::ProblemKind::NotFound));
        }
        for status in [405, 501] {
            let error = Error::answered(list, status, ProblemResponse::blank(StatusCode::OK));
            assert!(matches!(
                error,
                Error::NotImplemented {
                    why: Unimplemented::Status,
                    ..
                }
            ));
            assert_eq!(
                error.to_string(),
                format!(
                    "this IX-API server does not implement contacts_list (it answered {status})"
                )
            );
        }
        let rejected = Error::answered(read, 400, ProblemResponse::blank(StatusCode::BAD_REQUEST));
        assert_eq!(rejected.status(), Some(400));
        assert_eq!(rejected.operation(), Some(read));
    }

    #[test]
    fn a_raw_body_shows_only_its_length() {
        let body = RawBody(Bytes::from_static(b"{\"access_token\": \"eyJsecret\"}"));
        assert_eq!(format!("{body:?}"), "RawBody(29 bytes)");
        let error = Error::MalformedResponse {
            operation: "contacts_list",
            status: Some(200),
            path: Some("[3].state".into()),
            reason: "JSON of the wrong shape".into(),
            body: Some(body),
        };
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("eyJ"), "{shown}");
        assert_eq!(
            error.to_string(),
            "IX-API's answer to contacts_list (status 200) is malformed at [3].state: JSON of the wrong shape"
        );
        assert_eq!(error.raw_body().map(<[u8]>::len), Some(29));
    }

    /// A transport failure keeps reqwest's error as its source, and
    /// neither shows the URL's credentials, path or query, nor the token.
    #[tokio::test]
    async fn a_transport_error_keeps_its_source_and_shows_no_url_or_token() {
        use crate::Call;
        // A port nothing listens on.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzZWNyZXQiOiJ0b2tlbiJ9.c2lnbmVk";
        let base = format!("http://ix-user:pass-word-1@127.0.0.1:{port}/api/v2");
        let client = crate::Client::with_access_token(&base, token);
        let error = client
            .contacts_list()
            .external_ref("filter-secret")
            .call()
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Transport {
                    cause: TransportCause::Refused,
                    ..
                }
            ),
            "{error:?}"
        );
        let source = std::error::Error::source(&error).expect("reqwest's error");
        // Shared, as `Error` is `Clone`.
        let reqwest = source
            .downcast_ref::<Arc<reqwest::Error>>()
            .expect("a reqwest::Error");
        assert!(reqwest.is_connect() && reqwest.url().is_none());
        let mut shown = vec![format!("{error}"), format!("{error:?}")];
        let mut next = Some(source);
        while let Some(cause) = next {
            shown.push(format!("{cause} {cause:?}"));
            next = cause.source();
        }
        assert!(shown.len() > 3, "a chain of causes: {shown:?}");
        for leak in [
            "pass-word-1",
            "ix-user",
            token,
            "eyJ",
            "filter-secret",
            "/contacts",
            "/api/v2",
        ] {
            assert!(
                !shown.iter().any(|s| s.contains(leak)),
                "{leak} in {shown:#?}"
            );
        }
    }
}
