//! IX-API's polymorphic models (`NetworkService`, `ProductOffering`, ...):
//! a `oneOf` of object schemas with a `discriminator` whose mapping names
//! one schema per value of a tag property (`type`, `vlan_type`).
//!
//! Defect: typify only recognizes internally tagged unions whose variants
//! are inline objects with a constant tag; IX-API's variants are `$ref`s
//! whose tag is a free string, so typify makes an untagged enum, which
//! decodes by trying each variant in turn and picks whichever fits first.
//!
//! Fix: the tag moves from the variant structs to the enum. A pass removes
//! the tag property from every mapping target (they are only ever used
//! through their union); progenitor is told that the union itself is a type
//! of ours; and codegen writes it into the `types` module as an enum with
//! one newtype variant per mapping entry and an `Unknown` variant keeping
//! the object of any other tag. `ix_api_client::tagged` decodes it by the
//! tag and writes the tag back.

use std::collections::BTreeMap;

use heck::ToPascalCase;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use crate::codegen::normalize::PassError;
use crate::model::document::join;
use crate::model::walk;

/// One polymorphic model.
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// The component's name in the spec.
    pub name: String,
    /// The tag property, e.g. `type`.
    pub tag: String,
    /// Tag value → the component of that variant, in mapping order.
    pub variants: Vec<(String, String)>,
}

impl Union {
    /// The Rust name typify gives the component.
    pub fn rust_name(&self) -> String {
        rust_name(&self.name)
    }
}

/// The Rust name typify gives a component.
pub fn rust_name(component: &str) -> String {
    component.to_pascal_case()
}

