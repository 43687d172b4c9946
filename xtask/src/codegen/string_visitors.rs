//! The string models of `types` decode through one visitor each, in
//! `ix-api-types`' `crate::strings`:
//!
//! - a constrained string (`ContactExternalRef`: a length, a pattern) is
//!   parsed while serde reads it, instead of typify's
//!   `String::deserialize(d)?.parse()`, which copies the text twice and
//!   fails after the value was read, where serde_json's error points past
//!   the enclosing object (the member path of a malformed answer then names
//!   the object, not the member);
//! - an open string enum (`AccountState`, given its `Unknown` by
//!   `open_string_enums`) reads a string, its known names or any other,
//!   instead of serde's derive, which buffers the value to try the known
//!   names and then the untagged fallback, and fails after the value too.
//!
//! Both keep what they accept: the text, checked by the model's `FromStr`.

use quote::quote;

/// What the pass rewrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rewritten {
    /// Constrained strings now parsed while read.
    pub constrained: usize,
    /// Open string enums now read as strings.
    pub open_enums: usize,
}

/// The pass, over the `types` module of `file` (none: nothing to do).
pub fn decode_strings(file: &mut syn::File) -> Rewritten {
    let Ok(types) = super::module_items(file, "types") else {
        return Rewritten::default();
    };
    let mut rewritten = Rewritten::default();
    let mut added = Vec::new();
    for item in types.iter_mut() {
        match item {
            syn::Item::Impl(block) if is_typify_constrained(block) => {
                let body: syn::Block = syn::parse_quote!({ crate::strings::parsed(deserializer) });
                if let Some(syn::ImplItem::Fn(function)) = block.items.first_mut() {
                    function.block = body;
                    rewritten.constrained += 1;
                }
            }
            syn::Item::Enum(enumeration) if is_open_string_enum(enumeration) => {
                super::derives::drop_derive(&mut enumeration.attrs, "Deserialize");
                let name = &enumeration.ident;
                let text = name.to_string();
                added.push(syn::parse_quote! {
                    impl<'de> ::serde::Deserialize<'de> for #name {
                        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                        where
                            D: ::serde::Deserializer<'de>,
                        {
                            crate::strings::open(deserializer, #text, Self::Unknown)
                        }
                    }
                });
                rewritten.open_enums += 1;
            }
            _ => {}
        }
    }
    types.extend(added);
    rewritten
}

/// typify's `Deserialize` of a constrained string, token for token.
fn is_typify_constrained(block: &syn::ItemImpl) -> bool {
    let is_deserialize = block
        .trait_
        .as_ref()
        .and_then(|(_, path, _)| path.segments.last())
        .is_some_and(|segment| segment.ident == "Deserialize");
    let [syn::ImplItem::Fn(function)] = &block.items[..] else {
        return false;
    };
    let typify: syn::Block = syn::parse_quote!({
        ::std::string::String::deserialize(deserializer)?
            .parse()
            .map_err(|e: self::error::ConversionError| {
                <D::Error as ::serde::de::Error>::custom(e.to_string())
            })
    });
    let body = &function.block;
    is_deserialize && without_trailing_commas(body) == without_trailing_commas(&typify)
}

/// The tokens as text; typify ends some argument lists with a comma.
fn without_trailing_commas(tokens: &impl quote::ToTokens) -> String {
    quote!(#tokens).to_string().replace(" ,)", ")")
}

/// A unit-variant enum deriving `Deserialize` whose last variant is the
/// untagged `Unknown(String)` of `open_string_enums`.
fn is_open_string_enum(enumeration: &syn::ItemEnum) -> bool {
    let variants: Vec<&syn::Variant> = enumeration.variants.iter().collect();
    let Some((last, known)) = variants.split_last() else {
        return false;
    };
    let untagged = last
        .attrs
        .iter()
        .any(|a| a.path().is_ident("serde") && quote!(#a).to_string().contains("untagged"));
    let fields = &last.fields;
    last.ident == "Unknown"
        && untagged
        && quote!(#fields).to_string() == quote!((::std::string::String)).to_string()
        && !known.is_empty()
        && known.iter().all(|v| matches!(v.fields, syn::Fields::Unit))
        && super::derives::derives(&enumeration.attrs, "Deserialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;

    /// A constrained string's `Deserialize`, as typify writes it.
    fn typify_constrained(name: &str) -> TokenStream {
        let name = quote::format_ident!("{name}");
        quote! {
            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                {
                    ::std::string::String::deserialize(deserializer)?
                        .parse()
                        .map_err(|e: self::error::ConversionError| {
                            <D::Error as ::serde::de::Error>::custom(e.to_string(),)
                        })
                }
            }
        }
    }

    fn rewrite(types: TokenStream) -> (Rewritten, String) {
        let mut file: syn::File = syn::parse2(quote!(pub mod types { #types })).unwrap();
        let rewritten = decode_strings(&mut file);
        (rewritten, quote!(#file).to_string())
    }

    #[test]
    fn constrained_strings_are_parsed_while_read() {
        let constrained = typify_constrained("ContactExternalRef");
        // Any other body (a hand-written or newer typify one) stays.
        let other = quote! {
            impl<'de> ::serde::Deserialize<'de> for Other {
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                {
                    ::std::string::String::deserialize(deserializer).map(Self)
                }
            }
        };
        let (rewritten, code) = rewrite(quote!(#constrained #other));
        assert_eq!(
            rewritten,
            Rewritten {
                constrained: 1,
                open_enums: 0
            }
        );
        let expected = quote! {
            pub mod types {
                impl<'de> ::serde::Deserialize<'de> for ContactExternalRef {
                    fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                    where
                        D: ::serde::Deserializer<'de>,
                    {
                        crate::strings::parsed(deserializer)
                    }
                }
                #other
            }
        };
        assert_eq!(code, expected.to_string());
    }

    #[test]
    fn open_string_enums_are_read_as_strings() {
        let variants = quote! {
            #[serde(rename = "production")]
            Production,
            /// A value this client does not know (from a newer server), as it came.
            #[serde(untagged)]
            Unknown(::std::string::String),
        };
        // Closed, or not a string enum: its derive stays.
        let others = quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize)]
            pub enum Closed {
                #[serde(rename = "a")]
                A,
            }
            #[derive(::serde::Deserialize)]
            pub enum Wrapped {
                A,
                #[serde(untagged)]
                Unknown(u32),
            }
        };
        let (rewritten, code) = rewrite(quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            pub enum AccountState { #variants }
            #others
        });
        assert_eq!(
            rewritten,
            Rewritten {
                constrained: 0,
                open_enums: 1
            }
        );
        let expected = quote! {
            pub mod types {
                #[derive(::serde::Serialize, Clone, Debug)]
                pub enum AccountState { #variants }
                #others
                impl<'de> ::serde::Deserialize<'de> for AccountState {
                    fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                    where
                        D: ::serde::Deserializer<'de>,
                    {
                        crate::strings::open(deserializer, "AccountState", Self::Unknown)
                    }
                }
            }
        };
        assert_eq!(code, expected.to_string());
    }

    #[test]
    fn a_file_without_types_is_left_alone() {
        let mut file: syn::File = syn::parse2(quote! { pub mod builder {} }).unwrap();
        assert_eq!(decode_strings(&mut file), Rewritten::default());
        assert_eq!(
            quote!(#file).to_string(),
            quote! { pub mod builder {} }.to_string()
        );
    }
}
