//! The generated models' JSON Schemas (schemars) say what `spec/` says:
//! the same properties, required lists and length constraints.

use ix_api_client::types;
use schemars::JsonSchema;
use schemars::r#gen::SchemaSettings;
use serde_json::{Map, Value, json};

fn spec_schema(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/ix-api.yaml");
    let text = std::fs::read_to_string(path).expect("read spec/ix-api.yaml");
    let spec: Value = serde_norway::from_str(&text).expect("spec/ix-api.yaml is YAML");
    spec["components"]["schemas"][name].clone()
}

fn model_schema<T: JsonSchema>() -> Value {
    let settings = SchemaSettings::draft07().with(|s| s.inline_subschemas = true);
    let schema = settings.into_generator().into_root_schema_for::<T>();
    serde_json::to_value(schema).expect("schema serializes")
}

/// The parts of an object schema that constrain what is valid.
fn constraints(schema: &Value) -> Value {
    let mut properties = Map::new();
    for (name, property) in schema["properties"].as_object().expect("properties") {
        let mut kept = Map::new();
        for key in ["type", "minLength", "maxLength"] {
            if let Some(value) = property.get(key) {
                kept.insert(key.into(), value.clone());
            }
        }
        properties.insert(name.clone(), Value::Object(kept));
    }
    let mut required: Vec<String> = schema["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    required.sort();
    json!({"properties": properties, "required": required})
}

fn assert_agree<T: JsonSchema>(name: &str) -> Value {
    let ours = constraints(&model_schema::<T>());
    assert_eq!(ours, constraints(&spec_schema(name)), "{name}");
    ours
}

#[test]
fn auth_token_request_agrees_with_the_spec() {
    let found = assert_agree::<types::AuthTokenRequest>("AuthTokenRequest");
    // Guard against both sides losing the constraints together.
    assert_eq!(found["properties"]["api_key"]["minLength"], 16);
    assert_eq!(found["properties"]["api_secret"]["maxLength"], 86);
}

#[test]
fn refresh_token_request_agrees_with_the_spec() {
    let found = assert_agree::<types::RefreshTokenRequest>("RefreshTokenRequest");
    assert_eq!(found["required"], json!(["refresh_token"]));
}

#[test]
fn auth_token_agrees_with_the_spec() {
    let found = assert_agree::<types::AuthToken>("AuthToken");
    assert_eq!(found["required"], json!(["access_token", "refresh_token"]));
}
