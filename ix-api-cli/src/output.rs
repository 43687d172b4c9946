//! What `ix-api` prints: answers as JSON on stdout (pretty on a terminal,
//! compact otherwise, for `jq`), errors as one readable line on stderr.
//!
//! An answer that breaks the spec is printed as the exchange sent it, with
//! a warning on stderr naming the operation, the status and the member,
//! unless `--strict` makes it an error. When a command fails, stdout holds
//! no complete JSON document: a list printed as its pages come is left
//! open.

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;
use ix_api_client::pages::{Cursor, DEFAULT_PAGE_LIMIT};
use ix_api_client::{ByteStream, Paginate};
use serde::Serialize;
use serde_json::Value;

use crate::api::{Error, ResponseValue};
use crate::failure::{Exit, Failure};
use crate::generated::CliConfig;

/// `--strict`: an answer that breaks the spec fails the command rather
/// than being printed as it came. Set once, before any command runs.
static STRICT: AtomicBool = AtomicBool::new(false);

pub fn set_strict(strict: bool) {
    STRICT.store(strict, Ordering::Relaxed);
}

fn strict() -> bool {
    STRICT.load(Ordering::Relaxed)
}

/// Writes `bytes` to standard output and flushes. A closed pipe
/// (`ix-api status | head -1`, `ix-api token | true`) ends the writing
/// quietly: the reader has all it wanted, and the command exits 0, as `gh`
/// does. Any other write error is said on stderr.
pub fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_all(bytes).and_then(|()| out.flush())
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("ix-api: cannot write to standard output: {error}");
    }
}

pub struct Printer {
    pretty: bool,
    /// The operation the command runs, for its errors.
    operation: &'static str,
    /// How the operation failed, for the exit code; shared with the caller,
    /// since the generated `Cli` keeps its printer.
    pub failed: Rc<Cell<Option<Exit>>>,
    /// The answer broke the spec and was printed as it came: the command
    /// succeeds (the generated `Cli` still returns its error).
    pub as_received: Rc<Cell<bool>>,
    /// The object the operation answered, for `--wait`.
    pub last: Rc<Cell<Option<serde_json::Value>>>,
    /// `--wait`: keep the answer for the wait, which prints the object as
    /// it arrived.
    hold: bool,
}

impl Printer {
    pub fn new(operation: &'static str) -> Self {
        Self {
            pretty: std::io::stdout().is_terminal(),
            operation,
            failed: Rc::default(),
            as_received: Rc::default(),
            last: Rc::default(),
            hold: false,
        }
    }

    /// A printer that keeps one object's answer instead of printing it
    /// (`--wait` prints the object as it arrived).
    pub fn holding(mut self, hold: bool) -> Self {
        self.hold = hold;
        self
    }

    pub fn json(&self, value: &impl Serialize) {
        let text = if self.pretty {
            serde_json::to_string_pretty(value)
        } else {
            serde_json::to_string(value)
        };
        // A closed pipe (`| head`) is not an error worth a panic.
        if let Ok(text) = text {
            write_stdout(format!("{text}\n").as_bytes());
        }
    }

    /// An answer that broke the spec, printed as the exchange sent it: see
    /// [`as_received`].
    fn print_as_received(&self, error: &ix_api_client::Error) -> bool {
        let Some(json) = as_received(error, "") else {
            return false;
        };
        if !self.hold {
            let _ = write_as_sent(&mut std::io::stdout().lock(), error.raw_body());
        }
        self.last.set(Some(json));
        true
    }
}

/// The answer an error is about, as JSON, when the command prints it as it
/// came rather than failing: it broke the spec, it is JSON, and `--strict`
/// was not given. Says so on stderr (`place` says where, in a list walked
/// page by page).
fn as_received(error: &ix_api_client::Error, place: &str) -> Option<Value> {
    if strict() {
        return None;
    }
    let json = serde_json::from_slice::<Value>(error.raw_body()?).ok()?;
    eprintln!(
        "ix-api: warning: {error}{place}; printed as the exchange sent it (--strict makes this an error)"
    );
    Some(json)
}

