//! Normalization passes: rewrites of the spec that keep its meaning but steer
//! progenitor around the ways IX-API documents trip it. `spec/` stays faithful
//! to the published document; only the generator's input is rewritten.
//!
//! Each pass is one function over the document's JSON value and says which
//! real-world defect it handles.

use serde_json::{Map, Value, json};

use crate::model::document::join;
use crate::model::{is_raw_bytes, walk};

const PROBLEM_RESPONSE: &str = "ProblemResponse";

pub use crate::model::document::PassError;

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
        name: "answers_require_what_every_source_agrees",
        run: crate::spec_check::answer_rule::apply,
    },
    Pass {
        name: "lift_credential_properties",
        run: lift_credential_properties,
    },
    Pass {
        name: "health_as_servers_write_it",
        run: health_as_servers_write_it,
    },
    Pass {
        name: "merge_patch_bodies_as_json",
        run: merge_patch_bodies_as_json,
    },
    Pass {
        name: "binary_bodies_as_one_octet_stream",
        run: binary_bodies_as_one_octet_stream,
    },
    Pass {
        name: "dedupe_enum_values",
        run: dedupe_enum_values,
    },
    Pass {
        name: "drop_query_parameters_named_like_path_parameters",
        run: drop_query_parameters_named_like_path_parameters,
    },
    Pass {
        name: "one_spelling_per_query_parameter",
        run: one_spelling_per_query_parameter,
    },
    Pass {
        name: "move_tags_to_unions",
        run: crate::codegen::polymorphic::move_tags_to_unions,
    },
    Pass {
        name: "optional_members_stay_absent",
        run: optional_members_stay_absent,
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
/// Fix: every response schema that only narrows `ProblemResponse` (or adds
/// extension members to it) becomes a plain `$ref` to it, so all operations
/// share one problem type whose `type` accepts any URI. Anything else in the
/// `allOf` (a `required` list, a nested composition) is refused rather than
/// dropped.
pub fn collapse_problem_responses(doc: &mut Value) -> Result<(), PassError> {
    let problem_ref = schema_ref(PROBLEM_RESPONSE);
    walk::responses_mut(doc, |pointer, response| {
        let Some(Value::Object(content)) = response.get_mut("content") else {
            return Ok(());
        };
        for (media_type, media) in content.iter_mut() {
            let Some(schema) = media.get_mut("schema") else {
                continue;
            };
            let schema_pointer = join(&join(&join(pointer, "content"), media_type), "schema");
            if narrows_problem(schema, &problem_ref, &schema_pointer)? {
                *schema = json!({ "$ref": problem_ref });
            }
        }
        Ok(())
    })
}

/// True when `schema` is an `allOf` of the problem schema and object parts
/// that only describe members.
fn narrows_problem(schema: &Value, problem_ref: &str, pointer: &str) -> Result<bool, PassError> {
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
                // Members of the problem narrow it; other members are RFC 7807
                // extension members (`charged_until` of a
                // cancellation-policy-error), which the problem keeps in its
                // `extra` map (see `keep_problem_extension_members`).
                "properties" if value.is_object() => {}
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

/// The component that reads text written as text or as a number; codegen
/// replaces it with `ix_api_client::lenient::LenientText`.
pub const LENIENT_TEXT: &str = "LenientText";

/// Defect (of servers, not of the document): exchanges answer `GET
/// /health` in more than one shape. Some write `version` (and `releaseId`)
/// as a number (`"version": 2`; pyixapi expects both forms), and `checks`
/// and `links` as the health-check draft has them (lists of objects) rather
/// than maps of text. A strict model makes the whole answer "malformed".
///
/// Fix: those text members become `$ref: LenientText` (text or number,
/// read as text), and `checks` and `links` maps of any JSON. What the spec
/// says the exchange should write is unchanged; the sandbox still writes it.
pub fn health_as_servers_write_it(doc: &mut Value) -> Result<(), PassError> {
    let answer = "/paths/~1health/get/responses/200/content/application~1json/schema/$ref";
    let Some(reference) = doc.pointer(answer).and_then(Value::as_str) else {
        return Ok(());
    };
    let Some(name) = reference.strip_prefix("#/components/schemas/") else {
        return Err(PassError::new(answer, "not a component of this document"));
    };
    let pointer = format!("/components/schemas/{name}/properties");
    let Some(Value::Object(members)) = doc.pointer_mut(&pointer) else {
        return Err(PassError::new(
            pointer,
            "the health answer has no properties",
        ));
    };
    let mut lifted = false;
    for member in ["version", "releaseId"] {
        if let Some(schema) = members.get_mut(member) {
            if schema.get("type").and_then(Value::as_str) != Some("string") {
                return Err(PassError::new(
                    join(&pointer, member),
                    "expected text; the pass reads only text leniently",
                ));
            }
            *schema = json!({"$ref": schema_ref(LENIENT_TEXT)});
            lifted = true;
        }
    }
    for member in ["checks", "links"] {
        if let Some(schema) = members.get_mut(member) {
            *schema = json!({"type": "object", "additionalProperties": {}});
        }
    }
    if lifted && let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        schemas.insert(LENIENT_TEXT.into(), json!({"type": "string"}));
    }
    Ok(())
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
    let mut lifted: Map<String, Value> = Map::new();
    walk::schemas_mut(doc, |schema_name, schema| {
        let Some(Value::Object(properties)) = schema.get_mut("properties") else {
            return Ok(());
        };
        for (property, component) in LIFTED_PROPERTIES {
            let Some(value) = properties.get_mut(*property) else {
                continue;
            };
            if value.get("$ref").is_some() {
                continue;
            }
            let pointer = join(
                &join(&walk::schema_pointer(schema_name), "properties"),
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
        Ok(())
    })?;
    let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") else {
        return Ok(());
    };
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

/// The media type IX-API's PATCH operations take.
pub use crate::model::MERGE_PATCH;

/// Defect: progenitor 0.15 rejects the whole document at the first request
/// body of type `application/merge-patch+json` ("unexpected content type"),
/// the type of every IX-API PATCH.
///
/// Fix: such bodies are declared `application/json` to progenitor, which
/// then serializes them as JSON (a merge patch is a JSON document). The
/// `spec` module keeps each operation's real media type, and the client's
/// `pre` hook puts it in `Content-Type`. Where the spec offers both (servers
/// take a PATCH as `application/json` too), they must carry one schema.
pub fn merge_patch_bodies_as_json(doc: &mut Value) -> Result<(), PassError> {
    walk::operations_mut(doc, |operation| {
        let pointer = join(&join(&operation.pointer(), "requestBody"), "content");
        let Some(Value::Object(content)) = operation.value.pointer_mut("/requestBody/content")
        else {
            return Ok(());
        };
        let Some(media) = content.remove(MERGE_PATCH) else {
            return Ok(());
        };
        match content.get("application/json") {
            Some(json) if json.get("schema") != media.get("schema") => Err(PassError::new(
                pointer,
                "application/json and the merge patch with different schemas: progenitor can take one",
            )),
            Some(_) => Ok(()),
            None => {
                content.insert("application/json".into(), media);
                Ok(())
            }
        }
    })
}

/// The media type progenitor sends raw bytes as.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Defect: a letter of authorisation is uploaded as raw bytes, and IX-API
/// takes it as `application/octet-stream` or `application/pdf`. Progenitor
/// 0.15 panics at a request body with more than one media type ("more media
/// types than expected") and rejects `application/pdf` outright
/// ("unexpected content type").
///
/// Fix: a request body whose media types all carry raw bytes (`type:
/// string, format: binary`) is offered to progenitor as one
/// `application/octet-stream` body, which it sends as given (a byte body
/// in). The `spec` module keeps the media types as written. A body that
/// mixes bytes with other media types is refused rather than narrowed.
pub fn binary_bodies_as_one_octet_stream(doc: &mut Value) -> Result<(), PassError> {
    walk::operations_mut(doc, |operation| {
        let pointer = join(&join(&operation.pointer(), "requestBody"), "content");
        let Some(Value::Object(content)) = operation.value.pointer_mut("/requestBody/content")
        else {
            return Ok(());
        };
        let binary = content.values().filter(|media| is_raw_bytes(media)).count();
        if binary == 0 || (binary == 1 && content.contains_key(OCTET_STREAM) && content.len() == 1)
        {
            return Ok(());
        }
        if binary != content.len() {
            return Err(PassError::new(
                pointer,
                "raw bytes and other media types in one body: progenitor can take one",
            ));
        }
        let media = content
            .get(OCTET_STREAM)
            .or_else(|| content.values().next())
            .cloned()
            .unwrap_or(Value::Null);
        content.clear();
        content.insert(OCTET_STREAM.into(), media);
        Ok(())
    })
}

/// Defect: `GET /product-offerings` declares filters with `enum: ["true",
/// "true"]`; typify panics when it cannot name two variants apart.
///
/// Fix: every `enum` keeps the first of equal values. The set of allowed
/// values is the same.
pub fn dedupe_enum_values(doc: &mut Value) -> Result<(), PassError> {
    match doc {
        Value::Object(object) => {
            if let Some(Value::Array(values)) = object.get_mut("enum") {
                let mut seen = Vec::new();
                values.retain(|value| {
                    let first = !seen.contains(value);
                    if first {
                        seen.push(value.clone());
                    }
                    first
                });
            }
            for value in object.values_mut() {
                dedupe_enum_values(value)?;
            }
        }
        Value::Array(items) => {
            for item in items {
                dedupe_enum_values(item)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Defect: `GET /roles/{id}` declares a path parameter `id` and a query
/// parameter `id` (a list filter copied from `GET /roles`); progenitor
/// cannot name both and panics ("missing path name mapping id").
///
/// Fix: a query parameter named like a path parameter of the same operation
/// is dropped. Filtering one object by its own id says nothing the path does
/// not.
pub fn drop_query_parameters_named_like_path_parameters(doc: &mut Value) -> Result<(), PassError> {
    walk::operations_mut(doc, |operation| {
        let Some(Value::Array(parameters)) = operation.value.get_mut("parameters") else {
            return Ok(());
        };
        let is_path = |p: &Value| p.get("in").and_then(Value::as_str) == Some("path");
        let path_names: Vec<Value> = parameters
            .iter()
            .chain(operation.shared_parameters)
            .filter(|p| is_path(p))
            .filter_map(|p| p.get("name").cloned())
            .collect();
        parameters.retain(|p| {
            let name = p.get("name").cloned().unwrap_or(Value::Null);
            p.get("in").and_then(Value::as_str) != Some("query") || !path_names.contains(&name)
        });
        Ok(())
    })
}

/// Defect: progenitor names a query parameter by its snake case, in which
/// 2.1.0's `capability_speed__lt` and 2.7.1's `capability_speed_lt` are one
/// name: the client's builder would get two fields of that name, and the
/// command line generator asserts ("no conflicting path or query
/// parameters").
///
/// Fix: of an operation's query parameters that share a snake-case name,
/// the generator keeps the one already spelt in snake case (2.7.1's) and
/// loses the others. The Rust method is the same (`capability_speed_lt`);
/// the client sends the kept spelling. `spec/`, and the sandbox's facts
/// read from it, keep both. Parameters that share a name and none of which
/// is spelt in snake case are refused.
pub fn one_spelling_per_query_parameter(doc: &mut Value) -> Result<(), PassError> {
    use heck::ToSnakeCase;
    walk::operations_mut(doc, |operation| {
        let pointer = join(&operation.pointer(), "parameters");
        let Some(Value::Array(parameters)) = operation.value.get_mut("parameters") else {
            return Ok(());
        };
        let query_name = |p: &Value| {
            (p.get("in").and_then(Value::as_str) == Some("query"))
                .then(|| p.get("name").and_then(Value::as_str).map(str::to_string))
                .flatten()
        };
        let mut spellings: Vec<(String, Vec<String>)> = Vec::new();
        for name in parameters.iter().filter_map(query_name) {
            let snake = name.to_snake_case();
            match spellings.iter_mut().find(|(s, _)| *s == snake) {
                Some((_, names)) => names.push(name),
                None => spellings.push((snake, vec![name])),
            }
        }
        let mut dropped = Vec::new();
        for (snake, names) in spellings.into_iter().filter(|(_, n)| n.len() > 1) {
            if !names.contains(&snake) {
                return Err(PassError::new(
                    pointer,
                    format!("{names:?} are one name to the generator, and none is spelt `{snake}`"),
                ));
            }
            dropped.extend(names.into_iter().filter(|n| *n != snake));
        }
        parameters.retain(|p| query_name(p).is_none_or(|name| !dropped.contains(&name)));
        Ok(())
    })
}

/// Defect: for a member that is not required, typify fills in the schema's
/// `default` when it is absent and writes it back out (`"purchase_order":
/// ""`), and turns an optional list into a `Vec` that it leaves out when
/// empty. A PATCH built from such a model sends defaults the caller never
/// set, overwriting what the exchange holds, and cannot send `[]` to clear
/// a list; an answer does not re-serialize to what came in.
///
/// Fix: optional members lose their `default` (the server applies it; the
/// client has no business sending it), and optional lists become
/// `nullable`, which typify makes an `Option<Vec<_>>`: absent stays absent,
/// `[]` stays `[]`. The same for optional maps (`{}`).
pub fn optional_members_stay_absent(doc: &mut Value) -> Result<(), PassError> {
    walk::schemas_mut(doc, |_, schema| {
        optional_members_of(schema);
        Ok(())
    })
}

fn optional_members_of(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let required: Vec<Value> = object
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            if required.contains(&Value::String(name.clone())) {
                continue;
            }
            if let Some(property) = property.as_object_mut() {
                property.remove("default");
                let list_or_map = match property.get("type").and_then(Value::as_str) {
                    Some("array") => true,
                    Some("object") => !property.contains_key("properties"),
                    _ => false,
                };
                if list_or_map {
                    property.insert("nullable".into(), Value::Bool(true));
                }
            }
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(parts)) = object.get_mut(key) {
            parts.iter_mut().for_each(optional_members_of);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_members_are_read_as_servers_write_them() {
        let mut doc = json!({
            "paths": {"/health": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/HealthResponse"}}}}}}}},
            "components": {"schemas": {"HealthResponse": {"properties": {
                "version": {"type": "string"}, "releaseId": {"type": "string"},
                "status": {"type": "string"},
                "checks": {"type": "object", "additionalProperties": {"type": "object"}}
            }}}}
        });
        health_as_servers_write_it(&mut doc).unwrap();
        let health = &doc["components"]["schemas"]["HealthResponse"]["properties"];
        let lenient = json!({"$ref": "#/components/schemas/LenientText"});
        assert_eq!(health["version"], lenient);
        assert_eq!(health["releaseId"], lenient);
        assert_eq!(health["status"], json!({"type": "string"}));
        assert_eq!(health["checks"]["additionalProperties"], json!({}));
        assert_eq!(
            doc["components"]["schemas"]["LenientText"],
            json!({"type": "string"})
        );

        let mut numeric = doc.clone();
        numeric["components"]["schemas"]["HealthResponse"]["properties"]["version"] =
            json!({"type": "integer"});
        let error = health_as_servers_write_it(&mut numeric).unwrap_err();
        assert_eq!(
            error.pointer,
            "/components/schemas/HealthResponse/properties/version"
        );
    }

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
    fn extension_members_collapse_too() {
        let mut doc = problem_doc(
            json!({"properties": {"charged_until": {"type": "string", "format": "date"}}}),
        );
        collapse_problem_responses(&mut doc).unwrap();
        assert_eq!(
            doc["paths"]["/auth/token"]["post"]["responses"]["401"]["content"]["application/json"]
                ["schema"],
            json!({"$ref": "#/components/schemas/ProblemResponse"})
        );
    }

    #[test]
    fn anything_but_members_is_refused() {
        let mut doc = problem_doc(json!({"required": ["errors"]}));
        let err = collapse_problem_responses(&mut doc).unwrap_err();
        assert_eq!(
            err.pointer,
            "/paths/~1auth~1token/post/responses/401/content/application~1json/schema/allOf/1/required"
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
    fn merge_patch_bodies_become_json_for_progenitor() {
        let schema = json!({"$ref": "#/components/schemas/AccountUpdatePartial"});
        let mut doc = json!({"paths": {"/accounts/{id}": {
            "parameters": [],
            "patch": {"requestBody": {"content": {MERGE_PATCH: {"schema": schema}}}},
            "put": {"requestBody": {"content": {"application/json": {"schema": schema}}}}
        }}});
        merge_patch_bodies_as_json(&mut doc).unwrap();
        let item = &doc["paths"]["/accounts/{id}"];
        assert_eq!(
            item["patch"]["requestBody"]["content"],
            json!({"application/json": {"schema": schema}})
        );
        assert_eq!(
            item["put"]["requestBody"]["content"],
            json!({"application/json": {"schema": schema}})
        );
    }

    #[test]
    fn binary_bodies_become_one_octet_stream() {
        let bytes = json!({"schema": {"type": "string", "format": "binary"}});
        let mut doc = json!({"paths": {"/connections/{id}/loa": {
            "post": {"requestBody": {"content": {"application/pdf": bytes, OCTET_STREAM: bytes}}},
        }, "/x": {
            "post": {"requestBody": {"content": {"application/pdf": bytes}}},
            "put": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}
        }}});
        binary_bodies_as_one_octet_stream(&mut doc).unwrap();
        assert_eq!(
            doc["paths"]["/connections/{id}/loa"]["post"]["requestBody"]["content"],
            json!({OCTET_STREAM: bytes})
        );
        assert_eq!(
            doc["paths"]["/x"]["post"]["requestBody"]["content"],
            json!({OCTET_STREAM: bytes})
        );
        assert_eq!(
            doc["paths"]["/x"]["put"]["requestBody"]["content"],
            json!({"application/json": {"schema": {"type": "object"}}})
        );
        let mut mixed = json!({"paths": {"/y": {"post": {"requestBody": {"content": {
            "application/pdf": bytes, "application/json": {"schema": {"type": "object"}}
        }}}}}});
        let err = binary_bodies_as_one_octet_stream(&mut mixed).unwrap_err();
        assert_eq!(err.pointer, "/paths/~1y/post/requestBody/content");
    }

    #[test]
    fn duplicated_enum_values_are_kept_once() {
        let mut doc = json!({"paths": {"/product-offerings": {"get": {"parameters": [
            {"name": "bandwidth", "schema": {"type": "string", "enum": ["true", "true", "false", "true"]}}
        ]}}}});
        dedupe_enum_values(&mut doc).unwrap();
        assert_eq!(
            doc["paths"]["/product-offerings"]["get"]["parameters"][0]["schema"]["enum"],
            json!(["true", "false"])
        );
    }

    #[test]
    fn query_parameters_named_like_path_parameters_are_dropped() {
        let mut doc = json!({"paths": {"/roles/{id}": {"get": {"parameters": [
            {"in": "path", "name": "id", "required": true},
            {"in": "query", "name": "id", "style": "form", "explode": false},
            {"in": "query", "name": "name"}
        ]}}}});
        drop_query_parameters_named_like_path_parameters(&mut doc).unwrap();
        assert_eq!(
            doc["paths"]["/roles/{id}"]["get"]["parameters"],
            json!([{"in": "path", "name": "id", "required": true}, {"in": "query", "name": "name"}])
        );
    }

    #[test]
    fn a_query_parameter_spelt_two_ways_is_kept_once() {
        let parameter =
            |name: &str| json!({"in": "query", "name": name, "schema": {"type": "integer"}});
        let mut doc = json!({"paths": {"/facilities": {"get": {"parameters": [
            parameter("capability_speed__lt"),
            parameter("capability_speed_lt"),
            parameter("state__is_not"),
            {"in": "path", "name": "capability_speed__lt"}
        ]}}}});
        one_spelling_per_query_parameter(&mut doc).unwrap();
        assert_eq!(
            doc["paths"]["/facilities"]["get"]["parameters"],
            json!([
                parameter("capability_speed_lt"),
                parameter("state__is_not"),
                {"in": "path", "name": "capability_speed__lt"}
            ])
        );
        let mut odd = json!({"paths": {"/x": {"get": {"parameters": [
            parameter("a__b"), parameter("a___b")
        ]}}}});
        let err = one_spelling_per_query_parameter(&mut odd).unwrap_err();
        assert_eq!(err.pointer, "/paths/~1x/get/parameters");
    }

    #[test]
    fn optional_members_lose_defaults_and_lists_become_options() {
        let mut doc = json!({"components": {"schemas": {"Config": {
            "required": ["asns", "state"],
            "properties": {
                "asns": {"type": "array", "items": {"type": "integer"}},
                "state": {"type": "string", "default": "requested"},
                "macs": {"type": "array", "items": {"type": "string"}},
                "checks": {"type": "object", "additionalProperties": {"type": "string"}},
                "address": {"type": "object", "properties": {}},
                "purchase_order": {"type": "string", "default": ""}
            }
        }}}});
        optional_members_stay_absent(&mut doc).unwrap();
        let properties = &doc["components"]["schemas"]["Config"]["properties"];
        assert_eq!(
            properties["asns"],
            json!({"type": "array", "items": {"type": "integer"}})
        );
        assert_eq!(properties["state"]["default"], "requested");
        assert_eq!(properties["macs"]["nullable"], true);
        assert_eq!(properties["checks"]["nullable"], true);
        assert_eq!(properties["address"].get("nullable"), None);
        assert_eq!(properties["purchase_order"], json!({"type": "string"}));
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
