//! `spec-check`, third part: does `spec/` say what the official IX-API
//! documents say, where `official-digest.json` can tell?
//!
//! The official word outranks the Go client and our inference, so every
//! fact the digest holds is compared: the operation count per group, the
//! statuses of lists (200 and 206), the filters, answer and errors of the
//! operations it shows in full, the token operations, the base path and the
//! security schemes, what `Account` requires. `x-evidence: official:
//! /pointer` citations must name a fact the digest has. A disagreement's key
//! starts with `official/`; an `x-deviations` entry names it under
//! `evidence` to explain it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::model::walk;
use crate::spec_check::evidence_check::Disagreement;
use crate::spec_check::{covers, declared_deviations};

/// The file in the evidence directory.
pub const DIGEST: &str = "official-digest.json";

/// The outcome of the comparison with the digest.
#[derive(Debug, Default)]
pub struct OfficialReport {
    /// Facts of the digest compared.
    pub facts: usize,
    /// `x-evidence: official: ...` citations checked.
    pub citations: usize,
    pub disagreements: Vec<Disagreement>,
    /// Disagreements an `x-deviations` entry explains, with its reason.
    pub known: Vec<(Disagreement, String)>,
    /// `official/...` keys of `x-deviations` that match nothing.
    pub stale: Vec<String>,
}

impl OfficialReport {
    pub fn agrees(&self) -> bool {
        self.disagreements.is_empty() && self.stale.is_empty()
    }
}

struct Check<'a> {
    ours: &'a Value,
    digest: &'a Value,
    facts: usize,
    found: BTreeSet<Disagreement>,
}

impl Check<'_> {
    fn disagree(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.found.insert(Disagreement {
            key: format!("official/{}", key.into()),
            message: message.into(),
        });
    }

    /// One fact compared: `agrees`, or a disagreement under `key`.
    fn fact(&mut self, agrees: bool, key: impl Into<String>, message: impl FnOnce() -> String) {
        self.facts += 1;
        if !agrees {
            self.disagree(key, message());
        }
    }
}

fn operation<'a>(ours: &'a Value, id: &str) -> Option<walk::Operation<'a>> {
    walk::operations(ours).find(|op| op.id() == Some(id))
}

/// Compares `ours` with the official `digest`.
pub fn compare(ours: &Value, digest: &Value) -> Result<OfficialReport, String> {
    let mut check = Check {
        ours,
        digest,
        facts: 0,
        found: BTreeSet::new(),
    };
    let v = digest
        .get("v2.7.1")
        .ok_or("the digest has no `v2.7.1` section")?;
    groups(&mut check, v);
    lists(&mut check);
    for id in ["auth_token_create", "auth_token_refresh"] {
        if let Some(fact) = v.get(id) {
            token_operation(&mut check, id, fact);
        }
    }
    if let Some(fact) = v.get("facilities_list") {
        listed_operation(&mut check, "facilities_list", fact);
    }
    if let Some(fact) = v.get("facilities_read") {
        read_operation(&mut check, "facilities_read", fact);
    }
    if let Some(names) = v
        .get("devices_list_query_opening")
        .and_then(Value::as_array)
    {
        let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
        query_names(&mut check, "devices_list", &names);
    }
    if let Some(ports) = v.get("ports_operations").and_then(Value::as_array) {
        for text in ports.iter().filter_map(Value::as_str) {
            let (method, path) = text.split_once(' ').unwrap_or(("", text));
            let found = walk::operation(ours, path, &method.to_ascii_lowercase()).is_some();
            check.fact(found, format!("operations/{text}"), || {
                format!("the official 2.7.1 document has {text}; spec/ does not")
            });
        }
    }
    base_and_security(&mut check, v);
    account(&mut check);
    let citations = citations(&mut check)?;

    let deviations = declared_deviations(ours)?;
    let mut report = OfficialReport {
        facts: check.facts,
        citations,
        ..OfficialReport::default()
    };
    let mut used = BTreeSet::new();
    for disagreement in check.found {
        let explained = deviations.iter().find_map(|d| {
            let key = d.evidence.iter().find(|k| covers(k, &disagreement.key))?;
            Some((key.clone(), d.reason.clone()))
        });
        match explained {
            Some((key, reason)) => {
                used.insert(key);
                report.known.push((disagreement, reason));
            }
            None => report.disagreements.push(disagreement),
        }
    }
    report.stale = deviations
        .iter()
        .flat_map(|d| d.evidence.iter())
        .filter(|k| k.starts_with("official/") && !used.contains(*k))
        .cloned()
        .collect();
    Ok(report)
}

