//! How the generated object models decode (`cargo xtask codegen` gives
//! each struct a `Deserialize` that calls [`deserialize`] and a
//! [`Record::visit`] that fills one slot per member): what serde's derive
//! does, with the same results, errors and messages, but with the member
//! lookup, the duplicate and missing checks and the array form written
//! once here instead of once per model: the derive was more than half of
//! what a build compiled for the models.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserializer;
use serde::de::{
    self, DeserializeSeed, Expected, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

/// A generated object model.
pub(crate) trait Record: Sized {
    /// The model's name, as serde's messages give it (`struct Contact`).
    const NAME: &'static str;
    /// Its members' names in JSON, in the order of its fields.
    const MEMBERS: &'static [&'static str];
    /// The indexes of its `#[serde(default)]` members (`Option`s).
    const DEFAULTED: &'static [usize] = &[];

    /// The model from the members of `map`, whose keys [`next`] reads.
    fn visit<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// A model from an object, or from an array of its members in order (as
/// serde's derive also accepts).
pub(crate) fn deserialize<'de, T: Record, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_struct(T::NAME, T::MEMBERS, Members(PhantomData))
}

/// The next member's index in `members` (`members.len()` for a member
/// the model does not have), or `None` after the last member.
///
/// The name is looked for from `expected` on (then from the start), and
/// `expected` moves past a member found: a server that writes members in
/// the model's order (by name, as both sort them) is answered by the
/// first comparison instead of half the model's.
pub(crate) fn next<'de, A: MapAccess<'de>>(
    map: &mut A,
    members: &'static [&'static str],
    expected: &mut usize,
) -> Result<Option<usize>, A::Error> {
    let index = map.next_key_seed(Key {
        members,
        from: *expected,
    })?;
    if let Some(index) = index.filter(|&index| index < members.len()) {
        *expected = index + 1;
    }
    Ok(index)
}

/// The member's value into its slot; a second value is an error, as in
/// serde's derive.
pub(crate) fn put<'de, T: de::Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// A member the model does not have: read and dropped.
pub(crate) fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(drop)
}

/// The error for the first required member missing (`missing` lists
/// each required member: whether it is, and its name), as serde's derive
/// reports it. A required nullable member may be `null`, not missing.
pub(crate) fn missing<E: de::Error>(missing: &[(bool, &'static str)]) -> E {
    let name = missing
        .iter()
        .find_map(|&(is, name)| is.then_some(name))
        .unwrap_or_default();
    E::missing_field(name)
}

struct Members<T>(PhantomData<T>);

impl<'de, T: Record> Visitor<'de> for Members<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::visit(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::visit(InOrder {
            seq,
            next: 0,
            name: T::NAME,
            members: T::MEMBERS.len(),
            defaulted: T::DEFAULTED,
        })
    }
}

/// A member's name (or, as serde's derive takes it, its index) as its
/// index in the model's members, looked for from `from` on first.
struct Key {
    members: &'static [&'static str],
    from: usize,
}

impl<'de> DeserializeSeed<'de> for Key {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Key {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<usize, E> {
        Ok(usize::try_from(index)
            .ok()
            .filter(|&i| i < self.members.len())
            .unwrap_or(self.members.len()))
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        self.visit_bytes(name.as_bytes())
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<usize, E> {
        let (before, after) = self.members.split_at(self.from.min(self.members.len()));
        let is = |member: &&str| member.as_bytes() == name;
        Ok(match after.iter().position(is) {
            Some(index) => before.len() + index,
            None => before.iter().position(is).unwrap_or(self.members.len()),
        })
    }
}

/// An array read as the model's members in order: serde's derive takes
/// `[a, b]` for `{"first": a, "second": b}`, and says the same when the
/// array is short (where a defaulted member is missing, it is `None`).
struct InOrder<A> {
    seq: A,
    next: usize,
    name: &'static str,
    members: usize,
    defaulted: &'static [usize],
}

impl<'de, A: SeqAccess<'de>> MapAccess<'de> for InOrder<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if self.next == self.members {
            return Ok(None);
        }
        self.next += 1;
        let index: de::value::U64Deserializer<A::Error> =
            (self.next as u64 - 1).into_deserializer();
        seed.deserialize(index).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        let index = self.next - 1;
        let mut seed = Some(seed);
        if let Some(value) = self.seq.next_element_seed(Lent(&mut seed))? {
            return Ok(value);
        }
        match seed {
            Some(seed) if self.defaulted.contains(&index) => {
                seed.deserialize(().into_deserializer())
            }
            _ => Err(de::Error::invalid_length(index, self)),
        }
    }
}

