//! Waiting for a state, on tokio's paused clock: arrives, fails, times out
//! with the last state, backs off while the exchange is down, is gone, and
//! leaves nothing running when dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ix_api_client::wait::{Stateful, Wait, Waited};
use ix_api_client::{Error, ResponseValue};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::json;
use tokio::time::Instant;

/// An object with a free-text state, as a user's own model may be.
#[derive(Debug)]
struct Config {
    state: String,
}

impl Stateful for Config {
    const STATES: &'static [&'static str] = &[];
    type State = String;
    fn state(&self) -> Option<&String> {
        Some(&self.state)
    }
}

type Read = Result<ResponseValue<Config>, Error>;

fn object(state: &str) -> Read {
    Ok(ResponseValue::new(
        Config {
            state: state.to_string(),
        },
        StatusCode::OK,
        HeaderMap::new(),
    ))
}

/// A read that answers `answers` in turn (the last one from then on), and
/// counts and times its polls.
fn scripted(
    answers: Vec<fn() -> Read>,
) -> (
    impl FnMut() -> std::future::Ready<Read>,
    Arc<std::sync::Mutex<Vec<Duration>>>,
) {
    let started = Instant::now();
    let polls: Arc<std::sync::Mutex<Vec<Duration>>> = Arc::default();
    let seen = polls.clone();
    let read = move || {
        let mut polls = seen.lock().unwrap();
        polls.push(started.elapsed());
        let answer = answers[(polls.len() - 1).min(answers.len() - 1)];
        std::future::ready(answer())
    };
    (read, polls)
}

fn wait() -> Wait {
    Wait::new()
        .interval(Duration::from_secs(2))
        .timeout(Duration::from_secs(60))
}

#[tokio::test(start_paused = true)]
async fn it_arrives() {
    let (read, polls) = scripted(vec![|| object("requested"), || object("requested"), || {
        object("production")
    }]);
    let waited = wait().for_state("production", read).await.unwrap();
    assert!(matches!(waited, Waited::Arrived(ref o) if o.state == "production"));
    assert_eq!(
        *polls.lock().unwrap(),
        [
            Duration::ZERO,
            Duration::from_secs(2),
            Duration::from_secs(4)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn it_fails_with_the_object_in_error() {
    let (read, _) = scripted(vec![|| object("requested"), || object("error")]);
    let waited = wait().for_state("production", read).await.unwrap();
    assert!(matches!(waited, Waited::Failed(ref o) if o.state == "error"));
}

#[tokio::test(start_paused = true)]
async fn it_times_out_with_the_last_state_seen() {
    let (read, polls) = scripted(vec![|| object("requested"), || {
        object("production_change_pending")
    }]);
    let waited = Wait::new()
        .interval(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .for_state("production", read)
        .await
        .unwrap();
    let Waited::TimedOut { last: Some(last) } = waited else {
        panic!("{waited:?}");
    };
    assert_eq!(last.state, "production_change_pending");
    // Every 3 s, and a last look at the deadline.
    let seconds: Vec<u64> = polls
        .lock()
        .unwrap()
        .iter()
        .map(Duration::as_secs)
        .collect();
    assert_eq!(seconds, [0, 3, 6, 9, 10]);
}

#[tokio::test(start_paused = true)]
async fn it_backs_off_while_the_exchange_is_down() {
    fn down() -> Read {
        Err(Error::UnexpectedStatus {
            operation: "network_service_configs_read",
            status: 503,
        })
    }
    let (read, polls) = scripted(vec![down, down, down, || object("production")]);
    let waited = wait().for_state("production", read).await.unwrap();
    assert!(matches!(waited, Waited::Arrived(_)));
    let seconds: Vec<u64> = polls
        .lock()
        .unwrap()
        .iter()
        .map(Duration::as_secs)
        .collect();
    // 4 s, 8 s, 16 s after each failure: doubling from the interval.
    assert_eq!(seconds, [0, 4, 12, 28]);
}

#[tokio::test(start_paused = true)]
async fn any_other_error_ends_the_wait_and_a_missing_object_is_gone() {
    fn refused() -> Read {
        Err(Error::ReauthenticationRequired)
    }
    let (read, _) = scripted(vec![refused]);
    assert!(matches!(
        wait().for_state("production", read).await,
        Err(Error::ReauthenticationRequired)
    ));
    fn gone() -> Read {
        let problem = serde_json::from_value(json!({
            "type": "https://errors.ix-api.net/v2/not-found.html", "status": 404
        }))
        .unwrap();
        Err(Error::Rejected {
            operation: "network_service_configs_read",
            status: 404,
            problem: Box::new(problem),
        })
    }
    let (read, _) = scripted(vec![|| object("decommission_requested"), gone]);
    assert!(matches!(
        wait().for_state("decommissioned", read).await.unwrap(),
        Waited::Gone
    ));
}

#[tokio::test(start_paused = true)]
async fn a_dropped_wait_leaves_nothing_running() {
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = polls.clone();
    let read = move || {
        counted.fetch_add(1, Ordering::Relaxed);
        std::future::ready(object("requested"))
    };
    let waiting = wait().for_state("production", read);
    assert!(
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .is_err()
    );
    let after_drop = polls.load(Ordering::Relaxed);
    assert_eq!(after_drop, 3, "polls at 0, 2 and 4 s");
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(
        polls.load(Ordering::Relaxed),
        after_drop,
        "no poll after the drop"
    );
}

#[test]
fn a_polymorphic_model_has_its_variants_state() {
    use ix_api_client::types::NetworkServiceConfig;
    let unknown = NetworkServiceConfig::Unknown(
        serde_json::from_value(json!({"type": "new_vc", "state": "testing"})).unwrap(),
    );
    let state = unknown.state().map(ToString::to_string);
    assert_eq!(state.as_deref(), Some("testing"));
    assert!(<NetworkServiceConfig as Stateful>::STATES.contains(&"production"));
}
