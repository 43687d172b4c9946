//! Who is calling: the request's bearer token, checked, as axum extractors.
//! A handler names what it needs ([`ApiUser`] or [`TokenHolder`]) and takes
//! it as a `Result`, to answer the refusal as its operation documents it.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use ix_api_client::ProblemKind;

use super::problem::Problem;
use super::routes::AppState;
use super::tokens::Rejection;

/// An API user with a valid access token, and the account it acts for.
#[derive(Debug)]
pub struct ApiUser {
    /// The account the API user acts for.
    pub account: String,
}

impl FromRequestParts<Arc<AppState>> for ApiUser {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer_token(&parts.headers) else {
            return Err(Problem::authentication(
                "send Authorization: Bearer <access_token>",
            ));
        };
        let subject = check_access(state, token)?;
        let account = state.roots.get(&subject).cloned().ok_or_else(|| {
            Problem::authentication("the API user of this token no longer exists")
        })?;
        Ok(Self { account })
    }
}

/// A valid access token, whether or not its API user still exists: what
/// `GET /implementation` asks. Without a token, the problem is
/// `not-authenticated`, as IX-API servers answer there.
#[derive(Debug)]
pub struct TokenHolder;

impl FromRequestParts<Arc<AppState>> for TokenHolder {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer_token(&parts.headers) else {
            return Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                ProblemKind::NotAuthenticated,
                "Authentication credentials were not provided.",
                "send Authorization: Bearer <access_token>",
            ));
        };
        check_access(state, token).map(|_| Self)
    }
}

/// The subject of a valid access token.
fn check_access(state: &AppState, token: &str) -> Result<String, Problem> {
    state
        .issuer
        .check_access(token)
        .map_err(|rejection| match rejection {
            Rejection::Expired => {
                Problem::signature_expired("the access token has expired; refresh it")
            }
            Rejection::Invalid => Problem::authentication("the access token is invalid"),
        })
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
