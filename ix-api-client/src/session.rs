//! A [`Session`] keeps an IX-API access token valid on its own: it logs in
//! lazily, refreshes before the token expires, runs one renewal at a time
//! however many tasks ask, backs off after failures, and retries a call once
//! after a 401.
//!
//! Its parts do not know each other: the token operations fetch a pair
//! (here), `renewal` decides when to renew and how long
//! to wait after a failure, and the client hooks in [`auth`](crate::auth)
//! put the token on the wire through the `TokenSource` seam.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use reqwest::header::HeaderValue;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::auth::{Auth, TokenFuture, TokenSource};
use crate::credentials::{AccessToken, ApiKey, ApiSecret, RefreshToken};
use crate::error::Error;
use crate::generated::spec::operations;
use crate::renewal::{self, Deadlines};
use crate::validity::{Obtained, validity};
use crate::{Client, types};

/// A token pair as IX-API issues it, and as [`Session::tokens`] hands it out
/// for saving. Serializing it writes the tokens in clear: store it as you
/// would a password.
pub type TokenPair = types::AuthToken;

/// The default [`SessionBuilder::refresh_margin`].
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(30);
/// The default [`SessionBuilder::token_timeout`].
pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Configures a [`Session`]; see [`Session::builder`].
pub struct SessionBuilder {
    base_url: String,
    credentials: Option<(String, String)>,
    tokens: Option<TokenPair>,
    refresh_margin: Duration,
    token_timeout: Duration,
    http_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
}

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials.as_ref().map(|_| "***"))
            .field("tokens", &self.tokens)
            .field("refresh_margin", &self.refresh_margin)
            .field("token_timeout", &self.token_timeout)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

impl SessionBuilder {
    /// The API user's `api_key` and `api_secret`, for logging in, and
    /// logging in again when the refresh token is spent or rejected.
    pub fn credentials(
        mut self,
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some((api_key.into(), api_secret.into()));
        self
    }

    /// A saved token pair to resume with instead of logging in. Only the
    /// tokens' `exp` claims tell how long they have left.
    pub fn tokens(mut self, tokens: TokenPair) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// How long before expiry a token is renewed (default 30 s). Callers
    /// always get a token valid for at least this long, or for a quarter of
    /// its life if that is shorter. From twice the margin before expiry, a
    /// renewal starts in the background while callers keep the current
    /// token; nothing is renewed in the first half of a token's life.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// How long a login or refresh may take, whatever HTTP client is used
    /// (default 30 s). Past it the renewal fails with [`Error::Timeout`] and
    /// the next attempt waits for the backoff.
    pub fn token_timeout(mut self, timeout: Duration) -> Self {
        self.token_timeout = timeout;
        self
    }

    /// The `reqwest::Client` to send requests with (proxies, TLS,
    /// timeouts). The default has a 10 s connect and 30 s request timeout
    /// and follows no redirects. A client that follows redirects is safe
    /// too: the token operations are never redirected, and an answer from
    /// anywhere but the base URL's origin fails the call with
    /// [`Error::Redirected`].
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Allow `http://` to hosts other than loopback, sending credentials and
    /// tokens in clear text. Off by default.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Checks the settings and builds the session. Sends nothing.
    pub fn build(self) -> Result<Session, Error> {
        check_url(&self.base_url, self.allow_insecure_http)?;
        let credentials = self
            .credentials
            .map(|(key, secret)| {
                let invalid = |e: crate::CredentialLengthError| Error::Configuration(e.to_string());
                Ok::<_, Error>(Credentials {
                    api_key: ApiKey::try_from(key).map_err(invalid)?,
                    api_secret: ApiSecret::try_from(secret).map_err(invalid)?,
                })
            })
            .transpose()?;
        let saved = self.tokens.map(saved_pair).transpose()?;
        if credentials.is_none() && saved.is_none() {
            return Err(Error::Configuration(
                "a session needs credentials, saved tokens, or both".into(),
            ));
        }
        let http = match self.http_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(REQUEST_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Configuration(format!("cannot build an HTTP client: {e}")))?,
        };
        let base_url = self.base_url.trim_end_matches('/').to_string();
        let state = Arc::new_cyclic(|me| SessionState {
            me: me.clone(),
            token_client: Client::new_with_client(&base_url, http.clone(), Auth::none()),
            credentials,
            margin: self.refresh_margin,
            token_timeout: self.token_timeout,
            tokens: ArcSwapOption::empty(),
            renewal: Mutex::default(),
        });
        if let Some(pair) = saved {
            state.store(pair, Obtained::Text);
        }
        Ok(Session {
            client: Client::new_with_client(&base_url, http, Auth::source(state.clone())),
            state,
            implementation: Arc::default(),
        })
    }
}

