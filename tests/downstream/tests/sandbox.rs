//! The crate's code against `ix-api-sandbox`, a whole exchange: the order is
//! provisioned as a real exchange would, after a while.

mod common;

use std::time::Duration;

use common::connection_request;
use ix_api_client::prelude::*;
use ix_api_downstream::{order_connection, read_extension, until_in_production};
use ix_api_sandbox::{Sandbox, SandboxConfig};

async fn exchange() -> (Sandbox, Session) {
    let sandbox = Sandbox::start(SandboxConfig {
        provisioning_delay: Duration::from_millis(300),
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts");
    let (key, secret) = sandbox.credentials();
    let session = Session::builder(sandbox.base_url())
        .credentials(key, secret)
        .build()
        .expect("a session");
    (sandbox, session)
}

#[tokio::test]
async fn an_ordered_connection_is_waited_for_until_production() {
    let (_sandbox, session) = exchange().await;
    let client = session.client();
    let accounts = client.accounts_list().call().await.unwrap().into_inner();
    let account = accounts
        .iter()
        .find(|a| *a.name == "Example Reseller")
        .expect("the reseller");
    let roles = client
        .role_assignments_list()
        .call()
        .await
        .unwrap()
        .into_inner();
    let offerings = client
        .product_offerings_list()
        .call()
        .await
        .unwrap()
        .into_inner();
    let offering = offerings
        .iter()
        .map(|o| serde_json::to_value(o).unwrap())
        .find(|o| o["type"] == "connection")
        .expect("an offering of connections");

    let request: types::ConnectionRequest = serde_json::from_value(connection_request(
        &account.id,
        &roles[0].id,
        offering["id"].as_str().unwrap(),
    ))
    .unwrap();
    let ordered = order_connection(&session, request).await.unwrap();
    assert_ne!(ordered.state.to_string(), "production");

    let waited = until_in_production(
        &session,
        &ordered.id,
        Duration::from_millis(50),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    let Waited::Arrived(connection) = waited else {
        panic!("{waited:?}");
    };
    assert_eq!(connection.id, ordered.id);
}

#[tokio::test]
async fn the_extensions_are_read_through_the_raw_door() {
    let (_sandbox, session) = exchange().await;
    let extensions = read_extension(&session, "/extensions").await.unwrap();
    let listed = extensions.as_array().expect("a list");
    assert!(!listed.is_empty());
    assert!(
        listed.iter().all(|e| e["base_url"].is_string()),
        "{extensions}"
    );

    let error = read_extension(&session, "/no-such-extension")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404), "{error}");
    assert!(
        matches!(&error, Error::Rejected { problem, .. } if problem.kind() == ProblemKind::NotFound)
            || matches!(&error, Error::NotImplemented { .. }),
        "{error:?}"
    );
}
