//! Renewals shared with other `ix-api` processes: every renewal a command's
//! session makes (ahead of expiry, after a 401) runs under the profile's
//! lock, adopts the pair another process renewed meanwhile, and writes back
//! what it obtains, so that concurrent processes agree on one pair.

use std::fmt;
use std::sync::Arc;

use ix_api_client::token_source::Obtaining;
use ix_api_client::{Error, Grant, Held, TokenSource};

use crate::cache::{Cache, Found, Saved};
use crate::profile::Target;
use crate::tokens::MARGIN;

/// Wraps a session's token source; see the module docs.
pub struct Shared {
    pub inner: Arc<dyn TokenSource>,
    pub cache: Arc<Cache>,
    pub target: Target,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("inner", &self.inner)
            .field("cache", &self.cache.file())
            .finish()
    }
}

impl TokenSource for Shared {
    fn obtain<'a>(&'a self, held: &'a Held) -> Obtaining<'a> {
        Box::pin(self.renew(held))
    }

    fn operation(&self, held: &Held) -> &'static str {
        self.inner.operation(held)
    }
}

impl Shared {
    async fn renew(&self, held: &Held) -> Result<Grant, Error> {
        // The lock may be held by a process that is renewing right now: wait
        // for it off the runtime, so that the session's timeout still runs.
        // A cache that cannot be used (a read-only directory) costs the
        // keeping of the tokens, not the command: said once, on stderr.
        let cache = self.cache.clone();
        let lock = match tokio::task::spawn_blocking(move || cache.lock())
            .await
            .map_err(|e| local(e.to_string()))?
        {
            Ok(lock) => Some(lock),
            Err(failure) => {
                eprintln!(
                    "ix-api: warning: {TOKEN_CACHE}{}; going on without it (the new tokens are not kept)",
                    failure.message
                );
                None
            }
        };
        let saved = match self.cache.read(&self.target) {
            Found::Tokens(saved) if Some(&saved.access_token) != held.access_token() => Some(saved),
            _ => None,
        };
        let grant = match saved {
            // Another process renewed since this one read the cache.
            Some(saved) if !saved.access_token.needs_renewal(MARGIN) => match saved.pair() {
                Some(pair) => Grant::saved(pair),
                None => Grant::saved_access_token(saved.access_token),
            },
            // Its refresh token (if any) is the one still good.
            Some(saved) => {
                let theirs = Held::new(Some(saved.access_token), saved.refresh_token);
                self.inner.obtain(&theirs).await?
            }
            None => self.inner.obtain(held).await?,
        };
        let obtained = Saved {
            access_token: grant.access_token().clone(),
            refresh_token: grant.refresh_token().cloned(),
        };
        if lock.is_some()
            && let Err(failure) = self.cache.write(&self.target, &obtained)
        {
            eprintln!(
                "ix-api: warning: {TOKEN_CACHE}{}; going on without it (the new tokens are not kept)",
                failure.message
            );
        }
        drop(lock);
        Ok(grant)
    }
}

/// How the messages of the token cache's failures start, for their exit
/// code.
pub const TOKEN_CACHE: &str = "the token cache: ";

fn local(message: String) -> Error {
    Error::Configuration(format!("{TOKEN_CACHE}{message}"))
}
