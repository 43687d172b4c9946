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

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The exit code for a session or operation error. Its message holds no
/// secret (the client's errors drop bodies and tokens).
impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let exit = match &error {
            Error::Rejected { problem, .. } if problem.kind().is_authentication() => {
                Exit::Authentication
            }
            Error::Rejected { .. } => Exit::Rejected,
            Error::ReauthenticationRequired => Exit::Authentication,
            Error::Configuration(_) | Error::InvalidRequest { .. } => Exit::Usage,
            _ => Exit::Unavailable,
        };
        let message = match &error {
            Error::Rejected { problem, .. } => crate::output::problem_line(
                &serde_json::to_value(problem.as_ref()).unwrap_or_default(),
            ),
            other => other.to_string(),
        };
        Self::new(exit, message)
    }
}
