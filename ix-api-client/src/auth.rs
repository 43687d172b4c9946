//! How a [`Client`] authenticates its calls: the value progenitor stores in
//! the generated client, and the request hooks that act on it.

use std::sync::Arc;
use std::time::Instant;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Request, Response, StatusCode};

use crate::credentials::AccessToken;
use crate::session::SessionState;
use crate::{Client, types};

/// The operations that authenticate with credentials in their body, never
/// with a bearer token.
const TOKEN_OPERATIONS: &[&str] = &["auth_token_create", "auth_token_refresh"];

/// How a [`Client`] authenticates the calls that need a token.
#[derive(Debug, Clone, Default)]
pub struct Auth(Kind);

#[derive(Debug, Clone, Default)]
enum Kind {
    #[default]
    None,
    Bearer(AccessToken),
    Session(Arc<SessionState>),
}

impl Auth {
    /// Send no `Authorization` header: enough for `auth_token_create` and
    /// `auth_token_refresh`.
    pub fn none() -> Self {
        Self(Kind::None)
    }

    /// Send `Authorization: Bearer <access_token>` on every other call.
    pub fn bearer(access_token: impl Into<AccessToken>) -> Self {
        Self(Kind::Bearer(access_token.into()))
    }

    pub(crate) fn session(state: Arc<SessionState>) -> Self {
        Self(Kind::Session(state))
    }
}

impl Client {
    /// A client for the IX-API at `baseurl` (for example
    /// `https://ixp.example.net/api/v2`) that sends `access_token` as a
    /// bearer token on every call but the two token operations.
    pub fn with_access_token(baseurl: &str, access_token: impl Into<AccessToken>) -> Self {
        Self::new(baseurl, Auth::bearer(access_token))
    }
}

/// Sets `Authorization: Bearer <token>`, marked sensitive so that HTTP
/// tooling does not log it.
fn set_bearer(request: &mut Request, token: &AccessToken) -> Result<(), String> {
    let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
        "the access token contains characters an HTTP header cannot carry".to_string()
    })?;
    value.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, value);
    Ok(())
}

impl ClientHooks<Auth> for Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // Progenitor sends `api-version: <info.version>`. IX-API defines no
        // such header and versions itself in the path (`/api/v2`), so the
        // spec's document version has no business on the wire.
        request.headers_mut().remove("api-version");
        if TOKEN_OPERATIONS.contains(&info.operation_id) {
            return Ok(());
        }
        let token = match &self.inner.0 {
            Kind::None => return Ok(()),
            Kind::Bearer(token) => token.clone(),
            Kind::Session(state) => state
                .access_token_for_hook()
                .await
                .map_err(|e| progenitor_client::Error::Custom(e.to_string()))?,
        };
        set_bearer(request, &token).map_err(progenitor_client::Error::InvalidRequest)
    }

    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        let state = match &self.inner.0 {
            Kind::Session(state) if !TOKEN_OPERATIONS.contains(&info.operation_id) => state,
            _ => return self.client().execute(request).await,
        };
        let retry = request.try_clone();
        let sent = sent_token(&request);
        let response = self.client().execute(request).await?;
        let (Some(mut retry), Some(sent), StatusCode::UNAUTHORIZED) =
            (retry, sent, response.status())
        else {
            return Ok(response);
        };

        // Only a 401 about the token is worth a new one; read the body to
        // tell, then hand it on unchanged if it is not.
        let (response, kind) = problem_kind(response).await?;
        if !kind.is_some_and(|k| k.is_authentication()) {
            return Ok(response);
        }
        let started = Instant::now();
        state.reject_access_token(&sent);
        let token = match state.access_token_for_hook().await {
            Ok(token) => token,
            Err(error) => {
                tracing::warn!(operation = info.operation_id, %error, "could not renew the access token after a 401");
                return Ok(response);
            }
        };
        if set_bearer(&mut retry, &token).is_err() {
            return Ok(response);
        }
        let retried = self.client().execute(retry).await;
        tracing::info!(
            operation = info.operation_id,
            elapsed_ms = started.elapsed().as_millis() as u64,
            status = retried
                .as_ref()
                .map(|r| r.status().as_u16())
                .unwrap_or_default(),
            "retried once with a new access token after a 401"
        );
        retried
    }
}

/// The access token the request carries.
fn sent_token(request: &Request) -> Option<AccessToken> {
    let value = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(AccessToken::from)
}

/// Reads the problem kind of a response and rebuilds the response around
/// the body it consumed.
async fn problem_kind(
    response: Response,
) -> reqwest::Result<(Response, Option<crate::ProblemKind>)> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let kind = serde_json::from_slice::<types::ProblemResponse>(&body)
        .ok()
        .map(|p| p.kind());
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok((Response::from(rebuilt), kind))
}
