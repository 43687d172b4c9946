//! What IX-API 2.7.1 adds, served by the sandbox over HTTP on 127.0.0.1:
//! connections ordered, changed and cancelled; port reservations that
//! become ports; letters of authorisation stored byte for byte (and kept
//! by `--state`); routing functions, availability zones, the account,
//! extensions; statistics and timeseries; pages of every list; filters in
//! both spellings; and the sandbox playing a 2.1.0 exchange.

use std::collections::BTreeSet;
use std::time::Duration;

use ix_api_client::Call;
use ix_api_client::spec::operations;
use ix_api_sandbox::{
    Account, MAX_BODY_BYTES, MAX_LOA_BYTES, Sandbox, SandboxConfig, SchemaVersion,
};
use ix_api_tests::{ApiUser as User, advance, demo_session, offering_types};
use serde_json::{Value, json};

const NOT_FOUND: &str = "https://errors.ix-api.net/v2/not-found.html";
const VALIDATION_ERROR: &str = "https://errors.ix-api.net/v2/validation-error.html";

async fn start(config: SandboxConfig) -> (Sandbox, User) {
    let sandbox = Sandbox::start(config).await.unwrap();
    let user = User::login(sandbox.base_url(), sandbox.credentials()).await;
    (sandbox, user)
}

async fn sandbox(delay: Duration) -> (Sandbox, User) {
    start(SandboxConfig {
        provisioning_delay: delay,
        ..SandboxConfig::default()
    })
    .await
}

/// What ordering needs: the reseller's id, a role assignment of its, and
/// the offerings of a connection and a routing function.
struct Order {
    reseller: String,
    role_assignment: String,
    connection_offering: String,
    routing_offering: String,
}

async fn order(user: &User) -> Order {
    let reseller = user.find("/accounts", "name", "Example Reseller").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let role_assignment = user.ids("/role-assignments").await[0].clone();
    let offerings = user.get("/product-offerings").await;
    let offering = |kind: &str| {
        offerings
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["type"] == kind)
            .and_then(|o| o["id"].as_str())
            .unwrap_or_else(|| panic!("an offering of type {kind}"))
            .to_string()
    };
    Order {
        connection_offering: offering("connection"),
        routing_offering: offering("routing_function"),
        reseller,
        role_assignment,
    }
}

impl Order {
    fn connection(&self, ports: u64) -> Value {
        json!({
            "managing_account": self.reseller, "consuming_account": self.reseller,
            "billing_account": self.reseller, "role_assignments": [self.role_assignment],
            "mode": "lag_lacp", "product_offering": self.connection_offering,
            "port_quantity": ports, "subscriber_side_demarcs": ["MMR1 P12 1/2", "MMR1 P12 3/4"],
            "connecting_party": "Example Carrier", "purchase_order": "PO-1",
        })
    }
}

fn problem_type(body: &Value) -> &str {
    body["type"].as_str().unwrap_or_default()
}

