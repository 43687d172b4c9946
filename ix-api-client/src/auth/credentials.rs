//! The values that prove who an API user is: the `api_key` and `api_secret`
//! they log in with, and the `access_token` and `refresh_token` IX-API hands
//! out for them.
//!
//! The generated models use these types in place of plain strings. Secrets
//! print as `***` in `Debug` and have no `Display`: reading one takes a
//! deliberate `expose()`. Each type enforces the constraints the spec puts
//! on its field ([`spec::constraints`](crate::spec::constraints)): key and
//! secret when built, tokens when read from IX-API's answers, so a wrong
//! one is reported before anything is sent.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

#[cfg(feature = "schemars")]
use schemars::JsonSchema;
#[cfg(feature = "schemars")]
use schemars::r#gen::SchemaGenerator;
#[cfg(feature = "schemars")]
use schemars::schema::{InstanceType, Schema, SchemaObject, StringValidation};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::auth::validity::{Obtained, validity};
use crate::generated::spec::{StringConstraints, constraints};

/// A credential's length is outside what the spec allows. The message
/// names the field and the lengths, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} must be {} characters long, not {actual}", allowed(.min_length, .max_length))]
pub struct CredentialLengthError {
    /// The IX-API field name, e.g. `api_key`.
    pub field: &'static str,
    /// The spec's `minLength`.
    pub min_length: Option<usize>,
    /// The spec's `maxLength`.
    pub max_length: Option<usize>,
    /// The length supplied, in characters.
    pub actual: usize,
}

fn allowed(min: &Option<usize>, max: &Option<usize>) -> String {
    match (min, max) {
        (Some(min), Some(max)) if min == max => format!("exactly {min}"),
        (Some(min), Some(max)) => format!("{min} to {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => "any number of".into(),
    }
}

impl StringConstraints {
    /// Whether a string of `length` characters satisfies these.
    pub fn allows_length(&self, length: usize) -> bool {
        self.min_length.is_none_or(|min| length >= min)
            && self.max_length.is_none_or(|max| length <= max)
    }

    /// Checks `value`, the content of `field`. Lengths count characters, as
    /// JSON Schema does.
    pub fn check(&self, field: &'static str, value: &str) -> Result<(), CredentialLengthError> {
        let actual = value.chars().count();
        if self.allows_length(actual) {
            Ok(())
        } else {
            Err(CredentialLengthError {
                field,
                min_length: self.min_length,
                max_length: self.max_length,
                actual,
            })
        }
    }

    #[cfg(feature = "schemars")]
    fn json_schema(&self) -> Schema {
        let limit = |n: Option<usize>| n.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        let string = (self.min_length.is_some() || self.max_length.is_some()).then(|| {
            Box::new(StringValidation {
                min_length: limit(self.min_length),
                max_length: limit(self.max_length),
                pattern: None,
            })
        });
        SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            string,
            ..Default::default()
        }
        .into()
    }
}

/// Defines a string-backed credential type: `Debug` shows it unless
/// `redacted`, and its spec constraints are `$constraints`.
macro_rules! credential {
    ($(#[$doc:meta])* $name:ident, field = $field:literal, redacted = $redacted:literal, constraints = $constraints:expr) => {
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
            /// What the spec allows in this field.
            pub const CONSTRAINTS: StringConstraints = $constraints;

            /// The value itself, for putting on the wire. Handle with care.
            pub fn expose(&self) -> &str {
                &self.value
            }

            fn checked(value: String) -> Result<Self, CredentialLengthError> {
                Self::CONSTRAINTS.check($field, &value)?;
                Ok(Self::unchecked(value))
            }
        }

        // Equal values are equal credentials, whenever they were obtained.
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

        /// Checks the spec's constraints.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Self::checked(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "schemars")]
        impl JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).to_string()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                Self::CONSTRAINTS.json_schema()
            }
        }
    };
}

