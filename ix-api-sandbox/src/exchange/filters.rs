//! The list filters the spec documents, by their names:
//!
//! - `id=a,b,c` (or `id=a&id=b&id=c`): one of these ids;
//! - `name`: the member `name` equals the value; `name__is_not`: it does not;
//!   `name__lt`, `__lte`, `__gt`, `__gte`: numeric comparisons, which
//!   2.7.1 also spells with one underscore (`capability_speed_lt`);
//! - names that are not a member of the object follow the relation they
//!   name: `capability_speed` a device capability (of the PoP's devices, of
//!   the facility's PoPs), `metro_area_network` or `facility` through the
//!   PoP, `network_service_config` an object that refers to this one
//!   (`macs` of a config), `network_service` and `network_feature` of an IP
//!   address what the configs using it configure, `pop` of a network
//!   service the PoPs of its metro area network, `contact` on roles through
//!   role assignments, `bandwidth` within an offering's
//!   `bandwidth_min`..`bandwidth_max`, `billable` an account with billing
//!   information.
//!
//! `cloud_key` finds the cloud offerings, whatever the key.
//!
//! A filter the sandbox cannot relate to anything matches nothing, so that
//! a mistaken filter is not mistaken for an empty one.

use serde_json::{Map, Value};

use crate::exchange::store::{Record, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// Whether `object` of `collection` passes every filter.
pub fn matches(
    store: &Store,
    collection: &str,
    object: &Map<String, Value>,
    filters: &[(String, Value)],
) -> bool {
    filters
        .iter()
        .all(|(name, wanted)| passes(store, collection, object, name, wanted))
}

fn passes(
    store: &Store,
    collection: &str,
    object: &Map<String, Value>,
    name: &str,
    wanted: &Value,
) -> bool {
    if name == "id" {
        let id = object.get("id");
        return match wanted {
            Value::Array(ids) => ids.is_empty() || ids.iter().any(|w| Some(w) == id),
            other => Some(other) == id,
        };
    }
    let (member, comparison) = split(name);
    match (collection, member) {
        ("/product-offerings", "bandwidth") => return bandwidth_fits(object, wanted, comparison),
        // Any key a cloud provider hands out finds its cloud offerings.
        ("/product-offerings", "cloud_key") => {
            return object.get("type").and_then(Value::as_str) == Some("cloud_vc");
        }
        // Not a filter: which members the answer carries (see `project`).
        ("/product-offerings", "fields") => return true,
        _ => {}
    }
    let values = related(store, collection, object, member);
    let Some(values) = values else {
        return false;
    };
    match comparison {
        Comparison::NotEqual => !values.iter().any(|v| equal(v, wanted)),
        Comparison::Equal => values.iter().any(|v| equal(v, wanted)),
        ordering => values.iter().any(|v| compare(v, wanted, ordering)),
    }
}

/// An offering offers a bandwidth within `bandwidth_min`..`bandwidth_max`;
/// one with neither (ports: a `connection`) offers no bandwidth.
fn bandwidth_fits(object: &Map<String, Value>, wanted: &Value, comparison: Comparison) -> bool {
    let bound = |member: &str| object.get(member).and_then(Value::as_i64);
    let Some(wanted) = wanted.as_i64() else {
        return false;
    };
    let (min, max) = (bound("bandwidth_min"), bound("bandwidth_max"));
    let fits = (min.is_some() || max.is_some())
        && min.is_none_or(|min| min <= wanted)
        && max.is_none_or(|max| wanted <= max);
    match comparison {
        Comparison::NotEqual => !fits,
        _ => fits,
    }
}

/// A filter's member and comparison: `capability_speed__lt` (2.1.0) and
/// `capability_speed_lt` (2.7.1) alike.
fn split(name: &str) -> (&str, Comparison) {
    match name.rsplit_once("__") {
        Some((member, "is_not")) => return (member, Comparison::NotEqual),
        Some((member, "lt")) => return (member, Comparison::Less),
        Some((member, "lte")) => return (member, Comparison::LessOrEqual),
        Some((member, "gt")) => return (member, Comparison::Greater),
        Some((member, "gte")) => return (member, Comparison::GreaterOrEqual),
        _ => {}
    }
    match name.rsplit_once('_') {
        Some((member, "lt")) => (member, Comparison::Less),
        Some((member, "lte")) => (member, Comparison::LessOrEqual),
        Some((member, "gt")) => (member, Comparison::Greater),
        Some((member, "gte")) => (member, Comparison::GreaterOrEqual),
        _ => (name, Comparison::Equal),
    }
}

fn equal(value: &Value, wanted: &Value) -> bool {
    match (value, wanted) {
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Number(a), Value::String(b)) => a.to_string() == *b,
        (Value::Bool(a), Value::String(b)) => a.to_string() == *b,
        (Value::Bool(a), Value::Number(b)) => i64::from(*a) == b.as_i64().unwrap_or(-1),
        _ => false,
    }
}

