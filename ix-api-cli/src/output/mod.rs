//! What `ix-api` prints: answers on stdout in the form chosen
//! ([`Choice`]: JSON, pretty on a terminal and compact otherwise, for `jq`;
//! YAML, a table, `--jq`, a chart), errors as one readable line on stderr.
//! The forms other than JSON are built only when asked for
//! (`table`, `jq`, `chart`, `svg`).
//!
//! An answer that breaks the spec is printed as the exchange sent it, with
//! a warning on stderr naming the operation, the status and the member,
//! unless `--strict` makes it an error. When a command fails, stdout holds
//! no complete JSON document: a list printed as its pages come is left
//! open, and the other forms print only once the whole answer is in.

mod chart;
mod jq;
mod sorted;
mod svg;
mod table;
mod walk;

pub use walk::pages;

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;
use ix_api_client::ByteStream;
use serde::Serialize;
use serde_json::Value;

use crate::api::{Error, ResponseValue};
use crate::failure::{Exit, Failure};
use crate::generated::CliConfig;
use crate::operations;

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

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// JSON, as the exchange's answers are (pretty on a terminal).
    Json,
    /// The same answer in YAML.
    Yaml,
    /// One row an object (a single object: member and value).
    Table,
    /// A statistics time series drawn in the terminal.
    Chart,
    /// A statistics time series as an SVG image.
    Svg,
}

/// How answers are shown: `--format`, `--jq` and `--columns`, and whether
/// stdout is a terminal. Without any of the three, piped output is JSON
/// exactly as it always was.
#[derive(Clone, Debug)]
pub struct Choice {
    pub format: Option<Format>,
    pub jq: Option<String>,
    pub columns: Option<Vec<String>>,
    pub terminal: bool,
    /// A list on a terminal is a table unless `--format` says otherwise;
    /// for operations, not for `ix-api api` (JSON, as `gh api` prints).
    pub list_tables: bool,
    /// What a chart's title names: `ports 3`.
    pub subject: String,
}

/// What an answer becomes.
enum Form<'a> {
    Json,
    Yaml,
    Table,
    Chart,
    Svg,
    Jq(&'a str),
}

impl Default for Choice {
    /// JSON, as it always was.
    fn default() -> Self {
        Self {
            format: None,
            jq: None,
            columns: None,
            terminal: std::io::stdout().is_terminal(),
            list_tables: false,
            subject: String::new(),
        }
    }
}

impl Choice {
    /// The global flags of `matches` (a command's or an operation's), for
    /// the operation `operation_id`; refused (exit 2) before anything is
    /// sent where they do not fit it.
    pub fn new(matches: &clap::ArgMatches, operation_id: &str) -> Result<Self, Failure> {
        let get = |name: &str| matches.try_get_one::<String>(name).ok().flatten();
        let choice = Self {
            format: matches
                .try_get_one::<Format>("format")
                .ok()
                .flatten()
                .copied(),
            jq: get("jq").cloned(),
            columns: get("columns").map(|list| {
                list.split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect()
            }),
            ..Self::default()
        };
        choice.check(operation_id)?;
        Ok(choice)
    }

    /// Tables of lists on a terminal (operations' answers).
    pub fn with_list_tables(mut self, subject: String) -> Self {
        self.list_tables = true;
        self.subject = subject;
        self
    }

    fn check(&self, operation_id: &str) -> Result<(), Failure> {
        if let Some(expr) = &self.jq {
            if !matches!(self.format, None | Some(Format::Json)) {
                return Err(Failure::usage(
                    "--jq prints JSON: give it without --format (or with --format json)",
                ));
            }
            jq::compile(expr)?;
        }
        if self.columns.is_some() && !matches!(self.format, None | Some(Format::Table)) {
            return Err(Failure::usage(
                "--columns chooses a table's columns: give it without --format (or with --format table)",
            ));
        }
        if matches!(self.format, Some(Format::Chart | Format::Svg))
            && !chart::is_timeseries(operation_id)
        {
            let named = if operation_id == "api" {
                "ix-api api".to_string()
            } else {
                let (resource, verb) = operations::name(operation_id);
                format!("ix-api {resource} {verb}")
            };
            return Err(Failure::usage(format!(
                "--format chart and svg draw statistics time series, which {named} does not answer; they work on: {}",
                chart::timeseries_commands().join(", ")
            )));
        }
        Ok(())
    }

