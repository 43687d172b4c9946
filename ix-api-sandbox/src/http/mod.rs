//! The sandbox's HTTP surface: routing, extractors (authentication is one),
//! problems and the token endpoints. The crate root starts it; the exchange
//! answers in its problems.

mod auth;
pub(crate) mod oauth2;
pub(crate) mod problem;
pub(crate) mod routes;
pub(crate) mod tokens;
