//! Issuing and checking the sandbox's JWTs: HS256 with a key drawn at
//! random when the sandbox starts, claims `sub`, `iat`, `exp`, `jti` and
//! `typ` (access or refresh). Refresh tokens are single-use: each login
//! starts a chain, each refresh token carries its chain and place in it, and
//! only the chain's latest is redeemed. So the sandbox remembers one entry
//! per live login, however many refreshes follow it, and forgets a chain
//! once its latest token has expired.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Which of the pair a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Access,
    Refresh,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
    jti: String,
    typ: TokenType,
    /// Refresh tokens: the login chain and the place in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chain: Option<Link>,
}

/// A refresh token's place: the `seq`th of login chain `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    id: u64,
    seq: u64,
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Signed by us, but past its `exp`.
    Expired,
    /// Not a token of ours, the wrong type, or already used.
    Invalid,
}

/// Signs and checks tokens.
pub struct Issuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    access_ttl: Duration,
    refresh_ttl: Duration,
    /// Added to the sandbox's clock in the claims it issues, to play a
    /// server whose clock is off.
    clock_offset_secs: i64,
    /// The wall clock at start, advanced by tokio's clock since.
    started: (SystemTime, Instant),
    chains: Mutex<Chains>,
}

/// The latest refresh token of each login chain still alive: its place
/// and `exp`.
#[derive(Default)]
struct Chains {
    next_id: u64,
    latest: HashMap<u64, (u64, i64)>,
    /// Prune when the map reaches this size (twice what the last prune
    /// left), so that pruning costs O(1) per token.
    prune_at: usize,
}

impl Chains {
    /// The place of a new chain's first token.
    fn start(&mut self, exp: i64, now: i64) -> Link {
        self.prune(now);
        let link = Link {
            id: self.next_id,
            seq: 0,
        };
        self.next_id += 1;
        self.latest.insert(link.id, (0, exp));
        link
    }

    /// Redeems the token at `link`: the place of its successor, or `None` if
    /// it is not its chain's latest (spent, or its chain forgotten).
    fn redeem(&mut self, link: Link) -> Option<Link> {
        let (seq, _) = self.latest.get_mut(&link.id)?;
        if *seq != link.seq {
            return None;
        }
        *seq += 1;
        Some(Link {
            id: link.id,
            seq: *seq,
        })
    }

    /// The successor was issued, expiring at `exp`.
    fn issued(&mut self, link: Link, exp: i64) {
        if let Some(latest) = self.latest.get_mut(&link.id)
            && latest.0 == link.seq
        {
            latest.1 = exp;
        }
    }

    fn prune(&mut self, now: i64) {
        if self.latest.len() >= self.prune_at {
            self.latest.retain(|_, (_, exp)| *exp > now);
            self.prune_at = (self.latest.len() * 2).max(1024);
        }
    }
}

