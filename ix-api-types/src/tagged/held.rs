//! A member of a polymorphic object read before its tag, held until the
//! tag names the type to decode it into. Strings and member names are
//! borrowed from the input where the deserializer lends them (serde_json
//! over bytes or text, as every answer is read); the rest is held the way
//! serde_json's `Value` holds it (nested objects ordered by name, the last
//! of a repeated name kept) and replayed the way a `Value` replays, so a
//! held member decodes, and fails, with the same results and messages.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};

/// A member's name, borrowed from the input when it can be.
pub(super) enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    pub(super) fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(key) => key,
            Key::Owned(key) => key,
        }
    }
}

impl<'de> Key<'de> {
    /// Hands the name to `seed` (a field identifier, a map's key).
    pub(super) fn give<S: DeserializeSeed<'de>, E: de::Error>(
        self,
        seed: S,
    ) -> Result<S::Value, E> {
        match self {
            Key::Borrowed(key) => seed.deserialize(BorrowedStrDeserializer::new(key)),
            Key::Owned(key) => seed.deserialize(StringDeserializer::new(key)),
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(key))
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(key.to_string()))
            }
            fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(key))
            }
        }
        deserializer.deserialize_string(KeyVisitor)
    }
}

/// A held JSON value.
#[derive(Debug, PartialEq)]
pub(super) enum Held<'de> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(&'de str),
    String(String),
    Seq(Vec<Held<'de>>),
    Map(Vec<(Key<'de>, Held<'de>)>),
}

impl fmt::Debug for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Held<'_> {
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Held::Null => Unexpected::Unit,
            Held::Bool(b) => Unexpected::Bool(*b),
            Held::U64(n) => Unexpected::Unsigned(*n),
            Held::I64(n) => Unexpected::Signed(*n),
            Held::F64(n) => Unexpected::Float(*n),
            Held::Str(s) => Unexpected::Str(s),
            Held::String(s) => Unexpected::Str(s),
            Held::Seq(_) => Unexpected::Seq,
            Held::Map(_) => Unexpected::Map,
        }
    }

    fn invalid_type<E: de::Error>(&self, expected: &dyn de::Expected) -> E {
        E::invalid_type(self.unexpected(), expected)
    }
}

impl<'de> Deserialize<'de> for Held<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(HeldVisitor)
    }
}

struct HeldVisitor;

impl<'de> Visitor<'de> for HeldVisitor {
    type Value = Held<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Held<'de>, E> {
        Ok(Held::Bool(v))
    }

    // As `Value` holds numbers: a non-negative integer is unsigned.
    fn visit_i64<E>(self, v: i64) -> Result<Held<'de>, E> {
        Ok(if v < 0 {
            Held::I64(v)
        } else {
            Held::U64(v as u64)
        })
    }

    fn visit_u64<E>(self, v: u64) -> Result<Held<'de>, E> {
        Ok(Held::U64(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Held<'de>, E> {
        Ok(if v.is_finite() {
            Held::F64(v)
        } else {
            Held::Null
        })
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Held<'de>, E> {
        Ok(Held::Str(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Held<'de>, E> {
        Ok(Held::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Held<'de>, E> {
        Ok(Held::String(v))
    }

    fn visit_unit<E>(self) -> Result<Held<'de>, E> {
        Ok(Held::Null)
    }

    fn visit_none<E>(self) -> Result<Held<'de>, E> {
        Ok(Held::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, value: D) -> Result<Held<'de>, D::Error> {
        Held::deserialize(value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Held<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Held::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Held<'de>, A::Error> {
        let mut members: Vec<(Key<'de>, Held<'de>)> = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            members.push((key, map.next_value()?));
        }
        // As a `Value`'s object: by name, the last of a repeated name kept
        // (the sort is stable, so the last stays last among its equals).
        // Written by name already, as most servers write them, it is kept.
        if members.is_sorted_by(|(a, _), (b, _)| a.as_str() < b.as_str()) {
            return Ok(Held::Map(members));
        }
        members.sort_by(|(a, _), (b, _)| a.as_str().cmp(b.as_str()));
        let mut object: Vec<(Key<'de>, Held<'de>)> = Vec::with_capacity(members.len());
        for member in members {
            match object.last_mut() {
                Some(last) if last.0.as_str() == member.0.as_str() => *last = member,
                _ => object.push(member),
            }
        }
        Ok(Held::Map(object))
    }
}

/// A held value as a deserializer whose errors are `E`: what the variant
/// decodes a held member from.
pub(super) struct Replayed<'de, E>(Held<'de>, PhantomData<E>);

impl<'de, E: de::Error> IntoDeserializer<'de, E> for Held<'de> {
    type Deserializer = Replayed<'de, E>;

    fn into_deserializer(self) -> Replayed<'de, E> {
        Replayed(self, PhantomData)
    }
}

