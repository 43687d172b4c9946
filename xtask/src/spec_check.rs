//! `spec-check`: does every operation in `spec/` mean the same as the same
//! operation in the published IX-API document?
//!
//! Both sides are brought to a canonical form first: `$ref`s resolved, the
//! document-wide `security` applied to operations that do not set their own,
//! documentation keys dropped (`description`, `title`, `example`, `x-*`),
//! `allOf`s of object schemas merged into one object, and order-free lists
//! (`required`, `enum`, `tags`) sorted. What still differs is reported by
//! JSON pointer, unless `spec/` lists it under `x-deviations`.

use std::fmt;

use serde_json::{Map, Value, json};

use crate::document::join;
use crate::walk;
/// Keys whose object values map names to things: the names are not keywords.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "responses",
    "content",
    "headers",
    "encoding",
    "links",
    "callbacks",
];
/// Keys whose values are data, not schemas: never rewritten.
const DATA_KEYS: &[&str] = &["enum", "default", "example", "examples", "const"];
/// Lists whose order carries no meaning.
const SETS: &[&str] = &["required", "enum", "tags"];
/// A guard against `$ref` cycles; IX-API schemas nest far less deeply.
const MAX_DEPTH: usize = 64;

/// One place where the two documents disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub pointer: String,
    pub ours: Option<Value>,
    pub upstream: Option<Value>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or("(absent)".to_string(), Value::to_string);
        write!(
            f,
            "{}\n    spec:     {}\n    upstream: {}",
            self.pointer,
            show(&self.ours),
            show(&self.upstream)
        )
    }
}

/// A deviation `spec/` declares on purpose.
#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    pub pointer: String,
    pub reason: String,
}

/// The outcome of a comparison.
#[derive(Debug, Default)]
pub struct Report {
    pub operations: usize,
    pub differences: Vec<Difference>,
    /// Differences covered by a declared deviation, with its reason.
    pub known: Vec<(Difference, String)>,
    /// Declared deviations that no difference needed: the list is stale.
    pub unused_deviations: Vec<Deviation>,
}

impl Report {
    pub fn agrees(&self) -> bool {
        self.differences.is_empty() && self.unused_deviations.is_empty()
    }
}

/// Compares every operation of `ours` with the same operation of `upstream`.
pub fn compare(ours: &Value, upstream: &Value) -> Result<Report, String> {
    let deviations = declared_deviations(ours)?;
    let mut report = Report::default();
    let mut found = Vec::new();

    for operation in walk::operations(ours) {
        let (path, method) = (operation.path, operation.method);
        report.operations += 1;
        let pointer = operation.pointer();
        let mine = Canonical::new(ours).operation(path, method)?;
        let theirs = Canonical::new(upstream).operation(path, method)?;
        match theirs {
            None => found.push(Difference {
                pointer,
                ours: mine,
                upstream: None,
            }),
            Some(theirs) => diff(&pointer, mine.as_ref(), Some(&theirs), &mut found),
        }
    }

    // The document-wide facts every operation depends on: where the API
    // lives and which version it is.
    let servers = |doc: &Value| {
        let urls: Vec<Value> = doc
            .get("servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|server| json!({ "url": server.get("url") }))
            .collect();
        Value::Array(urls)
    };
    diff(
        "/servers",
        Some(&servers(ours)),
        Some(&servers(upstream)),
        &mut found,
    );
    diff(
        "/info/version",
        ours.pointer("/info/version"),
        upstream.pointer("/info/version"),
        &mut found,
    );

    for difference in found {
        match deviations
            .iter()
            .find(|d| covers(&d.pointer, &difference.pointer))
        {
            Some(deviation) => report.known.push((difference, deviation.reason.clone())),
            None => report.differences.push(difference),
        }
    }
    report.unused_deviations = deviations
        .into_iter()
        .filter(|d| {
            !report
                .known
                .iter()
                .any(|(k, _)| covers(&d.pointer, &k.pointer))
        })
        .collect();
    Ok(report)
}

fn covers(deviation: &str, pointer: &str) -> bool {
    pointer == deviation
        || pointer
            .strip_prefix(deviation)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn declared_deviations(ours: &Value) -> Result<Vec<Deviation>, String> {
    let Some(list) = ours.get("x-deviations") else {
        return Ok(Vec::new());
    };
    let list = list.as_array().ok_or("/x-deviations: expected a list")?;
    list.iter()
        .enumerate()
        .map(|(i, entry)| {
            let field = |name: &str| {
                entry
                    .get(name)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or(format!("/x-deviations/{i}: `{name}` is missing"))
            };
            Ok(Deviation {
                pointer: field("pointer")?,
                reason: field("reason")?,
            })
        })
        .collect()
}

/// Records every difference between `a` (ours) and `b` (upstream).
fn diff(pointer: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Difference>) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                diff(&join(pointer, key), x.get(key), y.get(key), out);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(&join(pointer, &i.to_string()), Some(p), Some(q), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(Difference {
            pointer: pointer.to_string(),
            ours: a.cloned(),
            upstream: b.cloned(),
        }),
    }
}

/// Brings parts of one document into canonical form.
struct Canonical<'a> {
    doc: &'a Value,
}

