//! OAuth2 client credentials (RFC 6749, section 4.4): the second way an
//! exchange issues IX-API access tokens, at a token URL of its identity
//! provider. A token source like IX-API's login: the session decides when
//! to ask (lazily, once for all callers, ahead of `expires_in`, with backoff
//! and the token timeout); there is no refresh token, so renewal is a new
//! grant.
//!
//! The protocol (request, client authentication, answers and error codes)
//! is RFC 6749's, in `grant.rs`. The request goes out through the session's
//! HTTP client, with the rules of `/auth/token`: `http://` only to
//! loopback, no redirect followed or replayed, and only the token URL's own
//! answers accepted. The access token itself goes only to the IX-API base
//! URL.

mod grant;

use std::fmt;
use std::sync::Arc;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION, USER_AGENT};
use tracing::Instrument;

use self::grant::{FORM, Granted, JSON, TokenRequest};
use crate::auth::credentials::AccessToken;
use crate::auth::token_source::{Grant, Held, Obtaining, TokenSource};
use crate::call::error::{Error, transport};

/// The scope asked for when none is configured, as the IX-API Terraform
/// provider does.
pub const DEFAULT_SCOPE: &str = "ix-api";

pub use crate::call::error::OAUTH2_TOKEN;

/// An answer larger than this is no token answer.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// How the client proves who it is at the token URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuthentication {
    /// HTTP Basic with the client id and secret, as RFC 6749 prefers.
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body, for identity
    /// providers that want them there.
    Form,
}

/// How a session obtains tokens by OAuth2 client credentials; see
/// [`SessionBuilder::oauth2`](crate::SessionBuilder::oauth2).
#[derive(Clone)]
pub struct OAuth2 {
    pub(crate) token_url: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Arc<str>,
    pub(crate) scopes: Vec<String>,
    pub(crate) authentication: ClientAuthentication,
}

impl fmt::Debug for OAuth2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("scopes", &self.scopes)
            .field("authentication", &self.authentication)
            .finish()
    }
}

impl OAuth2 {
    /// Client credentials for the identity provider's `token_url`; the
    /// scope is [`DEFAULT_SCOPE`] and the client authenticates by HTTP
    /// Basic until told otherwise.
    pub fn client_credentials(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into().into(),
            scopes: vec![DEFAULT_SCOPE.to_string()],
            authentication: ClientAuthentication::Basic,
        }
    }

    /// The scopes to ask for (none: let the identity provider decide).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// How the client authenticates. There is no fallback from one to the
    /// other: a wrong secret costs one request.
    pub fn authentication(mut self, authentication: ClientAuthentication) -> Self {
        self.authentication = authentication;
        self
    }
}

/// Obtains access tokens by client credentials grants.
pub(crate) struct ClientCredentials {
    token_url: reqwest::Url,
    client_id: String,
    /// The same for every grant: built once, holding the secret.
    request: TokenRequest,
    http: reqwest::Client,
    user_agent: HeaderValue,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &crate::call::hooks::shown(&self.token_url))
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl ClientCredentials {
    /// Checks `config` and builds the source; sends nothing.
    pub fn new(
        config: OAuth2,
        http: reqwest::Client,
        allow_insecure_http: bool,
        user_agent: HeaderValue,
    ) -> Result<Self, Error> {
        crate::auth::check_url(&config.token_url, allow_insecure_http)?;
        let token_url = reqwest::Url::parse(&config.token_url)
            .map_err(|e| Error::Configuration(format!("the OAuth2 token URL is not a URL: {e}")))?;
        let request = TokenRequest::new(
            &config.client_id,
            &config.client_secret,
            config.authentication,
            &config.scopes,
        );
        Ok(Self {
            token_url,
            client_id: config.client_id,
            request,
            http,
            user_agent,
        })
    }

    async fn grant(&self) -> Result<Grant, Error> {
        let granted = self.request_grant().await.inspect_err(|error| {
            tracing::warn!(operation = OAUTH2_TOKEN, %error, "OAuth2 token request failed");
        })?;
        let expires_in = granted.expires_in();
        tracing::info!(
            operation = OAUTH2_TOKEN,
            expires_in_s = expires_in.map(|d| d.as_secs()),
            "obtained an OAuth2 access token"
        );
        let grant = Grant::issued(AccessToken::from(granted.access_token), None);
        Ok(match expires_in {
            Some(expires_in) => grant.expires_in(expires_in),
            None => grant,
        })
    }

    /// One token request and its answer, read.
    async fn request_grant(&self) -> Result<Granted, Error> {
        // The span an IX-API operation gets (`auth`), for the token request
        // to the identity provider: never a secret, a token or a body.
        let span = tracing::info_span!(
            "ix_api.operation",
            operation = OAUTH2_TOKEN,
            method = %reqwest::Method::POST,
            path = self.token_url.path(),
            url.path = self.token_url.path(),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            attempt = 1u32,
        );
        let (status, content_type, body) = async {
            let started = tokio::time::Instant::now();
            let answer = self.send().await;
            let span = tracing::Span::current();
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            let answer = answer?;
            span.record("status", answer.0);
            Ok::<_, Error>(answer)
        }
        .instrument(span)
        .await?;
        grant::read(status, content_type.as_ref(), &body)
    }

    /// Sends the token request once: no redirect followed, the body never
    /// replayed, only the token URL's own answer read (status, media type
    /// and at most [`MAX_ANSWER_BYTES`] of body; more reads as none).
    async fn send(&self) -> Result<(u16, Option<HeaderValue>, Vec<u8>), Error> {
        let mut outgoing = reqwest::Request::new(reqwest::Method::POST, self.token_url.clone());
        let headers = outgoing.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static(JSON));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(FORM));
        if let Some(authorization) = &self.request.authorization {
            headers.insert(AUTHORIZATION, authorization.clone());
        }
        headers.insert(USER_AGENT, self.user_agent.clone());
        // A wrapped body cannot be cloned, so no 307/308 can send it on.
        *outgoing.body_mut() = Some(reqwest::Body::wrap(self.request.body.clone()));
        let mut response = self
            .http
            .execute(outgoing)
            .await
            .map_err(|e| transport(OAUTH2_TOKEN, e))?;
        let redirected = |location| Error::Redirected {
            operation: OAUTH2_TOKEN,
            location,
        };
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| response.url().join(value).ok())
                .map_or_else(
                    || "an unnamed location".to_string(),
                    |url| crate::call::hooks::shown(&url),
                );
            return Err(redirected(location));
        }
        if !crate::call::hooks::same_origin(response.url(), &self.token_url) {
            return Err(redirected(crate::call::hooks::shown(response.url())));
        }
        let status = response.status().as_u16();
        let content_type = response.headers().get(CONTENT_TYPE).cloned();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport(OAUTH2_TOKEN, e))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_ANSWER_BYTES {
                body.clear();
                break;
            }
        }
        Ok((status, content_type, body))
    }
}

impl TokenSource for ClientCredentials {
    fn obtain<'a>(&'a self, _: &'a Held) -> Obtaining<'a> {
        Box::pin(self.grant())
    }

    fn operation(&self, _: &Held) -> &'static str {
        OAUTH2_TOKEN
    }
}
