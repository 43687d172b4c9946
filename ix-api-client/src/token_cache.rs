//! The session's token cache: it decides when to renew and runs one renewal
//! at a time, whatever [`TokenSource`] obtains the tokens.
//!
//! Callers read the current token lock-free. Past its renewal point one
//! caller starts a renewal in a task of its own (a caller giving up cannot
//! cancel a request whose answer rotates the tokens) and every caller waits
//! for its outcome; ahead of that point a renewal starts in the background
//! while callers keep the current token. After a failure the cache backs off
//! (`renewal::retry_delay`) and serves the current token while it lives, else
//! the last error at once.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::auth::{BearerSource, TokenFuture};
use crate::credentials::{AccessToken, RefreshToken};
use crate::error::Error;
use crate::renewal::{self, Deadlines};
use crate::session::{RenewalStatus, TokenPair};
use crate::token_source::{Grant, Held, TokenSource};
use crate::validity::{Obtained, validity};

/// The tokens held, and when to renew them.
struct Tokens {
    access_token: AccessToken,
    access: Deadlines,
    /// `None` once rejected, or for sources that issue none.
    refresh_token: Option<RefreshToken>,
    refresh_expiry: Option<Instant>,
}

/// What a renewal attempt ended with.
#[derive(Clone)]
enum Outcome {
    Done(Result<AccessToken, Error>),
    /// The attempt panicked; every caller waiting for it panics too.
    Panicked(String),
}

/// Where a renewal stands; guarded by a plain mutex, held only briefly and
/// never across an `.await`.
#[derive(Default)]
struct Renewal {
    /// The attempt in flight, to wait for.
    flight: Option<watch::Receiver<Option<Outcome>>>,
    /// Failed attempts in a row.
    failures: u32,
    /// While backing off: no attempt before this.
    retry_at: Option<Instant>,
    /// The error of the last attempt, for callers during the backoff.
    last_error: Option<Error>,
}

/// Why a caller asks for a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The token is past its renewal point, or missing: a caller waits.
    Foreground,
    /// The token is in its ahead window: renew, but nobody waits.
    Background,
    /// [`Session::refresh`](crate::Session::refresh): renew now, whatever
    /// the token and backoff.
    Forced,
}

/// What a caller does next.
enum Step {
    Serve(AccessToken),
    Fail(Error),
    Wait(watch::Receiver<Option<Outcome>>),
    Nothing,
}

/// Holds a session's tokens and renews them through its source.
pub(crate) struct TokenCache {
    /// The `Arc` this lives in, for renewal tasks to hold.
    me: Weak<TokenCache>,
    source: Arc<dyn TokenSource>,
    margin: Duration,
    token_timeout: Duration,
    /// Read lock-free on every call; replaced whole.
    tokens: ArcSwapOption<Tokens>,
    renewal: Mutex<Renewal>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tokens = self.tokens.load();
        f.debug_struct("TokenCache")
            .field("source", &self.source)
            .field("logged_in", &tokens.is_some())
            .field(
                "access_expires_at",
                &tokens.as_ref().and_then(|t| t.access_token.expires_at()),
            )
            .field("refresh_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl BearerSource for TokenCache {
    fn access_token(&self) -> TokenFuture<'_> {
        Box::pin(TokenCache::access_token(self))
    }

    fn reject(&self, used: &AccessToken) {
        // Stop serving it; keep the refresh token.
        self.tokens.rcu(|current| match current.as_deref() {
            Some(tokens) if tokens.access_token == *used => Some(Arc::new(Tokens {
                access_token: tokens.access_token.clone(),
                access: Deadlines::dead(Instant::now()),
                refresh_token: tokens.refresh_token.clone(),
                refresh_expiry: tokens.refresh_expiry,
            })),
            _ => current.clone(),
        });
    }
}

impl TokenCache {
    pub fn new(
        source: Arc<dyn TokenSource>,
        margin: Duration,
        token_timeout: Duration,
        saved: Option<Grant>,
    ) -> Arc<Self> {
        let cache = Arc::new_cyclic(|me| Self {
            me: me.clone(),
            source,
            margin,
            token_timeout,
            tokens: ArcSwapOption::empty(),
            renewal: Mutex::default(),
        });
        if let Some(grant) = saved {
            cache.store(grant, Obtained::Text);
        }
        cache
    }

