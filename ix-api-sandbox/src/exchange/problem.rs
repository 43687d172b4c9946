//! RFC 7807 problems, as IX-API sends them: a documented `type`, and for
//! validation errors the failing members in `properties`
//! (`[{"name": "vlan_config.vlan", "reason": "..."}]`), every one named, and
//! each reason said there alone (the `detail` names the members). The
//! exchange refuses with them; `http::problem` sends them.

use std::borrow::Cow;

use axum::http::StatusCode;
use ix_api_client::ProblemKind;
use serde_json::{Map, Value, json};

use crate::facts::{Invalid, OperationFacts};

#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub kind: ProblemKind,
    pub title: Cow<'static, str>,
    pub detail: String,
    pub extra: Map<String, Value>,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        kind: ProblemKind,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            kind,
            title: Cow::Borrowed(title),
            detail: detail.into(),
            extra: Map::new(),
        }
    }

    pub fn validation(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ProblemKind::ValidationError,
            "Some fields did not validate.",
            detail,
        )
    }

    /// A validation error naming each failing member in `properties`, with
    /// its reason. The `detail` names the members once, without their
    /// reasons, so that a client that prints both says each reason once;
    /// a reason about the whole body (no member) is the `detail` itself.
    pub fn invalid(members: Vec<Invalid>) -> Self {
        let (named, whole): (Vec<Invalid>, Vec<Invalid>) =
            members.into_iter().partition(|m| !m.name.is_empty());
        let mut names: Vec<&str> = Vec::new();
        for m in &named {
            if !names.contains(&m.name.as_str()) {
                names.push(&m.name);
            }
        }
        let mut detail: Vec<String> = whole.iter().map(|m| m.reason.clone()).collect();
        match names.as_slice() {
            [] => {}
            [name] => detail.push(format!("{name} did not validate")),
            names => detail.push(format!(
                "{} members did not validate: {}",
                names.len(),
                names.join(", ")
            )),
        }
        let mut problem = Self::validation(detail.join("; "));
        if !named.is_empty() {
            let properties: Vec<Value> = named
                .into_iter()
                .map(|m| json!({"name": m.name, "reason": m.reason}))
                .collect();
            problem
                .extra
                .insert("properties".into(), Value::Array(properties));
        }
        problem
    }

    pub fn authentication(detail: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ProblemKind::AuthenticationError,
            "Authentication failed.",
            detail,
        )
    }

    pub fn signature_expired(detail: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ProblemKind::SignatureExpired,
            "Signature has expired.",
            detail,
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ProblemKind::NotFound,
            "Not found.",
            detail,
        )
    }

    /// This problem as `operation` documents it: a 404 the operation does
    /// not document is its 400 (an unknown id in the path is then an
    /// invalid request), and the `type` is one the operation lists for the
    /// status, this one if it is among them.
    pub fn documented(mut self, operation: &OperationFacts) -> Self {
        let documented = |status: StatusCode| operation.responses.get(status.as_str());
        if documented(self.status).is_none()
            && self.status == StatusCode::NOT_FOUND
            && documented(StatusCode::BAD_REQUEST).is_some()
        {
            self.status = StatusCode::BAD_REQUEST;
        }
        if let Some(answer) = documented(self.status) {
            let ours = self.kind.type_uri().to_string();
            if !answer.problems.is_empty() && !answer.problems.contains(&ours) {
                self.kind = ProblemKind::from_type(&answer.problems[0]);
                self.title = title_of(&self.kind);
            }
        }
        self
    }
}

/// The title IX-API gives a kind of problem; for kinds the spec adds later,
/// the kind's name.
fn title_of(kind: &ProblemKind) -> Cow<'static, str> {
    Cow::Borrowed(match kind {
        ProblemKind::ValidationError => "Some fields did not validate.",
        ProblemKind::AuthenticationError => "Authentication failed.",
        ProblemKind::SignatureExpired => "Signature has expired.",
        ProblemKind::NotFound => "Not found.",
        ProblemKind::PermissionDenied => "Permission denied.",
        ProblemKind::NotAuthenticated => "Authentication credentials were not provided.",
        other => return Cow::Owned(other.as_str().replace('-', " ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::REQUIRED;

    fn invalid(name: &str, reason: &str) -> Invalid {
        Invalid {
            name: name.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn each_reason_is_said_once_and_every_member_named() {
        let problem = Problem::invalid(vec![
            invalid("managing_account", "This field is required."),
            invalid("address", "\"x\" is not a MAC address"),
            invalid("address", "too short"),
        ]);
        assert_eq!(
            problem.detail,
            "2 members did not validate: managing_account, address"
        );
        let properties = problem.extra["properties"].as_array().unwrap();
        assert_eq!(properties.len(), 3);
        for property in properties {
            let reason = property["reason"].as_str().unwrap();
            assert!(!problem.detail.contains(reason), "{reason}");
            assert!(!property["name"].as_str().unwrap().is_empty());
        }

        let problem = Problem::invalid(vec![invalid("page_limit", "must be 1 or more")]);
        assert_eq!(problem.detail, "page_limit did not validate");

        // A reason about the whole body has no member to name: it is the
        // detail, and not an unnamed entry of `properties`.
        let problem = Problem::invalid(vec![invalid("", "the spec has no schema X")]);
        assert_eq!(problem.detail, "the spec has no schema X");
        assert!(!problem.extra.contains_key("properties"));
    }

    #[test]
    fn a_missing_member_is_named_from_the_models_refusal() {
        let cases = [
            (".", "missing field `api_secret`", "api_secret", REQUIRED),
            (
                "vlan_config",
                "missing field `vlan`",
                "vlan_config.vlan",
                REQUIRED,
            ),
            (
                ".",
                "unknown field `colour`, expected one of `name`",
                "colour",
                "unknown field `colour`, expected one of `name`",
            ),
            (
                "email",
                "invalid type: integer `42`, expected a string",
                "email",
                "invalid type: integer `42`, expected a string",
            ),
        ];
        for (path, cause, name, reason) in cases {
            assert_eq!(
                Invalid::misfit(path, cause),
                invalid(name, reason),
                "{path}: {cause}"
            );
        }
    }
}
