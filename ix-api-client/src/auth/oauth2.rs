//! OAuth2 client credentials (RFC 6749, section 4.4): the second way an
//! exchange issues IX-API access tokens, at a token URL of its identity
//! provider. A token source like IX-API's login: the session decides when
//! to ask (lazily, once for all callers, ahead of `expires_in`, with backoff
//! and the token timeout); there is no refresh token, so renewal is a new
//! grant.
//!
//! The protocol (request, client authentication, answers and error codes)
//! is the `oauth2` crate's. The request goes out through the session's HTTP
//! client, with the rules of `/auth/token`: `http://` only to loopback, no
//! redirect followed or replayed, and only the token URL's own answers
//! accepted. The access token itself goes only to the IX-API base URL.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ::oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use ::oauth2::{
    AuthType, Client as GrantClient, ClientId, EndpointNotSet, EndpointSet, RequestTokenError,
    Scope, StandardRevocableToken, TokenResponse, TokenUrl,
};
use reqwest::header::LOCATION;
use serde::{Deserialize, Serialize};
use tracing::Instrument;

use crate::auth::credentials::AccessToken;
use crate::auth::token_source::{Grant, Held, Obtaining, TokenSource};
use crate::call::error::{Error, transport};
use crate::lenient::LenientText;

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

/// A token answer, read liberally: `expires_in` as a number or as text.
#[derive(Debug, Serialize, Deserialize)]
struct Granted {
    access_token: ::oauth2::AccessToken,
    token_type: BasicTokenType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_in: Option<LenientText>,
}

impl TokenResponse for Granted {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &::oauth2::AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<Duration> {
        let seconds = self
            .expires_in
            .as_ref()?
            .as_str()
            .trim()
            .parse::<f64>()
            .ok()?;
        Duration::try_from_secs_f64(seconds).ok()
    }

    fn refresh_token(&self) -> Option<&::oauth2::RefreshToken> {
        None
    }

    fn scopes(&self) -> Option<&Vec<Scope>> {
        None
    }
}

type Grants = GrantClient<
    BasicErrorResponse,
    Granted,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Obtains access tokens by client credentials grants.
pub(crate) struct ClientCredentials {
    grants: Grants,
    token_url: reqwest::Url,
    scopes: Vec<Scope>,
    http: reqwest::Client,
    user_agent: reqwest::header::HeaderValue,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &crate::call::hooks::shown(&self.token_url))
            .field("client_id", &self.grants.client_id().as_str())
            .finish_non_exhaustive()
    }
}

impl ClientCredentials {
    /// Checks `config` and builds the source; sends nothing.
    pub fn new(
        config: OAuth2,
        http: reqwest::Client,
        allow_insecure_http: bool,
        user_agent: reqwest::header::HeaderValue,
    ) -> Result<Self, Error> {
        crate::auth::check_url(&config.token_url, allow_insecure_http)?;
        let token_url = reqwest::Url::parse(&config.token_url)
            .map_err(|e| Error::Configuration(format!("the OAuth2 token URL is not a URL: {e}")))?;
        let grants = GrantClient::new(ClientId::new(config.client_id))
            .set_client_secret(::oauth2::ClientSecret::new(
                config.client_secret.to_string(),
            ))
            .set_auth_type(match config.authentication {
                ClientAuthentication::Basic => AuthType::BasicAuth,
                ClientAuthentication::Form => AuthType::RequestBody,
            })
            .set_token_uri(TokenUrl::from_url(token_url.clone()));
        Ok(Self {
            grants,
            token_url,
            scopes: config.scopes.into_iter().map(Scope::new).collect(),
            http,
            user_agent,
        })
    }

    async fn grant(&self) -> Result<Grant, Error> {
        let request = TokenRequest {
            http: self.http.clone(),
            token_url: self.token_url.clone(),
            user_agent: self.user_agent.clone(),
            status: Mutex::new(None),
        };
        let answer = self
            .grants
            .exchange_client_credentials()
            .add_scopes(self.scopes.iter().cloned())
            .request_async(&request)
            .await;
        let status = *request
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match answer {
            Ok(granted) => {
                if !matches!(granted.token_type(), BasicTokenType::Bearer)
                    && !granted.token_type().as_ref().eq_ignore_ascii_case("bearer")
                {
                    return Err(Error::MalformedResponse {
                        operation: OAUTH2_TOKEN,
                        status,
                        path: Some("token_type".into()),
                        reason: format!(
                            "the token type is {:?}, not bearer",
                            granted.token_type().as_ref()
                        ),
                        // The answer holds a token: never kept.
                        body: None,
                    });
                }
                let access_token = AccessToken::from(granted.access_token().secret().as_str());
                let grant = Grant::issued(access_token, None);
                tracing::info!(
                    operation = OAUTH2_TOKEN,
                    expires_in_s = granted.expires_in().map(|d| d.as_secs()),
                    "obtained an OAuth2 access token"
                );
                Ok(match granted.expires_in() {
                    Some(expires_in) => grant.expires_in(expires_in),
                    None => grant,
                })
            }
            Err(error) => {
                let error = rejected(error, status);
                tracing::warn!(operation = OAUTH2_TOKEN, %error, "OAuth2 token request failed");
                Err(error)
            }
        }
    }
}

