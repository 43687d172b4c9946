//! IX-API problems: the RFC 7807 documents IX-API answers errors with, and
//! the kinds their `type` URIs name.

use std::fmt;

use crate::types::ProblemResponse;

/// What kind of problem IX-API reported, read from the problem's `type` URI
/// (`https://errors.ix-api.net/v2/<kind>.html`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// `validation-error`: the request did not validate.
    ValidationError,
    /// `authentication-error`: the credentials or token were rejected.
    AuthenticationError,
    /// `signature-expired`: the token's signature has expired.
    SignatureExpired,
    /// `not-authenticated`: the request carried no credentials.
    NotAuthenticated,
    /// `permission-denied`: authenticated, but not allowed to do this.
    PermissionDenied,
    /// `not-found`: no such object.
    NotFound,
    /// `unable-to-fulfill`: valid, but the exchange cannot do it.
    UnableToFulfill,
    /// `cancellation-policy-error`: refused by the cancellation policy.
    CancellationPolicyError,
    /// Any other `type`, as sent.
    Other(String),
}

const KINDS: &[(&str, ProblemKind)] = &[
    ("validation-error", ProblemKind::ValidationError),
    ("authentication-error", ProblemKind::AuthenticationError),
    ("signature-expired", ProblemKind::SignatureExpired),
    ("not-authenticated", ProblemKind::NotAuthenticated),
    ("permission-denied", ProblemKind::PermissionDenied),
    ("not-found", ProblemKind::NotFound),
    ("unable-to-fulfill", ProblemKind::UnableToFulfill),
    (
        "cancellation-policy-error",
        ProblemKind::CancellationPolicyError,
    ),
];

/// Where IX-API v2 documents its problem types.
pub const PROBLEM_TYPE_BASE: &str = "https://errors.ix-api.net/v2/";

impl ProblemKind {
    /// Classifies a problem `type` URI. Only URIs under
    /// [`PROBLEM_TYPE_BASE`] name IX-API kinds; anything else is `Other`.
    pub fn from_type(uri: &str) -> Self {
        uri.strip_prefix(PROBLEM_TYPE_BASE)
            .map(|rest| rest.strip_suffix(".html").unwrap_or(rest))
            .and_then(|slug| KINDS.iter().find(|(name, _)| *name == slug))
            .map_or_else(|| Self::Other(uri.to_string()), |(_, kind)| kind.clone())
    }

    /// The kind's name as IX-API spells it (`authentication-error`), or the
    /// full URI for `Other`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(uri) => uri,
            known => KINDS
                .iter()
                .find(|(_, kind)| kind == known)
                .map_or("", |(name, _)| name),
        }
    }

    /// The `type` URI of this kind.
    pub fn type_uri(&self) -> String {
        match self {
            Self::Other(uri) => uri.clone(),
            known => format!("{PROBLEM_TYPE_BASE}{}.html", known.as_str()),
        }
    }

    /// True for the kinds that mean "log in again or refresh":
    /// `authentication-error`, `signature-expired` and `not-authenticated`.
    pub fn is_authentication(&self) -> bool {
        matches!(
            self,
            Self::AuthenticationError | Self::SignatureExpired | Self::NotAuthenticated
        )
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ProblemResponse {
    /// The kind of problem this `type` names.
    pub fn kind(&self) -> ProblemKind {
        ProblemKind::from_type(&self.type_)
    }

    /// An RFC 7807 extension member: anything beyond `type`, `title`,
    /// `status`, `detail` and `instance`.
    pub fn extension(&self, name: &str) -> Option<&serde_json::Value> {
        self.extra.get(name)
    }
}

impl fmt::Display for ProblemResponse {
    /// `authentication-error (401): Authentication failed: bad secret`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind())?;
        if let Some(status) = self.status {
            write!(f, " ({status})")?;
        }
        for text in [&self.title, &self.detail].into_iter().flatten() {
            write!(f, ": {text}")?;
        }
        Ok(())
    }
}

/// Reaching the problem inside an error returned by a generated operation.
pub trait ProblemError {
    /// The problem document, when IX-API answered with a documented error.
    fn problem(&self) -> Option<&ProblemResponse>;

    /// The problem's kind, when there is a problem.
    fn problem_kind(&self) -> Option<ProblemKind> {
        self.problem().map(ProblemResponse::kind)
    }
}

impl ProblemError for crate::OperationError {
    fn problem(&self) -> Option<&ProblemResponse> {
        match self {
            Self::ErrorResponse(response) => Some(response.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ix_api_kind_round_trips_through_its_uri() {
        for (name, kind) in KINDS {
            let uri = format!("https://errors.ix-api.net/v2/{name}.html");
            assert_eq!(ProblemKind::from_type(&uri), *kind);
            assert_eq!(kind.type_uri(), uri);
            assert_eq!(kind.as_str(), *name);
        }
    }

    #[test]
    fn foreign_uris_are_other() {
        for uri in [
            "about:blank",
            "https://example.net/v2/authentication-error.html",
            "https://errors.ix-api.net/v2/rate-limited.html",
        ] {
            assert_eq!(ProblemKind::from_type(uri), ProblemKind::Other(uri.into()));
        }
    }

    #[test]
    fn only_the_three_authentication_kinds_mean_log_in_again() {
        let auth: Vec<_> = KINDS
            .iter()
            .filter(|(_, k)| k.is_authentication())
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(
            auth,
            [
                "authentication-error",
                "signature-expired",
                "not-authenticated"
            ]
        );
    }
}