/// The first tag of each operation is its group.
fn groups(check: &mut Check<'_>, v: &Value) {
    let mut ours: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0;
    for op in walk::operations(check.ours) {
        total += 1;
        let tag = op
            .value
            .pointer("/tags/0")
            .and_then(Value::as_str)
            .unwrap_or("(untagged)");
        *ours.entry(tag.to_string()).or_default() += 1;
    }
    if let Some(expected) = v.get("operations_total").and_then(Value::as_u64) {
        check.fact(total as u64 == expected, "operations_total", || {
            format!("the official 2.7.1 document has {expected} operations; spec/ {total}")
        });
    }
    for (group, count) in v
        .get("operations_per_group")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let expected = count.as_u64().unwrap_or_default();
        let have = ours.get(group).copied().unwrap_or_default() as u64;
        check.fact(have == expected, format!("groups/{group}"), || {
            format!("the official 2.7.1 document has {expected} {group} operations; spec/ {have}")
        });
    }
}

/// True for an operation that lists a collection: a GET named `*_list`
/// whose success answer is an array.
pub fn is_list(op: &walk::Operation<'_>) -> bool {
    op.method == "get"
        && op.id().is_some_and(|id| id.ends_with("_list"))
        && op.responses().any(|(status, answer)| {
            status == "200"
                && answer.pointer("/content/application~1json/schema/type")
                    == Some(&Value::String("array".into()))
        })
}

/// Every list answers 200 or 206, with the same body.
fn lists(check: &mut Check<'_>) {
    let lists: Vec<(String, Option<Value>, Option<Value>)> = walk::operations(check.ours)
        .filter(is_list)
        .map(|op| {
            let schema = |status: &str| {
                op.value
                    .pointer(&format!(
                        "/responses/{status}/content/application~1json/schema"
                    ))
                    .cloned()
            };
            (
                op.id().unwrap_or_default().to_string(),
                schema("200"),
                schema("206"),
            )
        })
        .collect();
    for (id, ok, partial) in lists {
        check.fact(partial.is_some() && partial == ok, format!("lists/{id}/206"), || {
            format!("the official 2.7.1 document answers a list 200 or 206; spec/'s {id} does not document 206 with the list")
        });
    }
}

/// Every status the digest gives an operation (`success`,
/// `success_statuses`, `errors` as a list or as a map by status) is one
/// spec/ documents.
fn documented(check: &mut Check<'_>, op: &walk::Operation<'_>, id: &str, fact: &Value) {
    let have: BTreeSet<u64> = op.responses().filter_map(|(s, _)| s.parse().ok()).collect();
    let mut official: BTreeSet<u64> = fact
        .get("success")
        .and_then(Value::as_u64)
        .into_iter()
        .collect();
    for key in ["success_statuses", "errors"] {
        match fact.get(key) {
            Some(Value::Array(list)) => official.extend(list.iter().filter_map(Value::as_u64)),
            Some(Value::Object(map)) => {
                official.extend(map.keys().filter_map(|s| s.parse::<u64>().ok()))
            }
            _ => {}
        }
    }
    for status in official {
        check.fact(
            have.contains(&status),
            format!("operations/{id}/statuses/{status}"),
            || format!("the official document answers {status}; spec/ does not document it"),
        );
    }
}

/// The members of `schema`, the components and `allOf` parts it is made of
/// included.
fn members(ours: &Value, schema: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    walk::composed(ours, schema, &mut |part| {
        if let Some(properties) = part.get("properties").and_then(Value::as_object) {
            out.extend(properties.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    });
    out
}

fn token_operation(check: &mut Check<'_>, id: &str, fact: &Value) {
    let Some(op) = operation(check.ours, id) else {
        check.fact(false, format!("operations/{id}"), || {
            format!("the official 2.7.1 document has {id}; spec/ does not")
        });
        return;
    };
    let method = fact
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let path = fact.get("path").and_then(Value::as_str).unwrap_or_default();
    let (our_method, our_path) = (op.method.to_uppercase(), op.path.to_string());
    check.fact(
        our_method == method && our_path == path,
        format!("operations/{id}/path"),
        || format!("the official document: {method} {path}; spec/ {our_method} {our_path}"),
    );
    documented(check, &op, id, fact);
    let body = op
        .request_content()
        .and_then(|c| c.get("application/json"))
        .and_then(|m| m.get("schema"))
        .cloned()
        .unwrap_or(Value::Null);
    let required = crate::spec_check::answer_rule::required(check.ours, &body);
    for member in fact
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let member = member.as_str().unwrap_or_default();
        check.fact(
            required.contains(member),
            format!("operations/{id}/required/{member}"),
            || format!("the official document requires `{member}`; spec/ does not"),
        );
    }
    let answer = op
        .responses()
        .find(|(s, _)| s.starts_with('2'))
        .and_then(|(_, a)| a.pointer("/content/application~1json/schema"))
        .cloned()
        .unwrap_or(Value::Null);
    let answered = members(check.ours, &answer);
    for member in fact
        .get("answer")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let member = member.as_str().unwrap_or_default();
        check.fact(
            answered.contains_key(member),
            format!("operations/{id}/answer/{member}"),
            || format!("the official document answers `{member}`; spec/ does not"),
        );
    }
}

