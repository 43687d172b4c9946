//! Decoding and encoding IX-API's polymorphic models (`NetworkService`,
//! `ProductOffering`, ...): the generated enums read the tag (`type`) first
//! and decode the variant it names straight from the rest of the object;
//! a tag this client does not know keeps the whole object as it came, so a
//! newer server's new types do not fail a list.
//!
//! The members before the tag are held (in `held`: strings and names
//! borrowed from the input, no JSON values built) and replayed to the
//! variant; a server that writes members by name sends most of them before
//! `type`. A held member that fails to decode has no position of its
//! own: the rest of the object is read before the error goes up, so that
//! serde_json's error points at the object's end and the member path of a
//! malformed answer names the object (the stream stood just after the
//! tag).

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use smallvec::SmallVec;

mod held;
use held::{Held, Key};

/// How a generated union decodes: its tag property, and what to make of an
/// object once the tag's value is known.
#[doc(hidden)]
pub trait Union: Sized {
    /// The tag property, e.g. `type`.
    const TAG: &'static str;
    /// The union's name, for messages.
    const NAME: &'static str;

    /// Decodes the variant `tag` names from `rest` (the object without its
    /// tag); an unknown tag keeps the object ([`unknown`]).
    fn decode<'de, D: Deserializer<'de>>(tag: &str, rest: D) -> Result<Self, D::Error>;
}

/// The whole object of an unknown variant, its tag put back.
#[doc(hidden)]
pub fn unknown<'de, D: Deserializer<'de>>(
    tag_property: &str,
    tag: &str,
    rest: D,
) -> Result<Map<String, Value>, D::Error> {
    let mut object = Map::<String, Value>::deserialize(rest)?;
    object.insert(tag_property.to_string(), Value::String(tag.to_string()));
    Ok(object)
}

/// Decodes a union: the `Deserialize` of every generated union.
#[doc(hidden)]
pub fn deserialize<'de, U: Union, D: Deserializer<'de>>(deserializer: D) -> Result<U, D::Error> {
    deserializer.deserialize_map(UnionVisitor::<U, Held<'de>>(PhantomData))
}

/// Encodes a known variant: its fields and the tag.
#[doc(hidden)]
pub fn serialize<S: Serializer, T: Serialize>(
    serializer: S,
    tag_property: &'static str,
    tag: &'static str,
    variant: &T,
) -> Result<S::Ok, S::Error> {
    let mut object = match serde_json::to_value(variant).map_err(serde::ser::Error::custom)? {
        Value::Object(object) => object,
        _ => {
            return Err(serde::ser::Error::custom(
                "a union's variant must be an object",
            ));
        }
    };
    object.insert(tag_property.to_string(), Value::String(tag.to_string()));
    object.serialize(serializer)
}

struct UnionVisitor<U, H>(PhantomData<(U, H)>);

/// How the members before the tag are held: borrowed ([`Held`]) when
/// decoding; the tests hold them as `Value`s too, the former way, as the
/// oracle of the same results and errors.
trait Hold<'de>: Deserialize<'de> {
    /// A held member's name.
    type Name: Deserialize<'de>;

    fn is(name: &Self::Name, tag: &str) -> bool;

    /// Hands the name to `seed` (the variant's field identifier).
    fn name<S: DeserializeSeed<'de>, E: de::Error>(
        name: Self::Name,
        seed: S,
    ) -> Result<S::Value, E>;

    /// Hands the held value to `seed`.
    fn replay<S: DeserializeSeed<'de>, E: de::Error>(self, seed: S) -> Result<S::Value, E>;
}

impl<'de> Hold<'de> for Held<'de> {
    type Name = Key<'de>;

    fn is(name: &Key<'de>, tag: &str) -> bool {
        name.as_str() == tag
    }

    fn name<S: DeserializeSeed<'de>, E: de::Error>(name: Key<'de>, seed: S) -> Result<S::Value, E> {
        name.give(seed)
    }

    fn replay<S: DeserializeSeed<'de>, E: de::Error>(self, seed: S) -> Result<S::Value, E> {
        seed.deserialize(self.into_deserializer())
    }
}

impl<'de, U: Union, H: Hold<'de>> Visitor<'de> for UnionVisitor<U, H> {
    type Value = U;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} object with a `{}`", U::NAME, U::TAG)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<U, A::Error> {
        let mut before = Before::<'de, H>::new();
        let tag = loop {
            match map.next_key::<H::Name>()? {
                None => break None,
                // Borrowed as names are: a known tag needs no copy.
                Some(name) if H::is(&name, U::TAG) => break Some(map.next_value::<Key<'de>>()?),
                Some(name) => before.push((name, map.next_value::<H>()?)),
            }
        };
        let Some(tag) = tag else {
            return Err(de::Error::missing_field(U::TAG));
        };
        let mut held_failed = false;
        let rest = Replay {
            before: before.drain(..),
            pending: None,
            held_failed: &mut held_failed,
            map: &mut map,
        };
        let decoded = U::decode(tag.as_str(), MapAccessDeserializer::new(rest));
        if decoded.is_err() && held_failed {
            // Never after a streamed member's error: the stream is then
            // mid-value, and that error has its position already. A
            // syntax error further on leaves the first error standing.
            while let Ok(Some(_)) = map.next_entry::<IgnoredAny, IgnoredAny>() {}
        }
        decoded
    }
}

