//! The error of the hand-written layers ([`Session`](crate::Session), the
//! client hooks and [`Call`](crate::Call)): what went wrong, in words a
//! person can act on, with the operation and the HTTP status where there was
//! an answer, and never with a secret or a raw response body in it.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Serialize;

use crate::generated::spec::{self, operations};
use crate::problem::ProblemError;
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
        /// read](crate::problem), with `status` filled in when it said none).
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
    /// This server does not implement the operation: it answered 501 or
    /// 405, or 404 for a collection, or a 404 that is not IX-API's
    /// `not-found` problem (an older server, or one that implements only
    /// part of IX-API; see `Session::supports`).
    #[error("this IX-API server does not implement {operation} (status {status})")]
    NotImplemented {
        /// The IX-API operation, e.g. `network_service_configs_list`.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
    },
    /// IX-API answered with a status the operation does not document (a 5xx
    /// from a proxy, say).
    #[error("IX-API answered {operation} with unexpected status {status}")]
    UnexpectedStatus {
        /// The IX-API operation, e.g. `auth_token_refresh`.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
    },
    /// IX-API's answer could not be read as what the operation documents.
    /// The body is not kept: it may hold tokens.
    #[error("IX-API's answer to {operation}{} is malformed: {reason}", status.map(|s| format!(" (status {s})")).unwrap_or_default())]
    MalformedResponse {
        /// The IX-API operation, e.g. `auth_token_refresh`.
        operation: &'static str,
        /// The HTTP status of the answer.
        status: Option<u16>,
        /// Where and how parsing failed.
        reason: String,
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
            other => Self::from_operation_ref(operation, &other),
        }
    }

    /// [`from_operation`](Self::from_operation) for an error borrowed, of
    /// any problem type that serializes (the generated command line's).
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
            | E::InvalidUpgrade(source) => transport(operation, source),
            E::UnexpectedResponse(response) => {
                if let Some(HookFailure(error)) = response.extensions().get::<HookFailure>() {
                    return error.clone();
                }
                match response.status().as_u16() {
                    status @ (404 | 405 | 501) => Self::NotImplemented { operation, status },
                    status => Self::UnexpectedStatus { operation, status },
                }
            }
            E::InvalidResponsePayload(_, cause) => Self::MalformedResponse {
                operation,
                // Error answers are always readable (the hooks make them
                // problem documents), so this is the success status.
                status: spec::operation(operation).and_then(|op| op.success()),
                reason: describe_json_error(cause),
            },
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

    /// A problem document answered with `status`.
    fn answered(operation: &'static str, status: u16, mut problem: ProblemResponse) -> Self {
        problem.status.get_or_insert(i64::from(status));
        let not_implemented = match status {
            405 | 501 => true,
            // A list cannot be "not found"; nor is a 404 that is not IX-API's
            // own problem about an object.
            404 => {
                !problem.declares_type()
                    || spec::operation(operation)
                        .is_some_and(|op| op.method == "GET" && !op.path.contains('{'))
            }
            _ => false,
        };
        if not_implemented {
            return Self::NotImplemented { operation, status };
        }
        Self::Rejected {
            operation,
            status,
            problem: Box::new(problem),
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

    /// The operation the error is about, when it is about one.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Self::Rejected { operation, .. }
            | Self::Transport { operation, .. }
            | Self::Timeout { operation, .. }
            | Self::Redirected { operation, .. }
            | Self::NotImplemented { operation, .. }
            | Self::UnexpectedStatus { operation, .. }
            | Self::MalformedResponse { operation, .. }
            | Self::InvalidRequest { operation, .. } => Some(operation),
            _ => None,
        }
    }

    /// True when retrying later may succeed: transport failures, timeouts,
    /// unexpected (typically 5xx) statuses, and an identity provider that
    /// says it is unavailable.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport { .. } | Self::Timeout { .. } | Self::UnexpectedStatus { .. } => true,
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

/// A transport error, named by host, port and cause; reqwest's own message
/// names the whole URL, query string and all, so it is not used.
pub(crate) fn transport(operation: &'static str, error: &reqwest::Error) -> Error {
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

impl ProblemError for Error {
    fn problem(&self) -> Option<&ProblemResponse> {
        match self {
            Self::Rejected { problem, .. } => Some(problem),
            _ => None,
        }
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
        serde_json::from_value(crate::problem::blank(status)).unwrap_or_else(|_| Self {
            detail: None,
            instance: None,
            status: Some(i64::from(status.as_u16())),
            title: None,
            type_: crate::problem::ABOUT_BLANK.into(),
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
    fn a_404_of_a_collection_or_without_an_ix_api_type_is_not_implemented() {
        let not_found = |declared: bool| -> ProblemResponse {
            let mut problem = ProblemResponse::blank(StatusCode::NOT_FOUND);
            if declared {
                problem.type_ = crate::ProblemKind::NotFound.type_uri().into();
            }
            problem
        };
        let read = operations::CONTACTS_READ.id;
        let list = operations::CONTACTS_LIST.id;
        assert!(matches!(
            Error::answered(read, 404, not_found(true)),
            Error::Rejected { status: 404, .. }
        ));
        assert!(matches!(
            Error::answered(read, 404, not_found(false)),
            Error::NotImplemented { status: 404, .. }
        ));
        assert!(matches!(
            Error::answered(list, 404, not_found(true)),
            Error::NotImplemented { status: 404, .. }
        ));
        let rejected = Error::answered(read, 400, ProblemResponse::blank(StatusCode::BAD_REQUEST));
        assert_eq!(rejected.status(), Some(400));
        assert_eq!(rejected.operation(), Some(read));
    }
}
