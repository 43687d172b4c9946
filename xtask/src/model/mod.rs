//! The spec as xtask reads it: the document, its walk, and the operation
//! model built from them. Used by codegen and the spec check alike.
//!
//! [`Model::of`] walks the operations once and decides every fact about
//! each there: its kind, the sandbox's action, the command line's name,
//! bodies, paging, the statuses, the state of its answer. The emitters
//! read these facts and decide none of their own.

pub mod document;
pub mod walk;

use std::collections::BTreeMap;

use serde_json::{Value, json};

use document::{PassError, join};

/// The extension of a response that says what an IX-API 2.1 server answers
/// instead (`schema`: the one-element list of the published 2.1.0 document).
pub const ANSWER_2_1: &str = "x-answer-2.1";

/// The media type of IX-API's PATCH bodies.
pub const MERGE_PATCH: &str = "application/merge-patch+json";

/// What an operation does, in IX-API's words (see [`Kind::doc`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    List,
    Create,
    Read,
    Update,
    PartialUpdate,
    Destroy,
    Other,
}

impl Kind {
    /// Every kind, in the order the generated `spec::Kind` lists them.
    pub const ALL: [Kind; 7] = [
        Self::List,
        Self::Create,
        Self::Read,
        Self::Update,
        Self::PartialUpdate,
        Self::Destroy,
        Self::Other,
    ];

    /// The variant's name, as the generated `spec::Kind` spells it.
    pub fn variant(self) -> &'static str {
        match self {
            Self::List => "List",
            Self::Create => "Create",
            Self::Read => "Read",
            Self::Update => "Update",
            Self::PartialUpdate => "PartialUpdate",
            Self::Destroy => "Destroy",
            Self::Other => "Other",
        }
    }

    /// What the kind is, for the generated documentation.
    pub fn doc(self) -> &'static str {
        match self {
            Self::List => "`GET` of a collection, answering a list.",
            Self::Create => "`POST` to a collection.",
            Self::Read => "`GET` of one object, or of a singleton (`/account`).",
            Self::Update => "`PUT` of one object.",
            Self::PartialUpdate => "`PATCH` of one object (a merge patch).",
            Self::Destroy => "`DELETE` of one object.",
            Self::Other => {
                "Anything else: below an object (`/connections/{id}/loa`), the token operations."
            }
        }
    }
}

/// What the sandbox does for an operation (see [`action`]); the sandbox's
/// `exchange::Action` is generated from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    List,
    Create,
    Read,
    ReadSingleton,
    Replace,
    Merge,
    Destroy,
    CancellationPolicy,
    ReadChangeRequest,
    CreateChangeRequest,
    DestroyChangeRequest,
    LoaDownload,
    LoaUpload,
    Statistics,
    Timeseries,
    PeerStatistics,
    RttStatistics,
    CreateToken,
    RefreshToken,
}

impl Action {
    /// Every action, in the order the sandbox's `exchange::Action` lists them.
    pub const ALL: [Action; 19] = [
        Self::List,
        Self::Create,
        Self::Read,
        Self::ReadSingleton,
        Self::Replace,
        Self::Merge,
        Self::Destroy,
        Self::CancellationPolicy,
        Self::ReadChangeRequest,
        Self::CreateChangeRequest,
        Self::DestroyChangeRequest,
        Self::LoaDownload,
        Self::LoaUpload,
        Self::Statistics,
        Self::Timeseries,
        Self::PeerStatistics,
        Self::RttStatistics,
        Self::CreateToken,
        Self::RefreshToken,
    ];

    /// Whether the sandbox's exchange answers it; the HTTP layer answers
    /// the token operations.
    pub fn of_the_exchange(self) -> bool {
        !matches!(self, Self::CreateToken | Self::RefreshToken)
    }

    /// The variant's name, as the sandbox's `exchange::Action` spells it.
    pub fn variant(self) -> &'static str {
        match self {
            Self::List => "List",
            Self::Create => "Create",
            Self::Read => "Read",
            Self::ReadSingleton => "ReadSingleton",
            Self::Replace => "Replace",
            Self::Merge => "Merge",
            Self::Destroy => "Destroy",
            Self::CancellationPolicy => "CancellationPolicy",
            Self::ReadChangeRequest => "ReadChangeRequest",
            Self::CreateChangeRequest => "CreateChangeRequest",
            Self::DestroyChangeRequest => "DestroyChangeRequest",
            Self::LoaDownload => "LoaDownload",
            Self::LoaUpload => "LoaUpload",
            Self::Statistics => "Statistics",
            Self::Timeseries => "Timeseries",
            Self::PeerStatistics => "PeerStatistics",
            Self::RttStatistics => "RttStatistics",
            Self::CreateToken => "CreateToken",
            Self::RefreshToken => "RefreshToken",
        }
    }
}

