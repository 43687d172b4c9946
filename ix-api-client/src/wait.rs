//! Waiting for an object to reach a state: ordering anything means polling
//! until it is in `production` (or in `error`, or decommissioned).
//!
//! ```no_run
//! use std::time::Duration;
//! use ix_api_client::{Call, Session, wait::{Wait, Waited}};
//!
//! # async fn demo(session: &Session, id: &str) -> Result<(), ix_api_client::Error> {
//! let client = session.client();
//! let waited = Wait::new()
//!     .interval(Duration::from_secs(2))
//!     .timeout(Duration::from_secs(600))
//!     .for_state("production", || client.network_service_configs_read().id(id).call())
//!     .await?;
//! match waited {
//!     Waited::Arrived(config) => println!("in production"),
//!     Waited::Failed(config) => eprintln!("the exchange put it in `error`"),
//!     Waited::Gone => eprintln!("it is gone"),
//!     Waited::TimedOut { last } => eprintln!("still not there; last seen {:?}", last.map(|_| ())),
//! }
//! # Ok(()) }
//! ```
//!
//! Only models with a `state` can be waited for (they implement
//! [`Stateful`], generated from the spec); waiting for a contact does not
//! compile:
//!
//! ```compile_fail
//! # use ix_api_client::{Call, Session, wait::Wait};
//! # async fn demo(session: &Session, id: &str) -> Result<(), ix_api_client::Error> {
//! let client = session.client();
//! Wait::new()
//!     .for_state("production", || client.contacts_read().id(id).call())
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! The wait polls every `interval`, backs off (doubling, up to a minute) while
//! the exchange cannot be reached or answers 5xx, gives up with the error on
//! anything else, and ends at `timeout` with the last state it saw. It holds
//! nothing between polls but its own numbers: drop the future at any point
//! and nothing is left running. Time is tokio's, so tests run it on paused
//! time.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::ResponseValue;
use crate::error::Error;
use crate::problem::ProblemError;

/// The default poll interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(2);
/// The default timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// The longest wait between polls while the exchange is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// A model with a `state`: what [`Wait::for_state`] waits on (defined
/// with the models in `ix-api-types`).
pub use ix_api_types::Stateful;

/// What a state says of a wait for `target`: `error` is a failure.
pub fn reached(state: Option<&str>, target: &str) -> Seen {
    match state {
        Some(state) if state == target => Seen::Arrived,
        Some("error") => Seen::Failed,
        _ => Seen::Pending,
    }
}

/// How a wait ended.
#[derive(Debug, Clone)]
pub enum Waited<T> {
    /// The object reached what was waited for.
    Arrived(T),
    /// The exchange put the object in `error`.
    Failed(T),
    /// The object is gone (the exchange answered 404 not-found): what a
    /// decommissioned object does on some exchanges.
    Gone,
    /// The timeout ran out; the last object seen, if any poll answered.
    TimedOut {
        /// The object as last seen.
        last: Option<T>,
    },
}

/// What a predicate says of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// It is there.
    Arrived,
    /// It will not get there.
    Failed,
    /// Not yet.
    Pending,
}

/// A wait's settings; see the [module](self) docs.
#[derive(Debug, Clone, Copy)]
pub struct Wait {
    interval: Duration,
    timeout: Duration,
}

impl Default for Wait {
    fn default() -> Self {
        Self::new()
    }
}

impl Wait {
    /// Every [`DEFAULT_INTERVAL`] for at most [`DEFAULT_TIMEOUT`].
    pub fn new() -> Self {
        Self {
            interval: DEFAULT_INTERVAL,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// How long between polls.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How long in all.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Polls with `read` until the object's `state` is `target`; `error` is
    /// a failure, and a 404 not-found is [`Waited::Gone`].
    pub async fn for_state<T, F, R>(self, target: &str, read: F) -> Result<Waited<T>, Error>
    where
        T: Stateful,
        F: FnMut() -> R,
        R: Future<Output = Result<ResponseValue<T>, Error>>,
    {
        self.until(read, |object: &T| {
            let state = object.state().map(ToString::to_string);
            reached(state.as_deref(), target)
        })
        .await
    }

    /// Polls with `read` until `seen` says the object arrived or failed.
    pub async fn until<T, F, R>(
        self,
        mut read: F,
        seen: impl Fn(&T) -> Seen,
    ) -> Result<Waited<T>, Error>
    where
        F: FnMut() -> R,
        R: Future<Output = Result<ResponseValue<T>, Error>>,
    {
        let deadline = Instant::now() + self.timeout;
        let mut last = None;
        let mut failures = 0u32;
        loop {
            let pause = match read().await {
                Ok(object) => {
                    failures = 0;
                    let object = object.into_inner();
                    match seen(&object) {
                        Seen::Arrived => return Ok(Waited::Arrived(object)),
                        Seen::Failed => return Ok(Waited::Failed(object)),
                        Seen::Pending => last = Some(object),
                    }
                    self.interval
                }
                Err(error) if error.problem_kind() == Some(crate::ProblemKind::NotFound) => {
                    return Ok(Waited::Gone);
                }
                Err(error) if error.is_transient() => {
                    failures = failures.saturating_add(1);
                    let doubled = self.interval.saturating_mul(1 << failures.min(16));
                    tracing::info!(%error, failures, "waiting: the exchange did not answer; backing off");
                    doubled.min(MAX_BACKOFF.max(self.interval))
                }
                Err(error) => return Err(error),
            };
            // A last poll at the deadline, then no more.
            let now = Instant::now();
            if now >= deadline {
                return Ok(Waited::TimedOut { last });
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
        }
    }
}

/// The `state` member of an object whose type is not known (a JSON value),
/// however its type is spelt.
pub fn state<T: Serialize>(object: &T) -> Option<String> {
    match serde_json::to_value(object).ok()? {
        serde_json::Value::Object(mut members) => match members.remove("state")? {
            serde_json::Value::String(state) => Some(state),
            _ => None,
        },
        _ => None,
    }
}
