//! OAuth2 client credentials: what the session promises for `/auth/token`
//! holds for a grant at an identity provider's token URL. A scripted token
//! endpoint on 127.0.0.1 counts requests; the sandbox's endpoint plays a
//! whole exchange.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ix_api_client::spec::BASE_PATH;
use ix_api_client::{ClientAuthentication, Error, OAuth2, Session};
use ix_api_sandbox::{OAuth2Endpoint, Sandbox, SandboxConfig};
use ix_api_tests::{Recorded, Reply, ScriptedServer, advance, eventually, implementation};
use serde_json::json;

const TOKEN: &str = "/oauth2/token";
const IMPLEMENTATION: &str = "/api/v2/implementation";
const CLIENT_ID: &str = "noc-automation";
const CLIENT_SECRET: &str = "s3cr3t:with/odd&chars";

fn origin(server: &ScriptedServer) -> String {
    server
        .base_url
        .strip_suffix(BASE_PATH)
        .expect("a base path")
        .to_string()
}

fn token_url(server: &ScriptedServer) -> String {
    format!("{}{TOKEN}", origin(server))
}

fn grant(access_token: &str, expires_in: u64) -> Reply {
    Reply::json(
        200,
        json!({"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in}),
    )
}

fn requests_to(server: &ScriptedServer, path: &str) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}

fn oauth2_session(server: &ScriptedServer, config: OAuth2) -> Session {
    Session::builder(&server.base_url)
        .oauth2(config)
        .build()
        .unwrap()
}

fn client_credentials(server: &ScriptedServer) -> OAuth2 {
    OAuth2::client_credentials(token_url(server), CLIENT_ID, CLIENT_SECRET)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_share_one_grant() {
    let server = ScriptedServer::start(|r| match r.path.as_str() {
        TOKEN => grant("opaque-1", 900).after(Duration::from_millis(50)),
        IMPLEMENTATION if r.header("authorization") == Some("Bearer opaque-1") => implementation(),
        _ => Reply::problem(401, "authentication-error", "Bad token"),
    })
    .await;
    let session = oauth2_session(&server, client_credentials(&server));
    let calls: Vec<_> = (0..1_000)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.client().api_implementation_read().send().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().expect("an authenticated call");
    }
    assert_eq!(requests_to(&server, TOKEN).len(), 1, "one grant for all");
    assert_eq!(requests_to(&server, IMPLEMENTATION).len(), 1_000);
    assert!(session.tokens().is_none(), "no refresh token to save");
}

/// Tokens that live 120 s (opaque: only `expires_in` says so), calls every
/// 3 s for 600 s: renewed ahead of expiry, and no call ever carries an
/// expired token (the exchange would answer 401 and count it). The 4 s /
/// 100 ms case scaled by 30 (the margin is a quarter of the life either
/// way), and a renewal in flight lands before the clock moves on, so that
/// real time passing between the steps cannot matter, however loaded the
/// machine.
#[tokio::test]
async fn grants_are_renewed_before_expires_in_and_never_served_expired() {
    const LIFE: Duration = Duration::from_secs(120);
    let issued: Arc<Mutex<Vec<(String, tokio::time::Instant)>>> = Arc::default();
    let expired_seen = Arc::new(AtomicU64::new(0));
    let (log, seen) = (issued.clone(), expired_seen.clone());
    let server = ScriptedServer::start(move |r| match r.path.as_str() {
        TOKEN => {
            let mut issued = log.lock().unwrap();
            let token = format!("opaque-{}", issued.len());
            issued.push((token.clone(), tokio::time::Instant::now()));
            grant(&token, LIFE.as_secs())
        }
        _ => {
            let sent = r.header("authorization").unwrap_or_default();
            let issued = log.lock().unwrap();
            let alive = issued
                .iter()
                .any(|(token, at)| sent == format!("Bearer {token}") && at.elapsed() < LIFE);
            if alive {
                implementation()
            } else {
                seen.fetch_add(1, Ordering::Relaxed);
                Reply::problem(401, "authentication-error", "Expired token")
            }
        }
    })
    .await;
    let session = oauth2_session(&server, client_credentials(&server));
    for _ in 0..200 {
        session
            .client()
            .api_implementation_read()
            .send()
            .await
            .expect("a valid token on every call");
        eventually(Duration::from_secs(20), || !session.renewal().in_flight).await;
        advance(Duration::from_secs(3)).await;
    }
    assert_eq!(expired_seen.load(Ordering::Relaxed), 0);
    let grants = issued.lock().unwrap().len();
    // A 120 s token renews from its 60th second (the background window)
    // and at its 90th at the latest: 600 s take 6 to 11 grants.
    assert!((6..=11).contains(&grants), "{grants} grants in 600 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_a_typed_invalid_client_without_a_retry_storm() {
    let server = ScriptedServer::start(|r| match r.path.as_str() {
        TOKEN => Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        ),
        _ => implementation(),
    })
    .await;
    let session = oauth2_session(&server, client_credentials(&server));
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.access_token().await })
        })
        .collect();
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        let Error::OAuth2Rejected {
            status,
            error: code,
            description,
        } = &error
        else {
            panic!("{error:?}");
        };
        assert_eq!(
            (*status, code.as_str(), description.as_deref()),
            (
                Some(401),
                "invalid_client",
                Some("Client authentication failed")
            )
        );
        assert!(error.is_authentication() && !error.is_transient());
        let shown = format!("{error} {error:?}");
        assert!(shown.contains("invalid_client") && shown.contains("Client authentication failed"));
        assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    }
    // During the backoff, more calls cost nothing.
    for _ in 0..50 {
        assert!(
            session
                .client()
                .api_implementation_read()
                .send()
                .await
                .is_err()
        );
    }
    assert_eq!(
        requests_to(&server, TOKEN).len(),
        1,
        "one request for 150 callers"
    );
    assert_eq!(requests_to(&server, IMPLEMENTATION).len(), 0);
}

