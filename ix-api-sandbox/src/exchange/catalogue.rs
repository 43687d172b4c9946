//! The exchange every sandbox starts with: the same objects, with the same
//! ids, on every start (README, "The seeded exchange"). Each object is
//! checked against the spec's schema of its collection when it is stored.

use serde_json::{Map, Value, json};

use crate::exchange::store::Store;

/// The accounts API users act for.
#[derive(Debug, Clone)]
pub struct Accounts {
    /// The demo API user's account: a reseller, which manages a
    /// sub-customer.
    pub reseller: String,
}

struct Seeder {
    store: Store,
}

impl Seeder {
    fn add(&mut self, collection: &str, object: Value) -> String {
        let Value::Object(object) = object else {
            unreachable!("seeds are objects")
        };
        self.store.insert(collection, object).to_string()
    }

    fn set(&mut self, collection: &str, id: &str, member: &str, value: Value) {
        if let Some(record) = self.store.get_mut(collection, id) {
            record.object.insert(member.into(), value);
        }
    }
}

fn address(street: &str, postal_code: &str, locality: &str, country: &str) -> Value {
    json!({
        "street_address": street,
        "postal_code": postal_code,
        "locality": locality,
        "country": country,
    })
}

/// The seeded store and the accounts in it.
pub fn seed() -> (Store, Accounts) {
    let mut s = Seeder {
        store: Store::default(),
    };
    let exchange_address = address("Sandboxstrasse 1", "60313", "Frankfurt am Main", "DE");
    let operator = s.add(
        "/accounts",
        json!({
            "name": "Sandbox IX", "legal_name": "Sandbox IX GmbH", "state": "production",
            "address": exchange_address, "metro_area_network_presence": [], "discoverable": true,
        }),
    );
    let reseller = s.add(
        "/accounts",
        json!({
            "name": "Example Reseller", "legal_name": "Example Reseller B.V.", "state": "production",
            "managing_account": operator,
            "address": address("Resellerweg 2", "1012 AB", "Amsterdam", "NL"),
            "billing_information": {
                "name": "Example Reseller B.V.",
                "address": address("Resellerweg 2", "1012 AB", "Amsterdam", "NL"),
                "vat_number": "NL000099998B57",
            },
            "metro_area_network_presence": [], "discoverable": true,
        }),
    );
    let customer = s.add(
        "/accounts",
        json!({
            "name": "Example Customer", "state": "production", "managing_account": reseller,
            "address": address("Kundenallee 3", "10115", "Berlin", "DE"),
            "metro_area_network_presence": [], "discoverable": false,
        }),
    );

    let mut metro_areas = Vec::new();
    for (locode, iata, name) in [("DEFRA", "FRA", "Frankfurt"), ("NLAMS", "AMS", "Amsterdam")] {
        metro_areas.push(s.add(
            "/metro-areas",
            json!({"un_locode": locode, "iata_code": iata, "display_name": name,
                   "facilities": [], "metro_area_networks": []}),
        ));
    }
    let mut networks = Vec::new();
    for (metro_area, name) in metro_areas.iter().zip(["FRA", "AMS"]) {
        let id = s.add(
            "/metro-area-networks",
            json!({"name": name, "metro_area": metro_area, "service_provider": "Sandbox IX", "pops": []}),
        );
        s.set(
            "/metro-areas",
            metro_area,
            "metro_area_networks",
            json!([id]),
        );
        networks.push(id);
    }

    // Two facilities in Frankfurt, one in Amsterdam; a PoP and a device in each.
    let sites = [
        (
            0,
            "Sandbox DC Frankfurt 1",
            "Hanauer Landstrasse 300",
            "60314",
            "DE",
            "Frankfurt am Main",
            "Hessen",
            9001,
        ),
        (
            0,
            "Sandbox DC Frankfurt 2",
            "Kruppstrasse 121",
            "60388",
            "DE",
            "Frankfurt am Main",
            "Hessen",
            9002,
        ),
        (
            1,
            "Sandbox DC Amsterdam 1",
            "Science Park 610",
            "1098 XH",
            "NL",
            "Amsterdam",
            "Noord-Holland",
            9003,
        ),
    ];
    let mut devices = Vec::new();
    let mut pops = Vec::new();
    for (i, (metro, name, street, postal_code, country, locality, region, peeringdb)) in
        sites.into_iter().enumerate()
    {
        let facility = s.add(
            "/facilities",
            json!({
                "name": name, "metro_area": metro_areas[metro], "organisation_name": "Sandbox Datacenters",
                "street_address": street, "postal_code": postal_code, "address_country": country,
                "address_locality": locality, "address_region": region,
                "peeringdb_facility_id": peeringdb, "pops": [],
            }),
        );
        let pop = s.add(
            "/pops",
            json!({"name": format!("{}{}", ["fra", "fra", "ams"][i], i + 1), "facility": facility,
                   "metro_area_network": networks[metro], "devices": []}),
        );
        s.set("/facilities", &facility, "pops", json!([pop]));
        let device = s.add(
            "/devices",
            json!({
                "name": format!("edge{}.{}", i + 1, ["fra", "fra", "ams"][i]), "pop": pop, "facility": facility,
                "capabilities": [
                    {"media_type": "100GBASE-LR4", "speed": 100_000, "max_lag": 8, "availability": 40},
                    {"media_type": "10GBASE-LR", "speed": 10_000, "max_lag": 8, "availability": 96 - 16 * i},
                ],
            }),
        );
        s.set("/pops", &pop, "devices", json!([device]));
        pops.push(pop);
        devices.push(device);
    }
    let pops_of = |metro: usize| -> Value {
        match metro {
            0 => json!([pops[0], pops[1]]),
            _ => json!([pops[2]]),
        }
    };
    for (metro, network) in networks.iter().enumerate() {
        s.set("/metro-area-networks", network, "pops", pops_of(metro));
    }

    // Roles, and the reseller's contacts.
    let mut roles = Vec::new();
    for (name, fields) in [
        ("implementation", json!(["name", "email", "telephone"])),
        ("noc", json!(["email", "telephone"])),
        ("peering", json!(["email"])),
        ("billing", json!(["name", "email"])),
        ("legal", json!(["name", "email"])),
    ] {
        roles.push(s.add("/roles", json!({"name": name, "required_fields": fields})));
    }
    let noc = s.add(
        "/contacts",
        json!({"managing_account": reseller, "consuming_account": reseller, "name": "Reseller NOC",
               "email": "noc@reseller.example", "telephone": "+31 20 000 0000"}),
    );
    let implementation = s.add(
        "/contacts",
        json!({"managing_account": reseller, "consuming_account": customer, "name": "Customer Engineering",
               "email": "engineering@customer.example", "telephone": "+49 30 000 0000"}),
    );
    let noc_role = s.add(
        "/role-assignments",
        json!({"contact": noc, "role": roles[1]}),
    );
    let implementation_role = s.add(
        "/role-assignments",
        json!({"contact": implementation, "role": roles[0]}),
    );

    // The reseller's connection: a LAG of two ports on the first device.
    let connection = s.add(
        "/connections",
        json!({
            "name": "Reseller LAG FRA1", "mode": "lag_lacp", "lacp_timeout": "fast", "speed": 200_000,
            "state": "production", "managing_account": reseller, "consuming_account": reseller,
            "billing_account": reseller, "role_assignments": [implementation_role],
            "vlan_types": ["port", "dot1q", "qinq"], "outer_vlan_ethertypes": ["0x8100"], "ports": [],
        }),
    );
    let mut ports = Vec::new();
    for n in 1..=2 {
        ports.push(s.add(
            "/ports",
            json!({
                "name": format!("edge1.fra Ethernet{n}/1"), "state": "production", "media_type": "100GBASE-LR4",
                "speed": 100_000, "device": devices[0], "pop": pops[0], "connection": connection,
                "managing_account": reseller, "consuming_account": reseller, "billing_account": reseller,
                "role_assignments": [noc_role],
            }),
        ));
    }
    s.set("/connections", &connection, "ports", json!(ports));

    // What the exchange offers: one offering of every type.
    let lan_offering = s.add(
        "/product-offerings",
        json!({
            "type": "exchange_lan", "name": "FRA peering LAN", "display_name": "Peering in Frankfurt",
            "resource_type": "network_service_config", "provider_vlans": "single",
            "handover_metro_area": metro_areas[0], "handover_metro_area_network": networks[0],
            "service_metro_area": metro_areas[0], "service_metro_area_network": networks[0],
            "service_provider": "Sandbox IX", "downgrade_allowed": true, "upgrade_allowed": true,
            "bandwidth_min": 1_000, "bandwidth_max": 400_000, "physical_port_speed": null,
            "exchange_lan_network_service": "0",
        }),
    );
    let circuit = |kind: &str, name: &str, display: &str, service: usize| {
        json!({
            "type": kind, "name": name, "display_name": display,
            "resource_type": "network_service", "provider_vlans": "multi",
            "handover_metro_area": metro_areas[0], "handover_metro_area_network": networks[0],
            "service_metro_area": metro_areas[service], "service_metro_area_network": networks[service],
            "service_provider": "Sandbox IX", "downgrade_allowed": true, "upgrade_allowed": true,
            "bandwidth_min": 100, "bandwidth_max": 100_000, "physical_port_speed": null,
        })
    };
    s.add(
        "/product-offerings",
        circuit(
            "p2p_vc",
            "FRA-AMS point to point",
            "Point to point, Frankfurt to Amsterdam",
            1,
        ),
    );
    s.add(
        "/product-offerings",
        circuit(
            "p2mp_vc",
            "FRA point to multipoint",
            "Point to multipoint in Frankfurt",
            0,
        ),
    );
    s.add(
        "/product-offerings",
        circuit(
            "mp2mp_vc",
            "FRA closed user group",
            "Multipoint to multipoint in Frankfurt",
            0,
        ),
    );
    let mut cloud = circuit(
        "cloud_vc",
        "FRA cloud on-ramp",
        "Cloud on-ramp in Frankfurt",
        0,
    );
    if let Value::Object(cloud) = &mut cloud {
        cloud.extend(
            json!({
                "service_provider": "Example Cloud", "service_provider_region": "eu-central-1",
                "service_provider_pop": "FRA-CLOUD-1", "service_provider_workflow": "exchange_first",
                "delivery_method": "shared", "diversity": 1, "provider_vlans": "single",
                "resource_type": "network_service", "downgrade_allowed": false,
            })
            .as_object()
            .cloned()
            .unwrap_or_else(Map::new),
        );
    }
    s.add("/product-offerings", cloud);

    // The peering LAN, its route servers, and the reseller on it.
    let lan = s.add(
        "/network-services",
        json!({
            "type": "exchange_lan", "name": "Sandbox IX Frankfurt", "state": "production",
            "managing_account": operator, "consuming_account": operator,
            "metro_area_network": networks[0], "product_offering": lan_offering,
            "subnet_v4": "192.0.2.0/24", "subnet_v6": "2001:db8::/64",
            "peeringdb_ixid": 9999, "ixfdb_ixid": 9999, "network_features": [],
            "nsc_required_contact_roles": [roles[0]],
        }),
    );
    s.set(
        "/product-offerings",
        &lan_offering,
        "exchange_lan_network_service",
        json!(lan),
    );
    let route_server = s.add(
        "/network-features",
        json!({
            "type": "route_server", "name": "rs1.fra", "required": false, "network_service": lan,
            "asn": 64_500, "fqdn": "rs1.fra.sandbox-ix.example", "session_mode": "public",
            "ip_v4": "192.0.2.1", "ip_v6": "2001:db8::1",
            "address_families": ["af_inet", "af_inet6"], "available_bgp_session_types": ["passive"],
            "looking_glass_url": "https://lg.sandbox-ix.example/rs1.fra",
            "flags": [{"name": "blackholing", "description": "RTBH with the BLACKHOLE community"}],
            "nfc_required_contact_roles": [roles[1]],
        }),
    );
    s.set(
        "/network-services",
        &lan,
        "network_features",
        json!([route_server]),
    );

    // The reseller is on the LAN, with one MAC address and one IP.
    let mac = s.add(
        "/macs",
        json!({"address": "02:00:5e:10:00:01", "managing_account": reseller, "consuming_account": reseller}),
    );
    let ip = s.add(
        "/ips",
        json!({"address": "192.0.2.10", "version": 4, "prefix_length": 24, "fqdn": "reseller.fra.sandbox-ix.example",
               "managing_account": reseller, "consuming_account": reseller}),
    );
    s.add(
        "/network-service-configs",
        json!({
            "type": "exchange_lan", "state": "production", "network_service": lan, "product_offering": lan_offering,
            "managing_account": reseller, "consuming_account": reseller, "billing_account": reseller,
            "role_assignments": [implementation_role], "connection": connection,
            "vlan_config": {"vlan_type": "dot1q", "vlan": 100, "vlan_ethertype": "0x8100"},
            "asns": [64_501], "listed": true, "macs": [mac], "ips": [ip], "capacity": 10_000,
        }),
    );

    // What 2.7 adds (after the rest, so that the ids of what an exchange of
    // 2.1 had stay as they were): a connection and a routing function to
    // order, the availability zones, an extension, the reservations of the
    // reseller's ports and a routing function of its own.
    s.add(
        "/product-offerings",
        json!({
            "type": "connection", "name": "FRA 10G port", "display_name": "A 10G port in Frankfurt",
            "resource_type": "connection",
            "handover_metro_area": metro_areas[0], "handover_metro_area_network": networks[0],
            "handover_pop": pops[0], "physical_port_speed": 10_000, "maximum_port_quantity": 8,
            "cross_connect_initiator": "subscriber", "service_provider": "Sandbox IX",
            "downgrade_allowed": true, "upgrade_allowed": true,
            "required_contact_roles": [roles[0]],
        }),
    );
    let routing_offering = s.add(
        "/product-offerings",
        json!({
            "type": "routing_function", "name": "FRA cloud router",
            "display_name": "A routing function in Frankfurt", "resource_type": "routing_function",
            "handover_metro_area": metro_areas[0], "handover_metro_area_network": networks[0],
            "service_provider": "Sandbox IX", "downgrade_allowed": true, "upgrade_allowed": true,
            "bandwidth_min": 100, "bandwidth_max": 10_000,
        }),
    );
    for name in ["Frankfurt A", "Frankfurt B", "Amsterdam A"] {
        s.add("/availability-zones", json!({"name": name}));
    }
    s.add(
        "/extensions",
        json!({
            "name": "sandbox-ix-looking-glass", "publisher": "Sandbox IX",
            "base_url": "https://lg.sandbox-ix.example/api/v1",
            "documentation_url": "https://lg.sandbox-ix.example/docs",
            "spec_url": "https://lg.sandbox-ix.example/api/v1/openapi.json",
        }),
    );
    s.set("/connections", &connection, "pop", json!(pops[0]));
    // The reseller's ports were reserved, as 2.7 orders ports; and it has
    // a routing function.
    let mut reservations = Vec::new();
    for (n, port) in ports.iter().enumerate() {
        reservations.push(s.add(
            "/port-reservations",
            json!({
                "connection": connection, "port": port, "state": "production",
                "subscriber_side_demarc": format!("Reseller cage, panel 1, port {}", n + 1),
                "exchange_side_demarc": format!("edge1.fra Ethernet{}/1", n + 1),
                "connecting_party": "Example Reseller", "purchase_order": "PO-2019-001",
            }),
        ));
    }
    s.set(
        "/connections",
        &connection,
        "port_reservations",
        json!(reservations),
    );
    s.add(
        "/routing-functions",
        json!({
            "state": "production", "managing_account": reseller, "consuming_account": reseller,
            "billing_account": reseller, "product_offering": routing_offering, "asn": 64_501,
            "capacity": 1_000, "external_ref": "reseller-cloud-router",
        }),
    );

    let mut store = s.store;
    fix_facility_lists(&mut store, &metro_areas);
    (store, Accounts { reseller })
}