/// A seed lent to an array's next element: still there if the array
/// ended.
struct Lent<'s, V>(&'s mut Option<V>);

impl<'de, V: DeserializeSeed<'de>> DeserializeSeed<'de> for Lent<'_, V> {
    type Value = V::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        match self.0.take() {
            Some(seed) => seed.deserialize(deserializer),
            None => Err(de::Error::custom("an element read twice")),
        }
    }
}

impl<A> Expected for InOrder<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.members {
            1 => write!(f, "struct {} with 1 element", self.name),
            n => write!(f, "struct {} with {n} elements", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    //! serde's derive is the oracle: a generated model and a derived copy
    //! of it decode every document to the same value or the same error.

    use super::*;

    /// The generated `Contact` and serde's derive of the same members.
    mod derived {
        use crate::types::{ContactEmail, ContactExternalRef, ContactName, ContactTelephone};

        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)] // read through `Debug`
        pub struct Contact {
            pub consuming_account: String,
            pub email: Option<ContactEmail>,
            pub external_ref: Option<ContactExternalRef>,
            pub id: String,
            pub managing_account: String,
            pub name: Option<ContactName>,
            pub telephone: Option<ContactTelephone>,
        }

        /// What the generator does with `rename`, `default` and a
        /// required nullable member, derived.
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        pub struct Odd {
            #[serde(rename = "type")]
            pub kind: String,
            #[serde(default)]
            pub vlan: Option<u32>,
            #[serde(deserialize_with = "::std::option::Option::deserialize")]
            pub pop: Option<String>,
        }
    }

    /// `derived::Odd` as the generator writes it.
    #[derive(Debug)]
    #[allow(dead_code)]
    struct Odd {
        kind: String,
        vlan: Option<u32>,
        pop: Option<String>,
    }

    impl<'de> serde::Deserialize<'de> for Odd {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer)
        }
    }

    impl Record for Odd {
        const NAME: &'static str = "Odd";
        const MEMBERS: &'static [&'static str] = &["type", "vlan", "pop"];
        const DEFAULTED: &'static [usize] = &[1];
        fn visit<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut m0: Option<String> = None;
            let mut m1: Option<Option<u32>> = None;
            let mut m2: Option<Option<String>> = None;
            let mut expected = 0;
            while let Some(index) = next(&mut map, Self::MEMBERS, &mut expected)? {
                match index {
                    0 => put(&mut m0, "type", &mut map),
                    1 => put(&mut m1, "vlan", &mut map),
                    2 => put(&mut m2, "pop", &mut map),
                    _ => skip(&mut map),
                }?;
            }
            match (m0, m2) {
                (Some(m0), Some(m2)) => Ok(Self {
                    kind: m0,
                    vlan: m1.unwrap_or_default(),
                    pop: m2,
                }),
                (m0, m2) => Err(missing(&[(m0.is_none(), "type"), (m2.is_none(), "pop")])),
            }
        }
    }

    /// Both decodes of `text`, as text (the same type name prints the
    /// same).
    fn both<G, S>(text: &str) -> (String, String)
    where
        G: serde::de::DeserializeOwned + fmt::Debug,
        S: serde::de::DeserializeOwned + fmt::Debug,
    {
        let show = |r: Result<String, serde_json::Error>| match r {
            Ok(value) => value,
            Err(e) => format!("error: {e}"),
        };
        let generated = show(serde_json::from_str::<G>(text).map(|v| format!("{v:?}")));
        let derived = show(serde_json::from_str::<S>(text).map(|v| format!("{v:?}")));
        // From a value too (a polymorphic model's held members).
        let value = serde_json::from_str::<serde_json::Value>(text);
        if let Ok(value) = value {
            let g = serde_json::from_value::<G>(value.clone()).map(|v| format!("{v:?}"));
            let s = serde_json::from_value::<S>(value).map(|v| format!("{v:?}"));
            assert_eq!(show(g), show(s), "from a value: {text}");
        }
        (generated, derived)
    }

    const CONTACTS: &[&str] = &[
        r#"{"consuming_account": "a", "id": "c", "managing_account": "m"}"#,
        r#"{"consuming_account": "a", "id": "c", "managing_account": "m", "email": "x@y", "name": null, "new": [1, {"b": 2}]}"#,
        r#"{"consuming_account": "a", "managing_account": "m"}"#,
        r#"{"id": "c"}"#,
        r#"{}"#,
        r#"{"consuming_account": "a", "id": "c", "id": "d", "managing_account": "m"}"#,
        r#"{"consuming_account": "a", "id": 7, "managing_account": "m"}"#,
        r#"{"consuming_account": "a", "id": "c", "managing_account": "m", "name": 7}"#,
        "{\"consuming_account\": \"a\",\n \"id\": \"c\", \"managing_account\": \"m\", \"external_ref\": \"x\",\n \"name\": [1]}",
        r#"{"consuming_account": "a", "id": "c", "managing_account": "m", "email": "x"#,
        r#"{"consuming\u005faccount": "a", "id": "c", "managing_account": "m"}"#,
        r#"["a", "e@x", null, "c", "m", null, null]"#,
        r#"["a", "e@x", null, "c", "m", null]"#,
        r#"["a", "e@x", null, "c", "m", null, null, 1]"#,
        r#"[]"#,
        r#"null"#,
        r#""text""#,
        r#"7"#,
    ];

    #[test]
    fn models_decode_as_serde_derives_them() {
        for text in CONTACTS {
            let (generated, derived) = both::<crate::types::Contact, derived::Contact>(text);
            assert_eq!(generated, derived, "{text}");
        }
    }

    /// The member lookup starts where the last member was found: any
    /// order, an unknown member and a repeated one still decode (and fail)
    /// as the derive's.
    #[test]
    fn members_in_any_order_decode_as_serde_derives_them() {
        let members = [
            r#""consuming_account": "a""#,
            r#""email": "e@x""#,
            r#""id": "c""#,
            r#""managing_account": "m""#,
            r#""name": null"#,
            r#""novel": [1]"#,
            r#""external_ref": "x""#,
        ];
        let mut checked = 0;
        for repeated in [None, Some(r#""id": "d""#), Some(r#""email": "f""#)] {
            let mut members: Vec<&str> = members.iter().copied().chain(repeated).collect();
            for reversed in [false, true] {
                if reversed {
                    members.reverse();
                }
                for _ in 0..members.len() {
                    members.rotate_left(1);
                    let text = format!("{{{}}}", members.join(", "));
                    let (generated, derived) =
                        both::<crate::types::Contact, derived::Contact>(&text);
                    assert_eq!(generated, derived, "{text}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 2 * (7 + 8 + 8));
    }

    #[test]
    fn renamed_defaulted_and_required_nullable_members_too() {
        for text in [
            r#"{"type": "t", "pop": null}"#,
            r#"{"type": "t", "vlan": 3, "pop": "p"}"#,
            r#"{"type": "t", "vlan": null, "pop": null}"#,
            r#"{"type": "t"}"#,
            r#"{"kind": "t", "pop": null}"#,
            r#"{"pop": null}"#,
            r#"{"type": "t", "pop": null, "pop": null}"#,
            r#"{"type": "t", "pop": 1}"#,
            r#"["t", 3, "p"]"#,
            r#"["t", 3]"#,
            r#"["t"]"#,
        ] {
            let (generated, derived) = both::<Odd, derived::Odd>(text);
            assert_eq!(
                generated.replace("Odd", ""),
                derived.replace("Odd", ""),
                "{text}"
            );
        }
    }
}
