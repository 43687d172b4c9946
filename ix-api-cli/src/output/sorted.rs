//! Compact JSON with every object's members in key order: the bytes
//! `serde_json::to_value` then `to_string` print (a `Value`'s objects are
//! sorted maps), written straight from the typed answer without building
//! the `Value` tree, which cost a list of 10,000 contacts three times its
//! printing. Members are written as they come and only an object whose
//! members came out of order (a union's tag first) is rearranged in place;
//! of a member given twice the last is kept, as a map keeps it.

use std::io::{self, Write};
use std::ops::Range;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};

/// `value` as `serde_json::to_string(&serde_json::to_value(value)?)`
/// prints it, appended to `out`.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> serde_json::Result<()> {
    let mut sorted = Sorted {
        out,
        objects: Vec::new(),
        key: None,
    };
    value.serialize(&mut serde_json::Serializer::with_formatter(
        io::sink(),
        &mut sorted,
    ))
}

/// Writes into `out`; the serializer's own writer is a sink.
struct Sorted<'a> {
    out: &'a mut Vec<u8>,
    /// The members of each object open, innermost last.
    objects: Vec<Vec<Member>>,
    /// The key being written, unescaped.
    key: Option<Vec<u8>>,
}

struct Member {
    key: Vec<u8>,
    /// The member's bytes in `out`, from its key's quote to its value's end.
    bytes: Range<usize>,
}

impl Sorted<'_> {
    fn key_text(&mut self, text: &[u8]) {
        if let Some(key) = &mut self.key {
            key.extend_from_slice(text);
        }
    }
}

/// The number writers: written as the compact formatter writes them, and
/// kept as a key's text when a map's keys are numbers.
macro_rules! numbers {
    ($($method:ident: $type:ty),* $(,)?) => {$(
        fn $method<W: ?Sized + Write>(&mut self, _: &mut W, value: $type) -> io::Result<()> {
            let start = self.out.len();
            CompactFormatter.$method(self.out, value)?;
            let end = self.out.len();
            if let Some(key) = &mut self.key {
                key.extend_from_slice(&self.out[start..end]);
            }
            Ok(())
        }
    )*};
}

impl Formatter for &mut Sorted<'_> {
    numbers!(
        write_i8: i8, write_i16: i16, write_i32: i32, write_i64: i64, write_i128: i128,
        write_u8: u8, write_u16: u16, write_u32: u32, write_u64: u64, write_u128: u128,
        write_f32: f32, write_f64: f64, write_bool: bool,
    );

    fn write_null<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.out.write_all(b"null")
    }

    fn write_number_str<W: ?Sized + Write>(&mut self, _: &mut W, value: &str) -> io::Result<()> {
        self.key_text(value.as_bytes());
        self.out.write_all(value.as_bytes())
    }

    fn begin_string<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.out.write_all(b"\"")
    }

    fn end_string<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.out.write_all(b"\"")
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        _: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        self.key_text(fragment.as_bytes());
        self.out.write_all(fragment.as_bytes())
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        _: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let start = self.out.len();
        CompactFormatter.write_char_escape(self.out, escape)?;
        if self.key.is_some() {
            // The key's text is what the escape stands for.
            let escaped = String::from_utf8_lossy(&self.out[start..]).into_owned();
            let text: String = serde_json::from_str(&format!("\"{escaped}\""))?;
            self.key_text(text.as_bytes());
        }
        Ok(())
    }

    fn write_byte_array<W: ?Sized + Write>(&mut self, _: &mut W, value: &[u8]) -> io::Result<()> {
        CompactFormatter.write_byte_array(self.out, value)
    }

    fn begin_array<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.out.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.out.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, _: &mut W, first: bool) -> io::Result<()> {
        if !first {
            self.out.write_all(b",")?;
        }
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.objects.push(Vec::new());
        self.out.write_all(b"{")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, _: &mut W, first: bool) -> io::Result<()> {
        if !first {
            self.out.write_all(b",")?;
        }
        let start = self.out.len();
        if let Some(members) = self.objects.last_mut() {
            members.push(Member {
                key: Vec::new(),
                bytes: start..start,
            });
        }
        self.key = Some(Vec::new());
        Ok(())
    }

    fn end_object_key<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        let key = self.key.take().unwrap_or_default();
        if let Some(member) = self.objects.last_mut().and_then(|m| m.last_mut()) {
            member.key = key;
        }
        Ok(())
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.out.write_all(b":")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        let end = self.out.len();
        if let Some(member) = self.objects.last_mut().and_then(|m| m.last_mut()) {
            member.bytes.end = end;
        }
        Ok(())
    }

    fn end_object<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        let members = self.objects.pop().unwrap_or_default();
        if !members.windows(2).all(|pair| pair[0].key < pair[1].key) {
            rearrange(self.out, members);
        }
        self.out.write_all(b"}")
    }

    fn write_raw_fragment<W: ?Sized + Write>(&mut self, w: &mut W, raw: &str) -> io::Result<()> {
        // Written as it is, as a string's text is (never inside a key).
        self.write_string_fragment(w, raw)
    }
}

