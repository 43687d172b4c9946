//! Reading the claims that say when a token expires. IX-API tokens are
//! JWTs; the client cannot verify their signatures (it lacks the key) and
//! does not need to: it only reads `exp` and `iat` to know when to renew.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// What a token's claims say about its expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Claims {
    /// `exp - iat`: independent of any clock.
    pub lifetime: Option<Duration>,
    /// `exp`.
    pub exp: Option<SystemTime>,
}

impl Claims {
    /// Time left at `now` by `exp`.
    pub fn left_at(&self, now: SystemTime) -> Option<Duration> {
        self.exp
            .map(|exp| exp.duration_since(now).unwrap_or_default())
    }
}

/// Reads `exp` and `iat` from `token`'s payload without verifying it.
/// Opaque or malformed tokens give empty claims.
pub(crate) fn claims(token: &str) -> Claims {
    let Some(claims) = payload(token) else {
        return Claims::default();
    };
    let seconds = |name: &str| {
        claims
            .get(name)
            .and_then(serde_json::Value::as_f64)
            .filter(|s| *s >= 0.0)
    };
    let (exp, iat) = (seconds("exp"), seconds("iat"));
    Claims {
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

fn payload(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
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
pub(crate) mod tests {
    use super::*;

    /// An unsigned JWT with these claims.
    pub(crate) fn token(claims: serde_json::Value) -> String {
        format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    #[test]
    fn exp_and_iat_give_a_clock_free_lifetime() {
        let c = claims(&token(
            serde_json::json!({"exp": 1_000_900, "iat": 1_000_000}),
        ));
        assert_eq!(c.lifetime, Some(Duration::from_secs(900)));
        assert_eq!(c.left_at(SystemTime::now()), Some(Duration::ZERO));
    }

    #[test]
    fn exp_alone_counts_by_the_clock_given() {
        let c = claims(&token(serde_json::json!({"exp": 4_000_000_000u64})));
        assert_eq!(c.lifetime, None);
        let at = UNIX_EPOCH + Duration::from_secs(3_999_999_000);
        assert_eq!(c.left_at(at), Some(Duration::from_secs(1000)));
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
            assert_eq!(claims(&t), Claims::default(), "{t}");
        }
        // Absurd values saturate instead of overflowing.
        let far = claims(&token(serde_json::json!({"exp": 1e300, "iat": 0})));
        assert_eq!(far.exp, None);
        assert_eq!(far.lifetime, Some(Duration::MAX));
    }
}
