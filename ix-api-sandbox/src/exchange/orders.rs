//! What the exchange does when a connection, a port reservation or a
//! routing function is ordered or cancelled, beyond storing it:
//!
//! - a connection takes its PoP from its product offering, and ordering one
//!   with `port_quantity` reserves that many ports for it (one port
//!   reservation each, with the `subscriber_side_demarcs` in order and the
//!   `connecting_party`);
//! - a port reservation becomes a port when the exchange provisions it
//!   (when it reaches `production`): the port appears in `/ports` on a
//!   device at the connection's PoP, with the connection's accounts; the
//!   reservation names it (`port`) and the connection lists both
//!   (`port_reservations`, `ports`), and its `speed` is then its ports'
//!   (whatever a change of the connection says);
//! - cancelling a connection cancels its port reservations and ports;
//!   cancelling a reservation, its port;
//! - a connection or a routing function names a product offering of its
//!   own kind (`connection`, `routing_function`).
//!
//! Every change goes through the store's methods, so that `--state` writes it.

use serde_json::{Map, Value, json};

use super::problem::Problem;
use crate::exchange::store::{Record, Store, Transition};
use crate::facts::Invalid;

/// The most ports one connection may be ordered with when its product
/// offering says nothing (`maximum_port_quantity`): the seeded devices'
/// largest LAG.
const MAX_PORTS: i64 = 8;

/// The product offering type each ordered collection must name.
fn offering_type(collection: &str) -> Option<&'static str> {
    match collection {
        "/connections" => Some("connection"),
        "/routing-functions" => Some("routing_function"),
        _ => None,
    }
}

fn invalid(name: &str, reason: impl Into<String>) -> Problem {
    Problem::invalid(vec![Invalid {
        name: name.to_string(),
        reason: reason.into(),
    }])
}

/// Checks and completes a new object of `collection` before it is stored
/// (its references are already checked).
pub fn before_create(
    store: &Store,
    collection: &str,
    object: &mut Map<String, Value>,
) -> Result<(), Problem> {
    let offering = object
        .get("product_offering")
        .and_then(Value::as_str)
        .and_then(|id| store.get("/product-offerings", id));
    if let (Some(kind), Some(offering)) = (offering_type(collection), offering)
        && offering.str("type") != Some(kind)
    {
        return Err(invalid(
            "product_offering",
            format!("a product offering of type {kind} is needed here"),
        ));
    }
    match collection {
        "/connections" => {
            let ports = object.get("port_quantity").map(Value::as_i64);
            let most = offering
                .and_then(|o| o.object.get("maximum_port_quantity"))
                .and_then(Value::as_i64)
                .unwrap_or(MAX_PORTS);
            if let Some(quantity) = ports
                && !quantity.is_some_and(|n| (0..=most).contains(&n))
            {
                return Err(invalid(
                    "port_quantity",
                    format!("between 0 and {most} ports"),
                ));
            }
            let pop = offering
                .and_then(|o| o.str("handover_pop"))
                .map(str::to_string)
                .or_else(|| first_id(store, "/pops"));
            if let Some(pop) = pop {
                object.insert("pop".into(), Value::String(pop));
            }
            let per_port = offering
                .and_then(|o| o.object.get("physical_port_speed"))
                .and_then(Value::as_i64);
            if let (Some(Some(quantity)), Some(speed)) = (ports, per_port)
                && quantity > 0
            {
                object.insert("speed".into(), json!(quantity * speed));
            }
            for (member, default) in [
                ("vlan_types", json!(["port", "dot1q", "qinq"])),
                ("outer_vlan_ethertypes", json!(["0x8100"])),
                ("ports", json!([])),
                ("port_reservations", json!([])),
            ] {
                object.entry(member).or_insert(default);
            }
        }
        "/port-reservations" => {
            if object.get("connection").and_then(Value::as_str).is_none() {
                return Err(invalid(
                    "connection",
                    "a port reservation reserves a port for a connection: name it",
                ));
            }
            object.entry("port").or_insert(Value::Null);
        }
        _ => {}
    }
    Ok(())
}

