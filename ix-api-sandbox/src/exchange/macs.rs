//! MAC addresses as the exchange takes them: six octets of two hex digits
//! each, separated by colons (`02:00:5e:10:00:01`; either case), and
//! unicast (the first octet's least significant bit clear), as a router's
//! port on a peering LAN has. The spec gives the `address` of a MAC address
//! no format, so this is the sandbox's own check, as a real exchange makes
//! it; anything else is a validation error naming the member.

use serde_json::{Map, Value};

use crate::facts::Invalid;

/// The members of an object of `collection` that hold a MAC address.
fn members(collection: &str) -> &'static [&'static str] {
    match collection {
        "/macs" => &["address"],
        _ => &[],
    }
}

/// Every member of `object` (of `collection`) that should hold a MAC
/// address and does not.
pub fn check(collection: &str, object: &Map<String, Value>) -> Vec<Invalid> {
    members(collection)
        .iter()
        .filter_map(|&member| {
            let value = object.get(member)?;
            let reason = match value.as_str() {
                Some(text) => refusal(text)?,
                None => "must be a MAC address, as text".to_string(),
            };
            Some(Invalid {
                name: member.to_string(),
                reason,
            })
        })
        .collect()
}

/// Why `text` is not a unicast MAC address in colon-separated hex; `None`
/// if it is one.
pub fn refusal(text: &str) -> Option<String> {
    let octets: Vec<&str> = text.split(':').collect();
    let hex = octets.len() == 6
        && octets
            .iter()
            .all(|octet| octet.len() == 2 && octet.bytes().all(|b| b.is_ascii_hexdigit()));
    if !hex {
        return Some(format!(
            "{text:?} is not a MAC address: six octets of two hex digits, \
             separated by colons (02:00:5e:10:00:01)"
        ));
    }
    let first = u8::from_str_radix(octets[0], 16).unwrap_or(1);
    if first & 1 == 1 {
        return Some(format!(
            "{text:?} is a multicast (group) address; a MAC address here must be \
             unicast (the first octet's least significant bit clear)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unicast_colon_separated_hex_passes() {
        for mac in [
            "02:00:5e:10:00:01",
            "aa:bb:cc:dd:ee:ff",
            "AA:BB:CC:DD:EE:FE",
            "00:00:00:00:00:00",
        ] {
            assert_eq!(refusal(mac), None, "{mac}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for mac in [
            "not-a-mac",
            "",
            "02-00-5e-10-00-01",
            "0200.5e10.0001",
            "02:00:5e:10:00",
            "02:00:5e:10:00:01:02",
            "2:00:5e:10:00:01",
            "02:00:5e:10:00:0g",
            "ff:ff:ff:ff:ff:ff",
            "01:00:5e:00:00:01",
            "ab:cd:ef:01:23:45",
        ] {
            assert!(refusal(mac).is_some(), "{mac}");
        }
    }

    #[test]
    fn the_member_is_named() {
        let invalid = check(
            "/macs",
            json!({"address": "not-a-mac"}).as_object().unwrap(),
        );
        assert_eq!(invalid.len(), 1);
        assert_eq!(invalid[0].name, "address");
        assert!(
            invalid[0].reason.contains("not-a-mac"),
            "{}",
            invalid[0].reason
        );
        let invalid = check("/macs", json!({"address": 7}).as_object().unwrap());
        assert_eq!(invalid[0].name, "address");
        assert!(check("/ips", json!({"address": "192.0.2.1"}).as_object().unwrap()).is_empty());
    }
}