/// The metro areas list their facilities by id, which are known only once
/// the facilities are stored.
fn fix_facility_lists(store: &mut Store, metro_areas: &[String]) {
    let facilities: Vec<(String, String)> = store
        .collection("/facilities")
        .filter_map(|(_, f)| Some((f.str("id")?.to_string(), f.str("metro_area")?.to_string())))
        .collect();
    for metro_area in metro_areas {
        let ids: Vec<&String> = facilities
            .iter()
            .filter(|(_, area)| area == metro_area)
            .map(|(id, _)| id)
            .collect();
        if let Some(record) = store.get_mut("/metro-areas", metro_area) {
            record.object.insert("facilities".into(), json!(ids));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Action;
    use crate::facts::Facts;

    /// Each collection's component, as the spec's read operation answers
    /// it (its list, for a collection no operation reads one by one).
    fn components() -> Vec<(&'static str, String)> {
        let answer = |operation: &ix_api_client::spec::Operation| {
            let facts = Facts::get().operation(operation.id)?;
            facts.responses.get("200")?.schema.clone()
        };
        let all = ix_api_client::spec::operations::ALL;
        let mut components: Vec<(&'static str, String)> = all
            .iter()
            .filter_map(|operation| match Action::of(operation)? {
                (Action::Read, collection) => Some((collection, answer(operation)?)),
                _ => None,
            })
            .collect();
        for operation in all {
            if let Some((Action::List, collection)) = Action::of(operation)
                && !components.iter().any(|(known, _)| *known == collection)
            {
                components.extend(answer(operation).map(|component| (collection, component)));
            }
        }
        components
    }

    #[test]
    fn every_seeded_object_fits_the_spec_and_the_client_models() {
        let (store, _) = seed();
        let mut checked = 0;
        for (collection, component) in components() {
            let component = component.as_str();
            for (_, record) in store.collection(collection) {
                let object = Value::Object(record.object.clone());
                if let Err(invalid) = Facts::get().validate(component, &object) {
                    panic!("{collection}: {invalid:?}\n{object}");
                }
                let decoded = crate::models::conform(component, object.clone());
                assert!(matches!(decoded, Some(Ok(_))), "{collection}: {decoded:?}");
                checked += 1;
            }
        }
        assert_eq!(
            checked,
            store.len(),
            "every collection is listed in COMPONENTS"
        );
    }

    #[test]
    fn the_seed_is_the_same_on_every_start() {
        let (a, _) = seed();
        let (b, _) = seed();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }
}