/// The official success and error statuses, and the filters, of a list.
fn listed_operation(check: &mut Check<'_>, id: &str, fact: &Value) {
    let Some(op) = operation(check.ours, id) else {
        check.fact(false, format!("operations/{id}"), || {
            format!("the official 2.7.1 document has {id}; spec/ does not")
        });
        return;
    };
    documented(check, &op, id, fact);
    let query: Vec<(String, String)> = fact
        .get("query")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    let names: Vec<&str> = query.iter().map(|(k, _)| k.as_str()).collect();
    query_names(check, id, &names);
    let ours = query_parameters(&op);
    for (name, kind) in &query {
        let Some(schema) = ours.get(name) else {
            continue;
        };
        let our_kind = schema
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let agrees = match kind.as_str() {
            "integer" => our_kind == "integer",
            "string" => our_kind == "string",
            k if k.starts_with("array") => our_kind == "array" || our_kind == "string",
            _ => true,
        };
        check.fact(agrees, format!("operations/{id}/query/{name}/type"), || {
            format!("the official document types `{name}` {kind}; spec/ {our_kind}")
        });
    }
}

fn query_parameters(op: &walk::Operation<'_>) -> BTreeMap<String, Value> {
    op.parameters()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|p| {
            Some((
                p.get("name")?.as_str()?.to_string(),
                p.get("schema").cloned().unwrap_or(Value::Null),
            ))
        })
        .collect()
}

fn query_names(check: &mut Check<'_>, id: &str, names: &[&str]) {
    let Some(op) = operation(check.ours, id) else {
        return;
    };
    let ours = query_parameters(&op);
    for name in names {
        check.fact(
            ours.contains_key(*name),
            format!("operations/{id}/query/{name}"),
            || format!("the official document filters {id} by `{name}`; spec/ does not"),
        );
    }
}

/// A read answers one object with the members the digest lists.
fn read_operation(check: &mut Check<'_>, id: &str, fact: &Value) {
    let Some(op) = operation(check.ours, id) else {
        return;
    };
    documented(check, &op, id, fact);
    let answer = op
        .value
        .pointer("/responses/200/content/application~1json/schema")
        .cloned()
        .unwrap_or(Value::Null);
    let one = answer.get("type").and_then(Value::as_str) != Some("array");
    check.fact(one, format!("operations/{id}/answer"), || {
        format!("the official document answers {id} with one object; spec/ with a list")
    });
    let answered = members(check.ours, &answer);
    for (member, kind) in fact
        .get("answer")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let kind = kind.as_str().unwrap_or_default();
        let ours = answered.get(member);
        check.fact(
            ours.is_some(),
            format!("operations/{id}/answer/{member}"),
            || format!("the official document answers `{member}` ({kind}); spec/ does not"),
        );
        if let Some(schema) = ours {
            let our_kind = schema
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let first = kind.split([' ', ',']).next().unwrap_or_default();
            let agrees = our_kind.is_empty() || first == our_kind;
            check.fact(
                agrees,
                format!("operations/{id}/answer/{member}/type"),
                || format!("the official document types `{member}` {kind}; spec/ {our_kind}"),
            );
            if kind.contains("nullable") {
                let nullable = schema.get("nullable") == Some(&Value::Bool(true));
                check.fact(
                    nullable,
                    format!("operations/{id}/answer/{member}/nullable"),
                    || format!("the official document lets `{member}` be null; spec/ does not"),
                );
            }
        }
    }
}

fn base_and_security(check: &mut Check<'_>, v: &Value) {
    if let Some(base) = v.get("base").and_then(Value::as_str) {
        let ours = check
            .ours
            .pointer("/servers/0/url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        check.fact(ours == base, "base", || {
            format!("the official base path is {base}; spec/'s {ours}")
        });
    }
    let schemes: Vec<String> = check
        .ours
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(_, s)| match s.get("type").and_then(Value::as_str) {
            Some("http") => s
                .get("scheme")
                .and_then(Value::as_str)
                .unwrap_or("http")
                .to_ascii_lowercase(),
            other => other.unwrap_or_default().to_ascii_lowercase(),
        })
        .collect();
    for scheme in v
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let scheme = scheme.as_str().unwrap_or_default();
        check.fact(
            schemes.iter().any(|s| s == scheme),
            format!("security/{scheme}"),
            || format!("the official document offers {scheme} security; spec/ does not declare it"),
        );
    }
}

