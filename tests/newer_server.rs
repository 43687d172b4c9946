//! A server newer than the client: new `type`s, new states, new members,
//! operations it does not implement. A real HTTP server on 127.0.0.1 plays
//! it; nothing here may fail a whole list.

use std::time::Duration;

use ix_api_client::{Error, types};
use ix_api_sandbox::{Sandbox, SandboxConfig};
use ix_api_tests::{Reply, answering, demo_session};
use serde_json::{Value, json};

fn lan_config(id: &str, state: &str) -> Value {
    json!({
        "type": "exchange_lan",
        "id": id,
        "state": state,
        "network_service": "ns-1",
        "managing_account": "acc-1",
        "consuming_account": "acc-1",
        "billing_account": "acc-1",
        "role_assignments": [],
        "connection": "con-1",
        "vlan_config": {"vlan_type": "dot1q", "vlan": 42},
        "asns": [64500],
        "listed": true,
        "product_offering": "po-1",
    })
}

#[tokio::test]
async fn unknown_types_states_and_members_keep_the_list_whole() {
    let mut newer_member = lan_config("nsc-3", "production");
    newer_member["energy_source"] = json!("wind"); // in no version the client knows
    let answer = json!([
        lan_config("nsc-1", "production"),
        lan_config("nsc-2", "maintenance"), // a state 2.1 does not know
        {"type": "routing_function", "id": "rf-1", "asn": 64512, "state": "production"},
        {"type": "exchange_lan", "id": "nsc-4", "state": "production", "network_service": "ns-1",
         "managing_account": "acc-1", "consuming_account": "acc-1", "billing_account": "acc-1",
         "role_assignments": [], "connection": "con-1", "asns": [], "listed": false,
         "product_offering": "po-1", "vlan_config": {"vlan_type": "vxlan", "vni": 5000}},
        newer_member,
    ]);
    let (_server, client) = answering(Reply::json(200, answer.clone())).await;
    let configs = client
        .network_service_configs_list()
        .send()
        .await
        .expect("the whole list decodes")
        .into_inner();
    assert_eq!(configs.len(), 5);

    let types::NetworkServiceConfig::ExchangeLan(maintained) = &configs[1] else {
        panic!("{:?}", configs[1]);
    };
    assert!(matches!(
        &maintained.state,
        types::ExchangeLanNetworkServiceConfigState::Unknown(state) if state == "maintenance"
    ));
    assert_eq!(maintained.state.to_string(), "maintenance");
    let types::NetworkServiceConfig::Unknown(routing) = &configs[2] else {
        panic!("{:?}", configs[2]);
    };
    assert_eq!(routing["asn"], 64512);
    let types::NetworkServiceConfig::ExchangeLan(vxlan) = &configs[3] else {
        panic!("{:?}", configs[3]);
    };
    assert!(matches!(&vxlan.vlan_config, Some(types::VlanConfig::Unknown(c)) if c["vni"] == 5000));

    // Back to what came in, but for the member the client does not know.
    let mut expected = answer;
    expected[4].as_object_mut().unwrap().remove("energy_source");
    assert_eq!(serde_json::to_value(&configs).unwrap(), expected);
}

#[tokio::test]
async fn a_missing_required_member_is_named_with_the_operation() {
    // `connection` may be left out in 2.7 (a config on a routing
    // function); `network_service` may not.
    let mut broken = lan_config("nsc-1", "production");
    broken.as_object_mut().unwrap().remove("network_service");
    let (_server, client) = answering(Reply::json(200, json!([broken]))).await;
    let error = client
        .network_service_configs_list()
        .send()
        .await
        .unwrap_err();
    let error = Error::from_operation("network_service_configs_list", error);
    let shown = error.to_string();
    assert!(shown.contains("network_service_configs_list"), "{shown}");
    assert!(shown.contains("`network_service` is missing"), "{shown}");
}

#[tokio::test]
async fn requests_stay_strict_unless_the_caller_means_it() {
    let (server, client) = answering(Reply::json(200, json!([]))).await;
    let refused = client
        .product_offerings_list()
        .type_("quantum_vc")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ix_api_client::OperationError::InvalidRequest(_)),
        "{refused:?}"
    );
    assert!(server.requests().is_empty(), "nothing sent");

    let on_purpose = types::ProductOfferingsListType::Unknown("quantum_vc".into());
    client
        .product_offerings_list()
        .type_(on_purpose)
        .send()
        .await
        .expect("sent as asked");
    assert_eq!(
        server.requests()[0].path,
        "/api/v2/product-offerings?type=quantum_vc"
    );
}

#[tokio::test]
async fn operations_the_server_does_not_implement_say_so() {
    for status in [501, 405] {
        let (_server, client) = answering(Reply::raw(status, None, "")).await;
        let error = client.facilities_list().send().await.unwrap_err();
        let error = Error::from_operation("facilities_list", error);
        assert!(
            matches!(error, Error::NotImplemented { status: s, .. } if s == status),
            "{error:?}"
        );
        assert!(!error.is_transient());
        assert_eq!(
            error.to_string(),
            format!("this IX-API server does not implement facilities_list (it answered {status})")
        );
    }
}

#[tokio::test]
async fn a_session_tells_which_operations_the_server_supports() {
    let sandbox = Sandbox::start(SandboxConfig {
        access_ttl: Duration::from_secs(900),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let session = demo_session(&sandbox);
    assert!(session.supports("api_implementation_read").await.unwrap());
    // The sandbox implements every operation of the spec; a newer one it
    // does not know is not listed.
    assert!(
        session
            .supports("network_service_configs_create")
            .await
            .unwrap()
    );
    assert!(
        !session
            .supports("network_service_configs_archive")
            .await
            .unwrap()
    );
    assert!(session.supports("auth_token_refresh").await.unwrap());
    assert_eq!(sandbox.counts().implementation_reads, 1, "read once");
}
