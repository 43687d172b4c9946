//! A [`Session`] keeps an IX-API access token valid on its own: it logs in
//! lazily, refreshes before the token expires, lets one renewal run at a
//! time however many tasks ask, and retries a call once after a 401.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwapOption;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::auth::Auth;
use crate::credentials::{AccessToken, ApiKey, ApiSecret, RefreshToken};
use crate::error::Error;
use crate::{Client, jwt, types};

/// A token pair as IX-API issues it, and as [`Session::tokens`] hands it out
/// for saving. Serializing it writes the tokens in clear: store it as you
/// would a password.
pub type TokenPair = types::AuthToken;

/// The default [`SessionBuilder::refresh_margin`].
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Configures a [`Session`]; see [`Session::builder`].
pub struct SessionBuilder {
    base_url: String,
    credentials: Option<(String, String)>,
    tokens: Option<TokenPair>,
    refresh_margin: Duration,
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
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

impl SessionBuilder {
    /// The API user's `api_key` (16 characters) and `api_secret` (86), for
    /// logging in, and logging in again when the refresh token is spent.
    pub fn credentials(
        mut self,
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some((api_key.into(), api_secret.into()));
        self
    }

    /// A saved token pair to resume with instead of logging in.
    pub fn tokens(mut self, tokens: TokenPair) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// How long before expiry a token is renewed (default 30 s). Callers
    /// always get a token valid for at least this long, or for half its
    /// lifetime if that is shorter. Within twice the margin, a renewal starts
    /// in the background while callers keep the current token.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The `reqwest::Client` to send requests with (timeouts, proxies). The
    /// default has a 10 s connect and 30 s request timeout.
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
        if credentials.is_none() && self.tokens.is_none() {
            return Err(Error::Configuration(
                "a session needs credentials, saved tokens, or both".into(),
            ));
        }
        let http = match self.http_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(REQUEST_TIMEOUT)
                .build()
                .map_err(|e| Error::Configuration(format!("cannot build an HTTP client: {e}")))?,
        };
        let base_url = self.base_url.trim_end_matches('/').to_string();
        let state = Arc::new(SessionState {
            token_client: Client::new_with_client(&base_url, http.clone(), Auth::none()),
            credentials,
            margin: self.refresh_margin,
            tokens: ArcSwapOption::empty(),
            renewal: Arc::new(AsyncMutex::new(())),
            attempts: AtomicU64::new(0),
            last_failure: Mutex::new(None),
            refreshing_ahead: AtomicBool::new(false),
        });
        if let Some(pair) = self.tokens {
            state.store(pair, Received::Resumed);
        }
        Ok(Session {
            client: Client::new_with_client(&base_url, http, Auth::session(state.clone())),
            state,
        })
    }
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
            http_client: None,
            allow_insecure_http: false,
        }
    }

    /// An access token valid for at least the refresh margin, logging in or
    /// refreshing first if needed.
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        self.state.access_token().await
    }

    /// Renews the token pair now, whatever its expiry: refreshes, or logs
    /// in again if the refresh token is spent. Joins a renewal already in
    /// flight rather than starting a second one.
    pub async fn refresh(&self) -> Result<AccessToken, Error> {
        if let Some(current) = self.state.tokens.load().as_deref() {
            self.state.reject_access_token(&current.access_token);
        }
        self.state.access_token().await
    }

    /// The generated client, authenticated by this session: every call but
    /// the two token operations carries the access token, and is retried once
    /// with a new token if IX-API answers 401.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The current token pair, for saving and resuming later with
    /// [`SessionBuilder::tokens`]; `None` before the first login.
    pub fn tokens(&self) -> Option<TokenPair> {
        self.state.tokens.load().as_ref().map(|t| TokenPair {
            access_token: t.access_token.clone(),
            refresh_token: t.refresh_token.clone(),
        })
    }
}

struct Credentials {
    api_key: ApiKey,
    api_secret: ApiSecret,
}

/// When a token must be renewed, in the local monotonic clock.
#[derive(Debug, Clone, Copy)]
struct Deadlines {
    /// From here on, renew in the background and keep serving this token.
    ahead: Option<Instant>,
    /// From here on, renew before serving.
    renew: Option<Instant>,
    /// Past this, the token is dead.
    expiry: Option<Instant>,
    expires_at: Option<SystemTime>,
}

