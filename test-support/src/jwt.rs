//! Real JWTs for tests: HS256-signed with a test key. A client reads their
//! claims without checking the signature, as IX-API clients do.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// A JWT of these claims, exactly: the same claims give the same token.
pub fn jwt_with_claims(claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(b"ix-api-rs test key"),
    )
    .expect("sign a JWT")
}

/// A JWT for `subject` with `iat` now and `exp` `ttl` from now.
pub fn jwt(subject: &str, ttl: Duration) -> String {
    jwt_issued(subject, 0, ttl)
}

/// A JWT issued `issued_secs` from now (negative: in the past) that lives
/// `ttl`. Each has its own `jti`, so no two are the same.
pub fn jwt_issued(subject: &str, issued_secs: i64, ttl: Duration) -> String {
    static ISSUED: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    let iat = now + issued_secs;
    jwt_with_claims(&json!({
        "sub": subject,
        "iat": iat,
        "exp": iat + ttl.as_secs() as i64,
        "jti": format!("{subject}-{iat}-{}", ISSUED.fetch_add(1, Ordering::Relaxed)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(token: &str) -> Value {
        let validation = jsonwebtoken::Validation {
            validate_exp: false,
            ..Default::default()
        };
        jsonwebtoken::decode::<Value>(
            token,
            &jsonwebtoken::DecodingKey::from_secret(b"ix-api-rs test key"),
            &validation,
        )
        .expect("a JWT signed with the test key")
        .claims
    }

    #[test]
    fn a_token_carries_its_lifetime_and_is_unique() {
        let (one, two) = (
            jwt("a", Duration::from_secs(60)),
            jwt("a", Duration::from_secs(60)),
        );
        assert_ne!(one, two);
        let read = claims(&one);
        assert_eq!(read["sub"], "a");
        assert_eq!(
            read["exp"].as_i64().unwrap() - read["iat"].as_i64().unwrap(),
            60
        );
        let past = claims(&jwt_issued("b", -3_600, Duration::from_secs(60)));
        assert!(past["exp"].as_i64().unwrap() < read["iat"].as_i64().unwrap());
    }

    #[test]
    fn the_same_claims_give_the_same_token() {
        let fixed = json!({"sub": "x", "iat": 1000, "exp": 1060});
        assert_eq!(jwt_with_claims(&fixed), jwt_with_claims(&fixed));
        assert_eq!(claims(&jwt_with_claims(&fixed)), fixed);
    }
}
