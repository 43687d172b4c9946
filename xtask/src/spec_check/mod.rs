//! `cargo xtask spec-check`: `spec/` against the published 2.1.0 document,
//! the evidence and the official digest. Used by `main.rs` and xtask's
//! tests; codegen reads only [`answer_rule`] (the rule that answers follow).
//!
//! `spec-check`: does every operation in `spec/` mean the same as the same
//! operation in the published IX-API document?
//!
//! Both sides are brought to a canonical form first: `$ref`s resolved, the
//! document-wide `security` applied to operations that do not set their own,
//! documentation keys dropped (`description`, `title`, `example`, `x-*`
//! but `x-evidence`), `allOf`s of object schemas merged into one object,
//! order-free lists (`required`, `enum`, `tags`) sorted, and parameters and
//! the branches of a discriminated union keyed by name and tag. Component
//! schemas both documents have are compared as well.
//!
//! What still differs is reported by JSON pointer, and by where `spec/`
//! writes it when that is a component schema (one change to `Account`
//! shows in every operation that uses it, and is reported once), unless
//! `spec/` lists it under `x-deviations`. What `spec/` adds, and says the
//! evidence of (`x-evidence`), is an addition, not a difference.
//!
//! `evidence_check` holds the comparison with the evidence for later
//! versions.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value, json};

use crate::model::document::join;
use crate::model::walk;

pub mod answer_rule;
pub mod evidence;
pub mod evidence_check;
pub mod official_check;
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
    /// Where in `spec/` the differing node is written, when it comes from a
    /// component schema (`/components/schemas/Account/properties/name`):
    /// one component used by many operations differs in one place.
    pub origin: Option<String>,
    pub ours: Option<Value>,
    pub upstream: Option<Value>,
}

impl Difference {
    /// Where the difference is written in `spec/`: the component schema
    /// when it comes from one, else the operation's pointer.
    pub fn place(&self) -> &str {
        self.origin.as_deref().unwrap_or(&self.pointer)
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| {
            v.as_ref()
                .map_or("(absent)".to_string(), |v| without_marks(v).to_string())
        };
        write!(f, "{}", self.pointer)?;
        if let Some(origin) = &self.origin {
            write!(f, "\n    written at: {origin}")?;
        }
        write!(
            f,
            "\n    spec:     {}\n    upstream: {}",
            show(&self.ours),
            show(&self.upstream)
        )
    }
}

/// Something `spec/` has that the published document does not, with the
/// evidence it names (`x-evidence`).
#[derive(Debug, Clone, PartialEq)]
pub struct Addition {
    /// Where it is written in `spec/`.
    pub place: String,
    pub evidence: String,
}

/// A deviation `spec/` declares on purpose (`x-deviations`): the
/// differences from the published document (`pointer`) and the
/// disagreements with the evidence (`evidence`) it explains.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Deviation {
    pub pointers: Vec<String>,
    pub evidence: Vec<String>,
    /// Where the deviation's own evidence is (`owner/repo@commit:path`).
    pub source: Option<String>,
    pub reason: String,
}

/// The outcome of a comparison.
#[derive(Debug, Default)]
pub struct Report {
    /// Operations found in both documents and compared.
    pub operations: usize,
    /// Operations only `spec/` has.
    pub added_operations: usize,
    /// Component schemas found in both documents and compared.
    pub components: usize,
    pub differences: Vec<Difference>,
    /// What `spec/` adds to the published document, each with its evidence.
    pub additions: Vec<Addition>,
    /// Differences covered by a declared deviation, with its reason.
    pub known: Vec<(Difference, String)>,
    /// Declared deviation pointers that no difference needed: the list is
    /// stale.
    pub unused_deviations: Vec<String>,
}

impl Report {
    pub fn agrees(&self) -> bool {
        self.differences.is_empty() && self.unused_deviations.is_empty()
    }
}

/// Marks canonical forms carry that are not part of the meaning.
const EVIDENCE: &str = "x-evidence";
const ORIGIN: &str = "x-origin";