/// One operation, with every fact the emitters need.
#[derive(Debug)]
pub struct Operation<'a> {
    /// The operation as `spec/` writes it (for its schemas and parameters).
    pub written: walk::Operation<'a>,
    /// The operation object after the normalization passes (what
    /// progenitor sees).
    pub normalized: Option<&'a Value>,
    /// The `operationId`, as written.
    pub id: &'a str,
    pub kind: Kind,
    /// What the sandbox does for it (see [`action`]).
    pub action: Action,
    /// `ix-api RESOURCE VERB`.
    pub resource: String,
    pub verb: String,
    /// Whether it needs `Authorization: Bearer <access_token>`.
    pub bearer: bool,
    /// The media type the client sends its body as: the merge patch where
    /// the spec offers one beside `application/json`.
    pub body_media: Option<String>,
    /// The media types of a body of raw bytes (`type: string, format:
    /// binary`); empty for a JSON body or none.
    pub raw_body: Vec<String>,
    /// The schema of the JSON body, normalized.
    pub json_body: Option<&'a Value>,
    /// The answers of raw bytes: each status as written (`200`, `2XX`) and
    /// its media types.
    pub raw_answers: Vec<(String, Vec<String>)>,
    /// Whether it is a list that takes `page_limit` and `page_offset`.
    pub paged: bool,
    /// The query parameters whose lists go out comma-separated, as written.
    pub comma_separated: Vec<String>,
    /// The same, of the normalized operation (one spelling per parameter,
    /// as the generated client sends them).
    pub comma_separated_sent: Vec<String>,
    /// The documented statuses, as ascending inclusive ranges.
    pub statuses: Vec<(u16, u16)>,
    /// It answers one object, which 2.1 servers send as a one-element list.
    pub listed_by_2_1: bool,
    /// Its success answer is a list.
    pub lists: bool,
    /// The component of the object it answers (of each item, for a list).
    pub answer: Option<String>,
    /// The `state` enum of the object it answers; empty when it has none.
    pub states: Vec<String>,
    /// It is on one object (`/connections/{id}`).
    pub on_object: bool,
    /// The normalized `summary`, trimmed.
    pub summary: Option<String>,
}

/// Every operation of a document, in walk order, and the models that carry
/// a `state`.
#[derive(Debug, Default)]
pub struct Model<'a> {
    pub operations: Vec<Operation<'a>>,
    /// Component → the values of its `state` (empty for a `state` that is
    /// free text), for every component an operation answers, and each
    /// variant of one, that has a `state` member.
    pub stateful: BTreeMap<String, Vec<String>>,
}

