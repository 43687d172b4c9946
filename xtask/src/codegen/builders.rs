//! typify's struct builders (`types::builder::X`) only for the models a
//! request body reaches. A builder is how a caller (and progenitor's
//! operation builders, and so the command line's `body_map`) puts a body
//! together field by field; a model only ever answered is decoded, never
//! built, so its builder, with its `Default`, `From` and `TryFrom`, is
//! code every user compiles for nothing (a third of the client's lines).
//! Answers are built, where they are (the sandbox), with struct literals.
//!
//! Which models a body reaches is read off the normalized document: each
//! operation's request body, then every component it names through `$ref`,
//! members, array items, maps, `allOf`/`oneOf`/`anyOf` and discriminator
//! mappings. A builder of any other struct (one not named after a
//! component) is kept.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::model::Model;
use crate::model::walk;

use super::polymorphic::rust_name;

/// The Rust names of the components no request body of `model` reaches,
/// in the normalized document `doc`.
pub fn answer_only(doc: &Value, model: &Model) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let bodies = model
        .operations
        .iter()
        .filter_map(|operation| operation.normalized?.pointer("/requestBody/content"))
        .filter_map(Value::as_object)
        .flat_map(|content| content.values())
        .filter_map(|media| media.get("schema"));
    for schema in bodies {
        reach(doc, schema, &mut reached);
    }
    walk::schemas(doc)
        .map(|(name, _)| name)
        .filter(|name| !reached.contains(*name))
        .map(rust_name)
        .collect()
}

/// Adds to `reached` every component `schema` names, and theirs in turn.
fn reach(doc: &Value, schema: &Value, reached: &mut BTreeSet<String>) {
    let mut named = Vec::new();
    if let Some(component) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        named.push(component);
    }
    let mappings = schema
        .pointer("/discriminator/mapping")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|mapping| mapping.values())
        .filter_map(Value::as_str)
        .filter_map(|r| r.strip_prefix("#/components/schemas/"));
    named.extend(mappings);
    for component in named {
        if reached.insert(component.to_string())
            && let Some(target) = doc.pointer(&walk::schema_pointer(component))
        {
            reach(doc, target, reached);
        }
    }
    let members = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|properties| properties.values());
    let parts = ["allOf", "oneOf", "anyOf"]
        .iter()
        .filter_map(|key| schema.get(*key).and_then(Value::as_array))
        .flatten();
    let inner = ["items", "additionalProperties"]
        .iter()
        .filter_map(|key| schema.get(*key))
        .filter(|inner| inner.is_object());
    for part in members.chain(parts).chain(inner) {
        reach(doc, part, reached);
    }
}

/// Removes from `file` the builder of every struct `answer_only` names:
/// its struct and impls in `types::builder`, and `X::builder()` in
/// `types`. Returns how many builders went.
pub fn prune(file: &mut syn::File, answer_only: &BTreeSet<String>) -> Result<usize, String> {
    let types = super::module_items(file, "types")?;
    let mut pruned = 0;
    for item in types.iter_mut() {
        match item {
            syn::Item::Mod(module) if module.ident == "builder" => {
                let Some((_, items)) = module.content.as_mut() else {
                    continue;
                };
                let structs = |items: &[syn::Item]| {
                    items
                        .iter()
                        .filter(|item| matches!(item, syn::Item::Struct(_)))
                        .count()
                };
                let before = structs(items);
                items.retain(|item| !builder_of(item).is_some_and(|x| answer_only.contains(&x)));
                pruned = before - structs(items);
            }
            syn::Item::Impl(block) if block.trait_.is_none() => {
                block.items.retain(|member| {
                    !matches!(member, syn::ImplItem::Fn(f)
                        if f.sig.ident == "builder"
                            && returns_builder(&f.sig.output)
                                .is_some_and(|x| answer_only.contains(&x)))
                });
            }
            _ => {}
        }
    }
    // An inherent impl left empty went with its `builder()`.
    types.retain(
        |item| !matches!(item, syn::Item::Impl(b) if b.trait_.is_none() && b.items.is_empty()),
    );
    Ok(pruned)
}

