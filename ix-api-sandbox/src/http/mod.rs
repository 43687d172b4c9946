//! The sandbox's HTTP surface: routing, extractors (authentication is one),
//! problems as answers and the token endpoints. The crate root starts it;
//! it calls the exchange, never the other way round.

mod auth;
pub(crate) mod oauth2;
pub(crate) mod problem;
pub(crate) mod routes;
pub(crate) mod state;
pub(crate) mod tokens;
