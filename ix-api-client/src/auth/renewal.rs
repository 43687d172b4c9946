//! When to renew a token and how long to wait after a failed renewal: pure
//! functions of a token's validity, the refresh margin and the time they
//! are given, so that they can be tested without a clock.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use tokio::time::Instant;

use crate::auth::validity::Validity;

/// The first wait after a failed renewal; each further failure doubles it.
pub(crate) const FIRST_RETRY: Duration = Duration::from_millis(500);
/// The longest wait between renewal attempts.
pub(crate) const MAX_RETRY: Duration = Duration::from_secs(30);
/// The shortest: however little life a token has left, attempts never come
/// closer than this (an exchange in trouble is not helped by a storm).
pub(crate) const MIN_RETRY: Duration = Duration::from_millis(250);

/// The moments that matter in an access token's life, on tokio's clock.
/// `None` means never (a token that does not say when it expires).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadlines {
    /// From here on, renew in the background and keep serving this token.
    pub ahead: Option<Instant>,
    /// From here on, renew before serving.
    pub renew: Option<Instant>,
    /// Past this, the token is dead.
    pub expiry: Option<Instant>,
}

impl Deadlines {
    /// A token renews `margin` before it expires, and starts renewing in
    /// the background `2 × margin` before. A token living less than four
    /// margins uses a quarter of its life as the margin, so that nothing is
    /// renewed in the first half of its life.
    pub fn new(validity: &Validity, margin: Duration) -> Self {
        let Some(remaining) = validity.remaining else {
            return Self::never();
        };
        let margin = renewal_margin(margin, validity.life.unwrap_or(remaining));
        let margin = margin.min(remaining);
        let at = |left: Duration| validity.anchor.checked_add(left);
        Self {
            ahead: at(remaining.saturating_sub(margin * 2)),
            renew: at(remaining - margin),
            expiry: at(remaining),
        }
    }

    /// Used until IX-API says otherwise.
    pub fn never() -> Self {
        Self {
            ahead: None,
            renew: None,
            expiry: None,
        }
    }

    /// Already dead at `now`.
    pub fn dead(now: Instant) -> Self {
        Self {
            ahead: Some(now),
            renew: Some(now),
            expiry: Some(now),
        }
    }

    pub fn reached(at: Option<Instant>, now: Instant) -> bool {
        at.is_some_and(|at| now >= at)
    }

    /// How long the token has left at `now`; `None` if it does not expire.
    pub fn left(&self, now: Instant) -> Option<Duration> {
        self.expiry
            .map(|expiry| expiry.saturating_duration_since(now))
    }
}

/// The margin a token of `life` renews at: `margin`, or a quarter of its
/// life when that is smaller.
pub(crate) fn renewal_margin(margin: Duration, life: Duration) -> Duration {
    margin.min(life / 4)
}

/// How long to wait before the next attempt after `failures` failed ones
/// in a row (at least one), with `left` the life the current access token
/// has left (`None`: none, or it does not expire).
///
/// Exponential from [`FIRST_RETRY`], at most [`MAX_RETRY`] and at most a
/// quarter of `left`, so that a token still valid gets several more tries
/// before it dies, but never less than [`MIN_RETRY`]. `jitter` in `[0, 1)`
/// spreads the wait over its upper half, so that clients that failed
/// together do not retry together.
pub(crate) fn retry_delay(failures: u32, left: Option<Duration>, jitter: f64) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    let mut delay = FIRST_RETRY.saturating_mul(1 << doublings).min(MAX_RETRY);
    if let Some(left) = left.filter(|left| !left.is_zero()) {
        delay = delay.min(left / 4);
    }
    (delay / 2 + delay.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)).max(MIN_RETRY)
}

