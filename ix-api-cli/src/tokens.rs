//! A session for a target, and valid tokens from it: the cached ones while
//! the access token is fresh by the session's own rule; else, under the
//! profile's lock, the tokens another process just renewed, a refresh, a
//! new login or a new OAuth2 grant.

use std::sync::Arc;
use std::time::Duration;

use ix_api_client::{ClientAuthentication, Error, OAuth2, Session, SessionBuilder};

use crate::Failure;
use crate::cache::{Cache, Found, Saved};
use crate::profile::{Login, Target};
use crate::shared::Shared;

/// The session's refresh margin: an access token with less than this left
/// (or a quarter of its life, when that is smaller) is renewed first, so
/// that what `ix-api token` prints still works for a script's next calls.
pub const MARGIN: Duration = ix_api_client::session::DEFAULT_REFRESH_MARGIN;

/// Whether the access token is fresh by the session's rule.
pub fn fresh(saved: &Saved) -> bool {
    !saved.access_token.needs_renewal(MARGIN)
}

/// Tokens whose access token is fresh.
pub async fn valid(target: &Target, cache: &Arc<Cache>, log: &Log) -> Result<Saved, Failure> {
    if let Found::Tokens(saved) = cache.read(target)
        && fresh(&saved)
    {
        log.say("using the cached access token");
        return Ok(saved);
    }
    let quiet = session(target, cache, log, false)?;
    match quiet.access_token().await {
        Ok(access_token) => Ok(held(&quiet, access_token)),
        // Nothing to refresh with and no secret at hand, nor a terminal to
        // ask on: the advice `status` gives.
        Err(Error::ReauthenticationRequired)
            if !std::io::IsTerminal::is_terminal(&std::io::stdin()) =>
        {
            Err(Error::ReauthenticationRequired.into())
        }
        // Nothing to refresh with and no secret at hand: ask for it.
        Err(Error::ReauthenticationRequired) => {
            let asking = session(target, cache, log, true)?;
            let access_token = asking.access_token().await?;
            Ok(held(&asking, access_token))
        }
        Err(error) => Err(error.into()),
    }
}

/// What `session` holds now: the pair, or (OAuth2) the access token alone.
fn held(session: &Session, access_token: ix_api_client::AccessToken) -> Saved {
    session.tokens().map_or(
        Saved {
            access_token,
            refresh_token: None,
        },
        Saved::from,
    )
}

/// A session for `target` that resumes from the cached tokens and renews
/// under the profile's lock; it logs in again with the secret if that is
/// at hand without asking (or, with `prompt`, asks for it).
pub fn session(
    target: &Target,
    cache: &Arc<Cache>,
    log: &Log,
    prompt: bool,
) -> Result<Session, Failure> {
    let cached = match cache.read(target) {
        Found::Tokens(saved) => Some(saved),
        Found::Nothing => None,
        Found::Unreadable(why) => {
            eprintln!(
                "ix-api: ignoring the token cache {}: {why}; logging in again",
                cache.file().display()
            );
            None
        }
    };
    let secret = if prompt {
        Some(target.secret_or_prompt()?)
    } else {
        target.secret()?
    };
    if secret.is_none() && cached.is_none() {
        return Err(Failure::auth(
            "an API secret is needed to log in: set IX_API_SECRET or give --secret-file",
        ));
    }
    let mut builder = builder(target)?;
    builder = match (&target.login, secret) {
        (Login::Legacy, secret) => {
            if let Some(pair) = cached.as_ref().and_then(Saved::pair) {
                builder = builder.tokens(pair);
            }
            match secret {
                Some(secret) => builder.credentials(target.api_key.clone(), secret),
                None => builder,
            }
        }
        (
            Login::OAuth2 {
                token_url,
                scopes,
                client_auth,
            },
            secret,
        ) => {
            if let Some(saved) = cached {
                builder = builder.access_token(saved.access_token);
            }
            match secret {
                Some(secret) => {
                    builder.oauth2(oauth2(target, token_url, scopes, *client_auth, secret))
                }
                // Without a secret there is no new grant to be had.
                None => builder.token_source(Arc::new(NoSecret)),
            }
        }
    };
    log.say("renewals, if any, under the token lock");
    Ok(shared(builder, target, cache).build()?)
}

/// Whether the exchange accepts `saved`'s access token: one light call
/// (`GET /implementation`) with it, and no renewal, whatever the answer.
/// The status of the answer, or why there was none.
pub async fn accepted(target: &Target, saved: &Saved) -> Result<u16, Error> {
    let session = builder(target)
        .map_err(|failure| Error::Configuration(failure.message))?
        .access_token(saved.access_token.clone())
        .token_source(Arc::new(NoSecret))
        .build()?;
    let answer = session
        .request(ix_api_client::raw::Method::GET, "/implementation")
        .send()
        .await?;
    Ok(answer.status.as_u16())
}

/// An OAuth2 session without its secret: it can use the cached token, and
/// asks for the secret when that runs out.
#[derive(Debug)]
struct NoSecret;

impl ix_api_client::TokenSource for NoSecret {
    fn obtain<'a>(
        &'a self,
        _: &'a ix_api_client::Held,
    ) -> ix_api_client::token_source::Obtaining<'a> {
        Box::pin(async { Err(Error::ReauthenticationRequired) })
    }

    fn operation(&self, _: &ix_api_client::Held) -> &'static str {
        ix_api_client::oauth2::OAUTH2_TOKEN
    }
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
pub async fn login(target: &Target, log: &Log) -> Result<Saved, Failure> {
    let secret = target.secret_or_prompt()?;
    let builder = builder(target)?;
    let session = match &target.login {
        Login::Legacy => {
            log.say("logging in");
            builder.credentials(target.api_key.clone(), secret)
        }
        Login::OAuth2 {
            token_url,
            scopes,
            client_auth,
        } => {
            log.say("asking for an OAuth2 grant");
            builder.oauth2(oauth2(target, token_url, scopes, *client_auth, secret))
        }
    }
    .build()?;
    let access_token = session.access_token().await?;
    Ok(held(&session, access_token))
}

/// A session builder for the target's exchange, trusting its private CA
/// (`--cacert`) if it has one.
fn builder(target: &Target) -> Result<SessionBuilder, Failure> {
    let builder = Session::builder(&target.url);
    Ok(match target.cacert_pem()? {
        Some(pem) => builder.ca_certificates_pem(pem),
        None => builder,
    })
}

/// The target's OAuth2 client credentials: its token URL, scopes and way
/// of client authentication.
fn oauth2(
    target: &Target,
    token_url: &str,
    scopes: &[String],
    client_auth: ClientAuthentication,
    secret: String,
) -> OAuth2 {
    OAuth2::client_credentials(token_url, &target.api_key, secret)
        .scopes(scopes.iter().cloned())
        .authentication(client_auth)
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