impl<'a> Canonical<'a> {
    fn new(doc: &'a Value) -> Self {
        Self { doc }
    }

    fn operation(&self, path: &str, method: &str) -> Result<Option<Value>, String> {
        let Some(found) = walk::operation(self.doc, path, method) else {
            return Ok(None);
        };
        let mut operation = found.value.clone();
        if let Value::Object(op) = &mut operation {
            if let (false, Some(security)) = (op.contains_key("security"), self.doc.get("security"))
            {
                op.insert("security".into(), security.clone());
            }
            // The parameters that apply, the path item's included.
            let parameters = found
                .parameters()
                .map_err(|e| format!("{}: {}", e.pointer, e.message))?;
            if !parameters.is_empty() {
                let parameters = parameters.into_iter().cloned().collect();
                op.insert("parameters".into(), Value::Array(parameters));
            }
        }
        self.canonical(&operation, 0).map(Some)
    }

    fn resolve(&self, value: &Value, depth: usize) -> Result<Value, String> {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok(value.clone());
        };
        if depth > MAX_DEPTH {
            return Err(format!("{reference}: `$ref`s nest too deeply (a cycle?)"));
        }
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| self.doc.pointer(pointer))
            .ok_or(format!("{reference}: cannot resolve this `$ref`"))?;
        self.resolve(target, depth + 1)
    }

    fn canonical(&self, value: &Value, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("the document nests too deeply (a `$ref` cycle?)".into());
        }
        let value = self.resolve(value, depth)?;
        match value {
            Value::Object(object) => {
                let tags = discriminator_tags(&object);
                let mut out = Map::new();
                for (key, child) in object {
                    if is_documentation(&key) {
                        continue;
                    }
                    let child = if DATA_KEYS.contains(&key.as_str()) {
                        child
                    } else if NAME_MAPS.contains(&key.as_str()) {
                        self.canonical_map(child, depth)?
                    } else {
                        self.canonical(&child, depth + 1)?
                    };
                    out.insert(key, child);
                }
                if let (Some((property, tags)), Some(Value::Array(branches))) =
                    (tags, out.get_mut("oneOf"))
                {
                    for (branch, tag) in branches.iter_mut().zip(tags) {
                        let slot = branch.pointer_mut(&format!("/properties/{property}"));
                        // Said where the branch says nothing; a branch that
                        // says otherwise stays a difference.
                        if let (Some(Value::Object(slot)), Some(tag)) = (slot, tag) {
                            slot.entry("enum").or_insert_with(|| json!([tag]));
                        }
                    }
                }
                for set in SETS {
                    if let Some(Value::Array(items)) = out.get_mut(*set) {
                        items.sort_by_key(Value::to_string);
                        items.dedup();
                    }
                }
                Ok(merge_all_of(out))
            }
            Value::Array(items) => items
                .iter()
                .map(|item| self.canonical(item, depth + 1))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            other => Ok(other),
        }
    }

    fn canonical_map(&self, value: Value, depth: usize) -> Result<Value, String> {
        let Value::Object(map) = value else {
            return self.canonical(&value, depth + 1);
        };
        map.into_iter()
            .map(|(name, child)| Ok((name, self.canonical(&child, depth + 1)?)))
            .collect::<Result<Map<_, _>, String>>()
            .map(Value::Object)
    }
}

