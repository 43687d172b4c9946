//! What the sandbox needs of the spec to serve every operation, generated
//! beside the client:
//!
//! - `ix-api-sandbox/src/spec.json`: each operation's request schema (or
//!   media types, for raw bytes), documented answers (status, schema or media types,
//!   problem types) and query parameters,
//!   the discriminated unions, and every component schema as JSON Schema
//!   (draft 7), so that the sandbox validates requests by the spec's own
//!   constraints (enums, lengths, ranges, formats); and what the published
//!   2.1.0 document lacks (see [`later`]), so that the sandbox can play a
//!   2.1 exchange;
//! - `ix-api-sandbox/src/models.rs`: a table from component name to the
//!   generated `types::` model, so that what the sandbox stores and answers
//!   passes through the same models the client decodes with;
//! - `ix-api-sandbox/src/exchange/operations.rs` (see [`table`]): the
//!   model's facts the exchange acts on, as Rust: its actions, each
//!   operation's, and which objects have a state.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::codegen::normalize::PassError;
use crate::codegen::polymorphic;
use crate::model::document::join;
use crate::model::{Action, Model, walk};

const SCHEMAS: &str = "#/components/schemas/";

/// `spec.json` for the document `raw`, as written.
pub fn facts(raw: &Value, model: &Model) -> Result<String, PassError> {
    let mut definitions = Map::new();
    let mut unions = Map::new();
    let mut added_members = Map::new();
    for (name, schema) in walk::schemas(raw) {
        let pointer = walk::schema_pointer(name);
        definitions.insert(name.to_string(), json_schema(schema, &pointer)?);
        let members: Vec<&String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, property)| later(property))
            .map(|(member, _)| member)
            .collect();
        if !members.is_empty() {
            added_members.insert(name.to_string(), json!(members));
        }
        if let Some(mapping) = schema.pointer("/discriminator/mapping") {
            let property = schema.pointer("/discriminator/propertyName");
            let mut variants = Map::new();
            let mut added = Vec::new();
            for (tag, target) in mapping.as_object().into_iter().flatten() {
                variants.insert(tag.clone(), json!(component(target, &pointer)?));
                let branch_is_later = schema
                    .get("oneOf")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|branch| branch.get("$ref") == Some(target) && later(branch));
                if branch_is_later {
                    added.push(tag.clone());
                }
            }
            unions.insert(
                name.to_string(),
                json!({"property": property, "mapping": variants, "added": added}),
            );
        }
    }
    let operations = operations(model)?;
    let document = json!({
        "added_members": added_members,
        "definitions": definitions,
        "operations": operations,
        "unions": unions,
    });
    serde_json::to_string_pretty(&document)
        .map(|text| text + "\n")
        .map_err(|e| PassError::new("", e.to_string()))
}

/// The components every operation sends or answers, for `models.rs`.
#[derive(Debug, Default)]
pub struct Models(BTreeSet<String>);

/// What `models.rs` is made of: the components of `model`'s bodies and
/// answers.
pub fn models(model: &Model) -> Models {
    let mut names = BTreeSet::new();
    for operation in &model.operations {
        let written = &operation.written;
        let request = written
            .request_content()
            .and_then(|content| content.values().next())
            .and_then(|media| media.pointer("/schema/$ref"));
        let answers = written.responses().filter_map(|(_, answer)| {
            let schema = answer.pointer("/content/application~1json/schema")?;
            schema.get("$ref").or_else(|| schema.pointer("/items/$ref"))
        });
        for reference in request.into_iter().chain(answers) {
            if let Some(name) = reference.as_str().and_then(|r| r.strip_prefix(SCHEMAS)) {
                names.insert(name.to_string());
            }
        }
    }
    Models(names)
}

impl Models {
    /// `models.rs`: `conform(component, value)` decodes `value` with the
    /// generated model of every component an operation sends or answers,
    /// and encodes it again. `defined` lists the types the client has.
    pub fn emit(&self, defined: &BTreeSet<String>) -> Result<String, PassError> {
        let mut arms = String::new();
        for name in &self.0 {
            let rust = polymorphic::rust_name(name);
            if !defined.contains(&rust) {
                return Err(PassError::new(
                    join("/components/schemas", name),
                    format!("the client has no model `{rust}` for it"),
                ));
            }
            arms.push_str(&format!(
                "        {name:?} => roundtrip::<types::{rust}>(value),\n"
            ));
        }
        Ok(models_file(&arms))
    }
}

