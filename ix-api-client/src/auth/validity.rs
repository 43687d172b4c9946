//! How long a token is good for. Computed here and nowhere else: both
//! [`AccessToken::expires_at`](crate::AccessToken::expires_at) and the
//! session's renewal deadlines come from [`validity`].

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::auth::jwt;

/// How the client came by a token.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Obtained {
    /// In IX-API's answer to a request sent at `sent` (tokio's clock) and
    /// `sent_wall` (the wall clock).
    Answer {
        sent: Instant,
        sent_wall: SystemTime,
    },
    /// As text: saved earlier, or handed in by the caller. Only its `exp`
    /// and the local clock can tell how much is left.
    Text,
}

impl Obtained {
    /// A request sent now.
    pub fn sending_now() -> Self {
        Self::Answer {
            sent: Instant::now(),
            sent_wall: SystemTime::now(),
        }
    }
}

/// A token's life, on tokio's clock and on the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Validity {
    /// Where the rest of its life is counted from.
    pub anchor: Instant,
    /// How long it lives from `anchor`; `None` for tokens that do not say
    /// (opaque ones).
    pub remaining: Option<Duration>,
    /// Its whole life (`exp - iat`), when known; else `remaining`.
    pub life: Option<Duration>,
    /// The same end on the wall clock, for people and for saving.
    pub expires_at: Option<SystemTime>,
}

impl Validity {
    /// When it dies on tokio's clock; `None` if it does not say or the
    /// clock cannot reach that far.
    pub fn expiry(&self) -> Option<Instant> {
        self.anchor.checked_add(self.remaining?)
    }

    /// The same token, if it lives at most `limit` from the anchor (an
    /// OAuth2 `expires_in`); its own `exp` still counts if sooner.
    pub fn at_most(self, limit: Duration) -> Self {
        let remaining = self.remaining.map_or(limit, |r| r.min(limit));
        let shift = self.remaining.map_or(Duration::ZERO, |r| r - remaining);
        Self {
            anchor: self.anchor,
            remaining: Some(remaining),
            life: Some(self.life.map_or(remaining, |life| life.min(remaining))),
            expires_at: match self.expires_at {
                Some(at) => at.checked_sub(shift),
                None => SystemTime::now().checked_add(remaining),
            },
        }
    }
}

/// The validity of `token`, obtained as `obtained`.
///
/// A token in IX-API's answer lives `exp - iat` from the moment the request
/// was *sent*: that difference needs neither clock to agree with the
/// server's, and counting from the send errs on the early side when the
/// answer is slow. Without `iat`, `exp` and the local clock decide.
pub(crate) fn validity(token: &str, obtained: Obtained) -> Validity {
    let claims = jwt::claims(token);
    match obtained {
        Obtained::Answer { sent, sent_wall } => {
            let remaining = claims.lifetime.or_else(|| claims.left_at(sent_wall));
            Validity {
                anchor: sent,
                remaining,
                life: remaining,
                expires_at: remaining.and_then(|left| sent_wall.checked_add(left)),
            }
        }
        Obtained::Text => {
            let remaining = claims.left_at(SystemTime::now());
            Validity {
                anchor: Instant::now(),
                remaining,
                life: claims.lifetime.or(remaining),
                expires_at: claims.exp,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::jwt::tests::token;

    fn now_secs() -> u64 {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    #[test]
    fn an_answer_lives_exp_minus_iat_from_the_send_whatever_the_clocks_say() {
        // Issued by a server whose clock is an hour behind.
        let iat = now_secs() - 3600;
        let t = token(serde_json::json!({"iat": iat, "exp": iat + 900}));
        let (sent, sent_wall) = (Instant::now(), SystemTime::now());
        let v = validity(&t, Obtained::Answer { sent, sent_wall });
        assert_eq!(v.remaining, Some(Duration::from_secs(900)));
        assert_eq!(v.anchor, sent);
        assert_eq!(v.expiry(), Some(sent + Duration::from_secs(900)));
        assert_eq!(v.expires_at, Some(sent_wall + Duration::from_secs(900)));
    }

    #[test]
    fn an_answer_without_iat_counts_exp_by_the_clock_at_the_send() {
        let t = token(serde_json::json!({"exp": now_secs() + 600}));
        let v = validity(&t, Obtained::sending_now());
        let left = v.remaining.unwrap();
        assert!(left > Duration::from_secs(598) && left <= Duration::from_secs(600));
    }

    #[test]
    fn text_has_only_exp_to_go_by() {
        // Saved an hour ago, lived 15 minutes: long dead.
        let iat = now_secs() - 3600;
        let t = token(serde_json::json!({"iat": iat, "exp": iat + 900}));
        let v = validity(&t, Obtained::Text);
        assert_eq!(v.remaining, Some(Duration::ZERO));
        assert_eq!(
            v.expires_at,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(iat + 900))
        );
    }

    #[test]
    fn opaque_tokens_do_not_expire_locally() {
        for obtained in [Obtained::Text, Obtained::sending_now()] {
            let v = validity("opaque", obtained);
            assert_eq!((v.remaining, v.expires_at, v.expiry()), (None, None, None));
        }
    }
}