/// For a discriminated `oneOf`: the tag property, and each branch's tag.
/// A branch's tag property then holds `enum: [tag]` on both sides: the
/// discriminator says so already, and validators that ignore
/// discriminators (JSON Schema's `oneOf`) need it said in the branch.
fn discriminator_tags(object: &Map<String, Value>) -> Option<(String, Vec<Option<String>>)> {
    let property = object.get("discriminator")?.get("propertyName")?.as_str()?;
    let mapping = object.get("discriminator")?.get("mapping")?.as_object()?;
    let branches = object.get("oneOf")?.as_array()?;
    let tags = branches
        .iter()
        .map(|branch| {
            let reference = branch.get("$ref")?.as_str()?;
            mapping
                .iter()
                .find(|(_, target)| target.as_str() == Some(reference))
                .map(|(tag, _)| tag.clone())
        })
        .collect();
    Some((property.to_string(), tags))
}

fn is_documentation(key: &str) -> bool {
    matches!(
        key,
        "description" | "title" | "summary" | "example" | "examples" | "externalDocs"
    ) || key.starts_with("x-")
}

/// Replaces `allOf` by the merged schema when its members merge without
/// conflict; otherwise leaves it, so the difference shows.
fn merge_all_of(mut schema: Map<String, Value>) -> Value {
    let Some(Value::Array(parts)) = schema.remove("allOf") else {
        return Value::Object(schema);
    };
    let mut merged = Some(schema.clone());
    for part in &parts {
        merged = match (merged, part) {
            (Some(acc), Value::Object(part)) => merge(acc, part),
            _ => None,
        };
    }
    match merged {
        Some(merged) => Value::Object(merged),
        None => {
            schema.insert("allOf".into(), Value::Array(parts));
            Value::Object(schema)
        }
    }
}