fn component_of(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// Every discriminated `oneOf` among the components.
pub fn unions(doc: &Value) -> Result<Vec<Union>, PassError> {
    let mut found = Vec::new();
    for (name, schema) in walk::schemas(doc) {
        let Some(discriminator) = schema.get("discriminator") else {
            continue;
        };
        let pointer = join(&walk::schema_pointer(name), "discriminator");
        let tag = discriminator
            .get("propertyName")
            .and_then(Value::as_str)
            .ok_or_else(|| PassError::new(&pointer, "a discriminator needs a propertyName"))?;
        let mut variants = Vec::new();
        for (value, target) in discriminator
            .get("mapping")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let target = target.as_str().and_then(component_of).ok_or_else(|| {
                PassError::new(
                    join(&join(&pointer, "mapping"), value),
                    "must name a component schema",
                )
            })?;
            variants.push((value.clone(), target.to_string()));
        }
        let one_of: Vec<&str> = schema
            .get("oneOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.get("$ref").and_then(Value::as_str).and_then(component_of))
            .collect();
        let mapped: Vec<&str> = variants.iter().map(|(_, t)| t.as_str()).collect();
        if variants.is_empty() || one_of.iter().any(|v| !mapped.contains(v)) {
            return Err(PassError::new(
                pointer,
                "every oneOf member needs a mapping entry, and the mapping cannot be empty",
            ));
        }
        found.push(Union {
            name: name.to_string(),
            tag: tag.to_string(),
            variants,
        });
    }
    Ok(found)
}

/// The pass: every mapping target loses its tag property, which the union's
/// enum carries instead. A target mapped under two different tags (or two
/// tag properties) is refused.
pub fn move_tags_to_unions(doc: &mut Value) -> Result<(), PassError> {
    let unions = unions(doc)?;
    let mut tag_of: BTreeMap<String, (String, String)> = BTreeMap::new();
    for union in &unions {
        for (value, target) in &union.variants {
            let tagged = (union.tag.clone(), value.clone());
            if let Some(other) = tag_of.insert(target.clone(), tagged.clone())
                && other != tagged
            {
                return Err(PassError::new(
                    join("/components/schemas", target),
                    format!("mapped as {other:?} and as {tagged:?}; one struct cannot carry both"),
                ));
            }
        }
    }
    let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") else {
        return Ok(());
    };
    for (target, (tag, _)) in tag_of {
        let Some(Value::Object(schema)) = schemas.get_mut(&target) else {
            return Err(PassError::new(
                join("/components/schemas", &target),
                "a discriminator maps to this schema, which is missing",
            ));
        };
        if let Some(Value::Object(properties)) = schema.get_mut("properties") {
            properties.remove(&tag);
        }
        if let Some(Value::Array(required)) = schema.get_mut("required") {
            required.retain(|r| r.as_str() != Some(tag.as_str()));
        }
    }
    Ok(())
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The enums, for the `types` module.
pub fn emit(unions: &[Union]) -> TokenStream {
    let mut out = TokenStream::new();
    for union in unions {
        let name = ident(&union.rust_name());
        let component = &union.name;
        let tag = &union.tag;
        let doc = format!(
            " `{component}`, told apart by its `{tag}`: one variant for each value the spec maps, and `Unknown` for any other."
        );
        let mut count = BTreeMap::new();
        for (_, target) in &union.variants {
            *count.entry(target.clone()).or_insert(0) += 1;
        }
        let (mut variants, mut froms, mut decodes, mut encodes, mut schemas) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (value, target) in &union.variants {
            let variant = ident(&value.to_pascal_case());
            let inner = ident(&rust_name(target));
            let doc = format!(" `{tag}: {value}`");
            variants.push(quote!(#[doc = #doc] #variant(#inner),));
            decodes.push(quote!(#value => #inner::deserialize(rest).map(Self::#variant),));
            encodes.push(quote!(
                Self::#variant(variant) => crate::tagged::serialize(serializer, #tag, #value, variant),
            ));
            schemas.push(quote!(generator.subschema_for::<#inner>()));
            if count[target] == 1 {
                froms.push(quote! {
                    impl ::std::convert::From<#inner> for #name {
                        fn from(value: #inner) -> Self {
                            Self::#variant(value)
                        }
                    }
                });
            }
        }
        let unknown_doc = format!(
            " A `{tag}` this client does not know (from a newer server): the whole object, as it came."
        );
        out.extend(quote! {
            #[doc = #doc]
            #[derive(Clone, Debug)]
            pub enum #name {
                #(#variants)*
                #[doc = #unknown_doc]
                Unknown(::serde_json::Map<::std::string::String, ::serde_json::Value>),
            }
            #(#froms)*
            impl crate::tagged::Union for #name {
                const TAG: &'static str = #tag;
                const NAME: &'static str = #component;
                fn decode<'de, D: ::serde::Deserializer<'de>>(
                    tag: &str,
                    rest: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    use ::serde::Deserialize;
                    match tag {
                        #(#decodes)*
                        _ => crate::tagged::unknown(#tag, tag, rest).map(Self::Unknown),
                    }
                }
            }
            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    crate::tagged::deserialize(deserializer)
                }
            }
            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(
                    &self,
                    serializer: S,
                ) -> ::std::result::Result<S::Ok, S::Error> {
                    match self {
                        #(#encodes)*
                        Self::Unknown(object) => ::serde::Serialize::serialize(object, serializer),
                    }
                }
            }
            impl schemars::JsonSchema for #name {
                fn schema_name() -> ::std::string::String {
                    #component.to_string()
                }
                fn json_schema(
                    generator: &mut schemars::r#gen::SchemaGenerator,
                ) -> schemars::schema::Schema {
                    schemars::schema::SchemaObject {
                        subschemas: Some(Box::new(schemars::schema::SubschemaValidation {
                            one_of: Some(vec![#(#schemas),*]),
                            ..Default::default()
                        })),
                        ..Default::default()
                    }
                    .into()
                }
            }
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "NetworkService": {
                "oneOf": [{"$ref": "#/components/schemas/ExchangeLanNetworkService"}, {"$ref": "#/components/schemas/P2PNetworkService"}],
                "discriminator": {"propertyName": "type", "mapping": {
                    "exchange_lan": "#/components/schemas/ExchangeLanNetworkService",
                    "p2p_vc": "#/components/schemas/P2PNetworkService"
                }}
            },
            "ExchangeLanNetworkService": {"type": "object", "required": ["type", "id"], "properties": {"type": {"type": "string"}, "id": {"type": "string"}}},
            "P2PNetworkService": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}
        }}})
    }

    #[test]
    fn unions_are_read_from_the_discriminators() {
        let found = unions(&doc()).unwrap();
        assert_eq!(
            found,
            [Union {
                name: "NetworkService".into(),
                tag: "type".into(),
                variants: vec![
                    ("exchange_lan".into(), "ExchangeLanNetworkService".into()),
                    ("p2p_vc".into(), "P2PNetworkService".into()),
                ],
            }]
        );
        assert_eq!(rust_name("P2PNetworkService"), "P2pNetworkService");
        assert_eq!(
            rust_name("MP2MPNetworkServiceConfigRequest"),
            "Mp2mpNetworkServiceConfigRequest"
        );
    }

    #[test]
    fn variants_lose_their_tag_to_the_union() {
        let mut doc = doc();
        move_tags_to_unions(&mut doc).unwrap();
        let lan = &doc["components"]["schemas"]["ExchangeLanNetworkService"];
        assert_eq!(lan["required"], json!(["id"]));
        assert_eq!(lan["properties"], json!({"id": {"type": "string"}}));
        let code = emit(&unions(&doc).unwrap()).to_string();
        for expected in [
            "pub enum NetworkService",
            "P2pVc (P2pNetworkService) ,",
            "\"p2p_vc\" => P2pNetworkService :: deserialize (rest) . map (Self :: P2pVc)",
            "Unknown (:: serde_json :: Map",
            "crate :: tagged :: serialize (serializer , \"type\" , \"p2p_vc\" , variant)",
        ] {
            assert!(code.contains(expected), "{expected}\n{code}");
        }
    }

    #[test]
    fn unmapped_members_are_refused() {
        let mut doc = doc();
        doc["components"]["schemas"]["NetworkService"]["oneOf"]
            .as_array_mut()
            .unwrap()
            .push(json!({"$ref": "#/components/schemas/Other"}));
        let err = unions(&doc).unwrap_err();
        assert_eq!(
            err.pointer,
            "/components/schemas/NetworkService/discriminator"
        );
    }
}