impl<'a> Model<'a> {
    /// The model of `written` (the spec as written), paired with its
    /// normalized form `normalized` operation by operation.
    pub fn of(written: &'a Value, normalized_doc: &'a Value) -> Result<Self, PassError> {
        let global_bearer = written
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty());
        let mut operations: Vec<Operation<'a>> = Vec::new();
        for operation in walk::operations(written) {
            let pointer = operation.pointer();
            let id = operation.required_id()?;
            let spelt = |o: &Operation| o.id.replace('-', "_") == id.replace('-', "_");
            if operations.iter().any(spelt) {
                return Err(PassError::new(
                    join(&pointer, "operationId"),
                    format!("operationId `{id}` is used twice"),
                ));
            }
            let normalized = normalized_doc.pointer(&pointer);
            let bearer = match operation.value.get("security").and_then(Value::as_array) {
                Some(requirements) => !requirements.is_empty(),
                None => global_bearer,
            };
            let body_media = operation.request_content().and_then(|content| {
                if content.contains_key(MERGE_PATCH) {
                    Some(MERGE_PATCH.to_string())
                } else {
                    content.keys().next().cloned()
                }
            });
            let raw_body = operation
                .request_content()
                .map(binary_media)
                .unwrap_or_default();
            let json_body = normalized.and_then(|op| {
                op.pointer("/requestBody/content")?
                    .get("application/json")?
                    .get("schema")
            });
            let raw_answers = operation
                .responses()
                .filter_map(|(status, answer)| {
                    let media = binary_media(answer.get("content")?.as_object()?);
                    (!media.is_empty()).then(|| (status.to_string(), media))
                })
                .collect();
            let parameters = operation.parameters()?;
            let named = |name: &str| {
                parameters
                    .iter()
                    .any(|p| p.get("name").and_then(Value::as_str) == Some(name))
            };
            let paged = named("page_limit") && named("page_offset");
            let item = normalized_doc.pointer(&join("/paths", operation.path));
            let comma_separated_sent = match (item, normalized) {
                (Some(item), Some(value)) => {
                    let normalized = walk::Operation {
                        doc: normalized_doc,
                        item,
                        value,
                        ..operation
                    };
                    comma_separated_lists(&normalized.parameters()?)
                }
                _ => Vec::new(),
            };
            let success: Vec<&Value> = operation
                .responses()
                .filter(|(status, _)| status.starts_with('2'))
                .filter_map(|(_, answer)| answer.pointer("/content/application~1json/schema"))
                .collect();
            let lists = success
                .first()
                .and_then(|schema| schema.get("type"))
                .and_then(Value::as_str)
                == Some("array");
            let answer = success
                .first()
                .and_then(|schema| schema.get("$ref").or_else(|| schema.pointer("/items/$ref")))
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .map(str::to_string);
            let mut states_of_answers = Vec::new();
            for schema in &success {
                add_new(&mut states_of_answers, states(written, schema, 0));
            }
            let action = action(&operation, lists)?;
            let (resource, verb) = command_name(id, operation.path);
            let summary = normalized
                .and_then(|op| op.get("summary"))
                .and_then(Value::as_str)
                .map(|s| s.trim().to_string());
            operations.push(Operation {
                written: operation,
                normalized,
                id,
                kind: kind(action),
                action,
                resource,
                verb,
                bearer,
                body_media,
                raw_body,
                json_body,
                raw_answers,
                paged,
                comma_separated: comma_separated_lists(&parameters),
                comma_separated_sent,
                statuses: documented_statuses(&operation)?,
                listed_by_2_1: operation.responses().any(|(status, answer)| {
                    status.starts_with('2')
                        && answer.pointer(&format!("/{ANSWER_2_1}/schema/type"))
                            == Some(&json!("array"))
                }),
                lists,
                answer,
                states: states_of_answers,
                on_object: operation.path.contains("{id}"),
                summary,
            });
        }
        let mut stateful = BTreeMap::new();
        for answer in operations.iter().filter_map(|o| o.answer.as_deref()) {
            add_stateful(written, answer, &mut stateful, 0);
        }
        // The state an operation offers to wait for is its answer model's.
        for operation in &operations {
            let of_model = operation
                .answer
                .as_ref()
                .and_then(|answer| stateful.get(answer));
            if !operation.states.is_empty() && of_model != Some(&operation.states) {
                return Err(PassError::new(
                    join(&operation.written.pointer(), "responses"),
                    "the success answers' states differ from those of the object answered",
                ));
            }
        }
        Ok(Self {
            operations,
            stateful,
        })
    }

    /// The operation with this `operationId`, however its hyphens are spelt
    /// (progenitor spells `network-service-change-request_create` with
    /// underscores).
    pub fn operation(&self, id: &str) -> Option<&Operation<'a>> {
        let wanted = id.replace('-', "_");
        self.operations
            .iter()
            .find(|o| o.id == id || o.id.replace('-', "_") == wanted)
    }
}

/// `component` and the variants it is made of, with their states, if they
/// have a `state` member.
fn add_stateful(
    doc: &Value,
    component: &str,
    found: &mut BTreeMap<String, Vec<String>>,
    depth: usize,
) {
    let Some(schema) = doc.pointer(&walk::schema_pointer(component)) else {
        return;
    };
    if depth > 8 || found.contains_key(component) {
        return;
    }
    let values = states(doc, schema, 0);
    if !values.is_empty() || has_state_member(doc, schema, 0) {
        found.insert(component.to_string(), values);
    }
    let variants = schema
        .get("oneOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for variant in variants {
        if let Some(name) = variant
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            add_stateful(doc, name, found, depth + 1);
        }
    }
}

fn add_new(found: &mut Vec<String>, values: Vec<String>) {
    for value in values {
        if !found.contains(&value) {
            found.push(value);
        }
    }
}

fn kind(action: Action) -> Kind {
    match action {
        Action::List => Kind::List,
        Action::Create => Kind::Create,
        Action::Read | Action::ReadSingleton => Kind::Read,
        Action::Replace => Kind::Update,
        Action::Merge => Kind::PartialUpdate,
        Action::Destroy => Kind::Destroy,
        _ => Kind::Other,
    }
}

