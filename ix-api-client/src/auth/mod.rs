//! Tokens: where they come from (IX-API's login, OAuth2, a source of yours),
//! the cache that renews them, their validity, and the `Session`; for users.
//!
//! The parts do not know each other: a [`TokenSource`](token_source::TokenSource)
//! obtains tokens, the token cache decides when, `renewal` computes deadlines
//! and backoff, and the call layer's hooks put the token on the wire. Their
//! shared types are here, so that no part imports another's.

use std::net::IpAddr;
use std::time::Duration;

use crate::call::Error;
use crate::types;

pub mod credentials;
mod jwt;
mod login;
pub mod oauth2;
mod renewal;
pub mod session;
mod token_cache;
pub mod token_source;
mod validity;

// The client's authentication value and its constants, at their old path.
pub use crate::call::hooks::{Auth, UNANSWERED, USER_AGENT};

/// A token pair as IX-API issues it, and as [`Session::tokens`](session::Session::tokens) hands it out
/// for saving. Serializing it writes the tokens in clear: store it as you
/// would a password.
pub type TokenPair = types::AuthToken;

/// Where token renewal stands; see [`Session::renewal`](session::Session::renewal).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RenewalStatus {
    /// A refresh or login is on its way to IX-API.
    pub in_flight: bool,
    /// Renewals that failed in a row; 0 after a success.
    pub failures: u32,
    /// Why the last renewal failed, while `failures` is not 0.
    pub last_error: Option<Error>,
    /// While backing off after a failure: the wait before the next attempt.
    pub retry_in: Option<Duration>,
}

/// Refuses a URL credentials or tokens would travel to in clear text
/// (`http://` but to loopback, unless allowed), or that is no URL.
pub(crate) fn check_url(base_url: &str, allow_insecure_http: bool) -> Result<(), Error> {
    let url = reqwest::Url::parse(base_url)
        .map_err(|e| Error::Configuration(format!("base URL {base_url:?} is not a URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback || allow_insecure_http => Ok(()),
        "http" => Err(Error::InsecureHttp {
            base_url: base_url.to_string(),
        }),
        other => Err(Error::Configuration(format!(
            "base URL scheme {other:?} is not http or https"
        ))),
    }
}
