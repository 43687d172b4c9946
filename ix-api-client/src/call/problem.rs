//! IX-API problems: the RFC 7807 documents IX-API answers errors with, and
//! the kinds their `type` URIs name. [`ProblemKind`] is generated from the
//! problem types the spec documents; what they mean to a client is here.
//!
//! Real exchanges bend the format: a problem without `type`, `detail` as a
//! list, validation reasons as nested objects, an error page in HTML. An
//! error answer is read liberally (see [`readable`]) so that whatever it
//! says reaches the caller with its status, and its kind falls back to the
//! status when it names none.

use std::fmt;

use reqwest::StatusCode;
use serde_json::{Map, Value};

use crate::types::ProblemResponse;

pub use crate::generated::spec::ProblemKind;

/// The `type` of a problem that names none (RFC 7807, section 4.2).
pub const ABOUT_BLANK: &str = "about:blank";

impl ProblemKind {
    /// True for the kinds that mean "log in again or refresh":
    /// `authentication-error`, `signature-expired` and `not-authenticated`.
    pub fn is_authentication(&self) -> bool {
        matches!(
            self,
            Self::AuthenticationError | Self::SignatureExpired | Self::NotAuthenticated
        )
    }

    /// The kind an answer of `status` is when its problem names none.
    pub fn of_status(status: u16) -> Self {
        match status {
            400 => Self::ValidationError,
            401 => Self::NotAuthenticated,
            403 => Self::PermissionDenied,
            404 => Self::NotFound,
            _ => Self::Other(ABOUT_BLANK.into()),
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ProblemResponse {
    /// The kind of problem this `type` names; for `about:blank` (or no
    /// `type`), the kind its status means.
    pub fn kind(&self) -> ProblemKind {
        if self.declares_type() {
            return ProblemKind::from_type(&self.type_);
        }
        let status = self.status.and_then(|s| u16::try_from(s).ok());
        status.map_or_else(
            || ProblemKind::Other(ABOUT_BLANK.into()),
            ProblemKind::of_status,
        )
    }

    /// Whether the problem names a `type` of its own (not `about:blank`).
    pub fn declares_type(&self) -> bool {
        !self.type_.is_empty() && self.type_ != ABOUT_BLANK
    }

    /// An RFC 7807 extension member: anything beyond `type`, `title`,
    /// `status`, `detail` and `instance`.
    pub fn extension(&self, name: &str) -> Option<&serde_json::Value> {
        self.extra.get(name)
    }

    /// Each reason a validation error gives, with the path of the member it
    /// is about: `("billing_information.address.country", "This field is
    /// required.")`. Read from the `properties` extension however it nests
    /// (a list of `{name, reason}`, reasons as text, lists or objects of
    /// member to reasons, as Django REST servers write them).
    pub fn reasons(&self) -> Vec<(String, String)> {
        let mut found = Vec::new();
        match self.extra.get("properties") {
            Some(Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::Object(entry) if entry.contains_key("name") => {
                            let name = text(entry.get("name").unwrap_or(&Value::Null));
                            let reason = entry.get("reason").unwrap_or(&Value::Null);
                            collect(&name, reason, &mut found);
                        }
                        other => collect("", other, &mut found),
                    }
                }
            }
            Some(other) => collect("", other, &mut found),
            None => {}
        }
        found
    }
}

/// Gathers the messages under `reason`, each with its member path.
fn collect(path: &str, reason: &Value, found: &mut Vec<(String, String)>) {
    match reason {
        Value::Null => found.push((path.to_string(), "invalid".into())),
        Value::Array(items) => items.iter().for_each(|item| collect(path, item, found)),
        Value::Object(members) => {
            for (member, nested) in members {
                let path = if path.is_empty() {
                    member.clone()
                } else {
                    format!("{path}.{member}")
                };
                collect(&path, nested, found);
            }
        }
        other => found.push((path.to_string(), text(other))),
    }
}

/// A JSON value as text: strings as they are, anything else as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

impl fmt::Display for ProblemResponse {
    /// `validation-error (400): Some fields did not validate: vlan:
    /// too large; name: required`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind())?;
        if let Some(status) = self.status {
            write!(f, " ({status})")?;
        }
        for text in [&self.title, &self.detail].into_iter().flatten() {
            write!(f, ": {}", one_line(text))?;
        }
        let reasons = self.reasons();
        for (i, (path, reason)) in reasons.iter().enumerate() {
            let lead = if i == 0 { ": " } else { "; " };
            match path.as_str() {
                "" => write!(f, "{lead}{}", one_line(reason))?,
                path => write!(f, "{lead}{path}: {}", one_line(reason))?,
            }
        }
        Ok(())
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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

impl ProblemError for progenitor_client::Error<ProblemResponse> {
    fn problem(&self) -> Option<&ProblemResponse> {
        match self {
            Self::ErrorResponse(response) => Some(response.as_ref()),
            _ => None,
        }
    }
}

/// `about:blank`, titled with the status's phrase.
pub(crate) fn blank(status: StatusCode) -> Value {
    let mut problem = Map::new();
    problem.insert("type".into(), ABOUT_BLANK.into());
    if let Some(phrase) = status.canonical_reason() {
        problem.insert("title".into(), phrase.into());
    }
    problem.insert("status".into(), status.as_u16().into());
    Value::Object(problem)
}

/// The body of an error answer of `status` as a problem document the
/// generated model reads, keeping whatever it says: liberal in what the
/// exchange wrote, strict in what it becomes.
///
/// - a JSON object keeps every member; `type` defaults to `about:blank`,
///   `status` to the answer's; `detail` given as a list (or any JSON) and a
///   `title` or `instance` that is not text become text; a `status` given as
///   text becomes a number;
/// - other JSON (a list, a string) becomes the `detail` of an `about:blank`;
/// - anything else (an HTML error page, nothing) becomes `about:blank`
///   titled with the status's phrase: the body is not kept.
pub(crate) fn readable(status: StatusCode, body: &[u8]) -> Vec<u8> {
    let problem = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(members)) => liberal(status, members),
        Ok(other) => {
            let mut problem = blank(status);
            if let Value::Object(members) = &mut problem {
                members.insert("detail".into(), detail(other).into());
            }
            problem
        }
        Err(_) => blank(status),
    };
    serde_json::to_vec(&problem).unwrap_or_default()
}

