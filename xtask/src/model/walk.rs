//! The one walk over an OpenAPI document (as a JSON value): its operations
//! (method, path, the operation object, its parameters, request body and
//! responses), its responses wherever they are declared, and its component
//! schemas. Every task that reads or rewrites the spec goes through here, so
//! what counts as an operation, and in which order they come, is decided
//! once.
//!
//! Order: paths as the document's map holds them, and within a path the
//! methods in [`METHODS`] order.

use serde_json::{Map, Value};

use crate::codegen::normalize::PassError;
use crate::model::document::join;

/// The HTTP methods a path item may hold an operation for, in walk order.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of a document.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The document the operation is part of (for resolving `$ref`s).
    pub doc: &'a Value,
    /// The path template, e.g. `/connections/{id}`.
    pub path: &'a str,
    /// The method, lower case as the document spells it.
    pub method: &'a str,
    /// The path item the operation is in.
    pub item: &'a Value,
    /// The operation object.
    pub value: &'a Value,
}

impl<'a> Operation<'a> {
    /// The JSON pointer of the operation object.
    pub fn pointer(&self) -> String {
        join(&join("/paths", self.path), self.method)
    }

    /// The `operationId`, if the operation has one.
    pub fn id(&self) -> Option<&'a str> {
        self.value.get("operationId").and_then(Value::as_str)
    }

    /// The `operationId`, or an error located at the operation.
    pub fn required_id(&self) -> Result<&'a str, PassError> {
        self.id()
            .ok_or_else(|| PassError::new(self.pointer(), "every operation needs an operationId"))
    }

    /// The parameters that apply: the path item's, except those the
    /// operation declares again (same `name` and `in`), then the
    /// operation's own. A `$ref` to `#/components/parameters/...` is
    /// resolved; one that does not resolve is an error.
    pub fn parameters(&self) -> Result<Vec<&'a Value>, PassError> {
        let list = |holder: &'a Value| -> Result<Vec<&'a Value>, PassError> {
            holder
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|parameter| self.resolve_parameter(parameter))
                .collect()
        };
        let own = list(self.value)?;
        let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
        let mut all: Vec<&'a Value> = list(self.item)?
            .into_iter()
            .filter(|shared| !own.iter().any(|mine| key(mine) == key(shared)))
            .collect();
        all.extend(own);
        Ok(all)
    }

    fn resolve_parameter(&self, parameter: &'a Value) -> Result<&'a Value, PassError> {
        let Some(reference) = parameter.get("$ref").and_then(Value::as_str) else {
            return Ok(parameter);
        };
        reference
            .strip_prefix("#/components/parameters/")
            .and_then(|name| self.doc.pointer("/components/parameters")?.get(name))
            .ok_or_else(|| {
                PassError::new(self.pointer(), format!("unresolved parameter {reference}"))
            })
    }

    /// The request body's `content` (media type → media object), if any.
    pub fn request_content(&self) -> Option<&'a Map<String, Value>> {
        self.value
            .pointer("/requestBody/content")
            .and_then(Value::as_object)
    }

    /// The responses by status, in the document's order.
    pub fn responses(&self) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
        self.value
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(status, response)| (status.as_str(), response))
    }
}

/// Every operation of `doc`.
pub fn operations(doc: &Value) -> impl Iterator<Item = Operation<'_>> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(move |(path, item)| {
            METHODS.iter().filter_map(move |method| {
                item.get(*method).map(|value| Operation {
                    doc,
                    path,
                    method,
                    item,
                    value,
                })
            })
        })
}

/// The operation `method` `path` of `doc`, if it has one.
pub fn operation<'a>(doc: &'a Value, path: &str, method: &str) -> Option<Operation<'a>> {
    operations(doc).find(|op| op.path == path && op.method == method)
}

/// One operation of a document, to rewrite.
pub struct OperationMut<'a> {
    pub path: &'a str,
    pub method: &'static str,
    /// The path item's own `parameters` (a copy; empty when it has none).
    pub shared_parameters: &'a [Value],
    /// The operation object.
    pub value: &'a mut Value,
}

impl OperationMut<'_> {
    /// The JSON pointer of the operation object.
    pub fn pointer(&self) -> String {
        join(&join("/paths", self.path), self.method)
    }
}

/// Calls `visit` with every operation of `doc`, in walk order; stops at the
/// first error.
pub fn operations_mut(
    doc: &mut Value,
    mut visit: impl FnMut(OperationMut<'_>) -> Result<(), PassError>,
) -> Result<(), PassError> {
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in METHODS {
            if let Some(value) = item.get_mut(*method) {
                visit(OperationMut {
                    path,
                    method,
                    shared_parameters: &shared,
                    value,
                })?;
            }
        }
    }
    Ok(())
}

/// Every response object of `doc` with its pointer: the shared ones under
/// `components/responses`, then each operation's, by status.
pub fn responses(doc: &Value) -> Vec<(String, &Value)> {
    let mut out: Vec<(String, &Value)> = components(doc, "responses")
        .map(|(name, response)| (join("/components/responses", name), response))
        .collect();
    for operation in operations(doc) {
        let pointer = join(&operation.pointer(), "responses");
        out.extend(
            operation
                .responses()
                .map(|(status, response)| (join(&pointer, status), response)),
        );
    }
    out
}

