//! A valid token pair for a target: the cached one while its access token
//! has at least [`MARGIN`] to live; else, under the profile's lock, the one
//! another process just renewed, a refreshed one, or a new login.

use std::time::{Duration, SystemTime};

use ix_api_client::{Error, Session, TokenPair};

use crate::Failure;
use crate::cache::{Cache, Found};
use crate::profile::Target;

/// An access token closer than this to its expiry is renewed first, so that
/// what `ix-api token` prints still works for a script's next calls.
pub const MARGIN: Duration = Duration::from_secs(30);

/// Whether `pair`'s access token lives at least [`MARGIN`] more.
pub fn fresh(pair: &TokenPair) -> bool {
    match pair.access_token.expires_at() {
        Some(at) => at > SystemTime::now() + MARGIN,
        None => true,
    }
}

fn refreshable(pair: &TokenPair) -> bool {
    match pair.refresh_token.expires_at() {
        Some(at) => at > SystemTime::now(),
        None => true,
    }
}

/// A pair whose access token is fresh.
pub async fn valid_pair(target: &Target, cache: &Cache, log: &Log) -> Result<TokenPair, Failure> {
    if let Found::Pair(pair) = cache.read(target)
        && fresh(&pair)
    {
        log.say("using the cached access token");
        return Ok(pair);
    }
    log.say("waiting for the token lock");
    let _lock = cache.lock()?;
    let cached = match cache.read(target) {
        Found::Pair(pair) if fresh(&pair) => {
            log.say("another process renewed the tokens");
            return Ok(pair);
        }
        Found::Pair(pair) => Some(pair),
        Found::Nothing => None,
        Found::Unreadable(why) => {
            eprintln!(
                "ix-api: ignoring the token cache {}: {why}; logging in again",
                cache.file().display()
            );
            None
        }
    };
    let pair = match cached.filter(refreshable) {
        Some(pair) => match refresh(target, pair, log).await {
            Ok(pair) => pair,
            Err(Error::ReauthenticationRequired) => login(target, log).await?,
            Err(Error::Rejected { problem, .. }) if problem.kind().is_authentication() => {
                login(target, log).await?
            }
            Err(other) => return Err(other.into()),
        },
        None => login(target, log).await?,
    };
    cache.write(target, &pair)?;
    Ok(pair)
}

async fn refresh(target: &Target, pair: TokenPair, log: &Log) -> Result<TokenPair, Error> {
    log.say("refreshing the tokens");
    let session = Session::builder(&target.url).tokens(pair).build()?;
    session.refresh().await?;
    session.tokens().ok_or(Error::ReauthenticationRequired)
}

/// Logs in with the target's secret (asked for if need be).
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
