//! An OAuth2 token endpoint beside the API, as an exchange's identity
//! provider offers one: client credentials (RFC 6749, section 4.4) at
//! `POST /oauth2/token`. Its clients are the API users, with the `api_key`
//! as client id and the `api_secret` as client secret (as the IX-API
//! Terraform provider uses them); the access tokens it issues are the API's
//! own.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::state::AppState;

/// Where the token endpoint listens, below the sandbox's origin.
pub const TOKEN_PATH: &str = "/oauth2/token";

/// An OAuth2 error answer (RFC 6749, section 5.2).
fn refused(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"ix-api-sandbox\""),
        );
    }
    response
}

/// The client id and secret of an HTTP Basic header, each form-decoded
/// (RFC 6749, section 2.3.1).
fn basic(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(drop)
        .and_then(|bytes| String::from_utf8(bytes).map_err(drop));
    Some(decoded.and_then(|text| {
        let (id, secret) = text.split_once(':').ok_or(())?;
        let form = |part: &str| {
            url::form_urlencoded::parse(format!("x={part}").as_bytes())
                .next()
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default()
        };
        Ok((form(id), form(secret)))
    }))
}

pub async fn token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(endpoint) = &state.oauth2 else {
        return StatusCode::NOT_FOUND.into_response();
    };
    tokio::time::sleep(state.token_latency).await;
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(given, _)| given == name)
            .map(|(_, value)| value.as_str())
    };
    if field("grant_type") != Some("client_credentials") {
        return refused(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is granted here",
        );
    }
    let in_body = field("client_id").zip(field("client_secret"));
    let (client_id, client_secret, by_basic) = match (basic(&headers), in_body) {
        (Some(_), Some(_)) => {
            return refused(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "one way of client authentication, not two",
            );
        }
        (Some(Ok((id, secret))), None) => (id, secret, true),
        (Some(Err(())), None) => {
            return refused(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "the Basic credentials cannot be read",
            );
        }
        (None, Some((id, secret))) => (id.to_string(), secret.to_string(), false),
        (None, None) => {
            return refused(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "no client authentication",
            );
        }
    };
    let Some(account) = state.api_user(&client_id, &client_secret) else {
        state.counters.rejected.fetch_add(1, Ordering::Relaxed);
        let status = if by_basic {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        return refused(status, "invalid_client", "unknown client or wrong secret");
    };
    let asked: Vec<&str> = field("scope").map_or_else(Vec::new, |s| s.split_whitespace().collect());
    if let Some(unknown) = asked
        .iter()
        .find(|scope| !endpoint.scopes.iter().any(|known| known == *scope))
    {
        state.counters.rejected.fetch_add(1, Ordering::Relaxed);
        return refused(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!("no scope {unknown:?} here"),
        );
    }
    let scope = if asked.is_empty() {
        endpoint.scopes.join(" ")
    } else {
        asked.join(" ")
    };
    let access_token = state
        .issuer
        .issue_access(&account.api_key, endpoint.expires_in);
    state.counters.oauth2_grants.fetch_add(1, Ordering::Relaxed);
    tracing::info!(
        client_id = account.api_key,
        "granted an OAuth2 access token"
    );
    let mut response = axum::Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": endpoint.expires_in.as_secs(),
        "scope": scope,
    }))
    .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
