//! The sandbox as the evidence of real 2.4–2.7 exchanges and clients says
//! an exchange behaves, over HTTP on 127.0.0.1: a `null` body is no body,
//! every validation error names its member (and says each reason once),
//! MAC addresses are unicast colon-separated hex, a page that is not the
//! last answers `206`, facilities and metro areas are read as one object
//! (a one-element array playing 2.1.0), PATCH takes `application/json` as
//! well as a merge patch, and the product-offering filters take every value
//! the catalogue has.

use std::time::Duration;

use ix_api_sandbox::{Sandbox, SandboxConfig, SchemaVersion};
use ix_api_tests::{ApiUser as User, offering_types};
use serde_json::{Value, json};

const VALIDATION_ERROR: &str = "https://errors.ix-api.net/v2/validation-error.html";

async fn start(schema_version: SchemaVersion) -> (Sandbox, User, String) {
    let sandbox = Sandbox::start(SandboxConfig {
        provisioning_delay: Duration::ZERO,
        schema_version,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let user = User::login(sandbox.base_url(), sandbox.credentials()).await;
    let reseller = user.find("/accounts", "name", "Example Reseller").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    (sandbox, user, reseller)
}

/// `METHOD {path}` with `body` sent as it is, as `content_type`: the status
/// and the answer as JSON (`null` if none).
async fn send(
    user: &User,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = user
        .http
        .request(method, format!("{}{path}", user.base))
        .bearer_auth(&user.token)
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `(name, reason)` of each member a validation error lists.
fn properties(problem: &Value) -> Vec<(String, String)> {
    problem["properties"]
        .as_array()
        .unwrap_or_else(|| panic!("a validation error lists its members: {problem}"))
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A validation error that names `members` (each of them, perhaps more),
/// never an empty name, and says each reason once: in `properties`, not
/// again in `detail`.
fn assert_names(status: u16, problem: &Value, members: &[&str], what: &str) {
    assert_eq!(status, 400, "{what}: {problem}");
    assert_eq!(problem["type"], VALIDATION_ERROR, "{what}: {problem}");
    let listed = properties(problem);
    for (name, reason) in &listed {
        assert!(!name.is_empty(), "{what}: an unnamed member in {problem}");
        assert!(!reason.is_empty(), "{what}: {problem}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(
            !detail.contains(reason.as_str()),
            "{what}: the reason {reason:?} is said twice, in detail too: {problem}"
        );
    }
    for member in members {
        assert!(
            listed.iter().any(|(name, _)| name == member),
            "{what}: {member} is not named in {problem}"
        );
    }
}

#[tokio::test]
async fn a_null_body_counts_as_no_body() {
    let (_sandbox, user, reseller) = start(SchemaVersion::V2_7_1).await;

    // The Terraform provider cancels configs and port reservations with the
    // body `null`: as without a body, cancelling starts.
    let config = user.ids("/network-service-configs").await[0].clone();
    let reservation = user.ids("/port-reservations").await[0].clone();
    for path in [
        format!("/network-service-configs/{config}"),
        format!("/port-reservations/{reservation}"),
    ] {
        let (status, cancelled) = send(&user, "DELETE", &path, "application/json", "null").await;
        assert_eq!(status, 202, "DELETE {path} with null: {cancelled}");
        assert_eq!(cancelled["id"], path.rsplit('/').next().unwrap());
        assert!(
            matches!(
                cancelled["state"].as_str(),
                Some("decommission_requested" | "decommissioned")
            ),
            "{cancelled}"
        );
    }

    // A merge patch's body is required: `null` is no patch (RFC 7396 would
    // replace the object with null), and is refused, the exchange unchanged.
    let contact = user
        .create(
            "/contacts",
            json!({"managing_account": reseller, "consuming_account": reseller,
                   "name": "NOC", "email": "noc@example.net"}),
        )
        .await;
    let path = format!("/contacts/{}", contact["id"].as_str().unwrap());
    for content_type in ["application/merge-patch+json", "application/json"] {
        let (status, refused) = send(&user, "PATCH", &path, content_type, "null").await;
        assert_eq!(status, 400, "PATCH null as {content_type}: {refused}");
        assert!(
            refused["detail"]
                .as_str()
                .is_some_and(|d| d.contains("JSON object")),
            "{refused}"
        );
    }
    let (_, read) = send(&user, "GET", &path, "application/json", "").await;
    assert_eq!(
        (&read["name"], &read["email"]),
        (&json!("NOC"), &json!("noc@example.net"))
    );

    // Where a body is required, `null` is none: each member it requires is
    // named, as for an empty object.
    let (status, refused) = send(&user, "POST", "/contacts", "application/json", "null").await;
    assert_names(
        status,
        &refused,
        &["managing_account", "consuming_account"],
        "POST null",
    );
    let (status, refused) = send(&user, "POST", "/contacts", "application/json", "").await;
    assert_names(
        status,
        &refused,
        &["managing_account", "consuming_account"],
        "POST without a body",
    );

    // `null` is not a way around the media type, nor is whitespace no body.
    let (status, refused) = send(&user, "PATCH", &path, "text/plain", "null").await;
    assert_eq!((status, &refused["type"]), (400, &json!(VALIDATION_ERROR)));
    let (status, refused) = send(&user, "PATCH", &path, "application/json", " ").await;
    assert_eq!((status, &refused["type"]), (400, &json!(VALIDATION_ERROR)));
    let config = format!("/network-service-configs/{config}");
    let (status, refused) = send(&user, "DELETE", &config, "text/plain", "null").await;
    assert_eq!(status, 400, "{refused}");
}

#[tokio::test]
async fn every_validation_error_names_its_member() {
    let (sandbox, user, reseller) = start(SchemaVersion::V2_7_1).await;
    let contact = user
        .create(
            "/contacts",
            json!({"managing_account": reseller, "consuming_account": reseller, "name": "NOC"}),
        )
        .await;
    let path = format!("/contacts/{}", contact["id"].as_str().unwrap());

    // A missing required member is named, with the reason IX-API servers
    // give.
    let (status, refused) = user
        .call("POST", "/contacts", Some(json!({"name": "only a name"})))
        .await;
    assert_names(
        status,
        &refused,
        &["managing_account", "consuming_account"],
        "missing",
    );
    assert!(
        properties(&refused)
            .iter()
            .all(|(_, reason)| reason == "This field is required."),
        "{refused}"
    );
    assert_eq!(
        refused["detail"],
        "2 members did not validate: managing_account, consuming_account"
    );

    let cases = [
        (
            "PUT",
            path.as_str(),
            json!({"managing_account": reseller}),
            vec!["consuming_account"],
            "PUT without a required member",
        ),
        (
            "PATCH",
            path.as_str(),
            json!({"managing_account": null}),
            vec!["managing_account"],
            "a merge patch that removes a required member",
        ),
        (
            "PATCH",
            path.as_str(),
            json!({"email": 42}),
            vec!["email"],
            "a wrong type",
        ),
        (
            "POST",
            "/contacts",
            json!({"managing_account": "999999", "consuming_account": reseller}),
            vec!["managing_account"],
            "an unknown reference",
        ),
        (
            "POST",
            "/network-service-configs",
            json!({"managing_account": reseller}),
            vec!["type"],
            "a union without its tag",
        ),
        (
            "POST",
            "/network-service-configs",
            json!({"type": "exchange_lan", "managing_account": reseller}),
            vec!["consuming_account", "network_service"],
            "a union's variant without its required members",
        ),
    ];
    for (method, path, body, members, what) in cases {
        let (status, refused) = user.call(method, path, Some(body)).await;
        assert_names(status, &refused, &members, what);
    }

    // The token operations too.
    let (api_key, _) = sandbox.credentials();
    let (status, refused) = send(
        &user,
        "POST",
        "/auth/token",
        "application/json",
        &json!({"api_key": api_key}).to_string(),
    )
    .await;
    assert_names(
        status,
        &refused,
        &["api_secret"],
        "a login without api_secret",
    );
    let (status, refused) = send(&user, "POST", "/auth/refresh", "application/json", "{}").await;
    assert_names(
        status,
        &refused,
        &["refresh_token"],
        "a refresh without its token",
    );
}

#[tokio::test]
async fn mac_addresses_are_unicast_colon_separated_hex() {
    let (_sandbox, user, reseller) = start(SchemaVersion::V2_7_1).await;
    let mac = |address: &str| json!({"managing_account": reseller, "consuming_account": reseller, "address": address});
    let before = user.ids("/macs").await;
    for address in [
        "not-a-mac",
        "02-00-5e-10-00-01",
        "0200.5e10.0001",
        "02:00:5e:10:00",
        "02:00:5e:10:00:01:ff",
        "02:00:5e:10:00:zz",
        // Group (multicast and broadcast) addresses: the first octet's least
        // significant bit is set.
        "01:00:5e:00:00:01",
        "ff:ff:ff:ff:ff:ff",
        "03:00:00:00:00:01",
    ] {
        let (status, refused) = user.call("POST", "/macs", Some(mac(address))).await;
        assert_names(status, &refused, &["address"], address);
        assert_eq!(properties(&refused).len(), 1, "{refused}");
    }
    assert_eq!(user.ids("/macs").await, before, "nothing refused is stored");

    for address in ["aa:bb:cc:dd:ee:ff", "02:00:5E:10:00:42"] {
        let created = user.create("/macs", mac(address)).await;
        assert_eq!(created["address"], address);
    }
    assert_eq!(user.ids("/macs").await.len(), before.len() + 2);
}

/// The path of every list the sandbox serves.
fn list_paths() -> Vec<&'static str> {
    ix_api_client::spec::operations::ALL
        .iter()
        .filter(|op| op.id.ends_with("_list"))
        .map(|op| op.path)
        .collect()
}

#[tokio::test]
async fn a_page_that_is_not_the_last_answers_206() {
    let (_sandbox, user, _) = start(SchemaVersion::V2_7_1).await;
    let paths = list_paths();
    assert_eq!(paths.len(), 23, "{paths:?}");
    let mut paged = 0;
    for path in paths {
        let all = user.get(path).await;
        let total = all.as_array().unwrap().len();
        // Page by page, one item each: 206 while more follow, 200 for the
        // last, and 200 past the end.
        for offset in 0..=total {
            let (status, page) = user
                .call(
                    "GET",
                    &format!("{path}?page_limit=1&page_offset={offset}"),
                    None,
                )
                .await;
            let expected = if offset + 1 < total { 206 } else { 200 };
            assert_eq!(status, expected, "{path}, item {offset} of {total}: {page}");
            let items = page.as_array().unwrap();
            assert_eq!(items.len(), usize::from(offset < total), "{path}");
            if offset < total {
                assert_eq!(items[0], all[offset], "{path}");
            }
        }
        if total > 1 {
            paged += 1;
            // By token, likewise; a page that holds the rest is the last.
            let (status, _) = user
                .call("GET", &format!("{path}?page_limit=1&page_token=0"), None)
                .await;
            assert_eq!(status, 206, "{path}");
            let (status, rest) = user
                .call(
                    "GET",
                    &format!("{path}?page_limit={total}&page_offset=0"),
                    None,
                )
                .await;
            assert_eq!((status, &rest), (200, &all), "{path}");
        }
    }
    assert!(paged >= 10, "only {paged} lists hold more than one item");

    // A 2.1.0 exchange knows no pages: every list is whole, and 200.
    let (_sandbox, user, _) = start(SchemaVersion::V2_1_0).await;
    let (status, facilities) = user.call("GET", "/facilities?page_limit=1", None).await;
    assert_eq!(status, 200, "{facilities}");
    assert!(facilities.as_array().unwrap().len() > 1, "{facilities}");
}

#[tokio::test]
async fn facilities_and_metro_areas_are_read_as_one_object_and_as_a_list_playing_2_1() {
    let (_sandbox, user, _) = start(SchemaVersion::V2_7_1).await;
    let (_old_sandbox, old_user, _) = start(SchemaVersion::V2_1_0).await;
    for collection in ["/facilities", "/metro-areas"] {
        let ids = user.ids(collection).await;
        assert!(!ids.is_empty(), "{collection}");
        for id in ids {
            let path = format!("{collection}/{id}");
            let object = user.get(&path).await;
            assert!(object.is_object(), "2.7.1 answers one object: {object}");
            assert_eq!(object["id"], id.as_str());

            let listed = old_user.get(&path).await;
            let listed = listed
                .as_array()
                .unwrap_or_else(|| panic!("2.1.0 answers a list: {listed}"));
            assert_eq!(listed.len(), 1, "{path}");
            assert_eq!(listed[0]["id"], id.as_str());
        }
        let (status, missing) = user
            .call("GET", &format!("{collection}/999999"), None)
            .await;
        assert_eq!(status, 404, "{missing}");
    }
}

#[tokio::test]
async fn patch_takes_application_json_as_well_as_a_merge_patch() {
    let (_sandbox, user, reseller) = start(SchemaVersion::V2_7_1).await;
    let contact = user
        .create(
            "/contacts",
            json!({"managing_account": reseller, "consuming_account": reseller,
                   "name": "NOC", "email": "noc@example.net", "telephone": "+49 69 1234"}),
        )
        .await;
    let path = format!("/contacts/{}", contact["id"].as_str().unwrap());
    for (content_type, name) in [
        ("application/json", "NOC (json)"),
        ("application/merge-patch+json", "NOC (merge patch)"),
        ("application/json; charset=utf-8", "NOC (json, utf-8)"),
    ] {
        // Either way it is a merge: what the patch names changes, `null`
        // removes, the rest stays.
        let body = json!({"name": name, "telephone": null}).to_string();
        let (status, patched) = send(&user, "PATCH", &path, content_type, &body).await;
        assert_eq!(status, 200, "{content_type}: {patched}");
        assert_eq!(patched["name"], name, "{content_type}");
        assert_eq!(patched["email"], "noc@example.net", "{content_type}");
        assert!(
            patched.get("telephone").is_none_or(Value::is_null),
            "{patched}"
        );
        assert_eq!(user.get(&path).await["name"], name);
    }
    let (status, refused) = send(&user, "PATCH", &path, "text/plain", r#"{"name": "x"}"#).await;
    assert_eq!((status, &refused["type"]), (400, &json!(VALIDATION_ERROR)));
}

#[tokio::test]
async fn the_offering_filters_take_every_value_the_catalogue_has() {
    let (_sandbox, user, _) = start(SchemaVersion::V2_7_1).await;
    let types = user.offering_types().await;
    assert_eq!(types, offering_types(), "an offering of every type");
    for kind in &types {
        let found = user.get(&format!("/product-offerings?type={kind}")).await;
        let found = found.as_array().unwrap();
        assert!(!found.is_empty(), "type={kind}");
        assert!(
            found.iter().all(|o| o["type"] == kind.as_str()),
            "type={kind}"
        );
    }
    let all = user.get("/product-offerings").await;
    let all = all.as_array().unwrap();
    for allowed in [true, false] {
        let found = user
            .get(&format!("/product-offerings?downgrade_allowed={allowed}"))
            .await;
        let found = found.as_array().unwrap();
        let expected: Vec<&Value> = all
            .iter()
            .filter(|o| o["downgrade_allowed"] == allowed)
            .collect();
        assert!(!expected.is_empty(), "an offering with {allowed}");
        assert_eq!(
            found.iter().collect::<Vec<_>>(),
            expected,
            "downgrade_allowed={allowed}"
        );
    }
    let (status, refused) = user
        .call("GET", "/product-offerings?type=internet", None)
        .await;
    assert_names(status, &refused, &["type"], "type=internet");
}
