//! `Session` against the sandbox: a real IX-API server on 127.0.0.1 issuing
//! real JWTs, whose request counts say what the session sent.

use std::time::{Duration, Instant};

use ix_api_client::{Error, Session, TokenPair};
use ix_api_sandbox::{Counts, Sandbox, SandboxConfig};

async fn sandbox(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("start the sandbox")
}

fn session(sandbox: &Sandbox, margin: Duration) -> Session {
    let (key, secret) = sandbox.credentials();
    Session::builder(sandbox.base_url())
        .credentials(key, secret)
        .refresh_margin(margin)
        .build()
        .expect("valid settings")
}

fn counts(logins: u64, refreshes: u64) -> (u64, u64) {
    (logins, refreshes)
}

fn seen(c: Counts) -> (u64, u64) {
    (c.logins, c.refreshes)
}

#[tokio::test]
async fn login_is_lazy_and_tokens_are_reused() {
    let sandbox = sandbox(SandboxConfig::default()).await;
    let session = session(&sandbox, Duration::from_secs(30));
    assert_eq!(
        seen(sandbox.counts()),
        counts(0, 0),
        "building sends nothing"
    );
    assert!(session.tokens().is_none());

    let first = session.access_token().await.expect("login");
    let second = session.clone().access_token().await.expect("cached");
    assert_eq!(first, second);
    assert_eq!(seen(sandbox.counts()), counts(1, 0));

    let expires_at = first.expires_at().expect("a JWT says when it expires");
    let left = expires_at
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(
        left > Duration::from_secs(890) && left <= Duration::from_secs(900),
        "{left:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_callers_cause_one_login_then_one_refresh() {
    let sandbox = sandbox(SandboxConfig {
        access_ttl: Duration::from_secs(2),
        token_latency: Duration::from_millis(200),
        ..SandboxConfig::default()
    })
    .await;
    let session = session(&sandbox, Duration::from_millis(500));

    let all = |session: Session| async move {
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let session = session.clone();
                tokio::spawn(async move { session.access_token().await })
            })
            .collect();
        let mut tokens = Vec::new();
        for task in tasks {
            tokens.push(task.await.expect("task").expect("token"));
        }
        tokens
    };

    let tokens = all(session.clone()).await;
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(seen(sandbox.counts()), counts(1, 0), "exactly one login");

    // Past the renewal point (2 s lifetime, 0.5 s margin), nobody calling.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let renewed = all(session.clone()).await;
    assert!(renewed.iter().all(|t| *t == renewed[0]));
    assert_ne!(renewed[0], tokens[0]);
    assert_eq!(seen(sandbox.counts()), counts(1, 1), "exactly one refresh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn within_the_ahead_window_callers_keep_the_current_token_while_one_refresh_runs() {
    let latency = Duration::from_millis(600);
    let sandbox = sandbox(SandboxConfig {
        access_ttl: Duration::from_secs(4),
        token_latency: latency,
        ..SandboxConfig::default()
    })
    .await;
    // Refresh ahead from 2 s, refresh before serving from 3 s.
    let session = session(&sandbox, Duration::from_secs(1));
    let original = session.access_token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2200)).await;

    let started = Instant::now();
    for _ in 0..50 {
        assert_eq!(session.access_token().await.unwrap(), original);
    }
    assert!(
        started.elapsed() < latency / 2,
        "callers must not wait for the refresh"
    );
    assert_eq!(
        seen(sandbox.counts()),
        counts(1, 0),
        "the refresh is still in flight"
    );

    tokio::time::sleep(latency + Duration::from_millis(300)).await;
    assert_eq!(
        seen(sandbox.counts()),
        counts(1, 1),
        "one background refresh"
    );
    let renewed = session.access_token().await.unwrap();
    assert_ne!(renewed, original);
    assert_eq!(seen(sandbox.counts()), counts(1, 1));
}