#[tokio::test]
async fn a_hanging_token_endpoint_is_the_token_timeout() {
    let server =
        ScriptedServer::start(|_| grant("late", 900).after(Duration::from_secs(600))).await;
    let session = Session::builder(&server.base_url)
        .oauth2(client_credentials(&server))
        .token_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = session.access_token().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                operation: "oauth2_token",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_transient());
}

/// A token URL that redirects: refused, with the default HTTP client and
/// with one that follows redirects; the secret reaches no other origin.
#[tokio::test]
async fn a_redirect_is_refused_and_the_secret_goes_nowhere_else() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = ScriptedServer::start(|_| grant("stolen", 900)).await;
        let location = format!("{}/steal", origin(&elsewhere));
        let server = ScriptedServer::start(move |_| Reply {
            location: Some(location.clone()),
            ..Reply::raw(status, None, "")
        })
        .await;
        for http in [None, Some(reqwest::Client::new())] {
            let mut builder =
                Session::builder(&server.base_url).oauth2(client_credentials(&server));
            if let Some(http) = http {
                builder = builder.http_client(http);
            }
            let error = builder.build().unwrap().access_token().await.unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Redirected {
                        operation: "oauth2_token",
                        ..
                    }
                ),
                "{status}: {error:?}"
            );
        }
        for request in elsewhere.requests() {
            let body = String::from_utf8_lossy(&request.body);
            assert!(
                request.header("authorization").is_none(),
                "{status}: {request:?}"
            );
            assert!(!body.contains("s3cr3t"), "{status}: the secret was sent on");
        }
        if status == 307 || status == 308 {
            assert!(
                elsewhere.requests().is_empty(),
                "{status}: the body was replayed"
            );
        }
    }
}