fn models_file(arms: &str) -> String {
    format!(
        "\
// Generated by `cargo xtask codegen` from spec/ix-api.yaml. Do not edit.

//! The client's generated models, by the name of their component.

use ix_api_client::types;
use serde_json::Value;

/// Why a value does not fit a model: the path of the member and the cause.
pub type Misfit = serde_path_to_error::Error<serde_json::Error>;

/// `value` decoded by the model of `component` and encoded again; `None`
/// for a component no operation sends or answers.
pub fn conform(component: &str, value: Value) -> Option<Result<Value, Misfit>> {{
    Some(match component {{
{arms}        _ => return None,
    }})
}}

fn roundtrip<T: serde::de::DeserializeOwned + serde::Serialize>(value: Value) -> Result<Value, Misfit> {{
    let model: T = serde_path_to_error::deserialize(value)?;
    serde_path_to_error::serialize(&model, serde_json::value::Serializer)
}}
"
    )
}

/// `exchange/operations.rs`: the exchange's `Action`s, what it does for
/// each operation (none for the token operations, which the HTTP layer
/// answers), and which components' objects have a `state` (the model's
/// [`Model::stateful`]), so that the sandbox decides neither again.
pub fn table(model: &Model) -> String {
    let mut operations: Vec<(&str, Action)> = model
        .operations
        .iter()
        .map(|operation| (operation.id, operation.action))
        .collect();
    operations.sort_unstable();
    let mut arms = String::new();
    for (id, action) in operations {
        let target = match action.of_the_exchange() {
            true => format!("Action::{}", action.variant()),
            false => "return None".to_string(),
        };
        arms.push_str(&format!("        {id:?} => {target},\n"));
    }
    let variants: String = Action::ALL
        .iter()
        .filter(|action| action.of_the_exchange())
        .map(|action| format!("    {},\n", action.variant()))
        .collect();
    let stateful: Vec<String> = model
        .stateful
        .keys()
        .map(|component| format!("{component:?}"))
        .collect();
    table_file(&variants, &arms, &stateful.join("\n            | "))
}

fn table_file(variants: &str, arms: &str, stateful: &str) -> String {
    format!(
        "\
// Generated by `cargo xtask codegen` from spec/ix-api.yaml. Do not edit.

//! What the exchange does for each operation, and which objects have a
//! state, as xtask's operation model decided them.

/// What the exchange does for an operation, as xtask's operation model
/// classified it (its `model::action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {{
{variants}}}

/// What the exchange does for the operation with this `operationId`;
/// `None` for an operation it does not answer (the token operations).
pub fn action(operation_id: &str) -> Option<Action> {{
    Some(match operation_id {{
{arms}        _ => return None,
    }})
}}

/// Whether the objects of `component` (a variant, for a polymorphic one)
/// have a `state`, and so a lifecycle.
pub fn has_state(component: &str) -> bool {{
    matches!(
        component,
        {stateful}
    )
}}
"
    )
}

fn component(reference: &Value, pointer: &str) -> Result<String, PassError> {
    reference
        .as_str()
        .and_then(|r| r.strip_prefix(SCHEMAS))
        .map(str::to_string)
        .ok_or_else(|| PassError::new(pointer, "expected a reference to a component schema"))
}