impl Issuer {
    pub fn new(access_ttl: Duration, refresh_ttl: Duration, clock_offset_secs: i64) -> Self {
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            access_ttl,
            refresh_ttl,
            clock_offset_secs,
            started: (SystemTime::now(), Instant::now()),
            chains: Mutex::default(),
        }
    }

    fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// The exchange's clock, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        let (wall, instant) = self.started;
        let since_epoch = (wall + instant.elapsed())
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        i64::try_from(since_epoch)
            .unwrap_or(i64::MAX)
            .saturating_add(self.clock_offset_secs.saturating_mul(1000))
    }

    /// A new access and refresh token for `subject`: after a login
    /// (`after: None`), or after redeeming a refresh token (its successor's
    /// place).
    pub fn issue_pair(&self, subject: &str, after: Option<Link>) -> (String, String) {
        let exp = self.exp(self.refresh_ttl);
        let mut chains = self.chains.lock().unwrap_or_else(PoisonError::into_inner);
        let link = match after {
            Some(link) => {
                chains.issued(link, exp);
                link
            }
            None => chains.start(exp, self.now()),
        };
        drop(chains);
        (
            self.issue(subject, TokenType::Access, self.access_ttl, None),
            self.issue(subject, TokenType::Refresh, self.refresh_ttl, Some(link)),
        )
    }

    /// An access token for `subject` that lives `ttl` (an OAuth2 grant's).
    pub fn issue_access(&self, subject: &str, ttl: Duration) -> String {
        self.issue(subject, TokenType::Access, ttl, None)
    }

    fn exp(&self, ttl: Duration) -> i64 {
        self.now()
            .saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX))
    }

    fn issue(&self, subject: &str, typ: TokenType, ttl: Duration, chain: Option<Link>) -> String {
        let iat = self.now();
        let mut jti = [0u8; 16];
        rand::fill(&mut jti);
        let claims = Claims {
            sub: subject.to_string(),
            iat,
            exp: iat.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
            jti: jti.iter().map(|b| format!("{b:02x}")).collect(),
            typ,
            chain,
        };
        // HS256 with an in-memory key cannot fail to sign.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .unwrap_or_default()
    }

    /// The subject of a valid access token.
    pub fn check_access(&self, token: &str) -> Result<String, Rejection> {
        let claims = self.verify(token)?;
        match claims.typ {
            TokenType::Access => Ok(claims.sub),
            TokenType::Refresh => Err(Rejection::Invalid),
        }
    }

    /// Spends a refresh token, returning its subject and its successor's
    /// place; a second use fails.
    pub fn redeem_refresh(&self, token: &str) -> Result<(String, Link), Rejection> {
        let claims = self.verify(token)?;
        let (TokenType::Refresh, Some(link)) = (claims.typ, claims.chain) else {
            return Err(Rejection::Invalid);
        };
        let next = self
            .chains
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .redeem(link);
        next.map(|next| (claims.sub, next))
            .ok_or(Rejection::Invalid)
    }

    /// Login chains remembered.
    #[cfg(test)]
    fn chains(&self) -> usize {
        self.chains
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .latest
            .len()
    }

    fn verify(&self, token: &str) -> Result<Claims, Rejection> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        // `exp` is checked below against the sandbox's own (offset) clock.
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => Rejection::Expired,
                _ => Rejection::Invalid,
            })?
            .claims;
        if claims.exp <= self.now() {
            return Err(Rejection::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(ttl_secs: u64) -> Issuer {
        Issuer::new(
            Duration::from_secs(ttl_secs),
            Duration::from_secs(ttl_secs),
            0,
        )
    }

    #[test]
    fn tokens_check_by_type() {
        let issuer = issuer(60);
        let (access, refresh) = issuer.issue_pair("demo", None);
        assert_eq!(issuer.check_access(&access), Ok("demo".into()));
        assert_eq!(issuer.check_access(&refresh), Err(Rejection::Invalid));
        assert_eq!(issuer.redeem_refresh(&access), Err(Rejection::Invalid));
    }

    #[test]
    fn a_chain_of_refreshes_is_remembered_once() {
        let issuer = issuer(60);
        let (_, mut refresh) = issuer.issue_pair("demo", None);
        for _ in 0..1_000 {
            let (subject, next) = issuer.redeem_refresh(&refresh).unwrap();
            assert_eq!(subject, "demo");
            assert_eq!(issuer.redeem_refresh(&refresh), Err(Rejection::Invalid));
            refresh = issuer.issue_pair(&subject, Some(next)).1;
        }
        assert_eq!(issuer.chains(), 1);
    }

    #[test]
    fn chains_are_forgotten_once_their_tokens_expire() {
        let mut chains = Chains::default();
        for i in 0..100_000 {
            // Each chain's token lives 10 s; the clock moves a second per 1,000.
            let now = i / 1_000;
            chains.start(now + 10, now);
        }
        assert!(chains.latest.len() <= 24_000, "{}", chains.latest.len());
    }

    #[test]
    fn refresh_tokens_are_single_use() {
        let issuer = issuer(60);
        let (_, refresh) = issuer.issue_pair("demo", None);
        assert_eq!(
            issuer.redeem_refresh(&refresh).map(|r| r.0),
            Ok("demo".into())
        );
        assert_eq!(issuer.redeem_refresh(&refresh), Err(Rejection::Invalid));
    }

    #[test]
    fn expired_and_foreign_tokens_are_told_apart() {
        let issuer = issuer(0);
        let (access, _) = issuer.issue_pair("demo", None);
        assert_eq!(issuer.check_access(&access), Err(Rejection::Expired));
        let (foreign, _) = self::issuer(60).issue_pair("demo", None);
        assert_eq!(issuer.check_access(&foreign), Err(Rejection::Invalid));
        assert_eq!(issuer.check_access("not-a-jwt"), Err(Rejection::Invalid));
    }
}
