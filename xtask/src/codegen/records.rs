//! The object models of `types` decode through `ix-api-types`'
//! `crate::records` instead of serde's derive.
//!
//! serde's derive writes, for every struct, a member enum with its own
//! visitor and `Deserialize`, a visitor for objects and one for arrays,
//! and a duplicate check and a missing check per member. For IX-API's
//! models that was more than half of what a build of `ix-api-types`
//! compiled. The
//! pass gives each struct one function instead: a slot per member and a
//! `match` from the member's index to its slot; the member lookup, the
//! checks and the array form are written once, in `crate::records`. What
//! a model accepts and every error it gives stay serde's.
//!
//! A struct whose `#[serde(...)]` attributes say more than this pass
//! knows (`rename`, `default`, `skip_serializing_if` and a required
//! nullable member's `deserialize_with = Option::deserialize`) keeps
//! serde's derive.

use quote::{format_ident, quote};

/// The pass, over the `types` module of `file` (none: nothing to do).
/// Returns how many structs it rewrote and how many kept serde's derive.
pub fn decode_records(file: &mut syn::File) -> (usize, usize) {
    let Ok(types) = super::module_items(file, "types") else {
        return (0, 0);
    };
    let mut added: Vec<syn::Item> = Vec::new();
    let mut kept = 0;
    for item in types.iter_mut() {
        let syn::Item::Struct(structure) = item else {
            continue;
        };
        if !super::derives::derives(&structure.attrs, "Deserialize") {
            continue;
        }
        let Some(members) = members(structure) else {
            kept += 1;
            continue;
        };
        // Its `#[serde(...)]` attributes stay for `Serialize` (and `schemars`).
        super::derives::drop_derive(&mut structure.attrs, "Deserialize");
        added.extend(record(&structure.ident, &members));
    }
    let rewritten = added.len() / 2;
    types.extend(added);
    (rewritten, kept)
}

/// One member of a struct, as the decoder needs it.
struct Member {
    field: syn::Ident,
    ty: proc_macro2::TokenStream,
    /// Its name in JSON.
    name: String,
    /// What a missing member becomes.
    missing: Missing,
}

enum Missing {
    /// An error: `missing field `name``.
    Error,
    /// `None` (an `Option`, as serde's derive makes it).
    None,
    /// `Default::default()` (`#[serde(default)]`).
    Default,
}

/// The members of a struct with named fields, or `None` if a field or the
/// struct says something to serde this pass does not know.
fn members(structure: &syn::ItemStruct) -> Option<Vec<Member>> {
    if structure.attrs.iter().any(|a| a.path().is_ident("serde"))
        || !structure.generics.params.is_empty()
    {
        return None;
    }
    let syn::Fields::Named(fields) = &structure.fields else {
        return None;
    };
    let mut members = Vec::new();
    for field in &fields.named {
        let ident = field.ident.clone()?;
        let mut name = ident.to_string().trim_start_matches("r#").to_owned();
        let mut default = false;
        let mut nullable = false;
        for attribute in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let mut known = true;
            attribute
                .parse_nested_meta(|meta| {
                    if meta.path.is_ident("rename") {
                        name = meta.value()?.parse::<syn::LitStr>()?.value();
                    } else if meta.path.is_ident("default") && meta.input.is_empty() {
                        default = true;
                    } else if meta.path.is_ident("skip_serializing_if") {
                        meta.value()?.parse::<syn::LitStr>()?;
                    } else if meta.path.is_ident("deserialize_with") {
                        let with = meta.value()?.parse::<syn::LitStr>()?.value();
                        known &=
                            with == "::std::option::Option::deserialize" && is_option(&field.ty);
                        nullable = true;
                    } else {
                        known = false;
                        // Skip what follows, to report it unknown.
                        if meta.input.peek(syn::Token![=]) {
                            meta.value()?.parse::<syn::Expr>()?;
                        }
                    }
                    Ok(())
                })
                .ok()?;
            if !known {
                return None;
            }
        }
        if default && !is_option(&field.ty) {
            // Its default in an array's place is `None`.
            return None;
        }
        let missing = if default {
            Missing::Default
        } else if nullable || !is_option(&field.ty) {
            Missing::Error
        } else {
            Missing::None
        };
        members.push(Member {
            field: ident,
            ty: {
                let ty = &field.ty;
                quote!(#ty)
            },
            name,
            missing,
        });
    }
    Some(members)
}