/// Per operation id: `request` (component) or `request_media`,
/// `responses` (status → `schema`, `list`, `problems`, `media`), `query`
/// (name → JSON Schema), `path` (names), `v2_1` (whether the published
/// 2.1.0 document has it) and `query_added` (the query parameters it
/// lacks).
fn operations(model: &Model) -> Result<Map<String, Value>, PassError> {
    let mut out = Map::new();
    for facts in &model.operations {
        let operation = &facts.written;
        let pointer = operation.pointer();
        let id = facts.id;
        let request = match operation.request_content() {
            Some(content) => {
                let schema = content
                    .values()
                    .next()
                    .and_then(|media| media.pointer("/schema/$ref"));
                match schema {
                    Some(reference) => json!(component(reference, &pointer)?),
                    None => Value::Null,
                }
            }
            None => Value::Null,
        };
        let request_media = &facts.raw_body;
        let mut responses = Map::new();
        for (status, answer) in operation.responses() {
            let schema = answer.pointer("/content/application~1json/schema");
            let mut fact = Map::new();
            let raw = facts.raw_answers.iter().find(|(raw, _)| raw == status);
            if let Some((_, media)) = raw {
                fact.insert("media".into(), json!(media));
            }
            if let Some(schema) = schema {
                if let Some(reference) = schema.get("$ref") {
                    fact.insert("schema".into(), json!(component(reference, &pointer)?));
                } else if let Some(reference) = schema.pointer("/items/$ref") {
                    fact.insert("schema".into(), json!(component(reference, &pointer)?));
                    fact.insert("list".into(), json!(true));
                } else if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
                    let problems: Vec<&Value> = parts
                        .iter()
                        .filter_map(|part| part.pointer("/properties/type/enum"))
                        .filter_map(Value::as_array)
                        .flatten()
                        .collect();
                    fact.insert("problems".into(), json!(problems));
                }
            }
            // What a 2.1 server answers instead (a one-element list).
            if answer.pointer(&format!(
                "/{}/schema/type",
                crate::codegen::facts::ANSWER_2_1
            )) == Some(&json!("array"))
            {
                fact.insert("list_2_1".into(), json!(true));
            }
            responses.insert(status.to_string(), Value::Object(fact));
        }
        let mut query = Map::new();
        let mut query_added = Vec::new();
        let mut path_parameters = Vec::new();
        for parameter in operation.parameters()? {
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
            match parameter.get("in").and_then(Value::as_str) {
                Some("query") => {
                    let schema = parameter.get("schema").cloned().unwrap_or(json!({}));
                    query.insert(name.to_string(), json_schema(&schema, &pointer)?);
                    if later(parameter) {
                        query_added.push(json!(name));
                    }
                }
                Some("path") => path_parameters.push(json!(name)),
                _ => {}
            }
        }
        let mut fact = json!({
            "request": request,
            "responses": responses,
            "query": query,
            "path": path_parameters,
            "v2_1": !later(operation.value),
        });
        if !query_added.is_empty() {
            fact["query_added"] = json!(query_added);
        }
        if !request_media.is_empty() {
            fact["request_media"] = json!(request_media);
        }
        out.insert(id.to_string(), fact);
    }
    Ok(out)
}

/// Whether an operation, parameter, member or union branch is one the
/// published 2.1.0 document lacks: spec/ records where each such fact comes
/// from (`x-evidence`), and nothing of 2.1.0 carries one. (Whole schemas
/// carry one too, but some of those are 2.1.0's, changed: a schema is
/// later only through the operations, members and branches that use it.)
fn later(value: &Value) -> bool {
    value.get("x-evidence").is_some()
}