#[tokio::test]
async fn basic_and_form_client_authentication_say_the_same_thing_their_way() {
    let server = ScriptedServer::start(|r| match r.path.as_str() {
        TOKEN => grant("opaque", 900),
        _ => implementation(),
    })
    .await;
    oauth2_session(&server, client_credentials(&server))
        .access_token()
        .await
        .unwrap();
    let form = client_credentials(&server)
        .authentication(ClientAuthentication::Form)
        .scopes(["ix-api", "ix-api:read"]);
    oauth2_session(&server, form).access_token().await.unwrap();
    let sent = requests_to(&server, TOKEN);
    assert_eq!(sent.len(), 2);

    use base64::Engine as _;
    let basic = sent[0].header("authorization").expect("HTTP Basic");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.strip_prefix("Basic ").unwrap())
        .unwrap();
    // RFC 6749, section 2.3.1: id and secret form-encoded, then joined.
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        "noc-automation:s3cr3t%3Awith%2Fodd%26chars"
    );
    let body = |r: &Recorded| -> Vec<(String, String)> {
        url::form_urlencoded::parse(&r.body).into_owned().collect()
    };
    let pair = |name: &str, value: &str| (name.to_string(), value.to_string());
    assert_eq!(
        body(&sent[0]),
        [
            pair("grant_type", "client_credentials"),
            pair("scope", "ix-api")
        ]
    );
    assert!(sent[1].header("authorization").is_none());
    let form = body(&sent[1]);
    assert!(form.contains(&pair("client_id", CLIENT_ID)));
    assert!(form.contains(&pair("client_secret", CLIENT_SECRET)));
    assert!(form.contains(&pair("scope", "ix-api ix-api:read")));
    for request in sent {
        assert_eq!(
            request.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }
}

/// The token URL on another origin than the API: the secret goes only
/// there, the access token only to the API.
#[tokio::test]
async fn each_origin_gets_only_what_is_its_own() {
    let identity = ScriptedServer::start(|_| grant("opaque-access", 900)).await;
    let api = ScriptedServer::start(|_| implementation()).await;
    let session = Session::builder(&api.base_url)
        .oauth2(OAuth2::client_credentials(
            token_url(&identity),
            CLIENT_ID,
            CLIENT_SECRET,
        ))
        .build()
        .unwrap();
    session
        .client()
        .api_implementation_read()
        .send()
        .await
        .unwrap();
    for request in identity.requests() {
        assert!(
            !request
                .header("authorization")
                .is_some_and(|h| h.contains("opaque-access"))
        );
    }
    for request in api.requests() {
        assert_eq!(
            request.header("authorization"),
            Some("Bearer opaque-access")
        );
        assert!(!String::from_utf8_lossy(&request.body).contains("s3cr3t"));
    }
    let insecure = Session::builder(&api.base_url)
        .oauth2(OAuth2::client_credentials(
            "http://id.example.net/oauth2/token",
            CLIENT_ID,
            CLIENT_SECRET,
        ))
        .build()
        .unwrap_err();
    assert!(
        matches!(insecure, Error::InsecureHttp { .. }),
        "{insecure:?}"
    );
}

#[tokio::test]
async fn the_sandbox_grants_tokens_its_api_accepts() {
    let sandbox = Sandbox::start(SandboxConfig {
        oauth2: Some(OAuth2Endpoint::default()),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let (client_id, client_secret) = sandbox.credentials();
    let token_url = sandbox.oauth2_token_url().expect("an OAuth2 endpoint");
    for authentication in [ClientAuthentication::Basic, ClientAuthentication::Form] {
        let session = Session::builder(sandbox.base_url())
            .oauth2(
                OAuth2::client_credentials(&token_url, client_id, client_secret)
                    .authentication(authentication),
            )
            .build()
            .unwrap();
        let facilities = session.client().facilities_list().send().await.unwrap();
        assert_eq!(facilities.len(), 3);
    }
    assert_eq!(sandbox.counts().oauth2_grants, 2);
    assert_eq!(sandbox.counts().logins, 0);

    let error = Session::builder(sandbox.base_url())
        .oauth2(OAuth2::client_credentials(&token_url, client_id, client_secret).scopes(["admin"]))
        .build()
        .unwrap()
        .access_token()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::OAuth2Rejected { error, .. } if error == "invalid_scope"),
        "{error:?}"
    );
    assert!(!error.is_authentication());
}

