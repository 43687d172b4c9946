//! A [`Session`] keeps an IX-API access token valid on its own: it logs in
//! lazily, refreshes before the token expires, runs one renewal at a time
//! however many tasks ask, backs off after failures, and retries a call once
//! after a 401.
//!
//! Its parts do not know each other: a [`TokenSource`] obtains tokens
//! (IX-API's login and refresh in `login`, or one of yours), the token cache
//! (`token_cache`) decides when, `renewal` computes deadlines and backoff,
//! and the client hooks of the [call layer](crate::call) put the token on the wire.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::Client;
use crate::auth::check_url;
use crate::auth::credentials::{AccessToken, ApiKey, ApiSecret, RefreshToken};
use crate::auth::login::{Credentials, IxApiLogin};
use crate::auth::oauth2::{ClientCredentials, OAuth2};
use crate::auth::token_cache::TokenCache;
use crate::auth::token_source::{Grant, TokenSource};
use crate::call::error::Error;
use crate::call::hooks::{Auth, Known};
use crate::generated::spec::operations;

// Their old path.
pub use crate::auth::{RenewalStatus, TokenPair};

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
    tokens: Option<Saved>,
    refresh_margin: Duration,
    token_timeout: Duration,
    http_client: Option<reqwest::Client>,
    ca_certificates: Vec<Vec<u8>>,
    allow_insecure_http: bool,
    source: Option<Arc<dyn TokenSource>>,
    oauth2: Option<OAuth2>,
    wrap: Option<Wrap>,
    user_agent: Option<String>,
}

/// What a builder resumes with.
#[derive(Debug)]
enum Saved {
    Pair(TokenPair),
    AccessToken(AccessToken),
}

/// Wraps the token source a builder configured.
type Wrap = Box<dyn FnOnce(Arc<dyn TokenSource>) -> Arc<dyn TokenSource> + Send>;

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials.as_ref().map(|_| "***"))
            .field("tokens", &self.tokens)
            .field("refresh_margin", &self.refresh_margin)
            .field("token_timeout", &self.token_timeout)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("source", &self.source)
            .field("oauth2", &self.oauth2)
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
        self.tokens = Some(Saved::Pair(tokens));
        self
    }

    /// A saved access token to resume with, without a refresh token (what
    /// an [`oauth2`](Self::oauth2) session holds): used while its `exp`
    /// says it lives, then the session obtains a new one.
    pub fn access_token(mut self, access_token: AccessToken) -> Self {
        self.tokens = Some(Saved::AccessToken(access_token));
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

    /// Trust the certificates of `pem` (one or more PEM blocks: a private
    /// CA's) in addition to the system's roots, for every request the
    /// session sends (login, refresh, OAuth2 grants, calls). Read when the
    /// session is built: a `pem` with no certificate fails
    /// [`build`](Self::build). Not used with [`http_client`](Self::http_client),
    /// whose client is taken as it is.
    pub fn ca_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_certificates.push(pem.into());
        self
    }

    /// Allow `http://` to hosts other than loopback, sending credentials and
    /// tokens in clear text. Off by default.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Add `product` (`my-automation/1.2`) after `ix-api-rs/<version>` in the
    /// `User-Agent` of every request, so that the exchange can tell who
    /// calls it.
    pub fn user_agent(mut self, product: impl Into<String>) -> Self {
        self.user_agent = Some(product.into());
        self
    }

    /// Obtain access tokens by OAuth2 client credentials at the exchange's
    /// identity provider instead of IX-API's `/auth/token`
    /// ([`credentials`](Self::credentials) and [`tokens`](Self::tokens) are
    /// then not used). Everything else holds as for `/auth/token`: lazy,
    /// one grant for all callers, renewed ahead of `expires_in` (a new
    /// grant: there is no refresh token), backoff, the token timeout; the
    /// token URL gets the rules of the base URL (`http://` only to loopback
    /// or with [`allow_insecure_http`](Self::allow_insecure_http), no
    /// redirects), and the access token goes only to the base URL.
    pub fn oauth2(mut self, oauth2: OAuth2) -> Self {
        self.oauth2 = Some(oauth2);
        self
    }

    /// Obtain tokens from `source` instead of IX-API's login and refresh
    /// ([`credentials`](Self::credentials) are then not used). The session
    /// still decides when: lazily, once for all callers, ahead of expiry,
    /// with backoff and the token timeout.
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.source = Some(source);
        self
    }

    /// Wraps the token source this builder configures (IX-API's login and
    /// refresh, or [`token_source`](Self::token_source)) in one of yours:
    /// to take a lock shared with other processes around each renewal and
    /// save what it obtains, say.
    pub fn wrap_token_source(
        mut self,
        wrap: impl FnOnce(Arc<dyn TokenSource>) -> Arc<dyn TokenSource> + Send + 'static,
    ) -> Self {
        self.wrap = Some(Box::new(wrap));
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
        let oauth2_pair = matches!(self.tokens, Some(Saved::Pair(_))) && self.oauth2.is_some();
        if self.oauth2.is_some() && (credentials.is_some() || oauth2_pair) {
            return Err(Error::Configuration(
                "a session obtains tokens with api_key/api_secret or by OAuth2 client credentials, not both".into(),
            ));
        }
        let saved = match self.tokens {
            Some(Saved::Pair(pair)) => Some(Grant::saved(saved_pair(pair)?)),
            Some(Saved::AccessToken(token)) => Some(Grant::saved_access_token(saved_token(token)?)),
            None => None,
        };
        if credentials.is_none()
            && saved.is_none()
            && self.source.is_none()
            && self.oauth2.is_none()
        {
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
                .tls_backend_preconfigured(
                    crate::tls::client_config(ca_certificates(&self.ca_certificates)?)
                        .map_err(|e| Error::Configuration(format!("cannot configure TLS: {e}")))?,
                )
                .build()
                .map_err(|e| Error::Configuration(format!("cannot build an HTTP client: {e}")))?,
        };
        let base_url = self.base_url.trim_end_matches('/').to_string();
        let user_agent = crate::call::hooks::user_agent(self.user_agent.as_deref());
        let source: Arc<dyn TokenSource> = match (self.source, self.oauth2) {
            (Some(source), _) => source,
            (None, Some(oauth2)) => Arc::new(ClientCredentials::new(
                oauth2,
                http.clone(),
                self.allow_insecure_http,
                user_agent.clone(),
            )?),
            (None, None) => Arc::new(IxApiLogin {
                client: Client::new_with_client(
                    &base_url,
                    http.clone(),
                    Auth::none().with_user_agent(user_agent.clone()),
                ),
                credentials,
            }),
        };
        let source = match self.wrap {
            Some(wrap) => wrap(source),
            None => source,
        };
        let cache = TokenCache::new(source, self.refresh_margin, self.token_timeout, saved);
        Ok(Session {
            client: Client::new_with_client(
                &base_url,
                http,
                Auth::source(cache.clone()).with_user_agent(user_agent),
            ),
            cache,
        })
    }
}