    /// A token valid for at least the margin, renewing first if needed.
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        let now = Instant::now();
        if let Some(tokens) = self.tokens.load().as_deref()
            && !Deadlines::reached(tokens.access.renew, now)
        {
            if Deadlines::reached(tokens.access.ahead, now) {
                self.step(now, Mode::Background);
            }
            return Ok(tokens.access_token.clone());
        }
        let result = match self.step(now, Mode::Foreground) {
            Step::Serve(token) => return Ok(token),
            Step::Fail(error) => Err(error),
            Step::Wait(outcome) => wait(outcome).await,
            Step::Nothing => Err(Error::Configuration("no renewal could be started".into())),
        };
        // A failed renewal does not fail a caller whose token still works.
        result.or_else(|error| self.alive_token(Instant::now()).ok_or(error))
    }

    /// Renews now, whatever the token's expiry and any backoff; joins a
    /// renewal in flight.
    pub async fn refresh(&self) -> Result<AccessToken, Error> {
        match self.step(Instant::now(), Mode::Forced) {
            Step::Wait(outcome) => wait(outcome).await,
            Step::Serve(token) => Ok(token),
            Step::Fail(error) => Err(error),
            Step::Nothing => self.access_token().await,
        }
    }

    /// The current pair, while there is a refresh token.
    pub fn pair(&self) -> Option<TokenPair> {
        let tokens = self.tokens.load();
        let tokens = tokens.as_deref()?;
        Some(TokenPair {
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone()?,
        })
    }

    pub fn status(&self) -> RenewalStatus {
        let renewal = self.renewal.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        RenewalStatus {
            in_flight: renewal.flight.is_some(),
            failures: renewal.failures,
            last_error: renewal.last_error.clone(),
            retry_in: renewal.retry_at.filter(|at| now < *at).map(|at| at - now),
        }
    }

    /// The current access token, if it has not expired (or been rejected).
    fn alive_token(&self, now: Instant) -> Option<AccessToken> {
        let tokens = self.tokens.load();
        let tokens = tokens.as_deref()?;
        (!Deadlines::reached(tokens.access.expiry, now)).then(|| tokens.access_token.clone())
    }

    /// Decides, under the renewal lock, whether to serve, fail, wait for the
    /// attempt in flight, or start one.
    fn step(&self, now: Instant, mode: Mode) -> Step {
        let mut renewal = self.renewal.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.tokens.load();
        let current = current.as_deref();
        if mode == Mode::Foreground {
            // An attempt may have finished since the caller looked.
            if let Some(tokens) = current.filter(|t| !Deadlines::reached(t.access.renew, now)) {
                return Step::Serve(tokens.access_token.clone());
            }
        }
        if let Some(flight) = &renewal.flight {
            return match mode {
                Mode::Background => Step::Nothing,
                _ => Step::Wait(flight.clone()),
            };
        }
        let backing_off = renewal.retry_at.is_some_and(|at| now < at);
        if backing_off && mode != Mode::Forced {
            if mode == Mode::Background {
                return Step::Nothing;
            }
            return match (self.alive_token(now), &renewal.last_error) {
                (Some(token), _) => Step::Serve(token),
                (None, Some(error)) => Step::Fail(error.clone()),
                (None, None) => Step::Fail(Error::ReauthenticationRequired),
            };
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Step::Fail(Error::Configuration(
                "a session renews its tokens on a tokio runtime; none is running".into(),
            ));
        };
        let Some(cache) = self.me.upgrade() else {
            return Step::Nothing;
        };
        let (done, outcome) = watch::channel(None);
        renewal.flight = Some(outcome.clone());
        drop(renewal);
        runtime.spawn(cache.fly(done));
        Step::Wait(outcome)
    }

    /// One renewal attempt, in a task of its own.
    async fn fly(self: Arc<Self>, done: watch::Sender<Option<Outcome>>) {
        // Clears the flight if this task is dropped before it finishes (at
        // runtime shutdown, say), so that later renewals can start.
        let mut flight = FlightGuard {
            cache: &self,
            finished: false,
        };
        let attempt = tokio::spawn({
            let cache = self.clone();
            async move { cache.renew_now().await }
        });
        let outcome = match attempt.await {
            Ok(result) => Outcome::Done(result),
            Err(error) if error.is_panic() => Outcome::Panicked(panic_message(error.into_panic())),
            Err(_) => Outcome::Done(Err(cancelled())),
        };
        self.finish(&outcome);
        flight.finished = true;
        done.send_replace(Some(outcome));
    }

    /// Books the attempt's outcome: resets the backoff after a success,
    /// lengthens it after a failure.
    fn finish(&self, outcome: &Outcome) {
        let now = Instant::now();
        let mut renewal = self.renewal.lock().unwrap_or_else(PoisonError::into_inner);
        renewal.flight = None;
        match outcome {
            Outcome::Done(Ok(_)) => {
                renewal.failures = 0;
                renewal.retry_at = None;
                renewal.last_error = None;
            }
            Outcome::Done(Err(error)) => {
                renewal.failures = renewal.failures.saturating_add(1);
                let left = self
                    .tokens
                    .load()
                    .as_deref()
                    .and_then(|tokens| tokens.access.left(now));
                let delay = renewal::retry_delay(renewal.failures, left, renewal::jitter());
                renewal.retry_at = Some(now + delay);
                renewal.last_error = Some(error.clone());
                tracing::warn!(
                    %error,
                    failures = renewal.failures,
                    retry_in_ms = delay.as_millis() as u64,
                    "IX-API token renewal failed; backing off"
                );
            }
            Outcome::Panicked(_) => {}
        }
    }

    /// Asks the source for new tokens, within the token timeout, and keeps
    /// them.
    async fn renew_now(&self) -> Result<AccessToken, Error> {
        let held = self.held();
        let operation = self.source.operation(&held);
        let obtained = Obtained::sending_now();
        let started = Instant::now();
        let result = tokio::time::timeout(self.token_timeout, self.source.obtain(&held)).await;
        if held.refresh_token_was_rejected()
            && let Some(rejected) = held.refresh_token()
        {
            self.drop_refresh_token(rejected);
        }
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(Ok(grant)) => {
                tracing::debug!(operation, elapsed_ms, "renewed the access token");
                Ok(self.store(grant, obtained))
            }
            Ok(Err(error)) => Err(error),
            Err(_) => {
                tracing::warn!(operation, elapsed_ms, "IX-API token operation timed out");
                Err(Error::Timeout {
                    operation,
                    after: self.token_timeout,
                })
            }
        }
    }

    /// What the source is told the session holds: the refresh token only
    /// while it may still work.
    fn held(&self) -> Held {
        let tokens = self.tokens.load();
        let Some(tokens) = tokens.as_deref() else {
            return Held::new(None, None);
        };
        let alive = !Deadlines::reached(tokens.refresh_expiry, Instant::now());
        Held::new(
            Some(tokens.access_token.clone()),
            tokens.refresh_token.clone().filter(|_| alive),
        )
    }

    fn store(&self, grant: Grant, obtained: Obtained) -> AccessToken {
        let obtained = if grant.saved {
            Obtained::Text
        } else {
            obtained
        };
        let mut access = validity(grant.access_token.expose(), obtained);
        if let Some(expires_in) = grant.expires_in {
            access = access.at_most(expires_in);
        }
        let access_token = grant.access_token.with_expires_at(access.expires_at);
        let refresh_token = grant.refresh_token.map(|token| {
            let refresh = validity(token.expose(), obtained);
            (token.with_expires_at(refresh.expires_at), refresh.expiry())
        });
        self.tokens.store(Some(Arc::new(Tokens {
            access_token: access_token.clone(),
            access: Deadlines::new(&access, self.margin),
            refresh_expiry: refresh_token.as_ref().and_then(|(_, expiry)| *expiry),
            refresh_token: refresh_token.map(|(token, _)| token),
        })));
        access_token
    }

    /// The exchange rejected `used`: never send it again.
    fn drop_refresh_token(&self, used: &RefreshToken) {
        self.tokens.rcu(|current| match current.as_deref() {
            Some(tokens) if tokens.refresh_token.as_ref() == Some(used) => Some(Arc::new(Tokens {
                access_token: tokens.access_token.clone(),
                access: tokens.access,
                refresh_token: None,
                refresh_expiry: None,
            })),
            _ => current.clone(),
        });
    }
}

/// Clears the flight of a renewal task that ends without finishing.
struct FlightGuard<'a> {
    cache: &'a TokenCache,
    finished: bool,
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let mut renewal = self
                .cache
                .renewal
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            renewal.flight = None;
        }
    }
}

async fn wait(mut outcome: watch::Receiver<Option<Outcome>>) -> Result<AccessToken, Error> {
    let outcome = match outcome.wait_for(Option::is_some).await {
        Ok(outcome) => outcome.clone(),
        Err(_) => return Err(cancelled()),
    };
    match outcome {
        Some(Outcome::Done(result)) => result,
        Some(Outcome::Panicked(message)) => panic!("the IX-API token renewal panicked: {message}"),
        None => Err(cancelled()),
    }
}

fn cancelled() -> Error {
    Error::Configuration("the token renewal was cancelled: its runtime is shutting down".into())
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}
