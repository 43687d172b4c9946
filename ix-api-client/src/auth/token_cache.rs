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

use crate::auth::credentials::{AccessToken, RefreshToken};
use crate::auth::renewal::{self, Deadlines};
use crate::auth::token_source::{Grant, Held, TokenSource};
use crate::auth::validity::{Obtained, validity};
use crate::auth::{RenewalStatus, TokenPair};
use crate::call::error::Error;
use crate::call::hooks::{BearerSource, TokenFuture};

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
    Error::Cancelled
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// The cache alone, against a scripted [`TokenSource`] on tokio's paused
/// clock: when it renews, how many renewals run, what callers get while a
/// renewal fails, and which refresh token survives a failure.
#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::future::Future;
    use std::task::Poll;

    use tokio::time::{advance, sleep};

    use super::*;
    use crate::auth::jwt::tests::token;
    use crate::auth::token_source::Obtaining;

    const MARGIN: Duration = Duration::from_secs(30);
    const TIMEOUT: Duration = Duration::from_secs(10);
    /// How long the fake exchange takes to answer.
    const LATENCY: Duration = Duration::from_millis(200);

    /// A JWT that lives 900 s from when it is issued.
    fn jwt(name: &str) -> String {
        token(serde_json::json!({"iat": 1_000, "exp": 1_900, "jti": name}))
    }

    fn pair(name: &str) -> Result<Grant, Error> {
        Ok(Grant::issued(
            jwt(name).into(),
            Some(format!("refresh-{name}").into()),
        ))
    }

    fn unavailable() -> Result<Grant, Error> {
        Err(Error::UnexpectedStatus {
            operation: "auth_token_refresh",
            status: 503,
        })
    }

    /// Answers from a script, after [`LATENCY`], and notes what it was
    /// handed; an empty script never answers.
    #[derive(Debug, Default)]
    struct Scripted {
        answers: Mutex<VecDeque<Result<Grant, Error>>>,
        /// The refresh token held at each call.
        held: Mutex<Vec<Option<String>>>,
        /// Reject the refresh token at the next call.
        reject_next: Mutex<bool>,
    }

    impl Scripted {
        fn new(answers: impl IntoIterator<Item = Result<Grant, Error>>) -> Arc<Self> {
            Arc::new(Self {
                answers: Mutex::new(answers.into_iter().collect()),
                ..Self::default()
            })
        }

        fn calls(&self) -> usize {
            self.held.lock().unwrap().len()
        }

        fn held(&self) -> Vec<Option<String>> {
            self.held.lock().unwrap().clone()
        }
    }

    impl TokenSource for Scripted {
        fn obtain<'a>(&'a self, held: &'a Held) -> Obtaining<'a> {
            Box::pin(async move {
                let refresh = held.refresh_token().map(|t| t.expose().to_string());
                self.held.lock().unwrap().push(refresh);
                if std::mem::take(&mut *self.reject_next.lock().unwrap()) {
                    held.reject_refresh_token();
                }
                sleep(LATENCY).await;
                let next = self.answers.lock().unwrap().pop_front();
                match next {
                    Some(answer) => answer,
                    None => std::future::pending().await,
                }
            })
        }

        fn operation(&self, held: &Held) -> &'static str {
            match held.refresh_token() {
                Some(_) => "auth_token_refresh",
                None => "auth_token_create",
            }
        }
    }

    fn cache(source: &Arc<Scripted>) -> Arc<TokenCache> {
        TokenCache::new(source.clone(), MARGIN, TIMEOUT, None)
    }

    /// Lets spawned renewals run to their end on the paused clock.
    async fn settle() {
        sleep(LATENCY * 2).await;
    }

    #[tokio::test(start_paused = true)]
    async fn renews_in_the_background_ahead_of_expiry_and_serves_meanwhile() {
        let source = Scripted::new([pair("a"), pair("b")]);
        let cache = cache(&source);
        let first = cache.access_token().await.unwrap();
        assert_eq!(first.expose(), jwt("a"));
        // 900 s of life, a 30 s margin: quiet until 840 s after the send.
        let sent = Instant::now() - LATENCY;
        tokio::time::sleep_until(sent + Duration::from_secs(839)).await;
        assert_eq!(cache.access_token().await.unwrap(), first);
        assert_eq!(source.calls(), 1);
        // In the ahead window: the caller gets the current token at once,
        // and one renewal starts behind it.
        tokio::time::sleep_until(sent + Duration::from_secs(841)).await;
        let before = Instant::now();
        assert_eq!(cache.access_token().await.unwrap(), first);
        assert_eq!(Instant::now(), before, "the caller did not wait");
        assert!(cache.status().in_flight);
        settle().await;
        assert_eq!(source.calls(), 2);
        assert_eq!(cache.access_token().await.unwrap().expose(), jwt("b"));
        assert_eq!(source.held()[1].as_deref(), Some("refresh-a"));
    }

    #[tokio::test(start_paused = true)]
    async fn past_the_renewal_point_callers_wait_for_the_new_token() {
        let source = Scripted::new([pair("a"), pair("b")]);
        let cache = cache(&source);
        cache.access_token().await.unwrap();
        // Nobody asked in the ahead window; at 880 s the token is inside
        // its margin, so the caller waits for the renewal.
        advance(Duration::from_secs(880)).await;
        let before = Instant::now();
        assert_eq!(cache.access_token().await.unwrap().expose(), jwt("b"));
        assert_eq!(Instant::now() - before, LATENCY);
        assert_eq!(source.calls(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn one_renewal_serves_every_caller() {
        let source = Scripted::new([pair("a")]);
        let cache = cache(&source);
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..500 {
            let cache = cache.clone();
            callers.spawn(async move { cache.access_token().await });
        }
        let tokens = callers.join_all().await;
        assert_eq!(source.calls(), 1);
        assert!(
            tokens
                .iter()
                .all(|t| t.as_ref().unwrap().expose() == jwt("a"))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_renewal_backs_off_and_serves_the_current_token() {
        let source = Scripted::new([pair("a"), unavailable(), pair("b")]);
        let cache = cache(&source);
        let first = cache.access_token().await.unwrap();
        advance(Duration::from_secs(880)).await;
        // The renewal fails; the token still lives 20 s, so callers get it.
        assert_eq!(cache.access_token().await.unwrap(), first);
        assert_eq!(source.calls(), 2);
        let status = cache.status();
        assert_eq!(status.failures, 1);
        assert!(matches!(
            status.last_error,
            Some(Error::UnexpectedStatus { status: 503, .. })
        ));
        let retry_in = status.retry_in.expect("backing off");
        assert!(retry_in >= renewal::MIN_RETRY && retry_in <= renewal::FIRST_RETRY);
        // During the backoff: the current token, at once, and no request.
        for _ in 0..100 {
            assert_eq!(cache.access_token().await.unwrap(), first);
        }
        assert_eq!(source.calls(), 2);
        // After it: the next attempt succeeds and the count resets.
        advance(retry_in).await;
        assert_eq!(cache.access_token().await.unwrap().expose(), jwt("b"));
        assert_eq!(source.calls(), 3);
        assert_eq!(cache.status().failures, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn once_the_token_is_dead_the_backoff_answers_the_last_error_at_once() {
        let source = Scripted::new([pair("a"), unavailable()]);
        let cache = cache(&source);
        cache.access_token().await.unwrap();
        advance(Duration::from_secs(901)).await;
        let failed = cache.access_token().await.unwrap_err();
        assert!(matches!(
            failed,
            Error::UnexpectedStatus { status: 503, .. }
        ));
        let before = Instant::now();
        let again = cache.access_token().await.unwrap_err();
        assert!(matches!(again, Error::UnexpectedStatus { status: 503, .. }));
        assert_eq!(Instant::now(), before);
        assert_eq!(source.calls(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_keeps_a_good_refresh_token_and_a_rejection_drops_it() {
        let source = Scripted::new([pair("a"), unavailable(), unavailable(), pair("b")]);
        let cache = cache(&source);
        cache.access_token().await.unwrap();
        advance(Duration::from_secs(880)).await;
        // A 503 says nothing about the refresh token: it is kept.
        cache.access_token().await.unwrap();
        let kept = cache.pair().expect("the pair");
        assert_eq!(kept.refresh_token.expose(), "refresh-a");
        advance(cache.status().retry_in.unwrap()).await;
        // This time the exchange rejects it: it is dropped, whatever the
        // source answers, and never offered again.
        *source.reject_next.lock().unwrap() = true;
        cache.access_token().await.unwrap();
        assert!(cache.pair().is_none());
        advance(cache.status().retry_in.unwrap()).await;
        assert_eq!(cache.access_token().await.unwrap().expose(), jwt("b"));
        assert_eq!(
            source.held(),
            [
                None,
                Some("refresh-a".into()),
                Some("refresh-a".into()),
                None
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_source_that_does_not_answer_times_out() {
        let source = Scripted::new([]);
        let cache = cache(&source);
        let error = cache.access_token().await.unwrap_err();
        assert!(
            matches!(error, Error::Timeout { operation: "auth_token_create", after } if after == TIMEOUT),
            "{error:?}"
        );
    }

    #[test]
    fn a_runtime_shutting_down_cancels_the_renewal_its_waiters_share() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap()
        };
        let source = Scripted::new([]);
        let cache = cache(&source);
        // A caller on `first` starts a renewal there (the source never
        // answers) and gives up; the renewal stays in flight.
        let first = runtime();
        first.block_on(async {
            let gave_up = tokio::time::timeout(LATENCY, cache.access_token()).await;
            assert!(gave_up.is_err());
        });
        assert!(cache.status().in_flight);
        let second = runtime();
        let error = second.block_on(async {
            let mut waiter = std::pin::pin!(cache.access_token());
            // Join the renewal in flight on `first`...
            let polled = std::future::poll_fn(|cx| Poll::Ready(waiter.as_mut().poll(cx))).await;
            assert!(polled.is_pending());
            // ...which shuts down under it.
            first.shutdown_background();
            waiter.await.unwrap_err()
        });
        assert!(matches!(error, Error::Cancelled), "{error:?}");
        assert!(!cache.status().in_flight);
    }
}
