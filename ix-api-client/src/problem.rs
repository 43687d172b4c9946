//! IX-API problems: the RFC 7807 documents IX-API answers errors with, and
//! the kinds their `type` URIs name. [`ProblemKind`] is generated from the
//! problem types the spec documents; what they mean to a client is here.

use std::fmt;

use crate::types::ProblemResponse;

pub use crate::generated::spec::ProblemKind;

impl ProblemKind {
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
    fn every_documented_kind_round_trips_through_its_uri() {
        assert!(!ProblemKind::DOCUMENTED.is_empty());
        for kind in ProblemKind::DOCUMENTED {
            assert_eq!(ProblemKind::from_type(kind.type_uri()), *kind);
            assert!(
                kind.type_uri()
                    .ends_with(&format!("/{}.html", kind.as_str()))
            );
        }
    }

    #[test]
    fn undocumented_uris_are_other() {
        for uri in [
            "about:blank",
            "https://example.net/v2/authentication-error.html",
            "https://errors.ix-api.net/v2/rate-limited.html",
        ] {
            assert_eq!(ProblemKind::from_type(uri), ProblemKind::Other(uri.into()));
            assert_eq!(ProblemKind::Other(uri.into()).type_uri(), uri);
        }
    }

    #[test]
    fn only_the_three_authentication_kinds_mean_log_in_again() {
        let auth: Vec<_> = ProblemKind::DOCUMENTED
            .iter()
            .filter(|k| k.is_authentication())
            .map(ProblemKind::as_str)
            .collect();
        assert_eq!(
            auth,
            [
                "authentication-error",
                "not-authenticated",
                "signature-expired"
            ]
        );
    }
}
