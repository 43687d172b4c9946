//! Who is calling: the request's bearer token, checked, as an axum
//! extractor. A handler takes `Result<ApiUser, Unauthenticated>`, to answer
//! a refusal as its operation documents it.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::state::AppState;
use super::tokens::Rejection;
use crate::exchange::problem::Problem;

/// An API user with a valid access token, and the account it acts for.
#[derive(Debug)]
pub struct ApiUser {
    /// The account the API user acts for.
    pub account: String,
}

/// Why a request has no [`ApiUser`].
#[derive(Debug)]
pub enum Unauthenticated {
    /// No bearer token.
    NoToken,
    /// The access token has expired.
    Expired,
    /// Not an access token this sandbox issued.
    Invalid,
    /// A valid access token of an API user that no longer exists.
    Gone,
}

impl Unauthenticated {
    /// The problem that answers it.
    pub fn problem(&self) -> Problem {
        match self {
            Self::NoToken => Problem::authentication("send Authorization: Bearer <access_token>"),
            Self::Expired => Problem::signature_expired("the access token has expired; refresh it"),
            Self::Invalid => Problem::authentication("the access token is invalid"),
            Self::Gone => Problem::authentication("the API user of this token no longer exists"),
        }
    }
}

impl IntoResponse for Unauthenticated {
    fn into_response(self) -> Response {
        self.problem().into_response()
    }
}

impl FromRequestParts<Arc<AppState>> for ApiUser {
    type Rejection = Unauthenticated;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let value = parts.headers.get(header::AUTHORIZATION);
        let token = value
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or(Unauthenticated::NoToken)?;
        let subject = state
            .issuer
            .check_access(token)
            .map_err(|rejection| match rejection {
                Rejection::Expired => Unauthenticated::Expired,
                Rejection::Invalid => Unauthenticated::Invalid,
            })?;
        let account = state.roots.get(&subject).ok_or(Unauthenticated::Gone)?;
        Ok(Self {
            account: account.clone(),
        })
    }
}
