//! A session for a target, and a valid token pair from it: the cached pair
//! while its access token is fresh by the session's own rule; else, under
//! the profile's lock, the pair another process just renewed, a refreshed
//! one, or a new login.

use std::sync::Arc;
use std::time::Duration;

use ix_api_client::{Error, Session, SessionBuilder, TokenPair};

use crate::Failure;
use crate::cache::{Cache, Found};
use crate::profile::Target;
use crate::shared::Shared;

/// The session's refresh margin: an access token with less than this left
/// (or a quarter of its life, when that is smaller) is renewed first, so
/// that what `ix-api token` prints still works for a script's next calls.
pub const MARGIN: Duration = ix_api_client::session::DEFAULT_REFRESH_MARGIN;

/// Whether `pair`'s access token is fresh by the session's rule.
pub fn fresh(pair: &TokenPair) -> bool {
    !pair.access_token.needs_renewal(MARGIN)
}

/// A pair whose access token is fresh.
pub async fn valid_pair(
    target: &Target,
    cache: &Arc<Cache>,
    log: &Log,
) -> Result<TokenPair, Failure> {
    if let Found::Pair(pair) = cache.read(target)
        && fresh(&pair)
    {
        log.say("using the cached access token");
        return Ok(pair);
    }
    let session = session(target, cache, log, false)?;
    match session.access_token().await {
        Ok(_) => {}
        // Nothing to refresh with and no secret at hand: ask for it.
        Err(Error::ReauthenticationRequired) => {
            let session = session_with_secret(target, cache, log)?;
            session.access_token().await?;
            return session
                .tokens()
                .ok_or_else(|| Failure::auth("the login gave no tokens"));
        }
        Err(error) => return Err(error.into()),
    }
    session
        .tokens()
        .ok_or_else(|| Failure::auth("the exchange issued no refresh token"))
}

/// A session for `target` that resumes from the cached pair and renews
/// under the profile's lock; it logs in again with the secret if that is
/// at hand without asking (or, with `prompt`, asks for it).
pub fn session(
    target: &Target,
    cache: &Arc<Cache>,
    log: &Log,
    prompt: bool,
) -> Result<Session, Failure> {
    let mut builder = Session::builder(&target.url);
    match cache.read(target) {
        Found::Pair(pair) => builder = builder.tokens(pair),
        Found::Nothing => {}
        Found::Unreadable(why) => eprintln!(
            "ix-api: ignoring the token cache {}: {why}; logging in again",
            cache.file().display()
        ),
    }
    let secret = if prompt {
        Some(target.secret_or_prompt()?)
    } else {
        target.secret()?
    };
    let has_tokens = matches!(cache.read(target), Found::Pair(_));
    match secret {
        Some(secret) => builder = builder.credentials(target.api_key.clone(), secret),
        None if !has_tokens => {
            return Err(Failure::auth(
                "an API secret is needed to log in: set IX_API_SECRET or give --secret-file",
            ));
        }
        None => {}
    }
    log.say("renewals, if any, under the token lock");
    Ok(shared(builder, target, cache).build()?)
}

fn session_with_secret(target: &Target, cache: &Arc<Cache>, log: &Log) -> Result<Session, Failure> {
    session(target, cache, log, true)
}

/// Every renewal of the session under the profile's lock.
fn shared(builder: SessionBuilder, target: &Target, cache: &Arc<Cache>) -> SessionBuilder {
    let (cache, target) = (cache.clone(), target.clone());
    builder.wrap_token_source(move |inner| {
        Arc::new(Shared {
            inner,
            cache,
            target,
        })
    })
}

/// Logs in with the target's secret (asked for if need be), whatever the
/// cache holds.
pub async fn login(target: &Target, log: &Log) -> Result<TokenPair, Failure> {
    let secret = target.secret_or_prompt()?;
    log.say("logging in");
    let session = Session::builder(&target.url)
        .credentials(target.api_key.clone(), secret)
        .build()?;
    session.access_token().await?;
    session
        .tokens()
        .ok_or_else(|| Failure::auth("the login gave no tokens"))
}

/// `--verbose`: what `ix-api` does, on stderr, never a secret or a token.
pub struct Log {
    pub verbose: bool,
}

impl Log {
    pub fn say(&self, what: &str) {
        if self.verbose {
            eprintln!("ix-api: {what}");
        }
    }
}