/// Rewrites an object's members (the end of `out`) in key order, the last
/// of equal keys kept.
fn rearrange(out: &mut Vec<u8>, mut members: Vec<Member>) {
    let Some(start) = members.first().map(|m| m.bytes.start) else {
        return;
    };
    // Stable: of equal keys the last given stays last, and is kept.
    members.sort_by(|a, b| a.key.cmp(&b.key));
    let mut written = Vec::with_capacity(out.len() - start);
    for (at, member) in members.iter().enumerate() {
        if members
            .get(at + 1)
            .is_some_and(|next| next.key == member.key)
        {
            continue;
        }
        if !written.is_empty() {
            written.push(b',');
        }
        written.extend_from_slice(&out[member.bytes.clone()]);
    }
    out.truncate(start);
    out.extend_from_slice(&written);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn as_value_prints<T: Serialize>(value: &T) -> String {
        serde_json::to_string(&serde_json::to_value(value).unwrap()).unwrap()
    }

    fn sorted<T: Serialize>(value: &T) -> String {
        let mut out = Vec::new();
        write(&mut out, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[derive(Serialize)]
    #[serde(tag = "type")]
    enum Union {
        #[serde(rename = "exchange_lan")]
        ExchangeLan {
            id: String,
            name: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            vlan: Option<u16>,
            zeta: Vec<Inner>,
        },
    }

    #[derive(Serialize)]
    struct Inner {
        z: f64,
        a: std::collections::HashMap<i32, &'static str>,
        #[serde(flatten)]
        extra: serde_json::Map<String, serde_json::Value>,
    }

    #[test]
    fn prints_what_a_value_prints() {
        let mut extra = serde_json::Map::new();
        extra.insert(
            "b\"\u{1}\\é".into(),
            json!({"y": [1.5, null, -0.0], "x": true}),
        );
        extra.insert("a".into(), json!("flattened over the field"));
        let union = vec![Union::ExchangeLan {
            id: "1".into(),
            name: None,
            vlan: Some(100),
            zeta: vec![Inner {
                z: f64::NAN,
                a: [(10, "ten"), (9, "nine")].into(),
                extra,
            }],
        }];
        assert_eq!(sorted(&union), as_value_prints(&union));
        assert!(sorted(&union).starts_with(r#"[{"id":"1","name":null,"type":"exchange_lan""#));
        for value in [
            json!(null),
            json!("\u{7f}\n"),
            json!([]),
            json!({}),
            json!({"b": {}, "a": [{}, {"d": 1, "c": 2}], "\t": u64::MAX, "": i64::MIN}),
        ] {
            assert_eq!(sorted(&value), as_value_prints(&value));
        }
    }

    #[test]
    fn keys_with_escapes_sort_by_their_text() {
        // `"` (0x22) sorts before `#` (0x23), though its escape starts with `\`.
        let mut map = serde_json::Map::new();
        for key in ["#", "\"", "\u{1f}", " "] {
            map.insert(key.into(), json!(key));
        }
        let value = serde_json::Value::Object(map);
        #[derive(Serialize)]
        struct Unsorted<'a> {
            #[serde(rename = "#")]
            hash: &'a str,
            #[serde(rename = "\"")]
            quote: &'a str,
            #[serde(rename = "\u{1f}")]
            control: &'a str,
            #[serde(rename = " ")]
            space: &'a str,
        }
        let unsorted = Unsorted {
            hash: "#",
            quote: "\"",
            control: "\u{1f}",
            space: " ",
        };
        assert_eq!(sorted(&unsorted), as_value_prints(&value));
    }
}
