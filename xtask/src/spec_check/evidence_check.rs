//! `spec-check`, second half: does `spec/` say what the evidence says?
//!
//! Compared with the source of the spec's own version (`info.version`):
//! operations (method, path, `operationId`, query parameters, request and
//! answer bodies), and the schemas those reach, paired with the evidence's
//! structs by the operations that use them (`AccountUpdatePartial` is what
//! the Go client calls `AccountPatch`) or, failing that, by name: member
//! names, Go types against JSON Schema types, discriminator mappings.
//! Every `x-evidence` is checked against the source it cites.
//!
//! Each disagreement has a key (`operations/roles_read/query/id`,
//! `schemas/ProblemResponse/members/type`, `structs/Event`,
//! `citations/<pointer>`) that an `x-deviations` entry names under
//! `evidence` to explain it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use serde_json::Value;

use crate::model::walk;
use crate::spec_check::evidence::{self, Citation, Kind, Source};
use crate::spec_check::{covers, declared_deviations};

/// One thing `spec/` and the evidence disagree on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Disagreement {
    pub key: String,
    pub message: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// The outcome of the comparison with the evidence.
#[derive(Debug, Default)]
pub struct EvidenceReport {
    /// The version of the source compared with.
    pub version: String,
    /// Operations found in both and compared.
    pub operations: usize,
    /// Operations of `spec/` the source does not have, with their
    /// `x-evidence`.
    pub not_in_source: Vec<(String, String)>,
    /// Schemas paired with a struct of the source.
    pub pairs: usize,
    /// Our schema -> the source's struct, for each pair.
    pub paired: BTreeMap<String, String>,
    /// Members found on both sides of a pair and compared.
    pub members: usize,
    /// Query parameters found on both sides and compared.
    pub parameters: usize,
    /// Discriminator values found on both sides.
    pub mappings: usize,
    /// `x-evidence` entries naming a source, and `inferred` ones.
    pub evidenced: usize,
    pub inferred: usize,
    /// `x-evidence: official: ...` entries (checked by `official_check`).
    pub official: usize,
    /// Structs of the source no operation of the source reaches and
    /// `spec/` does not have.
    pub unreached: Vec<String>,
    /// Component schemas of `spec/` paired with no struct of the source.
    pub unpaired: Vec<String>,
    pub disagreements: Vec<Disagreement>,
    /// Disagreements a deviation explains, with its reason.
    pub known: Vec<(Disagreement, String)>,
    /// Deviation keys that explain nothing, and corrections that correct
    /// nothing: stale.
    pub stale: Vec<String>,
}

impl EvidenceReport {
    pub fn agrees(&self) -> bool {
        self.disagreements.is_empty() && self.stale.is_empty()
    }
}

/// Compares `ours` with the source of its `info.version`; `sources` are all
/// the sources `x-evidence` may cite, corrections applied. `stale` lists
/// corrections that changed nothing.
pub fn compare(
    ours: &Value,
    sources: &[Source],
    stale_corrections: Vec<String>,
) -> Result<EvidenceReport, String> {
    let version = ours
        .pointer("/info/version")
        .and_then(Value::as_str)
        .ok_or("the spec must say its version (info.version)")?;
    let source = sources
        .iter()
        .find(|s| s.version == version)
        .ok_or(format!(
            "spec/evidence.yaml lists no source for version {version}"
        ))?;
    let mut check = Check {
        doc: ours,
        source,
        report: EvidenceReport {
            version: version.to_string(),
            ..EvidenceReport::default()
        },
        found: BTreeSet::new(),
        pairs: BTreeSet::new(),
        queue: VecDeque::new(),
    };
    check.operations()?;
    check.drain();
    check.pair_by_name();
    check.drain();
    check.reach();
    check.citations(sources);

    let mut report = check.report;
    report.paired = check
        .pairs
        .iter()
        .map(|(ours, theirs)| (ours.clone(), theirs.clone()))
        .collect();
    let deviations = declared_deviations(ours)?;
    // `official/...` keys are the official digest's (`official_check`).
    let keys: Vec<(&String, &str)> = deviations
        .iter()
        .flat_map(|d| d.evidence.iter().map(move |k| (k, d.reason.as_str())))
        .filter(|(k, _)| !k.starts_with("official/") && !k.starts_with("answer-rule/"))
        .collect();
    for disagreement in check.found {
        match keys.iter().find(|(k, _)| covers(k, &disagreement.key)) {
            Some((_, reason)) => report.known.push((disagreement, reason.to_string())),
            None => report.disagreements.push(disagreement),
        }
    }
    report.stale = keys
        .iter()
        .filter(|(k, _)| !report.known.iter().any(|(d, _)| covers(k, &d.key)))
        .map(|(k, _)| format!("x-deviations: evidence {k} matches no disagreement"))
        .chain(stale_corrections)
        .collect();
    Ok(report)
}

