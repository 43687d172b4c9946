//! The evidence for IX-API versions after 2.1.0: facts extracted from the
//! Go client the IX-API organisation's Terraform provider generates from the
//! official schema (`../shared/ix-api/evidence/`), as `spec/evidence.yaml`
//! lists them: each source's version, repository and commit, its files, and
//! the corrections to a file where the source itself says otherwise.
//!
//! This module reads them; `evidence_check` compares `spec/` with them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::model::document;

/// A member of a Go struct (an entity or a query), by its JSON name.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub name: String,
    /// The Go type as the evidence writes it (`*string`, `[]*Status`,
    /// `time`, `Date`, `map`, a struct's name).
    pub go: String,
}

/// A polymorphic interface: the tag property and, per tag, the struct (when
/// the evidence names it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Poly {
    pub tag: String,
    pub mapping: Vec<(String, Option<String>)>,
}

/// One operation of the Go client.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The Go function (`ConnectionsLoaDownload`).
    pub func: String,
    pub operation_id: Option<String>,
    /// Upper case.
    pub method: String,
    pub path: String,
    /// As the evidence writes it (`ConnectionRequest`,
    /// `NetworkServiceRequest(poly)`, `[]byte(application/octet-stream)`).
    pub request: Option<String>,
    /// The query struct's name.
    pub query: Option<String>,
    /// As the evidence writes it (`*Connection`, `[]*Facility`,
    /// `NetworkService{exchange_lan,...}`, `Response(raw bytes)`).
    pub response: Option<String>,
}

/// The facts of one source (one schema version).
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub version: String,
    pub repository: String,
    pub commit: String,
    pub structs: BTreeMap<String, Vec<Member>>,
    pub polys: BTreeMap<String, Poly>,
    pub operations: Vec<Operation>,
    pub queries: BTreeMap<String, Vec<Member>>,
}

impl Source {
    /// `owner/repo@commit:` — how an `x-evidence` names this source.
    pub fn prefix(&self) -> String {
        format!("{}@{}:", self.repository, self.commit)
    }

    pub fn is_type(&self, name: &str) -> bool {
        self.structs.contains_key(name) || self.polys.contains_key(name)
    }
}

/// A correction to a source's file: the source says otherwise than the
/// file, and the source wins.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    pub version: String,
    /// The struct corrected.
    pub target: String,
    /// The members in the order the source declares them.
    pub member_order: Vec<String>,
    /// Where the source says so (`owner/repo@commit:path#Symbol`).
    pub location: String,
}

/// `spec/evidence.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub sources: Vec<SourceEntry>,
    pub corrections: Vec<Correction>,
}

/// A source as `spec/evidence.yaml` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceEntry {
    pub version: String,
    pub repository: String,
    pub commit: String,
    pub entities: String,
    pub operations: String,
}

/// Reads `spec/evidence.yaml`.
pub fn catalogue(file: &Path) -> Result<Catalogue, String> {
    let doc = document::load(file).map_err(|e| e.to_string())?;
    let at = |pointer: &str, message: &str| format!("{}: {pointer}: {message}", file.display());
    let text = |entry: &Value, pointer: &str, key: &str| -> Result<String, String> {
        entry
            .get(key)
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .ok_or_else(|| at(pointer, &format!("`{key}` is missing")))
    };
    let mut out = Catalogue::default();
    for (i, entry) in doc
        .get("sources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let pointer = format!("/sources/{i}");
        out.sources.push(SourceEntry {
            version: text(entry, &pointer, "version")?,
            repository: text(entry, &pointer, "repository")?,
            commit: text(entry, &pointer, "commit")?,
            entities: text(entry, &pointer, "entities")?,
            operations: text(entry, &pointer, "operations")?,
        });
    }
    for (i, entry) in doc
        .get("corrections")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let pointer = format!("/corrections/{i}");
        let member_order = entry
            .get("member-order")
            .and_then(Value::as_array)
            .ok_or_else(|| at(&pointer, "`member-order` is missing"))?
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| at(&pointer, "`member-order` must list member names"))?;
        out.corrections.push(Correction {
            version: text(entry, &pointer, "version")?,
            target: text(entry, &pointer, "struct")?,
            member_order,
            location: text(entry, &pointer, "source")?,
        });
    }
    if out.sources.is_empty() {
        return Err(at("/sources", "lists no source"));
    }
    Ok(out)
}