/// What the sandbox does for an operation, read off its method, its path
/// and whether it answers a list:
///
/// - on a collection (`/connections`): `List`, `Create`;
/// - on one object (`/connections/{id}`): `Read`, `Replace` (PUT), `Merge`
///   (PATCH), `Destroy`;
/// - on a path without an id that answers one object (`/account`,
///   `/health`, `/implementation`): `ReadSingleton`;
/// - below one object: `CancellationPolicy`, `ReadChangeRequest`,
///   `CreateChangeRequest`, `DestroyChangeRequest`, `LoaDownload` and
///   `LoaUpload` (the letter of authorisation, raw bytes), `Statistics`
///   (aggregates), `PeerStatistics`, `RttStatistics` and `Timeseries` (one
///   aggregate over time);
/// - `CreateToken` and `RefreshToken` (`/auth/token`, `/auth/refresh`).
///
/// An operation of none of these shapes is refused, so that a new kind of
/// operation in the spec is classified here before the sandbox meets it.
pub fn action(operation: &walk::Operation, lists: bool) -> Result<Action, PassError> {
    let path = operation.path;
    let method = operation.method;
    let last = path.rsplit('/').next().unwrap_or("");
    let on_item = last.starts_with('{');
    let action = match (method, last) {
        ("post", _) if path == "/auth/token" => Action::CreateToken,
        ("post", _) if path == "/auth/refresh" => Action::RefreshToken,
        (_, "cancellation-policy") if method == "get" => Action::CancellationPolicy,
        ("get", "change-request") => Action::ReadChangeRequest,
        ("post", "change-request") => Action::CreateChangeRequest,
        ("delete", "change-request") => Action::DestroyChangeRequest,
        ("get", "loa") => Action::LoaDownload,
        ("post", "loa") => Action::LoaUpload,
        ("get", "statistics") => Action::Statistics,
        ("get", "peer-statistics") => Action::PeerStatistics,
        ("get", "rtt-statistics") => Action::RttStatistics,
        ("get", "timeseries") => Action::Timeseries,
        ("get", _) if !path.contains('{') && lists => Action::List,
        ("get", _) if !path.contains('{') => Action::ReadSingleton,
        ("post", _) if !path.contains('{') => Action::Create,
        ("get", _) if on_item => Action::Read,
        ("put", _) if on_item => Action::Replace,
        ("patch", _) if on_item => Action::Merge,
        ("delete", _) if on_item => Action::Destroy,
        _ => {
            return Err(PassError::new(
                operation.pointer(),
                format!(
                    "no action for {} {path}; classify it in xtask/src/model/mod.rs",
                    method.to_uppercase()
                ),
            ));
        }
    };
    Ok(action)
}

/// The verbs an operation id may end in, longest first where one ends
/// another.
const VERBS: &[&str] = &[
    "partial_update",
    "list",
    "create",
    "read",
    "update",
    "destroy",
];

/// `ix-api RESOURCE VERB` for an operation: `connections_list` is
/// `connections list`, `network_service_configs_partial_update` is
/// `network-service-configs partial-update`. An operation below an object
/// (`/connections/{id}/loa`) is a verb of the object's collection, the id
/// without the collection's name, plural or singular:
/// `network-service-change-request_create` is `network-services
/// change-request-create`.
fn command_name(operation_id: &str, path: &str) -> (String, String) {
    let spelt = operation_id.replace('-', "_");
    let id = spelt.strip_prefix("api_").unwrap_or(&spelt);
    let mut segments = path.trim_start_matches('/').split('/');
    if let Some(collection) = segments.next()
        && segments.count() >= 2
    {
        let plural = collection.replace('-', "_");
        let singular = plural.strip_suffix('s').unwrap_or(&plural);
        if let Some(verb) = id
            .strip_prefix(&format!("{plural}_"))
            .or_else(|| id.strip_prefix(&format!("{singular}_")))
        {
            return (collection.to_string(), verb.replace('_', "-"));
        }
    }
    for verb in VERBS {
        if let Some(resource) = id.strip_suffix(verb).and_then(|r| r.strip_suffix('_')) {
            return (resource.replace('_', "-"), verb.replace('_', "-"));
        }
    }
    (id.replace('_', "-"), "call".to_string())
}