struct Check<'a> {
    doc: &'a Value,
    source: &'a Source,
    report: EvidenceReport,
    found: BTreeSet<Disagreement>,
    /// (our component, the source's struct or interface)
    pairs: BTreeSet<(String, String)>,
    queue: VecDeque<(String, String)>,
}

/// A body as the evidence writes it.
#[derive(Debug, PartialEq)]
enum Body {
    Named { name: String, list: bool },
    Binary(Option<String>),
}

fn evidence_body(text: &str) -> Body {
    if let Some(media) = text
        .strip_prefix("[]byte(")
        .and_then(|m| m.strip_suffix(')'))
    {
        return Body::Binary(Some(media.to_string()));
    }
    if text.starts_with("Response(") {
        return Body::Binary(None);
    }
    let list = text.starts_with("[]");
    let name = text.trim_start_matches("[]").trim_start_matches('*');
    let name = name.split(['{', '(']).next().unwrap_or(name);
    Body::Named {
        name: name.to_string(),
        list,
    }
}

/// `/role-assignments/{assignment_id}` → `/role-assignments/{}`.
fn template(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            c => out.push(c),
        }
    }
    out
}

fn component_of(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// The component a schema is, directly or as the one part of an `allOf`.
fn reference(schema: &Value) -> Option<&str> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return component_of(r);
    }
    match schema.get("allOf").and_then(Value::as_array) {
        Some(parts) if parts.len() == 1 => reference(&parts[0]),
        _ => None,
    }
}

fn is_union(schema: &Value) -> bool {
    schema.get("discriminator").is_some() || schema.get("oneOf").is_some()
}

