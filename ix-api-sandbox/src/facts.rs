//! The spec as the sandbox reads it: `spec.json`, which `cargo xtask codegen`
//! writes from `spec/ix-api.yaml` beside the client. Nothing here repeats a
//! schema, a status code or a problem type by hand.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use jsonschema::Validator;
use serde::Deserialize;
use serde_json::{Map, Value, json};

const SPEC: &str = include_str!("spec.json");

/// What the spec says of one operation.
#[derive(Debug, Deserialize)]
pub struct OperationFacts {
    /// The component of the request body, if it has one.
    pub request: Option<String>,
    /// The media types of a request body of raw bytes.
    #[serde(default)]
    pub request_media: Vec<String>,
    /// Documented answers by status code.
    pub responses: BTreeMap<String, Answer>,
    /// Query parameters and their schemas.
    pub query: BTreeMap<String, Value>,
    /// Whether the published 2.1.0 document has the operation.
    pub v2_1: bool,
    /// The query parameters the published 2.1.0 document lacks.
    #[serde(default)]
    pub query_added: Vec<String>,
}

/// A documented answer.
#[derive(Debug, Default, Deserialize)]
pub struct Answer {
    /// The component of the body (of each item, for a list).
    pub schema: Option<String>,
    /// Whether the body is a list of them.
    #[serde(default)]
    pub list: bool,
    /// Whether the published 2.1.0 document answers a list of them where
    /// 2.7.1 answers one (the one-element array of a 2.1 read).
    #[serde(default)]
    pub list_2_1: bool,
    /// The problem `type` URIs an error answer may carry.
    #[serde(default)]
    pub problems: Vec<String>,
    /// The media types of an answer of raw bytes.
    #[serde(default)]
    pub media: Vec<String>,
}

/// A discriminated union: which member tells the variant, and each
/// variant's component.
#[derive(Debug, Deserialize)]
pub struct Union {
    pub property: String,
    pub mapping: BTreeMap<String, String>,
    /// The tags the published 2.1.0 document does not map.
    #[serde(default)]
    pub added: Vec<String>,
}

#[derive(Deserialize)]
struct Document {
    /// The members of each component the published 2.1.0 document lacks.
    #[serde(default)]
    added_members: HashMap<String, Vec<String>>,
    definitions: Map<String, Value>,
    operations: HashMap<String, OperationFacts>,
    unions: HashMap<String, Union>,
}

/// One member that failed validation: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The member's name (`vlan_config.vlan`); empty for the whole body.
    pub name: String,
    pub reason: String,
}

/// The reason given for a required member that is missing, in the words
/// IX-API servers use.
pub const REQUIRED: &str = "This field is required.";

impl Invalid {
    /// A model's refusal of a value, as `serde_path_to_error` reports it
    /// (`path` is `.` for the whole object): a missing or unknown member
    /// is named by the cause alone (`missing field `name``), so its name is
    /// taken from there and joined to the path of the object it is
    /// missing from.
    pub fn misfit(path: &str, cause: &str) -> Self {
        let path = match path {
            "." => "",
            path => path,
        };
        let member = |prefix: &str| {
            cause
                .strip_prefix(prefix)
                .and_then(|rest| rest.split('`').next())
                .filter(|name| !name.is_empty())
                .map(|name| join_member(path, name))
        };
        if let Some(name) = member("missing field `") {
            return Self {
                name,
                reason: REQUIRED.into(),
            };
        }
        for prefix in ["unknown field `", "duplicate field `"] {
            if let Some(name) = member(prefix) {
                return Self {
                    name,
                    reason: cause.to_string(),
                };
            }
        }
        Self {
            name: path.to_string(),
            reason: cause.to_string(),
        }
    }
}

/// `member` of the object at `path` (`vlan_config` and `vlan`:
/// `vlan_config.vlan`).
fn join_member(path: &str, member: &str) -> String {
    if path.is_empty() {
        member.to_string()
    } else {
        format!("{path}.{member}")
    }
}