/// A body as the exchange sent it, ended by a newline.
fn write_as_sent(out: &mut impl Write, body: Option<&[u8]>) -> std::io::Result<()> {
    let body = body.unwrap_or_default();
    out.write_all(body)?;
    if !body.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// The items of a JSON array, each as its text came (`body` is known to be
/// an array).
fn items_as_sent(body: &[u8]) -> Option<Vec<&str>> {
    let text = std::str::from_utf8(body).ok()?;
    serde_json::from_str::<Vec<serde::de::IgnoredAny>>(text).ok()?;
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut items = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0usize, false, false, 0usize);
    for (at, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            _ if in_string => {}
            '[' | '{' => depth += 1,
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(inner[start..at].trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    let last = inner[start..].trim();
    if !last.is_empty() {
        items.push(last);
    }
    Some(items)
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
/// memory at a time. A page that breaks the spec is printed as it came
/// (unless `--strict`). If the walk fails, the array is left open: what
/// came so far stays, but no complete JSON document is on stdout.
pub async fn pages<B: Paginate>(request: B) -> anyhow::Result<()> {
    let pretty = std::io::stdout().is_terminal();
    let mut cursor = Cursor::new(DEFAULT_PAGE_LIMIT);
    let mut out = std::io::stdout().lock();
    let mut opened = false;
    let mut first = true;
    let written: std::io::Result<()> = async {
        while let Some((limit, offset)) = cursor.next_page() {
            let texts = match request.clone().page(limit, offset).call().await {
                Ok(answer) => {
                    let items = answer.into_inner();
                    let leading = items
                        .first()
                        .and_then(|item| serde_json::to_value(item).ok());
                    if !cursor.take(items.len(), leading.as_ref()) {
                        break;
                    }
                    items
                        .iter()
                        .map(|item| {
                            if pretty {
                                serde_json::to_string_pretty(item)
                            } else {
                                serde_json::to_string(item)
                            }
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(std::io::Error::other)?
                }
                Err(error) => {
                    let place = match offset {
                        0 => String::new(),
                        offset => format!(" (the page from item {offset})"),
                    };
                    let sent = error
                        .raw_body()
                        .and_then(items_as_sent)
                        .filter(|_| as_received(&error, &place).is_some());
                    let Some(sent) = sent else {
                        return Err(std::io::Error::other(Failure::from(error)));
                    };
                    let leading = sent
                        .first()
                        .and_then(|item| serde_json::from_str::<Value>(item).ok());
                    if !cursor.take(sent.len(), leading.as_ref()) {
                        break;
                    }
                    if !opened && cursor.next_page().is_none() {
                        // The whole list in one page: byte for byte.
                        return write_as_sent(&mut out, error.raw_body());
                    }
                    sent.into_iter().map(str::to_string).collect()
                }
            };
            if !opened {
                out.write_all(b"[")?;
                opened = true;
            }
            for text in texts {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                if pretty {
                    out.write_all(b"\n")?;
                }
                out.write_all(text.as_bytes())?;
            }
        }
        if !opened {
            out.write_all(b"[")?;
        }
        out.write_all(b"]\n")?;
        out.flush()
    }
    .await;
    match written {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = out.flush();
            match error.into_inner().map(|inner| inner.downcast::<Failure>()) {
                Some(Ok(failure)) => Err(anyhow::Error::new(*failure)),
                // A closed pipe (`| head`) is not a failure.
                _ => Ok(()),
            }
        }
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
        if !self.hold {
            self.json(value.as_ref());
        }
        self.last.set(serde_json::to_value(value.as_ref()).ok());
    }

    fn success_no_item(&self, _: &ResponseValue<()>) {}

    fn error<T>(&self, error: &Error<T>)
    where
        T: schemars::JsonSchema + Serialize + std::fmt::Debug,
    {
        let error = ix_api_client::Error::from_operation_ref(self.operation, error);
        if self.print_as_received(&error) {
            self.as_received.set(true);
            return;
        }
        let failure = Failure::from(error);
        self.failed.set(Some(failure.exit));
        eprintln!("ix-api: {failure}");
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

    #[test]
    fn the_items_of_an_array_keep_their_text() {
        let body = br#" [ {"a": [1, {"b": "x,]}"}]} ,2,"s\"," , [ ] ,{"id":"7"}]
"#;
        assert_eq!(
            items_as_sent(body),
            Some(vec![
                r#"{"a": [1, {"b": "x,]}"}]}"#,
                "2",
                r#""s\",""#,
                "[ ]",
                r#"{"id":"7"}"#
            ])
        );
        assert_eq!(items_as_sent(b"[]"), Some(vec![]));
        assert_eq!(items_as_sent(b"{}"), None);
        assert_eq!(items_as_sent(b"[1,"), None);
    }
}
