//! Decoding and encoding IX-API's polymorphic models (`NetworkService`,
//! `ProductOffering`, ...): the generated enums read the tag (`type`) first
//! and decode the variant it names straight from the rest of the object;
//! a tag this client does not know keeps the whole object as it came, so a
//! newer server's new types do not fail a list.
//!
//! The members before the tag are held as JSON values and replayed; the
//! tag usually comes early, so little is held. A held member that fails to
//! decode has no position of its own: the rest of the object is read
//! before the error goes up, so that serde_json's error points at the
//! object's end and the member path of a malformed answer names the
//! object (the stream stood just after the tag).

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

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
    fn decode<'de, D: Deserializer<'de>>(tag: String, rest: D) -> Result<Self, D::Error>;
}

/// The whole object of an unknown variant, its tag put back.
#[doc(hidden)]
pub fn unknown<'de, D: Deserializer<'de>>(
    tag_property: &str,
    tag: String,
    rest: D,
) -> Result<Map<String, Value>, D::Error> {
    let mut object = Map::<String, Value>::deserialize(rest)?;
    object.insert(tag_property.to_string(), Value::String(tag));
    Ok(object)
}

/// Decodes a union: the `Deserialize` of every generated union.
#[doc(hidden)]
pub fn deserialize<'de, U: Union, D: Deserializer<'de>>(deserializer: D) -> Result<U, D::Error> {
    deserializer.deserialize_map(UnionVisitor(PhantomData))
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

struct UnionVisitor<U>(PhantomData<U>);

impl<'de, U: Union> Visitor<'de> for UnionVisitor<U> {
    type Value = U;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} object with a `{}`", U::NAME, U::TAG)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<U, A::Error> {
        let mut before = Vec::new();
        let tag = loop {
            match map.next_key::<String>()? {
                None => break None,
                Some(key) if key == U::TAG => break Some(map.next_value::<String>()?),
                Some(key) => {
                    let value: Value = map.next_value()?;
                    before.push((key, value));
                }
            }
        };
        let Some(tag) = tag else {
            return Err(de::Error::missing_field(U::TAG));
        };
        let mut held_failed = false;
        let rest = Replay {
            before: before.into_iter(),
            pending: None,
            held_failed: &mut held_failed,
            map: &mut map,
        };
        let decoded = U::decode(tag, MapAccessDeserializer::new(rest));
        if decoded.is_err() && held_failed {
            // Never after a streamed member's error: the stream is then
            // mid-value, and that error has its position already. A
            // syntax error further on leaves the first error standing.
            while let Ok(Some(_)) = map.next_entry::<IgnoredAny, IgnoredAny>() {}
        }
        decoded
    }
}

/// The members read before the tag, then the rest of the object.
struct Replay<'a, A> {
    before: std::vec::IntoIter<(String, Value)>,
    pending: Option<Value>,
    /// Set when a held member failed to decode.
    held_failed: &'a mut bool,
    map: &'a mut A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.before.next() {
            Some((key, value)) => {
                self.pending = Some(value);
                seed.deserialize(key.into_deserializer()).map(Some)
            }
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(value) => seed.deserialize(value).map_err(|error| {
                *self.held_failed = true;
                de::Error::custom(error)
            }),
            None => self.map.next_value_seed(seed),
        }
    }
}