/// An OpenAPI 3.0 schema object as JSON Schema draft 7: references point
/// into `definitions`, `nullable` admits `null`, a discriminator becomes a
/// `const` on each branch, and what only documents is dropped.
fn json_schema(schema: &Value, pointer: &str) -> Result<Value, PassError> {
    let Some(object) = schema.as_object() else {
        return Ok(schema.clone());
    };
    let mut out = Map::new();
    for (key, value) in object {
        let here = join(pointer, key);
        match key.as_str() {
            "description" | "example" | "examples" | "title" | "readOnly" | "writeOnly"
            | "externalDocs" | "deprecated" | "xml" | "nullable" | "discriminator" => {}
            key if key.starts_with("x-") => {}
            "$ref" => {
                let name = component(value, &here)?;
                out.insert("$ref".into(), json!(format!("#/definitions/{name}")));
            }
            "properties" => {
                let mut properties = Map::new();
                for (name, property) in value.as_object().into_iter().flatten() {
                    properties.insert(name.clone(), json_schema(property, &join(&here, name))?);
                }
                out.insert(key.clone(), Value::Object(properties));
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), json_schema(value, &here)?);
            }
            "allOf" | "anyOf" | "oneOf" => {
                let mut parts = Vec::new();
                for (i, part) in value.as_array().into_iter().flatten().enumerate() {
                    parts.push(json_schema(part, &join(&here, &i.to_string()))?);
                }
                out.insert(key.clone(), Value::Array(parts));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if let (Some(property), Some(mapping)) = (
        schema
            .pointer("/discriminator/propertyName")
            .and_then(Value::as_str),
        schema
            .pointer("/discriminator/mapping")
            .and_then(Value::as_object),
    ) {
        let mut branches = Vec::new();
        for (tag, target) in mapping {
            let name = component(target, pointer)?;
            branches.push(json!({
                "allOf": [
                    {"$ref": format!("#/definitions/{name}")},
                    {"properties": {property: {"const": tag}}, "required": [property]},
                ]
            }));
        }
        out.insert("oneOf".into(), Value::Array(branches));
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(kind) = out.get("type").cloned() {
            out.insert("type".into(), json!([kind, "null"]));
            if let Some(Value::Array(values)) = out.get_mut("enum") {
                values.push(Value::Null);
            }
        } else {
            return Ok(json!({"anyOf": [Value::Object(out), {"type": "null"}]}));
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_admits_null_and_references_point_into_definitions() {
        let schema = json!({
            "type": "string", "enum": ["slow", "fast"], "nullable": true,
            "description": "documentation only",
        });
        assert_eq!(
            json_schema(&schema, "").unwrap(),
            json!({"type": ["string", "null"], "enum": ["slow", "fast", null]})
        );
        let schema = json!({"$ref": "#/components/schemas/Address", "nullable": true});
        assert_eq!(
            json_schema(&schema, "").unwrap(),
            json!({"anyOf": [{"$ref": "#/definitions/Address"}, {"type": "null"}]})
        );
    }

    #[test]
    fn a_discriminator_becomes_a_const_on_each_branch() {
        let schema = json!({
            "oneOf": [{"$ref": "#/components/schemas/Allow"}],
            "discriminator": {"propertyName": "type", "mapping": {"allow": "#/components/schemas/Allow"}},
        });
        assert_eq!(
            json_schema(&schema, "").unwrap(),
            json!({"oneOf": [{"allOf": [
                {"$ref": "#/definitions/Allow"},
                {"properties": {"type": {"const": "allow"}}, "required": ["type"]},
            ]}]})
        );
    }

    #[test]
    fn operations_name_their_bodies_answers_and_query_parameters() {
        let doc = json!({
            "paths": {"/macs": {"get": {
                "operationId": "macs_list",
                "parameters": [{"$ref": "#/components/parameters/id"}],
                "responses": {
                    "200": {"content": {"application/json": {"schema": {
                        "type": "array", "items": {"$ref": "#/components/schemas/MacAddress"}}}}},
                    "400": {"content": {"application/json": {"schema": {"allOf": [
                        {"$ref": "#/components/schemas/ProblemResponse"},
                        {"properties": {"type": {"enum": ["https://e/validation-error.html"]}}},
                    ]}}}},
                },
            }}},
            "components": {"parameters": {"id": {
                "name": "id", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
            }}},
        });
        let operations = operations(&Model::of(&doc, &doc).unwrap()).unwrap();
        assert_eq!(
            operations["macs_list"],
            json!({
                "request": null,
                "responses": {
                    "200": {"schema": "MacAddress", "list": true},
                    "400": {"problems": ["https://e/validation-error.html"]},
                },
                "query": {"id": {"type": "array", "items": {"type": "string"}}},
                "path": [],
                "v2_1": true,
            })
        );
    }

    #[test]
    fn the_table_names_each_operations_action_and_the_objects_with_a_state() {
        let doc = json!({
            "paths": {
                "/ports": {"get": {"operationId": "ports_list", "responses": {"200": {"content": {
                    "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Port"}}}}}}}},
                "/contacts/{id}": {"delete": {"operationId": "contacts_destroy", "responses": {"200": {"content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Contact"}}}}}}},
                "/auth/token": {"post": {"operationId": "auth_token_create", "responses": {}}},
            },
            "components": {"schemas": {
                "Port": {"properties": {"state": {"type": "string", "enum": ["production"]}}},
                "Contact": {"properties": {"name": {"type": "string"}}},
            }},
        });
        let table = table(&Model::of(&doc, &doc).unwrap());
        assert!(table.contains("        \"ports_list\" => Action::List,\n"));
        assert!(table.contains("        \"contacts_destroy\" => Action::Destroy,\n"));
        // The HTTP layer answers the token operations: the exchange has no
        // action for them.
        assert!(table.contains("        \"auth_token_create\" => return None,\n"));
        // Only the port has a state.
        assert!(table.contains("        component,\n        \"Port\"\n    )"));
        assert!(!table.contains("\"Contact\""));
    }

    #[test]
    fn what_the_published_2_1_0_document_lacks_is_marked() {
        let evidence = json!("owner/repo@0000:file.go#Symbol");
        let doc = json!({
            "paths": {
                "/ports": {"get": {
                    "operationId": "ports_list",
                    "parameters": [
                        {"name": "id", "in": "query", "schema": {"type": "string"}},
                        {"name": "page_limit", "in": "query", "schema": {"type": "integer"},
                         "x-evidence": evidence},
                    ],
                    "responses": {},
                }},
                "/account": {"get": {"operationId": "account_read", "responses": {},
                                      "x-evidence": evidence}},
            },
            "components": {"schemas": {
                "Port": {"properties": {
                    "id": {"type": "string"},
                    "operational_state": {"type": "string", "x-evidence": evidence},
                }},
                "Offering": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Lan"},
                        {"$ref": "#/components/schemas/Wire", "x-evidence": evidence},
                    ],
                    "discriminator": {"propertyName": "type", "mapping": {
                        "lan": "#/components/schemas/Lan", "wire": "#/components/schemas/Wire",
                    }},
                },
                "Lan": {"properties": {"type": {"type": "string"}}},
                "Wire": {"properties": {"type": {"type": "string"}}, "x-evidence": evidence},
            }},
        });
        let facts: Value =
            serde_json::from_str(&facts(&doc, &Model::of(&doc, &doc).unwrap()).unwrap()).unwrap();
        assert_eq!(facts["operations"]["ports_list"]["v2_1"], json!(true));
        assert_eq!(
            facts["operations"]["ports_list"]["query_added"],
            json!(["page_limit"])
        );
        assert_eq!(facts["operations"]["account_read"]["v2_1"], json!(false));
        assert_eq!(
            facts["added_members"],
            json!({"Port": ["operational_state"]})
        );
        assert_eq!(facts["unions"]["Offering"]["added"], json!(["wire"]));
    }

    #[test]
    fn every_kind_of_operation_has_an_action() {
        let list = json!({"200": {"content": {"application/json": {"schema": {"type": "array"}}}}});
        let one = json!({"200": {"content": {"application/json": {"schema": {"$ref": "#/x"}}}}});
        let bytes = json!({"schema": {"type": "string", "format": "binary"}});
        let doc = json!({"paths": {
            "/ports": {"get": {"responses": list}},
            "/account": {"get": {"responses": one}},
            "/ports/{id}": {"get": {}, "put": {}, "patch": {}, "delete": {}},
            "/connections": {"post": {}},
            "/connections/{id}/loa": {
                "get": {"responses": {"200": {"content": {"application/pdf": bytes}}}},
                "post": {"requestBody": {"content": {"application/octet-stream": bytes}}}
            },
            "/ports/{id}/statistics": {"get": {}},
            "/ports/{id}/statistics/{aggregate}/timeseries": {"get": {}},
            "/network-services/{id}/rtt-statistics": {"get": {}},
            "/network-service-configs/{id}/peer-statistics": {"get": {}},
            "/auth/token": {"post": {}},
            "/odd/{id}": {"post": {}}
        }});
        let actions: Vec<(String, Result<Action, String>)> = walk::operations(&doc)
            .map(|op| {
                let key = format!("{} {}", op.method, op.path);
                let lists = op
                    .responses()
                    .find(|(status, _)| status.starts_with('2'))
                    .and_then(|(_, a)| a.pointer("/content/application~1json/schema/type"))
                    == Some(&json!("array"));
                (key, crate::model::action(&op, lists).map_err(|e| e.pointer))
            })
            .collect();
        let expect = |key: &str| {
            actions
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, a)| a.clone())
                .unwrap()
        };
        assert_eq!(expect("get /ports"), Ok(Action::List));
        assert_eq!(expect("get /account"), Ok(Action::ReadSingleton));
        assert_eq!(expect("patch /ports/{id}"), Ok(Action::Merge));
        assert_eq!(expect("post /connections"), Ok(Action::Create));
        assert_eq!(expect("get /connections/{id}/loa"), Ok(Action::LoaDownload));
        assert_eq!(expect("post /connections/{id}/loa"), Ok(Action::LoaUpload));
        assert_eq!(expect("get /ports/{id}/statistics"), Ok(Action::Statistics));
        assert_eq!(
            expect("get /ports/{id}/statistics/{aggregate}/timeseries"),
            Ok(Action::Timeseries)
        );
        assert_eq!(
            expect("get /network-services/{id}/rtt-statistics"),
            Ok(Action::RttStatistics)
        );
        assert_eq!(expect("post /auth/token"), Ok(Action::CreateToken));
        assert_eq!(
            expect("post /odd/{id}"),
            Err("/paths/~1odd~1{id}/post".to_string())
        );
        let loa = json!({"paths": {"/connections/{id}/loa": {
            "get": {"operationId": "connections_loa_download",
                    "responses": {"200": {"content": {"application/pdf": bytes, "application/octet-stream": bytes}}}},
            "post": {"operationId": "connections_loa_upload",
                     "requestBody": {"content": {"application/octet-stream": bytes}}, "responses": {}}
        }}});
        let facts = operations(&Model::of(&loa, &loa).unwrap()).unwrap();
        assert_eq!(
            facts["connections_loa_download"]["responses"]["200"]["media"],
            json!(["application/octet-stream", "application/pdf"])
        );
        assert_eq!(
            facts["connections_loa_upload"]["request_media"],
            json!(["application/octet-stream"])
        );
    }
}
