//! `Session` under short-lived tokens, redirects, outages and hung servers.
//! A scripted server on 127.0.0.1 plays IX-API and counts every request it
//! gets (a second one plays the origin a redirect points to); time passes by
//! `advance`, which moves tokio's clock at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, SystemTime};

use ix_api_client::{Error, ProblemError, ProblemKind, Session, TokenPair};
use ix_api_tests::{
    Reply, ScriptedServer, advance, count, demo_credentials, eventually, implementation, jwt,
    jwt_issued, read_implementation, stale_pair, token_pair,
};
use serde_json::json;

const LOGIN: &str = "/api/v2/auth/token";
const REFRESH: &str = "/api/v2/auth/refresh";
const IMPLEMENTATION: &str = "/api/v2/implementation";
const PATIENCE: Duration = Duration::from_secs(20);

fn pair_living(lifetime: Duration) -> Reply {
    token_pair(
        &jwt("access", lifetime),
        &jwt("refresh", Duration::from_secs(86_400)),
    )
}

fn with_credentials(url: &str) -> ix_api_client::SessionBuilder {
    let (key, secret) = demo_credentials();
    Session::builder(url).credentials(key, secret)
}

/// 1. Tokens living 40 s with a 20 s margin (the 4 s / 2 s case, scaled so
///    that real time passing between the steps cannot matter): nothing is
///    renewed in the first half of their life, then exactly one background
///    refresh.
#[tokio::test]
async fn short_lived_tokens_are_not_renewed_in_the_first_half_of_their_life() {
    let server = ScriptedServer::start(|r| match r.path.as_str() {
        IMPLEMENTATION => implementation(),
        _ => pair_living(Duration::from_secs(40)),
    })
    .await;
    let session = with_credentials(&server.base_url)
        .refresh_margin(Duration::from_secs(20))
        .build()
        .unwrap();
    let first = session.access_token().await.unwrap();
    for _ in 0..40 {
        advance(Duration::from_millis(250)).await; // 40 calls over 10 s
        assert_eq!(session.access_token().await.unwrap(), first);
        tokio::task::yield_now().await;
    }
    advance(Duration::from_secs(8)).await; // 18 s of 40
    assert_eq!(session.access_token().await.unwrap(), first);
    tokio::task::yield_now().await;
    assert_eq!((count(&server, LOGIN), count(&server, REFRESH)), (1, 0));

    advance(Duration::from_secs(3)).await; // 21 s: the ahead window
    assert_eq!(session.access_token().await.unwrap(), first);
    let renewed = |session: &Session| session.tokens().is_some_and(|t| t.access_token != first);
    eventually(PATIENCE, || renewed(&session)).await;
    for _ in 0..40 {
        assert_ne!(session.access_token().await.unwrap(), first);
    }
    assert_eq!((count(&server, LOGIN), count(&server, REFRESH)), (1, 1));
}

/// An origin that records what reaches it, for redirects to point at.
async fn elsewhere() -> ScriptedServer {
    ScriptedServer::start(|r| match r.path.as_str() {
        IMPLEMENTATION => implementation(),
        _ => pair_living(Duration::from_secs(900)),
    })
    .await
}

/// IX-API answering `path` with `status` pointing at the same path on
/// `target`, and everything else as usual.
async fn redirecting(path: &'static str, status: u16, target: &ScriptedServer) -> ScriptedServer {
    let location = format!("{}{}", target.base_url, &path["/api/v2".len()..]);
    ScriptedServer::start(move |r| {
        if r.path == path {
            let mut reply = Reply::raw(status, None, "");
            reply.location = Some(location.clone());
            reply
        } else if r.path == IMPLEMENTATION {
            implementation()
        } else {
            pair_living(Duration::from_secs(900))
        }
    })
    .await
}

fn redirected_to(error: &Error, target: &ScriptedServer) -> bool {
    matches!(error, Error::Redirected { location, .. } if location.starts_with(&target.base_url))
}

fn nothing_secret_reached(target: &ScriptedServer, secrets: &[&str]) {
    for request in target.requests() {
        let seen = format!(
            "{:?} {}",
            request.headers,
            String::from_utf8_lossy(&request.body)
        );
        for secret in secrets {
            assert!(
                !seen.contains(secret),
                "{secret} reached the other origin: {seen}"
            );
        }
        assert_eq!(request.header("authorization"), None);
    }
}