async fn refreshes_on_time_with_server_clock_off_by(offset_secs: i64) {
    let sandbox = sandbox(SandboxConfig {
        access_ttl: Duration::from_secs(2),
        clock_offset_secs: offset_secs,
        ..SandboxConfig::default()
    })
    .await;
    let session = session(&sandbox, Duration::from_millis(500));
    let first = session.access_token().await.unwrap();
    // Still valid by the server's reckoning: no second login or refresh.
    assert_eq!(session.access_token().await.unwrap(), first);
    assert_eq!(seen(sandbox.counts()), counts(1, 0), "offset {offset_secs}");

    tokio::time::sleep(Duration::from_millis(1600)).await;
    let second = session.access_token().await.unwrap();
    assert_ne!(second, first);
    assert_eq!(seen(sandbox.counts()), counts(1, 1), "offset {offset_secs}");
    session
        .client()
        .api_implementation_read()
        .send()
        .await
        .expect("the new token works");
}

#[tokio::test]
async fn a_server_clock_ten_minutes_ahead_does_not_delay_refresh() {
    refreshes_on_time_with_server_clock_off_by(600).await;
}

#[tokio::test]
async fn a_server_clock_ten_minutes_behind_does_not_cause_early_refresh() {
    refreshes_on_time_with_server_clock_off_by(-600).await;
}

#[tokio::test]
async fn an_expired_refresh_token_means_logging_in_again() {
    let sandbox = sandbox(SandboxConfig {
        access_ttl: Duration::from_secs(1),
        refresh_ttl: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await;
    let session = session(&sandbox, Duration::from_millis(100));
    let first = session.access_token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = session.access_token().await.unwrap();
    assert_ne!(first, second);
    assert_eq!(
        seen(sandbox.counts()),
        counts(2, 0),
        "no refresh with a dead refresh token"
    );
    assert_eq!(sandbox.counts().rejected, 0);
}

#[tokio::test]
async fn generated_operations_through_the_session_carry_the_token() {
    let sandbox = sandbox(SandboxConfig::default()).await;
    let session = session(&sandbox, Duration::from_secs(30));
    let implementation = session
        .client()
        .api_implementation_read()
        .send()
        .await
        .expect("authenticated call")
        .into_inner();
    assert_eq!(implementation.schema_version, "2.1.0");
    assert_eq!(
        sandbox.counts(),
        Counts {
            logins: 1,
            refreshes: 0,
            implementation_reads: 1,
            rejected: 0
        }
    );
}

#[tokio::test]
async fn saved_tokens_resume_without_a_login() {
    let sandbox = sandbox(SandboxConfig::default()).await;
    let first = session(&sandbox, Duration::from_secs(30));
    let token = first.access_token().await.unwrap();
    let saved = serde_json::to_string(&first.tokens().expect("logged in")).unwrap();

    let (key, secret) = sandbox.credentials();
    let pair: TokenPair = serde_json::from_str(&saved).unwrap();
    let resumed = Session::builder(sandbox.base_url())
        .credentials(key, secret)
        .tokens(pair)
        .build()
        .unwrap();
    assert_eq!(resumed.access_token().await.unwrap(), token);
    resumed
        .client()
        .api_implementation_read()
        .send()
        .await
        .expect("resumed token works");
    assert_eq!(seen(sandbox.counts()), counts(1, 0));
}

#[tokio::test]
async fn a_session_of_tokens_alone_says_when_it_needs_credentials() {
    let sandbox = sandbox(SandboxConfig {
        access_ttl: Duration::from_secs(1),
        refresh_ttl: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await;
    let first = session(&sandbox, Duration::from_millis(100));
    first.access_token().await.unwrap();
    let tokens_only = Session::builder(sandbox.base_url())
        .tokens(first.tokens().unwrap())
        .refresh_margin(Duration::from_millis(100))
        .build()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let error = tokens_only.access_token().await.unwrap_err();
    assert!(
        matches!(error, Error::ReauthenticationRequired),
        "{error:?}"
    );
    assert!(error.to_string().contains("re-authentication required"));
    assert_eq!(
        seen(sandbox.counts()),
        counts(1, 0),
        "nothing sent with spent tokens"
    );
}

#[test]
fn sessions_can_be_shared_across_tasks_and_threads() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Session>();
    shareable::<ix_api_client::AccessToken>();
    shareable::<Error>();
}
