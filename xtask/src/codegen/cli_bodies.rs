//! What the command line says about request bodies, from the normalized
//! document: the skeleton `--template` prints for each JSON body, and the
//! help of each member flag (type, required, enum values, constraints, the
//! spec's description). Emitted into the CLI's generated module beside
//! `answer_states`; read by `ix-api-cli`'s `template` and `operations`.
//!
//! The spec has no `example:` values, so each value of a skeleton is a
//! placeholder saying what belongs there: `"<required: string>"`,
//! `"<optional: string, at most 80 characters>"`. `crate::input::body` in
//! the CLI refuses a body that still holds one.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::codegen::normalize::PassError;
use crate::model::{Model, referred as component};

/// How deep a skeleton follows nested objects (IX-API's bodies nest two).
const DEPTH: usize = 6;

/// The bodies of a document's operations.
#[derive(Debug, Default)]
pub struct Bodies {
    /// Operation id (underscores only, as the CLI names it) → its body.
    pub bodies: BTreeMap<String, Body>,
}

/// One operation's JSON request body.
#[derive(Debug)]
pub struct Body {
    /// The skeleton `--template` prints: the object, or for a polymorphic
    /// body an object keyed by the tag's values.
    pub skeleton: String,
    /// Tag value → that variant's skeleton; empty for a body of one shape.
    pub by_type: Vec<(String, String)>,
    /// Member → the help of its flag (bodies of one shape only: the
    /// generated commands have member flags for those alone).
    pub members: Vec<(String, String)>,
}

/// A skeleton: placeholders where values go.
enum Node {
    Text(String),
    Object(Vec<(String, Node)>),
    Array(Box<Node>),
}

