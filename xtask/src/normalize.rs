//! Normalization passes: rewrites of the spec that keep its meaning but steer
//! progenitor around the ways IX-API documents trip it. `spec/` stays faithful
//! to the published document; only the generator's input is rewritten.
//!
//! Each pass is one function over the document's JSON value and says which
//! real-world defect it handles.

use serde_json::{Map, Value, json};

use crate::document::join;

const PROBLEM_RESPONSE: &str = "ProblemResponse";

/// A pass failed: `pointer` locates the node it could not handle.
#[derive(Debug, PartialEq)]
pub struct PassError {
    pub pointer: String,
    pub message: String,
}

impl PassError {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// One named rewrite of the document.
pub struct Pass {
    pub name: &'static str,
    pub run: fn(&mut Value) -> Result<(), PassError>,
}

/// The passes, in the order they run.
pub const PASSES: &[Pass] = &[
    Pass {
        name: "collapse_problem_responses",
        run: collapse_problem_responses,
    },
    Pass {
        name: "keep_problem_extension_members",
        run: keep_problem_extension_members,
    },
    Pass {
        name: "lift_credential_properties",
        run: lift_credential_properties,
    },
];

/// Runs every pass in order.
pub fn normalize(doc: &mut Value) -> Result<(), PassError> {
    for pass in PASSES {
        (pass.run)(doc).map_err(|e| PassError {
            message: format!("{}: {}", pass.name, e.message),
            ..e
        })?;
    }
    Ok(())
}

fn schema_ref(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

/// Defect: IX-API gives every error status its own inline
/// `allOf: [ProblemResponse, {type: {enum: [...]}}]`. Progenitor names the
/// error type once per operation and keeps only the first status's enum (the
/// 400 one), so a 401 `authentication-error` body then fails to parse.
///
/// Fix: every response schema that only narrows `ProblemResponse` becomes a
/// plain `$ref` to it, so all operations share one problem type whose `type`
/// accepts any URI. Narrowing by anything other than the problem's own
/// members is refused rather than dropped.
pub fn collapse_problem_responses(doc: &mut Value) -> Result<(), PassError> {
    let problem_members: Vec<String> = doc
        .pointer(&format!(
            "/components/schemas/{PROBLEM_RESPONSE}/properties"
        ))
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let problem_ref = schema_ref(PROBLEM_RESPONSE);

    let mut responses: Vec<(String, &mut Value)> = Vec::new();
    for (key, value) in doc.as_object_mut().into_iter().flatten() {
        match key.as_str() {
            "components" => {
                if let Some(Value::Object(shared)) = value.get_mut("responses") {
                    for (name, response) in shared.iter_mut() {
                        responses.push((join("/components/responses", name), response));
                    }
                }
            }
            "paths" => {
                for (path, item) in value.as_object_mut().into_iter().flatten() {
                    let item_pointer = join("/paths", path);
                    for (method, operation) in item.as_object_mut().into_iter().flatten() {
                        let op_pointer = join(&join(&item_pointer, method), "responses");
                        if let Some(Value::Object(by_status)) = operation.get_mut("responses") {
                            for (status, response) in by_status.iter_mut() {
                                responses.push((join(&op_pointer, status), response));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    for (pointer, response) in responses {
        let Some(Value::Object(content)) = response.get_mut("content") else {
            continue;
        };
        for (media_type, media) in content.iter_mut() {
            let Some(schema) = media.get_mut("schema") else {
                continue;
            };
            let schema_pointer = join(&join(&join(&pointer, "content"), media_type), "schema");
            if narrows_problem(schema, &problem_ref, &problem_members, &schema_pointer)? {
                *schema = json!({ "$ref": problem_ref });
            }
        }
    }
    Ok(())
}

/// True when `schema` is an `allOf` of the problem schema and refinements of
/// its own members only.
fn narrows_problem(
    schema: &Value,
    problem_ref: &str,
    members: &[String],
    pointer: &str,
) -> Result<bool, PassError> {
    let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
        return Ok(false);
    };
    let is_problem = |part: &Value| part.get("$ref").and_then(Value::as_str) == Some(problem_ref);
    if !parts.iter().any(is_problem) {
        return Ok(false);
    }
    for (index, part) in parts.iter().enumerate() {
        if is_problem(part) {
            continue;
        }
        let Some(part) = part.as_object() else {
            return Err(PassError::new(
                join(pointer, "allOf"),
                "allOf member is not an object",
            ));
        };
        let part_pointer = join(&join(pointer, "allOf"), &index.to_string());
        for (key, value) in part {
            match key.as_str() {
                "type" if value == "object" => {}
                "properties" => {
                    for name in value.as_object().into_iter().flat_map(Map::keys) {
                        if !members.contains(name) {
                            return Err(PassError::new(
                                join(&join(&part_pointer, "properties"), name),
                                format!(
                                    "`{name}` is not a member of {PROBLEM_RESPONSE}; add it there"
                                ),
                            ));
                        }
                    }
                }
                "description" | "title" | "example" => {}
                other if other.starts_with("x-") => {}
                other => {
                    return Err(PassError::new(
                        join(&part_pointer, other),
                        format!("cannot fold `{other}` into {PROBLEM_RESPONSE}"),
                    ));
                }
            }
        }
    }
    Ok(true)
}

/// Defect: RFC 7807 lets a problem carry extension members beyond `type`,
/// `title`, `status`, `detail` and `instance` (IX-API validation errors name
/// the offending fields in one). `ProblemResponse` does not mention them, and
/// progenitor drops undeclared members of a struct.
///
/// Fix: declare `additionalProperties: {}` on `ProblemResponse`. That is what
/// an absent `additionalProperties` means anyway, but spelt out, it makes
/// progenitor keep the rest in a flattened `extra` map.
pub fn keep_problem_extension_members(doc: &mut Value) -> Result<(), PassError> {
    let pointer = format!("/components/schemas/{PROBLEM_RESPONSE}");
    let Some(Value::Object(problem)) = doc.pointer_mut(&pointer) else {
        return Ok(());
    };
    match problem.get("additionalProperties") {
        None | Some(Value::Bool(true)) => {
            problem.insert("additionalProperties".into(), json!({}));
            Ok(())
        }
        Some(_) => Err(PassError::new(
            join(&pointer, "additionalProperties"),
            "already restricted; extension members cannot be kept",
        )),
    }
}

/// Properties that carry credentials or tokens, and the component each is
/// lifted into.
pub const LIFTED_PROPERTIES: &[(&str, &str)] = &[
    ("api_key", "ApiKey"),
    ("api_secret", "ApiSecret"),
    ("access_token", "AccessToken"),
    ("refresh_token", "RefreshToken"),
];

/// Defect: IX-API declares `api_key`, `api_secret` and the tokens as inline
/// string properties. Progenitor can swap in a hand-written type only for a
/// named component, so inline they would become a plain `String` (printed by
/// `Debug`) or a length-checked newtype whose JSON Schema loses
/// `minLength`/`maxLength`.
///
/// Fix: each such property becomes a `$ref` to a component of its own
/// (`ApiSecret`, ...), which codegen then replaces with the types in
/// `ix_api_client::credentials`. Two properties of the same name must agree
/// (apart from their descriptions) to share one component.
pub fn lift_credential_properties(doc: &mut Value) -> Result<(), PassError> {
    let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") else {
        return Ok(());
    };
    let mut lifted: Map<String, Value> = Map::new();
    for (schema_name, schema) in schemas.iter_mut() {
        let Some(Value::Object(properties)) = schema.get_mut("properties") else {
            continue;
        };
        for (property, component) in LIFTED_PROPERTIES {
            let Some(value) = properties.get_mut(*property) else {
                continue;
            };
            if value.get("$ref").is_some() {
                continue;
            }
            let pointer = join(
                &join(&join("/components/schemas", schema_name), "properties"),
                property,
            );
            let mut definition = value.clone();
            if let Some(object) = definition.as_object_mut() {
                object.remove("description");
                // The hand-written types enforce exactly these; anything
                // else would be silently dropped.
                if let Some(key) = object
                    .keys()
                    .find(|k| !matches!(k.as_str(), "type" | "minLength" | "maxLength"))
                {
                    return Err(PassError::new(
                        join(&pointer, key),
                        format!(
                            "`{key}` is not enforced by ix_api_client::credentials::{component}; \
                             teach it there before using it in the spec"
                        ),
                    ));
                }
            }
            match lifted.get(*component) {
                Some(existing) if *existing != definition => {
                    return Err(PassError::new(
                        pointer,
                        format!("differs from another `{property}`; both would become {component}"),
                    ));
                }
                Some(_) => {}
                None => {
                    lifted.insert(component.to_string(), definition);
                }
            }
            *value = json!({ "$ref": schema_ref(component) });
        }
    }
    for (component, definition) in lifted {
        if schemas.contains_key(&component) {
            return Err(PassError::new(
                join("/components/schemas", &component),
                "already defined; cannot lift a property into it",
            ));
        }
        schemas.insert(component, definition);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem_doc(narrowing: Value) -> Value {
        json!({
            "paths": {"/auth/token": {"post": {"responses": {
                "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuthToken"}}}},
                "401": {"content": {"application/json": {"schema": {"allOf": [
                    {"$ref": "#/components/schemas/ProblemResponse"},
                    narrowing,
                    {}
                ]}}}}
            }}}},
            "components": {"schemas": {"ProblemResponse": {"properties": {
                "type": {"type": "string"}, "status": {"type": "integer"}
            }}}}
        })
    }

    #[test]
    fn per_status_problem_enums_collapse_to_one_ref() {
        let mut doc = problem_doc(json!({"type": "object", "properties": {
            "type": {"type": "string", "enum": ["https://errors.ix-api.net/v2/authentication-error.html"]},
            "status": {"example": 401}
        }}));
        collapse_problem_responses(&mut doc).unwrap();
        let responses = &doc["paths"]["/auth/token"]["post"]["responses"];
        assert_eq!(
            responses["401"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/ProblemResponse"})
        );
        // Success bodies are left alone.
        assert_eq!(
            responses["201"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/AuthToken"})
        );
    }

    #[test]
    fn shared_responses_collapse_too() {
        let mut doc = json!({
            "components": {
                "responses": {"Failed": {"content": {"application/json": {"schema": {"allOf": [
                    {"$ref": "#/components/schemas/ProblemResponse"},
                    {"properties": {"type": {"enum": ["x"]}}}
                ]}}}}},
                "schemas": {"ProblemResponse": {"properties": {"type": {"type": "string"}}}}
            }
        });
        collapse_problem_responses(&mut doc).unwrap();
        assert_eq!(
            doc["components"]["responses"]["Failed"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/ProblemResponse"})
        );
    }

    #[test]
    fn narrowing_with_foreign_members_is_refused() {
        let mut doc = problem_doc(json!({"properties": {"errors": {"type": "array"}}}));
        let err = collapse_problem_responses(&mut doc).unwrap_err();
        assert_eq!(
            err.pointer,
            "/paths/~1auth~1token/post/responses/401/content/application~1json/schema/allOf/1/properties/errors"
        );
    }

    #[test]
    fn problem_extension_members_are_declared() {
        let mut doc = json!({"components": {"schemas": {"ProblemResponse": {"type": "object"}}}});
        keep_problem_extension_members(&mut doc).unwrap();
        assert_eq!(
            doc["components"]["schemas"]["ProblemResponse"]["additionalProperties"],
            json!({})
        );
        let mut closed = json!({"components": {"schemas": {"ProblemResponse": {"additionalProperties": false}}}});
        assert!(keep_problem_extension_members(&mut closed).is_err());
    }

    #[test]
    fn credentials_are_lifted_into_components() {
        let mut doc = json!({"components": {"schemas": {
            "AuthTokenRequest": {"properties": {
                "api_key": {"type": "string", "minLength": 16, "maxLength": 16},
                "api_secret": {"type": "string", "minLength": 86, "maxLength": 86, "description": "secret"}
            }},
            "AuthToken": {"properties": {"refresh_token": {"type": "string", "description": "a"}}},
            "RefreshTokenRequest": {"properties": {"refresh_token": {"type": "string", "description": "b"}}}
        }}});
        lift_credential_properties(&mut doc).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["AuthTokenRequest"]["properties"]["api_secret"],
            json!({"$ref": "#/components/schemas/ApiSecret"})
        );
        assert_eq!(
            schemas["ApiSecret"],
            json!({"type": "string", "minLength": 86, "maxLength": 86})
        );
        assert_eq!(schemas["ApiKey"]["minLength"], 16);
        assert_eq!(schemas["RefreshToken"], json!({"type": "string"}));
        assert_eq!(
            schemas["RefreshTokenRequest"]["properties"]["refresh_token"],
            json!({"$ref": "#/components/schemas/RefreshToken"})
        );
    }

    #[test]
    fn credential_constraints_the_types_cannot_enforce_are_refused() {
        let mut doc = json!({"components": {"schemas": {
            "AuthTokenRequest": {"properties": {"api_key": {"type": "string", "pattern": "^[a-z]+$"}}}
        }}});
        let err = lift_credential_properties(&mut doc).unwrap_err();
        assert_eq!(
            err.pointer,
            "/components/schemas/AuthTokenRequest/properties/api_key/pattern"
        );
    }

    #[test]
    fn disagreeing_properties_are_not_merged() {
        let mut doc = json!({"components": {"schemas": {
            "A": {"properties": {"refresh_token": {"type": "string"}}},
            "B": {"properties": {"refresh_token": {"type": "string", "maxLength": 5}}}
        }}});
        let err = lift_credential_properties(&mut doc).unwrap_err();
        assert_eq!(
            err.pointer,
            "/components/schemas/B/properties/refresh_token"
        );
    }
}
