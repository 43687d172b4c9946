//! Where a session's tokens come from, apart from when it asks for them.
//!
//! A [`TokenSource`] obtains tokens: IX-API's `/auth/token` and
//! `/auth/refresh`, an OAuth2 grant, or a source of your own (one that
//! shares a token pair between processes, say). The session's token cache
//! decides when to ask: lazily, once for all callers, ahead of expiry, with
//! backoff and a timeout. A source knows nothing of that.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::auth::TokenPair;
use crate::auth::credentials::{AccessToken, RefreshToken};
use crate::call::error::Error;

/// The future a [`TokenSource`] answers with.
pub type Obtaining<'a> = Pin<Box<dyn Future<Output = Result<Grant, Error>> + Send + 'a>>;

/// A way to obtain tokens for a session; see the [module](self) docs.
///
/// The session calls [`obtain`](Self::obtain) at most once at a time, within
/// its token timeout, and backs off after an error. Errors should be the
/// session's own ([`Error::Rejected`] for a refused credential, ...): the
/// session tells transient ones from final ones by them.
pub trait TokenSource: fmt::Debug + Send + Sync + 'static {
    /// Obtains a new access token. `held` is what the session holds now.
    fn obtain<'a>(&'a self, held: &'a Held) -> Obtaining<'a>;

    /// The operation [`obtain`](Self::obtain) would run for `held`, for
    /// errors (a timeout, say): `auth_token_refresh`, `auth_token_create`.
    fn operation(&self, held: &Held) -> &'static str;
}

/// What a session holds when it asks its [`TokenSource`] for tokens.
#[derive(Debug)]
pub struct Held {
    access_token: Option<AccessToken>,
    refresh_token: Option<RefreshToken>,
    refresh_token_rejected: AtomicBool,
}

impl Held {
    /// What a session holds: for a source that wraps another and hands it a
    /// pair found elsewhere (one another process saved, say).
    pub fn new(access_token: Option<AccessToken>, refresh_token: Option<RefreshToken>) -> Self {
        Self {
            access_token,
            refresh_token,
            refresh_token_rejected: AtomicBool::new(false),
        }
    }

    /// The access token the session holds, valid or not.
    pub fn access_token(&self) -> Option<&AccessToken> {
        self.access_token.as_ref()
    }

    /// The refresh token, while it may still work: not expired, not
    /// rejected.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The exchange rejected the refresh token: the session forgets it,
    /// whatever [`TokenSource::obtain`] answers.
    pub fn reject_refresh_token(&self) {
        self.refresh_token_rejected.store(true, Ordering::Relaxed);
    }

    /// Whether [`reject_refresh_token`](Self::reject_refresh_token) was
    /// called.
    pub fn refresh_token_was_rejected(&self) -> bool {
        self.refresh_token_rejected.load(Ordering::Relaxed)
    }
}

/// Tokens a [`TokenSource`] obtained.
#[derive(Debug, Clone)]
pub struct Grant {
    pub(crate) access_token: AccessToken,
    pub(crate) refresh_token: Option<RefreshToken>,
    pub(crate) expires_in: Option<Duration>,
    pub(crate) saved: bool,
}

impl Grant {
    /// Tokens the exchange just issued: their lifetime counts from when the
    /// request was sent (a JWT's `exp - iat`), so a wrong local clock does
    /// not shift it.
    pub fn issued(access_token: AccessToken, refresh_token: Option<RefreshToken>) -> Self {
        Self {
            access_token,
            refresh_token,
            expires_in: None,
            saved: false,
        }
    }

    /// The access token lives `expires_in` from when the request was sent
    /// (OAuth2's `expires_in`), or less if its own `exp` says so.
    pub fn expires_in(mut self, expires_in: Duration) -> Self {
        self.expires_in = Some(expires_in);
        self
    }

    /// A pair saved earlier (a file another process wrote): only the
    /// tokens' `exp` tells how long they have left.
    pub fn saved(pair: TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            refresh_token: Some(pair.refresh_token),
            expires_in: None,
            saved: true,
        }
    }

    /// An access token saved earlier, without a refresh token (what an
    /// OAuth2 session holds): only its `exp` tells how long it has left.
    pub fn saved_access_token(access_token: AccessToken) -> Self {
        Self {
            access_token,
            refresh_token: None,
            expires_in: None,
            saved: true,
        }
    }

    /// The access token obtained.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The refresh token obtained, if the source issues them.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The pair, if the source issued a refresh token.
    pub fn pair(&self) -> Option<TokenPair> {
        Some(TokenPair {
            access_token: self.access_token.clone(),
            refresh_token: self.refresh_token.clone()?,
        })
    }
}
