//! What real 2.4–2.7 exchanges answer, where it differs from the published
//! 2.1.0 document, decodes whole: the official digest's and the 2.7.1 Go
//! client's facts, played by a scripted server on 127.0.0.1. Each test names
//! the fact it stands for.

use ix_api_client::{Call, Error, types};
use ix_api_tests::{Reply, answering};
use serde_json::{Value, json};

fn facility() -> Value {
    json!({
        "id": "fac-1", "name": "FRA1", "metro_area": "ma-fra",
        "address_country": "DE", "address_locality": "Frankfurt", "address_region": "Hesse",
        "postal_code": "60314", "street_address": "Hanauer Landstr. 1",
        "organisation_name": "Example DC", "pops": ["pop-1"],
        "peeringdb_facility_id": 42, "latitude": 50.1, "longitude": 8.7,
    })
}

fn metro_area() -> Value {
    json!({
        "id": "ma-fra", "display_name": "Frankfurt", "iata_code": "FRA", "un_locode": "DEFRA",
        "facilities": ["fac-1"], "metro_area_networks": ["man-1"],
    })
}

/// Official 2.7.1 (and the Go client): reading one facility or metro area
/// answers one object. A 2.1 server answers a one-element list; the client
/// reads both as the object.
#[tokio::test]
async fn facility_and_metro_area_reads_take_the_object_and_the_2_1_list() {
    for body in [facility(), json!([facility()])] {
        let (_server, client) = answering(Reply::json(200, body.clone())).await;
        let read = client.facilities_read().id("fac-1").call().await;
        let read = read.unwrap_or_else(|e| panic!("{body}: {e}")).into_inner();
        assert_eq!(read.id.as_str(), "fac-1");
        assert_eq!(serde_json::to_value(&read).unwrap(), facility());
    }
    for body in [metro_area(), json!([metro_area()])] {
        let (_server, client) = answering(Reply::json(200, body)).await;
        let read = client.metro_areas_read().id("ma-fra").call().await.unwrap();
        assert_eq!(read.into_inner().iata_code.as_str(), "FRA");
    }
    // A list of another length is not an object: reported, not guessed.
    let (_server, client) = answering(Reply::json(200, json!([facility(), facility()]))).await;
    let error = client
        .facilities_read()
        .id("fac-1")
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::MalformedResponse { .. }),
        "{error:?}"
    );
}

/// Official 2.7.1: every list answers 200 or 206.
#[tokio::test]
async fn a_list_answered_206_is_a_list() {
    let contacts = json!([
        {"id": "c-1", "managing_account": "a-1", "consuming_account": "a-1"},
        {"id": "c-2", "managing_account": "a-1", "consuming_account": "a-1"},
    ]);
    let (_server, client) = answering(Reply::json(206, contacts)).await;
    let listed = client.contacts_list().call().await.expect("206 is success");
    assert_eq!(listed.status().as_u16(), 206);
    assert_eq!(listed.into_inner().len(), 2);
}

fn account(id: &str) -> Value {
    json!({
        "id": id, "name": format!("Account {id}"), "managing_account": null,
        "metro_area_network_presence": [], "discoverable": false,
        "address": {"country": "DE", "locality": "Frankfurt", "postal_code": "60314",
                    "street_address": "Hanauer Landstr. 1"},
        "state": "production",
    })
}

/// Official 2.2.1, 2.4.2 and 2.7.0: an account's `state` is not required.
/// One account without it costs none of the others.
#[tokio::test]
async fn an_account_without_state_keeps_the_list_whole() {
    let mut stateless = account("a-2");
    stateless.as_object_mut().unwrap().remove("state");
    let mut cancelled = account("a-3");
    cancelled["state"] = json!("cancelled"); // an official state since 2.2.1
    let (_server, client) = answering(Reply::json(
        200,
        json!([account("a-1"), stateless, cancelled]),
    ))
    .await;
    let accounts = client.accounts_list().call().await.unwrap().into_inner();
    assert_eq!(accounts.len(), 3);
    assert!(accounts[1].state.is_none());
    assert_eq!(
        accounts[2]
            .state
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("cancelled")
    );
}

fn lan_config(id: &str) -> Value {
    json!({
        "type": "exchange_lan", "id": id, "state": "production", "network_service": "ns-1",
        "managing_account": "acc-1", "consuming_account": "acc-1", "billing_account": "acc-1",
        "role_assignments": [], "asns": [64500], "listed": true, "product_offering": "po-1",
        "connection": "con-1", "vlan_config": {"vlan_type": "dot1q", "vlan": 42},
    })
}