/// Whether an error answer's body is a problem document: a JSON object,
/// rather than a page, other JSON or nothing.
pub(crate) fn is_document(body: &[u8]) -> bool {
    matches!(serde_json::from_slice::<Value>(body), Ok(Value::Object(_)))
}

fn liberal(status: StatusCode, mut members: Map<String, Value>) -> Value {
    let kind = match members.remove("type") {
        Some(Value::String(uri)) if !uri.trim().is_empty() => uri,
        _ => ABOUT_BLANK.into(),
    };
    members.insert("type".into(), kind.into());
    let written = match members.remove("status") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    let written = written.filter(|s| (100..1000).contains(s));
    members.insert(
        "status".into(),
        written.unwrap_or(i64::from(status.as_u16())).into(),
    );
    if let Some(value) = members.remove("detail")
        && !value.is_null()
    {
        members.insert("detail".into(), detail(value).into());
    }
    for member in ["title", "instance"] {
        if let Some(value) = members.remove(member)
            && !value.is_null()
        {
            members.insert(member.into(), detail(value).into());
        }
    }
    Value::Object(members)
}

/// Any JSON as one text: a list's items joined by `; `.
fn detail(value: Value) -> String {
    match value {
        Value::Array(items) => items
            .into_iter()
            .filter(|item| !item.is_null())
            .map(detail)
            .collect::<Vec<_>>()
            .join("; "),
        other => text(&other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(status: u16, body: &str) -> ProblemResponse {
        let status = StatusCode::from_u16(status).unwrap();
        serde_json::from_slice(&readable(status, body.as_bytes())).expect("a problem")
    }

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

    #[test]
    fn a_problem_without_type_is_about_blank_of_its_status() {
        let problem = read(400, r#"{"title": "Bad input", "status": 400}"#);
        assert_eq!(problem.type_, ABOUT_BLANK);
        assert!(!problem.declares_type());
        assert_eq!(problem.kind(), ProblemKind::ValidationError);
        assert_eq!(read(401, "{}").kind(), ProblemKind::NotAuthenticated);
        assert_eq!(read(401, "{}").status, Some(401));
        assert_eq!(
            read(418, "{}").kind(),
            ProblemKind::Other(ABOUT_BLANK.into())
        );
    }

    #[test]
    fn details_given_as_a_list_are_all_kept() {
        let problem = read(
            400,
            r#"{"type": "about:blank", "detail": ["first", "second"]}"#,
        );
        assert_eq!(problem.detail.as_deref(), Some("first; second"));
        assert_eq!(problem.to_string(), "validation-error (400): first; second");
    }

    #[test]
    fn nested_reasons_keep_their_paths() {
        let problem = read(
            400,
            &json!({
                "type": "https://errors.ix-api.net/v2/validation-error.html",
                "title": "Some fields did not validate.",
                "properties": [
                    {"name": "billing_information", "reason": {"address": {"country": ["This field is required."]}}},
                    {"name": "vlan", "reason": "5000 is greater than 4094"},
                    {"name": "macs", "reason": ["too many", "one is unknown"]},
                ],
            })
            .to_string(),
        );
        assert_eq!(
            problem.reasons(),
            [
                (
                    "billing_information.address.country".to_string(),
                    "This field is required.".to_string()
                ),
                ("vlan".into(), "5000 is greater than 4094".into()),
                ("macs".into(), "too many".into()),
                ("macs".into(), "one is unknown".into()),
            ]
        );
        assert_eq!(
            problem.to_string(),
            "validation-error (400): Some fields did not validate.: billing_information.address.country: This field is required.; vlan: 5000 is greater than 4094; macs: too many; macs: one is unknown"
        );
    }

    #[test]
    fn anything_else_is_about_blank_with_the_status_phrase() {
        let html = read(502, "<html><body>Bad gateway, secret=1</body></html>");
        assert_eq!(html.type_, ABOUT_BLANK);
        assert_eq!(html.title.as_deref(), Some("Bad Gateway"));
        assert_eq!(html.status, Some(502));
        assert!(html.detail.is_none(), "the page is not kept");
        let listed = read(403, r#"["not yours"]"#);
        assert_eq!(listed.detail.as_deref(), Some("not yours"));
        assert_eq!(listed.kind(), ProblemKind::PermissionDenied);
        let numeric = read(409, r#"{"status": "409", "title": 7, "extra": {"a": 1}}"#);
        assert_eq!(numeric.status, Some(409));
        assert_eq!(numeric.title.as_deref(), Some("7"));
        assert_eq!(numeric.extension("extra"), Some(&json!({"a": 1})));
    }
}
