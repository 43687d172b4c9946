//! `Session` when IX-API misbehaves: refreshes answered with 401, 500,
//! garbage or nothing; opaque tokens; 401s on bearer calls; and what shows in
//! `Debug`, errors and traces. A scripted server on 127.0.0.1 plays IX-API.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ix_api_client::{Error, ProblemError, ProblemKind, Session};
use ix_api_tests::{
    Recorded, Reply, ScriptedServer, advance, count, demo_credentials, implementation, jwt,
    read_implementation, stale_pair, token_pair,
};

const LOGIN: &str = "/api/v2/auth/token";
const REFRESH: &str = "/api/v2/auth/refresh";
const IMPLEMENTATION: &str = "/api/v2/implementation";

/// A session with credentials and no tokens yet.
fn fresh_session(server: &ScriptedServer) -> Session {
    let (key, secret) = demo_credentials();
    Session::builder(&server.base_url)
        .credentials(key, secret)
        .build()
        .unwrap()
}

fn resumed(server: &ScriptedServer, credentials: bool, http: Option<reqwest::Client>) -> Session {
    let mut builder = Session::builder(&server.base_url).tokens(stale_pair().0);
    if credentials {
        let (key, secret) = demo_credentials();
        builder = builder.credentials(key, secret);
    }
    if let Some(http) = http {
        builder = builder.http_client(http);
    }
    builder.build().unwrap()
}

#[tokio::test]
async fn a_refresh_answered_with_401_falls_back_to_logging_in() {
    let fresh = jwt("fresh", Duration::from_secs(900));
    let answer = fresh.clone();
    let server = ScriptedServer::start(move |r| match r.path.as_str() {
        REFRESH => Reply::problem(401, "authentication-error", "Refresh token revoked"),
        _ => token_pair(&answer, &jwt("refresh-2", Duration::from_secs(3600))),
    })
    .await;
    let session = resumed(&server, true, None);
    assert_eq!(session.access_token().await.unwrap().expose(), fresh);
    assert_eq!((count(&server, REFRESH), count(&server, LOGIN)), (1, 1));
}

#[tokio::test]
async fn a_refresh_answered_with_401_without_credentials_asks_for_them() {
    let server =
        ScriptedServer::start(|_| Reply::problem(401, "authentication-error", "Revoked")).await;
    let session = resumed(&server, false, None);
    let error = session.access_token().await.unwrap_err();
    assert!(
        matches!(error, Error::ReauthenticationRequired),
        "{error:?}"
    );
    assert_eq!((count(&server, REFRESH), count(&server, LOGIN)), (1, 0));
}

/// A transient failure: the caller gets the error, the refresh token stays,
/// no login is attempted, the next call during the backoff gets the same
/// error without a request, and the first call after it tries again.
async fn transient_refresh_failure_keeps_the_refresh_token(
    reply: Reply,
    http: Option<reqwest::Client>,
    expect: fn(&Error) -> bool,
) -> Error {
    let server = ScriptedServer::start(move |_| reply.clone()).await;
    let (_, refresh) = stale_pair();
    let session = resumed(&server, true, http);
    let kept = |session: &Session| session.tokens().unwrap().refresh_token.expose().to_string();
    let before = kept(&session);

    let error = session.access_token().await.unwrap_err();
    assert!(expect(&error), "{error:?}");
    assert!(error.is_transient());
    assert_eq!(kept(&session), before, "the refresh token is kept");
    let again = session.access_token().await.unwrap_err();
    assert!(expect(&again), "{again:?}");
    assert_eq!(
        count(&server, REFRESH),
        1,
        "nothing sent during the backoff"
    );
    // The first backoff is at most FIRST_RETRY (500 ms).
    advance(Duration::from_millis(501)).await;
    let again = session.access_token().await.unwrap_err();
    assert!(expect(&again), "{again:?}");
    assert_eq!(count(&server, REFRESH), 2, "tried again after the backoff");
    assert_eq!(
        count(&server, LOGIN),
        0,
        "a good refresh token is not given up"
    );
    for request in server.requests() {
        assert_eq!(
            request.json()["refresh_token"].as_str().map(str::len),
            Some(refresh.len())
        );
    }
    error
}

#[tokio::test]
async fn a_refresh_answered_with_500_loses_nothing() {
    let reply = Reply::raw(500, Some("text/html"), "<h1>Internal Server Error</h1>");
    transient_refresh_failure_keeps_the_refresh_token(reply, None, |e| {
        matches!(e, Error::UnexpectedStatus { status: 500, .. })
    })
    .await;
}

#[tokio::test]
async fn a_refresh_that_times_out_loses_nothing() {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let slow = token_pair("never", "seen").after(Duration::from_secs(2));
    transient_refresh_failure_keeps_the_refresh_token(slow, Some(http), |e| {
        matches!(e, Error::Transport { .. })
    })
    .await;
}

