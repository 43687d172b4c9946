//! Log in, call IX-API, refresh; then a real workflow: list the product
//! offerings, order peering LAN access (a network service config with a MAC
//! address), watch it reach `production`, and decommission it.
//!
//! With nothing set, it runs against a local IX-API sandbox started in this
//! process. With `IX_API_URL`, `IX_API_KEY` and `IX_API_SECRET` set, it runs
//! against that server instead, and only reads: it never orders anything
//! from a real exchange.
//!
//! `IX_API_AUTH=oauth2` logs in by OAuth2 client credentials instead of
//! `/auth/token` (the sandbox then offers a token endpoint; for a real
//! exchange, `IX_API_OAUTH2_TOKEN_URL` names its identity provider's, and
//! `IX_API_OAUTH2_SCOPES` the scopes, `ix-api` by default), with the
//! variable names of the IX-API Terraform provider.
//!
//! ```text
//! cargo run --example quickstart
//! IX_API_AUTH=oauth2 cargo run --example quickstart
//! IX_API_URL=https://ixp.example.net/api/v2 IX_API_KEY=... IX_API_SECRET=... cargo run --example quickstart
//! ```

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use ix_api_client::prelude::*;
use ix_api_client::{AccessToken, OAuth2, wait};
use ix_api_sandbox::{OAuth2Endpoint, Sandbox, SandboxConfig};

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Failure> {
    let oauth2 = match read("IX_API_AUTH").as_deref() {
        None | Some("legacy") => false,
        Some("oauth2") => true,
        Some(other) => return Err(format!("IX_API_AUTH is {other:?}: legacy or oauth2").into()),
    };
    // Keep the sandbox alive until the end, if we started one.
    let (sandbox, url, key, secret, token_url) = match target_from_env()? {
        Some((url, key, secret)) => {
            let token_url = match oauth2 {
                true => Some(read("IX_API_OAUTH2_TOKEN_URL").ok_or("set IX_API_OAUTH2_TOKEN_URL")?),
                false => None,
            };
            (None, url, key, secret, token_url)
        }
        None => {
            let sandbox = Sandbox::start(SandboxConfig {
                oauth2: oauth2.then(OAuth2Endpoint::default),
                ..SandboxConfig::default()
            })
            .await?;
            let (key, secret) = sandbox.credentials();
            let (key, secret) = (key.to_string(), secret.to_string());
            let url = sandbox.base_url().to_string();
            let token_url = sandbox.oauth2_token_url();
            println!(
                "Started a local IX-API sandbox (set IX_API_URL, IX_API_KEY and IX_API_SECRET to use a real one)."
            );
            (Some(sandbox), url, key, secret, token_url)
        }
    };
    println!("IX-API at {url}");

    let builder = Session::builder(&url);
    let session = match &token_url {
        Some(token_url) => {
            println!("Logging in by OAuth2 client credentials at {token_url}");
            let scopes = read("IX_API_OAUTH2_SCOPES").unwrap_or_else(|| "ix-api".into());
            let scopes = scopes.split([',', ' ']).filter(|s| !s.is_empty());
            builder.oauth2(OAuth2::client_credentials(token_url, key, secret).scopes(scopes))
        }
        None => builder.credentials(key, secret),
    }
    .build()?;

    let implementation = session
        .client()
        .api_implementation_read()
        .send()
        .await?
        .into_inner();
    println!(
        "Logged in; access token {}",
        expiry(&session.access_token().await?)
    );
    println!("Implements IX-API {}", implementation.schema_version);
    println!(
        "Implements {} operations",
        implementation.supported_operations.len()
    );

    match session.tokens() {
        Some(before) => {
            let after = session.refresh().await?;
            let rotated = session.tokens().ok_or("no tokens after refreshing")?;
            println!("Refreshed; new access token {}", expiry(&after));
            println!(
                "Rotation: access token {}, refresh token {}",
                changed(before.access_token != rotated.access_token),
                changed(before.refresh_token != rotated.refresh_token),
            );
            if let Some(at) = rotated.refresh_token.expires_at() {
                println!("Refresh token expires in {}", duration(until(at)));
            }
        }
        // OAuth2 issues no refresh token: a renewal is a new grant.
        None => {
            let before = session.access_token().await?;
            let after = session.refresh().await?;
            println!(
                "Renewed by a new grant; access token {} ({})",
                expiry(&after),
                changed(before != after)
            );
        }
    }

    let offerings = session
        .client()
        .product_offerings_list()
        .send()
        .await?
        .into_inner();
    let mut by_type = BTreeMap::<String, usize>::new();
    for offering in &offerings {
        *by_type.entry(offering_type(offering)).or_default() += 1;
    }
    println!("Product offerings by type: {by_type:?}");
    if sandbox.is_none() {
        println!("A real exchange: the quickstart only reads, it orders nothing.");
        return Ok(());
    }
    order_peering(&session).await
}