/// RFC 6749, sections 2.3.1 and 4.4.2, byte for byte: the client id and
/// secret form-encoded before HTTP Basic joins them, scopes joined by a
/// space, the form's members in their order, JSON asked for.
#[tokio::test]
async fn the_token_request_is_encoded_as_rfc_6749_says() {
    let server = ScriptedServer::start(|_| grant("opaque", 900)).await;
    let odd_id = "noc automation/é+1";
    let basic = OAuth2::client_credentials(token_url(&server), odd_id, CLIENT_SECRET)
        .scopes(["ix-api", "ix-api:read"]);
    let unscoped = client_credentials(&server).scopes(Vec::<String>::new());
    let form = OAuth2::client_credentials(token_url(&server), odd_id, CLIENT_SECRET)
        .authentication(ClientAuthentication::Form)
        .scopes(["ix-api"]);
    for config in [basic, unscoped, form] {
        oauth2_session(&server, config)
            .access_token()
            .await
            .unwrap();
    }
    let sent = server.requests();
    assert_eq!(sent.len(), 3);
    for request in &sent {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", TOKEN)
        );
        assert_eq!(request.header("accept"), Some("application/json"));
        assert_eq!(
            request.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert!(request.header("user-agent").is_some());
    }
    use base64::Engine as _;
    let basic = |r: &Recorded| {
        let header = r.header("authorization").expect("HTTP Basic");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(header.strip_prefix("Basic ").expect("Basic"))
            .unwrap();
        String::from_utf8(decoded).unwrap()
    };
    let body = |r: &Recorded| String::from_utf8(r.body.to_vec()).unwrap();
    assert_eq!(
        basic(&sent[0]),
        "noc+automation%2F%C3%A9%2B1:s3cr3t%3Awith%2Fodd%26chars"
    );
    assert_eq!(
        body(&sent[0]),
        "grant_type=client_credentials&scope=ix-api+ix-api%3Aread"
    );
    assert_eq!(
        basic(&sent[1]),
        "noc-automation:s3cr3t%3Awith%2Fodd%26chars"
    );
    assert_eq!(body(&sent[1]), "grant_type=client_credentials");
    assert!(sent[2].header("authorization").is_none());
    assert_eq!(
        body(&sent[2]),
        "grant_type=client_credentials&scope=ix-api\
         &client_id=noc+automation%2F%C3%A9%2B1&client_secret=s3cr3t%3Awith%2Fodd%26chars"
    );
}

