//! IX-API's own way to obtain tokens: `POST /auth/refresh` while the
//! refresh token may work, else `POST /auth/token` with the API user's
//! `api_key` and `api_secret`.

use std::fmt;

use crate::auth::credentials::{ApiKey, ApiSecret, RefreshToken};
use crate::auth::token_source::{Grant, Held, Obtaining, TokenSource};
use crate::call::error::Error;
use crate::generated::spec::operations;
use crate::{Client, types};

/// An API user's credentials.
pub(crate) struct Credentials {
    pub api_key: ApiKey,
    pub api_secret: ApiSecret,
}

/// Logs in and refreshes at the exchange's token operations.
pub(crate) struct IxApiLogin {
    /// A client without authentication: the token operations need none.
    pub client: Client,
    /// `None`: resume from saved tokens only, never log in.
    pub credentials: Option<Credentials>,
}

impl fmt::Debug for IxApiLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IxApiLogin")
            .field("base_url", &self.client.baseurl)
            .field("api_key", &self.credentials.as_ref().map(|c| &c.api_key))
            .finish_non_exhaustive()
    }
}

impl TokenSource for IxApiLogin {
    fn obtain<'a>(&'a self, held: &'a Held) -> Obtaining<'a> {
        Box::pin(self.renew(held))
    }

    fn operation(&self, held: &Held) -> &'static str {
        if held.refresh_token().is_some() {
            operations::AUTH_TOKEN_REFRESH.id
        } else {
            operations::AUTH_TOKEN_CREATE.id
        }
    }
}

impl IxApiLogin {
    /// Refresh if the refresh token may still work, else log in.
    async fn renew(&self, held: &Held) -> Result<Grant, Error> {
        if let Some(refresh_token) = held.refresh_token() {
            match self.refresh(refresh_token).await {
                Err(error) if error.is_authentication() => {
                    tracing::info!(%error, "IX-API rejected the refresh token; dropping it");
                    held.reject_refresh_token();
                }
                other => return other,
            }
        }
        match &self.credentials {
            Some(credentials) => self.login(credentials).await,
            None => Err(Error::ReauthenticationRequired),
        }
    }

    async fn login(&self, credentials: &Credentials) -> Result<Grant, Error> {
        let body = types::AuthTokenRequest::builder()
            .api_key(credentials.api_key.clone())
            .api_secret(credentials.api_secret.clone());
        let operation = operations::AUTH_TOKEN_CREATE.id;
        let pair = self.client.auth_token_create().body(body).send().await;
        traced(operation, pair)
    }

    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<Grant, Error> {
        let body = types::RefreshTokenRequest::builder().refresh_token(refresh_token.clone());
        let operation = operations::AUTH_TOKEN_REFRESH.id;
        let pair = self.client.auth_token_refresh().body(body).send().await;
        traced(operation, pair)
    }
}

/// The pair as a grant, or the operation's error; traced either way.
fn traced(
    operation: &'static str,
    answer: Result<crate::ResponseValue<types::AuthToken>, crate::OperationError>,
) -> Result<Grant, Error> {
    match answer {
        Ok(pair) => {
            tracing::info!(operation, "obtained a new IX-API token pair");
            let pair = pair.into_inner();
            Ok(Grant::issued(pair.access_token, Some(pair.refresh_token)))
        }
        Err(e) => {
            let error = Error::from_operation(operation, e);
            tracing::warn!(operation, %error, "IX-API token operation failed");
            Err(error)
        }
    }
}
