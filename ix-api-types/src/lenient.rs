//! Values that exchanges write in more than one way, read either way and
//! written the one way the spec says.

use std::fmt;

#[cfg(feature = "schemars")]
use schemars::JsonSchema;
#[cfg(feature = "schemars")]
use schemars::r#gen::SchemaGenerator;
#[cfg(feature = "schemars")]
use schemars::schema::{InstanceType, Schema, SchemaObject};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Text that some exchanges write as a number: `GET /health`'s `version`
/// arrives as `"2"` or as `2`. Reads text, numbers and booleans; writes
/// text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct LenientText(pub String);

impl LenientText {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LenientText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for LenientText {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for LenientText {
    fn from(text: &str) -> Self {
        Self(text.to_string())
    }
}

impl Serialize for LenientText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LenientText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Text(String),
            Number(serde_json::Number),
            Flag(bool),
        }
        Ok(Self(match Written::deserialize(deserializer)? {
            Written::Text(text) => text,
            Written::Number(number) => number.to_string(),
            Written::Flag(flag) => flag.to_string(),
        }))
    }
}

#[cfg(feature = "schemars")]
impl JsonSchema for LenientText {
    fn schema_name() -> String {
        "LenientText".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_numbers_read_as_text_and_write_as_text() {
        for (written, read) in [
            (r#""2""#, "2"),
            ("2", "2"),
            ("2.7", "2.7"),
            ("true", "true"),
        ] {
            let text: LenientText = serde_json::from_str(written).unwrap();
            assert_eq!(text.as_str(), read);
            assert_eq!(serde_json::to_string(&text).unwrap(), format!("\"{read}\""));
        }
        assert!(serde_json::from_str::<LenientText>("[1]").is_err());
    }
}