fn compare(value: &Value, wanted: &Value, comparison: Comparison) -> bool {
    let (Some(a), Some(b)) = (number(value), number(wanted)) else {
        return false;
    };
    match comparison {
        Comparison::Less => a < b,
        Comparison::LessOrEqual => a <= b,
        Comparison::Greater => a > b,
        Comparison::GreaterOrEqual => a >= b,
        Comparison::Equal | Comparison::NotEqual => false,
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The values `member` has for `object`: its own member (each item, for a
/// list), one of a nested object's, or one reached through a relation.
/// `None` when the sandbox knows no such relation.
fn related(
    store: &Store,
    collection: &str,
    object: &Map<String, Value>,
    member: &str,
) -> Option<Vec<Value>> {
    if let Some(value) = object.get(member) {
        return Some(flatten(value));
    }
    // A member of a nested object: `inner_vlan` of `vlan_config`.
    let nested: Vec<Value> = object
        .values()
        .filter_map(Value::as_object)
        .filter_map(|inner| inner.get(member))
        .flat_map(flatten)
        .collect();
    if !nested.is_empty() {
        return Some(nested);
    }
    let id = object.get("id").and_then(Value::as_str).unwrap_or_default();
    let through = |from: &str, link: &str, then: &str| -> Vec<Value> {
        store
            .collection(from)
            .filter(|(_, record)| record.str(link) == Some(id))
            .flat_map(|(_, record)| related(store, from, &record.object, then).unwrap_or_default())
            .collect()
    };
    if let Some(capability) = member.strip_prefix("capability_") {
        let values = match collection {
            "/devices" => object
                .get("capabilities")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c.get(capability))
                .flat_map(flatten)
                .collect(),
            "/pops" => through("/devices", "pop", member),
            "/facilities" => through("/pops", "facility", member),
            _ => return None,
        };
        return Some(values);
    }
    match (collection, member) {
        ("/devices", "metro_area_network") => member_of_referred(store, object, "pop", member),
        ("/facilities", "metro_area_network") => Some(through("/pops", "facility", member)),
        ("/connections", "metro_area_network" | "pop" | "facility") => {
            let ports = store
                .collection("/ports")
                .filter(|(_, port)| port.str("connection") == Some(id));
            let mut values = Vec::new();
            for (_, port) in ports {
                if member == "pop" {
                    values.extend(port.object.get("pop").map(flatten).unwrap_or_default());
                } else {
                    let network = member_of_referred(store, &port.object, "pop", member);
                    values.extend(network.unwrap_or_default());
                }
            }
            Some(values)
        }
        ("/network-feature-configs", "service_config") => Some(
            object
                .get("network_service_config")
                .map(flatten)
                .unwrap_or_default(),
        ),
        ("/roles", "contact") => Some(
            store
                .collection("/role-assignments")
                .filter(|(_, a)| a.str("role") == Some(id))
                .filter_map(|(_, a)| a.object.get("contact").cloned())
                .collect(),
        ),
        ("/ips", "network_service" | "network_feature") => {
            let mut values = Vec::new();
            for from in ["/network-service-configs", "/network-feature-configs"] {
                for config in referring(store, from, collection, id) {
                    values.extend(related(store, from, &config.object, member).unwrap_or_default());
                }
            }
            Some(values)
        }
        // A feature config's service is its feature's (for the IPs above).
        ("/network-feature-configs", "network_service") => {
            Some(member_of_referred(store, object, "network_feature", member).unwrap_or_default())
        }
        ("/network-services", "pop") => {
            let network = object.get("metro_area_network").and_then(Value::as_str);
            Some(
                store
                    .collection("/pops")
                    .filter(|(_, pop)| {
                        network.is_some() && pop.str("metro_area_network") == network
                    })
                    .filter_map(|(_, pop)| pop.object.get("id").cloned())
                    .collect(),
            )
        }
        ("/accounts", "billable") => Some(vec![Value::from(i64::from(
            object
                .get("billing_information")
                .is_some_and(|b| !b.is_null()),
        ))]),
        // The objects named by `member` that refer to this one: the
        // configs whose `macs` hold this MAC address.
        (_, member) => {
            let from = crate::exchange::references::collection_of_member(member)?;
            Some(
                referring(store, from, collection, id)
                    .filter_map(|record| record.object.get("id").cloned())
                    .collect(),
            )
        }
    }
}

/// `member` of the object that `object`'s reference member `link` names:
/// the `metro_area_network` of a device's `pop`.
fn member_of_referred(
    store: &Store,
    object: &Map<String, Value>,
    link: &str,
    member: &str,
) -> Option<Vec<Value>> {
    let collection = crate::exchange::references::collection_of_member(link)?;
    let referred = store.get(collection, object.get(link).and_then(Value::as_str)?)?;
    Some(referred.object.get(member).map(flatten).unwrap_or_default())
}

/// The objects of `from` with a reference member (`macs`, `ip`, ...) that
/// names the object `id` of `collection`.
fn referring<'a>(
    store: &'a Store,
    from: &str,
    collection: &'a str,
    id: &'a str,
) -> impl Iterator<Item = &'a Record> {
    store
        .collection(from)
        .map(|(_, record)| record)
        .filter(move |record| {
            record.object.iter().any(|(name, value)| {
                crate::exchange::references::collection_of_member(name) == Some(collection)
                    && flatten(value).iter().any(|item| item.as_str() == Some(id))
            })
        })
}

fn flatten(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// `fields=a,b` on product offerings: only those members (and the `type`
/// that tells the variant).
pub fn project(object: &mut Map<String, Value>, fields: &str) {
    let keep: Vec<&str> = fields.split(',').map(str::trim).collect();
    object.retain(|member, _| member == "type" || keep.contains(&member.as_str()));
}
