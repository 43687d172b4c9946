//! What `ix-api` prints: answers as JSON on stdout (pretty on a terminal,
//! compact otherwise, for `jq`), problems as one readable line on stderr.

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::rc::Rc;

use serde::Serialize;
use serde_json::Value;

use crate::api::{Error, ResponseValue};
use crate::failure::Exit;
use crate::generated::CliConfig;

pub struct Printer {
    pretty: bool,
    /// How the operation failed, for the exit code; shared with the caller,
    /// since the generated `Cli` keeps its printer.
    pub failed: Rc<Cell<Option<Exit>>>,
}

impl Printer {
    pub fn new() -> Self {
        Self {
            pretty: std::io::stdout().is_terminal(),
            failed: Rc::default(),
        }
    }

    pub fn json(&self, value: &impl Serialize) {
        let text = if self.pretty {
            serde_json::to_string_pretty(value)
        } else {
            serde_json::to_string(value)
        };
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth a panic.
        let _ = text.map(|text| writeln!(out, "{text}"));
    }
}

/// A problem document as one line: its kind, title and status, the detail,
/// and each invalid member.
pub fn problem_line(problem: &Value) -> String {
    let text = |member: &str| problem.get(member).and_then(Value::as_str);
    let kind = text("type")
        .map(|t| {
            t.rsplit('/')
                .next()
                .unwrap_or(t)
                .trim_end_matches(".html")
                .to_string()
        })
        .unwrap_or_else(|| "problem".into());
    let mut line = kind;
    if let Some(title) = text("title") {
        line.push_str(&format!(": {title}"));
    }
    if let Some(status) = problem.get("status").and_then(Value::as_i64) {
        line.push_str(&format!(" ({status})"));
    }
    if let Some(detail) = text("detail") {
        line.push_str(&format!(" {detail}"));
    }
    let invalid: Vec<String> = problem
        .get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?;
            let reason = p.get("reason").and_then(Value::as_str).unwrap_or("invalid");
            Some(format!("{name}: {reason}"))
        })
        .collect();
    if !invalid.is_empty() && text("detail").is_none() {
        line.push_str(&format!(" [{}]", invalid.join("; ")));
    }
    line.replace(['\n', '\r'], " ")
}

/// The exit code and one line for an operation's error. Nothing of a raw
/// body is printed: only a problem document's members, or what went wrong.
pub fn describe<T: Serialize>(error: &Error<T>) -> (Exit, String) {
    match error {
        Error::ErrorResponse(response) => {
            let problem = serde_json::to_value(response.as_ref()).unwrap_or_default();
            let authentication = matches!(response.status().as_u16(), 401);
            let exit = if authentication {
                Exit::Authentication
            } else {
                Exit::Rejected
            };
            (exit, problem_line(&problem))
        }
        Error::Custom(reason) => {
            // The session could not authenticate the call: its typed error
            // travels beside the message.
            let carried = ix_api_client::OperationError::Custom(reason.clone());
            match ix_api_client::Error::from_session(&carried) {
                Some(error) => {
                    let failure = crate::Failure::from(error);
                    (failure.exit, failure.message)
                }
                None => {
                    let reason = reason.split(" [ix-api-client error #").next();
                    (Exit::Authentication, reason.unwrap_or_default().to_string())
                }
            }
        }
        Error::InvalidRequest(reason) => (Exit::Usage, format!("invalid request: {reason}")),
        Error::CommunicationError(e) | Error::ResponseBodyError(e) => (
            Exit::Unavailable,
            format!("could not reach the exchange: {e}"),
        ),
        Error::InvalidResponsePayload(_, e) => (
            Exit::Unavailable,
            format!("the exchange's answer is malformed: {e}"),
        ),
        Error::UnexpectedResponse(response) => (
            Exit::Unavailable,
            format!(
                "the exchange answered with unexpected status {}",
                response.status()
            ),
        ),
        Error::InvalidUpgrade(_) => (Exit::Unavailable, "unexpected upgrade".into()),
    }
}

impl CliConfig for Printer {
    fn success_item<T>(&self, value: &ResponseValue<T>)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
        self.json(value.as_ref());
    }

    fn success_no_item(&self, _: &ResponseValue<()>) {}

    fn error<T>(&self, error: &Error<T>)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
        let (exit, line) = describe(error);
        self.failed.set(Some(exit));
        eprintln!("ix-api: {line}");
    }

    fn list_start<T>(&self)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
    }

    fn list_item<T>(&self, value: &T)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
        self.json(value);
    }

    fn list_end_success<T>(&self)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
    }

    fn list_end_error<T>(&self, error: &Error<T>)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
        self.error(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_problem_reads_as_one_line() {
        let problem = json!({
            "type": "https://errors.ix-api.net/v2/validation-error.html",
            "title": "Some fields did not validate.", "status": 400,
            "properties": [{"name": "vlan_config.vlan", "reason": "5000 is greater than 4094"}],
        });
        assert_eq!(
            problem_line(&problem),
            "validation-error: Some fields did not validate. (400) [vlan_config.vlan: 5000 is greater than 4094]"
        );
        let detailed = json!({"type": "about:blank", "detail": "two\nlines"});
        assert_eq!(problem_line(&detailed), "about:blank two lines");
    }
}