/// Reads a source's two files from `dir`.
pub fn load(entry: &SourceEntry, dir: &Path) -> Result<Source, String> {
    let read = |name: &str| -> Result<Value, String> {
        let file = dir.join(name);
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("{}: cannot read the evidence: {e}", file.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", file.display()))
    };
    let entities = read(&entry.entities)?;
    let operations = read(&entry.operations)?;
    parse(entry, &entities, &operations)
        .map_err(|e| format!("{}/{}: {e}", dir.display(), entry.entities))
}

fn members(list: &Value, name_key: &str) -> Vec<Member> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            Some(Member {
                name: m.get(name_key)?.as_str()?.to_string(),
                go: m.get("type")?.as_str()?.to_string(),
            })
        })
        .collect()
}

/// A source from its two files (as JSON values).
pub fn parse(entry: &SourceEntry, entities: &Value, operations: &Value) -> Result<Source, String> {
    let mut source = Source {
        version: entry.version.clone(),
        repository: entry.repository.clone(),
        commit: entry.commit.clone(),
        ..Source::default()
    };
    for (name, list) in entities
        .get("structs")
        .and_then(Value::as_object)
        .ok_or("no `structs`")?
    {
        source.structs.insert(name.clone(), members(list, "json"));
    }
    // 2.7.1: `#poly Name(tag) value=Struct ...`; 2.4.2: interface names only.
    for line in entities
        .get("polys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let (name, poly) = parse_poly(line).ok_or(format!("cannot read {line:?}"))?;
        source.polys.insert(name, poly);
    }
    for name in entities
        .get("interfaces")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        source.polys.entry(name.to_string()).or_default();
    }
    derive_variants(&mut source.polys);
    for op in operations
        .get("ops")
        .and_then(Value::as_array)
        .ok_or("no `ops`")?
    {
        let field = |key: &str| op.get(key).and_then(Value::as_str).map(str::to_string);
        source.operations.push(Operation {
            func: field("func").ok_or("an operation without `func`")?,
            operation_id: field("operation_id"),
            method: field("method")
                .ok_or("an operation without `method`")?
                .to_uppercase(),
            path: field("path").ok_or("an operation without `path`")?,
            request: field("request"),
            query: field("query"),
            response: field("response"),
        });
    }
    for (name, list) in operations
        .get("queries")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        source.queries.insert(name.clone(), members(list, "name"));
    }
    Ok(source)
}

/// `#poly SharedStatisticsConfig(policy) allow=SharedStatisticsConfigAllow ...`
fn parse_poly(line: &str) -> Option<(String, Poly)> {
    let mut words = line.strip_prefix("#poly ")?.split_whitespace();
    let head = words.next()?;
    let (name, tag) = match head.split_once('(') {
        Some((name, tag)) => (name, tag.strip_suffix(')')?),
        None => (head, "type"),
    };
    let mut poly = Poly {
        tag: tag.to_string(),
        mapping: Vec::new(),
    };
    for word in words {
        if word.starts_with('(') {
            break;
        }
        match word.split_once('=') {
            Some((value, target)) => poly
                .mapping
                .push((value.to_string(), Some(target.to_string()))),
            None => poly.mapping.push((word.to_string(), None)),
        }
    }
    Some((name.to_string(), poly))
}

/// The evidence names the variants of the answers' unions only
/// (`NetworkService`); those of `NetworkServiceRequest` are the same
/// structs with the suffix (`P2PNetworkServiceRequest`).
fn derive_variants(polys: &mut BTreeMap<String, Poly>) {
    let known = polys.clone();
    for (name, poly) in polys.iter_mut() {
        for suffix in ["Request", "Update", "Patch"] {
            let Some(base) = name.strip_suffix(suffix).and_then(|base| known.get(base)) else {
                continue;
            };
            for (value, target) in poly.mapping.iter_mut() {
                if target.is_none() {
                    *target = base
                        .mapping
                        .iter()
                        .find(|(v, _)| v == value)
                        .and_then(|(_, t)| t.as_ref())
                        .map(|t| format!("{t}{suffix}"));
                }
            }
        }
    }
}