impl Node {
    fn render(&self, indent: usize, out: &mut String) {
        let pad = "  ".repeat(indent + 1);
        match self {
            Node::Text(text) => out.push_str(&Value::String(text.clone()).to_string()),
            Node::Object(members) if members.is_empty() => out.push_str("{}"),
            Node::Object(members) => {
                out.push_str("{\n");
                for (at, (name, node)) in members.iter().enumerate() {
                    out.push_str(&pad);
                    out.push_str(&Value::String(name.clone()).to_string());
                    out.push_str(": ");
                    node.render(indent + 1, out);
                    out.push_str(if at + 1 < members.len() { ",\n" } else { "\n" });
                }
                out.push_str(&"  ".repeat(indent));
                out.push('}');
            }
            Node::Array(item) => {
                out.push_str("[\n");
                out.push_str(&pad);
                item.render(indent + 1, out);
                out.push('\n');
                out.push_str(&"  ".repeat(indent));
                out.push(']');
            }
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        self.render(0, &mut out);
        out
    }
}

/// An object's members (name, schema) and its required members.
type Members = (Vec<(String, Value)>, Vec<String>);

/// The members and required members of an object schema, its `allOf`
/// parts merged; `None` when it is no object.
fn object(doc: &Value, schema: &Value, depth: usize) -> Option<Members> {
    if depth > DEPTH {
        return None;
    }
    if let Some(found) = component(doc, schema) {
        return object(doc, found, depth + 1);
    }
    let mut members: Vec<(String, Value)> = Vec::new();
    let mut required: Vec<String> = Vec::new();
    let mut any = false;
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        any = true;
        for (name, property) in properties {
            members.retain(|(other, _)| other != name);
            members.push((name.clone(), property.clone()));
        }
    }
    // The answer rule (`crate::spec_check::answer_rule`) dropped from `required` what
    // an answer may lack; a request still must carry it.
    for name in ["required", crate::spec_check::answer_rule::EXTENSION]
        .iter()
        .filter_map(|key| schema.get(*key).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
    {
        required.push(name.to_string());
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some((more, needed)) = object(doc, part, depth + 1) {
            any = true;
            for (name, property) in more {
                members.retain(|(other, _)| *other != name);
                members.push((name, property));
            }
            required.extend(needed);
        }
    }
    any.then_some((members, required))
}

/// A polymorphic schema's tag and variants (tag value → variant schema).
fn union(doc: &Value, schema: &Value) -> Option<(String, Vec<(String, Value)>)> {
    let schema = component(doc, schema).unwrap_or(schema);
    let discriminator = schema.get("discriminator")?;
    let tag = discriminator.get("propertyName")?.as_str()?.to_string();
    let variants = discriminator
        .get("mapping")?
        .as_object()?
        .iter()
        .filter_map(|(value, target)| {
            let target = serde_json::json!({ "$ref": target });
            Some((value.clone(), component(doc, &target)?.clone()))
        })
        .collect();
    Some((tag, variants))
}

/// The schema a member's `$ref` or single `allOf` names.
fn resolved(doc: &Value, schema: &Value, depth: usize) -> Value {
    if depth > DEPTH {
        return schema.clone();
    }
    if let Some(found) = component(doc, schema) {
        return resolved(doc, found, depth + 1);
    }
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        && schema.get("properties").is_none()
    {
        return resolved(doc, only, depth + 1);
    }
    schema.clone()
}

fn number(value: &Value) -> String {
    value.to_string()
}

/// A member's type and constraints in a few words: `string, at most 80
/// characters`, `one of slow, fast, or null`, `integer, at least 1`.
pub fn describe(doc: &Value, schema: &Value) -> String {
    let schema = resolved(doc, schema, 0);
    let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
    let mut kinds: Vec<String> = match schema.get("type") {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    };
    let null = nullable || kinds.iter().any(|kind| kind == "null");
    kinds.retain(|kind| kind != "null");
    let mut words = match schema.get("enum").and_then(Value::as_array) {
        Some(values) => {
            let values: Vec<String> = values
                .iter()
                .filter(|value| !value.is_null())
                .map(|value| {
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), String::from)
                })
                .collect();
            format!("one of {}", values.join(", "))
        }
        None if kinds.first().map(String::as_str) == Some("array") => {
            let item = schema
                .get("items")
                .map(|items| describe(doc, items))
                .unwrap_or_else(|| "any".into());
            format!("list of {item}")
        }
        None if kinds.is_empty() && union(doc, &schema).is_some() => "object".into(),
        None if kinds.is_empty() => "any".into(),
        None => kinds.join(" or "),
    };
    if let Some(format) = schema.get("format").and_then(Value::as_str)
        && !matches!(format, "int32" | "int64" | "binary" | "float" | "double")
    {
        words.push_str(&format!(" ({format})"));
    }
    let mut limits = Vec::new();
    match (schema.get("minimum"), schema.get("maximum")) {
        (Some(low), Some(high)) => limits.push(format!("{} to {}", number(low), number(high))),
        (Some(low), None) => limits.push(format!("at least {}", number(low))),
        (None, Some(high)) => limits.push(format!("at most {}", number(high))),
        (None, None) => {}
    }
    match (schema.get("minLength"), schema.get("maxLength")) {
        (Some(low), Some(high)) if low == high => {
            limits.push(format!("exactly {} characters", number(high)))
        }
        (Some(low), Some(high)) => {
            limits.push(format!("{} to {} characters", number(low), number(high)))
        }
        (Some(low), None) => limits.push(format!("at least {} characters", number(low))),
        (None, Some(high)) => limits.push(format!("at most {} characters", number(high))),
        (None, None) => {}
    }
    if let Some(low) = schema.get("minItems") {
        limits.push(format!("at least {} items", number(low)));
    }
    if let Some(high) = schema.get("maxItems") {
        limits.push(format!("at most {} items", number(high)));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        limits.push(format!("matching {pattern}"));
    }
    for limit in limits {
        words.push_str(", ");
        words.push_str(&limit);
    }
    if null {
        words.push_str(", or null");
    }
    words
}

fn placeholder(required: bool, what: &str) -> String {
    let mark = if required { "required" } else { "optional" };
    format!("<{mark}: {what}>")
}

fn read_only(doc: &Value, schema: &Value) -> bool {
    schema.get("readOnly").and_then(Value::as_bool) == Some(true)
        || resolved(doc, schema, 0)
            .get("readOnly")
            .and_then(Value::as_bool)
            == Some(true)
}

/// The skeleton of one member's value.
fn member(doc: &Value, schema: &Value, required: bool, depth: usize) -> Node {
    let plain = resolved(doc, schema, 0);
    if depth < DEPTH {
        if let Some((tag, variants)) = union(doc, &plain)
            && let Some((first, variant)) = variants.first()
        {
            // One variant's members; the tag says which the others are.
            let others: Vec<&str> = variants.iter().map(|(value, _)| value.as_str()).collect();
            let said = format!(
                "one of {}; the members here are {first}'s",
                others.join(", ")
            );
            return shaped(
                doc,
                variant,
                Some((&tag, placeholder(true, &said))),
                depth + 1,
            );
        }
        if plain.get("enum").is_none() && object(doc, &plain, 0).is_some() {
            return shaped(doc, &plain, None, depth + 1);
        }
        if plain.get("type").and_then(Value::as_str) == Some("array")
            && let Some(items) = plain.get("items")
        {
            let item = member(doc, items, required, depth + 1);
            return Node::Array(Box::new(match item {
                Node::Text(_) => Node::Text(placeholder(required, &describe(doc, items))),
                other => other,
            }));
        }
    }
    Node::Text(placeholder(required, &describe(doc, schema)))
}