fn replay_seq<'de, V: Visitor<'de>, E: de::Error>(
    items: Vec<Held<'de>>,
    visitor: V,
) -> Result<V::Value, E> {
    let len = items.len();
    let mut seq = Items(items.into_iter(), PhantomData);
    let value = visitor.visit_seq(&mut seq)?;
    match seq.0.len() {
        0 => Ok(value),
        _ => Err(E::invalid_length(len, &"fewer elements in array")),
    }
}

fn replay_map<'de, V: Visitor<'de>, E: de::Error>(
    members: Vec<(Key<'de>, Held<'de>)>,
    visitor: V,
) -> Result<V::Value, E> {
    let len = members.len();
    let mut map = Members {
        members: members.into_iter(),
        pending: None,
        marker: PhantomData,
    };
    let value = visitor.visit_map(&mut map)?;
    match map.members.len() {
        0 => Ok(value),
        _ => Err(E::invalid_length(len, &"fewer elements in map")),
    }
}

impl<'de, E: de::Error> Deserializer<'de> for Replayed<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.0 {
            Held::Null => visitor.visit_unit(),
            Held::Bool(v) => visitor.visit_bool(v),
            Held::U64(v) => visitor.visit_u64(v),
            Held::I64(v) => visitor.visit_i64(v),
            Held::F64(v) => visitor.visit_f64(v),
            Held::Str(v) => visitor.visit_borrowed_str(v),
            Held::String(v) => visitor.visit_string(v),
            Held::Seq(items) => replay_seq(items, visitor),
            Held::Map(members) => replay_map(members, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.0 {
            Held::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.0 {
            Held::Null => visitor.visit_unit(),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.0 {
            Held::Str(v) => visitor.visit_borrowed_str(v),
            Held::String(v) => visitor.visit_string(v),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        self.deserialize_string(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        let (variant, value) = match self.0 {
            Held::Map(members) => {
                let mut members = members.into_iter();
                match (members.next(), members.next()) {
                    (Some((variant, value)), None) => (variant, Some(value)),
                    _ => return Err(E::invalid_value(Unexpected::Map, &"map with a single key")),
                }
            }
            Held::Str(variant) => (Key::Borrowed(variant), None),
            Held::String(variant) => (Key::Owned(variant), None),
            other => return Err(other.invalid_type(&"string or map")),
        };
        visitor.visit_enum(Variant {
            variant,
            value,
            marker: PhantomData,
        })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        seq tuple tuple_struct map struct
    }
}

struct Items<'de, E>(std::vec::IntoIter<Held<'de>>, PhantomData<E>);

impl<'de, E: de::Error> SeqAccess<'de> for Items<'de, E> {
    type Error = E;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, E> {
        self.0
            .next()
            .map(|item| seed.deserialize(item.into_deserializer()))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// A held object's members, replayed.
struct Members<'de, E> {
    members: std::vec::IntoIter<(Key<'de>, Held<'de>)>,
    pending: Option<Held<'de>>,
    marker: PhantomData<E>,
}

impl<'de, E: de::Error> MapAccess<'de> for Members<'de, E> {
    type Error = E;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, E> {
        match self.members.next() {
            Some((key, value)) => {
                self.pending = Some(value);
                key.give(seed).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, E> {
        match self.pending.take() {
            Some(value) => seed.deserialize(value.into_deserializer()),
            None => Err(E::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}

/// An enum held as its variant's name and, in a map, its content.
struct Variant<'de, E> {
    variant: Key<'de>,
    value: Option<Held<'de>>,
    marker: PhantomData<E>,
}

impl<'de, E: de::Error> EnumAccess<'de> for Variant<'de, E> {
    type Error = E;
    type Variant = Content<'de, E>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), E> {
        let content = Content(self.value, PhantomData);
        self.variant.give(seed).map(|variant| (variant, content))
    }
}

struct Content<'de, E>(Option<Held<'de>>, PhantomData<E>);

impl<'de, E: de::Error> VariantAccess<'de> for Content<'de, E> {
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        match self.0 {
            Some(value) => <()>::deserialize(value.into_deserializer()),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, E> {
        match self.0 {
            Some(value) => seed.deserialize(value.into_deserializer()),
            None => Err(E::invalid_type(Unexpected::UnitVariant, &"newtype variant")),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, E> {
        match self.0 {
            Some(Held::Seq(items)) if items.is_empty() => visitor.visit_unit(),
            Some(Held::Seq(items)) => replay_seq(items, visitor),
            Some(other) => Err(other.invalid_type(&"tuple variant")),
            None => Err(E::invalid_type(Unexpected::UnitVariant, &"tuple variant")),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.0 {
            Some(Held::Map(members)) => replay_map(members, visitor),
            Some(other) => Err(other.invalid_type(&"struct variant")),
            None => Err(E::invalid_type(Unexpected::UnitVariant, &"struct variant")),
        }
    }
}