/// One token request through the session's HTTP client; it notes the
/// status of the answer, which the crate's errors do not keep.
struct TokenRequest {
    http: reqwest::Client,
    token_url: reqwest::Url,
    user_agent: reqwest::header::HeaderValue,
    status: Mutex<Option<u16>>,
}

impl<'c> ::oauth2::AsyncHttpClient<'c> for TokenRequest {
    type Error = Refused;
    type Future = std::pin::Pin<
        Box<dyn Future<Output = Result<::oauth2::HttpResponse, Refused>> + Send + 'c>,
    >;

    fn call(&'c self, request: ::oauth2::HttpRequest) -> Self::Future {
        // The span an IX-API operation gets (`auth`), for the token request
        // to the identity provider: never a secret, a token or a body.
        let span = tracing::info_span!(
            "ix_api.operation",
            operation = OAUTH2_TOKEN,
            method = %request.method(),
            path = self.token_url.path(),
            url.path = self.token_url.path(),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            attempt = 1u32,
        );
        Box::pin(
            async move {
                let started = tokio::time::Instant::now();
                let answer = self.send(request).await;
                let span = tracing::Span::current();
                span.record("duration_ms", started.elapsed().as_millis() as u64);
                let answer = answer?;
                let status = answer.status().as_u16();
                span.record("status", status);
                *self.status.lock().unwrap_or_else(PoisonError::into_inner) = Some(status);
                Ok(answer)
            }
            .instrument(span),
        )
    }
}

impl TokenRequest {
    /// Sends the token request once: no redirect followed, the body never
    /// replayed, only the token URL's own answer read.
    async fn send(
        &self,
        request: ::oauth2::HttpRequest,
    ) -> Result<::oauth2::HttpResponse, Refused> {
        let (parts, body) = request.into_parts();
        let mut outgoing = reqwest::Request::new(parts.method, self.token_url.clone());
        *outgoing.headers_mut() = parts.headers;
        outgoing
            .headers_mut()
            .insert(reqwest::header::USER_AGENT, self.user_agent.clone());
        // A wrapped body cannot be cloned, so no 307/308 can send it on.
        let form = String::from_utf8_lossy(&body).into_owned();
        *outgoing.body_mut() = Some(reqwest::Body::wrap(form));
        let mut response = self
            .http
            .execute(outgoing)
            .await
            .map_err(|e| Refused::Transport(transport(OAUTH2_TOKEN, e)))?;
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
            return Err(Refused::Redirected(location));
        }
        if !crate::call::hooks::same_origin(response.url(), &self.token_url) {
            return Err(Refused::Redirected(crate::call::hooks::shown(
                response.url(),
            )));
        }
        let mut answer = http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            answer = answer.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Refused::Transport(transport(OAUTH2_TOKEN, e)))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_ANSWER_BYTES {
                body.clear();
                break;
            }
        }
        answer
            .body(body)
            .map_err(|e| Refused::Transport(Error::Configuration(e.to_string())))
    }
}

/// Why the token request got no answer to read.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error("{0}")]
    Transport(Error),
    #[error("redirected to {0}")]
    Redirected(String),
}

/// The session's error for a failed grant, with the OAuth2 error code and
/// description when the identity provider gave them.
fn rejected(error: RequestTokenError<Refused, BasicErrorResponse>, status: Option<u16>) -> Error {
    match error {
        RequestTokenError::ServerResponse(answer) => Error::OAuth2Rejected {
            status,
            error: answer.error().as_ref().to_string(),
            description: answer.error_description().cloned(),
        },
        RequestTokenError::Request(Refused::Transport(error)) => error,
        RequestTokenError::Request(Refused::Redirected(location)) => Error::Redirected {
            operation: OAUTH2_TOKEN,
            location,
        },
        RequestTokenError::Parse(_, _) | RequestTokenError::Other(_)
            if status.is_some_and(|status| !(200..300).contains(&status)) =>
        {
            Error::UnexpectedStatus {
                operation: OAUTH2_TOKEN,
                status: status.unwrap_or_default(),
            }
        }
        // serde's message may quote the answer, which may hold a token.
        // The answer may hold a token: its body is never kept.
        RequestTokenError::Parse(error, _) => Error::MalformedResponse {
            operation: OAUTH2_TOKEN,
            status,
            path: Some(error.path().to_string()).filter(|path| path != "."),
            reason: "not a token answer".into(),
            body: None,
        },
        RequestTokenError::Other(reason) => Error::MalformedResponse {
            operation: OAUTH2_TOKEN,
            status,
            path: None,
            reason,
            body: None,
        },
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