/// An object's skeleton: the tag first (if any), then the required
/// members, then the optional ones; members the server writes
/// (`readOnly`) are left out.
fn shaped(doc: &Value, schema: &Value, tag: Option<(&str, String)>, depth: usize) -> Node {
    let (members, required) = object(doc, schema, 0).unwrap_or_default();
    let mut nodes = Vec::new();
    if let Some((name, value)) = &tag {
        nodes.push((name.to_string(), Node::Text(value.clone())));
    }
    let writable: Vec<&(String, Value)> = members
        .iter()
        .filter(|(name, property)| {
            tag.as_ref().is_none_or(|(tag, _)| tag != name) && !read_only(doc, property)
        })
        .collect();
    for wanted in [true, false] {
        for (name, property) in &writable {
            if required.contains(name) == wanted {
                nodes.push((name.clone(), member(doc, property, wanted, depth)));
            }
        }
    }
    Node::Object(nodes)
}

/// A member flag's help: `required: string`, `optional: one of slow, fast`,
/// then the spec's description.
fn help(doc: &Value, property: &Value, required: bool) -> String {
    let mut text = placeholder(required, &describe(doc, property));
    // `<required: string>` without its brackets.
    text = text[1..text.len() - 1].to_string();
    let description = property
        .get("description")
        .cloned()
        .or_else(|| resolved(doc, property, 0).get("description").cloned());
    let description = description.as_ref().and_then(Value::as_str);
    if let Some(description) = description {
        let description = description.split_whitespace().collect::<Vec<_>>().join(" ");
        text = format!("{}. {text}", description.trim_end_matches('.'));
    }
    text
}

impl Bodies {
    /// The JSON bodies of the operations of the normalized `doc`.
    pub fn of(doc: &Value, model: &Model) -> Result<Self, PassError> {
        let mut bodies = BTreeMap::new();
        for operation in &model.operations {
            let id = operation.id.replace('-', "_");
            let Some(schema) = operation.json_body else {
                continue;
            };
            let body = match union(doc, schema) {
                Some((tag, variants)) => {
                    let by_type: Vec<(String, Node)> = variants
                        .iter()
                        .map(|(value, variant)| {
                            let tagged = Some((tag.as_str(), value.clone()));
                            (value.clone(), shaped(doc, variant, tagged, 0))
                        })
                        .collect();
                    let by_type: Vec<(String, String)> = by_type
                        .into_iter()
                        .map(|(value, node)| (value, node.text()))
                        .collect();
                    let all = Node::Object(
                        variants
                            .iter()
                            .map(|(value, variant)| {
                                let tagged = Some((tag.as_str(), value.clone()));
                                (value.clone(), shaped(doc, variant, tagged, 0))
                            })
                            .collect(),
                    );
                    Body {
                        skeleton: all.text(),
                        by_type,
                        members: Vec::new(),
                    }
                }
                None => {
                    let (members, required) = object(doc, schema, 0).ok_or_else(|| {
                        PassError::new(operation.written.pointer(), "a JSON body that is no object")
                    })?;
                    Body {
                        skeleton: shaped(doc, schema, None, 0).text(),
                        by_type: Vec::new(),
                        members: members
                            .iter()
                            .map(|(name, property)| {
                                (name.clone(), help(doc, property, required.contains(name)))
                            })
                            .collect(),
                    }
                }
            };
            bodies.insert(id, body);
        }
        Ok(Self { bodies })
    }

    /// Operation id → the tag values of its polymorphic body (nothing for a
    /// body of one shape), for `--template [TYPE]`.
    pub fn tag_values(&self) -> BTreeMap<String, Vec<String>> {
        self.bodies
            .iter()
            .map(|(id, body)| {
                let values = body
                    .by_type
                    .iter()
                    .map(|(value, _)| value.clone())
                    .collect();
                (id.clone(), values)
            })
            .collect()
    }