/// A key or secret: checked when built from text.
macro_rules! validated {
    ($name:ident) => {
        impl $name {
            fn unchecked(value: String) -> Self {
                Self {
                    value: value.into(),
                    expires_at: None,
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = CredentialLengthError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::checked(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = CredentialLengthError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::checked(value.to_string())
            }
        }

        impl TryFrom<&String> for $name {
            type Error = CredentialLengthError;
            fn try_from(value: &String) -> Result<Self, Self::Error> {
                Self::checked(value.clone())
            }
        }
    };
}

/// A token: built from text as given, checked when read from IX-API.
macro_rules! token {
    ($name:ident) => {
        impl $name {
            fn unchecked(value: String) -> Self {
                let expires_at = validity(&value, Obtained::Text).expires_at;
                Self {
                    value: value.into(),
                    expires_at,
                }
            }

            /// When the token expires, if it is a JWT with an `exp` claim.
            /// For a token a [`Session`](crate::Session) received from IX-API
            /// this is its lifetime (`exp - iat`) counted from when the
            /// request was sent, so a wrong local clock does not shift it;
            /// for any other (read from text or JSON), it is `exp`.
            pub fn expires_at(&self) -> Option<SystemTime> {
                self.expires_at
            }

            /// Whether a session would renew this token now: when less
            /// than `margin` is left, or a quarter of its life (`exp -
            /// iat`) if that is smaller. A token without `exp` never does.
            pub fn needs_renewal(&self, margin: std::time::Duration) -> bool {
                let validity = validity(&self.value, Obtained::Text);
                let deadlines = crate::auth::renewal::Deadlines::new(&validity, margin);
                crate::auth::renewal::Deadlines::reached(
                    deadlines.renew,
                    tokio::time::Instant::now(),
                )
            }

            /// The same token, whose expiry the session worked out.
            pub(crate) fn with_expires_at(mut self, expires_at: Option<SystemTime>) -> Self {
                self.expires_at = expires_at;
                self
            }
        }

        /// A token from text (saved earlier, say): its expiry is its `exp`.
        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::unchecked(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::unchecked(value.to_string())
            }
        }
    };
}

credential!(
    /// An API user's key, as long as the spec says (16 characters in IX-API
    /// 2.1). It names the user and is not a secret, so `Debug` shows it.
    ApiKey, field = "api_key", redacted = false, constraints = constraints::API_KEY
);
validated!(ApiKey);

credential!(
    /// An API user's secret, as long as the spec says (86 characters in
    /// IX-API 2.1). Never shown by `Debug`.
    ApiSecret, field = "api_secret", redacted = true, constraints = constraints::API_SECRET
);
validated!(ApiSecret);

credential!(
    /// The short-lived token sent as `Authorization: Bearer <access_token>`.
    /// Never shown by `Debug`; cloning it is cheap.
    AccessToken, field = "access_token", redacted = true, constraints = constraints::ACCESS_TOKEN
);
token!(AccessToken);

credential!(
    /// The longer-lived token that renews the pair at `POST /auth/refresh`.
    /// Never shown by `Debug`.
    RefreshToken, field = "refresh_token", redacted = true, constraints = constraints::REFRESH_TOKEN
);
token!(RefreshToken);

#[cfg(test)]
mod tests {
    use super::*;

    fn of_length(n: usize) -> String {
        "Q".repeat(n)
    }

    #[test]
    fn lengths_follow_the_spec_and_errors_name_the_field_only() {
        for (field, c, build) in [
            (
                "api_key",
                ApiKey::CONSTRAINTS,
                (|s: String| ApiKey::try_from(s).map(drop)) as fn(String) -> _,
            ),
            ("api_secret", ApiSecret::CONSTRAINTS, |s: String| {
                ApiSecret::try_from(s).map(drop)
            }),
        ] {
            let (min, max) = (c.min_length.unwrap(), c.max_length.unwrap());
            assert!(build(of_length(min)).is_ok());
            assert!(build(of_length(max)).is_ok());
            let err = build(of_length(max + 1)).unwrap_err();
            assert_eq!(err.field, field);
            assert!(!err.to_string().contains('Q'), "{err}");
            assert!(build(of_length(min - 1)).is_err());
        }
    }

    #[test]
    fn messages_say_what_is_allowed() {
        let err = |min, max| {
            StringConstraints {
                min_length: min,
                max_length: max,
            }
            .check("api_key", "abc")
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            err(Some(16), Some(16)),
            "api_key must be exactly 16 characters long, not 3"
        );
        assert_eq!(
            err(Some(14), Some(18)),
            "api_key must be 14 to 18 characters long, not 3"
        );
        assert_eq!(
            err(Some(4), None),
            "api_key must be at least 4 characters long, not 3"
        );
        assert_eq!(
            err(None, Some(2)),
            "api_key must be at most 2 characters long, not 3"
        );
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let n = ApiKey::CONSTRAINTS.max_length.unwrap();
        assert!(ApiKey::try_from("ä".repeat(n)).is_ok());
    }

    #[test]
    fn secrets_are_redacted_and_keys_are_not() {
        let secret = ApiSecret::try_from(of_length(ApiSecret::CONSTRAINTS.max_length.unwrap()));
        assert_eq!(format!("{:?}", secret.unwrap()), "ApiSecret(***)");
        assert_eq!(
            format!("{:?}", AccessToken::from("eyJ.a.b")),
            "AccessToken(***)"
        );
        assert_eq!(
            format!("{:?}", RefreshToken::from("eyJ.a.b")),
            "RefreshToken(***)"
        );
        let key = ApiKey::try_from(of_length(ApiKey::CONSTRAINTS.max_length.unwrap())).unwrap();
        assert!(format!("{key:?}").contains("QQQQ"));
    }

    #[test]
    fn deserializing_checks_lengths() {
        let err = serde_json::from_str::<ApiKey>("\"short\"").unwrap_err();
        assert!(err.to_string().contains("api_key must be"), "{err}");
        let token: AccessToken = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(token.expose(), "abc");
        assert_eq!(serde_json::to_string(&token).unwrap(), "\"abc\"");
    }
}
