//! `Session::request`: any path of the exchange, authenticated, with the
//! session's renewal, 401 retry, origin rules and typed errors.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ix_api_client::raw::Method;
use ix_api_client::{Error, Session};
use ix_api_sandbox::{Sandbox, SandboxConfig};
use ix_api_tests::{
    Recorded, Reply, ScriptedServer, demo_credentials, demo_session, jwt, token_pair,
};
use serde_json::{Value, json};

async fn sandbox_session() -> (Sandbox, Session) {
    let sandbox = Sandbox::start(SandboxConfig {
        provisioning_delay: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let session = demo_session(&sandbox);
    (sandbox, session)
}

#[tokio::test]
async fn any_path_of_the_exchange_answers_with_the_session_s_token() {
    let (sandbox, session) = sandbox_session().await;
    let answer = session
        .request(Method::GET, "/implementation")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    let implementation: Value = answer.json().unwrap();
    assert!(implementation["supported_operations"].as_array().is_some());

    let created = session
        .request(Method::POST, "/contacts")
        .json(&json!({"managing_account": "2", "consuming_account": "3", "name": "raw"}))
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    let id = created.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // An absolute URL on the exchange's origin works too.
    let absolute = format!("{}/contacts/{id}", sandbox.base_url());
    let read = session.request(Method::GET, absolute).send().await.unwrap();
    assert_eq!(read.json::<Value>().unwrap()["name"], "raw");

    // The exchange's no is typed, with its problem document.
    let refused = session
        .request(Method::POST, "/contacts")
        .json(&json!({"managing_account": "999", "consuming_account": "3"}))
        .unwrap()
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(400));
    assert_eq!(
        refused.problem_kind(),
        Some(ix_api_client::ProblemKind::ValidationError)
    );
    assert_eq!(sandbox.counts().logins, 1);
}

#[tokio::test]
async fn another_origin_never_gets_the_token() {
    let elsewhere = ScriptedServer::start(|_| Reply::json(200, json!({}))).await;
    let (_sandbox, session) = sandbox_session().await;
    let error = session
        .request(Method::GET, format!("{}/anything", elsewhere.base_url))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(
        error.to_string().contains("not on the exchange's origin"),
        "{error}"
    );
    assert!(elsewhere.requests().is_empty());
    let nonsense = session
        .request(Method::GET, "no-slash")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(nonsense, Error::InvalidRequest { .. }));
}

/// An extension under another prefix of the exchange's origin, behind a 401
/// for the first token: renewed and retried once, as for an operation.
#[tokio::test]
async fn extensions_get_the_401_retry() {
    let first: Arc<Mutex<Option<String>>> = Arc::default();
    let remembered = first.clone();
    let server = ScriptedServer::start(move |r: &Recorded| {
        if r.path.starts_with("/api/v2/auth/") {
            let access = jwt("access", Duration::from_secs(900));
            remembered.lock().unwrap().get_or_insert(access.clone());
            return token_pair(&access, &jwt("refresh", Duration::from_secs(3600)));
        }
        let first = remembered.lock().unwrap().clone().unwrap_or_default();
        if r.header("authorization") == Some(format!("Bearer {first}").as_str()) {
            return Reply::problem(401, "authentication-error", "Token revoked");
        }
        Reply::json(200, json!({"extension": "looking-glass", "path": r.path}))
    })
    .await;
    let (key, secret) = demo_credentials();
    let session = Session::builder(&server.base_url)
        .credentials(key, secret)
        .build()
        .unwrap();
    let origin = server.base_url.strip_suffix("/api/v2").unwrap();
    let answer = session
        .request(
            Method::GET,
            format!("{origin}/extensions/looking-glass/v1/routes"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.json::<Value>().unwrap()["extension"],
        "looking-glass"
    );
    let calls: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/extensions/"))
        .collect();
    assert_eq!(calls.len(), 2, "the 401, then the retry");
    assert!(first.lock().unwrap().is_some());
}
