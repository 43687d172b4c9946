//! `--wait STATE`: after an operation answers an object, poll it (through
//! the session's authenticated door, at the path of its collection) until
//! it is in STATE, lands in `error`, or `--timeout` runs out. The object as
//! it arrived is what the command prints.

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
        .or_else(|| arguments.get_one::<String>("id").cloned())
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
    let read = || async {
        let answer = session.request(Method::GET, path.as_str()).send().await?;
        let object: Value = answer.json()?;
        Ok(ResponseValue::new(object, answer.status, answer.headers))
    };
    let waited = Wait::new()
        .interval(INTERVAL)
        .timeout(timeout)
        .for_state(state, read)
        .await?;
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
                "{path} is not {state} after {}s; last seen {}",
                timeout.as_secs(),
                last.as_ref()
                    .and_then(|object| object.get("state"))
                    .and_then(Value::as_str)
                    .unwrap_or("nothing")
            ),
        )),
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
