//! The error of the hand-written layers ([`Session`](crate::Session) and the
//! client hooks): what went wrong, in words a person can act on, and never
//! with a secret or a response body in it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::generated::spec::operations;
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
    /// IX-API answered with a problem document.
    #[error("IX-API rejected {what} ({kind}): {problem}", what = rejected_what(operation), kind = problem.kind())]
    Rejected {
        /// The IX-API operation, e.g. `auth_token_refresh`.
        operation: &'static str,
        /// The problem document IX-API sent.
        problem: Box<ProblemResponse>,
    },
    /// Both tokens are spent or were rejected, and the session has no
    /// credentials to log in with again.
    #[error(
        "re-authentication required: the tokens have expired or were rejected, and the session has no api_key/api_secret to log in again"
    )]
    ReauthenticationRequired,
    /// The request did not reach IX-API or its answer did not arrive
    /// (connection refused, TLS, a timeout of the HTTP client).
    #[error("could not reach IX-API for {operation}: {source}")]
    Transport {
        /// The IX-API operation, e.g. `auth_token_refresh`.
        operation: &'static str,
        /// The transport error, without the URL.
        source: Arc<reqwest::Error>,
    },
    /// A login or refresh took longer than the session's token timeout.
    #[error("IX-API did not answer {operation} within {} ms", after.as_millis())]
    Timeout {
        /// `auth_token_create` or `auth_token_refresh`.
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
    /// This server does not implement the operation: it answered 501, or a
    /// 404 or 405 the operation does not document (an older server, or one
    /// that implements only part of IX-API; see `Session::supports`).
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
    #[error("IX-API's answer to {operation} is malformed: {reason}")]
    MalformedResponse {
        /// The IX-API operation, e.g. `auth_token_refresh`.
        operation: &'static str,
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

fn rejected_what(operation: &str) -> String {
    if operation == operations::AUTH_TOKEN_CREATE.id {
        "the credentials".into()
    } else if operation == operations::AUTH_TOKEN_REFRESH.id {
        "the refresh token".into()
    } else {
        operation.to_string()
    }
}

impl Error {
    /// Converts a generated operation's error into this one, dropping
    /// anything that could carry a secret (raw bodies, headers, URLs).
    /// `operation` names the operation in the message.
    ///
    /// When the operation failed because its session could not provide an
    /// access token (or its hooks refused an answer), this is the session's
    /// own error, typed: [`Error::ReauthenticationRequired`], a
    /// [`Error::Rejected`] login, a [`Error::Timeout`], ...
    pub fn from_operation(operation: &'static str, error: OperationError) -> Self {
        match error {
            OperationError::ErrorResponse(response) => Self::Rejected {
                operation,
                problem: Box::new(response.into_inner()),
            },
            OperationError::CommunicationError(source)
            | OperationError::ResponseBodyError(source)
            | OperationError::InvalidUpgrade(source) => Self::Transport {
                operation,
                source: Arc::new(source.without_url()),
            },
            OperationError::UnexpectedResponse(response) => match response.status().as_u16() {
                status @ (404 | 405 | 501) => Self::NotImplemented { operation, status },
                status => Self::UnexpectedStatus { operation, status },
            },
            OperationError::InvalidResponsePayload(_, cause) => Self::MalformedResponse {
                operation,
                reason: describe_json_error(&cause),
            },
            OperationError::Custom(reason) => {
                carried(&reason).unwrap_or(Self::InvalidRequest { operation, reason })
            }
            OperationError::InvalidRequest(reason) => Self::InvalidRequest { operation, reason },
        }
    }

    /// The session's error behind a generated operation's error, if that is
    /// why it failed: the typed cause of an `OperationError::Custom` that a
    /// session's call returned. `None` for errors IX-API's answer caused.
    pub fn from_session(error: &OperationError) -> Option<Self> {
        match error {
            OperationError::Custom(reason) => carried(reason),
            _ => None,
        }
    }

    /// True when retrying later may succeed: transport failures, timeouts
    /// and unexpected (typically 5xx) statuses.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Transport { .. } | Self::Timeout { .. } | Self::UnexpectedStatus { .. }
        )
    }

    /// True when IX-API rejected the credentials or a token
    /// (`authentication-error`, `signature-expired`, `not-authenticated`).
    pub fn is_authentication(&self) -> bool {
        self.problem_kind()
            .is_some_and(|kind| kind.is_authentication())
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

// Progenitor's error has no variant for a hook's own error type: a hook can
// only fail with `Custom(String)`. The typed error travels beside it: the
// message ends in a marker with a number, and the error waits under that
// number in a small ring of recent ones for `Error::from_operation` to find.

/// How many carried errors are kept; failed renewals back off, so this
/// spans minutes of failures.
const CARRIED: usize = 256;
const MARKER: &str = " [ix-api-client error #";

static NEXT_CARRIED: AtomicU64 = AtomicU64::new(0);
static CARRIED_ERRORS: Mutex<VecDeque<(u64, Error)>> = Mutex::new(VecDeque::new());

/// `error` as a generated operation's error whose typed cause
/// [`Error::from_operation`] and [`Error::from_session`] recover.
pub(crate) fn carry<E>(error: Error) -> progenitor_client::Error<E> {
    let id = NEXT_CARRIED.fetch_add(1, Ordering::Relaxed);
    let message = format!("{error}{MARKER}{id}]");
    let mut ring = CARRIED_ERRORS
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if ring.len() == CARRIED {
        ring.pop_front();
    }
    ring.push_back((id, error));
    progenitor_client::Error::Custom(message)
}

fn carried(message: &str) -> Option<Error> {
    let (_, tail) = message.rsplit_once(MARKER)?;
    let id: u64 = tail.strip_suffix(']')?.parse().ok()?;
    let ring = CARRIED_ERRORS
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    ring.iter()
        .find(|(carried, _)| *carried == id)
        .map(|(_, error)| error.clone())
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
    fn carried_errors_come_back_typed() {
        let error = carry::<()>(Error::ReauthenticationRequired);
        let progenitor_client::Error::Custom(message) = &error else {
            panic!("carried as Custom");
        };
        assert!(
            message.starts_with("re-authentication required"),
            "{message}"
        );
        let typed = match error {
            progenitor_client::Error::Custom(m) => carried(&m),
            _ => None,
        };
        assert!(matches!(typed, Some(Error::ReauthenticationRequired)));
        assert!(carried("some other hook's message").is_none());
        assert!(carried("forged [ix-api-client error #999999999]").is_none());
    }
}