/// 2. A redirect of `/auth/token` is an error naming where it pointed; the
///    credentials never reach the other origin, with the session's own HTTP
///    client or one that follows redirects.
#[tokio::test]
async fn logins_are_never_redirected() {
    let (_, secret) = demo_credentials();
    for status in [301, 302, 303, 307, 308] {
        for follows in [false, true] {
            let target = elsewhere().await;
            let server = redirecting(LOGIN, status, &target).await;
            let mut builder = with_credentials(&server.base_url);
            if follows {
                builder = builder.http_client(reqwest::Client::new());
            }
            let session = builder.build().unwrap();
            let error = session.access_token().await.unwrap_err();
            assert!(
                redirected_to(&error, &target),
                "{status} {follows}: {error:?}"
            );
            assert!(error.to_string().contains("redirect"), "{error}");
            assert!(session.tokens().is_none(), "no pair from the other origin");
            nothing_secret_reached(&target, &[&secret]);
            if !follows || status >= 307 {
                assert!(target.requests().is_empty(), "{status} {follows}");
            }
        }
    }
}

/// 2. The same for `/auth/refresh` and the refresh token.
#[tokio::test]
async fn refreshes_are_never_redirected() {
    for status in [302, 307, 308] {
        let target = elsewhere().await;
        let server = redirecting(REFRESH, status, &target).await;
        let (pair, refresh) = stale_pair();
        let session = Session::builder(&server.base_url)
            .tokens(pair)
            .http_client(reqwest::Client::new())
            .build()
            .unwrap();
        let error = session.access_token().await.unwrap_err();
        assert!(redirected_to(&error, &target), "{status}: {error:?}");
        nothing_secret_reached(&target, &[&refresh]);
    }
}

/// 2. Bearer calls: the session's client follows no redirect; a client that
///    does sends no token to the other origin, and its answer is refused.
#[tokio::test]
async fn bearer_calls_do_not_take_answers_from_another_origin() {
    for follows in [false, true] {
        let target = elsewhere().await;
        let server = redirecting(IMPLEMENTATION, 302, &target).await;
        let mut builder = with_credentials(&server.base_url);
        if follows {
            builder = builder.http_client(reqwest::Client::new());
        }
        let session = builder.build().unwrap();
        let token = session.access_token().await.unwrap();
        let error = read_implementation(&session).await.unwrap_err();
        let typed = Error::from_session(&error).expect("a typed cause");
        assert!(redirected_to(&typed, &target), "{follows}: {typed:?}");
        nothing_secret_reached(&target, &[token.expose()]);
        assert_eq!(target.requests().len(), usize::from(follows));
    }
}

/// A server whose `/auth/refresh` answers with the status in `refresh`
/// (201 for a new pair), and which logs in with tokens living `lifetime`.
async fn refresh_answering(refresh: Arc<AtomicU16>, lifetime: Duration) -> ScriptedServer {
    ScriptedServer::start(move |r| match r.path.as_str() {
        REFRESH => match refresh.load(Ordering::SeqCst) {
            201 => pair_living(lifetime),
            401 => Reply::problem(401, "authentication-error", "Refresh token revoked"),
            400 => Reply::problem(400, "validation-error", "Bad request"),
            status => Reply::raw(status, Some("text/plain"), "Service Unavailable"),
        },
        IMPLEMENTATION => implementation(),
        _ => pair_living(lifetime),
    })
    .await
}

/// Calls `access_token` every 10 ms for `span`; every call must succeed with
/// `expected`.
async fn call_for(session: &Session, span: Duration, expected: &ix_api_client::AccessToken) {
    let step = Duration::from_millis(10);
    for _ in 0..span.as_millis() / step.as_millis() {
        assert_eq!(&session.access_token().await.unwrap(), expected);
        // A renewal in flight reaches the server and comes back (in real
        // time) before the clock moves on, so that its failure is booked
        // when it happened, however loaded the machine.
        eventually(PATIENCE, || !session.renewal().in_flight).await;
        advance(step).await;
    }
}