/// The schema that both `a` and `b` describe, if it can be written without
/// `allOf`.
fn merge(mut a: Map<String, Value>, b: &Map<String, Value>) -> Option<Map<String, Value>> {
    for (key, theirs) in b {
        let Some(mine) = a.remove(key) else {
            a.insert(key.clone(), theirs.clone());
            continue;
        };
        let value = match (key.as_str(), mine, theirs) {
            (_, mine, theirs) if mine == *theirs => mine,
            ("properties", Value::Object(mine), Value::Object(theirs)) => {
                let mut properties = mine;
                for (name, schema) in theirs {
                    let combined = match properties.remove(name) {
                        Some(Value::Object(p)) => match schema {
                            Value::Object(s) => Value::Object(merge(p, s)?),
                            _ => return None,
                        },
                        Some(_) => return None,
                        None => schema.clone(),
                    };
                    properties.insert(name.clone(), combined);
                }
                Value::Object(properties)
            }
            ("required", Value::Array(mine), Value::Array(theirs)) => {
                let mut all: Vec<Value> = mine.into_iter().chain(theirs.iter().cloned()).collect();
                all.sort_by_key(Value::to_string);
                all.dedup();
                Value::Array(all)
            }
            _ => return None,
        };
        a.insert(key.clone(), value);
    }
    Some(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(schema: Value, extra: Value) -> Value {
        let mut doc = json!({
            "security": [{"Bearer": []}],
            "paths": {"/auth/token": {"post": {
                "operationId": "auth_token_create",
                "security": [],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuthTokenRequest"}}}},
                "responses": {"201": {"description": "ok"}}
            }}},
            "components": {"schemas": {"AuthTokenRequest": schema}}
        });
        if let (Value::Object(d), Value::Object(e)) = (&mut doc, extra) {
            d.extend(e);
        }
        doc
    }

    fn direct() -> Value {
        json!({"type": "object", "title": "AuthTokenRequest", "required": ["api_key", "api_secret"], "properties": {
            "api_key": {"type": "string", "minLength": 16, "maxLength": 16, "description": "key"},
            "api_secret": {"type": "string", "minLength": 86, "maxLength": 86}
        }})
    }

    fn partial() -> Value {
        json!({"allOf": [
            {"description": "partial", "type": "object", "properties": {
                "title": {"type": "string"},
                "api_key": {"type": "string", "minLength": 16, "maxLength": 16},
                "api_secret": {"type": "string", "minLength": 86, "maxLength": 86}
            }},
            {"type": "object", "required": ["api_secret", "api_key"], "title": "AuthTokenRequest"}
        ]})
    }

    #[test]
    fn a_discriminator_implies_the_tag_of_each_branch_but_no_other() {
        let union = || {
            json!({
                "oneOf": [{"$ref": "#/components/schemas/Allow"}, {"$ref": "#/components/schemas/Deny"}],
                "discriminator": {"propertyName": "type", "mapping": {
                    "allow": "#/components/schemas/Allow", "deny": "#/components/schemas/Deny"}},
            })
        };
        let with = |union: Value, allow: Value, deny: Value| {
            let mut doc = doc(union, json!({}));
            doc["components"]["schemas"]["Allow"] = allow;
            doc["components"]["schemas"]["Deny"] = deny;
            doc
        };
        let branch = |tag: Option<&str>| match tag {
            Some(tag) => {
                json!({"type": "object", "properties": {"type": {"type": "string", "enum": [tag]}}})
            }
            None => json!({"type": "object", "properties": {"type": {"type": "string"}}}),
        };
        let said = with(union(), branch(Some("allow")), branch(Some("deny")));
        let implied = with(union(), branch(None), branch(None));
        let report = compare(&said, &implied).unwrap();
        assert!(report.agrees(), "{:?}", report.differences);
        // A tag that contradicts the mapping is a difference.
        let wrong = with(union(), branch(Some("deny")), branch(Some("deny")));
        assert!(!compare(&wrong, &implied).unwrap().agrees());
    }

    #[test]
    fn an_all_of_equals_its_merged_object() {
        let mut ours = direct();
        ours["properties"]["title"] =
            json!({"type": "string", "description": "a member called title"});
        let report = compare(&doc(ours, json!({})), &doc(partial(), json!({}))).unwrap();
        assert_eq!(report.operations, 1);
        assert!(report.agrees(), "{:?}", report.differences);
    }

    #[test]
    fn a_changed_constraint_is_reported_by_pointer() {
        let mut ours = direct();
        ours["properties"]["api_secret"]["maxLength"] = json!(87);
        let report = compare(&doc(ours, json!({})), &doc(direct(), json!({}))).unwrap();
        assert_eq!(
            report.differences,
            vec![Difference {
                pointer: "/paths/~1auth~1token/post/requestBody/content/application~1json/schema/properties/api_secret/maxLength".into(),
                ours: Some(json!(87)),
                upstream: Some(json!(86)),
            }]
        );
    }

    #[test]
    fn declared_deviations_are_known_and_stale_ones_fail() {
        let mut ours = direct();
        ours["properties"]["api_secret"]["maxLength"] = json!(87);
        let deviations = json!({"x-deviations": [
            {"pointer": "/paths/~1auth~1token/post/requestBody", "reason": "because"},
            {"pointer": "/paths/~1auth~1token/post/responses/401", "reason": "stale"}
        ]});
        let report = compare(&doc(ours, deviations), &doc(direct(), json!({}))).unwrap();
        assert!(report.differences.is_empty());
        assert_eq!(report.known.len(), 1);
        assert_eq!(report.known[0].1, "because");
        assert_eq!(report.unused_deviations.len(), 1);
        assert!(!report.agrees());
    }

    #[test]
    fn global_security_applies_to_operations_without_their_own() {
        let mut ours = doc(direct(), json!({}));
        ours["paths"]["/auth/token"]["post"]
            .as_object_mut()
            .unwrap()
            .remove("security");
        let report = compare(&ours, &doc(direct(), json!({}))).unwrap();
        assert_eq!(
            report.differences[0].pointer,
            "/paths/~1auth~1token/post/security"
        );
    }

    #[test]
    fn a_missing_upstream_operation_is_a_difference() {
        let upstream = json!({"paths": {}});
        let report = compare(&doc(direct(), json!({})), &upstream).unwrap();
        assert_eq!(report.differences[0].pointer, "/paths/~1auth~1token/post");
        assert_eq!(report.differences[0].upstream, None);
    }
}