/// Applies `corrections` of `source`'s version. Returns, per correction,
/// whether it changed anything (a correction that changes nothing is stale:
/// the file agrees with the source now).
pub fn correct(source: &mut Source, corrections: &[Correction]) -> Result<Vec<bool>, String> {
    let mut changed = Vec::new();
    for correction in corrections.iter().filter(|c| c.version == source.version) {
        let Some(members) = source.structs.get_mut(&correction.target) else {
            return Err(format!(
                "a correction names {}, which the {} evidence does not have",
                correction.target, source.version
            ));
        };
        let before: Vec<String> = members.iter().map(|m| m.name.clone()).collect();
        let same_set = before.iter().collect::<BTreeSet<_>>()
            == correction.member_order.iter().collect::<BTreeSet<_>>();
        if !same_set || before.len() != correction.member_order.len() {
            return Err(format!(
                "the correction of {} lists other members than the evidence has",
                correction.target
            ));
        }
        if before == correction.member_order {
            changed.push(false);
            continue;
        }
        members.sort_by_key(|m| {
            correction
                .member_order
                .iter()
                .position(|name| *name == m.name)
        });
        changed.push(true);
    }
    Ok(changed)
}

/// What a Go type is, coarsely: what a JSON Schema type can be compared
/// with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    DateTime,
    Date,
    /// An object with any members (`map[string]interface{}`).
    Map,
    /// Anything (`interface{}`, raw JSON, an empty schema).
    Any,
    Array(Box<Kind>),
    /// A struct or interface, by name (the Go name, or the component's).
    Named(String),
    /// A union (a discriminated `oneOf`) in `spec/`.
    Union(String),
    /// Bytes (`format: binary`).
    Binary,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::String => f.write_str("string"),
            Self::Integer => f.write_str("integer"),
            Self::Number => f.write_str("number"),
            Self::Boolean => f.write_str("boolean"),
            Self::DateTime => f.write_str("date-time string"),
            Self::Date => f.write_str("date string"),
            Self::Map => f.write_str("map"),
            Self::Any => f.write_str("any"),
            Self::Array(item) => write!(f, "array of {item}"),
            Self::Named(name) => write!(f, "object {name}"),
            Self::Union(name) => write!(f, "union {name}"),
            Self::Binary => f.write_str("bytes"),
        }
    }
}

/// The kind of a Go type as the evidence writes it. Pointers say nothing
/// a JSON Schema type does (optional and nullable are lost in the Go
/// client), so they are dropped.
pub fn go_kind(go: &str) -> Kind {
    let go = go.trim_start_matches('*');
    if let Some(item) = go.strip_prefix("[]") {
        return Kind::Array(Box::new(go_kind(item)));
    }
    match go {
        "string" => Kind::String,
        "int" | "int32" | "int64" => Kind::Integer,
        "float64" | "float32" => Kind::Number,
        "bool" => Kind::Boolean,
        "time" | "time.Time" => Kind::DateTime,
        "Date" => Kind::Date,
        "map" | "map[string]interface{}" => Kind::Map,
        "interface{}" | "json.RawMessage" => Kind::Any,
        named => Kind::Named(named.to_string()),
    }
}

/// Whether a Go type and a JSON Schema type can carry the same values.
/// Named types are paired by the caller.
pub fn compatible(go: &Kind, ours: &Kind) -> bool {
    match (go, ours) {
        (Kind::Any, _) | (_, Kind::Any) => true,
        (Kind::Array(a), Kind::Array(b)) => compatible(a, b),
        (Kind::Named(_), Kind::Named(_) | Kind::Union(_)) => true,
        (a, b) => a == b,
    }
}

/// An `x-evidence` value, read.
#[derive(Debug, Clone, PartialEq)]
pub enum Citation {
    /// `owner/repo@commit:path`, with `#Symbol` when it names one.
    Source {
        repository: String,
        commit: String,
        path: String,
        symbol: Option<String>,
    },
    /// `inferred: reason`.
    Inferred(String),
    /// `official: /pointer`: a fact of the official IX-API documents, at
    /// that JSON pointer into `official-digest.json`.
    Official(String),
}