/// 3. With the token valid and `/auth/refresh` answering 503, renewals back
///    off (in the background and before serving), callers keep the token,
///    and a success resets the backoff.
#[tokio::test]
async fn failed_renewals_back_off_while_the_token_is_still_valid() {
    let status = Arc::new(AtomicU16::new(503));
    let server = refresh_answering(status.clone(), Duration::from_secs(120)).await;
    let session = with_credentials(&server.base_url)
        .refresh_margin(Duration::from_secs(30))
        .build()
        .unwrap();
    let token = session.access_token().await.unwrap();

    // The ahead window (60 s to 90 s): background renewals.
    advance(Duration::from_secs(61)).await;
    call_for(&session, Duration::from_millis(1200), &token).await;
    eventually(PATIENCE, || count(&server, REFRESH) >= 1).await;
    let background = count(&server, REFRESH);
    // Backoff (0.5 s, 1 s, 2 s ... with jitter) allows three in 1.2 s; one
    // more for real time passing (the clock runs while a renewal is in
    // flight) on a loaded machine.
    assert!(
        (1..=4).contains(&background),
        "{background} attempts in 1.2 s"
    );
    let renewal = session.renewal();
    assert_eq!(renewal.failures as usize, background);
    assert!(renewal.last_error.as_ref().is_some_and(Error::is_transient));

    // Past the renewal point (90 s): callers wait for renewals, and still
    // get the valid token when they fail.
    advance(Duration::from_secs(30)).await;
    call_for(&session, Duration::from_millis(1200), &token).await;
    let foreground = count(&server, REFRESH) - background;
    assert!(
        (1..=4).contains(&foreground),
        "{foreground} attempts in 1.2 s"
    );
    assert_eq!(count(&server, LOGIN), 1, "a good refresh token is kept");

    // The server recovers: the next attempt after the backoff succeeds.
    status.store(201, Ordering::SeqCst);
    advance(Duration::from_secs(8)).await; // the backoff is at most a quarter of the life left
    let renewed = session.access_token().await.unwrap();
    assert_ne!(renewed, token);
    assert_eq!(count(&server, REFRESH), background + foreground + 1);
    let renewal = session.renewal();
    assert_eq!((renewal.failures, renewal.retry_in), (0, None));
    assert!(renewal.last_error.is_none() && !renewal.in_flight);
}

/// 3. With the token dead and the server down, callers get the last error
///    at once, without a request, until the backoff is over.
#[tokio::test]
async fn during_a_backoff_callers_get_the_last_error_without_a_request() {
    let server = ScriptedServer::start(|_| Reply::raw(503, None, "down")).await;
    let session = with_credentials(&server.base_url).build().unwrap();
    let mut attempts = Vec::new();
    for _ in 0..8 {
        for _ in 0..50 {
            let error = session.access_token().await.unwrap_err();
            assert!(
                matches!(error, Error::UnexpectedStatus { status: 503, .. }),
                "{error:?}"
            );
            assert!(error.is_transient());
        }
        attempts.push(count(&server, LOGIN));
        advance(Duration::from_secs(31)).await; // past any backoff
    }
    assert_eq!(
        attempts,
        [1, 2, 3, 4, 5, 6, 7, 8],
        "one attempt per backoff"
    );
}

/// 4. Once IX-API rejects a refresh token it is never sent again, even when
///    the login that follows fails.
#[tokio::test]
async fn a_rejected_refresh_token_is_dropped() {
    let status = Arc::new(AtomicU16::new(401));
    let logins = Arc::new(AtomicU16::new(0));
    let seen = logins.clone();
    let server = ScriptedServer::start(move |r| match r.path.as_str() {
        REFRESH => Reply::problem(401, "authentication-error", "Refresh token revoked"),
        LOGIN if seen.fetch_add(1, Ordering::SeqCst) == 0 => pair_living(Duration::from_secs(100)),
        _ => Reply::raw(status.load(Ordering::SeqCst).max(500), None, "down"),
    })
    .await;
    let session = with_credentials(&server.base_url).build().unwrap();
    session.access_token().await.unwrap();
    advance(Duration::from_secs(101)).await;

    let error = session.access_token().await.unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedStatus { status: 500, .. }),
        "{error:?}"
    );
    assert!(
        session.tokens().is_none(),
        "the rejected refresh token is gone"
    );
    for _ in 0..3 {
        advance(Duration::from_secs(31)).await;
        session.access_token().await.unwrap_err();
    }
    assert_eq!(count(&server, REFRESH), 1, "never sent again");
    assert_eq!(count(&server, LOGIN), 5);
}

