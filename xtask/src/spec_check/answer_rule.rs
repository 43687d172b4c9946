//! The rule for answers: a member is required in an answer only where every
//! source agrees that it is, so that a real exchange leaving it out costs a
//! user nothing.
//!
//! The sources: the published 2.1.0 document (for the members it has), the
//! official documents where the digest speaks (`account_required`), and the
//! 2.7.1 Go client, which declares a member it may not get as a pointer (or
//! as an interface, for a union). `spec/` keeps what the documents require
//! (requests are validated by it); each answer schema lists the members the
//! rule makes optional under [`EXTENSION`]. The codegen pass
//! [`apply`] drops exactly those from `required`; `spec-check` computes the
//! rule from the sources ([`expected`]) and fails where the list differs.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::codegen::normalize::PassError;
use crate::model::document::join;
use crate::model::walk;
use crate::spec_check::evidence::Source;

/// The member list each answer schema carries.
pub const EXTENSION: &str = "x-optional-in-answers";

/// Codegen pass: every member a schema lists under [`EXTENSION`] leaves its
/// `required` (and the `required` of its inline `allOf` parts). A listed
/// member that no `required` names is refused: the list went stale.
pub fn apply(doc: &mut Value) -> Result<(), PassError> {
    walk::schemas_mut(doc, |name, schema| {
        let Some(listed) = schema.get(EXTENSION) else {
            return Ok(());
        };
        let pointer = join(&walk::schema_pointer(name), EXTENSION);
        let listed: Vec<String> = listed
            .as_array()
            .and_then(|list| list.iter().map(|m| m.as_str().map(String::from)).collect())
            .ok_or_else(|| PassError::new(&pointer, "expected a list of member names"))?;
        for member in &listed {
            if !unrequire(schema, member) {
                return Err(PassError::new(
                    &pointer,
                    format!("`{member}` is not required here: remove it from the list"),
                ));
            }
        }
        Ok(())
    })
}

/// Removes `member` from the `required` lists of `schema`; true if any had it.
fn unrequire(schema: &mut Value, member: &str) -> bool {
    let mut found = false;
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        let before = required.len();
        required.retain(|m| m.as_str() != Some(member));
        found |= required.len() != before;
    }
    if let Some(Value::Array(parts)) = schema.get_mut("allOf") {
        for part in parts {
            found |= unrequire(part, member);
        }
    }
    found
}

/// The members `schema` requires, the components and `allOf` parts it is
/// made of included.
pub fn required(doc: &Value, schema: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk::composed(doc, schema, &mut |part| {
        let names = part
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        out.extend(names.filter_map(|m| m.as_str().map(String::from)));
    });
    out
}

/// The properties of `schema` whose value is fixed (a union branch's tag):
/// they stay required whatever the sources say.
fn tags(schema: &Value, depth: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if property
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.len() == 1)
        {
            out.insert(name.clone());
        }
    }
    if depth < 8 {
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.extend(tags(part, depth + 1));
        }
    }
    out
}

/// The component schemas an answer reaches (an error's problem document
/// included).
pub fn answer_schemas(doc: &Value) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let mut queue = Vec::new();
    for op in walk::operations(doc) {
        for (_, answer) in op.responses() {
            references(answer, &mut queue);
        }
    }
    while let Some(name) = queue.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = doc.pointer(&walk::schema_pointer(&name)) {
            references(schema, &mut queue);
        }
    }
    reached
}

fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child.as_str()) {
                    ("$ref", Some(target)) => {
                        if let Some(name) = target.strip_prefix("#/components/schemas/") {
                            out.push(name.to_string());
                        }
                    }
                    _ => references(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, out)),
        _ => {}
    }
}

/// Why the rule makes a member optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The published 2.1.0 document does not require it.
    Published,
    /// The official documents do not require it (the digest's key).
    Official(String),
    /// The Go client declares it as a pointer or an interface (its type).
    Pointer(String),
    /// The Go client's struct does not have it.
    Absent(String),
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Published => f.write_str("the published 2.1.0 document does not require it"),
            Self::Official(key) => write!(f, "the official documents do not require it ({key})"),
            Self::Pointer(go) => write!(f, "the 2.7.1 Go client declares it {go}"),
            Self::Absent(go) => write!(f, "the 2.7.1 Go client's {go} does not have it"),
        }
    }
}

/// What the official digest says is required, per schema (`Account`, from
/// `account_required`, the newest document).
pub fn official_required(digest: &Value) -> BTreeMap<String, (String, BTreeSet<String>)> {
    let mut out = BTreeMap::new();
    if let Some(latest) = digest
        .pointer("/account_required/latest")
        .and_then(Value::as_array)
    {
        let members = latest
            .iter()
            .filter_map(|m| m.as_str().map(String::from))
            .collect();
        out.insert(
            "Account".to_string(),
            ("/account_required/latest".to_string(), members),
        );
    }
    out
}