/// A number in `[0, 1)` that differs from call to call: the standard
/// library's randomly keyed hasher is enough for spreading retries.
pub(crate) fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validity(remaining: u64) -> Validity {
        Validity {
            anchor: Instant::now(),
            remaining: Some(Duration::from_secs(remaining)),
            life: Some(Duration::from_secs(remaining)),
            expires_at: None,
        }
    }

    #[test]
    fn long_lived_tokens_renew_one_margin_before_expiry() {
        let v = validity(900);
        let d = Deadlines::new(&v, Duration::from_secs(30));
        assert_eq!(d.ahead, Some(v.anchor + Duration::from_secs(840)));
        assert_eq!(d.renew, Some(v.anchor + Duration::from_secs(870)));
        assert_eq!(d.expiry, Some(v.anchor + Duration::from_secs(900)));
    }

    #[test]
    fn nothing_renews_in_the_first_half_of_a_short_life() {
        for (life, margin) in [(4, 2), (60, 30), (10, 600), (1, 1)] {
            let v = validity(life);
            let d = Deadlines::new(&v, Duration::from_secs(margin));
            let half = v.anchor + Duration::from_secs(life) / 2;
            assert!(d.ahead.unwrap() >= half, "{life} s, margin {margin} s");
            assert!(d.renew.unwrap() > d.ahead.unwrap() || life == 0);
            assert!(d.renew.unwrap() < d.expiry.unwrap());
        }
    }

    #[test]
    fn opaque_tokens_never_renew_on_their_own() {
        let v = Validity {
            anchor: Instant::now(),
            remaining: None,
            life: None,
            expires_at: None,
        };
        let d = Deadlines::new(&v, Duration::from_secs(30));
        assert_eq!(d, Deadlines::never());
        assert!(!Deadlines::reached(
            d.renew,
            v.anchor + Duration::from_secs(1 << 30)
        ));
    }

    #[test]
    fn retries_back_off_exponentially_within_bounds() {
        let top = |n| retry_delay(n, None, 0.999_999);
        let bottom = |n| retry_delay(n, None, 0.0);
        assert_eq!(bottom(1), FIRST_RETRY / 2);
        assert!(top(1) <= FIRST_RETRY);
        assert_eq!(bottom(2), FIRST_RETRY);
        assert_eq!(bottom(3), FIRST_RETRY * 2);
        assert_eq!(bottom(40), MAX_RETRY / 2);
        assert!(top(40) <= MAX_RETRY);
    }

    #[test]
    fn retries_stay_well_within_the_life_left() {
        let left = Some(Duration::from_secs(8));
        assert!(retry_delay(20, left, 0.999) <= Duration::from_secs(2));
        // A dead token is no bound.
        assert_eq!(retry_delay(20, Some(Duration::ZERO), 0.0), MAX_RETRY / 2);
    }

    #[test]
    fn retries_never_come_closer_than_the_floor() {
        for left_ms in [0, 1, 7, 100, 999, 1_000, 2_000] {
            for jitter in [0.0, 0.5, 0.999] {
                let left = Some(Duration::from_millis(left_ms));
                assert!(retry_delay(30, left, jitter) >= MIN_RETRY, "{left_ms} ms");
                assert!(retry_delay(1, left, jitter) >= MIN_RETRY, "{left_ms} ms");
            }
        }
    }

    #[test]
    fn a_resumed_token_renews_by_its_whole_life() {
        // 20 s left of a 900 s life: inside the 30 s margin, renew now.
        let v = Validity {
            anchor: Instant::now(),
            remaining: Some(Duration::from_secs(20)),
            life: Some(Duration::from_secs(900)),
            expires_at: None,
        };
        let d = Deadlines::new(&v, Duration::from_secs(30));
        assert_eq!(d.renew, Some(v.anchor));
        // 20 s left of a 40 s life: a quarter of the life (10 s) is the margin.
        let v = Validity {
            life: Some(Duration::from_secs(40)),
            ..v
        };
        let d = Deadlines::new(&v, Duration::from_secs(30));
        assert_eq!(d.renew, Some(v.anchor + Duration::from_secs(10)));
    }

    #[test]
    fn jitter_is_in_range_and_varies() {
        let draws: Vec<f64> = (0..64).map(|_| jitter()).collect();
        assert!(draws.iter().all(|j| (0.0..1.0).contains(j)));
        assert!(draws.iter().any(|j| *j != draws[0]));
    }
}
