//! How `ix-api` fails: one line on stderr, and an exit code scripts can
//! tell apart (documented in the README and `--help`).

use std::fmt;
use std::process::ExitCode;

use ix_api_client::Error;

/// Exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The exchange said no: a problem document other than authentication.
    Rejected = 1,
    /// The command line, a config file or a body is wrong.
    Usage = 2,
    /// Logging in failed, or no credentials to log in with.
    Authentication = 3,
    /// The exchange could not be reached, or answered unexpectedly.
    Unavailable = 4,
    /// A local file (the token cache) could not be read or written.
    Local = 5,
    /// `--wait` ran out of time before the object reached its state.
    TimedOut = 6,
    /// `--wait` was interrupted (Ctrl-C): 128 + SIGINT, as shells say it.
    Interrupted = 130,
}

#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(Exit::Authentication, message)
    }

    pub fn local(message: impl Into<String>) -> Self {
        Self::new(Exit::Local, message)
    }

    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit as u8)
    }
}

impl std::error::Error for Failure {}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What to do when there is no usable token: the same advice from
/// `status` and from any other command.
pub const LOG_IN: &str =
    "run ix-api login, or set IX_API_SECRET or give --secret-file to log in again";

/// The exit code for a session or operation error, and its line in the
/// command line's words (its flags and variables, not the library's
/// builder methods). Its message holds no secret (the client's errors drop
/// bodies and tokens).
impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let exit = match &error {
            Error::Rejected { problem, .. } if problem.kind().is_authentication() => {
                Exit::Authentication
            }
            Error::OAuth2Rejected { .. } if error.is_authentication() => Exit::Authentication,
            Error::Rejected { .. }
            | Error::NotImplemented { .. }
            | Error::OAuth2Rejected { .. } => Exit::Rejected,
            Error::ReauthenticationRequired => Exit::Authentication,
            Error::Configuration(message) if message.starts_with(crate::shared::TOKEN_CACHE) => {
                Exit::Local
            }
            // A cancelled renewal was a `Configuration` error before it had its own variant.
            Error::Configuration(_)
            | Error::Cancelled
            | Error::InsecureHttp { .. }
            | Error::InvalidRequest { .. } => Exit::Usage,
            _ => Exit::Unavailable,
        };
        let message = match &error {
            Error::Rejected { problem, .. } => problem.to_string(),
            Error::InsecureHttp { base_url } => format!(
                "refusing to send credentials in clear text to {base_url}: give an https:// URL \
                 (--url, IX_API_URL or url in the profile); http:// is allowed only to localhost"
            ),
            Error::Transport {
                host,
                cause,
                detail,
                ..
            } => {
                // A certificate no root vouches for: most often a private CA.
                let private_ca = if detail.contains("UnknownIssuer") {
                    "; if the exchange's certificate comes from a private CA, trust it with --cacert FILE (IX_API_CACERT, cacert in the profile)"
                } else {
                    ""
                };
                format!(
                    "could not reach the exchange at {host}: {cause} ({detail}); \
                     check the URL (--url, IX_API_URL or url in the profile){private_ca}"
                )
            }
            Error::ReauthenticationRequired => {
                format!("the tokens have expired or were rejected: {LOG_IN}")
            }
            Error::NoIxApi { .. } => {
                format!("{error} (--url, IX_API_URL or url in the profile)")
            }
            Error::MalformedResponse { .. } => {
                // Only a JSON answer is printed as it came (without --strict).
                let json = error.raw_body().is_some_and(|body| {
                    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
                });
                let strict = if json {
                    " (without --strict, ix-api prints such an answer as it came)"
                } else {
                    ""
                };
                format!("the exchange: {error}{strict}")
            }
            Error::UnexpectedStatus { .. } | Error::NotImplemented { .. } => {
                format!("the exchange: {error}")
            }
            other => other.to_string(),
        };
        Self::new(exit, message)
    }
}