/// 4. A 400 validation-error is not a rejection of the token: it is kept
///    and tried again after the backoff, without logging in.
#[tokio::test]
async fn a_validation_error_does_not_cost_the_refresh_token() {
    let status = Arc::new(AtomicU16::new(400));
    let server = refresh_answering(status, Duration::from_secs(100)).await;
    let session = with_credentials(&server.base_url).build().unwrap();
    session.access_token().await.unwrap();
    let kept = session.tokens().unwrap().refresh_token;
    advance(Duration::from_secs(101)).await;

    let error = session.access_token().await.unwrap_err();
    assert_eq!(error.problem_kind(), Some(ProblemKind::ValidationError));
    assert_eq!(session.tokens().unwrap().refresh_token, kept);
    advance(Duration::from_secs(31)).await;
    session.access_token().await.unwrap_err();
    assert_eq!((count(&server, REFRESH), count(&server, LOGIN)), (2, 1));
}

/// 5. A saved pair reports the expiry its `exp` says, and a session
///    resuming it renews at once.
#[tokio::test]
async fn a_saved_pair_reports_the_expiry_of_its_exp() {
    let server = refresh_answering(Arc::new(AtomicU16::new(201)), Duration::from_secs(900)).await;
    let access = jwt_issued("access", -3600 - 900, Duration::from_secs(900));
    let pair: TokenPair = serde_json::from_value(json!({
        "access_token": access,
        "refresh_token": jwt("refresh", Duration::from_secs(3600)),
    }))
    .unwrap();
    let expired_at = pair.access_token.expires_at().unwrap();
    let ago = SystemTime::now().duration_since(expired_at).unwrap();
    assert!(
        ago >= Duration::from_secs(3599) && ago <= Duration::from_secs(3601),
        "expired {ago:?} ago"
    );

    let session = Session::builder(&server.base_url)
        .tokens(pair)
        .build()
        .unwrap();
    assert_eq!(
        session.tokens().unwrap().access_token.expires_at(),
        Some(expired_at)
    );
    let renewed = session.access_token().await.unwrap();
    assert_ne!(renewed.expose(), access);
    assert_eq!((count(&server, REFRESH), count(&server, LOGIN)), (1, 0));
}

/// 6. A token request that never gets an answer times out, whatever HTTP
///    client is used; callers get a transient error, through `client()`
///    too, and the session recovers with the server.
#[tokio::test]
async fn a_hung_token_request_times_out_and_the_session_recovers() {
    let hang = Arc::new(AtomicU16::new(1));
    let hanging = hang.clone();
    let server = ScriptedServer::start(move |r| match r.path.as_str() {
        IMPLEMENTATION => implementation(),
        _ if hanging.load(Ordering::SeqCst) == 1 => {
            pair_living(Duration::from_secs(900)).after(Duration::from_secs(86_400))
        }
        _ => pair_living(Duration::from_secs(900)),
    })
    .await;
    let session = with_credentials(&server.base_url)
        .http_client(reqwest::Client::new())
        .token_timeout(Duration::from_secs(5))
        .build()
        .unwrap();

    let waiting = {
        let session = session.clone();
        tokio::spawn(async move { session.access_token().await })
    };
    let call = {
        let session = session.clone();
        tokio::spawn(async move { read_implementation(&session).await })
    };
    eventually(PATIENCE, || count(&server, LOGIN) == 1).await;
    advance(Duration::from_secs(6)).await;

    let error = waiting.await.unwrap().unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.is_transient());
    assert!(error.to_string().contains("5000 ms"), "{error}");
    let failed = call.await.unwrap().unwrap_err();
    assert!(
        matches!(Error::from_session(&failed), Some(Error::Timeout { .. })),
        "{failed:?}"
    );

    hang.store(0, Ordering::SeqCst);
    advance(Duration::from_secs(31)).await;
    session.access_token().await.expect("recovered");
    read_implementation(&session).await.expect("recovered");
    assert_eq!(
        count(&server, LOGIN),
        2,
        "one more attempt after the backoff"
    );
}

/// 7. When the session cannot get a token, a call through `client()` says
///    why, typed.
#[tokio::test]
async fn session_errors_reach_the_caller_typed_through_client() {
    let server = ScriptedServer::start(|r| match r.path.as_str() {
        LOGIN => Reply::problem(401, "authentication-error", "Bad secret"),
        _ => Reply::problem(401, "authentication-error", "Refresh token revoked"),
    })
    .await;
    let session = with_credentials(&server.base_url).build().unwrap();
    let error = read_implementation(&session).await.unwrap_err();
    let typed = Error::from_session(&error).expect("a session error");
    assert_eq!(typed.problem_kind(), Some(ProblemKind::AuthenticationError));
    assert!(
        typed
            .to_string()
            .starts_with("IX-API rejected the credentials: authentication-error (401)"),
        "{typed}"
    );
    assert!(matches!(
        Error::from_operation("api_implementation_read", error),
        Error::Rejected {
            operation: "auth_token_create",
            ..
        }
    ));

    let (pair, _) = stale_pair();
    let tokens_only = Session::builder(&server.base_url)
        .tokens(pair)
        .build()
        .unwrap();
    let error = read_implementation(&tokens_only).await.unwrap_err();
    assert!(matches!(
        Error::from_session(&error),
        Some(Error::ReauthenticationRequired)
    ));
    assert_eq!(
        count(&server, IMPLEMENTATION),
        0,
        "nothing sent without a token"
    );
}

