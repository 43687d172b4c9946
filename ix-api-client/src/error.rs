//! The error of the hand-written layers ([`Session`](crate::Session) and
//! friends): what went wrong, in words a person can act on, and never with a
//! secret or a response body in it.

use std::sync::Arc;

use crate::problem::ProblemError;
use crate::types::ProblemResponse;

/// The error a generated operation returns (progenitor's error type).
/// Beware: its `Display` of an unparseable answer includes the raw body.
pub type OperationError = progenitor_client::Error<ProblemResponse>;

/// Why a session could not do what was asked.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session was built with settings that cannot work.
    #[error("invalid session configuration: {0}")]
    Configuration(String),
    /// IX-API answered a token operation with a problem document.
    #[error("IX-API rejected {what} ({kind}): {problem}", kind = problem.kind())]
    Rejected {
        /// What was rejected: "the credentials" or "the refresh token".
        what: &'static str,
        /// The problem document IX-API sent.
        problem: Box<ProblemResponse>,
    },
    /// Both tokens are spent and the session has no credentials to log in
    /// with again.
    #[error(
        "re-authentication required: the tokens have expired or were rejected, and the session has no api_key/api_secret to log in again"
    )]
    ReauthenticationRequired,
    /// The request did not reach IX-API or its answer did not arrive
    /// (connection refused, timeout, TLS).
    #[error("could not reach IX-API for {operation}: {source}")]
    Transport {
        /// The IX-API operation, e.g. `auth_token_refresh`.
        operation: &'static str,
        /// The transport error, without the URL.
        source: Arc<reqwest::Error>,
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

impl Error {
    /// Converts a generated operation's error, dropping anything that could
    /// carry a secret (raw bodies, headers).
    pub(crate) fn from_operation(
        operation: &'static str,
        what: &'static str,
        error: OperationError,
    ) -> Self {
        match error {
            OperationError::ErrorResponse(response) => Self::Rejected {
                what,
                problem: Box::new(response.into_inner()),
            },
            OperationError::CommunicationError(source)
            | OperationError::ResponseBodyError(source)
            | OperationError::InvalidUpgrade(source) => Self::Transport {
                operation,
                source: Arc::new(source.without_url()),
            },
            OperationError::UnexpectedResponse(response) => Self::UnexpectedStatus {
                operation,
                status: response.status().as_u16(),
            },
            OperationError::InvalidResponsePayload(_, cause) => Self::MalformedResponse {
                operation,
                reason: describe_json_error(&cause),
            },
            OperationError::InvalidRequest(reason) | OperationError::Custom(reason) => {
                Self::InvalidRequest { operation, reason }
            }
        }
    }

    /// True when retrying later may succeed: transport failures and
    /// unexpected (typically 5xx) statuses.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transport { .. } | Self::UnexpectedStatus { .. })
    }
}

/// Where and how JSON failed to parse, without serde's message: that can
/// quote the offending value, which may be a token.
fn describe_json_error(cause: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match cause.classify() {
        Category::Eof => "the JSON ends early",
        Category::Syntax => "not valid JSON",
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