/// Reads an `x-evidence` value.
pub fn citation(text: &str) -> Result<Citation, String> {
    if let Some(reason) = text.strip_prefix("inferred:") {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err("`inferred:` needs a reason".into());
        }
        return Ok(Citation::Inferred(reason.to_string()));
    }
    if let Some(pointer) = text.strip_prefix("official:") {
        let pointer = pointer.trim();
        if !pointer.starts_with('/') {
            return Err("`official:` needs a JSON pointer into the official digest".into());
        }
        return Ok(Citation::Official(pointer.to_string()));
    }
    let malformed = || {
        format!(
            "{text:?} is neither `owner/repo@commit:path[#Symbol]`, `official: /pointer` nor `inferred: reason`"
        )
    };
    let (repository, rest) = text.split_once('@').ok_or_else(malformed)?;
    let (commit, rest) = rest.split_once(':').ok_or_else(malformed)?;
    let (path, symbol) = match rest.split_once('#') {
        Some((path, symbol)) => (path, Some(symbol.to_string())),
        None => (rest, None),
    };
    let full_commit = commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit());
    if repository.split('/').count() != 2 || !full_commit || path.is_empty() {
        return Err(malformed());
    }
    Ok(Citation::Source {
        repository: repository.to_string(),
        commit: commit.to_string(),
        path: path.to_string(),
        symbol,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(version: &str) -> SourceEntry {
        SourceEntry {
            version: version.into(),
            repository: "o/r".into(),
            commit: "a".repeat(40),
            entities: "e.json".into(),
            operations: "o.json".into(),
        }
    }

    #[test]
    fn polys_name_their_variants_and_requests_derive_theirs() {
        let entities = json!({
            "structs": {"Allow": [{"json": "policy", "type": "string"}]},
            "polys": [
                "#poly NetworkService exchange_lan=ExchangeLanNetworkService p2p_vc=P2PNetworkService",
                "#poly NetworkServiceRequest p2p_vc",
                "#poly Shared(policy) allow=Allow",
                "#poly Empty (no type constants in entities.go)"
            ]
        });
        let operations = json!({"ops": [], "queries": {}});
        let source = parse(&entry("2.7.1"), &entities, &operations).unwrap();
        assert_eq!(
            source.polys["NetworkServiceRequest"].mapping,
            [(
                "p2p_vc".to_string(),
                Some("P2PNetworkServiceRequest".to_string())
            )]
        );
        assert_eq!(source.polys["Shared"].tag, "policy");
        assert!(source.polys["Empty"].mapping.is_empty());
    }

    #[test]
    fn go_types_map_to_kinds() {
        assert_eq!(go_kind("*string"), Kind::String);
        assert_eq!(
            go_kind("[]*Status"),
            Kind::Array(Box::new(Kind::Named("Status".into())))
        );
        assert_eq!(go_kind("*time"), Kind::DateTime);
        assert_eq!(go_kind("*Date"), Kind::Date);
        assert_eq!(go_kind("int64"), Kind::Integer);
        assert!(compatible(&go_kind("map"), &Kind::Map));
        assert!(!compatible(&go_kind("float64"), &Kind::Integer));
    }

    #[test]
    fn citations_are_read() {
        let commit = "06331cfe75e101b3c81fa9e02d69681a0def2f5f";
        assert_eq!(
            citation(&format!("o/r@{commit}:internal/x.go#Port")).unwrap(),
            Citation::Source {
                repository: "o/r".into(),
                commit: commit.into(),
                path: "internal/x.go".into(),
                symbol: Some("Port".into()),
            }
        );
        assert_eq!(
            citation("inferred: because").unwrap(),
            Citation::Inferred("because".into())
        );
        assert!(citation("inferred:").is_err());
        assert!(citation("o/r@abc:x.go").is_err());
    }

    #[test]
    fn corrections_reorder_members_and_stale_ones_change_nothing() {
        let entities = json!({"structs": {"S": [
            {"json": "a", "type": "string"}, {"json": "b", "type": "int"}
        ]}});
        let mut source = parse(
            &entry("2.7.1"),
            &entities,
            &json!({"ops": [], "queries": {}}),
        )
        .unwrap();
        let correction = |order: &[&str]| Correction {
            version: "2.7.1".into(),
            target: "S".into(),
            member_order: order.iter().map(|s| s.to_string()).collect(),
            location: "o/r@x:e.go#S".into(),
        };
        assert_eq!(
            correct(&mut source, &[correction(&["b", "a"])]).unwrap(),
            [true]
        );
        assert_eq!(source.structs["S"][0].name, "b");
        assert_eq!(
            correct(&mut source, &[correction(&["b", "a"])]).unwrap(),
            [false]
        );
        assert!(correct(&mut source, &[correction(&["b", "c"])]).is_err());
    }
}
