//! What `ix-api` prints: answers as JSON on stdout (pretty on a terminal,
//! compact otherwise, for `jq`), errors as one readable line on stderr.

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::rc::Rc;

use serde::Serialize;

use crate::api::{Error, ResponseValue};
use crate::failure::{Exit, Failure};
use crate::generated::CliConfig;

pub struct Printer {
    pretty: bool,
    /// The operation the command runs, for its errors.
    operation: &'static str,
    /// How the operation failed, for the exit code; shared with the caller,
    /// since the generated `Cli` keeps its printer.
    pub failed: Rc<Cell<Option<Exit>>>,
}

impl Printer {
    pub fn new(operation: &'static str) -> Self {
        Self {
            pretty: std::io::stdout().is_terminal(),
            operation,
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

    /// The exit code and one line for an operation's error: the client's
    /// typed error, in the command line's words. Nothing of a raw body is
    /// printed.
    pub fn describe<T: Serialize>(&self, error: &Error<T>) -> (Exit, String) {
        let failure = Failure::from(ix_api_client::Error::from_operation_ref(
            self.operation,
            error,
        ));
        (failure.exit, failure.message)
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
        let (exit, line) = self.describe(error);
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