/// The members before the tag, on the stack up to 32 (a network service
/// config has 28; more move to the heap): a list would otherwise allocate
/// and grow a vector for each object.
type Before<'de, H> = SmallVec<[(<H as Hold<'de>>::Name, H); 32]>;

/// The members read before the tag (drained where they are: moving them
/// would copy the whole stack array), then the rest of the object.
struct Replay<'a, 'de, H: Hold<'de>, A> {
    before: smallvec::Drain<'a, [(H::Name, H); 32]>,
    pending: Option<H>,
    /// Set when a held member failed to decode.
    held_failed: &'a mut bool,
    map: &'a mut A,
}

impl<'de, H: Hold<'de>, A: MapAccess<'de>> MapAccess<'de> for Replay<'_, 'de, H, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.before.next() {
            Some((name, value)) => {
                self.pending = Some(value);
                H::name(name, seed).map(Some)
            }
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(value) => value.replay(seed).inspect_err(|_| *self.held_failed = true),
            None => self.map.next_value_seed(seed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{NetworkServiceConfig, VlanConfig};

    /// How unions decoded before members were held borrowed: the members
    /// before the tag as `Value`s, replayed (a `Value`'s errors carry no
    /// position; their text went up). The oracle for the same results and
    /// the same errors.
    struct AsValues<U>(U);

    impl<'de> Hold<'de> for Value {
        type Name = String;

        fn is(name: &String, tag: &str) -> bool {
            name == tag
        }

        fn name<S: DeserializeSeed<'de>, E: de::Error>(
            name: String,
            seed: S,
        ) -> Result<S::Value, E> {
            seed.deserialize(name.into_deserializer())
        }

        fn replay<S: DeserializeSeed<'de>, E: de::Error>(self, seed: S) -> Result<S::Value, E> {
            seed.deserialize(self).map_err(E::custom)
        }
    }

    impl<'de, U: Union> Deserialize<'de> for AsValues<U> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer
                .deserialize_map(UnionVisitor::<U, Value>(PhantomData))
                .map(AsValues)
        }
    }

    impl<U: fmt::Debug> fmt::Debug for AsValues<U> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.fmt(f)
        }
    }

    /// Everything a decode of `text` tells: the result or the error with
    /// its position (from which the client names the member), through
    /// text, bytes, a reader and a `Value`.
    fn outcomes<T: for<'de> Deserialize<'de> + fmt::Debug>(text: &str) -> Vec<String> {
        let mut seen = vec![
            format!("{:?}", serde_json::from_str::<T>(text)),
            format!("{:?}", serde_json::from_slice::<T>(text.as_bytes())),
            format!("{:?}", serde_json::from_reader::<_, T>(text.as_bytes())),
        ];
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            seen.push(format!("{:?}", serde_json::from_value::<T>(value)));
        }
        seen
    }

    fn agree<U>(text: &str)
    where
        U: Union + fmt::Debug + for<'de> Deserialize<'de>,
    {
        assert_eq!(outcomes::<U>(text), outcomes::<AsValues<U>>(text), "{text}");
    }

    /// An object written member by member, in this order, repeats kept.
    fn object(members: &[(&str, &str)]) -> String {
        let members: Vec<String> = members
            .iter()
            .map(|(name, value)| format!("\"{name}\": {value}"))
            .collect();
        format!("{{{}}}", members.join(", "))
    }

    fn config() -> Vec<(&'static str, &'static str)> {
        vec![
            ("asns", "[64500]"),
            ("billing_account", r#""acc-1""#),
            ("capacity", "10000"),
            ("consuming_account", r#""acc-2""#),
            ("contract_ref", "null"),
            ("id", r#""nsc-1""#),
            ("listed", "true"),
            ("managing_account", r#""acc-1""#),
            ("network_service", r#""ns-1""#),
            ("product_offering", r#""po-1""#),
            ("role_assignments", r#"["ra-1", "ra-2"]"#),
            ("state", r#""production""#),
            ("type", r#""exchange_lan""#),
            ("vlan_config", r#"{"vlan": 100, "vlan_type": "dot1q"}"#),
        ]
    }

    fn decoded(text: &str) -> Result<NetworkServiceConfig, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn the_tag_last_decodes_the_variant_from_the_held_members() {
        let mut members = config();
        let tag = members.remove(12);
        members.push(tag);
        let text = object(&members);
        let Ok(NetworkServiceConfig::ExchangeLan(lan)) = decoded(&text) else {
            panic!("{:?}", decoded(&text));
        };
        assert_eq!(lan.role_assignments, ["ra-1", "ra-2"]);
        assert!(
            matches!(lan.vlan_config, Some(VlanConfig::Dot1q(ref vlan)) if vlan.vlan.map(u32::from) == Some(100))
        );
        agree::<NetworkServiceConfig>(&text);
    }

    #[test]
    fn a_missing_tag_or_one_not_a_string_fails_as_before() {
        let members: Vec<_> = config().into_iter().filter(|m| m.0 != "type").collect();
        let text = object(&members);
        assert!(decoded(&text).is_err_and(|e| e.starts_with("missing field `type`")));
        agree::<NetworkServiceConfig>(&text);
        for tag in ["5", "null", "[]", r#"{"a": 1}"#] {
            let mut members = config();
            members[12].1 = tag;
            let text = object(&members);
            assert!(
                decoded(&text).is_err_and(|e| e.contains("expected a string")),
                "{tag}"
            );
            agree::<NetworkServiceConfig>(&text);
        }
    }

    #[test]
    fn a_repeated_tag_is_a_member_the_variant_does_not_know() {
        let mut members = config();
        members.insert(3, ("type", r#""cloud_vc""#));
        members.push(("type", r#""p2p_vc""#));
        agree::<NetworkServiceConfig>(&object(&members));
    }

    #[test]
    fn escapes_in_the_tag_and_in_names_are_read_as_text() {
        let mut members = config();
        members[12].1 = r#""exchange\u005flan""#;
        members[10].0 = r"role\u005fassignments";
        members[0].1 = r#"[64500]"#;
        members[1].1 = r#""acc-\"1\"""#;
        let text = object(&members);
        let Ok(NetworkServiceConfig::ExchangeLan(lan)) = decoded(&text) else {
            panic!("{:?}", decoded(&text));
        };
        assert_eq!(lan.billing_account, "acc-\"1\"");
        assert_eq!(lan.role_assignments, ["ra-1", "ra-2"]);
        agree::<NetworkServiceConfig>(&text);
    }

    #[test]
    fn an_unknown_type_keeps_the_whole_object() {
        let mut members = config();
        members[12].1 = r#""quantum_vc""#;
        members.push(("novel", r#"{"a": [1, 2.5, -3, "x\n"]}"#));
        let text = object(&members);
        let Ok(NetworkServiceConfig::Unknown(object)) = decoded(&text) else {
            panic!("{:?}", decoded(&text));
        };
        let whole: Map<String, Value> = serde_json::from_str(&text).expect("JSON");
        assert_eq!(object, whole);
        agree::<NetworkServiceConfig>(&text);
    }

    #[test]
    fn nested_objects_before_the_tag_decode_as_objects() {
        // vlan_config, itself a union with its tag last, before `type`.
        let mut members = config();
        let vlan = members.pop().expect("vlan_config");
        members.insert(0, vlan);
        members[0].1 = r#"{"vlan": 7, "vlan_ethertype": "0x8100", "vlan_type": "dot1q"}"#;
        let text = object(&members);
        let Ok(NetworkServiceConfig::ExchangeLan(lan)) = decoded(&text) else {
            panic!("{:?}", decoded(&text));
        };
        assert!(
            matches!(lan.vlan_config, Some(VlanConfig::Dot1q(ref vlan)) if vlan.vlan.map(u32::from) == Some(7))
        );
        agree::<NetworkServiceConfig>(&text);
        // A repeated name inside a held object: the last one counts, as in
        // a `Value`.
        members[0].1 = r#"{"vlan": 7, "vlan_type": "port", "vlan": 9, "vlan_type": "dot1q"}"#;
        agree::<NetworkServiceConfig>(&object(&members));
    }

    /// Every member, before and after the tag, in turn replaced by values
    /// of every JSON kind: the same results, errors, positions and member
    /// paths as when held members were `Value`s.
    #[test]
    fn every_member_of_every_kind_decodes_and_fails_as_before() {
        let values = [
            "null",
            "true",
            "0",
            "7",
            "-3",
            "2.5",
            "1e400",
            r#""""#,
            r#""x\"y""#,
            r#""2026-12-07""#,
            "[]",
            r#"[1, "a", null, {"b": []}]"#,
            "{}",
            r#"{"vlan_type": "dot1q", "vlan": 7}"#,
            r#"{"a": 1, "a": 2}"#,
            r#"{"production": null}"#,
        ];
        type Order = fn(&mut Vec<(&str, &str)>);
        let orders: [Order; 3] = [|_| {}, |m| m.reverse(), |m| m.rotate_left(13)];
        let mut checked = 0;
        for order in orders {
            for at in 0..config().len() {
                for value in values {
                    let mut members = config();
                    members[at].1 = value;
                    order(&mut members);
                    agree::<NetworkServiceConfig>(&object(&members));
                    checked += 1;
                }
            }
        }
        for value in values {
            for (name, tag) in [("vlan", r#""dot1q""#), ("outer_vlan", r#""qinq""#)] {
                let text = object(&[(name, value), ("vlan_type", tag)]);
                agree::<VlanConfig>(&text);
                checked += 1;
            }
        }
        assert_eq!(checked, 3 * 14 * 16 + 16 * 2);
    }
}
