//! Reading when a token expires. IX-API tokens are JWTs; the client cannot
//! verify their signatures (it lacks the key) and does not need to: it only
//! reads the `exp` and `iat` claims to know when to renew.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// What a token's claims say about its expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Expiry {
    /// `exp - iat`: independent of any clock, so anchoring it at receipt
    /// keeps a skewed local clock out of the picture.
    pub lifetime: Option<Duration>,
    /// `exp`, for tokens whose receipt time is unknown (resumed ones) or
    /// that carry no `iat`.
    pub exp: Option<SystemTime>,
}

impl Expiry {
    /// Time left, counted from receipt when `fresh`, else by the local clock.
    /// `None` for tokens that do not say (opaque ones).
    pub fn remaining(&self, fresh: bool) -> Option<Duration> {
        match (fresh, self.lifetime, self.exp) {
            (true, Some(lifetime), _) => Some(lifetime),
            (_, _, Some(exp)) => Some(exp.duration_since(SystemTime::now()).unwrap_or_default()),
            _ => None,
        }
    }
}

/// Reads `exp` and `iat` from `token`'s payload without verifying it.
/// Opaque or malformed tokens give an empty `Expiry`.
pub(crate) fn expiry(token: &str) -> Expiry {
    let Some(claims) = claims(token) else {
        return Expiry::default();
    };
    let seconds = |name: &str| {
        claims
            .get(name)
            .and_then(serde_json::Value::as_f64)
            .filter(|s| *s >= 0.0)
    };
    let (exp, iat) = (seconds("exp"), seconds("iat"));
    Expiry {
        lifetime: exp
            .zip(iat)
            .filter(|(e, i)| e >= i)
            .map(|(e, i)| duration(e - i)),
        exp: exp.and_then(|e| UNIX_EPOCH.checked_add(duration(e))),
    }
}

fn duration(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
}

fn claims(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    // Some issuers pad their base64url; the JWT spec says not to.
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: serde_json::Value) -> String {
        format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    #[test]
    fn exp_and_iat_give_a_clock_free_lifetime() {
        let t = token(serde_json::json!({"exp": 1_000_900, "iat": 1_000_000}));
        let e = expiry(&t);
        assert_eq!(e.lifetime, Some(Duration::from_secs(900)));
        assert_eq!(e.remaining(true), Some(Duration::from_secs(900)));
        // Resumed, the same token long expired by the local clock.
        assert_eq!(e.remaining(false), Some(Duration::ZERO));
    }

    #[test]
    fn exp_alone_counts_by_the_local_clock() {
        let t = token(serde_json::json!({"exp": 4_000_000_000u64}));
        let e = expiry(&t);
        assert_eq!(e.lifetime, None);
        assert!(e.remaining(true).unwrap() > Duration::from_secs(86_400 * 365));
    }

    #[test]
    fn opaque_and_malformed_tokens_have_no_expiry() {
        for t in [
            "opaque-token".to_string(),
            "a.b.c".to_string(),
            "a.b.c.d".to_string(),
            token(serde_json::json!({"sub": "x"})),
            token(serde_json::json!({"exp": "soon"})),
            token(serde_json::json!({"exp": -5})),
        ] {
            assert_eq!(expiry(&t), Expiry::default(), "{t}");
            assert_eq!(expiry(&t).remaining(true), None);
        }
        // Absurd values saturate instead of overflowing.
        let far = expiry(&token(serde_json::json!({"exp": 1e300, "iat": 0})));
        assert_eq!(far.exp, None);
        assert_eq!(far.lifetime, Some(Duration::MAX));
    }
}
