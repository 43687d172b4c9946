//! The catalogue's types as the spec gives them, read from the client's
//! generated models, so that no test writes the spec's lists again.

use std::collections::BTreeSet;

use serde_json::Value;

/// The `type`s of the product offerings: those the spec's list filter
/// `type` takes (`ProductOfferingsListType`), one for each product
/// offering model the spec maps.
pub fn offering_types() -> BTreeSet<String> {
    values_of::<ix_api_client::types::ProductOfferingsListType>()
}

/// The strings a generated enum `T` takes, as its JSON schema lists them
/// (without the catch-all for values from a newer server).
pub fn values_of<T: schemars::JsonSchema>() -> BTreeSet<String> {
    let root = serde_json::to_value(schemars::schema_for!(T)).expect("a schema is JSON");
    let mut values = BTreeSet::new();
    strings(&root, &root, &mut values);
    values
}

/// The definition a `$ref` names, or the schema itself.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => reference
            .strip_prefix("#/definitions/")
            .map_or(&Value::Null, |name| &root["definitions"][name]),
        None => schema,
    }
}

/// The strings a schema enumerates (`enum`, `const`), through references
/// and its sub-schemas.
fn strings(root: &Value, schema: &Value, into: &mut BTreeSet<String>) {
    let schema = resolve(root, schema);
    let listed = schema["enum"].as_array().into_iter().flatten();
    into.extend(
        listed
            .chain([&schema["const"]])
            .filter_map(Value::as_str)
            .map(String::from),
    );
    for key in ["allOf", "anyOf", "oneOf"] {
        for part in schema[key].as_array().into_iter().flatten() {
            strings(root, part, into);
        }
    }
}

#[cfg(test)]
mod tests {
    use ix_api_client::types::{ProductOffering, ProductOfferingsListType};

    /// Each type is one the filter parses and one the model reads as a
    /// variant of its own (a bare `{"type": ...}` then lacks members),
    /// where a type it does not map is read as `Unknown`.
    #[test]
    fn the_offering_types_are_the_models_variants() {
        let unknown = |kind: &str| {
            let offering = serde_json::json!({"type": kind});
            matches!(
                serde_json::from_value::<ProductOffering>(offering),
                Ok(ProductOffering::Unknown(_))
            )
        };
        assert!(unknown("no_such_offering"));
        let types = super::offering_types();
        assert!(types.len() > 1, "{types:?}");
        for kind in &types {
            let parsed = kind.parse::<ProductOfferingsListType>();
            assert!(parsed.is_ok(), "{kind}: not a type the filter knows");
            assert!(!unknown(kind), "{kind}: not a variant of ProductOffering");
        }
    }
}
