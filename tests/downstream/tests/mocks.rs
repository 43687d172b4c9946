//! The crate's code against the typed mocks of `ix-api-httpmock`: one exact
//! answer per test, the session logging in against a mocked `/auth/token`.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::connection_request;
use ix_api_client::prelude::*;
use ix_api_client::types::{AuthToken, Connection, ConnectionRequest, ProblemResponse};
use ix_api_downstream::{order_connection, read_extension, until_in_production};
use ix_api_httpmock::{MockServer, MockServerExt};
use serde_json::{Value, json};

const POLL: Duration = Duration::from_millis(20);
/// Credentials as long as IX-API's are.
const API_KEY: &str = "downstream-key16";
const API_SECRET: &str =
    "downstream-secret-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789abc";
/// Long enough never to be reached by a wait that ends on an answer.
const PATIENCE: Duration = Duration::from_secs(60);

/// A real HS256 JWT for `subject` that lives `ttl` from now.
pub fn jwt(subject: &str, ttl: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let claims = json!({"sub": subject, "iat": now, "exp": now + ttl.as_secs()});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"a downstream test key"),
    )
    .expect("a JWT")
}

/// A connection in `state`, as an exchange answers it.
pub fn connection(id: &str, state: &str) -> Value {
    json!({
        "id": id, "state": state, "name": "Connection 1",
        "managing_account": "acc-1", "consuming_account": "acc-1", "billing_account": "acc-1",
        "role_assignments": ["ra-1"], "mode": "lag_lacp",
        "vlan_types": ["dot1q"], "outer_vlan_ethertypes": ["0x8100"],
    })
}

/// A session against `server`, whose `/auth/token` hands out one real pair.
fn session(server: &MockServer) -> (Session, String) {
    let access = jwt("downstream", Duration::from_secs(3600));
    let pair: AuthToken = serde_json::from_value(json!({
        "access_token": access,
        "refresh_token": jwt("downstream-refresh", Duration::from_secs(86_400)),
    }))
    .unwrap();
    server.auth_token_create(|_when, then| {
        then.created(&pair);
    });
    let session = Session::builder(server.base_url())
        .credentials(API_KEY, API_SECRET)
        .build()
        .expect("a session");
    (session, access)
}

fn typed<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("a document of the spec")
}

#[tokio::test]
async fn an_order_waits_through_an_outage_until_production() {
    let server = MockServer::start_async().await;
    let (session, access) = session(&server);
    let ordered = server.connections_create(|when, then| {
        when.into_inner()
            .header("authorization", format!("Bearer {access}"));
        then.created(&typed(connection("con-1", "requested")));
    });
    let outage = server.connections_read(|when, then| {
        when.id("con-1");
        then.into_inner().status(503);
    });

    let request: ConnectionRequest = typed(connection_request("acc-1", "ra-1", "po-1"));
    let ordered_one = order_connection(&session, request).await.expect("ordered");
    assert_eq!(ordered_one.state.to_string(), "requested");
    ordered.assert_async().await;

    let wait = tokio::spawn({
        let session = session.clone();
        async move { until_in_production(&session, "con-1", POLL, PATIENCE).await }
    });
    // The first poll meets the outage; then the exchange is back, and has
    // provisioned it. (httpmock answers with the mock created first, so the
    // outage holds until it is deleted.)
    while outage.calls_async().await == 0 {
        tokio::time::sleep(POLL).await;
    }
    let back = server.connections_read(|when, then| {
        when.id("con-1");
        then.ok(&typed(connection("con-1", "production")));
    });
    outage.delete_async().await;

    let waited = wait.await.unwrap().expect("the wait ends on an answer");
    let Waited::Arrived(provisioned) = waited else {
        panic!("{waited:?}");
    };
    assert_eq!(provisioned.state.to_string(), "production");
    assert_eq!(back.calls_async().await, 1);
}

#[tokio::test]
async fn a_connection_in_error_fails_the_wait_with_the_object() {
    let server = MockServer::start_async().await;
    let (session, _) = session(&server);
    server.connections_read(|when, then| {
        when.id("con-2");
        then.ok(&typed(connection("con-2", "error")));
    });
    let waited = until_in_production(&session, "con-2", POLL, PATIENCE)
        .await
        .unwrap();
    let Waited::Failed(failed) = waited else {
        panic!("{waited:?}");
    };
    assert_eq!(*failed.id, "con-2");
}

#[tokio::test]
async fn a_wait_that_times_out_says_what_it_last_saw() {
    let server = MockServer::start_async().await;
    let (session, _) = session(&server);
    let read = server.connections_read(|when, then| {
        when.id("con-3");
        then.ok(&typed(connection("con-3", "production_change_pending")));
    });
    let waited = until_in_production(&session, "con-3", POLL, Duration::from_millis(200))
        .await
        .unwrap();
    let Waited::TimedOut {
        last: Some(Connection { state, .. }),
    } = waited
    else {
        panic!("{waited:?}");
    };
    assert_eq!(state.to_string(), "production_change_pending");
    assert!(read.calls_async().await >= 2);
}

#[tokio::test]
async fn a_refused_order_names_the_member_in_a_typed_error() {
    let server = MockServer::start_async().await;
    let (session, _) = session(&server);
    server.connections_create(|_when, then| {
        then.bad_request(&typed::<ProblemResponse>(json!({
            "type": "https://errors.ix-api.net/v2/validation-error.html",
            "title": "Validation Error",
            "status": 400,
            "properties": [{"name": "port_quantity", "reason": "At most 8 ports."}],
        })));
    });
    let request: ConnectionRequest = typed(connection_request("acc-1", "ra-1", "po-1"));
    let error = order_connection(&session, request).await.unwrap_err();
    let Error::Rejected {
        operation,
        status,
        problem,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((*operation, *status), ("connections_create", 400));
    assert_eq!(problem.kind(), ProblemKind::ValidationError);
    assert_eq!(
        problem.reasons(),
        [("port_quantity".to_string(), "At most 8 ports.".to_string())]
    );
}

#[tokio::test]
async fn an_extension_is_read_with_the_sessions_token_and_only_on_its_origin() {
    let server = MockServer::start_async().await;
    let (session, access) = session(&server);
    let extension = server.mock(|when, then| {
        when.method("GET")
            .path("/acme/v1/status")
            .header("authorization", format!("Bearer {access}"));
        then.status(200).json_body(json!({"maintenance": false}));
    });
    let status = read_extension(&session, &server.url("/acme/v1/status"))
        .await
        .unwrap();
    assert_eq!(status, json!({"maintenance": false}));
    extension.assert_async().await;

    // Another origin gets nothing, least of all the token.
    let elsewhere = MockServer::start_async().await;
    let anything = elsewhere.mock(|_when, then| {
        then.status(200).json_body(json!({}));
    });
    let error = read_extension(&session, &elsewhere.url("/acme/v1/status"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), None, "{error}");
    assert_eq!(anything.calls_async().await, 0);
}
