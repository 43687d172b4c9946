//! Which members refer to other objects, and who may see what.
//!
//! An API user acts for one account (its root) and sees that account, the
//! accounts it manages (transitively), and the objects any of them manage
//! or consume, and the port reservations of the connections it sees. The
//! catalogue (facilities, PoPs, devices, offerings, roles, features,
//! exchange LANs, availability zones, extensions) is visible to everyone.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::exchange::store::Store;
use crate::facts::Invalid;

/// Members that hold the id (or ids) of an object of another collection.
const REFERENCES: &[(&str, &str)] = &[
    ("managing_account", "/accounts"),
    ("consuming_account", "/accounts"),
    ("billing_account", "/accounts"),
    ("joining_member_account", "/accounts"),
    ("contact", "/contacts"),
    ("role", "/roles"),
    ("role_assignments", "/role-assignments"),
    ("network_service", "/network-services"),
    ("network_service_config", "/network-service-configs"),
    ("network_feature", "/network-features"),
    ("network_feature_config", "/network-feature-configs"),
    ("network_feature_configs", "/network-feature-configs"),
    ("connection", "/connections"),
    ("product_offering", "/product-offerings"),
    ("macs", "/macs"),
    ("ips", "/ips"),
    ("ip", "/ips"),
    ("metro_area", "/metro-areas"),
    ("metro_area_network", "/metro-area-networks"),
    ("pop", "/pops"),
    ("facility", "/facilities"),
    ("device", "/devices"),
    ("ports", "/ports"),
    ("port", "/ports"),
    ("port_reservations", "/port-reservations"),
    ("routing_function", "/routing-functions"),
    ("availability_zone", "/availability-zones"),
    ("availability_zones", "/availability-zones"),
];

/// The collection a referring member points into.
pub fn collection_of_member(member: &str) -> Option<&'static str> {
    REFERENCES
        .iter()
        .find(|(name, _)| *name == member)
        .map(|(_, collection)| *collection)
}

/// The accounts an API user acting for `root` sees.
pub fn visible_accounts(store: &Store, root: &str) -> BTreeSet<String> {
    let mut visible = BTreeSet::from([root.to_string()]);
    loop {
        let before = visible.len();
        for (_, account) in store.collection("/accounts") {
            if let (Some(id), Some(manager)) = (account.str("id"), account.str("managing_account"))
                && visible.contains(manager)
            {
                visible.insert(id.to_string());
            }
        }
        if visible.len() == before {
            return visible;
        }
    }
}

/// Whether an API user who sees `accounts` sees `object` of `collection`.
pub fn visible(
    store: &Store,
    accounts: &BTreeSet<String>,
    collection: &str,
    object: &Map<String, Value>,
) -> bool {
    let has = |member: &str| {
        object
            .get(member)
            .and_then(Value::as_str)
            .is_some_and(|id| accounts.contains(id))
    };
    match collection {
        // `accounts` already holds every account managed from the root.
        "/accounts" => has("id"),
        "/role-assignments" => object
            .get("contact")
            .and_then(Value::as_str)
            .and_then(|contact| store.get("/contacts", contact))
            .is_some_and(|contact| visible(store, accounts, "/contacts", &contact.object)),
        // A port reservation is its connection's.
        "/port-reservations" => object
            .get("connection")
            .and_then(Value::as_str)
            .and_then(|connection| store.get("/connections", connection))
            .is_some_and(|connection| visible(store, accounts, "/connections", &connection.object)),
        "/network-services"
            if object.get("type").and_then(Value::as_str) == Some("exchange_lan") =>
        {
            true
        }
        _ if object.contains_key("managing_account")
            || object.contains_key("consuming_account") =>
        {
            has("managing_account") || has("consuming_account")
        }
        _ => true,
    }
}

/// Every member of `object` that refers to an object the API user cannot
/// see or that does not exist.
pub fn check(
    store: &Store,
    accounts: &BTreeSet<String>,
    now_ms: i64,
    object: &Map<String, Value>,
) -> Vec<Invalid> {
    let mut invalid = Vec::new();
    for (member, collection) in REFERENCES {
        let ids: Vec<&str> = match object.get(*member) {
            Some(Value::String(id)) => vec![id.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        for id in ids {
            let found = store
                .get(collection, id)
                .filter(|target| !target.gone(now_ms))
                .is_some_and(|target| visible(store, accounts, collection, &target.object));
            if !found {
                invalid.push(Invalid {
                    name: (*member).to_string(),
                    reason: format!("no object {collection}/{id} that this API user can see"),
                });
            }
        }
    }
    invalid
}