/// Orders peering LAN access on the sandbox, waits for it to reach
/// `production`, and decommissions it.
async fn order_peering(session: &Session) -> Result<(), Failure> {
    let client = session.client();
    let (network_service, offering) = client
        .product_offerings_list()
        .type_(types::ProductOfferingsListType::ExchangeLan)
        .send()
        .await?
        .into_inner()
        .into_iter()
        .find_map(|offering| match offering {
            types::ProductOfferingPartial::ExchangeLan(lan) => {
                Some((lan.exchange_lan_network_service?, lan.id?))
            }
            _ => None,
        })
        .ok_or("the exchange offers no peering LAN")?;
    let account = client.accounts_list().send().await?.into_inner();
    let account = account.first().ok_or("no account")?.id.to_string();
    let connection = client.connections_list().send().await?.into_inner();
    let connection = connection.first().ok_or("no connection")?.id.to_string();
    let assignment = client.role_assignments_list().send().await?.into_inner();
    let assignment = assignment.first().ok_or("no role assignment")?.id.clone();

    let mac = client
        .macs_create()
        .body(
            types::MacAddressRequest::builder()
                .address("02:00:5e:10:00:99")
                .managing_account(account.clone())
                .consuming_account(account.clone()),
        )
        .send()
        .await?
        .into_inner();
    println!("Registered MAC address {} as {}", mac.address, *mac.id);

    let request = types::ExchangeLanNetworkServiceConfigRequest::builder()
        .managing_account(account.clone())
        .consuming_account(account.clone())
        .billing_account(account)
        .network_service(network_service)
        .product_offering(offering.to_string())
        .connection(Some(connection))
        .role_assignments(vec![assignment])
        .vlan_config(Some(types::VlanConfig::Dot1q(
            types::VLanConfigDot1Q::builder()
                .vlan(Some(std::num::NonZeroU32::new(100).ok_or("VLAN 0")?))
                .try_into()?,
        )))
        .asns(vec![64500])
        .listed(true)
        .macs(Some(vec![mac.id.to_string()]));
    let ordered = client
        .network_service_configs_create()
        .body(types::NetworkServiceConfigRequest::ExchangeLan(
            request.try_into()?,
        ))
        .send()
        .await?
        .into_inner();
    let types::NetworkServiceConfig::ExchangeLan(ordered) = ordered else {
        return Err("the exchange answered with another type".into());
    };
    let id = ordered.id.to_string();
    println!("Ordered network service config {id}: {}", ordered.state);

    // The sandbox provisions after a second; a real exchange takes longer.
    let waited = Wait::new()
        .interval(Duration::from_millis(200))
        .timeout(Duration::from_secs(10))
        .for_state("production", || {
            client.network_service_configs_read().id(id.clone()).call()
        })
        .await?;
    match waited {
        Waited::Arrived(_) => println!("Network service config {id}: production"),
        Waited::Failed(_) => return Err(format!("the exchange put {id} in `error`").into()),
        Waited::Gone => return Err(format!("{id} is gone").into()),
        Waited::TimedOut { last } => {
            let last = last.as_ref().and_then(wait::state).unwrap_or_default();
            return Err(format!("{id} did not reach production (last seen: {last})").into());
        }
    }

    let cancelled = client
        .network_service_configs_destroy()
        .id(id.clone())
        .send()
        .await?
        .into_inner();
    if let types::NetworkServiceConfig::ExchangeLan(config) = cancelled {
        println!(
            "Decommissioning {id}: {} (at {})",
            config.state,
            config
                .decommission_at
                .map(|d| d.to_string())
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// The `type` of a product offering, as its model encodes it (the tag the
/// spec maps), whatever the variant.
fn offering_type(offering: &types::ProductOfferingPartial) -> String {
    serde_json::to_value(offering)
        .ok()
        .and_then(|object| object.get("type")?.as_str().map(String::from))
        .unwrap_or_else(|| "?".into())
}

fn read(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn target_from_env() -> Result<Option<(String, String, String)>, Failure> {
    match (
        read("IX_API_URL"),
        read("IX_API_KEY"),
        read("IX_API_SECRET"),
    ) {
        (Some(url), Some(key), Some(secret)) => Ok(Some((url, key, secret))),
        (None, None, None) => Ok(None),
        _ => Err("set all of IX_API_URL, IX_API_KEY and IX_API_SECRET, or none".into()),
    }
}

fn expiry(token: &AccessToken) -> String {
    match token.expires_at() {
        Some(at) => format!("expires in {}", duration(until(at))),
        None => "has no expiry the client can read".to_string(),
    }
}

fn until(at: SystemTime) -> Duration {
    at.duration_since(SystemTime::now()).unwrap_or_default()
}

fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, s) => format!("{h}h {m:02}m {s:02}s"),
    }
}

fn changed(yes: bool) -> &'static str {
    if yes { "rotated" } else { "NOT rotated" }
}