/// `Deserialize` and `crate::records::Record` for the struct `name`.
fn record(name: &syn::Ident, members: &[Member]) -> [syn::Item; 2] {
    let text = name.to_string();
    let names = members.iter().map(|m| &m.name);
    let slots: Vec<syn::Ident> = (0..members.len()).map(|i| format_ident!("m{i}")).collect();
    let types = members.iter().map(|m| &m.ty);
    let indexes = 0..members.len();
    let puts = members.iter().zip(&slots).map(|(m, slot)| {
        let name = &m.name;
        quote!(crate::records::put(&mut #slot, #name, &mut map))
    });
    let fields = members.iter().zip(&slots).map(|(m, slot)| {
        let field = &m.field;
        match m.missing {
            Missing::Error => quote!(#field: #slot),
            Missing::None => quote!(#field: #slot.unwrap_or(::std::option::Option::None)),
            Missing::Default => quote!(#field: #slot.unwrap_or_default()),
        }
    });
    // The required members matched at once; the first missing one is the
    // error, as in serde's derive (one `?` per member costs the compiler
    // more than the rest of the function).
    let required: Vec<(&syn::Ident, &String)> = members
        .iter()
        .zip(&slots)
        .filter(|(m, _)| matches!(m.missing, Missing::Error))
        .map(|(m, slot)| (slot, &m.name))
        .collect();
    let required_slots: Vec<&syn::Ident> = required.iter().map(|(slot, _)| *slot).collect();
    let required_names = required.iter().map(|(_, name)| *name);
    let defaulted: Vec<usize> = members
        .iter()
        .enumerate()
        .filter(|(_, m)| matches!(m.missing, Missing::Default))
        .map(|(i, _)| i)
        .collect();
    let defaulted = (!defaulted.is_empty())
        .then(|| quote!(const DEFAULTED: &'static [usize] = &[#(#defaulted),*];));
    let build = quote!(::std::result::Result::Ok(Self { #(#fields),* }));
    let finish = if required.is_empty() {
        build
    } else {
        quote! {
            match (#(#required_slots,)*) {
                (#(::std::option::Option::Some(#required_slots),)*) => #build,
                (#(#required_slots,)*) => ::std::result::Result::Err(crate::records::missing(&[
                    #((#required_slots.is_none(), #required_names)),*
                ])),
            }
        }
    };
    [
        syn::parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                {
                    crate::records::deserialize(deserializer)
                }
            }
        },
        syn::parse_quote! {
            impl crate::records::Record for #name {
                const NAME: &'static str = #text;
                const MEMBERS: &'static [&'static str] = &[#(#names),*];
                #defaulted
                fn visit<'de, A>(mut map: A) -> ::std::result::Result<Self, A::Error>
                where
                    A: ::serde::de::MapAccess<'de>,
                {
                    #(let mut #slots: ::std::option::Option<#types> = ::std::option::Option::None;)*
                    let mut expected = 0usize;
                    while let ::std::option::Option::Some(index) = crate::records::next(&mut map, Self::MEMBERS, &mut expected)? {
                        match index {
                            #(#indexes => #puts,)*
                            _ => crate::records::skip(&mut map),
                        }?;
                    }
                    #finish
                }
            }
        },
    ]
}

fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path)
        if path.qself.is_none() && path.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structs_get_one_visit_and_keep_their_serde_attributes_for_serialize() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Contact {
                    pub id: ::std::string::String,
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub email: ::std::option::Option<ContactEmail>,
                    #[serde(deserialize_with = "::std::option::Option::deserialize")]
                    pub provider_ref: ::std::option::Option<::std::string::String>,
                    #[serde(default)]
                    pub cloud_vlan: ::std::option::Option<u32>,
                    #[serde(rename = "type")]
                    pub kind: ::std::string::String,
                }
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct Flattened {
                    #[serde(flatten)]
                    pub rest: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                #[derive(::serde::Serialize)]
                pub struct Request {
                    pub id: ::std::string::String,
                }
            }
        };
        assert_eq!(decode_records(&mut file), (1, 1));
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("#[derive(::serde::Serialize, Clone, Debug)]\n    pub struct Contact"),
            "{text}"
        );
        assert!(text.contains("#[serde(skip_serializing_if"), "{text}");
        assert!(
            text.contains(
                "#[derive(::serde::Deserialize, ::serde::Serialize)]\n    pub struct Flattened"
            ),
            "{text}"
        );
        // Line breaks are prettyplease's.
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            r#"&[ "id", "email", "provider_ref", "cloud_vlan", "type", ]"#,
            "const DEFAULTED: &'static [usize] = &[3usize];",
            "match (m0, m2, m4) {",
            r#"(m0.is_none(), "id"), (m2.is_none(), "provider_ref"), (m4.is_none(), "type"),"#,
            "id: m0, email: m1.unwrap_or(::std::option::Option::None), provider_ref: m2, cloud_vlan: m3.unwrap_or_default(), kind: m4,",
            r#"4usize => crate::records::put(&mut m4, "type", &mut map),"#,
        ] {
            assert!(flat.contains(expected), "{expected} in {text}");
        }
        assert!(!text.contains("for Request"), "{text}");
    }
}
