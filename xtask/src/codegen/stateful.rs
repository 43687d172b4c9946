//! `crate::Stateful` for every model of the client's `types` that has
//! a `state` member, so that `Wait::for_state` compiles for those alone.
//! The states come from the model ([`crate::model::Model::stateful`]); a
//! polymorphic model's state is its variant's, each variant having a state
//! enum of its own.

use std::collections::BTreeMap;

use quote::{format_ident, quote};

use crate::codegen::polymorphic::{Union, rust_name};

/// Appends the impls to the `types` module of `file`.
pub fn implement(
    file: &mut syn::File,
    stateful: &BTreeMap<String, Vec<String>>,
    unions: &[Union],
) -> Result<usize, String> {
    let items = crate::codegen::module_items(file, "types")?;
    let mut impls = Vec::new();
    for (component, states) in stateful {
        let name = rust_name(component);
        let is_union = unions.iter().any(|union| union.name == *component);
        let found = items.iter().find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == name && !is_union => Some(struct_impl(s)),
            syn::Item::Enum(e) if e.ident == name && is_union => Some(union_impl(e)),
            _ => None,
        });
        // Components that typify inlines or the client replaces have no
        // model of their own.
        let Some(body) = found else { continue };
        let ident = format_ident!("{}", name);
        let body = body.map_err(|message| format!("{name}: {message}"))?;
        impls.push(quote! {
            impl crate::Stateful for #ident {
                const STATES: &'static [&'static str] = &[#(#states),*];
                #body
            }
        });
    }
    let count = impls.len();
    let added: syn::File = syn::parse2(quote!(#(#impls)*)).map_err(|e| e.to_string())?;
    items.extend(added.items);
    Ok(count)
}

/// `State` and `state()` of a struct with a `state` field, optional or not.
fn struct_impl(model: &syn::ItemStruct) -> Result<proc_macro2::TokenStream, String> {
    let field = model
        .fields
        .iter()
        .find(|f| f.ident.as_ref().is_some_and(|i| i == "state"))
        .ok_or("no `state` field")?;
    Ok(match option_of(&field.ty) {
        Some(inner) => quote! {
            type State = #inner;
            fn state(&self) -> ::std::option::Option<&Self::State> {
                self.state.as_ref()
            }
        },
        None => {
            let ty = &field.ty;
            quote! {
                type State = #ty;
                fn state(&self) -> ::std::option::Option<&Self::State> {
                    ::std::option::Option::Some(&self.state)
                }
            }
        }
    })
}

/// A polymorphic model's state is its variant's; an unknown variant's is
/// its `state` member, if that is text.
fn union_impl(model: &syn::ItemEnum) -> Result<proc_macro2::TokenStream, String> {
    let mut arms = Vec::new();
    for variant in &model.variants {
        let name = &variant.ident;
        let syn::Fields::Unnamed(fields) = &variant.fields else {
            return Err(format!("variant `{name}` does not hold one model"));
        };
        if name == "Unknown" {
            arms.push(quote! {
                Self::Unknown(object) => match object.get("state") {
                    ::std::option::Option::Some(::serde_json::Value::String(state)) => {
                        ::std::option::Option::Some(state)
                    }
                    _ => ::std::option::Option::None,
                },
            });
        } else if let Some(inner) = fields.unnamed.first() {
            let inner = &inner.ty;
            arms.push(quote! {
                Self::#name(object) => <#inner as crate::Stateful>::state(object)
                    .map(|state| state as &Self::State),
            });
        }
    }
    Ok(quote! {
        /// Each variant has a state enum of its own.
        type State = dyn ::std::fmt::Display;
        fn state(&self) -> ::std::option::Option<&Self::State> {
            match self {
                #(#arms)*
            }
        }
    })
}

/// `T` of `Option<T>` (however the path to `Option` is spelt).
fn option_of(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_with_a_state_are_stateful_and_others_not() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Port { pub state: PortState }
                pub struct Account { pub state: ::std::option::Option<AccountState> }
                pub struct Contact { pub name: String }
                pub enum Service { Lan(LanService), Unknown(::serde_json::Map<String, ::serde_json::Value>) }
            }
        };
        let stateful = BTreeMap::from([
            ("Port".to_string(), vec!["production".to_string()]),
            ("Account".to_string(), vec!["production".to_string()]),
            ("Service".to_string(), vec!["testing".to_string()]),
        ]);
        let unions = [Union {
            name: "Service".into(),
            tag: "type".into(),
            variants: vec![("lan".into(), "LanService".into())],
        }];
        assert_eq!(implement(&mut file, &stateful, &unions).unwrap(), 3);
        let printed = prettyplease::unparse(&file);
        assert!(
            printed.contains("impl crate::Stateful for Port {"),
            "{printed}"
        );
        assert!(printed.contains("type State = PortState;"), "{printed}");
        assert!(printed.contains("type State = AccountState;"), "{printed}");
        assert!(printed.contains("self.state.as_ref()"), "{printed}");
        assert!(
            printed.contains("type State = dyn ::std::fmt::Display;"),
            "{printed}"
        );
        assert!(
            printed.contains("<LanService as crate::Stateful>::state(object)"),
            "{printed}"
        );
        assert!(!printed.contains("for Contact"), "{printed}");
    }
}