/// The struct an item of `types::builder` belongs to: the struct itself,
/// its `Default` and inherent impls (`impl X`), `From<super::X> for X`, and
/// `TryFrom<X> for super::X`.
fn builder_of(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Impl(block) => match &*block.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// `X` of a `-> builder::X`.
fn returns_builder(output: &syn::ReturnType) -> Option<String> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(p) = &**ty else {
        return None;
    };
    match p.path.segments.iter().collect::<Vec<_>>()[..] {
        [module, name] if module.ident == "builder" => Some(name.ident.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;
    use serde_json::json;

    fn doc() -> Value {
        let schema = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
        json!({
            "paths": {
                "/network-service-configs": {
                    "post": {"operationId": "network_service_configs_create",
                        "requestBody": {"content": {"application/json": {
                            "schema": schema("NetworkServiceConfigRequest")}}},
                        "responses": {"201": {"content": {"application/json": {
                            "schema": schema("NetworkServiceConfig")}}}}},
                    "get": {"operationId": "network_service_configs_list",
                        "responses": {"200": {"content": {"application/json": {
                            "schema": {"type": "array", "items": schema("NetworkServiceConfig")}}}}}}
                },
                "/contacts/{id}": {"patch": {"operationId": "contacts_partial_update",
                    "requestBody": {"content": {"application/merge-patch+json": {
                        "schema": {"type": "object", "properties": {
                            "roles": {"type": "array", "items": schema("Role")}}}}}}}}
            },
            "components": {"schemas": {
                "NetworkServiceConfigRequest": {
                    "oneOf": [schema("ExchangeLanNetworkServiceConfigRequest")],
                    "discriminator": {"propertyName": "type", "mapping": {
                        "exchange_lan": "#/components/schemas/ExchangeLanNetworkServiceConfigRequest",
                        "p2p_vc": "#/components/schemas/P2PNetworkServiceConfigRequest"}}},
                "ExchangeLanNetworkServiceConfigRequest": {"allOf": [{"properties": {
                    "vlan_config": schema("VLanConfig"),
                    "macs": {"type": "object", "additionalProperties": schema("MacAddress")}}}]},
                "P2PNetworkServiceConfigRequest": {"type": "object"},
                "VLanConfig": {"oneOf": [schema("VLanConfigDot1Q")]},
                "VLanConfigDot1Q": {"type": "object"},
                "MacAddress": {"type": "object"},
                "Role": {"type": "object"},
                "NetworkServiceConfig": {"properties": {"vlan_config": schema("VLanConfig")}},
                "Contact": {"properties": {"roles": {"items": schema("Role")}}}
            }}
        })
    }

    #[test]
    fn only_models_no_request_body_reaches_are_answer_only() {
        let doc = doc();
        let model = Model::of(&doc, &doc).unwrap();
        let answer_only: Vec<String> = answer_only(&doc, &model).into_iter().collect();
        // Reached through a `$ref`, a `oneOf`, a mapping, an `allOf`'s
        // member, a map's values, a merge patch's array items; the
        // answers' own models are not, even where they share members.
        assert_eq!(answer_only, ["Contact", "NetworkServiceConfig"]);
    }

    /// A model of `types` and its `builder()`, as typify writes them.
    fn model(name: &str) -> proc_macro2::TokenStream {
        let name = quote::format_ident!("{name}");
        quote! {
            pub struct #name { pub name: String }
            impl #name {
                pub fn builder() -> builder::#name { Default::default() }
            }
        }
    }

    /// The builder of a model in `types::builder`, as typify writes it.
    fn builder(name: &str) -> proc_macro2::TokenStream {
        let name = quote::format_ident!("{name}");
        quote! {
            pub struct #name { name: Result<String, String> }
            impl ::std::default::Default for #name {}
            impl #name { pub fn name(self) -> Self { self } }
            impl ::std::convert::TryFrom<#name> for super::#name {}
            impl ::std::convert::From<super::#name> for #name {}
        }
    }

    #[test]
    fn the_builders_of_answer_only_models_go_with_their_impls() {
        let (contact, request) = (model("Contact"), model("ContactRequest"));
        let (contact_builder, request_builder) = (builder("Contact"), builder("ContactRequest"));
        // An inherent impl of other methods stays.
        let other = quote! {
            impl Contact {
                pub fn name(&self) -> &str { &self.name }
            }
        };
        let mut file: syn::File = syn::parse2(quote! {
            pub mod types {
                #contact
                #request
                #other
                pub mod builder { #contact_builder #request_builder }
            }
        })
        .unwrap();
        let answer_only = BTreeSet::from(["Contact".to_string()]);
        assert_eq!(prune(&mut file, &answer_only), Ok(1));
        let expected = quote! {
            pub mod types {
                pub struct Contact { pub name: String }
                #request
                #other
                pub mod builder { #request_builder }
            }
        };
        assert_eq!(quote!(#file).to_string(), expected.to_string());
    }

    #[test]
    fn a_client_without_types_is_an_error() {
        let mut file: syn::File = syn::parse2(quote! { pub mod builder {} }).unwrap();
        assert!(prune(&mut file, &BTreeSet::new()).is_err());
    }
}