/// Whether a media type object of a `content` map carries raw bytes
/// (`type: string, format: binary`): the one place this is decided, for
/// the model and the normalization pass that offers such bodies to
/// progenitor.
pub fn is_raw_bytes(media: &Value) -> bool {
    media.pointer("/schema/type").and_then(Value::as_str) == Some("string")
        && media.pointer("/schema/format").and_then(Value::as_str) == Some("binary")
}

/// The media types of a `content` map whose schema is raw bytes (see
/// [`is_raw_bytes`]), as written.
pub fn binary_media(content: &serde_json::Map<String, Value>) -> Vec<String> {
    content
        .iter()
        .filter(|(_, media)| is_raw_bytes(media))
        .map(|(name, _)| name.clone())
        .collect()
}

/// The statuses an operation documents, as ascending inclusive ranges
/// (`2XX` is 200 to 299). A `default` or `4XX` would cover the status the
/// hooks give progenitor for the client's own failures
/// (`ix_api_client::auth::UNANSWERED`, 499), making them indistinguishable
/// from the exchange's answers: refused.
fn documented_statuses(operation: &walk::Operation<'_>) -> Result<Vec<(u16, u16)>, PassError> {
    let mut statuses = Vec::new();
    for (status, _) in operation.responses() {
        let range = status_range(status);
        let Some(range) = range.filter(|(low, high)| !(*low..=*high).contains(&499)) else {
            return Err(PassError::new(
                join(&join(&operation.pointer(), "responses"), status),
                format!(
                    "response `{status}` would cover the status the client gives its own failures (499); document the exchange's statuses"
                ),
            ));
        };
        statuses.push(range);
    }
    statuses.sort_unstable();
    Ok(statuses)
}

/// The statuses a response key stands for, as an inclusive range: `200`
/// is 200 to 200, `2XX` 200 to 299; `None` for `default` or anything else.
pub fn status_range(status: &str) -> Option<(u16, u16)> {
    match status.parse::<u16>() {
        Ok(code) if (100..600).contains(&code) => Some((code, code)),
        _ => match status.as_bytes() {
            [class @ b'1'..=b'5', b'X', b'X'] => {
                let low = u16::from(class - b'0') * 100;
                Some((low, low + 99))
            }
            _ => None,
        },
    }
}

/// Names of the query parameters (of the path item and the operation) that
/// are lists sent as `style: form, explode: false`.
pub fn comma_separated_lists(parameters: &[&Value]) -> Vec<String> {
    let mut names: Vec<String> = parameters
        .iter()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
        .filter(|p| p.pointer("/schema/type").and_then(Value::as_str) == Some("array"))
        .filter(|p| p.get("style").and_then(Value::as_str).unwrap_or("form") == "form")
        .filter(|p| p.get("explode").and_then(Value::as_bool) == Some(false))
        .filter_map(|p| p.get("name").and_then(Value::as_str).map(String::from))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The component `schema` refers to, if it is a `$ref` to one.
pub fn referred<'a>(doc: &'a Value, schema: &Value) -> Option<&'a Value> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .and_then(|name| doc.pointer(&walk::schema_pointer(name)))
}

const PARTS: [&str; 3] = ["allOf", "oneOf", "anyOf"];

fn parts(schema: &Value) -> impl Iterator<Item = &Value> {
    PARTS
        .iter()
        .flat_map(|key| schema.get(*key).and_then(Value::as_array))
        .flatten()
}

/// The values of `schema`'s `state` member, following `$ref`, `allOf` and
/// the variants of a polymorphic object (their union, in order).
fn states(doc: &Value, schema: &Value, depth: usize) -> Vec<String> {
    let mut found = Vec::new();
    if depth > 8 {
        return found;
    }
    if let Some(component) = referred(doc, schema) {
        add_new(&mut found, states(doc, component, depth + 1));
    }
    if let Some(items) = schema.get("items") {
        add_new(&mut found, states(doc, items, depth + 1));
    }
    if let Some(state) = schema.pointer("/properties/state") {
        add_new(&mut found, enum_values(doc, state, depth + 1));
    }
    for part in parts(schema) {
        add_new(&mut found, states(doc, part, depth + 1));
    }
    found
}

/// Whether an object schema has a `state` member (of any type).
fn has_state_member(doc: &Value, schema: &Value, depth: usize) -> bool {
    depth <= 8
        && (schema.pointer("/properties/state").is_some()
            || referred(doc, schema).is_some_and(|c| has_state_member(doc, c, depth + 1))
            || parts(schema).any(|part| has_state_member(doc, part, depth + 1)))
}