/// Compares every operation of `ours` with the same operation of
/// `upstream`, and every component schema both have.
pub fn compare(ours: &Value, upstream: &Value) -> Result<Report, String> {
    let deviations = declared_deviations(ours)?;
    let mut report = Report::default();
    let mut found = Vec::new();
    let (mine, theirs) = (Canonical::new(ours), Canonical::new(upstream));

    for operation in walk::operations(ours) {
        let (path, method) = (operation.path, operation.method);
        let pointer = operation.pointer();
        let ours = mine.operation(path, method)?;
        match theirs.operation(path, method)? {
            None => {
                report.added_operations += 1;
                found.push(Difference {
                    pointer,
                    origin: None,
                    ours,
                    upstream: None,
                });
            }
            Some(upstream) => {
                report.operations += 1;
                diff(&pointer, None, ours.as_ref(), Some(&upstream), &mut found);
            }
        }
    }
    for (name, _) in walk::schemas(ours) {
        if upstream.pointer(&walk::schema_pointer(name)).is_none() {
            continue;
        }
        report.components += 1;
        let pointer = walk::schema_pointer(name);
        let (a, b) = (mine.component(name)?, theirs.component(name)?);
        diff(
            &pointer,
            Some(pointer.clone()),
            Some(&a),
            Some(&b),
            &mut found,
        );
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
        None,
        Some(&servers(ours)),
        Some(&servers(upstream)),
        &mut found,
    );
    diff(
        "/info/version",
        None,
        ours.pointer("/info/version"),
        upstream.pointer("/info/version"),
        &mut found,
    );

    let pointers: Vec<(&String, &Deviation)> = deviations
        .iter()
        .flat_map(|d| d.pointers.iter().map(move |p| (p, d)))
        .collect();
    let covering = |difference: &Difference| {
        pointers.iter().find(|(p, _)| {
            covers(p, &difference.pointer)
                || difference.origin.as_deref().is_some_and(|o| covers(p, o))
        })
    };
    let mut unexplained = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for difference in found {
        if !seen.insert(difference.place().to_string()) {
            continue;
        }
        if let Some((_, deviation)) = covering(&difference) {
            report.known.push((difference, deviation.reason.clone()));
        } else if let Some(evidence) = addition_evidence(&difference) {
            report.additions.push(Addition {
                place: difference.place().to_string(),
                evidence,
            });
        } else {
            unexplained.push(difference);
        }
    }
    // A discriminator's added mapping entry is explained by the added
    // branch it names.
    for difference in unexplained {
        let branch = difference
            .place()
            .rsplit_once("/discriminator/mapping/")
            .filter(|_| difference.upstream.is_none())
            .map(|(union, tag)| join(&join(union, "oneOf"), tag));
        let evidence = branch.and_then(|branch| {
            report
                .additions
                .iter()
                .find(|a| a.place == branch)
                .map(|a| a.evidence.clone())
        });
        match evidence {
            Some(evidence) => report.additions.push(Addition {
                place: difference.place().to_string(),
                evidence,
            }),
            None => report.differences.push(difference),
        }
    }
    report.unused_deviations = pointers
        .iter()
        .filter(|(p, _)| {
            !report.known.iter().any(|(k, _)| {
                covers(p, &k.pointer) || k.origin.as_deref().is_some_and(|o| covers(p, o))
            })
        })
        .map(|(p, _)| p.to_string())
        .collect();
    Ok(report)
}

/// The evidence of an addition: what `spec/` has and the published
/// document lacks, when it names its `x-evidence`.
fn addition_evidence(difference: &Difference) -> Option<String> {
    if difference.upstream.is_some() {
        return None;
    }
    difference
        .ours
        .as_ref()?
        .get(EVIDENCE)?
        .as_str()
        .map(str::to_string)
}

/// `value` without the marks canonical forms carry.
fn without_marks(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .filter(|(k, _)| !is_mark(k))
                .map(|(k, v)| (k.clone(), without_marks(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_marks).collect()),
        other => other.clone(),
    }
}

fn is_mark(key: &str) -> bool {
    key == EVIDENCE || key == ORIGIN
}