/// The names in a validation error's `properties`.
fn invalid_members(body: &Value) -> Vec<String> {
    body["properties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn connections_are_ordered_changed_and_cancelled() {
    let (_sandbox, user) = sandbox(Duration::from_secs(60)).await;
    let order = order(&user).await;
    let connection = user.create("/connections", order.connection(0)).await;
    let id = connection["id"].as_str().unwrap().to_string();
    let path = format!("/connections/{id}");
    assert_eq!(connection["state"], "requested");
    assert_eq!(connection["name"], format!("Connection {id}"));
    assert_eq!(connection["mode"], "lag_lacp");
    assert!(connection["pop"].is_string(), "{connection}");
    assert!(user.ids("/connections").await.contains(&id));

    advance(Duration::from_secs(61)).await;
    assert_eq!(user.get(&path).await["state"], "production");

    // PUT replaces, PATCH merges; a change passes through
    // production_change_pending.
    let mut update = order.connection(0);
    for member in [
        "port_quantity",
        "subscriber_side_demarcs",
        "connecting_party",
    ] {
        update.as_object_mut().unwrap().remove(member);
    }
    update["mode"] = json!("lag_static");
    let (status, replaced) = user.call("PUT", &path, Some(update)).await;
    assert_eq!(
        (status, &replaced["mode"]),
        (202, &json!("lag_static")),
        "{replaced}"
    );
    assert_eq!(replaced["state"], "production_change_pending");
    let (status, merged) = user
        .call("PATCH", &path, Some(json!({"external_ref": "circuit-7"})))
        .await;
    assert_eq!(status, 202, "{merged}");
    assert_eq!(
        (&merged["external_ref"], &merged["mode"]),
        (&json!("circuit-7"), &json!("lag_static"))
    );
    advance(Duration::from_secs(61)).await;
    assert_eq!(user.get(&path).await["state"], "production");

    // The cancellation policy, then the cancellation on the date asked.
    let policy = user
        .get(&format!(
            "{path}/cancellation-policy?decommission_at=2099-02-10"
        ))
        .await;
    assert_eq!(
        policy,
        json!({"decommission_at": "2099-02-10", "charged_until": "2099-02-28"})
    );
    let (status, cancelled) = user
        .call(
            "DELETE",
            &path,
            Some(json!({"decommission_at": "2099-02-10"})),
        )
        .await;
    assert_eq!(status, 202, "{cancelled}");
    assert_eq!(cancelled["state"], "decommission_requested");
    assert_eq!(cancelled["decommission_at"], "2099-02-10");
    assert_eq!(cancelled["charged_until"], "2099-02-28");
    advance(Duration::from_secs(61)).await;
    let (status, gone) = user.call("GET", &path, None).await;
    assert_eq!((status, problem_type(&gone)), (404, NOT_FOUND));
    assert!(!user.ids("/connections").await.contains(&id));

    // A connection is ordered with an offering of connections, and with no
    // more ports than the offering allows.
    let mut wrong = order.connection(0);
    wrong["product_offering"] = json!(order.routing_offering);
    let (status, refused) = user.call("POST", "/connections", Some(wrong)).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(invalid_members(&refused), ["product_offering"]);
    for quantity in [json!(9), json!(-1), json!(1_000_000_000)] {
        let mut many = order.connection(0);
        many["port_quantity"] = quantity;
        let (status, refused) = user.call("POST", "/connections", Some(many)).await;
        assert_eq!(status, 400, "{refused}");
        assert_eq!(invalid_members(&refused), ["port_quantity"]);
    }
}

#[tokio::test]
async fn port_reservations_become_ports_when_the_exchange_provisions_them() {
    let (_sandbox, user) = sandbox(Duration::from_secs(60)).await;
    let order = order(&user).await;
    let ports_before = user.ids("/ports").await;
    // Ordered with two ports: two reservations, one per demarc.
    let connection = user.create("/connections", order.connection(2)).await;
    let connection_id = connection["id"].as_str().unwrap().to_string();
    let reservations = connection["port_reservations"].as_array().unwrap().clone();
    assert_eq!(reservations.len(), 2, "{connection}");
    let listed = user
        .get(&format!("/port-reservations?connection={connection_id}"))
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["subscriber_side_demarc"], "MMR1 P12 1/2");
    assert_eq!(listed[1]["subscriber_side_demarc"], "MMR1 P12 3/4");
    assert_eq!(listed[0]["connecting_party"], "Example Carrier");
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["port"].is_null() && r["state"] == "requested")
    );

    // One more, reserved on its own.
    let third = user
        .create(
            "/port-reservations",
            json!({"connection": connection_id, "external_ref": "third",
                   "purchase_order": "PO-3", "cross_connect_id": "XC-3"}),
        )
        .await;
    assert_eq!(third["state"], "requested");
    assert!(third["port"].is_null());
    let third_path = format!("/port-reservations/{}", third["id"].as_str().unwrap());

    // Nothing is provisioned before the delay...
    advance(Duration::from_secs(59)).await;
    assert_eq!(user.ids("/ports").await, ports_before);
    // ...and every reservation is a port after it.
    advance(Duration::from_secs(2)).await;
    let ports = user
        .get(&format!("/ports?connection={connection_id}"))
        .await;
    let ports = ports.as_array().unwrap();
    assert_eq!(ports.len(), 3, "{ports:?}");
    for port in ports {
        assert_eq!(port["state"], "production");
        assert_eq!(port["speed"], 10_000, "the offering's port speed");
        assert_eq!(port["media_type"], "10GBASE-LR");
        assert_eq!(port["managing_account"], order.reseller.as_str());
        assert_eq!(port["pop"], connection["pop"]);
        let device = user
            .get(&format!("/devices/{}", port["device"].as_str().unwrap()))
            .await;
        assert_eq!(device["pop"], connection["pop"]);
    }
    let third = user.get(&third_path).await;
    assert_eq!(third["state"], "production");
    let port_id = third["port"].as_str().unwrap().to_string();
    let port = user.get(&format!("/ports/{port_id}")).await;
    assert_eq!(port["connection"], connection_id.as_str());
    assert_eq!(
        (&port["external_ref"], &port["purchase_order"]),
        (&json!("third"), &json!("PO-3"))
    );
    assert!(third["exchange_side_demarc"].is_string(), "{third}");
    let connection = user.get(&format!("/connections/{connection_id}")).await;
    assert_eq!(connection["ports"].as_array().unwrap().len(), 3);
    assert_eq!(connection["port_reservations"].as_array().unwrap().len(), 3);
    assert_eq!(connection["speed"], 30_000, "its ports' speed");
    let (status, patched) = user
        .call(
            "PATCH",
            &format!("/connections/{connection_id}"),
            Some(json!({"speed": 1})),
        )
        .await;
    assert_eq!(
        (status, &patched["speed"]),
        (202, &json!(30_000)),
        "still its ports'"
    );

    // Reservations read, change, and cancel like the other services.
    let (status, patched) = user
        .call(
            "PATCH",
            &third_path,
            Some(json!({"cross_connect_id": "XC-3b"})),
        )
        .await;
    assert_eq!(
        (status, &patched["cross_connect_id"]),
        (202, &json!("XC-3b"))
    );
    let policy = user.get(&format!("{third_path}/cancellation-policy")).await;
    assert!(policy["decommission_at"].is_string() && policy["charged_until"].is_string());
    let (status, cancelled) = user.call("DELETE", &third_path, None).await;
    assert_eq!(status, 202, "{cancelled}");
    assert_eq!(cancelled["state"], "decommission_requested");
    assert_eq!(
        user.get(&format!("/ports/{port_id}")).await["state"],
        "decommission_requested",
        "its port goes with it"
    );
    advance(Duration::from_secs(61)).await;
    let (status, _) = user.call("GET", &format!("/ports/{port_id}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(
        user.get(&format!("/ports?connection={connection_id}"))
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A reservation cancelled before it is provisioned never becomes a port.
    let early = user
        .create("/port-reservations", json!({"connection": connection_id}))
        .await;
    let early_path = format!("/port-reservations/{}", early["id"].as_str().unwrap());
    let (status, _) = user.call("DELETE", &early_path, None).await;
    assert_eq!(status, 202);
    advance(Duration::from_secs(61)).await;
    assert_eq!(
        user.get(&format!("/ports?connection={connection_id}"))
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A reservation is for a connection, one the API user sees.
    let (status, refused) = user
        .call("POST", "/port-reservations", Some(json!({})))
        .await;
    assert_eq!(
        (status, invalid_members(&refused)),
        (400, vec!["connection".to_string()])
    );
    let (status, refused) = user
        .call(
            "POST",
            "/port-reservations",
            Some(json!({"connection": "999999"})),
        )
        .await;
    assert_eq!(
        (status, invalid_members(&refused)),
        (400, vec!["connection".to_string()])
    );

    // Cancelling the connection cancels its reservations and ports.
    let (status, _) = user
        .call("DELETE", &format!("/connections/{connection_id}"), None)
        .await;
    assert_eq!(status, 202);
    let ports = user
        .get(&format!("/ports?connection={connection_id}"))
        .await;
    assert!(
        ports
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["state"] == "decommission_requested")
    );
    advance(Duration::from_secs(61)).await;
    assert!(
        user.get(&format!("/port-reservations?connection={connection_id}"))
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn other_api_users_see_no_port_reservation_of_the_reseller() {
    let accounts = vec![Account::generate(), Account::generate()];
    let sandbox = Sandbox::start(SandboxConfig {
        provisioning_delay: Duration::ZERO,
        accounts: accounts.clone(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let demo = User::login(sandbox.base_url(), sandbox.credentials()).await;
    let order = order(&demo).await;
    let connection = demo.create("/connections", order.connection(1)).await;
    let reservation = connection["port_reservations"][0].as_str().unwrap();
    assert!(
        demo.ids("/port-reservations")
            .await
            .contains(&reservation.to_string())
    );

    let other = User::login(
        sandbox.base_url(),
        (&accounts[1].api_key, &accounts[1].api_secret),
    )
    .await;
    assert!(other.ids("/port-reservations").await.is_empty());
    let (status, _) = other
        .call("GET", &format!("/port-reservations/{reservation}"), None)
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = other
        .download(&format!("/port-reservations/{reservation}/loa"))
        .await;
    assert_eq!(status, 404);
}

/// A made-up PDF document with every byte value in it.
fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    bytes.extend((0..size.saturating_sub(bytes.len())).map(|i| (i * 7 % 256) as u8));
    bytes.truncate(size);
    bytes
}

#[tokio::test]
async fn letters_of_authorisation_come_back_byte_for_byte() {
    let (_sandbox, user) = sandbox(Duration::ZERO).await;
    let order = order(&user).await;
    let connection = user.create("/connections", order.connection(1)).await;
    let connection_loa = format!("/connections/{}/loa", connection["id"].as_str().unwrap());
    let reservation_loa = format!(
        "/port-reservations/{}/loa",
        connection["port_reservations"][0].as_str().unwrap()
    );

    // Not found before an upload.
    for path in [&connection_loa, &reservation_loa] {
        let (status, media, body) = user.download(path).await;
        let problem: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (status, problem_type(&problem)),
            (404, NOT_FOUND),
            "{media}"
        );
    }

    // A PDF as a PDF, raw bytes as raw bytes.
    let document = pdf(300_000);
    let (status, body) = user
        .upload(&connection_loa, "application/pdf", document.clone())
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, media, bytes) = user.download(&connection_loa).await;
    assert_eq!((status, media.as_str()), (200, "application/pdf"));
    assert!(bytes == document, "the same bytes");
    let raw: Vec<u8> = (0..=255).rev().collect();
    let (status, _) = user
        .upload(&reservation_loa, "application/octet-stream", raw.clone())
        .await;
    assert_eq!(status, 201);
    let (status, media, bytes) = user.download(&reservation_loa).await;
    assert_eq!(
        (status, media.as_str(), bytes),
        (200, "application/octet-stream", raw)
    );

    // A new upload replaces the old one.
    let (status, _) = user
        .upload(&connection_loa, "application/pdf; charset=binary", pdf(10))
        .await;
    assert_eq!(status, 201);
    assert_eq!(user.download(&connection_loa).await.2, pdf(10));

    // 10 MiB, far above the 64 KiB of JSON bodies, is taken; a byte more
    // is refused with a validation error, and the letter stays as it was.
    const { assert!(MAX_LOA_BYTES > 100 * MAX_BODY_BYTES) };
    let largest = pdf(MAX_LOA_BYTES);
    let (status, body) = user
        .upload(&connection_loa, "application/pdf", largest.clone())
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(user.download(&connection_loa).await.2 == largest);
    for size in [MAX_LOA_BYTES + 1, 3 * MAX_LOA_BYTES] {
        let (status, refused) = user
            .upload(&connection_loa, "application/pdf", pdf(size))
            .await;
        assert_eq!(
            (status, problem_type(&refused)),
            (400, VALIDATION_ERROR),
            "{size}"
        );
        assert!(refused["detail"].as_str().unwrap().contains("10 MiB"));
    }
    assert!(user.download(&connection_loa).await.2 == largest);

    // Neither JSON nor nothing is a letter of authorisation.
    for (media, bytes) in [
        ("application/json", b"{}".to_vec()),
        ("text/plain", b"hello".to_vec()),
        ("application/pdf", Vec::new()),
    ] {
        let (status, refused) = user.upload(&connection_loa, media, bytes).await;
        assert_eq!(
            (status, problem_type(&refused)),
            (400, VALIDATION_ERROR),
            "{media}"
        );
    }

    // An object that does not exist has none.
    let (status, refused) = user
        .upload("/connections/999999/loa", "application/pdf", pdf(10))
        .await;
    assert_eq!((status, problem_type(&refused)), (404, NOT_FOUND));
}

#[tokio::test]
async fn letters_of_authorisation_survive_a_restart_through_the_journal() {
    let dir = std::env::temp_dir().join(format!("ix-api-sandbox-loa-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("exchange.json");
    let journal = dir.join("exchange.json.journal");
    let account = Account::generate();
    let config = || SandboxConfig {
        provisioning_delay: Duration::ZERO,
        accounts: vec![account.clone()],
        state_file: Some(state.clone()),
        ..SandboxConfig::default()
    };

    let (sandbox, user) = start(config()).await;
    let order = order(&user).await;
    let connection = user.create("/connections", order.connection(1)).await;
    let connection_loa = format!("/connections/{}/loa", connection["id"].as_str().unwrap());
    let reservation_loa = format!(
        "/port-reservations/{}/loa",
        connection["port_reservations"][0].as_str().unwrap()
    );
    let document = pdf(2 << 20);
    let raw: Vec<u8> = (0..100_000).map(|i| (i % 251) as u8).collect();
    assert_eq!(
        user.upload(&connection_loa, "application/pdf", document.clone())
            .await
            .0,
        201
    );
    assert_eq!(
        user.upload(&reservation_loa, "application/octet-stream", raw.clone())
            .await
            .0,
        201
    );
    let snapshot = std::fs::metadata(&state).unwrap().len();
    let journaled = std::fs::metadata(&journal).unwrap().len();
    assert!(
        journaled > document.len() as u64 && (snapshot as usize) < document.len(),
        "the letters went to the journal ({journaled} bytes), not a new snapshot ({snapshot})"
    );
    sandbox.shutdown().await;

    let (_sandbox, user) = start(config()).await;
    let (status, media, bytes) = user.download(&connection_loa).await;
    assert_eq!((status, media.as_str()), (200, "application/pdf"));
    assert!(bytes == document, "the same bytes after a restart");
    let (status, media, bytes) = user.download(&reservation_loa).await;
    assert_eq!(
        (status, media.as_str(), bytes),
        (200, "application/octet-stream", raw)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn routing_functions_are_ordered_changed_and_cancelled() {
    let (_sandbox, user) = sandbox(Duration::from_secs(1)).await;
    let order = order(&user).await;
    let created = user
        .create(
            "/routing-functions",
            json!({"managing_account": order.reseller, "consuming_account": order.reseller,
                   "billing_account": order.reseller, "product_offering": order.routing_offering,
                   "asn": 64_512, "capacity": 1_000}),
        )
        .await;
    assert_eq!(created["state"], "requested");
    let path = format!("/routing-functions/{}", created["id"].as_str().unwrap());
    advance(Duration::from_millis(1_001)).await;
    assert_eq!(user.get(&path).await["state"], "production");
    assert_eq!(user.ids("/routing-functions?asn=64512").await.len(), 1);
    assert!(user.ids("/routing-functions?asn=64513").await.is_empty());

    let (status, patched) = user
        .call("PATCH", &path, Some(json!({"capacity": 2_000})))
        .await;
    assert_eq!(
        (status, &patched["capacity"]),
        (202, &json!(2_000)),
        "{patched}"
    );
    assert_eq!(patched["asn"], 64_512);
    let (status, patched) = user
        .call("PATCH", &path, Some(json!({"asn": 64_513})))
        .await;
    assert_eq!(status, 202, "{patched}");
    assert_eq!(
        (&patched["asn"], &patched["capacity"]),
        (&json!(64_513), &json!(2_000))
    );
    // The spec replaces no routing function (no PUT).
    let (status, _) = user.call("PUT", &path, Some(json!({"asn": 1}))).await;
    assert_eq!(status, 405);

    let policy = user.get(&format!("{path}/cancellation-policy")).await;
    assert!(policy["decommission_at"].is_string());
    let (status, cancelled) = user.call("DELETE", &path, None).await;
    assert_eq!(
        (status, &cancelled["state"]),
        (202, &json!("decommission_requested"))
    );
    advance(Duration::from_millis(1_001)).await;
    assert_eq!(user.call("GET", &path, None).await.0, 404);

    // A routing function takes an offering of routing functions.
    let (status, refused) = user
        .call(
            "POST",
            "/routing-functions",
            Some(
                json!({"managing_account": order.reseller, "consuming_account": order.reseller,
                        "product_offering": order.connection_offering, "asn": 64_512}),
            ),
        )
        .await;
    assert_eq!(
        (status, invalid_members(&refused)),
        (400, vec!["product_offering".to_string()])
    );
}

#[tokio::test]
async fn the_catalogue_of_2_7_the_account_and_extensions() {
    let (_sandbox, user) = sandbox(Duration::ZERO).await;
    let types = user.offering_types().await;
    assert_eq!(
        types,
        offering_types(),
        "an offering of every type the spec maps"
    );
    let connection = user.find("/product-offerings", "type", "connection").await;
    assert_eq!(connection["physical_port_speed"], 10_000);
    assert!(connection["handover_pop"].is_string());

    let zones = user.get("/availability-zones").await;
    let names: Vec<&str> = zones
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Frankfurt A", "Frankfurt B", "Amsterdam A"]);
    let first = zones[0]["id"].as_str().unwrap();
    assert_eq!(
        user.get(&format!("/availability-zones/{first}")).await,
        zones[0]
    );
    assert_eq!(
        user.ids("/availability-zones?name=Frankfurt%20B")
            .await
            .len(),
        1
    );
    // Read-only: the spec has no operation that changes them.
    let (status, _) = user
        .call("POST", "/availability-zones", Some(json!({"name": "x"})))
        .await;
    assert_eq!(status, 405);

    let account = user.get("/account").await;
    assert_eq!(account["name"], "Example Reseller");
    assert_eq!(
        user.get(&format!("/accounts/{}", account["id"].as_str().unwrap()))
            .await,
        account
    );

    let extensions = user.get("/extensions").await;
    let extensions = extensions.as_array().unwrap();
    assert_eq!(extensions.len(), 1);
    assert!(extensions[0]["name"].is_string() && extensions[0]["base_url"].is_string());
    assert!(extensions[0].get("id").is_none(), "APIExtension has no id");
}

#[tokio::test]
async fn statistics_are_plausible_and_the_same_for_the_same_window() {
    let (_sandbox, user) = start(SandboxConfig {
        provisioning_delay: Duration::ZERO,
        access_ttl: Duration::from_secs(86_400 * 30),
        ..SandboxConfig::default()
    })
    .await;
    let port = user.get("/ports").await[0].clone();
    let port_path = format!("/ports/{}", port["id"].as_str().unwrap());
    let capacity = port["speed"].as_u64().unwrap() * 125_000;
    let window = "start=2025-03-01T00:00:00Z&end=2025-03-02T00:00:00Z";

    // The standard aggregates, each a NetworkServiceConfigAggregateStatistics.
    let statistics = user.get(&format!("{port_path}/statistics")).await;
    let aggregates = statistics["aggregates"].as_object().unwrap();
    assert_eq!(
        aggregates.keys().collect::<Vec<_>>(),
        ["P1D", "P1Y", "P30D", "PT5M"]
    );
    for (name, aggregate) in aggregates {
        for member in [
            "average_ops_in",
            "average_ops_out",
            "average_pps_in",
            "average_pps_out",
            "maximum_ops_in",
            "percentile95_ops_out",
        ] {
            let value = aggregate[member]
                .as_u64()
                .unwrap_or_else(|| panic!("{name}.{member}"));
            assert!(value > 0 && value <= capacity, "{name}.{member} = {value}");
        }
        assert!(aggregate["average_ops_in"].as_u64() <= aggregate["maximum_ops_in"].as_u64());
        let bytes_per_packet = aggregate["average_ops_in"].as_u64().unwrap()
            / aggregate["average_pps_in"].as_u64().unwrap();
        assert!(
            (64..=1_518).contains(&bytes_per_packet),
            "{bytes_per_packet}"
        );
        assert!(aggregate["start"].as_str() < aggregate["end"].as_str());
    }
    let lanes = |member: &str| statistics[member].as_array().map(Vec::len);
    assert_eq!(
        (lanes("light_levels_tx"), lanes("light_levels_rx")),
        (Some(4), Some(4))
    );
    assert!(statistics["light_levels_rx"][0].as_f64().unwrap() < 0.0);

    // A window asked for is `custom`; the same window answers the same
    // numbers, however much time passes; another object, others.
    let custom = user.get(&format!("{port_path}/statistics?{window}")).await;
    assert_eq!(
        custom["aggregates"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["custom"]
    );
    assert_eq!(
        custom["aggregates"]["custom"]["start"],
        "2025-03-01T00:00:00Z"
    );
    advance(Duration::from_secs(86_400 * 3)).await;
    assert_eq!(
        user.get(&format!("{port_path}/statistics?{window}")).await,
        custom
    );
    let other_port = user.get("/ports").await[1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = user
        .get(&format!("/ports/{other_port}/statistics?{window}"))
        .await;
    assert_ne!(other["aggregates"], custom["aggregates"]);

    // The timeseries of an aggregate: the samples it is made of.
    let series = user
        .get(&format!(
            "{port_path}/statistics/custom/timeseries?{window}"
        ))
        .await;
    let samples = series["samples"].as_array().unwrap();
    assert_eq!(
        (series["precision"].as_u64(), samples.len()),
        (Some(300), 288)
    );
    let average: u64 = samples
        .iter()
        .map(|s| s["average_ops_in"].as_u64().unwrap())
        .sum::<u64>()
        / 288;
    assert_eq!(
        Some(average),
        custom["aggregates"]["custom"]["average_ops_in"].as_u64()
    );
    assert_eq!(
        user.get(&format!(
            "{port_path}/statistics/custom/timeseries?{window}"
        ))
        .await,
        series
    );
    let day = user
        .get(&format!("{port_path}/statistics/P1D/timeseries"))
        .await;
    assert_eq!(day["samples"].as_array().unwrap().len(), 288);
    let (status, unknown) = user
        .call(
            "GET",
            &format!("{port_path}/statistics/P2W/timeseries"),
            None,
        )
        .await;
    assert_eq!((status, problem_type(&unknown)), (404, NOT_FOUND));

    // Connections, configs and services have statistics too, scaled to
    // their capacity.
    let config = user.get("/network-service-configs").await[0].clone();
    let config_path = format!(
        "/network-service-configs/{}",
        config["id"].as_str().unwrap()
    );
    let service_path = format!(
        "/network-services/{}",
        config["network_service"].as_str().unwrap()
    );
    let connection_path = format!("/connections/{}", config["connection"].as_str().unwrap());
    for path in [&connection_path, &config_path, &service_path] {
        let statistics = user.get(&format!("{path}/statistics?{window}")).await;
        assert!(statistics["aggregates"]["custom"]["average_ops_out"].as_u64() > Some(0));
        let series = user
            .get(&format!("{path}/statistics/P30D/timeseries"))
            .await;
        assert_eq!(series["samples"].as_array().unwrap().len(), 288);
    }
    let config_statistics = user
        .get(&format!("{config_path}/statistics?{window}"))
        .await;
    let config_capacity = config["capacity"].as_u64().unwrap();
    let left = config_statistics["aggregates"]["custom"]["nsc_available_capacity"]
        .as_u64()
        .unwrap();
    assert!(
        left > 0 && left < config_capacity,
        "{left} of {config_capacity} Mbps"
    );

    // A window must end after it starts; a date-time must be one.
    for query in [
        "start=2025-03-02T00:00:00Z&end=2025-03-01T00:00:00Z",
        "start=yesterday",
    ] {
        let (status, refused) = user
            .call("GET", &format!("{port_path}/statistics?{query}"), None)
            .await;
        assert_eq!(
            (status, problem_type(&refused)),
            (400, VALIDATION_ERROR),
            "{query}"
        );
    }
    let (status, _) = user.call("GET", "/ports/999999/statistics", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn peer_and_round_trip_statistics_name_the_peers_on_the_service() {
    let (_sandbox, user) = sandbox(Duration::ZERO).await;
    let config = user.get("/network-service-configs").await[0].clone();
    let config_path = format!(
        "/network-service-configs/{}",
        config["id"].as_str().unwrap()
    );
    let window = "start=2025-03-01T00:00:00Z&end=2025-03-02T00:00:00Z";
    // The seeded reseller peers with the route server, over IPv4 and IPv6.
    let peers = user
        .get(&format!("{config_path}/peer-statistics?{window}"))
        .await;
    let peers = peers.as_array().unwrap();
    assert_eq!(peers.len(), 2, "{peers:?}");
    assert_eq!(
        peers[0]["peer"],
        json!({"asn": 64_500, "ip": {"address": "192.0.2.1", "version": 4}})
    );
    assert!(peers[0]["aggregates"]["custom"]["average_ops_in"].as_u64() > Some(0));
    assert_eq!(
        user.get(&format!("{config_path}/peer-statistics?{window}"))
            .await
            .as_array()
            .unwrap(),
        peers
    );
    let v6 = user
        .get(&format!("{config_path}/peer-statistics?ip_version=6"))
        .await;
    assert_eq!(v6.as_array().unwrap().len(), 1);
    assert_eq!(v6[0]["peer"]["ip"]["address"], "2001:db8::1");
    for filter in [
        "asn=64999",
        "ip_address=192.0.2.99",
        "mac_address=02:00:00:00:00:00",
    ] {
        let none = user
            .get(&format!("{config_path}/peer-statistics?{filter}"))
            .await;
        assert!(none.as_array().unwrap().is_empty(), "{filter}");
    }
    let series = user
        .get(&format!("{config_path}/peer-statistics/PT5M/timeseries"))
        .await;
    assert_eq!(series["samples"].as_array().unwrap().len(), 5);

    // Round trips: the latest measurement of every peer on the service;
    // since a serial, every one after it.
    let service_path = format!(
        "/network-services/{}",
        config["network_service"].as_str().unwrap()
    );
    let latest = user.get(&format!("{service_path}/rtt-statistics")).await;
    let latest = latest.as_array().unwrap();
    assert_eq!(
        latest.len(),
        3,
        "the reseller and the route server twice: {latest:?}"
    );
    for rtt in latest {
        let (min, avg, max) = (
            rtt["rtt_min_ms"].as_f64().unwrap(),
            rtt["rtt_avg_ms"].as_f64().unwrap(),
            rtt["rtt_max_ms"].as_f64().unwrap(),
        );
        assert!(0.0 < min && min <= avg && avg <= max && max < 5.0, "{rtt}");
        assert!(rtt["rx"].as_u64() <= rtt["tx"].as_u64());
    }
    let serial = latest[0]["serial"].as_i64().unwrap();
    let since = user
        .get(&format!(
            "{service_path}/rtt-statistics?after={}&ip=192.0.2.1",
            serial - 3
        ))
        .await;
    let serials: Vec<i64> = since
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["serial"].as_i64().unwrap())
        .collect();
    assert_eq!(serials, [serial - 2, serial - 1, serial]);
    // Measured, not drawn anew: the same serial answers the same numbers.
    let again = user
        .get(&format!(
            "{service_path}/rtt-statistics?after={}&ip=192.0.2.1",
            serial - 3
        ))
        .await;
    assert_eq!(again, since);
    let by_asn = user
        .get(&format!("{service_path}/rtt-statistics?asn=64500"))
        .await;
    assert_eq!(by_asn.as_array().unwrap().len(), 2);
}

/// Every list operation of the spec, by its path.
fn list_paths() -> Vec<&'static str> {
    operations::ALL
        .iter()
        .filter(|op| op.method == "GET" && !op.path.contains('{'))
        .filter(|op| !["/account", "/health", "/implementation"].contains(&op.path))
        .map(|op| op.path)
        .collect()
}

#[tokio::test]
async fn every_list_pages_in_ascending_order_of_id() {
    let (_sandbox, user) = sandbox(Duration::ZERO).await;
    let paths = list_paths();
    assert_eq!(paths.len(), 23, "{paths:?}");
    for path in paths {
        let all = user.get(path).await;
        let all = all.as_array().unwrap();
        let key = |o: &Value| o["id"].as_str().map(|id| id.parse::<u64>().unwrap());
        let ids: Vec<Option<u64>> = all.iter().map(key).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "{path} in ascending order of id");
        // Pages of two, by offset and by token, make the whole list; a page
        // that is not the last answers 206, the last 200.
        let mut paged = Vec::new();
        let mut tokened = Vec::new();
        for offset in (0..all.len() + 2).step_by(2) {
            let partial = if offset + 2 < all.len() { 206 } else { 200 };
            let (status, page) = user
                .call(
                    "GET",
                    &format!("{path}?page_limit=2&page_offset={offset}"),
                    None,
                )
                .await;
            assert_eq!(status, partial, "{path} from {offset}: {page}");
            assert!(page.as_array().unwrap().len() <= 2);
            paged.extend(page.as_array().unwrap().iter().cloned());
            let (status, page) = user
                .call(
                    "GET",
                    &format!("{path}?page_limit=2&page_token={offset}"),
                    None,
                )
                .await;
            assert_eq!(status, partial, "{path} from token {offset}: {page}");
            tokened.extend(page.as_array().unwrap().iter().cloned());
        }
        assert_eq!(&paged, all, "{path}");
        assert_eq!(&tokened, all, "{path}");
        assert_eq!(
            user.get(&format!("{path}?page_offset={}", all.len())).await,
            json!([])
        );
    }

    // Pages of a long list, with filters.
    let order = order(&user).await;
    for n in 0..25 {
        user.create(
            "/contacts",
            json!({"managing_account": order.reseller, "consuming_account": order.reseller,
                   "name": format!("contact {n}"), "email": "noc@example.net"}),
        )
        .await;
    }
    let all = user.ids("/contacts").await;
    assert_eq!(all.len(), 27);
    let page = user
        .ids(&format!(
            "/contacts?managing_account={}&page_limit=10&page_offset=20",
            order.reseller
        ))
        .await;
    assert_eq!(page, all[20..]);
    assert_eq!(user.ids("/contacts?page_limit=1000000000000").await, all);

    // Nonsense is a validation error naming the parameter.
    for (query, name) in [
        ("page_limit=0", "page_limit"),
        ("page_limit=-1", "page_limit"),
        ("page_limit=ten", "page_limit"),
        ("page_offset=-5", "page_offset"),
        ("page_offset=1.5", "page_offset"),
        ("page_token=next", "page_token"),
    ] {
        let (status, refused) = user.call("GET", &format!("/contacts?{query}"), None).await;
        assert_eq!(
            (status, problem_type(&refused)),
            (400, VALIDATION_ERROR),
            "{query}"
        );
        assert_eq!(invalid_members(&refused), [name], "{query}");
    }
}

#[tokio::test]
async fn renamed_filters_work_in_both_spellings() {
    let (_sandbox, user) = sandbox(Duration::ZERO).await;
    for collection in ["/facilities", "/pops", "/devices"] {
        for (old, new, value, expected) in [
            ("capability_speed__gte", "capability_speed_gte", 100_000, 3),
            ("capability_speed__gt", "capability_speed_gt", 100_000, 0),
            ("capability_speed__lt", "capability_speed_lt", 10_001, 3),
            ("capability_speed__lte", "capability_speed_lte", 9_999, 0),
        ] {
            let before = user.ids(&format!("{collection}?{old}={value}")).await;
            let after = user.ids(&format!("{collection}?{new}={value}")).await;
            assert_eq!(before, after, "{collection} {old} / {new}");
            assert_eq!(after.len(), expected, "{collection}?{new}={value}");
        }
        let (status, refused) = user
            .call(
                "GET",
                &format!("{collection}?capability_speed_lt=fast"),
                None,
            )
            .await;
        assert_eq!(
            (status, invalid_members(&refused)),
            (400, vec!["capability_speed_lt".to_string()])
        );
    }
}

/// Every member in `value` that spec/ marks as added after 2.1.0 (it names
/// its evidence), following the schema `schema` through references, lists
/// and discriminators; and every variant 2.1.0 does not map.
fn members_2_1_lacks(
    spec: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    found: &mut Vec<String>,
) {
    let schemas = &spec["components"]["schemas"];
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        let component = &schemas[name];
        if let (Some(mapping), Some(property)) = (
            component["discriminator"]["mapping"].as_object(),
            component["discriminator"]["propertyName"].as_str(),
        ) {
            let tag = value[property].as_str().unwrap_or_default();
            let Some(target) = mapping.get(tag) else {
                return;
            };
            let branch = component["oneOf"]
                .as_array()
                .unwrap()
                .iter()
                .find(|branch| &branch["$ref"] == target)
                .unwrap();
            if branch.get("x-evidence").is_some() {
                found.push(format!("{at}: a {tag} (a type 2.1.0 lacks)"));
            }
            return members_2_1_lacks(spec, branch, value, at, found);
        }
        return members_2_1_lacks(spec, component, value, at, found);
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                members_2_1_lacks(spec, &schema["items"], item, &format!("{at}[{i}]"), found);
            }
        }
        Value::Object(object) => {
            for (member, inner) in object {
                let property = &schema["properties"][member];
                if property.get("x-evidence").is_some() {
                    found.push(format!("{at}.{member}"));
                }
                members_2_1_lacks(spec, property, inner, &format!("{at}.{member}"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn playing_2_1_0_the_sandbox_is_a_2021_exchange() {
    let (_new, new_user) = sandbox(Duration::ZERO).await;
    let (_sandbox, user) = start(SandboxConfig {
        provisioning_delay: Duration::ZERO,
        schema_version: SchemaVersion::V2_1_0,
        ..SandboxConfig::default()
    })
    .await;
    let spec: Value = serde_norway::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/ix-api.yaml"))
            .unwrap(),
    )
    .unwrap();

    // What it implements, by its own account: the 78 operations of 2.1.0.
    let implementation = user.get("/implementation").await;
    assert_eq!(implementation["schema_version"], "2.1.0");
    let listed: BTreeSet<&str> = implementation["supported_operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 78);
    let published: BTreeSet<&str> = operations::ALL
        .iter()
        .filter(|op| {
            spec["paths"][op.path][op.method.to_lowercase()]
                .get("x-evidence")
                .is_none()
        })
        .map(|op| op.id)
        .collect();
    assert_eq!(listed, published);
    assert_eq!(
        new_user.get("/implementation").await["schema_version"],
        "2.7.1"
    );

    // What 2.7 added is not there: a path 2.1.0 lacks is not found, a
    // method it lacks on a path it has is not allowed; neither with a
    // problem of IX-API's (a client tells them from an object not found).
    for (method, path, expected) in [
        ("GET", "/account", 404),
        ("GET", "/port-reservations", 404),
        ("GET", "/connections/1/loa", 404),
        ("GET", "/ports/1/statistics", 404),
        ("GET", "/availability-zones", 404),
        ("POST", "/connections", 405),
        ("DELETE", "/connections/1", 405),
    ] {
        let (status, problem) = user.call(method, path, Some(json!({}))).await;
        assert_eq!(status, expected, "{method} {path}: {problem}");
        assert_eq!(problem["type"], "about:blank");
    }
    let response = user
        .http
        .post(format!("{}/connections", user.base))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET");

    // No answer carries a member 2.1.0 lacks, nor an offering of a type it
    // lacks; the same answers at 2.7.1 do.
    let mut seen_at_2_7 = Vec::new();
    for op in operations::ALL
        .iter()
        .filter(|op| published.contains(op.id) && op.method == "GET" && !op.path.contains('{'))
        .filter(|op| !["/health", "/implementation"].contains(&op.path))
    {
        let schema = &spec["paths"][op.path]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        let mut found = Vec::new();
        let answer = user.get(op.path).await;
        members_2_1_lacks(&spec, schema, &answer, op.path, &mut found);
        assert!(found.is_empty(), "playing 2.1.0: {found:?}");
        members_2_1_lacks(
            &spec,
            schema,
            &new_user.get(op.path).await,
            op.path,
            &mut seen_at_2_7,
        );
        // Reading each object one by one, likewise.
        for object in answer.as_array().unwrap() {
            let Some(id) = object["id"].as_str() else {
                continue;
            };
            let read = format!("{}/{{id}}", op.path);
            if spec["paths"][&read]["get"].is_null() {
                continue;
            }
            let schema = &spec["paths"][&read]["get"]["responses"]["200"]["content"]["application/json"]
                ["schema"];
            members_2_1_lacks(
                &spec,
                schema,
                &user.get(&format!("{}/{id}", op.path)).await,
                &read,
                &mut found,
            );
            assert!(found.is_empty(), "playing 2.1.0: {found:?}");
        }
    }
    for expected in [
        "/connections[0].pop",
        "/product-offerings[5]: a connection (a type 2.1.0 lacks)",
    ] {
        assert!(
            seen_at_2_7.iter().any(|f| f == expected),
            "{expected} in {seen_at_2_7:?}"
        );
    }
    let offerings = user.get("/product-offerings").await;
    assert_eq!(offerings.as_array().unwrap().len(), 5);
    let (status, _) = user
        .call(
            "GET",
            &format!(
                "/product-offerings/{}",
                new_user
                    .find("/product-offerings", "type", "connection")
                    .await["id"]
                    .as_str()
                    .unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, 404, "2.1.0 has no offering of a connection");

    // 2.7's query parameters are unknown to it, so ignored: no pages.
    let all = user.ids("/facilities").await;
    assert_eq!(user.ids("/facilities?page_limit=1").await, all);
    assert_eq!(
        user.ids("/facilities?capability_speed_gt=100000").await,
        all
    );
    assert!(
        user.ids("/facilities?capability_speed__gt=100000")
            .await
            .is_empty()
    );

    // What both versions have works as ever, and what is stored answers as
    // 2.1.0 has it.
    let mac = user
        .create(
            "/macs",
            json!({"managing_account": "2", "consuming_account": "2", "address": "02:00:5e:10:00:99"}),
        )
        .await;
    assert_eq!(mac["address"], "02:00:5e:10:00:99");
    assert_eq!(user.get("/health").await["status"], "pass");
}

#[tokio::test]
async fn a_client_meets_a_2_1_exchange_as_not_implemented() {
    let (sandbox, _user) = start(SandboxConfig {
        provisioning_delay: Duration::ZERO,
        schema_version: SchemaVersion::V2_1_0,
        ..SandboxConfig::default()
    })
    .await;
    let session = demo_session(&sandbox);
    let facilities = session.client().facilities_list().send().await.unwrap();
    assert_eq!(facilities.len(), 3);
    let error = session
        .client()
        .port_reservations_list()
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ix_api_client::Error::NotImplemented { status: 404, .. }
        ),
        "{error:?}"
    );
    let order = json!({"managing_account": "2", "consuming_account": "2",
                       "billing_account": "2", "role_assignments": [], "mode": "standalone"});
    let error = session
        .client()
        .connections_create()
        .body(serde_json::from_value::<ix_api_client::types::ConnectionRequest>(order).unwrap())
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ix_api_client::Error::NotImplemented { status: 405, .. }
        ),
        "{error:?}"
    );
}
