//! `Session` against the sandbox: a real IX-API server on 127.0.0.1 issuing
//! real JWTs, whose request counts say what the session sent. Time passes by
//! `advance`, which moves tokio's clock (the session's and the sandbox's)
//! at once instead of sleeping.

use std::time::Duration;

use ix_api_client::{Error, Session, TokenPair};
use ix_api_sandbox::{Counts, Sandbox, SandboxConfig};
use ix_api_tests::{advance, read_implementation};

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

async fn all_at_once(session: &Session, callers: usize) -> Vec<ix_api_client::AccessToken> {
    let tasks: Vec<_> = (0..callers)
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_on_two_threads_cause_one_login() {
    let sandbox = sandbox(SandboxConfig {
        token_latency: Duration::from_millis(100),
        ..SandboxConfig::default()
    })
    .await;
    let session = session(&sandbox, Duration::from_secs(30));
    let tokens = all_at_once(&session, 1000).await;
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(seen(sandbox.counts()), counts(1, 0), "exactly one login");
}

#[tokio::test]
async fn a_thousand_callers_at_expiry_cause_one_refresh() {
    let sandbox = sandbox(SandboxConfig {
        access_ttl: Duration::from_secs(60),
        token_latency: Duration::from_millis(50),
        ..SandboxConfig::default()
    })
    .await;
    // Renew in the background from 40 s, before serving from 50 s.
    let session = session(&sandbox, Duration::from_secs(10));
    let tokens = all_at_once(&session, 1000).await;
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(seen(sandbox.counts()), counts(1, 0), "exactly one login");

    advance(Duration::from_secs(51)).await;
    let renewed = all_at_once(&session, 1000).await;
    assert!(renewed.iter().all(|t| *t == renewed[0]));
    assert_ne!(renewed[0], tokens[0]);
    assert_eq!(seen(sandbox.counts()), counts(1, 1), "exactly one refresh");
}

#[tokio::test]
async fn within_the_ahead_window_callers_keep_the_current_token_while_one_refresh_runs() {
    let sandbox = sandbox(SandboxConfig {
        access_ttl: Duration::from_secs(60),
        token_latency: Duration::from_millis(200),
        ..SandboxConfig::default()
    })
    .await;
    // Refresh ahead from 40 s, refresh before serving from 50 s.
    let session = session(&sandbox, Duration::from_secs(10));
    let original = session.access_token().await.unwrap();
    advance(Duration::from_secs(41)).await;

    // None of these waits: they return before the refresh is even sent.
    for _ in 0..50 {
        assert_eq!(session.access_token().await.unwrap(), original);
    }
    assert_eq!(seen(sandbox.counts()), counts(1, 0), "nothing waited");

    // `refresh()` joins the background refresh rather than starting another.
    let renewed = session.refresh().await.unwrap();
    assert_ne!(renewed, original);
    assert_eq!(
        seen(sandbox.counts()),
        counts(1, 1),
        "one background refresh"
    );
    assert_eq!(session.access_token().await.unwrap(), renewed);
    assert_eq!(seen(sandbox.counts()), counts(1, 1));
}

async fn refreshes_on_time_with_server_clock_off_by(offset_secs: i64) {
    let sandbox = sandbox(SandboxConfig {
        access_ttl: Duration::from_secs(60),
        clock_offset_secs: offset_secs,
        ..SandboxConfig::default()
    })
    .await;
    let session = session(&sandbox, Duration::from_secs(10));
    let first = session.access_token().await.unwrap();
    // Still valid by the server's reckoning: no second login or refresh.
    advance(Duration::from_secs(35)).await;
    assert_eq!(session.access_token().await.unwrap(), first);
    assert_eq!(seen(sandbox.counts()), counts(1, 0), "offset {offset_secs}");

    advance(Duration::from_secs(16)).await;
    let second = session.access_token().await.unwrap();
    assert_ne!(second, first);
    assert_eq!(seen(sandbox.counts()), counts(1, 1), "offset {offset_secs}");
    read_implementation(&session)
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
        access_ttl: Duration::from_secs(60),
        refresh_ttl: Duration::from_secs(60),
        ..SandboxConfig::default()
    })
    .await;
    let session = session(&sandbox, Duration::from_secs(10));
    let first = session.access_token().await.unwrap();
    advance(Duration::from_secs(61)).await;
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
    let implementation = read_implementation(&session)
        .await
        .expect("authenticated call")
        .into_inner();
    assert_eq!(
        implementation.schema_version,
        ix_api_client::spec::SCHEMA_VERSION
    );
    assert_eq!(
        sandbox.counts(),
        Counts {
            logins: 1,
            refreshes: 0,
            implementation_reads: 1,
            oauth2_grants: 0,
            rejected: 0,
            changes: 0,
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
    read_implementation(&resumed)
        .await
        .expect("resumed token works");
    assert_eq!(seen(sandbox.counts()), counts(1, 0));
}

#[tokio::test]
async fn a_session_of_tokens_alone_says_when_it_needs_credentials() {
    let sandbox = sandbox(SandboxConfig {
        access_ttl: Duration::from_secs(60),
        refresh_ttl: Duration::from_secs(60),
        ..SandboxConfig::default()
    })
    .await;
    let first = session(&sandbox, Duration::from_secs(10));
    first.access_token().await.unwrap();
    let tokens_only = Session::builder(sandbox.base_url())
        .tokens(first.tokens().unwrap())
        .refresh_margin(Duration::from_secs(10))
        .build()
        .unwrap();
    advance(Duration::from_secs(61)).await;
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