/// A saved pair, trimmed of the whitespace files and environment variables
/// add, and refused if a token still cannot travel in an HTTP header.
fn saved_pair(pair: TokenPair) -> Result<TokenPair, Error> {
    let clean = |field: &str, value: &str| {
        let value = value.trim();
        if value.is_empty() || HeaderValue::from_str(value).is_err() {
            return Err(Error::Configuration(format!(
                "the saved {field} is empty or holds characters an HTTP header cannot carry"
            )));
        }
        Ok(value.to_string())
    };
    Ok(TokenPair {
        access_token: clean(AccessToken::FIELD, pair.access_token.expose())?.into(),
        refresh_token: clean(RefreshToken::FIELD, pair.refresh_token.expose())?.into(),
    })
}

fn check_url(base_url: &str, allow_insecure_http: bool) -> Result<(), Error> {
    let url = reqwest::Url::parse(base_url)
        .map_err(|e| Error::Configuration(format!("base URL {base_url:?} is not a URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback || allow_insecure_http => Ok(()),
        "http" => Err(Error::Configuration(format!(
            "refusing to send credentials in clear text to {base_url}: use https, \
             or allow_insecure_http(true) if you really mean it"
        ))),
        other => Err(Error::Configuration(format!(
            "base URL scheme {other:?} is not http or https"
        ))),
    }
}

/// An authenticated IX-API session. Cheap to clone; clones share one token
/// state.
#[derive(Clone)]
pub struct Session {
    client: Client,
    state: Arc<SessionState>,
    /// `GET /implementation`, read once when first asked.
    implementation: Arc<tokio::sync::OnceCell<types::ImplementationResponse>>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("base_url", &self.client.baseurl)
            .field("state", &self.state)
            .finish()
    }
}

impl Session {
    /// Starts configuring a session for the IX-API at `base_url`, e.g.
    /// `https://ixp.example.net/api/v2`.
    pub fn builder(base_url: impl Into<String>) -> SessionBuilder {
        SessionBuilder {
            base_url: base_url.into(),
            credentials: None,
            tokens: None,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            token_timeout: DEFAULT_TOKEN_TIMEOUT,
            http_client: None,
            allow_insecure_http: false,
        }
    }

    /// An access token valid for at least the refresh margin, logging in or
    /// refreshing first if needed. After a failed renewal, and until its
    /// backoff is over, this answers at once: the current token if it is
    /// still valid, else the error of that renewal.
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        self.state.access_token().await
    }

    /// Renews the token pair now, whatever its expiry and any backoff:
    /// refreshes, or logs in again if the refresh token is spent or
    /// rejected. Joins a renewal already in flight rather than starting a
    /// second one. On failure the current token stays in use.
    pub async fn refresh(&self) -> Result<AccessToken, Error> {
        match self.state.step(Instant::now(), Mode::Forced) {
            Step::Wait(outcome) => wait(outcome).await,
            Step::Serve(token) => Ok(token),
            Step::Fail(error) => Err(error),
            Step::Nothing => self.state.access_token().await,
        }
    }

    /// The generated client, authenticated by this session: every call but
    /// the token operations carries the access token, and is retried once
    /// with a new token if IX-API answers 401. When the session cannot
    /// provide a token, the call fails with an `OperationError::Custom`
    /// whose typed cause [`Error::from_session`] recovers.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Whether the server implements `operation_id` (for example
    /// `network_service_configs_create`), by its `GET /implementation`,
    /// which is read once and kept. An exchange may implement only part of
    /// IX-API, or an older version of it.
    pub async fn supports(&self, operation_id: &str) -> Result<bool, Error> {
        let implementation = self
            .implementation
            .get_or_try_init(|| async {
                let operation = operations::API_IMPLEMENTATION_READ.id;
                self.client
                    .api_implementation_read()
                    .send()
                    .await
                    .map(crate::ResponseValue::into_inner)
                    .map_err(|e| Error::from_operation(operation, e))
            })
            .await?;
        Ok(implementation
            .supported_operations
            .iter()
            .any(|supported| supported == operation_id))
    }

    /// The current token pair, for saving and resuming later with
    /// [`SessionBuilder::tokens`]; `None` before the first login, and after
    /// IX-API rejected the refresh token until the next login.
    pub fn tokens(&self) -> Option<TokenPair> {
        let tokens = self.state.tokens.load();
        let tokens = tokens.as_deref()?;
        Some(TokenPair {
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone()?,
        })
    }

    /// Where token renewal stands. While IX-API fails renewals the session
    /// keeps serving the current token; this lets a long-running automation
    /// notice (and alert) before that token runs out.
    pub fn renewal(&self) -> RenewalStatus {
        let renewal = self
            .state
            .renewal
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        RenewalStatus {
            in_flight: renewal.flight.is_some(),
            failures: renewal.failures,
            last_error: renewal.last_error.clone(),
            retry_in: renewal.retry_at.filter(|at| now < *at).map(|at| at - now),
        }
    }
}