/// 8. The lifetime counts from when the request was sent, not from when the
///    slow answer arrived.
#[tokio::test]
async fn the_lifetime_counts_from_the_send() {
    let server = ScriptedServer::start(|r| match r.path.as_str() {
        LOGIN => pair_living(Duration::from_secs(100)).after(Duration::from_secs(20)),
        _ => pair_living(Duration::from_secs(100)),
    })
    .await;
    // Ahead window from 80 s after the send, 60 s after the answer.
    let session = with_credentials(&server.base_url)
        .refresh_margin(Duration::from_secs(10))
        .build()
        .unwrap();
    let login = {
        let session = session.clone();
        tokio::spawn(async move { session.access_token().await })
    };
    eventually(PATIENCE, || count(&server, LOGIN) == 1).await;
    advance(Duration::from_secs(20)).await; // the server answers now
    let token = login.await.unwrap().unwrap();
    advance(Duration::from_secs(61)).await; // 81 s after the send
    assert_eq!(session.access_token().await.unwrap(), token);
    eventually(PATIENCE, || count(&server, REFRESH) == 1).await;
}

/// 8. A background renewal dropped with its runtime does not disable
///    renewing ahead for good.
#[test]
fn a_renewal_lost_with_its_runtime_does_not_stop_later_ones() {
    let current_thread = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    // The server lives on a runtime of its own, for the whole test.
    let serving = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = serving.block_on(ScriptedServer::start(|r| match r.path.as_str() {
        REFRESH => pair_living(Duration::from_secs(100)).after(Duration::from_secs(3600)),
        _ => pair_living(Duration::from_secs(100)),
    }));
    let session = with_credentials(&server.base_url).build().unwrap();
    let token = current_thread().block_on(session.access_token()).unwrap();

    let first = current_thread();
    first.block_on(async {
        // Into the ahead window (50 s of 100): a background refresh starts
        // and hangs.
        advance(Duration::from_secs(51)).await;
        assert_eq!(session.access_token().await.unwrap(), token);
        eventually(PATIENCE, || count(&server, REFRESH) == 1).await;
    });
    drop(first); // the hung renewal goes with its runtime
    current_thread().block_on(async {
        advance(Duration::from_secs(52)).await;
        assert_eq!(session.access_token().await.unwrap(), token);
        eventually(PATIENCE, || count(&server, REFRESH) == 2).await;
    });
    drop(server);
}

/// 8. A 401 about something else is handed back whole, however large.
#[tokio::test]
async fn a_large_401_is_handed_back_whole() {
    let detail = "x".repeat(1 << 20);
    let body = json!({
        "type": "https://errors.ix-api.net/v2/permission-denied.html",
        "status": 401,
        "detail": detail,
    })
    .to_string();
    let server = ScriptedServer::start(move |r| match r.path.as_str() {
        IMPLEMENTATION => Reply::raw(401, Some("application/json"), body.clone()),
        _ => pair_living(Duration::from_secs(900)),
    })
    .await;
    let session = with_credentials(&server.base_url).build().unwrap();
    let error = read_implementation(&session).await.unwrap_err();
    let problem = error.problem().expect("the problem document");
    assert_eq!(problem.detail.as_deref().map(str::len), Some(1 << 20));
    assert_eq!(count(&server, IMPLEMENTATION), 1, "not retried");
}

/// 8. A saved token with a trailing newline is trimmed when the session is
///    built; one that cannot travel in a header is refused there.
#[tokio::test]
async fn saved_tokens_are_trimmed_or_refused_when_the_session_is_built() {
    let server = ScriptedServer::start(|_| implementation()).await;
    let access = jwt("access", Duration::from_secs(900));
    let saved = |access: String| -> TokenPair {
        serde_json::from_value(json!({
            "access_token": access,
            "refresh_token": format!("{}\n", jwt("refresh", Duration::from_secs(3600))),
        }))
        .unwrap()
    };
    let session = Session::builder(&server.base_url)
        .tokens(saved(format!("{access}\n")))
        .build()
        .unwrap();
    read_implementation(&session).await.expect("trimmed");
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some(format!("Bearer {access}").as_str())
    );

    let error = Session::builder(&server.base_url)
        .tokens(saved(format!("{access}\u{1}x")))
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::Configuration(_)), "{error:?}");
    assert!(error.to_string().contains("access_token"), "{error}");
    assert!(!error.to_string().contains(&access), "{error}");
}