/// A saved access token, as [`saved_pair`] checks it.
/// The certificates of each PEM text given to
/// [`SessionBuilder::ca_certificates_pem`].
fn ca_certificates(
    pems: &[Vec<u8>],
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, Error> {
    let mut certificates = Vec::new();
    for pem in pems {
        let read = crate::tls::pem_certificates(pem)
            .map_err(|e| Error::Configuration(format!("cannot read a CA certificate: {e}")))?;
        if read.is_empty() {
            return Err(Error::Configuration(
                "no PEM certificate (-----BEGIN CERTIFICATE-----) among the CA certificates".into(),
            ));
        }
        certificates.extend(read);
    }
    Ok(certificates)
}

fn saved_token(token: AccessToken) -> Result<AccessToken, Error> {
    let value = token.expose().trim();
    if value.is_empty() || HeaderValue::from_str(value).is_err() {
        return Err(Error::Configuration(format!(
            "the saved {} is empty or holds characters an HTTP header cannot carry",
            AccessToken::FIELD
        )));
    }
    Ok(value.into())
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

/// An authenticated IX-API session. Cheap to clone; clones share one token
/// state.
#[derive(Clone)]
pub struct Session {
    client: Client,
    cache: Arc<TokenCache>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("base_url", &self.client.baseurl)
            .field("tokens", &self.cache)
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
            ca_certificates: Vec::new(),
            allow_insecure_http: false,
            source: None,
            oauth2: None,
            wrap: None,
            user_agent: None,
        }
    }

    /// An access token valid for at least the refresh margin, logging in or
    /// refreshing first if needed. After a failed renewal, and until its
    /// backoff is over, this answers at once: the current token if it is
    /// still valid, else the error of that renewal.
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        self.cache.access_token().await
    }

    /// Renews the token pair now, whatever its expiry and any backoff:
    /// refreshes, or logs in again if the refresh token is spent or
    /// rejected. Joins a renewal already in flight rather than starting a
    /// second one. On failure the current token stays in use.
    pub async fn refresh(&self) -> Result<AccessToken, Error> {
        self.cache.refresh().await
    }

    /// The generated client, authenticated by this session: every call but
    /// the token operations carries the access token, and is retried once
    /// with a new token if IX-API answers 401. When the session cannot
    /// provide a token, the call fails with an `OperationError::Custom`
    /// whose typed cause [`Error::from_session`] recovers.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// An authenticated request to any path of the exchange, for what the
    /// spec lacks (extensions); see [`raw`](crate::raw).
    pub fn request(
        &self,
        method: crate::call::raw::Method,
        path: impl Into<String>,
    ) -> crate::call::raw::RawRequest<'_> {
        self.client.request(method, path)
    }

    /// Whether the server implements `operation_id` (for example
    /// `network_service_configs_create`), by its `GET /implementation`,
    /// which is read once and kept (and shared with the client's hooks,
    /// which read it to tell a missing object from a missing operation).
    /// An exchange may implement only part of IX-API, or an older version
    /// of it.
    pub async fn supports(&self, operation_id: &str) -> Result<bool, Error> {
        let cell = &self.client.inner.implementation;
        let read = || async {
            let operation = operations::API_IMPLEMENTATION_READ.id;
            self.client
                .api_implementation_read()
                .send()
                .await
                .map(|answer| Known::Listed(answer.into_inner().supported_operations.into()))
                .map_err(|e| Error::from_operation(operation, e))
        };
        let known = match cell.get() {
            // The hooks could not read it: ask again, and say why not.
            Some(Known::Unread { .. }) => read().await?,
            _ => cell.get_or_try_init(read).await?.clone(),
        };
        Ok(match known {
            Known::Listed(supported) => supported.iter().any(|id| id == operation_id),
            Known::Unread { .. } => false,
        })
    }

    /// The current token pair, for saving and resuming later with
    /// [`SessionBuilder::tokens`]; `None` before the first login, after
    /// IX-API rejected the refresh token until the next login, and for
    /// token sources that issue no refresh token (OAuth2).
    pub fn tokens(&self) -> Option<TokenPair> {
        self.cache.pair()
    }

    /// Where token renewal stands. While IX-API fails renewals the session
    /// keeps serving the current token; this lets a long-running automation
    /// notice (and alert) before that token runs out.
    pub fn renewal(&self) -> RenewalStatus {
        self.cache.status()
    }
}
