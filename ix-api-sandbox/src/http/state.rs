//! What every handler and extractor of the sandbox's HTTP surface shares:
//! the API users, the exchange, the token issuer and the counters.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use subtle::ConstantTimeEq;

use super::tokens::Issuer;
use crate::exchange::Exchange;
use crate::{Account, SchemaVersion};

/// What the sandbox counts, for tests that assert how many requests a client
/// sent.
#[derive(Debug, Default)]
pub struct Counters {
    pub logins: AtomicU64,
    pub refreshes: AtomicU64,
    pub implementation_reads: AtomicU64,
    pub oauth2_grants: AtomicU64,
    pub rejected: AtomicU64,
    /// Creates, updates and deletes the exchange answered.
    pub changes: AtomicU64,
}

pub struct AppState {
    pub accounts: Vec<Account>,
    /// The account each API user (by `api_key`) acts for.
    pub roots: HashMap<String, String>,
    pub exchange: Exchange,
    pub issuer: Issuer,
    pub counters: Counters,
    /// Added before answering a token operation, to make waiting visible.
    pub token_latency: Duration,
    /// The OAuth2 token endpoint, if the sandbox offers one.
    pub oauth2: Option<crate::OAuth2Endpoint>,
    /// The IX-API version the sandbox plays.
    pub schema_version: SchemaVersion,
}

impl AppState {
    /// The API user with this key and secret. Every account is compared in
    /// constant time, without stopping at a match, so that timing tells
    /// nothing about which part was wrong.
    pub fn api_user(&self, api_key: &str, api_secret: &str) -> Option<&Account> {
        let mut found = None;
        for account in &self.accounts {
            let key_ok = account.api_key.as_bytes().ct_eq(api_key.as_bytes());
            let secret_ok = account.api_secret.as_bytes().ct_eq(api_secret.as_bytes());
            if bool::from(key_ok & secret_ok) {
                found = Some(account);
            }
        }
        found
    }
}
