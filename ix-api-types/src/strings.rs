//! How the generated string models decode (`cargo xtask codegen` makes
//! their `Deserialize` call these): a constrained string is parsed while
//! serde reads it, an open string enum takes its known names and keeps any
//! other. Both fail inside the read, so serde_json's error points at the
//! value and the member path of a malformed answer names its member.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::Deserializer;
use serde::de::{self, Visitor};

/// A constrained string (`ContactExternalRef`: a length, a pattern): the
/// text, checked by the model's `FromStr`, copied once.
pub(crate) fn parsed<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: FromStr,
    T::Err: fmt::Display,
    D: Deserializer<'de>,
{
    deserializer.deserialize_str(Parsed(PhantomData))
}

struct Parsed<T>(PhantomData<T>);

impl<T> Visitor<'_> for Parsed<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // What `String`'s own visitor says: the same messages as before.
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }
}

/// An open string enum (`AccountState`): a name its `FromStr` knows, or
/// any other string as `unknown` (a newer server's value, kept as it
/// came).
pub(crate) fn open<'de, T, D>(
    deserializer: D,
    name: &'static str,
    unknown: fn(String) -> T,
) -> Result<T, D::Error>
where
    T: FromStr,
    D: Deserializer<'de>,
{
    deserializer.deserialize_str(Open { name, unknown })
}

struct Open<T> {
    name: &'static str,
    unknown: fn(String) -> T,
}

impl<T: FromStr> Visitor<'_> for Open<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string for {}", self.name)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        Ok(text
            .parse()
            .unwrap_or_else(|_| (self.unknown)(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<T, E> {
        Ok(match text.parse() {
            Ok(known) => known,
            Err(_) => (self.unknown)(text),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::types::{AccountState, ContactExternalRef};

    #[test]
    fn constrained_strings_keep_their_checks_and_messages() {
        let fits: ContactExternalRef = serde_json::from_str(r#""IX:Contact:1""#).unwrap();
        assert_eq!(&*fits, "IX:Contact:1");
        // Escaped text is read as the text.
        let escaped: ContactExternalRef = serde_json::from_str(r#""a\"b""#).unwrap();
        assert_eq!(&*escaped, "a\"b");
        let too_long = format!("\"{}\"", "x".repeat(129));
        let error = serde_json::from_str::<ContactExternalRef>(&too_long).unwrap_err();
        assert_eq!(
            error.to_string(),
            "longer than 128 characters at line 1 column 131"
        );
        let error = serde_json::from_str::<ContactExternalRef>("7").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid type: integer `7`, expected a string at line 1 column 1"
        );
        // From a value (a polymorphic model's held member), too.
        let held = serde_json::json!("x".repeat(129));
        assert!(serde_json::from_value::<ContactExternalRef>(held).is_err());
    }

    #[test]
    fn open_enums_keep_known_and_unknown_names() {
        let known: AccountState = serde_json::from_str(r#""production""#).unwrap();
        assert_eq!(known, AccountState::Production);
        let unknown: AccountState = serde_json::from_str(r#""paused""#).unwrap();
        assert_eq!(unknown, AccountState::Unknown("paused".into()));
        let held: AccountState = serde_json::from_value(serde_json::json!("paused")).unwrap();
        assert_eq!(held, AccountState::Unknown("paused".into()));
        assert_eq!(serde_json::to_string(&unknown).unwrap(), r#""paused""#);
        let error = serde_json::from_str::<AccountState>(r#"{"x": 1}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid type: map, expected a string for AccountState at line 1 column 0"
        );
    }
}