/// Where token renewal stands; see [`Session::renewal`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RenewalStatus {
    /// A refresh or login is on its way to IX-API.
    pub in_flight: bool,
    /// Renewals that failed in a row; 0 after a success.
    pub failures: u32,
    /// Why the last renewal failed, while `failures` is not 0.
    pub last_error: Option<Error>,
    /// While backing off after a failure: the wait before the next attempt.
    pub retry_in: Option<Duration>,
}

struct Credentials {
    api_key: ApiKey,
    api_secret: ApiSecret,
}

struct Tokens {
    access_token: AccessToken,
    access: Deadlines,
    /// `None` once IX-API rejected it.
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

/// The token state a session and its client share.
pub(crate) struct SessionState {
    /// The `Arc` this lives in.
    me: Weak<SessionState>,
    token_client: Client,
    credentials: Option<Credentials>,
    margin: Duration,
    token_timeout: Duration,
    /// Read lock-free on every call; replaced whole.
    tokens: ArcSwapOption<Tokens>,
    renewal: Mutex<Renewal>,
}

impl fmt::Debug for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tokens = self.tokens.load();
        f.debug_struct("SessionState")
            .field("api_key", &self.credentials.as_ref().map(|c| &c.api_key))
            .field("logged_in", &tokens.is_some())
            .field(
                "access_expires_at",
                &tokens.as_ref().and_then(|t| t.access_token.expires_at()),
            )
            .field("refresh_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

/// Why a caller asks for a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The token is past its renewal point, or missing: a caller waits.
    Foreground,
    /// The token is in its ahead window: renew, but nobody waits.
    Background,
    /// [`Session::refresh`]: renew now, whatever the token and backoff.
    Forced,
}

/// What a caller does next.
enum Step {
    Serve(AccessToken),
    Fail(Error),
    Wait(watch::Receiver<Option<Outcome>>),
    Nothing,
}

impl TokenSource for SessionState {
    fn access_token(&self) -> TokenFuture<'_> {
        Box::pin(SessionState::access_token(self))
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

impl SessionState {
    async fn access_token(&self) -> Result<AccessToken, Error> {
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
        let Some(state) = self.owner() else {
            return Step::Nothing;
        };
        let (done, outcome) = watch::channel(None);
        renewal.flight = Some(outcome.clone());
        drop(renewal);
        runtime.spawn(state.fly(done));
        Step::Wait(outcome)
    }