pub struct Facts {
    document: Document,
    validators: HashMap<String, OnceLock<Result<Validator, String>>>,
}

impl Facts {
    pub fn get() -> &'static Facts {
        static FACTS: OnceLock<Facts> = OnceLock::new();
        FACTS.get_or_init(|| {
            let document: Document =
                serde_json::from_str(SPEC).expect("spec.json is written by cargo xtask codegen");
            let validators = document
                .definitions
                .keys()
                .map(|name| (name.clone(), OnceLock::new()))
                .collect();
            Facts {
                document,
                validators,
            }
        })
    }

    pub fn operation(&self, id: &str) -> Option<&OperationFacts> {
        self.document.operations.get(id)
    }

    pub fn union(&self, component: &str) -> Option<&Union> {
        self.document.unions.get(component)
    }

    /// The schema of a component, as JSON Schema.
    pub fn definition(&self, component: &str) -> Option<&Value> {
        self.document.definitions.get(component)
    }

    /// The component that describes `object`: the variant its tag names, for
    /// a union.
    pub fn variant<'a>(&'a self, component: &'a str, object: &Map<String, Value>) -> &'a str {
        match self.union(component) {
            Some(union) => object
                .get(&union.property)
                .and_then(Value::as_str)
                .and_then(|tag| union.mapping.get(tag))
                .map_or(component, String::as_str),
            None => component,
        }
    }

    /// `value`, an answer of `component`, as a 2.1.0 exchange sends it:
    /// without the members the published 2.1.0 document lacks, at any
    /// depth, and without the items of a list that are variants it does
    /// not map. `false` if `value` itself is such a variant (a 2.1.0
    /// exchange has no such object).
    pub fn downgrade(&self, component: &str, value: &mut Value) -> bool {
        self.downgrade_schema(
            &json!({"$ref": format!("#/definitions/{component}")}),
            value,
        )
    }

    fn downgrade_schema(&self, schema: &Value, value: &mut Value) -> bool {
        if let Some(component) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
        {
            return self.downgrade_component(component, value);
        }
        if let (Some(items), Value::Array(values)) = (schema.get("items"), &mut *value) {
            values.retain_mut(|item| self.downgrade_schema(items, item));
        }
        for key in ["anyOf", "allOf"] {
            for part in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !self.downgrade_schema(part, value) {
                    return false;
                }
            }
        }
        true
    }

    fn downgrade_component(&self, component: &str, value: &mut Value) -> bool {
        let Value::Object(object) = value else {
            return true;
        };
        if let Some(union) = self.union(component) {
            let tag = object.get(&union.property).and_then(Value::as_str);
            if tag.is_some_and(|tag| union.added.iter().any(|added| added == tag)) {
                return false;
            }
        }
        let variant = self.variant(component, object).to_string();
        if let Some(added) = self.document.added_members.get(&variant) {
            object.retain(|member, _| !added.contains(member));
        }
        let Some(schema) = self.definition(&variant) else {
            return true;
        };
        let mut gone = Vec::new();
        for (member, property) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            // A member holding a variant 2.1.0 lacks goes with it.
            if let Some(inner) = object.get_mut(member)
                && !self.downgrade_schema(property, inner)
            {
                gone.push(member.clone());
            }
        }
        for member in gone {
            object.remove(&member);
        }
        true
    }

    /// The member names a component (or the variant of it `object` is) declares.
    pub fn properties(&self, component: &str, object: &Map<String, Value>) -> Vec<&str> {
        let variant = self.variant(component, object);
        self.definition(variant)
            .and_then(|schema| schema.get("properties"))
            .and_then(Value::as_object)
            .map(|properties| properties.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The members a component's schema requires, and their JSON Schema.
    pub fn required(&self, component: &str, object: &Map<String, Value>) -> Vec<(&str, &Value)> {
        let variant = self.variant(component, object);
        let Some(schema) = self.definition(variant) else {
            return Vec::new();
        };
        schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|name| {
                let property = schema.pointer(&format!("/properties/{name}"));
                (name, property.unwrap_or(&Value::Null))
            })
            .collect()
    }

    /// Checks `value` against a component's schema; every failing member.
    /// A union's value is checked against the variant its tag names, so that
    /// the errors name members rather than the whole `oneOf`.
    pub fn validate(&self, component: &str, value: &Value) -> Result<(), Vec<Invalid>> {
        if let (Some(union), Some(object)) = (self.union(component), value.as_object()) {
            let tag = object.get(&union.property);
            return match tag
                .and_then(Value::as_str)
                .and_then(|t| union.mapping.get(t))
            {
                Some(variant) => self.validate(variant, value),
                None => Err(vec![Invalid {
                    name: union.property.clone(),
                    reason: format!(
                        "must be one of {:?}",
                        union.mapping.keys().collect::<Vec<_>>()
                    ),
                }]),
            };
        }
        let validator = self
            .validators
            .get(component)
            .map(|cell| {
                cell.get_or_init(|| {
                    let schema = json!({
                        "$ref": format!("#/definitions/{component}"),
                        "definitions": self.document.definitions,
                    });
                    jsonschema::options()
                        .with_draft(jsonschema::Draft::Draft7)
                        .should_validate_formats(true)
                        .build(&schema)
                        .map_err(|e| e.to_string())
                })
            })
            .ok_or_else(|| {
                vec![Invalid {
                    name: String::new(),
                    reason: format!("the spec has no schema {component}"),
                }]
            })?;
        let validator = validator.as_ref().map_err(|e| {
            vec![Invalid {
                name: String::new(),
                reason: format!("the schema {component} does not compile: {e}"),
            }]
        })?;
        let errors: Vec<Invalid> = validator
            .iter_errors(value)
            .flat_map(|error| named(&error))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// What a schema's refusal says, by member: a missing required member,
/// or one the schema does not allow, is named itself rather than by the
/// object it is missing from (or in).
fn named(error: &jsonschema::ValidationError<'_>) -> Vec<Invalid> {
    use jsonschema::error::ValidationErrorKind;
    let path = member_name(&error.instance_path().to_string());
    match error.kind() {
        ValidationErrorKind::Required { property } => vec![Invalid {
            name: join_member(&path, property.as_str().unwrap_or_default()),
            reason: REQUIRED.into(),
        }],
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected }
            if !unexpected.is_empty() =>
        {
            unexpected
                .iter()
                .map(|member| Invalid {
                    name: join_member(&path, member),
                    reason: "not a member this object has".into(),
                })
                .collect()
        }
        _ => vec![Invalid {
            name: path,
            reason: error.to_string(),
        }],
    }
}

/// `/vlan_config/vlan` as `vlan_config.vlan`.
fn member_name(pointer: &str) -> String {
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// A query value typed by its parameter's schema: integers parsed, lists
/// split at commas (`style: form, explode: false`), enums checked.
pub fn parse_parameter(schema: &Value, raw: &str) -> Result<Value, String> {
    let value = match schema.get("type").and_then(Value::as_str) {
        // Any integer, however long: JSON Schema's integers have no bounds.
        Some("integer") => {
            let digits = raw.trim().strip_prefix('-').unwrap_or(raw.trim());
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{raw:?} is not an integer"));
            }
            serde_json::from_str::<serde_json::Number>(raw.trim())
                .map(Value::Number)
                .map_err(|_| format!("{raw:?} is not an integer"))?
        }
        Some("array") => Value::Array(
            raw.split(',')
                .filter(|item| !item.is_empty())
                .map(|item| Value::String(item.to_string()))
                .collect(),
        ),
        _ => Value::String(raw.to_string()),
    };
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(&value)
    {
        return Err(format!(
            "{raw:?} is not one of {}",
            Value::Array(allowed.clone())
        ));
    }
    Ok(value)
}