pub(crate) fn covers(deviation: &str, pointer: &str) -> bool {
    pointer == deviation
        || pointer
            .strip_prefix(deviation)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The `x-deviations` of `ours`. Each names the differences from the
/// published document it explains (`pointer`) and the disagreements with
/// the evidence (`evidence`), each a string or a list; and a `reason`.
pub fn declared_deviations(ours: &Value) -> Result<Vec<Deviation>, String> {
    let Some(list) = ours.get("x-deviations") else {
        return Ok(Vec::new());
    };
    let list = list.as_array().ok_or("/x-deviations: expected a list")?;
    list.iter()
        .enumerate()
        .map(|(i, entry)| {
            let strings = |name: &str| -> Result<Vec<String>, String> {
                match entry.get(name) {
                    None => Ok(Vec::new()),
                    Some(Value::String(one)) => Ok(vec![one.clone()]),
                    Some(Value::Array(many)) => many
                        .iter()
                        .map(|v| {
                            v.as_str()
                                .map(str::to_string)
                                .ok_or(format!("/x-deviations/{i}/{name}: expected strings"))
                        })
                        .collect(),
                    Some(_) => Err(format!(
                        "/x-deviations/{i}/{name}: expected a string or a list of them"
                    )),
                }
            };
            let deviation = Deviation {
                pointers: strings("pointer")?,
                evidence: strings("evidence")?,
                source: entry
                    .get("source")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                reason: entry
                    .get("reason")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or(format!("/x-deviations/{i}: `reason` is missing"))?,
            };
            if deviation.pointers.is_empty() && deviation.evidence.is_empty() {
                return Err(format!(
                    "/x-deviations/{i}: name a `pointer` or an `evidence` it explains"
                ));
            }
            Ok(deviation)
        })
        .collect()
}

/// Records every difference between `a` (ours) and `b` (upstream).
/// `origin` is where `a` is written in `spec/`, if known.
fn diff(
    pointer: &str,
    origin: Option<String>,
    a: Option<&Value>,
    b: Option<&Value>,
    out: &mut Vec<Difference>,
) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let base = x
                .get(ORIGIN)
                .and_then(Value::as_str)
                .map(str::to_string)
                .or(origin);
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).filter(|k| !is_mark(k)).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let origin = base.as_deref().map(|o| join(o, key));
                diff(&join(pointer, key), origin, x.get(key), y.get(key), out);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                let index = i.to_string();
                let origin = origin.as_deref().map(|o| join(o, &index));
                diff(&join(pointer, &index), origin, Some(p), Some(q), out);
            }
        }
        (a, b) if a.map(without_marks) == b.map(without_marks) => {}
        (a, b) => out.push(Difference {
            pointer: pointer.to_string(),
            origin,
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
        let mut operation = self.canonical(&operation, 0)?;
        // Parameters are told apart by location and name, not by their
        // place in the list: one added parameter is one difference.
        if let Some(Value::Array(list)) = operation.get("parameters") {
            let keyed: Map<String, Value> = list
                .iter()
                .filter_map(|p| {
                    let name = p.get("name")?.as_str()?;
                    let location = p.get("in")?.as_str()?;
                    Some((format!("{location}:{name}"), p.clone()))
                })
                .collect();
            if keyed.len() == list.len() {
                operation["parameters"] = Value::Object(keyed);
            }
        }
        Ok(Some(operation))
    }

    /// The component schema `name`, as a `$ref` to it resolves.
    fn component(&self, name: &str) -> Result<Value, String> {
        let reference = json!({ "$ref": format!("#{}", walk::schema_pointer(name)) });
        let mut schema = self.canonical(&reference, 0)?;
        // A branch of a discriminated union has the tag its union maps it
        // under, as it does where the union uses it.
        let target = format!("#{}", walk::schema_pointer(name));
        for (_, union) in walk::schemas(self.doc) {
            let Some(property) = union
                .pointer("/discriminator/propertyName")
                .and_then(Value::as_str)
            else {
                continue;
            };
            let mapping = union
                .pointer("/discriminator/mapping")
                .and_then(Value::as_object);
            for (tag, _) in mapping
                .into_iter()
                .flatten()
                .filter(|(_, t)| t.as_str() == Some(target.as_str()))
            {
                if let Some(Value::Object(slot)) =
                    schema.pointer_mut(&format!("/properties/{property}"))
                {
                    slot.entry("enum").or_insert_with(|| json!([tag]));
                }
            }
        }
        Ok(schema)
    }

    /// What `value` stands for, `$ref`s followed, and the last component
    /// schema on the way.
    fn resolve(&self, value: &Value, depth: usize) -> Result<(Value, Option<String>), String> {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok((value.clone(), None));
        };
        if depth > MAX_DEPTH {
            return Err(format!("{reference}: `$ref`s nest too deeply (a cycle?)"));
        }
        let pointer = reference
            .strip_prefix('#')
            .ok_or(format!("{reference}: cannot resolve this `$ref`"))?;
        let target = self
            .doc
            .pointer(pointer)
            .ok_or(format!("{reference}: cannot resolve this `$ref`"))?;
        let (resolved, origin) = self.resolve(target, depth + 1)?;
        let here = pointer
            .starts_with("/components/schemas/")
            .then(|| pointer.to_string());
        Ok((resolved, origin.or(here)))
    }

    fn canonical(&self, value: &Value, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("the document nests too deeply (a `$ref` cycle?)".into());
        }
        // The evidence a reference names stays with what it resolves to.
        let evidence = value.get("$ref").and(value.get(EVIDENCE)).cloned();
        let (value, origin) = self.resolve(value, depth)?;
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
                    (&tags, out.get_mut("oneOf"))
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
                // Branches of a discriminated union are told apart by
                // their tag: one added branch is one difference.
                if let (Some((_, tags)), Some(Value::Array(branches))) = (&tags, out.get("oneOf")) {
                    let keyed: Option<Map<String, Value>> = branches
                        .iter()
                        .zip(tags)
                        .map(|(branch, tag)| tag.clone().map(|tag| (tag, branch.clone())))
                        .collect();
                    if let Some(keyed) = keyed.filter(|k| k.len() == branches.len()) {
                        out.insert("oneOf".into(), Value::Object(keyed));
                    }
                }
                for set in SETS {
                    if let Some(Value::Array(items)) = out.get_mut(*set) {
                        items.sort_by_key(Value::to_string);
                        items.dedup();
                    }
                }
                if let Some(origin) = origin {
                    out.insert(ORIGIN.into(), Value::String(origin));
                }
                if let Some(evidence) = evidence {
                    out.insert(EVIDENCE.into(), evidence);
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
    ) || (key.starts_with("x-") && key != EVIDENCE)
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
        // Marks (where a part is written, its evidence) stay the whole's.
        if is_mark(key) {
            continue;
        }
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

