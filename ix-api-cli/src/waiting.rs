//! `--wait STATE`: after an operation answers an object, poll it (through
//! the session's authenticated door, at the path of its collection) until
//! it is in STATE, lands in `error`, or `--timeout` runs out. The object as
//! it arrived is what the command prints.
//!
//! At a terminal, stderr shows one line that updates in place (the elapsed
//! time and the state last seen), cleared when the wait ends; piped,
//! nothing is added. A timeout and Ctrl-C both say how to resume
//! (`ix-api RESOURCE read --id N --wait STATE`).

use std::time::Duration;

use clap::ArgMatches;
use ix_api_client::raw::Method;
use ix_api_client::spec;
use ix_api_client::wait::{Wait, Waited};
use ix_api_client::{ResponseValue, Session};
use serde_json::Value;

use crate::failure::{Exit, Failure};
use crate::tokens::Log;

/// How long `--wait` waits unless told.
const TIMEOUT: Duration = Duration::from_secs(600);
/// How often it looks: every few seconds at most.
const INTERVAL: Duration = Duration::from_secs(2);

pub async fn until(
    session: &Session,
    resource: &str,
    operation: &str,
    arguments: &ArgMatches,
    answered: Option<Value>,
    state: &str,
    log: &Log,
) -> Result<Option<Value>, Failure> {
    let template = spec::operation(operation)
        .map(|op| op.path)
        .ok_or_else(|| Failure::usage(format!("--wait: no operation {operation}")))?;
    let id = answered
        .as_ref()
        .and_then(|object| object.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| crate::input::object_id(arguments).cloned())
        .ok_or_else(|| Failure::usage("--wait: the answer names no object to wait for"))?;
    let collection = template.split("/{").next().unwrap_or(template);
    let path = format!("{collection}/{id}");
    let timeout = arguments
        .get_one::<Duration>("timeout")
        .copied()
        .unwrap_or(TIMEOUT);
    log.say(&format!(
        "waiting up to {}s for {path} to be {state}",
        timeout.as_secs()
    ));
    let resume = format!("to resume: ix-api {resource} read --id {id} --wait {state}");
    let seen = std::sync::Mutex::new(None::<String>);
    let read = || async {
        let answer = session.request(Method::GET, path.as_str()).send().await?;
        let object: Value = answer.json()?;
        if let Ok(mut seen) = seen.lock() {
            *seen = ix_api_client::wait::state(&object);
        }
        Ok(ResponseValue::new(object, answer.status, answer.headers))
    };
    let waiting = Wait::new()
        .interval(INTERVAL)
        .timeout(timeout)
        .until(read, |object: &Value| {
            ix_api_client::wait::reached(ix_api_client::wait::state(object).as_deref(), state)
        });
    let mut progress = Progress::new(format!("Waiting for {path} to be {state}"));
    let interrupted = tokio::signal::ctrl_c();
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(waiting, interrupted);
    let waited = loop {
        tokio::select! {
            waited = &mut waiting => break waited,
            _ = &mut interrupted => {
                progress.clear();
                let last = seen.lock().ok().and_then(|seen| seen.clone());
                return Err(Failure::new(
                    Exit::Interrupted,
                    format!(
                        "interrupted while waiting for {path} to be {state} (last seen {}); {resume}",
                        last.as_deref().unwrap_or("nothing")
                    ),
                ));
            }
            _ = ticks.tick(), if progress.shown => {
                let last = seen.lock().ok().and_then(|seen| seen.clone());
                progress.draw(last.as_deref());
            }
        }
    };
    progress.clear();
    let waited = waited?;
    match waited {
        Waited::Arrived(object) => Ok(Some(object)),
        Waited::Gone if state == "decommissioned" => Ok(None),
        Waited::Gone => Err(Failure::new(Exit::Rejected, format!("{path} is gone"))),
        Waited::Failed(object) => Err(Failure::new(
            Exit::Rejected,
            format!("{path} landed in state error{}", reason(&object)),
        )),
        Waited::TimedOut { last } => Err(Failure::new(
            Exit::TimedOut,
            format!(
                "{path} is not {state} after {}s; last seen {}; {resume}",
                timeout.as_secs(),
                last.as_ref()
                    .and_then(|object| object.get("state"))
                    .and_then(Value::as_str)
                    .unwrap_or("nothing")
            ),
        )),
    }
}

/// How often the progress line is redrawn.
const TICK: Duration = Duration::from_secs(1);

/// The line that shows a person at a terminal how the wait goes: redrawn
/// in place (`\r`, then clear to the end of the line), cleared at the end.
struct Progress {
    /// Whether stderr is a terminal: nothing is drawn otherwise.
    shown: bool,
    what: String,
    started: tokio::time::Instant,
}

impl Progress {
    fn new(what: String) -> Self {
        Self {
            shown: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            what,
            started: tokio::time::Instant::now(),
        }
    }

    fn draw(&self, state: Option<&str>) {
        let elapsed = self.started.elapsed().as_secs();
        let state = state.map_or_else(|| "not seen yet".to_string(), |s| format!("state {s}"));
        eprint!("\r\x1b[2K{}: {elapsed}s, {state}", self.what);
        let _ = std::io::Write::flush(&mut std::io::stderr());
    }

    fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[2K");
            let _ = std::io::Write::flush(&mut std::io::stderr());
            self.shown = false;
        }
    }
}

/// An object's own words on why it is in error, if it says.
fn reason(object: &Value) -> String {
    ["status", "state_reason"]
        .iter()
        .find_map(|member| object.get(*member).filter(|v| !v.is_null()))
        .map(|why| format!(": {why}"))
        .unwrap_or_default()
}