    fn form(&self, list: bool) -> Form<'_> {
        if let Some(expr) = &self.jq {
            return Form::Jq(expr);
        }
        match self.format {
            Some(Format::Json) => Form::Json,
            Some(Format::Yaml) => Form::Yaml,
            Some(Format::Table) => Form::Table,
            Some(Format::Chart) => Form::Chart,
            Some(Format::Svg) => Form::Svg,
            None if self.columns.is_some() => Form::Table,
            None if list && self.terminal && self.list_tables => Form::Table,
            None => Form::Json,
        }
    }

    /// JSON as it always was: lists streamed page by page, answers that
    /// broke the spec byte for byte.
    fn as_ever(&self, list: bool) -> bool {
        matches!(self.form(list), Form::Json)
    }

    /// Compact JSON on a pipe, as it always was.
    fn streams_json(&self) -> bool {
        !self.terminal && self.as_ever(true)
    }

    /// `value` in the chosen form, ended by a newline.
    fn render(&self, value: &Value) -> Result<Vec<u8>, Failure> {
        let text = match self.form(value.is_array()) {
            Form::Json => {
                let text = if self.terminal {
                    serde_json::to_string_pretty(value)
                } else {
                    serde_json::to_string(value)
                };
                text.map_err(|e| Failure::local(format!("cannot write JSON: {e}")))? + "\n"
            }
            Form::Yaml => serde_norway::to_string(value)
                .map_err(|e| Failure::local(format!("cannot write YAML: {e}")))?,
            Form::Table => {
                let table = table::render(value, self.columns.as_deref(), self.width());
                // A person at a terminal is told, as `gh` does; stdout
                // stays empty.
                if table.is_empty() && self.terminal {
                    eprintln!("ix-api: no items");
                }
                table
            }
            Form::Chart => chart::render(value, &self.subject, self.width(), self.terminal)?,
            Form::Svg => svg::render(value, &self.subject)?,
            Form::Jq(expr) => jq::run(expr, value)?,
        };
        Ok(text.into_bytes())
    }

    /// The terminal's width; none (no limit) when stdout is no terminal.
    fn width(&self) -> Option<u16> {
        if !self.terminal {
            return None;
        }
        terminal_size::terminal_size_of(std::io::stdout())
            .map(|(terminal_size::Width(width), _)| width)
            .or(Some(80))
    }
}

tokio::task_local! {
    /// The choice of the operation running, for its lists, which the
    /// generated commands print through [`pages`] without their printer.
    static CHOICE: Choice;
}

/// Runs `command` with `choice` for the lists it prints.
pub async fn choosing<F: std::future::Future>(choice: Choice, command: F) -> F::Output {
    CHOICE.scope(choice, command).await
}

pub struct Printer {
    choice: Choice,
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
            choice: Choice::default(),
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

    /// A printer that shows answers as `choice` says.
    pub fn choosing(mut self, choice: Choice) -> Self {
        self.choice = choice;
        self
    }

    /// An answer in the chosen form. Nothing is written if it cannot be
    /// shown so (a `--jq` error, a chart of no time series).
    pub fn show(&self, value: &Value) -> Result<(), Failure> {
        if self.choice.as_ever(value.is_array()) {
            self.json(value);
        } else {
            write_stdout(&self.choice.render(value)?);
        }
        Ok(())
    }

    /// [`Printer::show`] for the generated commands' answers, which cannot
    /// fail: said on stderr, and kept for the exit code.
    fn show_answer(&self, value: &Value) {
        if let Err(failure) = self.show(value) {
            eprintln!("ix-api: {failure}");
            self.failed.set(Some(failure.exit));
        }
    }

    pub fn json(&self, value: &impl Serialize) {
        let text = if self.choice.terminal {
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
            if self.choice.as_ever(json.is_array()) {
                let _ = write_as_sent(&mut std::io::stdout().lock(), error.raw_body());
            } else {
                self.show_answer(&json);
            }
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

/// Whether a list command walks every page: unless the command line names
/// a page (`--page-limit`, `--page-offset` or `--page-token`).
pub fn all_pages(matches: &clap::ArgMatches) -> bool {
    ["page-limit", "page-offset", "page-token"]
        .iter()
        .all(|name| matches.value_source(name) != Some(clap::parser::ValueSource::CommandLine))
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
        if !self.hold && self.choice.streams_json() {
            // Piped JSON, the bytes a `Value` prints, without building one:
            // nothing but `--wait` (which holds) reads `last`.
            let mut text = Vec::new();
            if sorted::write(&mut text, value.as_ref()).is_ok() {
                text.push(b'\n');
                write_stdout(&text);
                return;
            }
        }
        let json = serde_json::to_value(value.as_ref()).ok();
        if !self.hold {
            match &json {
                Some(json) => self.show_answer(json),
                None => self.json(value.as_ref()),
            }
        }
        self.last.set(json);
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