/// What the identity provider answers, and what the session makes of it:
/// RFC 6749's error answers (section 5.2) as `OAuth2Rejected` at any
/// status, other refusals by their status, and a 200 that is no bearer
/// token answer (section 5.1) as malformed, never quoting the answer.
#[tokio::test]
async fn each_token_answer_is_read_as_rfc_6749_says() {
    let malformed = |status: u16, at: &str, reason: &str| {
        format!("IX-API's answer to oauth2_token (status {status}) is malformed{at}: {reason}")
    };
    let empty = "server returned empty response body";
    let big = json!({"access_token": "a".repeat(70_000), "token_type": "Bearer"});
    let cases: Vec<(Reply, Result<&str, String>)> = vec![
        (
            Reply::json(
                400,
                json!({"error": "invalid_request", "error_description": "grant_type is missing",
                       "error_uri": "https://id.example.net/errors/invalid_request"}),
            ),
            Err("the identity provider refused the OAuth2 grant (invalid_request, status 400): \
                 grant_type is missing"
                .into()),
        ),
        (
            Reply::raw(401, Some("text/plain"), r#"{"error": "access_denied"}"#),
            Err("the identity provider refused the OAuth2 grant (access_denied, status 401)".into()),
        ),
        (
            Reply::json(503, json!({"error": "temporarily_unavailable"})),
            Err("the identity provider refused the OAuth2 grant (temporarily_unavailable, status 503)"
                .into()),
        ),
        (
            Reply::raw(503, Some("text/plain"), "Service Unavailable"),
            Err(Error::UnexpectedStatus { operation: "oauth2_token", status: 503 }.to_string()),
        ),
        (
            Reply::raw(500, None, ""),
            Err(Error::UnexpectedStatus { operation: "oauth2_token", status: 500 }.to_string()),
        ),
        (
            Reply::json(400, json!({"message": "no OAuth2 error member"})),
            Err(Error::UnexpectedStatus { operation: "oauth2_token", status: 400 }.to_string()),
        ),
        (
            Reply::json(201, json!({"access_token": "opaque", "token_type": "Bearer"})),
            Err(malformed(201, "", "not a token answer")),
        ),
        (
            Reply::raw(200, Some("text/html"), "<html>opaque</html>"),
            Err(malformed(
                200,
                "",
                r#"unexpected response Content-Type: "text/html", should be `application/json`"#,
            )),
        ),
        (Reply::raw(200, Some("application/json"), ""), Err(malformed(200, "", empty))),
        (Reply::json(200, big), Err(malformed(200, "", empty))),
        (
            Reply::json(200, json!({"token_type": "Bearer", "expires_in": 900})),
            Err(malformed(200, "", "not a token answer")),
        ),
        (
            Reply::json(200, json!({"access_token": 12, "token_type": "Bearer"})),
            Err(malformed(200, " at access_token", "not a token answer")),
        ),
        (
            Reply::json(200, json!({"access_token": "opaque", "token_type": "Bearer", "expires_in": [900]})),
            Err(malformed(200, " at expires_in", "not a token answer")),
        ),
        (
            Reply::json(200, json!({"access_token": "opaque", "token_type": "MAC"})),
            Err(malformed(200, " at token_type", r#"the token type is "MAC", not bearer"#)),
        ),
        (Reply::raw(200, Some("application/json"), "[]"), Err(malformed(200, "", "not a token answer"))),
        (
            Reply::json(
                200,
                json!({"access_token": "opaque-1", "token_type": "BEARER", "expires_in": "900",
                       "scope": "ix-api", "refresh_token": "unused", "id_token": "unused"}),
            ),
            Ok("opaque-1"),
        ),
        (
            Reply::raw(
                200,
                Some("Application/JSON; charset=utf-8"),
                r#"{"access_token": "opaque-2", "token_type": "bearer", "expires_in": null}"#,
            ),
            Ok("opaque-2"),
        ),
        (
            Reply::raw(200, None, r#"{"access_token": "opaque-3", "token_type": "Bearer"}"#),
            Ok("opaque-3"),
        ),
    ];
    for (reply, expected) in cases {
        let shown = format!("{reply:?}");
        let server = ScriptedServer::start(move |_| reply.clone()).await;
        let answer = oauth2_session(&server, client_credentials(&server))
            .access_token()
            .await;
        match (answer, expected) {
            (Ok(token), Ok(expected)) => assert_eq!(token.expose(), expected, "{shown}"),
            (Err(error), Err(expected)) => {
                assert_eq!(error.to_string(), expected, "{shown}");
                assert!(
                    error.raw_body().is_none(),
                    "{shown}: a token answer is never kept"
                );
                assert!(
                    !format!("{error:?}").contains("opaque"),
                    "{shown}: {error:?}"
                );
                assert!(
                    !format!("{error:?}").contains("s3cr3t"),
                    "{shown}: {error:?}"
                );
            }
            (answer, expected) => panic!("{shown}: {answer:?}, not {expected:?}"),
        }
    }
}
