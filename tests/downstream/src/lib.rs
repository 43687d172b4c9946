//! What a crate built on `ix-api-client` writes: order a connection, wait
//! until the exchange has it in production, read an exchange's extension
//! endpoint. Its tests run against the typed mocks of `ix-api-httpmock` (one
//! exact answer each) and against `ix-api-sandbox` (a whole exchange).

use std::time::Duration;

use ix_api_client::prelude::*;
use ix_api_client::raw::Method;
use ix_api_client::types::{Connection, ConnectionRequest};

/// Orders a connection.
pub async fn order_connection(
    session: &Session,
    request: ConnectionRequest,
) -> Result<Connection, Error> {
    Ok(session
        .client()
        .connections_create()
        .body(request)
        .call()
        .await?
        .into_inner())
}

/// Waits until connection `id` is in production, polling every `interval`
/// for at most `timeout`.
pub async fn until_in_production(
    session: &Session,
    id: &str,
    interval: Duration,
    timeout: Duration,
) -> Result<Waited<Connection>, Error> {
    let client = session.client();
    Wait::new()
        .interval(interval)
        .timeout(timeout)
        .for_state("production", || {
            client.connections_read().id(id.to_string()).call()
        })
        .await
}

/// GETs `path` of an extension the exchange lists in `/extensions`, relative
/// to the base URL or an absolute URL on its origin, as JSON.
pub async fn read_extension(session: &Session, path: &str) -> Result<serde_json::Value, Error> {
    session.request(Method::GET, path).send().await?.json()
}