/// The members the rule makes optional, per answer schema of `ours`.
/// `pairs` maps our schemas to the Go client's structs (`evidence_check`
/// pairs them); `source` is the 2.7.1 evidence.
pub fn expected(
    ours: &Value,
    published: &Value,
    source: &Source,
    pairs: &BTreeMap<String, String>,
    official: &BTreeMap<String, (String, BTreeSet<String>)>,
) -> BTreeMap<String, BTreeMap<String, Why>> {
    let mut out: BTreeMap<String, BTreeMap<String, Why>> = BTreeMap::new();
    for name in answer_schemas(ours) {
        let Some(schema) = ours.pointer(&walk::schema_pointer(&name)) else {
            continue;
        };
        let fixed = tags(schema, 0);
        let published_required = published
            .pointer(&walk::schema_pointer(&name))
            .map(|theirs| required(published, theirs));
        let go = pairs
            .get(&name)
            .and_then(|g| Some((g, source.structs.get(g)?)));
        for member in required(ours, schema) {
            if fixed.contains(&member) {
                continue;
            }
            let why = if published_required
                .as_ref()
                .is_some_and(|theirs| !theirs.contains(&member))
            {
                Some(Why::Published)
            } else if let Some((key, members)) = official.get(&name)
                && !members.contains(&member)
            {
                Some(Why::Official(key.clone()))
            } else if let Some((go_name, members)) = go {
                match members.iter().find(|m| m.name == member) {
                    None => Some(Why::Absent(go_name.clone())),
                    Some(m) if m.go.starts_with('*') || source.polys.contains_key(&m.go) => {
                        Some(Why::Pointer(m.go.clone()))
                    }
                    Some(_) => None,
                }
            } else {
                None
            };
            if let Some(why) = why {
                out.entry(name.clone()).or_default().insert(member, why);
            }
        }
    }
    out
}

/// The listed members that the schema lets be `null`, as `(schema,
/// member)`: generated so that a `null` comes back out as `null`.
pub fn nullable_listed(ours: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (schema, members) in listed(ours) {
        let Some(value) = ours.pointer(&walk::schema_pointer(&schema)) else {
            continue;
        };
        for member in members {
            let nullable = |s: &Value| {
                s.pointer(&format!("/properties/{member}/nullable")) == Some(&Value::Bool(true))
            };
            let parts = value.get("allOf").and_then(Value::as_array);
            if nullable(value) || parts.into_iter().flatten().any(nullable) {
                out.push((schema.clone(), member));
            }
        }
    }
    out
}

/// What each schema of `ours` lists under [`EXTENSION`].
pub fn listed(ours: &Value) -> BTreeMap<String, BTreeSet<String>> {
    walk::schemas(ours)
        .filter_map(|(name, schema)| {
            let list = schema.get(EXTENSION)?.as_array()?;
            Some((
                name.to_string(),
                list.iter()
                    .filter_map(|m| m.as_str().map(String::from))
                    .collect(),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn apply_drops_the_listed_members_and_refuses_a_stale_list() {
        let mut doc = json!({"components": {"schemas": {
            "Account": {"required": ["id", "state"], "x-optional-in-answers": ["state"],
                        "properties": {"id": {}, "state": {}}},
            "Config": {"allOf": [{"required": ["connection", "id"]}],
                       "x-optional-in-answers": ["connection"]},
        }}});
        apply(&mut doc).unwrap();
        assert_eq!(
            doc["components"]["schemas"]["Account"]["required"],
            json!(["id"])
        );
        assert_eq!(
            doc["components"]["schemas"]["Config"]["allOf"][0]["required"],
            json!(["id"])
        );
        let error = apply(&mut doc).unwrap_err();
        assert!(
            error.message.contains("`state` is not required"),
            "{}",
            error.message
        );
    }

    #[test]
    fn every_source_must_agree_for_a_member_to_stay_required() {
        let ours = json!({
            "paths": {"/accounts": {"get": {"responses": {"200": {"content": {"application/json":
                {"schema": {"items": {"$ref": "#/components/schemas/Account"}, "type": "array"}}}}}}}},
            "components": {"schemas": {"Account": {
                "required": ["id", "name", "state", "address", "legacy", "type"],
                "properties": {"type": {"enum": ["account"]}},
            }}}
        });
        let published = json!({"components": {"schemas": {"Account": {
            "required": ["id", "name", "state", "address", "type"]}}}});
        let source = crate::spec_check::evidence::parse(
            &crate::spec_check::evidence::SourceEntry {
                version: "2.7.1".into(),
                repository: "o/r".into(),
                commit: "a".repeat(40),
                entities: "e".into(),
                operations: "o".into(),
            },
            &json!({"structs": {"Account": [
                {"json": "id", "type": "string"}, {"json": "name", "type": "string"},
                {"json": "state", "type": "string"}, {"json": "address", "type": "*Address"},
                {"json": "legacy", "type": "string"}, {"json": "type", "type": "*string"}]},
                "polys": []}),
            &json!({"ops": []}),
        )
        .unwrap();
        let pairs = BTreeMap::from([("Account".to_string(), "Account".to_string())]);
        let official = BTreeMap::from([(
            "Account".to_string(),
            (
                "/account_required/latest".to_string(),
                ["id", "name", "address", "legacy", "type"]
                    .map(String::from)
                    .into(),
            ),
        )]);
        let rule = expected(&ours, &published, &source, &pairs, &official);
        let account = &rule["Account"];
        assert_eq!(account["legacy"], Why::Published);
        assert!(matches!(account["state"], Why::Official(_)));
        assert_eq!(account["address"], Why::Pointer("*Address".into()));
        assert!(!account.contains_key("id") && !account.contains_key("name"));
        // A union branch's tag stays required.
        assert!(!account.contains_key("type"));
    }
}