/// A DNS resolver that panics: a fault inside the renewal task, as a bug
/// there would be.
struct PanickingResolver;

impl reqwest::dns::Resolve for PanickingResolver {
    fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
        panic!("a fault inside the renewal")
    }
}

/// 8. A panic inside the renewal reaches the caller as a panic, not as a
///    "cancelled" error.
#[tokio::test]
async fn a_panic_inside_the_renewal_propagates() {
    let server = ScriptedServer::start(|_| pair_living(Duration::from_secs(900))).await;
    // `localhost` rather than 127.0.0.1, so that the resolver is asked.
    let url = server.base_url.replace("127.0.0.1", "localhost");
    let http = reqwest::Client::builder()
        .dns_resolver(Arc::new(PanickingResolver))
        .build()
        .unwrap();
    let session = with_credentials(&url).http_client(http).build().unwrap();
    let caller = tokio::spawn(async move { session.access_token().await });
    let failure = caller.await.expect_err("the caller panicked");
    assert!(failure.is_panic());
    let message = failure.into_panic();
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("a fault inside the renewal"), "{message}");
}

/// A token source that issues 8 s tokens until `fails_from`, then answers
/// 503 like an exchange in trouble; it notes when it was asked.
#[derive(Debug)]
struct Failing {
    started: tokio::time::Instant,
    fails_from: Duration,
    asked: std::sync::Mutex<Vec<Duration>>,
}

impl ix_api_client::TokenSource for Failing {
    fn obtain<'a>(
        &'a self,
        _: &'a ix_api_client::Held,
    ) -> ix_api_client::token_source::Obtaining<'a> {
        Box::pin(async move {
            let at = self.started.elapsed();
            self.asked.lock().unwrap().push(at);
            if at < self.fails_from {
                let token = jwt("access", Duration::from_secs(8));
                Ok(ix_api_client::Grant::issued(token.into(), None))
            } else {
                Err(Error::UnexpectedStatus {
                    operation: "auth_token_refresh",
                    status: 503,
                })
            }
        })
    }

    fn operation(&self, _: &ix_api_client::Held) -> &'static str {
        "auth_token_refresh"
    }
}

/// 4. However little life the token has left, renewal attempts never come
///    closer than 250 ms: a token of 8 s, renewals failing from the 4.3rd
///    second, calls every 5 ms until the last token expires (paused time).
#[tokio::test(start_paused = true)]
async fn backoff_keeps_a_floor_as_the_token_runs_out() {
    let source = Arc::new(Failing {
        started: tokio::time::Instant::now(),
        fails_from: Duration::from_millis(4300),
        asked: Default::default(),
    });
    let session = Session::builder("http://127.0.0.1:9/api/v2")
        .token_source(source.clone())
        .build()
        .unwrap();
    // The token renewed at 4 s lives until 12 s.
    let until = Duration::from_secs(12);
    let mut served = 0;
    while source.started.elapsed() < until {
        if session.access_token().await.is_ok() {
            served += 1;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let asked = source.asked.lock().unwrap().clone();
    let failing: Vec<Duration> = asked
        .iter()
        .copied()
        .filter(|at| *at >= Duration::from_millis(4300))
        .collect();
    let gaps: Vec<Duration> = failing.windows(2).map(|w| w[1] - w[0]).collect();
    let closest = gaps.iter().min().copied().unwrap_or(Duration::MAX);
    let last_second = failing
        .iter()
        .filter(|at| **at >= until - Duration::from_secs(1))
        .count();
    eprintln!(
        "{} attempts ({} failing, {last_second} in the last second), closest {closest:?}, {served} calls served",
        asked.len(),
        failing.len()
    );
    assert!(failing.len() >= 3, "renewal was tried: {asked:?}");
    assert!(closest >= Duration::from_millis(250), "{gaps:?}");
    assert!(last_second <= 4, "{failing:?}");
    // Every call before expiry got the still-valid token.
    assert_eq!(served, (until.as_millis() / 5) as usize, "{asked:?}");
}