fn enum_values(doc: &Value, schema: &Value, depth: usize) -> Vec<String> {
    if depth > 8 {
        return Vec::new();
    }
    let mut values: Vec<String> = schema
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(String::from)
        .collect();
    if let Some(component) = referred(doc, schema) {
        values.extend(enum_values(doc, component, depth + 1));
    }
    for part in parts(schema) {
        add_new(&mut values, enum_values(doc, part, depth + 1));
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        let states = json!({"type": "string", "enum": ["requested", "production"]});
        json!({
            "security": [{"Bearer": []}],
            "paths": {
                "/connections": {
                    "get": {"operationId": "connections_list", "parameters": [
                        {"in": "query", "name": "page_limit", "schema": {"type": "integer"}},
                        {"in": "query", "name": "page_offset", "schema": {"type": "integer"}}
                    ], "responses": {"200": {"content": {"application/json": {"schema": {
                        "type": "array", "items": {"$ref": "#/components/schemas/Connection"}}}}}}},
                    "post": {"operationId": "connections_create",
                             "requestBody": {"content": {"application/json": {"schema": {}}}},
                             "responses": {"201": {"content": {"application/json": {"schema": {
                                 "$ref": "#/components/schemas/Connection"}}}}}}
                },
                "/connections/{id}": {
                    "patch": {"operationId": "connections_partial_update",
                              "requestBody": {"content": {"application/merge-patch+json": {}, "application/json": {}}}},
                    "delete": {"operationId": "connections_destroy"}
                },
                "/connections/{id}/loa": {"post": {"operationId": "connections_loa_upload",
                    "requestBody": {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}},
                "/network-services/{id}/change-request": {"post": {"operationId": "network-service-change-request_create"}},
                "/health": {"get": {"operationId": "api_health_read", "security": []}},
                "/contacts/{id}": {"get": {"operationId": "contacts_read", "responses": {"200": {"content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Contact"}}}}}}}
            },
            "components": {"schemas": {
                "Connection": {"properties": {"state": states}},
                "Contact": {"properties": {"name": {"type": "string"}}}
            }}
        })
    }

    #[test]
    fn each_fact_of_an_operation_is_decided_here() {
        let doc = doc();
        let model = Model::of(&doc, &doc).unwrap();
        let facts: Vec<String> = model
            .operations
            .iter()
            .map(|o| format!("{} {:?}: {} {}", o.id, o.kind, o.resource, o.verb))
            .collect();
        // Paths in the map's order, methods in `walk::METHODS` order.
        assert_eq!(
            facts,
            [
                "connections_list List: connections list",
                "connections_create Create: connections create",
                "connections_destroy Destroy: connections destroy",
                "connections_partial_update PartialUpdate: connections partial-update",
                "connections_loa_upload Other: connections loa-upload",
                "contacts_read Read: contacts read",
                "api_health_read Read: health read",
                "network-service-change-request_create Other: network-services change-request-create",
            ]
        );
        let list = model.operation("connections_list").unwrap();
        assert!(list.paged && list.lists && list.bearer);
        assert_eq!(list.states, ["requested", "production"]);
        let patch = model.operation("connections_partial_update").unwrap();
        assert_eq!(patch.body_media.as_deref(), Some(MERGE_PATCH));
        assert!(patch.raw_body.is_empty() && patch.on_object);
        let upload = model.operation("connections_loa_upload").unwrap();
        assert_eq!(upload.raw_body, ["application/pdf"]);
        assert!(!model.operation("api_health_read").unwrap().bearer);
        assert!(
            model
                .operation("network_service_change_request_create")
                .is_some()
        );
        // The contact has no state: no model of it waits.
        assert_eq!(
            model.stateful,
            BTreeMap::from([(
                "Connection".to_string(),
                vec!["requested".to_string(), "production".to_string()]
            )])
        );
        assert!(model.operation("contacts_read").unwrap().states.is_empty());
    }

    #[test]
    fn an_operation_id_spelt_twice_is_refused() {
        let doc = json!({"paths": {
            "/a": {"get": {"operationId": "a-list", "responses": {"200": {"content": {"application/json": {"schema": {"type": "array"}}}}}}},
            "/b": {"get": {"operationId": "a_list", "responses": {"200": {"content": {"application/json": {"schema": {"type": "array"}}}}}}}
        }});
        let error = Model::of(&doc, &doc).unwrap_err();
        assert_eq!(error.pointer, "/paths/~1b/get/operationId");
    }
}