/// What `Account` requires in answers (after the answer rule) and the
/// states it may be in.
fn account(check: &mut Check<'_>) {
    let Some(latest) = check
        .digest
        .pointer("/account_required/latest")
        .and_then(Value::as_array)
        .cloned()
    else {
        return;
    };
    let latest: BTreeSet<&str> = latest.iter().filter_map(Value::as_str).collect();
    let mut schema = check
        .ours
        .pointer(&walk::schema_pointer("Account"))
        .cloned()
        .unwrap_or(Value::Null);
    let listed = crate::spec_check::answer_rule::listed(check.ours)
        .remove("Account")
        .unwrap_or_default();
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|m| m.as_str().is_some_and(|m| !listed.contains(m)));
    }
    let required = crate::spec_check::answer_rule::required(check.ours, &schema);
    for member in &required {
        check.fact(latest.contains(member.as_str()), format!("account/required/{member}"), || {
            format!("the official documents from 2.2.1 on do not require `{member}` of an account; spec/'s answers do")
        });
    }
    let states = check
        .digest
        .get("account_state_enum_from_2.2.1")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ours: Option<BTreeSet<String>> = schema.pointer("/properties/state/enum").and_then(|e| {
        e.as_array().map(|e| {
            e.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
    });
    if let Some(ours) = ours {
        for state in states.iter().filter_map(Value::as_str) {
            check.fact(
                ours.contains(state),
                format!("account/state/{state}"),
                || format!("an official account may be `{state}`; spec/'s enum does not say so"),
            );
        }
    }
}

/// Every `x-evidence: official: /pointer` names a fact of the digest.
fn citations(check: &mut Check<'_>) -> Result<usize, String> {
    let mut found = Vec::new();
    collect(check.ours, String::new(), &mut found);
    let count = found.len();
    for (pointer, target) in found {
        if check.digest.pointer(&target).is_none() {
            check.disagree(
                format!("citations{pointer}"),
                format!("cites {target}, which the official digest does not have"),
            );
        }
    }
    Ok(count)
}

fn collect(value: &Value, pointer: String, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{pointer}/{}", crate::model::document::escape(key));
                if key == "x-evidence"
                    && let Some(target) = child.as_str().and_then(|t| t.strip_prefix("official:"))
                {
                    out.push((here, target.trim().to_string()));
                } else {
                    collect(child, here, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect(item, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list(status: &[&str]) -> Value {
        let answer = json!({"content": {"application/json": {"schema": {
            "type": "array", "items": {"$ref": "#/components/schemas/Facility"}}}}});
        let responses: serde_json::Map<String, Value> = status
            .iter()
            .map(|s| (s.to_string(), answer.clone()))
            .collect();
        json!({"get": {"operationId": "facilities_list", "tags": ["facilities"],
                       "responses": responses}})
    }

    #[test]
    fn a_list_without_206_and_a_read_answering_a_list_disagree() {
        let digest = json!({"v2.7.1": {
            "operations_total": 2,
            "operations_per_group": {"facilities": 2},
            "facilities_read": {"success": 200, "answer": {"id": "string"}, "errors": [404]},
        }});
        let read = |schema: Value| {
            json!({"get": {"operationId": "facilities_read", "tags": ["facilities"],
            "responses": {"200": {"content": {"application/json": {"schema": schema}}}, "404": {}}}})
        };
        let facility = json!({"$ref": "#/components/schemas/Facility"});
        let components =
            json!({"schemas": {"Facility": {"properties": {"id": {"type": "string"}}}}});
        let old = json!({"paths": {"/facilities": list(&["200"]),
                                   "/facilities/{id}": read(json!({"type": "array", "items": facility}))},
                         "components": components});
        let keys: Vec<String> = compare(&old, &digest)
            .unwrap()
            .disagreements
            .into_iter()
            .map(|d| d.key)
            .collect();
        assert_eq!(
            keys,
            [
                "official/lists/facilities_list/206",
                "official/operations/facilities_read/answer",
                // a list has no member `id`
                "official/operations/facilities_read/answer/id",
            ]
        );
        let new = json!({"paths": {"/facilities": list(&["200", "206"]),
                                   "/facilities/{id}": read(facility)},
                         "components": components,
                         "x-deviations": []});
        let report = compare(&new, &digest).unwrap();
        assert!(report.agrees(), "{:?}", report.disagreements);
        assert!(report.facts >= 6, "{}", report.facts);
    }
}