impl Check<'_> {
    fn disagree(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.found.insert(Disagreement {
            key: key.into(),
            message: message.into(),
        });
    }

    fn schema(&self, name: &str) -> Option<&Value> {
        self.doc.pointer(&walk::schema_pointer(name))
    }

    /// The members of component `name`, `allOf` parts included.
    fn members(&self, name: &str) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        if let Some(schema) = self.schema(name) {
            self.collect_members(schema, &mut out, 0);
        }
        out
    }

    fn collect_members(&self, schema: &Value, out: &mut BTreeMap<String, Value>, depth: usize) {
        if depth > 16 {
            return;
        }
        if let Some(target) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(component_of)
            .and_then(|name| self.schema(name))
        {
            return self.collect_members(target, out, depth + 1);
        }
        for (name, member) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            out.insert(name.clone(), member.clone());
        }
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.collect_members(part, out, depth + 1);
        }
    }

    /// The coarse kind of one of our schemas.
    fn kind(&self, schema: &Value) -> Kind {
        if let Some(name) = reference(schema) {
            return match self.schema(name) {
                Some(target) if is_union(target) => Kind::Union(name.to_string()),
                Some(target)
                    if target.get("properties").is_some() || target.get("allOf").is_some() =>
                {
                    Kind::Named(name.to_string())
                }
                Some(target) => self.kind(target),
                None => Kind::Any,
            };
        }
        if is_union(schema) {
            return Kind::Union(String::new());
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => Kind::DateTime,
                Some("date") => Kind::Date,
                Some("binary") => Kind::Binary,
                _ => Kind::String,
            },
            Some("integer") => Kind::Integer,
            Some("number") => Kind::Number,
            Some("boolean") => Kind::Boolean,
            Some("array") => Kind::Array(Box::new(
                schema.get("items").map_or(Kind::Any, |i| self.kind(i)),
            )),
            Some("object") => match schema.get("properties").and_then(Value::as_object) {
                Some(p) if !p.is_empty() => Kind::Named(String::new()),
                _ => Kind::Map,
            },
            _ => Kind::Any,
        }
    }

    fn pair(&mut self, ours: &str, theirs: &str) {
        let pair = (ours.to_string(), theirs.to_string());
        if self.source.is_type(theirs) && !self.pairs.contains(&pair) {
            self.pairs.insert(pair.clone());
            self.queue.push_back(pair);
        }
    }

    fn drain(&mut self) {
        while let Some((ours, theirs)) = self.queue.pop_front() {
            self.compare_pair(&ours, &theirs);
        }
    }

    /// Operations: the source's against ours, by method and path template.
    fn operations(&mut self) -> Result<(), String> {
        let ours: Vec<walk::Operation> = walk::operations(self.doc).collect();
        let mut matched = BTreeSet::new();
        for theirs in &self.source.operations {
            let found = ours.iter().find(|op| {
                op.method.eq_ignore_ascii_case(&theirs.method)
                    && template(op.path) == template(&theirs.path)
            });
            let Some(op) = found else {
                let id = theirs.operation_id.as_deref().unwrap_or(&theirs.func);
                self.disagree(
                    format!("operations/{id}"),
                    format!(
                        "{} {} ({}) is in the evidence, not in spec/",
                        theirs.method, theirs.path, theirs.func
                    ),
                );
                continue;
            };
            matched.insert(op.pointer());
            self.report.operations += 1;
            let id = op.id().unwrap_or(&theirs.func).to_string();
            let key = format!("operations/{id}");
            if op.path != theirs.path {
                self.disagree(
                    format!("{key}/path"),
                    format!("spec/ writes {}, the evidence {}", op.path, theirs.path),
                );
            }
            if let Some(their_id) = &theirs.operation_id
                && op.id() != Some(their_id)
            {
                self.disagree(
                    format!("{key}/operationId"),
                    format!("spec/ names it {id}, the evidence {their_id}"),
                );
            }
            self.query(op, &key, theirs.query.as_deref())?;
            self.request(op, &key, theirs.request.as_deref());
            self.patch_media(op, &key, theirs);
            self.answer(op, &key, theirs.response.as_deref());
        }
        for op in ours.iter().filter(|op| !matched.contains(&op.pointer())) {
            let id = op.id().unwrap_or_default();
            match op.value.get("x-evidence").and_then(Value::as_str) {
                Some(evidence) if !evidence.starts_with(&self.source.prefix()) => {
                    self.report.not_in_source.push((
                        format!("{} {}", op.method.to_uppercase(), op.path),
                        evidence.into(),
                    ))
                }
                _ => self.disagree(
                    format!("operations/{id}"),
                    format!(
                        "{} {} is in spec/, not in the evidence",
                        op.method.to_uppercase(),
                        op.path
                    ),
                ),
            }
        }
        Ok(())
    }

    fn query(
        &mut self,
        op: &walk::Operation,
        key: &str,
        query: Option<&str>,
    ) -> Result<(), String> {
        let theirs: Vec<evidence::Member> = query
            .and_then(|q| self.source.queries.get(q))
            .cloned()
            .unwrap_or_default();
        let mut ours = BTreeMap::new();
        for parameter in op.parameters().map_err(|e| e.message)? {
            if parameter.get("in").and_then(Value::as_str) == Some("query") {
                let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
                ours.insert(name.to_string(), parameter.get("schema").cloned());
            }
        }
        let struct_name = query.unwrap_or("(no query)");
        for member in &theirs {
            let here = format!("{key}/query/{}", member.name);
            match ours.remove(&member.name) {
                None => self.disagree(
                    here,
                    format!(
                        "{struct_name} has `{}` ({}); spec/ does not",
                        member.name, member.go
                    ),
                ),
                Some(schema) => {
                    self.report.parameters += 1;
                    let kind = schema.as_ref().map_or(Kind::Any, |s| self.kind(s));
                    let go = evidence::go_kind(&member.go);
                    if !evidence::compatible(&go, &kind) {
                        self.disagree(
                            format!("{here}/type"),
                            format!("spec/ says {kind}, {struct_name} {}", member.go),
                        );
                    }
                }
            }
        }
        for name in ours.keys() {
            self.disagree(
                format!("{key}/query/{name}"),
                format!("spec/ has `{name}`; {struct_name} does not"),
            );
        }
        Ok(())
    }

    fn request(&mut self, op: &walk::Operation, key: &str, theirs: Option<&str>) {
        let content = op.request_content();
        let here = format!("{key}/request");
        match (theirs.map(evidence_body), content) {
            (None, None) => {}
            (None, Some(_)) => {
                self.disagree(here, "spec/ takes a body; the evidence sends none");
            }
            (Some(_), None) => self.disagree(here, "the evidence sends a body; spec/ takes none"),
            (Some(Body::Binary(media)), Some(content)) => {
                let binary = content.iter().any(|(m, media_object)| {
                    media.as_deref().is_none_or(|wanted| wanted == m)
                        && media_object
                            .pointer("/schema/format")
                            .and_then(Value::as_str)
                            == Some("binary")
                });
                if !binary {
                    self.disagree(
                        here,
                        format!(
                            "the evidence sends bytes ({}); spec/ takes no such body",
                            media.unwrap_or_default()
                        ),
                    );
                }
            }
            (Some(Body::Named { name, .. }), Some(content)) => {
                let schema = content
                    .iter()
                    .find(|(m, _)| m.contains("json"))
                    .and_then(|(_, media)| media.get("schema"));
                match schema.and_then(reference) {
                    Some(ours) => {
                        let ours = ours.to_string();
                        self.pair(&ours, &name);
                    }
                    None => self.disagree(
                        here,
                        format!("the evidence sends {name}; spec/ takes no JSON component"),
                    ),
                }
            }
        }
    }

    /// The Go client sends every JSON body as `application/json`, PATCHes
    /// included: a server that serves it takes a patch so, and spec/ must
    /// say so beside the merge patch.
    fn patch_media(&mut self, op: &walk::Operation, key: &str, theirs: &evidence::Operation) {
        let json_body = theirs
            .request
            .as_deref()
            .is_some_and(|body| matches!(evidence_body(body), Body::Named { .. }));
        if theirs.method != "PATCH" || !json_body {
            return;
        }
        let takes_json = op
            .request_content()
            .is_some_and(|content| content.contains_key("application/json"));
        if !takes_json {
            self.disagree(
                format!("{key}/request/media"),
                "the evidence PATCHes with application/json; spec/ does not take it",
            );
        }
    }

    fn answer(&mut self, op: &walk::Operation, key: &str, theirs: Option<&str>) {
        let success = op.responses().find(|(status, _)| status.starts_with('2'));
        let here = format!("{key}/response");
        let Some(theirs) = theirs.map(evidence_body) else {
            return;
        };
        let Some((status, response)) = success else {
            self.disagree(here, "spec/ documents no success answer");
            return;
        };
        let content = response.get("content").and_then(Value::as_object);
        let json = content.and_then(|c| {
            c.iter()
                .find(|(m, _)| m.contains("json"))
                .and_then(|(_, media)| media.get("schema"))
        });
        match theirs {
            Body::Binary(_) => {
                let binary = content.is_some_and(|c| {
                    c.values().any(|media| {
                        media.pointer("/schema/format").and_then(Value::as_str) == Some("binary")
                    })
                });
                if !binary {
                    self.disagree(
                        here,
                        format!("the evidence answers bytes; spec/ answers {status} otherwise"),
                    );
                }
            }
            Body::Named { name, list } => {
                let (schema, ours_list) = match json {
                    Some(s) if s.get("type").and_then(Value::as_str) == Some("array") => {
                        (s.get("items"), true)
                    }
                    other => (other, false),
                };
                if list != ours_list {
                    self.disagree(
                        format!("{here}/list"),
                        format!(
                            "the evidence answers {}{name}; spec/ {}",
                            if list { "a list of " } else { "one " },
                            if ours_list { "a list" } else { "one object" }
                        ),
                    );
                }
                match schema.and_then(reference) {
                    Some(ours) => {
                        let ours = ours.to_string();
                        // A `*Partial` schema leaves every member optional:
                        // an answer of one is weaker than the evidence's.
                        if ours.ends_with("Partial") && !name.ends_with("Patch") {
                            self.disagree(
                                format!("{here}/partial"),
                                format!("spec/ answers {ours}, every member optional; the evidence {name}"),
                            );
                        }
                        self.pair(&ours, &name);
                    }
                    None => self.disagree(
                        here,
                        format!("the evidence answers {name}; spec/ answers no component"),
                    ),
                }
            }
        }
    }

    fn compare_pair(&mut self, ours: &str, theirs: &str) {
        let Some(schema) = self.schema(ours).cloned() else {
            return;
        };
        let key = format!("schemas/{ours}");
        if let Some(poly) = self.source.polys.get(theirs).cloned() {
            if !is_union(&schema) {
                self.disagree(
                    key,
                    format!("the evidence's {theirs} is a union; {ours} is not"),
                );
                return;
            }
            let property = schema
                .pointer("/discriminator/propertyName")
                .and_then(Value::as_str)
                .unwrap_or("");
            if property != poly.tag {
                self.disagree(
                    format!("{key}/discriminator"),
                    format!(
                        "{ours} is told apart by `{property}`, {theirs} by `{}`",
                        poly.tag
                    ),
                );
            }
            if poly.mapping.is_empty() {
                return;
            }
            let mapping: BTreeMap<String, String> = schema
                .pointer("/discriminator/mapping")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(tag, target)| {
                    Some((tag.clone(), component_of(target.as_str()?)?.to_string()))
                })
                .collect();
            for (tag, target) in &poly.mapping {
                match mapping.get(tag) {
                    None => self.disagree(
                        format!("{key}/mapping/{tag}"),
                        format!("evidence {theirs} has `{tag}`; spec/ {ours} does not"),
                    ),
                    Some(our_target) => {
                        self.report.mappings += 1;
                        if let Some(target) = target {
                            self.pair(our_target, target);
                        }
                    }
                }
            }
            for tag in mapping.keys() {
                if !poly.mapping.iter().any(|(t, _)| t == tag) {
                    self.disagree(
                        format!("{key}/mapping/{tag}"),
                        format!("spec/ {ours} has `{tag}`; evidence {theirs} does not"),
                    );
                }
            }
            return;
        }
        let Some(members) = self.source.structs.get(theirs).cloned() else {
            return;
        };
        if is_union(&schema) {
            self.disagree(
                key,
                format!("{ours} is a union; the evidence's {theirs} is not"),
            );
            return;
        }
        let mut ours_members = self.members(ours);
        for member in &members {
            let here = format!("{key}/members/{}", member.name);
            let Some(schema) = ours_members.remove(&member.name) else {
                self.disagree(
                    here,
                    format!(
                        "evidence {theirs} has `{}` ({}); spec/ {ours} does not",
                        member.name, member.go
                    ),
                );
                continue;
            };
            self.report.members += 1;
            let kind = self.kind(&schema);
            let go = evidence::go_kind(&member.go);
            if !evidence::compatible(&go, &kind) {
                self.disagree(
                    format!("{here}/type"),
                    format!("spec/ {ours} says {kind}, evidence {theirs} {}", member.go),
                );
            }
            if let (Kind::Named(go_name), Some(component)) =
                (innermost(&go), innermost_reference(&schema))
            {
                self.pair(&component, &go_name);
            }
        }
        for name in ours_members.keys() {
            self.disagree(
                format!("{key}/members/{name}"),
                format!("spec/ {ours} has `{name}`; evidence {theirs} does not"),
            );
        }
    }

    /// Our components and the source's structs that no operation paired,
    /// paired by name (letter case aside).
    fn pair_by_name(&mut self) {
        let paired_ours: BTreeSet<String> = self.pairs.iter().map(|(o, _)| o.clone()).collect();
        let paired_theirs: BTreeSet<String> = self.pairs.iter().map(|(_, t)| t.clone()).collect();
        let names: Vec<String> = walk::schemas(self.doc)
            .map(|(name, _)| name.to_string())
            .filter(|name| !paired_ours.contains(name))
            .collect();
        for name in names {
            let theirs = self
                .source
                .structs
                .keys()
                .chain(self.source.polys.keys())
                .find(|t| t.eq_ignore_ascii_case(&name) && !paired_theirs.contains(*t))
                .cloned();
            if let Some(theirs) = theirs {
                self.pair(&name, &theirs);
            }
        }
        self.report.pairs = self.pairs.len();
    }

    /// Structs the source's operations reach that `spec/` has nothing for.
    fn reach(&mut self) {
        self.report.pairs = self.pairs.len();
        let paired: BTreeSet<String> = self.pairs.iter().map(|(_, t)| t.clone()).collect();
        let mut reached: BTreeMap<String, String> = BTreeMap::new();
        let mut queue: VecDeque<(String, String)> = VecDeque::new();
        for op in &self.source.operations {
            for body in [&op.request, &op.response].into_iter().flatten() {
                if let Body::Named { name, .. } = evidence_body(body) {
                    queue.push_back((name, op.func.clone()));
                }
            }
        }
        while let Some((name, from)) = queue.pop_front() {
            if !self.source.is_type(&name) || reached.contains_key(&name) {
                continue;
            }
            reached.insert(name.clone(), from.clone());
            for member in self.source.structs.get(&name).into_iter().flatten() {
                if let Kind::Named(next) = innermost(&evidence::go_kind(&member.go)) {
                    queue.push_back((next, from.clone()));
                }
            }
            for (_, target) in self
                .source
                .polys
                .get(&name)
                .map(|p| p.mapping.clone())
                .unwrap_or_default()
            {
                if let Some(target) = target {
                    queue.push_back((target, from.clone()));
                }
            }
        }
        let mut missing = Vec::new();
        for (name, from) in &reached {
            if !paired.contains(name) {
                missing.push((name.clone(), from.clone()));
            }
        }
        for (name, from) in missing {
            self.disagree(
                format!("structs/{name}"),
                format!("{from} reaches {name} in the evidence; spec/ has no schema for it"),
            );
        }
        let paired_ours: BTreeSet<&String> = self.pairs.iter().map(|(o, _)| o).collect();
        self.report.unpaired = walk::schemas(self.doc)
            .map(|(name, _)| name.to_string())
            .filter(|name| !paired_ours.contains(name))
            .collect();
        self.report.unreached = self
            .source
            .structs
            .keys()
            .filter(|name| !reached.contains_key(*name) && !paired.contains(*name))
            .cloned()
            .collect();
    }

    /// Every `x-evidence`: counted, and checked against the source it cites
    /// where it says what it is evidence of (an operation, a query
    /// parameter, a component schema, a member).
    fn citations(&mut self, sources: &[Source]) {
        let mut all = Vec::new();
        collect_citations(self.doc, String::new(), &mut all);
        // A deviation's `source` is checked as a citation too (it is not
        // counted as a fact).
        for (i, deviation) in self
            .doc
            .get("x-deviations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(text) = deviation.get("source").and_then(Value::as_str) else {
                continue;
            };
            let key = format!("citations/x-deviations/{i}/source");
            match evidence::citation(text) {
                Ok(Citation::Source {
                    repository,
                    commit,
                    symbol,
                    ..
                }) => {
                    let source = sources
                        .iter()
                        .find(|s| s.repository == repository && s.commit == commit);
                    let known = source.is_some_and(|source| {
                        symbol.as_deref().is_none_or(|symbol| {
                            source.is_type(symbol)
                                || source.queries.contains_key(symbol)
                                || source.operations.iter().any(|o| o.func == symbol)
                        })
                    });
                    if !known {
                        self.disagree(
                            key,
                            format!("{text} names nothing spec/evidence.yaml's sources hold"),
                        );
                    }
                }
                // Official citations are checked against the digest
                // (`official_check`).
                Ok(Citation::Inferred(_) | Citation::Official(_)) => {}
                Err(message) => self.disagree(key, message),
            }
        }
        for (pointer, text) in all {
            let key = format!("citations{pointer}");
            let citation = match evidence::citation(&text) {
                Ok(citation) => citation,
                Err(message) => {
                    self.disagree(key, message);
                    continue;
                }
            };
            let (repository, commit, symbol) = match citation {
                Citation::Inferred(_) => {
                    self.report.inferred += 1;
                    continue;
                }
                Citation::Official(_) => {
                    self.report.official += 1;
                    continue;
                }
                Citation::Source {
                    repository,
                    commit,
                    symbol,
                    ..
                } => (repository, commit, symbol),
            };
            self.report.evidenced += 1;
            let Some(source) = sources
                .iter()
                .find(|s| s.repository == repository && s.commit == commit)
            else {
                self.disagree(
                    key,
                    format!("cites {repository}@{commit}, which spec/evidence.yaml does not list"),
                );
                continue;
            };
            if let Some(problem) = self.cited(&pointer, source, symbol.as_deref()) {
                self.disagree(key, problem);
            }
        }
    }

    /// What is wrong with citing `symbol` of `source` at `pointer`, if
    /// anything.
    fn cited(&self, pointer: &str, source: &Source, symbol: Option<&str>) -> Option<String> {
        let tokens: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect();
        let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
        let version = &source.version;
        match tokens.as_slice() {
            ["paths", path, method, "x-evidence"] => {
                let symbol = symbol?;
                let Some(func) = source.operations.iter().find(|o| o.func == symbol) else {
                    return Some(format!("the {version} evidence has no operation {symbol}"));
                };
                let op = walk::operation(self.doc, path, method)?;
                let same = func.method.eq_ignore_ascii_case(method)
                    && template(&func.path) == template(path)
                    && func
                        .operation_id
                        .as_deref()
                        .is_none_or(|id| op.id() == Some(id));
                (!same).then(|| {
                    format!(
                        "{symbol} is {} {} ({}) in the {version} evidence",
                        func.method,
                        func.path,
                        func.operation_id.as_deref().unwrap_or("no operationId")
                    )
                })
            }
            ["paths", path, method, "parameters", index, "x-evidence"] => {
                let symbol = symbol?;
                let op = walk::operation(self.doc, path, method)?;
                let parameter = op.value.pointer(&format!("/parameters/{index}"))?;
                let name = parameter.get("name").and_then(Value::as_str)?;
                let Some(query) = source.queries.get(symbol) else {
                    return Some(format!("the {version} evidence has no query {symbol}"));
                };
                (!query.iter().any(|m| m.name == name))
                    .then(|| format!("{symbol} has no `{name}` in the {version} evidence"))
            }
            ["components", "schemas", _, "x-evidence"] => {
                let symbol = symbol?;
                (!source.is_type(symbol)).then(|| format!("the {version} evidence has no {symbol}"))
            }
            [
                "components",
                "schemas",
                _,
                "properties",
                member,
                "x-evidence",
            ] => {
                let symbol = symbol?;
                let Some(members) = source.structs.get(symbol) else {
                    return Some(format!("the {version} evidence has no struct {symbol}"));
                };
                (!members.iter().any(|m| m.name == *member))
                    .then(|| format!("{symbol} has no `{member}` in the {version} evidence"))
            }
            _ => None,
        }
    }
}

