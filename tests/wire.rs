//! Operations of the whole API on the wire, against a real HTTP server on
//! 127.0.0.1: list filters as `id=a,b,c`, merge-patch bodies, DELETE
//! answers, the bearer header, polymorphic models by their `type`, and
//! problem documents of every kind.

use ix_api_client::{ProblemError, ProblemKind, types};
use ix_api_tests::{BEARER_TOKEN, Reply, ScriptedServer, answering};
use serde_json::{Value, json};

fn exchange_lan_config(id: &str) -> Value {
    json!({
        "type": "exchange_lan",
        "id": id,
        "state": "production",
        "network_service": "ns-1",
        "managing_account": "acc-1",
        "consuming_account": "acc-2",
        "billing_account": "acc-1",
        "role_assignments": ["ra-1"],
        "connection": "con-1",
        "vlan_config": {"vlan_type": "dot1q", "vlan": 42},
        "asns": [64500],
        "listed": true,
        "product_offering": "po-1",
        "macs": ["mac-1"],
    })
}

fn p2p_config(id: &str) -> Value {
    json!({
        "type": "p2p_vc",
        "id": id,
        "state": "requested",
        "network_service": "ns-2",
        "managing_account": "acc-1",
        "consuming_account": "acc-1",
        "billing_account": "acc-1",
        "role_assignments": [],
        "connection": "con-1",
        "vlan_config": {"vlan_type": "port"},
    })
}

#[tokio::test]
async fn list_filters_go_out_comma_separated_with_the_bearer_token() {
    let answer = json!([exchange_lan_config("nsc-1"), p2p_config("nsc-2")]);
    let (server, client) = answering(Reply::json(200, answer.clone())).await;
    let configs = client
        .network_service_configs_list()
        .id(vec![
            "nsc-1".to_string(),
            "nsc-2".to_string(),
            "a,b".to_string(),
        ])
        .state("production")
        .send()
        .await
        .expect("a list of configs")
        .into_inner();

    let request = &server.requests()[0];
    assert_eq!(
        request.path,
        "/api/v2/network-service-configs?id=nsc-1,nsc-2,a%2Cb&state=production"
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {BEARER_TOKEN}").as_str())
    );
    assert!(matches!(
        &configs[0],
        types::NetworkServiceConfig::ExchangeLan(c) if c.asns == [64500] && c.macs.as_deref() == Some(&["mac-1".to_string()][..])
    ));
    assert!(matches!(&configs[1], types::NetworkServiceConfig::P2pVc(_)));
    // Back to the same JSON, `type` and all.
    assert_eq!(serde_json::to_value(&configs).unwrap(), answer);
}

#[tokio::test]
async fn patches_are_sent_as_merge_patches() {
    let (server, client) = answering(Reply::json(202, exchange_lan_config("nsc-1"))).await;
    let patch = types::ExchangeLanNetworkServiceConfigUpdatePartial::builder()
        .listed(false)
        .purchase_order(Some("PO-7".parse().expect("within maxLength")));
    let patch = types::ExchangeLanNetworkServiceConfigUpdatePartial::try_from(patch).unwrap();
    let updated = client
        .network_service_configs_partial_update()
        .id("nsc-1")
        .body(types::NetworkServiceConfigUpdatePartial::from(patch))
        .send()
        .await
        .expect("202 with the config");
    assert!(matches!(
        updated.into_inner(),
        types::NetworkServiceConfig::ExchangeLan(_)
    ));

    let request = &server.requests()[0];
    assert_eq!(request.method, "PATCH");
    assert_eq!(request.path, "/api/v2/network-service-configs/nsc-1");
    assert_eq!(
        request.header("content-type"),
        Some("application/merge-patch+json")
    );
    assert_eq!(
        request.json(),
        json!({"type": "exchange_lan", "listed": false, "purchase_order": "PO-7"})
    );
}

#[tokio::test]
async fn puts_and_posts_stay_json() {
    let (server, client) = answering(Reply::json(
        201,
        json!({"id": "mac-1", "address": "02:00:00:00:00:01", "managing_account": "a", "consuming_account": "a"}),
    ))
    .await;
    let mac = types::MacAddressRequest::builder()
        .address("02:00:00:00:00:01")
        .managing_account("a")
        .consuming_account("a");
    let created = client.macs_create().body(mac).send().await.expect("201");
    assert_eq!(created.id.to_string(), "mac-1");
    let request = &server.requests()[0];
    assert_eq!(request.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn deletes_answer_with_the_object_being_decommissioned() {
    let mut config = exchange_lan_config("nsc-1");
    config["state"] = json!("decommission_requested");
    let (server, client) = answering(Reply::json(202, config)).await;
    let cancelled = client
        .network_service_configs_destroy()
        .id("nsc-1")
        .body(types::CancellationRequest::builder())
        .send()
        .await
        .expect("202 parses")
        .into_inner();
    let types::NetworkServiceConfig::ExchangeLan(config) = cancelled else {
        panic!("an exchange LAN config");
    };
    assert_eq!(config.state.to_string(), "decommission_requested");
    assert_eq!(server.requests()[0].method, "DELETE");
}

#[tokio::test]
async fn every_kind_of_problem_parses_with_its_kind_and_extension_members() {
    for (status, kind, expected) in [
        (400, "validation-error", ProblemKind::ValidationError),
        (
            400,
            "cancellation-policy-error",
            ProblemKind::CancellationPolicyError,
        ),
        (401, "signature-expired", ProblemKind::SignatureExpired),
        (403, "permission-denied", ProblemKind::PermissionDenied),
        (404, "not-found", ProblemKind::NotFound),
    ] {
        let mut reply = Reply::problem(status, kind, "Refused");
        let mut body: Value = serde_json::from_slice(&reply.body).unwrap();
        body["charged_until"] = json!("2026-12-31");
        reply.body = body.to_string().into_bytes();
        let (_server, client) = answering(reply).await;
        let error = client
            .network_service_configs_destroy()
            .id("nsc-1")
            .body(types::CancellationRequest::builder())
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.problem_kind(), Some(expected), "{status} {kind}");
        let problem = error.problem().unwrap();
        assert_eq!(
            problem.extension("charged_until"),
            Some(&json!("2026-12-31"))
        );
    }
}

#[tokio::test]
async fn operations_of_the_whole_api_go_through_the_session() {
    use ix_api_tests::{count, demo_credentials, jwt, token_pair};
    use std::time::Duration;
    let server = ScriptedServer::start(|r| match r.path.as_str() {
        "/api/v2/auth/token" => token_pair(
            &jwt("access", Duration::from_secs(900)),
            &jwt("refresh", Duration::from_secs(3600)),
        ),
        _ => Reply::json(200, json!([])),
    })
    .await;
    let (key, secret) = demo_credentials();
    let session = ix_api_client::Session::builder(&server.base_url)
        .credentials(key, secret)
        .build()
        .unwrap();
    let client = session.client();
    assert!(client.connections_list().send().await.unwrap().is_empty());
    assert!(client.facilities_list().send().await.unwrap().is_empty());
    assert!(
        client
            .role_assignments_list()
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    let calls: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path != "/api/v2/auth/token")
        .collect();
    assert_eq!(calls.len(), 3);
    for call in calls {
        let bearer = call.header("authorization").unwrap_or_default();
        assert!(bearer.starts_with("Bearer ey"), "{}: {bearer}", call.path);
    }
    assert_eq!(count(&server, "/api/v2/auth/token"), 1, "one login for all");
}