#[tokio::test]
async fn a_refresh_answered_with_garbage_loses_nothing_and_leaks_nothing() {
    let leaked = jwt("leaked-access", Duration::from_secs(900));
    let body = format!(r#"{{"access_token": "{leaked}", "refresh_token": "#);
    let server =
        ScriptedServer::start(move |_| Reply::raw(201, Some("application/json"), body.clone()))
            .await;
    let session = resumed(&server, true, None);
    let before = session.tokens().unwrap().refresh_token;

    let error = session.access_token().await.unwrap_err();
    assert!(
        matches!(error, Error::MalformedResponse { .. }),
        "{error:?}"
    );
    assert_eq!(session.tokens().unwrap().refresh_token, before);
    assert_eq!(count(&server, LOGIN), 0);
    for shown in [
        format!("{error}"),
        format!("{error:?}"),
        format!("{error:#?}"),
    ] {
        assert!(!shown.contains(&leaked), "{shown}");
        assert!(!shown.contains("leaked"), "{shown}");
    }
}

#[tokio::test]
async fn opaque_tokens_are_used_until_a_401_says_otherwise() {
    let logins = Arc::new(Mutex::new(0));
    let seen = logins.clone();
    let server = ScriptedServer::start(move |r: &Recorded| match r.path.as_str() {
        LOGIN => {
            let mut n = seen.lock().unwrap();
            *n += 1;
            token_pair(
                &format!("opaque-access-{n}"),
                &format!("opaque-refresh-{n}"),
            )
        }
        REFRESH => token_pair("opaque-access-refreshed", "opaque-refresh-refreshed"),
        IMPLEMENTATION if r.header("authorization") == Some("Bearer opaque-access-1") => {
            Reply::problem(401, "authentication-error", "Token revoked")
        }
        _ => implementation(),
    })
    .await;
    let session = fresh_session(&server);

    let token = session.access_token().await.unwrap();
    assert_eq!(token.expose(), "opaque-access-1");
    assert_eq!(token.expires_at(), None);
    assert_eq!(session.access_token().await.unwrap(), token);
    assert_eq!(count(&server, LOGIN), 1);

    read_implementation(&session)
        .await
        .expect("retried after the 401");
    assert_eq!(
        session.access_token().await.unwrap().expose(),
        "opaque-access-refreshed"
    );
    assert_eq!(
        (
            count(&server, LOGIN),
            count(&server, REFRESH),
            count(&server, IMPLEMENTATION)
        ),
        (1, 1, 2)
    );
}

/// Logs in with JWTs, then reads /implementation from a server that always
/// answers it with a 401 of `kind`.
async fn implementation_refused_with(
    kind: &'static str,
) -> (ScriptedServer, ix_api_client::OperationError) {
    let server = ScriptedServer::start(move |r| match r.path.as_str() {
        IMPLEMENTATION => Reply::problem(401, kind, "Refused"),
        _ => token_pair(
            &jwt("access", Duration::from_secs(900)),
            &jwt("refresh", Duration::from_secs(3600)),
        ),
    })
    .await;
    let session = fresh_session(&server);
    let error = read_implementation(&session).await.unwrap_err();
    (server, error)
}

#[tokio::test]
async fn a_401_on_a_bearer_call_is_retried_exactly_once() {
    let (server, error) = implementation_refused_with("signature-expired").await;
    assert_eq!(error.problem_kind(), Some(ProblemKind::SignatureExpired));
    assert_eq!(count(&server, IMPLEMENTATION), 2, "the call and one retry");
    assert_eq!((count(&server, LOGIN), count(&server, REFRESH)), (1, 1));
    let tokens: Vec<_> = server
        .requests()
        .iter()
        .filter(|r| r.path == IMPLEMENTATION)
        .map(|r| r.header("authorization").unwrap().to_string())
        .collect();
    assert_ne!(tokens[0], tokens[1], "the retry carries the new token");
}

#[tokio::test]
async fn a_401_about_something_else_is_not_retried() {
    let (server, error) = implementation_refused_with("permission-denied").await;
    assert_eq!(error.problem_kind(), Some(ProblemKind::PermissionDenied));
    assert_eq!(
        (count(&server, IMPLEMENTATION), count(&server, REFRESH)),
        (1, 0)
    );
}

#[test]
fn credentials_in_clear_text_are_refused_off_loopback() {
    let (key, secret) = demo_credentials();
    let build = |url: &str, insecure: bool| {
        Session::builder(url)
            .credentials(key.as_str(), secret.as_str())
            .allow_insecure_http(insecure)
            .build()
    };
    let error = build("http://ixp.example.net/api/v2", false).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("refusing to send credentials in clear text"),
        "{error}"
    );
    assert!(build("http://10.0.0.1/api/v2", false).is_err());
    assert!(build("http://ixp.example.net/api/v2", true).is_ok());
    for ok in [
        "https://ixp.example.net/api/v2",
        "http://127.0.0.1:8080/api/v2",
        "http://127.1.2.3/api/v2",
        "http://localhost:8080/api/v2",
        "http://[::1]:8080/api/v2",
    ] {
        assert!(build(ok, false).is_ok(), "{ok}");
    }
    assert!(build("ftp://ixp.example.net", true).is_err());
    assert!(build("not a url", true).is_err());
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    let (key, _) = demo_credentials();
    let error = Session::builder("https://ixp.example.net/api/v2")
        .credentials(key, "short")
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid session configuration: api_secret must be exactly 86 characters long, not 5"
    );
    assert!(
        Session::builder("https://ixp.example.net/api/v2")
            .build()
            .is_err()
    );
}