    /// The `Arc` this state lives in, for the renewal task to hold.
    fn owner(&self) -> Option<Arc<Self>> {
        self.me.upgrade()
    }

    /// One renewal attempt, in a task of its own so that a caller giving up
    /// cannot cancel a request whose answer rotates the tokens.
    async fn fly(self: Arc<Self>, done: watch::Sender<Option<Outcome>>) {
        // Clears the flight if this task is dropped before it finishes (at
        // runtime shutdown, say), so that later renewals can start.
        let mut flight = FlightGuard {
            state: &self,
            finished: false,
        };
        let attempt = tokio::spawn({
            let state = self.clone();
            async move { state.renew_now().await }
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

    /// Refresh if the refresh token may still work, else log in.
    async fn renew_now(&self) -> Result<AccessToken, Error> {
        let refresh_token = self.tokens.load().as_deref().and_then(|tokens| {
            let alive = !Deadlines::reached(tokens.refresh_expiry, Instant::now());
            tokens.refresh_token.clone().filter(|_| alive)
        });
        if let Some(refresh_token) = refresh_token {
            match self.refresh(&refresh_token).await {
                Err(error) if error.is_authentication() => {
                    tracing::info!(%error, "IX-API rejected the refresh token; dropping it");
                    self.drop_refresh_token(&refresh_token);
                }
                other => return other,
            }
        }
        match &self.credentials {
            Some(credentials) => self.login(credentials).await,
            None => Err(Error::ReauthenticationRequired),
        }
    }

    async fn login(&self, credentials: &Credentials) -> Result<AccessToken, Error> {
        let body = types::AuthTokenRequest::builder()
            .api_key(credentials.api_key.clone())
            .api_secret(credentials.api_secret.clone());
        let call = self.token_client.auth_token_create().body(body).send();
        self.obtain(operations::AUTH_TOKEN_CREATE.id, call).await
    }

    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<AccessToken, Error> {
        let body = types::RefreshTokenRequest::builder().refresh_token(refresh_token.clone());
        let call = self.token_client.auth_token_refresh().body(body).send();
        self.obtain(operations::AUTH_TOKEN_REFRESH.id, call).await
    }

    /// Awaits a token operation within the token timeout, stores the new
    /// pair, and traces how it went.
    async fn obtain(
        &self,
        operation: &'static str,
        call: impl Future<Output = Result<crate::ResponseValue<TokenPair>, crate::OperationError>>,
    ) -> Result<AccessToken, Error> {
        let obtained = Obtained::sending_now();
        let started = Instant::now();
        let result = match tokio::time::timeout(self.token_timeout, call).await {
            Ok(Ok(pair)) => Ok(self.store(pair.into_inner(), obtained)),
            Ok(Err(e)) => Err(Error::from_operation(operation, e)),
            Err(_) => Err(Error::Timeout {
                operation,
                after: self.token_timeout,
            }),
        };
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(_) => tracing::info!(operation, elapsed_ms, "obtained a new IX-API token pair"),
            Err(error) => {
                tracing::warn!(operation, elapsed_ms, %error, "IX-API token operation failed");
            }
        }
        result
    }

    fn store(&self, pair: TokenPair, obtained: Obtained) -> AccessToken {
        let access = validity(pair.access_token.expose(), obtained);
        let refresh = validity(pair.refresh_token.expose(), obtained);
        let access_token = pair.access_token.with_expires_at(access.expires_at);
        self.tokens.store(Some(Arc::new(Tokens {
            access_token: access_token.clone(),
            access: Deadlines::new(&access, self.margin),
            refresh_token: Some(pair.refresh_token.with_expires_at(refresh.expires_at)),
            refresh_expiry: refresh.expiry(),
        })));
        access_token
    }

    /// IX-API rejected `used`: never send it again.
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
    state: &'a SessionState,
    finished: bool,
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let mut renewal = self
                .state
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