/// Enum filters of a list narrower than what the same list answers: a
/// `type` filter that lacks a tag the answer's union maps, or a filter on a
/// member whose own enum has values the filter's lacks (and a filter whose
/// enum repeats a value, so that another cannot be sent). Each is a
/// `filter` a user cannot send, named `operation_id/parameter: ...`.
pub fn narrow_filters(ours: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for op in crate::model::walk::operations(ours) {
        if !crate::spec_check::official_check::is_list(&op) {
            continue;
        }
        let id = op.id().unwrap_or_default();
        let item = op
            .value
            .pointer("/responses/200/content/application~1json/schema/items/$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .and_then(|name| ours.pointer(&crate::model::walk::schema_pointer(name)));
        for parameter in op.parameters().unwrap_or_default() {
            let Some(name) = parameter.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Some(values) = parameter.pointer("/schema/enum").and_then(Value::as_array) else {
                continue;
            };
            let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            let distinct: BTreeSet<&str> = values.iter().copied().collect();
            if distinct.len() != values.len() {
                out.push(format!(
                    "{id}/{name}: its enum repeats a value ({values:?})"
                ));
            }
            let answered: BTreeSet<String> = match item {
                Some(schema)
                    if schema
                        .pointer("/discriminator/propertyName")
                        .and_then(Value::as_str)
                        == Some(name) =>
                {
                    schema
                        .pointer("/discriminator/mapping")
                        .and_then(Value::as_object)
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default()
                }
                Some(schema) => schema
                    .pointer(&format!("/properties/{name}/enum"))
                    .and_then(Value::as_array)
                    .map(|e| {
                        e.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default(),
                None => BTreeSet::new(),
            };
            let missing: Vec<&String> = answered
                .iter()
                .filter(|v| !distinct.contains(v.as_str()))
                .collect();
            if !missing.is_empty() {
                out.push(format!(
                    "{id}/{name}: the list answers {missing:?}, which the filter's enum lacks"
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_filter_narrower_than_the_answer_is_named() {
        let doc = json!({
            "paths": {"/product-offerings": {"get": {
                "operationId": "product_offerings_list",
                "parameters": [
                    {"in": "query", "name": "type", "schema": {"type": "string", "enum": ["exchange_lan"]}},
                    {"in": "query", "name": "downgrade_allowed", "schema": {"type": "string", "enum": ["true", "true"]}},
                ],
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "type": "array", "items": {"$ref": "#/components/schemas/ProductOffering"}}}}}}
            }}},
            "components": {"schemas": {"ProductOffering": {
                "oneOf": [],
                "discriminator": {"propertyName": "type", "mapping": {
                    "exchange_lan": "#/components/schemas/A", "connection": "#/components/schemas/B"}}
            }}}
        });
        let narrow = narrow_filters(&doc);
        assert_eq!(narrow.len(), 2, "{narrow:?}");
        assert!(
            narrow.iter().any(
                |n| n.starts_with("product_offerings_list/downgrade_allowed: its enum repeats")
            ),
            "{narrow:?}"
        );
        assert!(
            narrow
                .iter()
                .any(|n| n.starts_with("product_offerings_list/type")
                    && n.contains("\"connection\"")),
            "{narrow:?}"
        );
    }
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
                origin: Some("/components/schemas/AuthTokenRequest/properties/api_secret/maxLength".into()),
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
    fn an_added_member_with_evidence_is_an_addition_and_without_a_difference() {
        let mut ours = direct();
        ours["properties"]["label"] = json!({"type": "string", "x-evidence": "inferred: a reason"});
        ours["properties"]["other"] = json!({"type": "string"});
        let report = compare(&doc(ours, json!({})), &doc(direct(), json!({}))).unwrap();
        assert_eq!(
            report.additions,
            [Addition {
                place: "/components/schemas/AuthTokenRequest/properties/label".into(),
                evidence: "inferred: a reason".into(),
            }]
        );
        assert_eq!(report.differences.len(), 1);
        assert_eq!(
            report.differences[0].place(),
            "/components/schemas/AuthTokenRequest/properties/other"
        );
    }

    #[test]
    fn a_deviation_naming_a_component_covers_every_use_of_it() {
        let mut ours = direct();
        ours["required"] = json!(["api_key"]);
        let deviations = json!({"x-deviations": [{
            "pointer": ["/components/schemas/AuthTokenRequest/required"],
            "evidence": "schemas/AuthTokenRequest/members/api_secret",
            "reason": "kept optional"
        }]});
        let report = compare(&doc(ours, deviations), &doc(direct(), json!({}))).unwrap();
        assert!(report.agrees(), "{:?}", report.differences);
        // Found in the operation and in the component, reported once.
        assert_eq!(report.known.len(), 1);
        assert_eq!(
            report.known[0].0.origin.as_deref(),
            Some("/components/schemas/AuthTokenRequest/required")
        );
    }

    #[test]
    fn an_added_parameter_and_an_added_branch_are_one_addition_each() {
        let union = |extra: bool| {
            let mut mapping = json!({"allow": "#/components/schemas/Allow"});
            let mut one_of = vec![json!({"$ref": "#/components/schemas/Allow"})];
            if extra {
                mapping["deny"] = json!("#/components/schemas/Deny");
                one_of.push(
                    json!({"$ref": "#/components/schemas/Deny", "x-evidence": "inferred: new"}),
                );
            }
            json!({"oneOf": one_of, "discriminator": {"propertyName": "type", "mapping": mapping}})
        };
        let with = |extra: bool| {
            let mut doc = doc(union(extra), json!({}));
            let branch = json!({"type": "object", "properties": {"type": {"type": "string"}}});
            doc["components"]["schemas"]["Allow"] = branch.clone();
            if extra {
                doc["components"]["schemas"]["Deny"] = branch;
            }
            let mut parameters =
                vec![json!({"in": "query", "name": "a", "schema": {"type": "string"}})];
            if extra {
                parameters.insert(
                    0,
                    json!({"in": "query", "name": "page_limit",
                    "schema": {"type": "integer"}, "x-evidence": "inferred: paging"}),
                );
            }
            doc["paths"]["/auth/token"]["post"]["parameters"] = Value::Array(parameters);
            doc
        };
        let report = compare(&with(true), &with(false)).unwrap();
        assert!(report.differences.is_empty(), "{:?}", report.differences);
        let places: Vec<&str> = report.additions.iter().map(|a| a.place.as_str()).collect();
        assert_eq!(
            places,
            [
                "/paths/~1auth~1token/post/parameters/query:page_limit",
                "/components/schemas/AuthTokenRequest/oneOf/deny",
                "/components/schemas/AuthTokenRequest/discriminator/mapping/deny",
            ]
        );
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
