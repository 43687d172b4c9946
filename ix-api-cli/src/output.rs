//! What `ix-api` prints: answers as JSON on stdout (pretty on a terminal,
//! compact otherwise, for `jq`), errors as one readable line on stderr.

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::rc::Rc;

use futures_util::StreamExt;
use ix_api_client::{ByteStream, Paginate};
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
    /// The object the operation answered, for `--wait`.
    pub last: Rc<Cell<Option<serde_json::Value>>>,
}

impl Printer {
    pub fn new(operation: &'static str) -> Self {
        Self {
            pretty: std::io::stdout().is_terminal(),
            operation,
            failed: Rc::default(),
            last: Rc::default(),
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

/// Whether a list command walks every page: unless the command line names
/// a page (`--page-limit`, `--page-offset` or `--page-token`).
pub fn all_pages(matches: &clap::ArgMatches) -> bool {
    ["page-limit", "page-offset", "page-token"]
        .iter()
        .all(|name| matches.value_source(name) != Some(clap::parser::ValueSource::CommandLine))
}

/// Every item of a list, page by page, printed as one JSON array as the
/// items come (pretty on a terminal, one line otherwise): one page in
/// memory at a time.
pub async fn pages<B: Paginate>(request: B) -> anyhow::Result<()> {
    let pretty = std::io::stdout().is_terminal();
    let items = request.pages(ix_api_client::pages::DEFAULT_PAGE_LIMIT);
    let mut items = std::pin::pin!(items);
    let mut out = std::io::stdout().lock();
    let mut first = true;
    let written: std::io::Result<()> = async {
        out.write_all(b"[")?;
        while let Some(item) = items.next().await {
            let item = match item {
                Ok(item) => item,
                Err(error) => {
                    // What came so far stays; the error says why it stopped.
                    out.write_all(b"]\n")?;
                    out.flush()?;
                    return Err(std::io::Error::other(Failure::from(error)));
                }
            };
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            let text = if pretty {
                serde_json::to_string_pretty(&item)
            } else {
                serde_json::to_string(&item)
            }
            .map_err(std::io::Error::other)?;
            if pretty {
                out.write_all(b"\n")?;
            }
            out.write_all(text.as_bytes())?;
        }
        out.write_all(b"]\n")?;
        out.flush()
    }
    .await;
    match written {
        Ok(()) => Ok(()),
        Err(error) => match error.into_inner().map(|inner| inner.downcast::<Failure>()) {
            Some(Ok(failure)) => Err(anyhow::Error::new(*failure)),
            // A closed pipe (`| head`) is not a failure.
            _ => Ok(()),
        },
    }
}

/// Raw bytes (a letter of authorisation) to standard output, as they come.
pub async fn bytes(answer: ResponseValue<ByteStream>) -> anyhow::Result<()> {
    let mut stream = answer.into_inner().into_inner();
    let mut out = std::io::stdout().lock();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            let error = ix_api_client::Error::from_operation_ref(
                "a download",
                &progenitor_client::Error::<()>::ResponseBodyError(e),
            );
            anyhow::Error::new(Failure::from(error))
        })?;
        if out.write_all(&chunk).is_err() {
            return Ok(());
        }
    }
    let _ = out.flush();
    Ok(())
}

impl CliConfig for Printer {
    fn success_item<T>(&self, value: &ResponseValue<T>)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
        self.json(value.as_ref());
        self.last.set(serde_json::to_value(value.as_ref()).ok());
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
