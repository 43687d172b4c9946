//! How a [`Client`] authenticates its calls: the value progenitor stores in
//! the generated client, and the request hooks that act on it.

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue};

use crate::credentials::AccessToken;
use crate::{Client, Error};

/// The operations that authenticate with credentials in their body, never
/// with a bearer token.
const TOKEN_OPERATIONS: &[&str] = &["auth_token_create", "auth_token_refresh"];

/// How a [`Client`] authenticates the calls that need a token.
#[derive(Debug, Clone, Default)]
pub enum Auth {
    /// Send no `Authorization` header: enough for `auth_token_create` and
    /// `auth_token_refresh`.
    #[default]
    None,
    /// Send `Authorization: Bearer <access_token>` on every other call.
    Bearer(AccessToken),
}

impl Auth {
    /// Bearer authentication with `access_token`.
    pub fn bearer(access_token: impl Into<AccessToken>) -> Self {
        Self::Bearer(access_token.into())
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

/// The `Authorization` value for `token`, marked sensitive so that HTTP
/// tooling does not log it.
pub(crate) fn bearer_header(token: &AccessToken) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
        "the access token contains characters an HTTP header cannot carry".to_string()
    })?;
    value.set_sensitive(true);
    Ok(value)
}

impl ClientHooks<Auth> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        // Progenitor sends `api-version: <info.version>`. IX-API defines no
        // such header and versions itself in the path (`/api/v2`), so the
        // spec's document version has no business on the wire.
        request.headers_mut().remove("api-version");
        if TOKEN_OPERATIONS.contains(&info.operation_id) {
            return Ok(());
        }
        if let Auth::Bearer(token) = &self.inner {
            let value = bearer_header(token).map_err(Error::InvalidRequest)?;
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        Ok(())
    }
}