/// Calls `visit` with every response object of `doc` (as [`responses`]
/// orders them) and its pointer; stops at the first error.
pub fn responses_mut(
    doc: &mut Value,
    mut visit: impl FnMut(&str, &mut Value) -> Result<(), PassError>,
) -> Result<(), PassError> {
    if let Some(Value::Object(shared)) = doc.pointer_mut("/components/responses") {
        for (name, response) in shared.iter_mut() {
            visit(&join("/components/responses", name), response)?;
        }
    }
    operations_mut(doc, |operation| {
        let pointer = join(&operation.pointer(), "responses");
        if let Some(Value::Object(by_status)) = operation.value.get_mut("responses") {
            for (status, response) in by_status.iter_mut() {
                visit(&join(&pointer, status), response)?;
            }
        }
        Ok(())
    })
}

/// The entries of one `components` section (`schemas`, `responses`,
/// `parameters`, ...), by name.
pub fn components<'a>(
    doc: &'a Value,
    section: &str,
) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
    doc.get("components")
        .and_then(|components| components.get(section))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, value)| (name.as_str(), value))
}

/// Every component schema, by name.
pub fn schemas(doc: &Value) -> impl Iterator<Item = (&str, &Value)> {
    components(doc, "schemas")
}

/// The JSON pointer of the component schema `name`.
pub fn schema_pointer(name: &str) -> String {
    join("/components/schemas", name)
}

/// Calls `visit` with every component schema's name and value; stops at the
/// first error.
pub fn schemas_mut(
    doc: &mut Value,
    mut visit: impl FnMut(&str, &mut Value) -> Result<(), PassError>,
) -> Result<(), PassError> {
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        for (name, schema) in schemas.iter_mut() {
            visit(name, schema)?;
        }
    }
    Ok(())
}

/// `schema` and every schema it is made of: the component a `$ref` names
/// and the parts of an `allOf`, each visited once per way it is reached (up
/// to a depth that no IX-API schema nears, so that a cycle ends).
pub fn composed<'a>(doc: &'a Value, schema: &'a Value, visit: &mut impl FnMut(&'a Value)) {
    fn go<'a>(doc: &'a Value, schema: &'a Value, depth: usize, visit: &mut impl FnMut(&'a Value)) {
        visit(schema);
        if depth > 8 {
            return;
        }
        if let Some(component) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .and_then(|name| doc.pointer(&schema_pointer(name)))
        {
            go(doc, component, depth + 1, visit);
        }
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            go(doc, part, depth + 1, visit);
        }
    }
    go(doc, schema, 0, visit);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "paths": {
                "/b/{id}": {
                    "parameters": [
                        {"in": "path", "name": "id"},
                        {"in": "query", "name": "shared"},
                        {"in": "query", "name": "mine", "schema": {"type": "string"}}
                    ],
                    "patch": {"operationId": "b_patch"},
                    "get": {"operationId": "b_read", "parameters": [
                        {"$ref": "#/components/parameters/mine"}
                    ], "responses": {"200": {}, "404": {"$ref": "#/components/responses/Gone"}}}
                },
                "/a": {"post": {"operationId": "a_create", "requestBody": {"content": {"application/json": {}}}}}
            },
            "components": {
                "parameters": {"mine": {"in": "query", "name": "mine", "schema": {"type": "integer"}}},
                "responses": {"Gone": {}},
                "schemas": {"B": {}, "A": {}}
            }
        })
    }

    #[test]
    fn operations_come_by_path_then_method() {
        let doc = doc();
        let seen: Vec<(&str, &str, Option<&str>)> = operations(&doc)
            .map(|op| (op.path, op.method, op.id()))
            .collect();
        assert_eq!(
            seen,
            [
                ("/a", "post", Some("a_create")),
                ("/b/{id}", "get", Some("b_read")),
                ("/b/{id}", "patch", Some("b_patch")),
            ]
        );
        let read = operation(&doc, "/b/{id}", "get").unwrap();
        assert_eq!(read.pointer(), "/paths/~1b~1{id}/get");
        assert!(
            operation(&doc, "/a", "post")
                .unwrap()
                .request_content()
                .is_some()
        );
        assert_eq!(
            read.responses().map(|(s, _)| s).collect::<Vec<_>>(),
            ["200", "404"]
        );
    }

    #[test]
    fn parameters_merge_the_path_item_and_the_operation() {
        let doc = doc();
        let read = operation(&doc, "/b/{id}", "get").unwrap();
        let parameters = read.parameters().unwrap();
        assert_eq!(
            parameters,
            [
                &json!({"in": "path", "name": "id"}),
                &json!({"in": "query", "name": "shared"}),
                &json!({"in": "query", "name": "mine", "schema": {"type": "integer"}}),
            ]
        );
        let mut broken = doc.clone();
        broken["components"]["parameters"] = json!({});
        let read = operation(&broken, "/b/{id}", "get").unwrap();
        assert_eq!(
            read.parameters().unwrap_err().pointer,
            "/paths/~1b~1{id}/get"
        );
    }

    #[test]
    fn responses_and_schemas_are_found_everywhere() {
        let mut doc = doc();
        let pointers: Vec<String> = responses(&doc).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            pointers,
            [
                "/components/responses/Gone",
                "/paths/~1b~1{id}/get/responses/200",
                "/paths/~1b~1{id}/get/responses/404",
            ]
        );
        let names: Vec<&str> = schemas(&doc).map(|(name, _)| name).collect();
        assert_eq!(names, ["A", "B"]);
        let mut visited = Vec::new();
        responses_mut(&mut doc, |pointer, _| {
            visited.push(pointer.to_string());
            Ok(())
        })
        .unwrap();
        assert_eq!(visited, pointers);
        let mut methods = Vec::new();
        operations_mut(&mut doc, |op| {
            methods.push((op.method, op.shared_parameters.len()));
            Ok(())
        })
        .unwrap();
        assert_eq!(methods, [("post", 0), ("get", 3), ("patch", 3)]);
    }
}