impl Deadlines {
    fn new(token: &str, received: Received, margin: Duration) -> Self {
        let now = Instant::now();
        let Some(remaining) = jwt::expiry(token).remaining(received == Received::Fresh) else {
            // Opaque: used until IX-API says otherwise.
            return Self {
                ahead: None,
                renew: None,
                expiry: None,
                expires_at: None,
            };
        };
        // A token shorter-lived than twice the margin would otherwise be
        // renewed on every call.
        let margin = margin.min(remaining / 2);
        Self {
            ahead: now.checked_add(remaining.saturating_sub(margin * 2)),
            renew: now.checked_add(remaining - margin),
            expiry: now.checked_add(remaining),
            expires_at: SystemTime::now().checked_add(remaining),
        }
    }

    fn dead() -> Self {
        let now = Instant::now();
        Self {
            ahead: Some(now),
            renew: Some(now),
            expiry: Some(now),
            expires_at: Some(SystemTime::now()),
        }
    }

    fn reached(at: Option<Instant>, now: Instant) -> bool {
        at.is_some_and(|at| now >= at)
    }
}

#[derive(Debug, Clone, Copy)]
enum TokenCall {
    Login,
    Refresh,
}

impl TokenCall {
    fn success(self) -> &'static str {
        match self {
            Self::Login => "logged in to IX-API",
            Self::Refresh => "refreshed the IX-API tokens",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Received {
    /// Just issued: the lifetime counts from now.
    Fresh,
    /// Saved earlier: only `exp` and the local clock tell.
    Resumed,
}

struct Tokens {
    access_token: AccessToken,
    refresh_token: RefreshToken,
    access: Deadlines,
    refresh: Deadlines,
}

/// The token state a session and its client share.
pub(crate) struct SessionState {
    token_client: Client,
    credentials: Option<Credentials>,
    margin: Duration,
    /// Read lock-free on every call; replaced whole by a renewal.
    tokens: ArcSwapOption<Tokens>,
    /// Held while a login or refresh is in flight: single flight.
    renewal: Arc<AsyncMutex<()>>,
    /// Completed renewal attempts, so that waiters can tell that the attempt
    /// they waited for is over and share its outcome.
    attempts: AtomicU64,
    last_failure: Mutex<Option<Error>>,
    refreshing_ahead: AtomicBool,
}

impl fmt::Debug for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tokens = self.tokens.load();
        f.debug_struct("SessionState")
            .field("api_key", &self.credentials.as_ref().map(|c| &c.api_key))
            .field("logged_in", &tokens.is_some())
            .field(
                "access_expires_at",
                &tokens.as_ref().and_then(|t| t.access.expires_at),
            )
            .field("refresh_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl SessionState {
    pub(crate) async fn access_token(self: &Arc<Self>) -> Result<AccessToken, Error> {
        if let Some(tokens) = self.tokens.load().as_deref() {
            let now = Instant::now();
            if !Deadlines::reached(tokens.access.renew, now) {
                if Deadlines::reached(tokens.access.ahead, now) {
                    self.refresh_ahead();
                }
                return Ok(tokens.access_token.clone());
            }
        }
        self.renew().await
    }

    /// [`Self::access_token`] behind a box with a declared `Send`: the
    /// client hooks call it, and the renewal calls the client, so without the
    /// box the compiler cannot see through the cycle.
    pub(crate) fn access_token_for_hook(
        self: &Arc<Self>,
    ) -> Pin<Box<dyn Future<Output = Result<AccessToken, Error>> + Send + '_>> {
        Box::pin(self.access_token())
    }

    fn fresh_access_token(&self) -> Option<AccessToken> {
        let tokens = self.tokens.load();
        let tokens = tokens.as_deref()?;
        (!Deadlines::reached(tokens.access.renew, Instant::now()))
            .then(|| tokens.access_token.clone())
    }

    /// Waits for the renewal in flight, or runs one.
    async fn renew(self: &Arc<Self>) -> Result<AccessToken, Error> {
        loop {
            let seen = self.attempts.load(Ordering::Acquire);
            let guard = self.renewal.clone().lock_owned().await;
            if let Some(token) = self.fresh_access_token() {
                return Ok(token);
            }
            if self.attempts.load(Ordering::Acquire) != seen {
                // The attempt we waited for is over and left no usable
                // token: share its failure rather than start another.
                let failure = self
                    .last_failure
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                match failure {
                    Some(error) => return Err(error),
                    None => continue,
                }
            }
            return self.run_renewal(guard).await;
        }
    }

    /// Runs one renewal in its own task, so that a caller giving up does not
    /// cancel a request whose answer would rotate the tokens.
    async fn run_renewal(
        self: &Arc<Self>,
        guard: OwnedMutexGuard<()>,
    ) -> Result<AccessToken, Error> {
        let state = self.clone();
        let attempt = async move {
            let result = state.renew_now().await;
            state.finish(&result);
            drop(guard);
            result
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => runtime.spawn(attempt).await.unwrap_or_else(|_| {
                Err(Error::Configuration(
                    "the token renewal task was cancelled".into(),
                ))
            }),
            Err(_) => attempt.await,
        }
    }

    fn finish(&self, result: &Result<AccessToken, Error>) {
        *self
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = result.as_ref().err().cloned();
        self.attempts.fetch_add(1, Ordering::AcqRel);
    }

    /// Starts one background renewal while the current token is still good.
    fn refresh_ahead(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.refreshing_ahead.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(guard) = self.renewal.clone().try_lock_owned() else {
            self.refreshing_ahead.store(false, Ordering::Release);
            return;
        };
        let state = self.clone();
        runtime.spawn(async move {
            let result = state.renew_now().await;
            if let Err(error) = &result {
                tracing::warn!(%error, "background token refresh failed; the current token is still valid");
            }
            state.finish(&result);
            drop(guard);
            state.refreshing_ahead.store(false, Ordering::Release);
        });
    }

    /// Refresh if the refresh token may still work, else log in.
    async fn renew_now(&self) -> Result<AccessToken, Error> {
        let current = self.tokens.load_full();
        let usable = current
            .as_deref()
            .filter(|tokens| !Deadlines::reached(tokens.refresh.expiry, Instant::now()));
        if let Some(tokens) = usable {
            match self.refresh(&tokens.refresh_token).await {
                Err(Error::Rejected { problem, .. }) => {
                    tracing::info!(kind = %problem.kind(), "IX-API rejected the refresh token; logging in again");
                    if self.credentials.is_none() {
                        self.tokens.store(None);
                    }
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
        let body = types::AuthTokenRequest {
            api_key: credentials.api_key.clone(),
            api_secret: credentials.api_secret.clone(),
        };
        let call = self.token_client.auth_token_create().body(body).send();
        self.obtain(TokenCall::Login, call).await
    }

    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<AccessToken, Error> {
        let body = types::RefreshTokenRequest {
            refresh_token: refresh_token.clone(),
        };
        let call = self.token_client.auth_token_refresh().body(body).send();
        self.obtain(TokenCall::Refresh, call).await
    }

    /// Awaits a token operation, stores the new pair, and traces how it went.
    async fn obtain(
        &self,
        kind: TokenCall,
        call: impl Future<Output = Result<crate::ResponseValue<TokenPair>, crate::OperationError>>,
    ) -> Result<AccessToken, Error> {
        let started = Instant::now();
        let result = call.await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let (operation, what) = match kind {
            TokenCall::Login => ("auth_token_create", "the credentials"),
            TokenCall::Refresh => ("auth_token_refresh", "the refresh token"),
        };
        match result {
            Ok(pair) => {
                tracing::info!(operation, elapsed_ms, "{}", kind.success());
                Ok(self.store(pair.into_inner(), Received::Fresh))
            }
            Err(e) => {
                let error = Error::from_operation(operation, what, e);
                tracing::warn!(operation, elapsed_ms, %error, "IX-API token operation failed");
                Err(error)
            }
        }
    }

    fn store(&self, pair: TokenPair, received: Received) -> AccessToken {
        let pair = match received {
            Received::Fresh => pair,
            // Deserializing anchored their expiry at load time; only `exp`
            // can tell how much is left of a saved token.
            Received::Resumed => TokenPair {
                access_token: AccessToken::from(pair.access_token.expose()),
                refresh_token: RefreshToken::from(pair.refresh_token.expose()),
            },
        };
        let tokens = Tokens {
            access: Deadlines::new(pair.access_token.expose(), received, self.margin),
            refresh: Deadlines::new(pair.refresh_token.expose(), received, self.margin),
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
        };
        let access_token = tokens.access_token.clone();
        self.tokens.store(Some(Arc::new(tokens)));
        access_token
    }

    /// IX-API rejected `used`: stop serving it, keep the refresh token.
    pub(crate) fn reject_access_token(&self, used: &AccessToken) {
        self.tokens.rcu(|current| match current.as_deref() {
            Some(tokens) if tokens.access_token == *used => Some(Arc::new(Tokens {
                access_token: tokens.access_token.clone(),
                refresh_token: tokens.refresh_token.clone(),
                access: Deadlines::dead(),
                refresh: tokens.refresh,
            })),
            _ => current.clone(),
        });
    }
}