/// What follows once a new object of `collection` is stored as `id`, whose
/// provisioning is due at `at_ms`: a connection gets a name if it has none
/// and the port reservations it was ordered with; a reservation is listed
/// by its connection.
pub fn after_create(store: &mut Store, collection: &str, id: u64, at_ms: i64) {
    let id = id.to_string();
    match collection {
        "/connections" => {
            let Some(record) = store.get_mut(collection, &id) else {
                return;
            };
            if record.str("name").is_none_or(str::is_empty) {
                record
                    .object
                    .insert("name".into(), Value::String(format!("Connection {id}")));
            }
            let quantity = record
                .object
                .get("port_quantity")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let demarcs: Vec<Value> = record
                .object
                .get("subscriber_side_demarcs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let party = record.object.get("connecting_party").cloned();
            record.object.remove("connecting_party");
            for n in 0..usize::try_from(quantity).unwrap_or(0) {
                let mut reservation = Map::new();
                reservation.insert("connection".into(), Value::String(id.clone()));
                reservation.insert("state".into(), Value::String("requested".into()));
                reservation.insert("port".into(), Value::Null);
                if let Some(demarc) = demarcs.get(n) {
                    reservation.insert("subscriber_side_demarc".into(), demarc.clone());
                }
                if let Some(party) = &party {
                    reservation.insert("connecting_party".into(), party.clone());
                }
                let reservation = store.insert("/port-reservations", reservation);
                if let Some(record) = store.get_mut("/port-reservations", &reservation.to_string())
                {
                    record.next = Some(Transition {
                        at_ms,
                        state: "production".into(),
                    });
                }
                list_in(store, "/connections", &id, "port_reservations", reservation);
            }
        }
        "/port-reservations" => {
            let connection = store
                .get(collection, &id)
                .and_then(|r| r.str("connection"))
                .map(str::to_string);
            if let (Some(connection), Ok(reservation)) = (connection, id.parse()) {
                list_in(
                    store,
                    "/connections",
                    &connection,
                    "port_reservations",
                    reservation,
                );
            }
        }
        _ => {}
    }
}

/// Adds `id` to the list `member` of the object `owner` of `collection`.
fn list_in(store: &mut Store, collection: &str, owner: &str, member: &str, id: u64) {
    if let Some(record) = store.get_mut(collection, owner) {
        let list = record
            .object
            .entry(member)
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list {
            let id = Value::String(id.to_string());
            if !items.contains(&id) {
                items.push(id);
            }
        }
    }
}

fn first_id(store: &Store, collection: &str) -> Option<String> {
    store
        .collection(collection)
        .next()
        .map(|(id, _)| id.to_string())
}

/// Whether a port reservation is due to become a port by `now_ms`.
fn due(record: &Record, now_ms: i64) -> bool {
    record
        .next
        .as_ref()
        .is_some_and(|next| next.state == "production" && next.at_ms <= now_ms)
        && record.object.get("port").is_none_or(Value::is_null)
}

/// Whether a port reservation is due to become a port.
pub fn any_due(store: &Store, now_ms: i64) -> bool {
    store
        .collection("/port-reservations")
        .any(|(_, record)| due(record, now_ms))
}

/// Turns every port reservation that is due into a port. Whether any was.
pub fn provision(store: &mut Store, now_ms: i64) -> bool {
    let due: Vec<String> = store
        .collection("/port-reservations")
        .filter(|(_, record)| due(record, now_ms))
        .map(|(id, _)| id.to_string())
        .collect();
    for id in &due {
        let port = new_port(store, id);
        let Some(reservation) = store.get_mut("/port-reservations", id) else {
            continue;
        };
        reservation.settle(now_ms);
        let Some((port, connection)) = port else {
            continue;
        };
        let demarc = port.get("name").cloned();
        let port_id = store.insert("/ports", port);
        if let Some(reservation) = store.get_mut("/port-reservations", id) {
            reservation
                .object
                .insert("port".into(), Value::String(port_id.to_string()));
            // Where the cross-connect meets the exchange: the port itself.
            if let Some(demarc) = demarc {
                reservation
                    .object
                    .insert("exchange_side_demarc".into(), demarc);
            }
        }
        list_in(store, "/connections", &connection, "ports", port_id);
        after_update(store, "/connections", &connection);
    }
    !due.is_empty()
}

/// What follows a change of the object `id` of `collection`: a connection
/// with ports is as fast as they are together, whatever a PUT said.
pub fn after_update(store: &mut Store, collection: &str, id: &str) {
    if collection != "/connections" {
        return;
    }
    let speeds: Vec<i64> = store
        .get(collection, id)
        .and_then(|c| c.object.get("ports"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|port| store.get("/ports", port))
        .filter_map(|port| port.object.get("speed").and_then(Value::as_i64))
        .collect();
    if speeds.is_empty() {
        return;
    }
    let speed: i64 = speeds.iter().sum();
    if store
        .get(collection, id)
        .and_then(|c| c.object.get("speed"))
        != Some(&json!(speed))
        && let Some(record) = store.get_mut(collection, id)
    {
        record.object.insert("speed".into(), json!(speed));
    }
}

/// The port the exchange provisions for the reservation `id`, and its
/// connection: on the first device at the connection's PoP, with the
/// capability its product offering's port speed asks for (else the
/// device's first), named after the device and its count of ports.
fn new_port(store: &Store, id: &str) -> Option<(Map<String, Value>, String)> {
    let reservation = store.get("/port-reservations", id)?;
    let connection_id = reservation.str("connection")?;
    let connection = store.get("/connections", connection_id)?;
    let pop = connection
        .str("pop")
        .map(str::to_string)
        .or_else(|| first_id(store, "/pops"))?;
    let (device_id, device) = store
        .collection("/devices")
        .find(|(_, device)| device.str("pop") == Some(pop.as_str()))?;
    let wanted = connection
        .str("product_offering")
        .and_then(|o| store.get("/product-offerings", o))
        .and_then(|o| o.object.get("physical_port_speed"))
        .and_then(Value::as_i64);
    let capabilities = device
        .object
        .get("capabilities")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let capability = capabilities
        .iter()
        .find(|c| c.get("speed").and_then(Value::as_i64) == wanted && wanted.is_some())
        .or_else(|| capabilities.first())?;
    let on_device = store
        .collection("/ports")
        .filter(|(_, port)| port.str("device") == Some(device_id.to_string().as_str()))
        .count();
    let mut port = Map::new();
    let name = format!(
        "{} Ethernet{}/1",
        device.str("name").unwrap_or("device"),
        on_device + 1
    );
    port.insert("name".into(), Value::String(name));
    port.insert("state".into(), Value::String("production".into()));
    for member in ["media_type", "speed"] {
        if let Some(value) = capability.get(member) {
            port.insert(member.into(), value.clone());
        }
    }
    port.insert("device".into(), Value::String(device_id.to_string()));
    port.insert("pop".into(), Value::String(pop));
    port.insert(
        "connection".into(),
        Value::String(connection_id.to_string()),
    );
    for member in ["managing_account", "consuming_account", "billing_account"] {
        if let Some(account) = connection.object.get(member) {
            port.insert(member.into(), account.clone());
        }
    }
    port.insert("role_assignments".into(), json!([]));
    for member in ["external_ref", "contract_ref"] {
        if let Some(Value::String(value)) = reservation.object.get(member) {
            port.insert(member.into(), Value::String(value.clone()));
        }
    }
    if let Some(Value::String(order)) = reservation.object.get("purchase_order") {
        port.insert("purchase_order".into(), Value::String(order.clone()));
    }
    Some((port, connection_id.to_string()))
}

/// What follows once the object `id` of `collection` is being
/// decommissioned (by `next`): its port reservations (with the same
/// `decommission_at` and `charged_until`) and its ports are too.
pub fn after_destroy(store: &mut Store, collection: &str, id: &str, next: &Transition) {
    let (reservations, ports): (Vec<String>, Vec<String>) = match collection {
        "/connections" => (
            referring(store, "/port-reservations", "connection", id),
            referring(store, "/ports", "connection", id),
        ),
        "/port-reservations" => (
            Vec::new(),
            store
                .get(collection, id)
                .and_then(|r| r.str("port"))
                .map(str::to_string)
                .into_iter()
                .collect(),
        ),
        _ => return,
    };
    let dates: Vec<(&str, Value)> = ["decommission_at", "charged_until"]
        .into_iter()
        .filter_map(|member| {
            let value = store.get(collection, id)?.object.get(member)?.clone();
            Some((member, value))
        })
        .collect();
    for (collection, id) in reservations
        .iter()
        .map(|id| ("/port-reservations", id))
        .chain(ports.iter().map(|id| ("/ports", id)))
    {
        if let Some(record) = store.get_mut(collection, id) {
            if matches!(
                record.str("state"),
                Some("decommission_requested" | "decommissioned")
            ) {
                continue;
            }
            if collection == "/port-reservations" {
                for (member, value) in &dates {
                    record.object.insert((*member).into(), value.clone());
                }
            }
            record.object.insert(
                "state".into(),
                Value::String("decommission_requested".into()),
            );
            record.next = Some(next.clone());
        }
    }
}

fn referring(store: &Store, collection: &str, member: &str, id: &str) -> Vec<String> {
    store
        .collection(collection)
        .filter(|(_, record)| record.str(member) == Some(id))
        .map(|(id, _)| id.to_string())
        .collect()
}
