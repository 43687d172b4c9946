//! The values that prove who an API user is: the `api_key` and `api_secret`
//! they log in with, and the `access_token` and `refresh_token` IX-API hands
//! out for them.
//!
//! The generated models use these types in place of plain strings. Secrets
//! print as `***` in `Debug` and have no `Display`: reading one takes a
//! deliberate `expose()`. Key and secret check their IX-API lengths when
//! built, so a wrong one is reported before anything is sent.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use schemars::JsonSchema;
use schemars::r#gen::SchemaGenerator;
use schemars::schema::{InstanceType, Schema, SchemaObject, StringValidation};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::jwt;

/// A credential did not have the length IX-API requires. The message names
/// the field and both lengths, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} must be exactly {expected} characters long, not {actual}")]
pub struct CredentialLengthError {
    /// The IX-API field name: `api_key` or `api_secret`.
    pub field: &'static str,
    /// The length IX-API requires.
    pub expected: usize,
    /// The length supplied.
    pub actual: usize,
}

fn checked(field: &'static str, expected: usize, value: &str) -> Result<(), CredentialLengthError> {
    // IX-API's `minLength`/`maxLength` count characters, as JSON Schema does.
    let actual = value.chars().count();
    if actual == expected {
        Ok(())
    } else {
        Err(CredentialLengthError {
            field,
            expected,
            actual,
        })
    }
}

fn string_schema(exact_length: Option<u32>) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        string: exact_length.map(|n| {
            Box::new(StringValidation {
                min_length: Some(n),
                max_length: Some(n),
                pattern: None,
            })
        }),
        ..Default::default()
    }
    .into()
}

/// Defines a string-backed credential type. `exact_length` makes it
/// validated; `redacted` hides it from `Debug`.
macro_rules! credential {
    ($(#[$doc:meta])* $name:ident, field = $field:literal, redacted = $redacted:literal, exact_length = $len:expr) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            value: Arc<str>,
            // Only tokens expire; always `None` for the key and secret.
            #[allow(dead_code)]
            expires_at: Option<SystemTime>,
        }

        impl $name {
            /// The IX-API field this value travels in.
            pub const FIELD: &'static str = $field;
            const EXACT_LENGTH: Option<usize> = $len;

            /// The value itself, for putting on the wire. Handle with care.
            pub fn expose(&self) -> &str {
                &self.value
            }

            fn build(value: String, received: bool) -> Result<Self, CredentialLengthError> {
                match Self::EXACT_LENGTH {
                    Some(expected) => {
                        checked($field, expected, &value)?;
                        Ok(Self { value: value.into(), expires_at: None })
                    }
                    None => Ok(Self::token(value, received)),
                }
            }

            /// A token, with its expiry read from its claims.
            #[allow(dead_code)]
            fn token(value: String, received: bool) -> Self {
                let expires_at = jwt::expiry(&value)
                    .remaining(received)
                    .and_then(|left| SystemTime::now().checked_add(left));
                Self { value: value.into(), expires_at }
            }
        }

        // Equal values are equal tokens, whenever they were received.
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.value == other.value
            }
        }

        impl Eq for $name {}

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.value.hash(state);
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if $redacted {
                    write!(f, concat!(stringify!($name), "(***)"))
                } else {
                    f.debug_tuple(stringify!($name)).field(&&*self.value).finish()
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.value)
            }
        }

        /// Deserializing is receiving: a token's lifetime (`exp - iat`)
        /// counts from now.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Self::build(String::deserialize(deserializer)?, true).map_err(serde::de::Error::custom)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).to_string()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                string_schema(Self::EXACT_LENGTH.map(|n| n as u32))
            }
        }
    };
}

/// Builds a validated credential from text.
macro_rules! validated_from {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = CredentialLengthError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::build(value, false)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = CredentialLengthError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::build(value.to_string(), false)
            }
        }

        impl TryFrom<&String> for $name {
            type Error = CredentialLengthError;
            fn try_from(value: &String) -> Result<Self, Self::Error> {
                Self::build(value.clone(), false)
            }
        }
    };
}

/// Builds a token from text; IX-API puts no constraint on its form.
macro_rules! token_from {
    ($name:ident) => {
        impl $name {
            /// When the token expires, if it is a JWT with an `exp` claim.
            /// For a token received from IX-API this counts its lifetime
            /// (`exp - iat`) from receipt, so a wrong local clock does not
            /// shift it; for one built from text, it is `exp`.
            pub fn expires_at(&self) -> Option<SystemTime> {
                self.expires_at
            }
        }

        /// A token from text (saved earlier, say): its expiry is its `exp`.
        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::token(value, false)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::from(value.to_string())
            }
        }
    };
}

credential!(
    /// An API user's key: exactly 16 characters. It names the user and is
    /// not a secret, so `Debug` shows it.
    ApiKey, field = "api_key", redacted = false, exact_length = Some(16)
);
validated_from!(ApiKey);

credential!(
    /// An API user's secret: exactly 86 characters. Never shown by `Debug`.
    ApiSecret, field = "api_secret", redacted = true, exact_length = Some(86)
);
validated_from!(ApiSecret);

credential!(
    /// The short-lived token sent as `Authorization: Bearer <access_token>`.
    /// Never shown by `Debug`; cloning it is cheap.
    AccessToken, field = "access_token", redacted = true, exact_length = None
);
token_from!(AccessToken);

credential!(
    /// The longer-lived token that renews the pair at `POST /auth/refresh`.
    /// Never shown by `Debug`.
    RefreshToken, field = "refresh_token", redacted = true, exact_length = None
);
token_from!(RefreshToken);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked_and_errors_name_the_field_only() {
        let err = ApiSecret::try_from("s".repeat(85)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "api_secret must be exactly 86 characters long, not 85"
        );
        assert!(ApiSecret::try_from("s".repeat(86)).is_ok());
        let err = ApiKey::try_from("k".repeat(17)).unwrap_err();
        assert_eq!(err.field, "api_key");
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert!(ApiKey::try_from("ä".repeat(16)).is_ok());
    }

    #[test]
    fn secrets_are_redacted_and_keys_are_not() {
        let secret = ApiSecret::try_from("x".repeat(86)).unwrap();
        assert_eq!(format!("{secret:?}"), "ApiSecret(***)");
        assert_eq!(
            format!("{:?}", AccessToken::from("eyJ.a.b")),
            "AccessToken(***)"
        );
        assert_eq!(
            format!("{:?}", RefreshToken::from("eyJ.a.b")),
            "RefreshToken(***)"
        );
        let key = ApiKey::try_from("0123456789abcdef").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(\"0123456789abcdef\")");
    }

    #[test]
    fn deserializing_checks_lengths() {
        let err = serde_json::from_str::<ApiKey>("\"short\"").unwrap_err();
        assert!(
            err.to_string().contains("api_key must be exactly 16"),
            "{err}"
        );
        let token: AccessToken = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(token.expose(), "abc");
        assert_eq!(serde_json::to_string(&token).unwrap(), "\"abc\"");
    }
}
