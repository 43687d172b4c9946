//! Issuing and checking the sandbox's JWTs: HS256 with a key drawn at
//! random when the sandbox starts, claims `sub`, `iat`, `exp`, `jti` and
//! `typ` (access or refresh). Refresh tokens are single-use.

use std::collections::HashSet;
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
    used_refresh_tokens: Mutex<HashSet<String>>,
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
            used_refresh_tokens: Mutex::default(),
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

    /// A new access and refresh token for `subject`.
    pub fn issue_pair(&self, subject: &str) -> (String, String) {
        (
            self.issue(subject, TokenType::Access, self.access_ttl),
            self.issue(subject, TokenType::Refresh, self.refresh_ttl),
        )
    }

    fn issue(&self, subject: &str, typ: TokenType, ttl: Duration) -> String {
        let iat = self.now();
        let mut jti = [0u8; 16];
        rand::fill(&mut jti);
        let claims = Claims {
            sub: subject.to_string(),
            iat,
            exp: iat.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
            jti: jti.iter().map(|b| format!("{b:02x}")).collect(),
            typ,
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

    /// Spends a refresh token, returning its subject; a second use fails.
    pub fn redeem_refresh(&self, token: &str) -> Result<String, Rejection> {
        let claims = self.verify(token)?;
        if claims.typ != TokenType::Refresh {
            return Err(Rejection::Invalid);
        }
        let fresh = self
            .used_refresh_tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(claims.jti);
        if fresh {
            Ok(claims.sub)
        } else {
            Err(Rejection::Invalid)
        }
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
        let (access, refresh) = issuer.issue_pair("demo");
        assert_eq!(issuer.check_access(&access), Ok("demo".into()));
        assert_eq!(issuer.check_access(&refresh), Err(Rejection::Invalid));
        assert_eq!(issuer.redeem_refresh(&access), Err(Rejection::Invalid));
    }

    #[test]
    fn refresh_tokens_are_single_use() {
        let issuer = issuer(60);
        let (_, refresh) = issuer.issue_pair("demo");
        assert_eq!(issuer.redeem_refresh(&refresh), Ok("demo".into()));
        assert_eq!(issuer.redeem_refresh(&refresh), Err(Rejection::Invalid));
    }

    #[test]
    fn expired_and_foreign_tokens_are_told_apart() {
        let issuer = issuer(0);
        let (access, _) = issuer.issue_pair("demo");
        assert_eq!(issuer.check_access(&access), Err(Rejection::Expired));
        let (foreign, _) = self::issuer(60).issue_pair("demo");
        assert_eq!(issuer.check_access(&foreign), Err(Rejection::Invalid));
        assert_eq!(issuer.check_access("not-a-jwt"), Err(Rejection::Invalid));
    }
}