/// The 2.7.1 Go client: a network service config may name a routing
/// function instead of a connection (`connection` a pointer, `vlan_config`
/// an interface), and the members added after 2.1.0 that refer to other
/// schemas are pointers: `null` is an answer.
#[tokio::test]
async fn configs_on_routing_functions_and_null_references_decode() {
    let mut on_routing_function = lan_config("nsc-2");
    let object = on_routing_function.as_object_mut().unwrap();
    object.remove("connection");
    object.remove("vlan_config");
    object.insert("routing_function".into(), json!("rf-1"));
    let mut nulls = lan_config("nsc-3");
    nulls["l3_config"] = Value::Null;
    nulls["shared_statistics"] = Value::Null;
    let mut vlan_left_out = lan_config("nsc-4");
    vlan_left_out["vlan_config"] = json!({"vlan_type": "dot1q"});
    let mut qinq_left_out = lan_config("nsc-5");
    qinq_left_out["vlan_config"] = json!({"vlan_type": "qinq", "inner_vlan": 7});
    let cloud = json!({
        "type": "cloud_vc", "id": "nsc-6", "state": "production", "network_service": "ns-2",
        "managing_account": "acc-1", "consuming_account": "acc-1", "billing_account": "acc-1",
        "role_assignments": [], "handover": 1, "product_offering": "po-2",
        "l3_config": null, "cloud_config": null,
    });
    let answer = json!([
        lan_config("nsc-1"),
        on_routing_function,
        nulls,
        vlan_left_out,
        qinq_left_out,
        cloud
    ]);
    let (_server, client) = answering(Reply::json(200, answer)).await;
    let configs = client
        .network_service_configs_list()
        .call()
        .await
        .expect("the whole list decodes")
        .into_inner();
    assert_eq!(configs.len(), 6);
    let types::NetworkServiceConfig::ExchangeLan(routed) = &configs[1] else {
        panic!("{:?}", configs[1]);
    };
    assert!(routed.connection.is_none() && routed.vlan_config.is_none());
    assert_eq!(routed.routing_function.as_deref(), Some("rf-1"));
    assert!(matches!(
        configs[5],
        types::NetworkServiceConfig::CloudVc(_)
    ));
}

/// The Go client's pointers on the route server's addresses, on peers and
/// on the implementation's features.
#[tokio::test]
async fn pointer_members_of_features_peers_and_the_implementation_may_be_absent_or_null() {
    let route_server = json!([{
        "type": "route_server", "id": "rs-1", "name": "rs1", "required": false,
        "network_service": "ns-1", "nfc_required_contact_roles": [], "flags": [],
        "asn": 64512, "fqdn": "rs1.example.net", "address_families": ["af_inet"],
        "session_mode": "public", "available_bgp_session_types": ["passive"],
    }]);
    let (_server, client) = answering(Reply::json(200, route_server)).await;
    let features = client
        .network_features_list()
        .call()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(features.len(), 1);

    let peers = json!([{"peer": null, "aggregates": {}}, {"peer": {"asn": 64500, "ip": null}}]);
    let (_server, client) = answering(Reply::json(200, peers)).await;
    let read = client
        .network_service_configs_peer_statistics_read()
        .id("nsc-1")
        .call()
        .await
        .unwrap()
        .into_inner();
    assert!(read[0].peer.is_none());
    assert!(read[1].peer.as_ref().is_some_and(|p| p.ip.is_none()));

    let mut implementation: Value =
        serde_json::from_slice(&ix_api_tests::implementation().body).unwrap();
    implementation["supported_features"] = Value::Null;
    let (_server, client) = answering(Reply::json(200, implementation)).await;
    let read = client
        .api_implementation_read()
        .call()
        .await
        .unwrap()
        .into_inner();
    assert!(read.supported_features.is_none());
}

/// Every offering type the list answers can be asked for (the provider's
/// connection-offering data source sends `type=connection`), and
/// `downgrade_allowed=false` can be sent.
#[tokio::test]
async fn every_offering_type_and_false_can_be_filtered_for() {
    let (server, client) = answering(Reply::json(200, json!([]))).await;
    for kind in ["connection", "routing_function", "exchange_lan"] {
        client
            .product_offerings_list()
            .type_(kind)
            .call()
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
    }
    client
        .product_offerings_list()
        .downgrade_allowed(types::ProductOfferingsListDowngradeAllowed::False)
        .call()
        .await
        .unwrap();
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/api/v2/product-offerings?type=connection",
            "/api/v2/product-offerings?type=routing_function",
            "/api/v2/product-offerings?type=exchange_lan",
            "/api/v2/product-offerings?downgrade_allowed=false",
        ]
    );
}

/// The spec lets a PATCH go as `application/json` too (servers take it so);
/// the client keeps sending the merge patch the documents name.
#[tokio::test]
async fn a_patch_still_goes_as_a_merge_patch() {
    let (server, client) = answering(Reply::json(
        200,
        json!({
        "id": "c-1", "managing_account": "a-1", "consuming_account": "a-1"}),
    ))
    .await;
    client
        .contacts_partial_update()
        .id("c-1")
        .body(
            serde_json::from_value::<types::ContactRequestPartial>(json!({"name": "NOC"})).unwrap(),
        )
        .call()
        .await
        .unwrap();
    let sent = &server.requests()[0];
    assert_eq!(sent.method, "PATCH");
    assert_eq!(
        sent.header("content-type"),
        Some("application/merge-patch+json")
    );
}
