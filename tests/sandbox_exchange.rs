//! The sandbox as a stateful exchange, over HTTP on 127.0.0.1: the seeded
//! catalogue, creates and their lifecycle, PUT and PATCH, deletes,
//! filters, who sees what, bad input of every kind, and concurrency.

use std::collections::BTreeSet;
use std::time::Duration;

use ix_api_client::spec::operations;
use ix_api_sandbox::{Account, Sandbox, SandboxConfig};
use ix_api_tests::{ApiUser as User, advance, offering_types};
use serde_json::{Value, json};

struct Exchange {
    sandbox: Sandbox,
    accounts: Vec<Account>,
    demo: User,
    reseller: String,
    customer: String,
}

async fn exchange(delay: Duration) -> Exchange {
    exchange_with(delay, vec![Account::generate()]).await
}

async fn exchange_with(delay: Duration, accounts: Vec<Account>) -> Exchange {
    let demo_account = accounts[0].clone();
    let sandbox = Sandbox::start(SandboxConfig {
        provisioning_delay: delay,
        accounts: accounts.clone(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let demo = User::login(
        sandbox.base_url(),
        (&demo_account.api_key, &demo_account.api_secret),
    )
    .await;
    let reseller = demo.find("/accounts", "name", "Example Reseller").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let customer = demo.find("/accounts", "name", "Example Customer").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    Exchange {
        sandbox,
        accounts,
        demo,
        reseller,
        customer,
    }
}

impl Exchange {
    /// Another API user of the sandbox: `index` into its accounts.
    async fn user(&self, index: usize) -> User {
        let account = &self.accounts[index];
        User::login(
            self.sandbox.base_url(),
            (&account.api_key, &account.api_secret),
        )
        .await
    }

    fn contact(&self) -> Value {
        json!({"managing_account": self.reseller, "consuming_account": self.customer,
               "name": "NOC", "email": "noc@customer.example"})
    }

    /// An exchange LAN network service config as the quickstart orders it.
    async fn exchange_lan_order(&self, mac: &str) -> Value {
        let demo = &self.demo;
        let offering = demo
            .find("/product-offerings", "type", "exchange_lan")
            .await;
        let connection = &demo.get("/connections").await[0];
        let role_assignment = &demo.get("/role-assignments").await[0];
        json!({
            "type": "exchange_lan",
            "managing_account": self.reseller, "consuming_account": self.customer,
            "billing_account": self.reseller,
            "product_offering": offering["id"],
            "network_service": offering["exchange_lan_network_service"],
            "connection": connection["id"], "role_assignments": [role_assignment["id"]],
            "vlan_config": {"vlan_type": "dot1q", "vlan": 300},
            "asns": [64_511], "listed": true, "macs": [mac],
        })
    }
}

#[tokio::test]
async fn the_seeded_exchange_has_a_catalogue_and_a_reseller() {
    let ex = exchange(Duration::ZERO).await;
    let demo = &ex.demo;
    assert_eq!(demo.get("/metro-areas").await.as_array().unwrap().len(), 2);
    assert_eq!(demo.get("/facilities").await.as_array().unwrap().len(), 3);
    assert_eq!(demo.get("/pops").await.as_array().unwrap().len(), 3);
    assert_eq!(demo.get("/devices").await.as_array().unwrap().len(), 3);
    let types = demo.offering_types().await;
    assert_eq!(types, offering_types(), "an offering of every type");
    let lan = demo.find("/network-services", "type", "exchange_lan").await;
    let features = lan["network_features"].as_array().unwrap();
    assert_eq!(features.len(), 1);
    let feature = demo
        .get(&format!(
            "/network-features/{}",
            features[0].as_str().unwrap()
        ))
        .await;
    assert_eq!(feature["type"], "route_server");
    let customer = demo.get(&format!("/accounts/{}", ex.customer)).await;
    assert_eq!(customer["managing_account"], ex.reseller.as_str());
    assert!(demo.get("/roles").await.as_array().unwrap().len() >= 4);
    assert!(!demo.get("/contacts").await.as_array().unwrap().is_empty());
    // The same on every start.
    let again = exchange(Duration::ZERO).await;
    assert_eq!(
        again.demo.get("/facilities").await,
        demo.get("/facilities").await
    );
}

#[tokio::test]
async fn an_order_moves_to_production_and_a_delete_to_decommissioned() {
    let ex = exchange(Duration::from_secs(1)).await;
    let demo = &ex.demo;
    let mac = demo
        .create(
            "/macs",
            json!({"managing_account": ex.reseller, "consuming_account": ex.customer,
                   "address": "02:00:5e:10:00:42"}),
        )
        .await;
    let order = ex.exchange_lan_order(mac["id"].as_str().unwrap()).await;
    let created = demo.create("/network-service-configs", order).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["state"], "requested");
    let path = format!("/network-service-configs/{id}");
    assert_eq!(demo.get(&path).await["state"], "requested");

    advance(Duration::from_millis(1001)).await;
    assert_eq!(demo.get(&path).await["state"], "production");
    let listed = demo.ids("/network-service-configs?state=production").await;
    assert!(listed.contains(&id));

    let (status, cancelled) = demo.call("DELETE", &path, None).await;
    assert_eq!(status, 202, "{cancelled}");
    assert_eq!(cancelled["state"], "decommission_requested");
    assert!(cancelled["decommission_at"].is_string());
    let policy = demo.get(&format!("{path}/cancellation-policy")).await;
    assert!(policy["decommission_at"].is_string() && policy["charged_until"].is_string());
    let pending = demo
        .ids("/network-service-configs?state__is_not=production")
        .await;
    assert!(pending.contains(&id));

    advance(Duration::from_millis(1001)).await;
    let (status, gone) = demo.call("GET", &path, None).await;
    assert_eq!(
        (status, gone["type"].as_str()),
        (404, Some("https://errors.ix-api.net/v2/not-found.html"))
    );
    assert!(!demo.ids("/network-service-configs").await.contains(&id));
}

#[tokio::test]
async fn put_replaces_and_patch_merges() {
    let ex = exchange(Duration::ZERO).await;
    let demo = &ex.demo;
    let mut contact = ex.contact();
    contact["telephone"] = json!("+49 69 1");
    let created = demo.create("/contacts", contact).await;
    let path = format!("/contacts/{}", created["id"].as_str().unwrap());

    let (status, merged) = demo
        .call(
            "PATCH",
            &path,
            Some(json!({"name": "Peering", "telephone": null})),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["name"], "Peering");
    assert_eq!(
        merged["email"], "noc@customer.example",
        "untouched by the patch"
    );
    assert!(merged.get("telephone").is_none(), "null removes: {merged}");

    let (status, replaced) = demo
        .call(
            "PUT",
            &path,
            Some(
                json!({"managing_account": ex.reseller, "consuming_account": ex.reseller,
                        "email": "peering@reseller.example"}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["consuming_account"], ex.reseller.as_str());
    assert!(replaced.get("name").is_none(), "PUT replaces: {replaced}");
    assert_eq!(replaced["id"], created["id"], "the id stays");
    assert_eq!(demo.get(&path).await, replaced);
    assert_eq!(ex.sandbox.counts().changes, 3, "a create, a PATCH, a PUT");
}

#[tokio::test]
async fn unknown_references_are_a_validation_error_naming_the_member() {
    let ex = exchange(Duration::ZERO).await;
    let mut contact = ex.contact();
    contact["consuming_account"] = json!("999999");
    let (status, problem) = ex.demo.call("POST", "/contacts", Some(contact)).await;
    assert_eq!(status, 400);
    assert_eq!(
        problem["type"],
        "https://errors.ix-api.net/v2/validation-error.html"
    );
    assert_eq!(problem["properties"][0]["name"], "consuming_account");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("consuming_account")
    );

    let (status, problem) = ex.demo.call("GET", "/contacts/999999", None).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (404, Some("https://errors.ix-api.net/v2/not-found.html"))
    );
    let (status, _) = ex.demo.call("DELETE", "/macs/not-an-id", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn every_documented_filter_narrows_the_list() {
    let ex = exchange(Duration::ZERO).await;
    let demo = &ex.demo;
    let all = demo.ids("/facilities").await;
    let two = format!("/facilities?id={},{}", all[0], all[2]);
    assert_eq!(demo.ids(&two).await, vec![all[0].clone(), all[2].clone()]);
    let exploded = format!("/facilities?id={}&id={}", all[0], all[2]);
    assert_eq!(
        demo.ids(&exploded).await,
        vec![all[0].clone(), all[2].clone()]
    );
    // Capabilities of the devices at the facility's PoPs.
    assert_eq!(
        demo.ids("/facilities?capability_speed__gte=100000")
            .await
            .len(),
        3
    );
    assert_eq!(
        demo.ids("/facilities?capability_speed__gt=100000")
            .await
            .len(),
        0
    );
    assert_eq!(
        demo.ids("/devices?capability_media_type=10GBASE-LR")
            .await
            .len(),
        3
    );
    assert_eq!(demo.ids("/pops?capability_speed__lt=10001").await.len(), 3);
    let frankfurt = demo.find("/metro-areas", "iata_code", "FRA").await;
    let in_frankfurt = format!(
        "/facilities?metro_area={}",
        frankfurt["id"].as_str().unwrap()
    );
    assert_eq!(demo.ids(&in_frankfurt).await.len(), 2);
    // Devices and connections are in a metro area network through their
    // PoP (a connection through its ports' PoPs).
    let frankfurt_network = demo
        .find(
            "/metro-area-networks",
            "metro_area",
            frankfurt["id"].as_str().unwrap(),
        )
        .await;
    let network = frankfurt_network["id"].as_str().unwrap();
    let devices = format!("/devices?metro_area_network={network}");
    assert_eq!(demo.ids(&devices).await.len(), 2);
    let connection = &demo.get("/connections").await[0];
    let connections = format!("/connections?metro_area_network={network}");
    assert_eq!(
        demo.ids(&connections).await,
        vec![connection["id"].as_str().unwrap().to_string()]
    );
    let elsewhere = demo.get("/metro-area-networks").await;
    let elsewhere = elsewhere
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] != network)
        .unwrap();
    let connections = format!(
        "/connections?metro_area_network={}",
        elsewhere["id"].as_str().unwrap()
    );
    assert!(demo.ids(&connections).await.is_empty());
    assert_eq!(demo.ids("/facilities?address_country=NL").await.len(), 1);
    assert_eq!(demo.ids("/product-offerings?type=cloud_vc").await.len(), 1);
    assert_eq!(
        demo.ids("/product-offerings?bandwidth=500000").await.len(),
        0
    );
    // The exchange LAN, the four circuits and the routing function; not the
    // ports (`connection`), which offer no bandwidth.
    assert_eq!(demo.ids("/product-offerings?bandwidth=1000").await.len(), 6);
    let projected = demo.get("/product-offerings?fields=name&type=p2p_vc").await;
    assert_eq!(
        projected,
        json!([{"type": "p2p_vc", "name": "FRA-AMS point to point"}])
    );
    let managed = format!("/contacts?consuming_account={}", ex.customer);
    assert!(!demo.ids(&managed).await.is_empty());
    let customers = demo.ids(&managed).await;
    let all_contacts = demo.ids("/contacts").await;
    assert!(customers.len() < all_contacts.len());
    let config = &demo.get("/network-service-configs").await[0];
    let vlan = config["vlan_config"]["vlan"].as_i64().unwrap();
    let by_vlan = format!("/network-service-configs?outer_vlan={vlan}");
    assert_eq!(
        demo.ids(&by_vlan).await.len(),
        0,
        "a dot1q config has no outer VLAN"
    );
    let mac = config["macs"][0].as_str().unwrap();
    let macs = format!(
        "/macs?network_service_config={}",
        config["id"].as_str().unwrap()
    );
    assert_eq!(demo.ids(&macs).await, vec![mac.to_string()]);
    let noc = demo.find("/roles", "name", "noc").await;
    let assigned = &demo
        .find("/role-assignments", "role", noc["id"].as_str().unwrap())
        .await;
    let roles = format!("/roles?contact={}", assigned["contact"].as_str().unwrap());
    assert_eq!(
        demo.ids(&roles).await,
        vec![noc["id"].as_str().unwrap().to_string()]
    );

    // Relations the objects do not carry themselves: an IP address belongs
    // to the services and features whose configs use it; a service is
    // offered at the PoPs of its metro area network.
    let lan = demo.find("/network-services", "type", "exchange_lan").await;
    let lan_id = lan["id"].as_str().unwrap();
    let ip = config["ips"][0].as_str().unwrap();
    let by_service = format!("/ips?network_service={lan_id}");
    assert_eq!(demo.ids(&by_service).await, vec![ip.to_string()]);
    let at_pop = |pop: &str| format!("/network-services?pop={pop}");
    let pop = demo.get("/pops").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(demo.ids(&at_pop(&pop)).await, vec![lan_id.to_string()]);
    assert!(demo.ids(&at_pop(lan_id)).await.is_empty());
    let feature = lan["network_features"][0].as_str().unwrap();
    let by_feature = format!("/ips?network_feature={feature}");
    assert!(demo.ids(&by_feature).await.is_empty(), "no session yet");
    let session_ip = demo
        .call(
            "POST",
            "/ips",
            Some(
                json!({"managing_account": ex.reseller, "consuming_account": ex.customer,
                        "address": "192.0.2.20", "prefix_length": 24, "version": 4}),
            ),
        )
        .await
        .1["id"]
        .clone();
    let (status, session) = demo
        .call(
            "POST",
            "/network-feature-configs",
            Some(json!({
                "type": "route_server", "network_feature": feature,
                "network_service_config": config["id"],
                "managing_account": ex.reseller, "consuming_account": ex.customer,
                "billing_account": ex.reseller, "role_assignments": config["role_assignments"],
                "asn": 64501, "session_mode": "public", "bgp_session_type": "passive",
                "ip": session_ip,
            })),
        )
        .await;
    assert_eq!(status, 201, "{session}");
    assert_eq!(
        demo.ids(&by_feature).await,
        vec![session_ip.as_str().unwrap().to_string()]
    );
    let by_config = format!(
        "/ips?network_feature_config={}",
        session["id"].as_str().unwrap()
    );
    assert_eq!(
        demo.ids(&by_config).await,
        vec![session_ip.as_str().unwrap().to_string()]
    );
    let mut both = demo.ids(&by_service).await;
    both.sort();
    let mut expected = vec![ip.to_string(), session_ip.as_str().unwrap().to_string()];
    expected.sort();
    assert_eq!(both, expected, "the session's address is the service's too");
    let by_config = format!(
        "/ips?network_service_config={}",
        config["id"].as_str().unwrap()
    );
    assert_eq!(demo.ids(&by_config).await, vec![ip.to_string()]);

    // A filter that is not a number where the spec says integer, or not a
    // value of its enum, is a validation error naming it.
    for (path, name) in [
        ("/devices?capability_speed__lt=fast", "capability_speed__lt"),
        ("/network-services?type=internet", "type"),
        (
            "/product-offerings?delivery_method=carrier-pigeon",
            "delivery_method",
        ),
    ] {
        let (status, problem) = demo.call("GET", path, None).await;
        assert_eq!(status, 400, "{path}: {problem}");
        assert_eq!(problem["properties"][0]["name"], name, "{path}");
    }
}

#[tokio::test]
async fn an_api_user_sees_only_what_its_accounts_manage_or_consume() {
    let ex = exchange_with(
        Duration::ZERO,
        vec![Account::generate(), Account::generate()],
    )
    .await;
    let second = ex.user(1).await;
    let contact = ex.demo.create("/contacts", ex.contact()).await;
    let path = format!("/contacts/{}", contact["id"].as_str().unwrap());

    let theirs = second.get("/accounts").await;
    assert_eq!(
        theirs.as_array().unwrap().len(),
        1,
        "only its own: {theirs}"
    );
    assert!(second.get("/contacts").await.as_array().unwrap().is_empty());
    let (status, _) = second.call("GET", &path, None).await;
    assert_eq!(status, 404);
    let (status, _) = second.call("DELETE", &path, None).await;
    assert_eq!(status, 404);
    // It cannot refer to the reseller's accounts either.
    let own = theirs[0]["id"].as_str().unwrap();
    let (status, problem) = second
        .call(
            "POST",
            "/contacts",
            Some(json!({"managing_account": own, "consuming_account": ex.reseller})),
        )
        .await;
    assert_eq!(
        (status, problem["properties"][0]["name"].as_str()),
        (400, Some("consuming_account"))
    );
    // The catalogue is everyone's.
    assert_eq!(
        second.get("/facilities").await,
        ex.demo.get("/facilities").await
    );
    assert_eq!(ex.demo.get(&path).await, contact);
}

#[tokio::test]
async fn bad_input_of_any_kind_is_a_problem_document_never_a_500() {
    let ex = exchange(Duration::ZERO).await;
    let demo = &ex.demo;
    let contact_path = format!(
        "/contacts/{}",
        demo.create("/contacts", ex.contact()).await["id"]
            .as_str()
            .unwrap()
    );
    let huge = json!({"name": "x".repeat(ix_api_sandbox::MAX_BODY_BYTES)});
    let cases: Vec<(&str, String, Option<Value>, &str)> = vec![
        (
            "POST",
            "/contacts".into(),
            Some(json!({"managing_account": 1})),
            "wrong type",
        ),
        (
            "POST",
            "/contacts".into(),
            Some(json!({"name": "only a name"})),
            "missing members",
        ),
        ("POST", "/macs".into(), Some(json!([1, 2])), "not an object"),
        ("POST", "/contacts".into(), Some(huge), "oversized"),
        (
            "POST",
            "/network-service-configs".into(),
            Some(json!({"type": "internet_vc"})),
            "unknown type",
        ),
        (
            "POST",
            "/connections".into(),
            Some(json!({})),
            "no such operation (405)",
        ),
        (
            "PATCH",
            contact_path.clone(),
            Some(json!({"email": 42})),
            "wrong type in a patch",
        ),
        (
            "PUT",
            contact_path.clone(),
            Some(json!({"managing_account": ex.reseller})),
            "PUT without required members",
        ),
        (
            "POST",
            "/network-services".into(),
            Some(
                json!({"type": "p2p_vc", "product_offering": "1", "managing_account": ex.reseller,
                        "consuming_account": ex.reseller, "billing_account": ex.reseller,
                        "joining_member_account": ex.customer, "purchase_order": "x".repeat(81)}),
            ),
            "too long",
        ),
    ];
    for (method, path, body, what) in cases {
        let (status, problem) = demo.call(method, &path, body).await;
        assert!((400..500).contains(&status), "{what}: {status} {problem}");
        if status != 405 {
            assert!(
                problem["type"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://errors.ix-api.net/v2/"),
                "{what}: {problem}"
            );
            assert_eq!(problem["status"], status, "{what}");
        }
    }
    // Not JSON at all, JSON under another media type, and a merge patch of
    // nothing but whitespace (which is not the absent body a PATCH may omit).
    for (method, content_type, body) in [
        (reqwest::Method::POST, "application/json", "{not json"),
        (reqwest::Method::POST, "text/plain", "{}"),
        (
            reqwest::Method::PATCH,
            "application/merge-patch+json",
            "\r\r",
        ),
    ] {
        let path = if method == reqwest::Method::PATCH {
            contact_path.as_str()
        } else {
            "/contacts"
        };
        let response = demo
            .http
            .request(method, format!("{}{path}", demo.base))
            .bearer_auth(&demo.token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{content_type}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(
            problem["type"],
            "https://errors.ix-api.net/v2/validation-error.html"
        );
    }
    // The store is as it was: one contact more than the seed, nothing else.
    let contacts = demo.get("/contacts").await.as_array().unwrap().len();
    assert_eq!(contacts, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_creates_get_a_thousand_ids() {
    let ex = exchange(Duration::ZERO).await;
    let before = ex.sandbox.objects();
    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let demo = ex.demo.clone();
            let mut contact = ex.contact();
            contact["name"] = json!(format!("contact {i}"));
            tokio::spawn(async move { demo.create("/contacts", contact).await["id"].clone() })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap().as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 1000, "distinct ids");
    let listed: BTreeSet<String> = ex.demo.ids("/contacts").await.into_iter().collect();
    assert!(ids.is_subset(&listed), "all listed");
    assert_eq!(ex.sandbox.objects(), before + 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_patches_of_one_object_lose_no_update() {
    let ex = exchange(Duration::ZERO).await;
    let created = ex.demo.create("/contacts", ex.contact()).await;
    let path = format!("/contacts/{}", created["id"].as_str().unwrap());
    for round in 0..50 {
        // Each patch changes its own member; all must survive.
        let members = ["name", "email", "telephone", "external_ref"];
        let tasks: Vec<_> = members
            .iter()
            .map(|member| {
                let demo = ex.demo.clone();
                let path = path.clone();
                let value = format!("{member} {round}");
                let member = member.to_string();
                tokio::spawn(async move {
                    let (status, body) = demo
                        .call("PATCH", &path, Some(json!({ member: value })))
                        .await;
                    assert_eq!(status, 200, "{body}");
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let contact = ex.demo.get(&path).await;
        for member in members {
            assert_eq!(
                contact[member],
                format!("{member} {round}"),
                "round {round}"
            );
        }
    }
}

#[tokio::test]
async fn change_requests_and_cancellation_policies_answer_for_services() {
    let ex = exchange(Duration::ZERO).await;
    let demo = &ex.demo;
    let offering = demo.find("/product-offerings", "type", "p2p_vc").await;
    let service = demo
        .create(
            "/network-services",
            json!({"type": "p2p_vc", "product_offering": offering["id"],
                   "managing_account": ex.reseller, "consuming_account": ex.reseller,
                   "billing_account": ex.reseller, "joining_member_account": ex.customer}),
        )
        .await;
    let path = format!("/network-services/{}", service["id"].as_str().unwrap());
    let (status, _) = demo
        .call("GET", &format!("{path}/change-request"), None)
        .await;
    assert_eq!(status, 404, "none yet");
    let change = json!({"product_offering": offering["id"], "capacity": 1000});
    let (status, answered) = demo
        .call(
            "POST",
            &format!("{path}/change-request"),
            Some(change.clone()),
        )
        .await;
    assert_eq!((status, &answered), (202, &change));
    assert_eq!(demo.get(&path).await["state"], "production_change_pending");
    let (status, read) = demo
        .call("GET", &format!("{path}/change-request"), None)
        .await;
    assert_eq!((status, read), (202, change.clone()));
    let (status, _) = demo
        .call("DELETE", &format!("{path}/change-request"), None)
        .await;
    assert_eq!(status, 202);
    assert_eq!(demo.get(&path).await["state"], "production");

    let policy = demo
        .get(&format!(
            "{path}/cancellation-policy?decommission_at=2099-02-10"
        ))
        .await;
    assert_eq!(
        policy,
        json!({"decommission_at": "2099-02-10", "charged_until": "2099-02-28"})
    );
}

#[tokio::test]
async fn implementation_and_health_answer_for_the_whole_spec() {
    let ex = exchange(Duration::ZERO).await;
    let implementation = ex.demo.get("/implementation").await;
    let listed = implementation["supported_operations"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(listed, operations::ALL.len());
    assert_eq!(
        implementation["supported_network_service_config_types"],
        json!(["cloud_vc", "exchange_lan", "mp2mp_vc", "p2mp_vc", "p2p_vc"])
    );
    assert_eq!(ex.demo.get("/health").await["status"], "pass");
}