/// The item kind of (nested) arrays.
fn innermost(kind: &Kind) -> Kind {
    match kind {
        Kind::Array(item) => innermost(item),
        other => other.clone(),
    }
}

fn innermost_reference(schema: &Value) -> Option<String> {
    if let Some(items) = schema.get("items") {
        return innermost_reference(items);
    }
    reference(schema).map(str::to_string)
}

fn collect_citations(value: &Value, pointer: String, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                let here = crate::model::document::join(&pointer, key);
                match (key.as_str(), child) {
                    ("x-evidence", Value::String(text)) => out.push((here, text.clone())),
                    _ => collect_citations(child, here, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_citations(item, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec_check::evidence::{SourceEntry, parse};
    use serde_json::json;

    const COMMIT: &str = "06331cfe75e101b3c81fa9e02d69681a0def2f5f";

    fn source() -> Source {
        let entry = SourceEntry {
            version: "2.7.1".into(),
            repository: "ix-api-net/terraform-provider-ixapi".into(),
            commit: COMMIT.into(),
            entities: String::new(),
            operations: String::new(),
        };
        let entities = json!({
            "structs": {
                "Port": [
                    {"json": "id", "type": "string"},
                    {"json": "speed", "type": "*int"},
                    {"json": "operational_state", "type": "*string"}
                ]
            },
            "polys": []
        });
        let operations = json!({
            "ops": [{"func": "PortsRead", "operation_id": "ports_read", "method": "GET",
                     "path": "/ports/{id}", "request": null, "query": null, "response": "*Port"}],
            "queries": {}
        });
        parse(&entry, &entities, &operations).unwrap()
    }

    fn spec(port: Value, deviations: Value) -> Value {
        json!({
            "info": {"version": "2.7.1"},
            "x-deviations": deviations,
            "paths": {"/ports/{id}": {"get": {
                "operationId": "ports_read",
                "x-evidence": format!("ix-api-net/terraform-provider-ixapi@{COMMIT}:internal/ixapi/resources.go#PortsRead"),
                "parameters": [{"in": "path", "name": "id", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Port"}}}}}
            }}},
            "components": {"schemas": {"Port": port}}
        })
    }

    fn port() -> Value {
        json!({"type": "object", "properties": {
            "id": {"type": "string"},
            "speed": {"type": "integer"},
            "operational_state": {"type": "string", "x-evidence":
                format!("ix-api-net/terraform-provider-ixapi@{COMMIT}:internal/ixapi/entities.go#Port")}
        }})
    }

    #[test]
    fn an_agreeing_spec_agrees_and_its_facts_are_counted() {
        let report = compare(&spec(port(), json!([])), &[source()], Vec::new()).unwrap();
        assert!(report.agrees(), "{:?}", report.disagreements);
        assert_eq!(report.operations, 1);
        assert_eq!(report.members, 3);
        assert_eq!((report.evidenced, report.inferred), (2, 0));
        assert!(report.unpaired.is_empty(), "{:?}", report.unpaired);
    }

    #[test]
    fn a_disagreement_is_found() {
        let mut port = port();
        port["properties"]["speed"] = json!({"type": "string"});
        port["properties"]["name"] = json!({"type": "string"});
        let report = compare(&spec(port, json!([])), &[source()], Vec::new()).unwrap();
        let keys: Vec<&str> = report
            .disagreements
            .iter()
            .map(|d| d.key.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "schemas/Port/members/name",
                "schemas/Port/members/speed/type"
            ]
        );
        assert!(!report.agrees());
    }

    #[test]
    fn a_listed_deviation_is_accepted_and_a_stale_one_reported() {
        let mut port = port();
        port["properties"]["name"] = json!({"type": "string"});
        let deviations = json!([
            {"evidence": "schemas/Port/members/name", "reason": "kept from 2.1"},
            {"evidence": ["schemas/Port/members/type"], "reason": "stale"}
        ]);
        let report = compare(&spec(port, deviations), &[source()], Vec::new()).unwrap();
        assert!(
            report.disagreements.is_empty(),
            "{:?}",
            report.disagreements
        );
        assert_eq!(report.known.len(), 1);
        assert_eq!(report.known[0].1, "kept from 2.1");
        assert_eq!(report.stale.len(), 1);
        assert!(report.stale[0].contains("schemas/Port/members/type"));
        assert!(!report.agrees());
    }

    #[test]
    fn citations_are_checked_against_the_source() {
        let mut port = port();
        port["properties"]["id"]["x-evidence"] = json!(format!(
            "ix-api-net/terraform-provider-ixapi@{COMMIT}:internal/ixapi/entities.go#Facility"
        ));
        port["properties"]["speed"]["x-evidence"] = json!("inferred: a reason");
        let report = compare(&spec(port, json!([])), &[source()], Vec::new()).unwrap();
        assert_eq!(
            report.disagreements,
            [Disagreement {
                key: "citations/components/schemas/Port/properties/id/x-evidence".into(),
                message: "the 2.7.1 evidence has no struct Facility".into(),
            }]
        );
        assert_eq!((report.evidenced, report.inferred), (3, 1));
    }

    #[test]
    fn a_deviation_citing_nothing_the_source_holds_is_a_disagreement() {
        let deviations = json!([
            {"evidence": "schemas/Port/members/name", "reason": "r", "source":
                format!("ix-api-net/terraform-provider-ixapi@{COMMIT}:internal/ixapi/entities.go#Nothing")}
        ]);
        let mut port = port();
        port["properties"]["name"] = json!({"type": "string"});
        let report = compare(&spec(port, deviations), &[source()], Vec::new()).unwrap();
        let keys: Vec<&str> = report
            .disagreements
            .iter()
            .map(|d| d.key.as_str())
            .collect();
        assert_eq!(keys, ["citations/x-deviations/0/source"]);
    }

    #[test]
    fn operations_missing_on_either_side_are_disagreements() {
        let mut doc = spec(port(), json!([]));
        doc["paths"]["/ports/{id}"]["get"]["operationId"] = json!("port_read");
        doc["paths"]["/extra"] = json!({"get": {"operationId": "extra"}});
        doc["paths"]["/inferred"] = json!({"get": {"operationId": "inferred_read", "x-evidence": "inferred: listed elsewhere"}});
        let report = compare(&doc, &[source()], Vec::new()).unwrap();
        let keys: Vec<&str> = report
            .disagreements
            .iter()
            .map(|d| d.key.as_str())
            .collect();
        // The citation names PortsRead, whose operationId is another now.
        assert_eq!(
            keys,
            [
                "citations/paths/~1ports~1{id}/get/x-evidence",
                "operations/extra",
                "operations/port_read/operationId"
            ]
        );
        assert_eq!(report.not_in_source.len(), 1);
    }

    #[test]
    fn bodies_are_read_as_the_evidence_writes_them() {
        assert_eq!(
            evidence_body("[]byte(application/octet-stream)"),
            Body::Binary(Some("application/octet-stream".into()))
        );
        assert_eq!(
            evidence_body("[]ProductOffering{connection,exchange_lan}"),
            Body::Named {
                name: "ProductOffering".into(),
                list: true
            }
        );
        assert_eq!(
            evidence_body("NetworkServiceRequest(poly)"),
            Body::Named {
                name: "NetworkServiceRequest".into(),
                list: false
            }
        );
        assert_eq!(
            template("/role-assignments/{assignment_id}"),
            "/role-assignments/{}"
        );
    }
}