    /// `body_template(operation_id)` and `member_help(operation_id,
    /// member)`, for the CLI's generated module.
    pub fn emit(&self) -> TokenStream {
        let templates = self.bodies.iter().map(|(id, body)| {
            let skeleton = &body.skeleton;
            let types = body
                .by_type
                .iter()
                .map(|(value, text)| quote! { (#value, #text) });
            quote! {
                #id => Some(BodyTemplate { skeleton: #skeleton, by_type: &[#(#types),*] }),
            }
        });
        let helps = self.bodies.iter().flat_map(|(id, body)| {
            body.members
                .iter()
                .map(move |(name, text)| quote! { (#id, #name) => Some(#text), })
        });
        quote! {
            /// A JSON request body's skeleton, from the spec: placeholders
            /// (`"<required: string>"`) where values go.
            #[derive(Debug, Clone, Copy)]
            pub struct BodyTemplate {
                /// The skeleton; of a polymorphic body, an object keyed by
                /// the tag's values.
                pub skeleton: &'static str,
                /// Tag value → that variant's skeleton (empty for a body of
                /// one shape).
                pub by_type: &'static [(&'static str, &'static str)],
            }

            /// The skeleton of the operation's JSON body, for `--template`;
            /// `None` when it takes none.
            pub fn body_template(operation_id: &str) -> Option<BodyTemplate> {
                match operation_id {
                    #(#templates)*
                    _ => None,
                }
            }

            /// The help of a body member's flag (type, required, enum values,
            /// constraints, the spec's description), by the member's name.
            pub fn member_help(operation_id: &str, member: &str) -> Option<&'static str> {
                match (operation_id, member) {
                    #(#helps)*
                    _ => None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "paths": {
                "/things": {"post": {"operationId": "things_create", "requestBody": {"content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ThingRequest"}}}}}},
                "/configs": {"post": {"operationId": "configs_create", "requestBody": {"content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Config"}}}}}}
            },
            "components": {"schemas": {
                "ThingRequest": {"type": "object", "required": ["mode", "managing_account"], "properties": {
                    "managing_account": {"type": "string"},
                    "mode": {"type": "string", "enum": ["lag_lacp", "standalone"]},
                    "purchase_order": {"type": "string", "maxLength": 80, "description": "Yours."},
                    "ips": {"type": "array", "readOnly": true, "items": {"type": "string"}},
                    "asns": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                    "vlan": {"$ref": "#/components/schemas/Vlan"}
                }},
                "Vlan": {"discriminator": {"propertyName": "vlan_type", "mapping": {
                    "dot1q": "#/components/schemas/Dot1Q"}}, "oneOf": [{"$ref": "#/components/schemas/Dot1Q"}]},
                "Dot1Q": {"type": "object", "x-optional-in-answers": ["vlan"], "properties": {
                    "vlan": {"type": "integer", "minimum": 1, "maximum": 4094}}},
                "Config": {"discriminator": {"propertyName": "type", "mapping": {
                    "a": "#/components/schemas/A", "b": "#/components/schemas/B"}},
                    "oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]},
                "A": {"type": "object", "required": ["x"], "properties": {"x": {"type": "string"}}},
                "B": {"type": "object", "properties": {"y": {"type": "boolean", "nullable": true}}}
            }}
        })
    }

    #[test]
    fn a_skeleton_says_each_members_type_and_whether_it_is_required() {
        let doc = doc();
        let bodies = Bodies::of(&doc, &Model::of(&doc, &doc).unwrap()).unwrap();
        let thing = &bodies.bodies["things_create"];
        let skeleton: Value = serde_json::from_str(&thing.skeleton).unwrap();
        assert_eq!(
            skeleton,
            json!({
                "managing_account": "<required: string>",
                "mode": "<required: one of lag_lacp, standalone>",
                "asns": ["<optional: integer, at least 0>"],
                "purchase_order": "<optional: string, at most 80 characters>",
                "vlan": {"vlan_type": "<required: one of dot1q; the members here are dot1q's>",
                         "vlan": "<required: integer, 1 to 4094>"}
            })
        );
        assert!(
            thing.skeleton.starts_with("{\n  \"managing_account\""),
            "{}",
            thing.skeleton
        );
        assert!(thing.by_type.is_empty());
        let help: BTreeMap<_, _> = thing.members.iter().cloned().collect();
        assert_eq!(help["mode"], "required: one of lag_lacp, standalone");
        assert_eq!(
            help["purchase_order"],
            "Yours. optional: string, at most 80 characters"
        );
    }

    #[test]
    fn a_polymorphic_body_has_one_skeleton_per_type() {
        let doc = doc();
        let bodies = Bodies::of(&doc, &Model::of(&doc, &doc).unwrap()).unwrap();
        let config = &bodies.bodies["configs_create"];
        let skeleton: Value = serde_json::from_str(&config.skeleton).unwrap();
        assert_eq!(
            skeleton,
            json!({
                "a": {"type": "a", "x": "<required: string>"},
                "b": {"type": "b", "y": "<optional: boolean, or null>"}
            })
        );
        assert_eq!(config.by_type.len(), 2);
        assert_eq!(
            serde_json::from_str::<Value>(&config.by_type[1].1).unwrap(),
            json!({"type": "b", "y": "<optional: boolean, or null>"})
        );
        assert!(config.members.is_empty());
    }
}
