//! The decoders of the client's answers, compiled in `ix-api-types`.
//!
//! The client decodes an answer with `serde_json::from_str::<T>` (its
//! `call::decode`, checked as UTF-8 first). That generic
//! function, and every model's `Deserialize` under it, is compiled where
//! it is first used with a concrete `T`: in the client, after the models.
//! Naming each answer's decoder in `ix-api-types` compiles them there
//! instead, while the client's own code is checked, and an unoptimized
//! build (where rustc shares generic code between crates) uses them from
//! there. Optimized builds do not share them, so the function exists only
//! with `debug_assertions`.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};

/// The function's name, re-exported by `ix-api-types`' `lib.rs`.
pub const NAME: &str = "answer_decoders";

/// Every `T` of a `ResponseValue<T>` in `tokens` (the client's code after
/// its `types` module).
pub fn answers(tokens: &TokenStream) -> Vec<syn::Type> {
    let mut out = Vec::new();
    let mut stack = vec![tokens.clone()];
    while let Some(tokens) = stack.pop() {
        let mut trees = tokens.into_iter().peekable();
        while let Some(tree) = trees.next() {
            match tree {
                TokenTree::Ident(ident) if ident == "ResponseValue" => {
                    if !matches!(trees.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '<') {
                        continue;
                    }
                    trees.next();
                    let mut depth = 1;
                    let mut answer = TokenStream::new();
                    for tree in trees.by_ref() {
                        if let TokenTree::Punct(p) = &tree {
                            match p.as_char() {
                                '<' => depth += 1,
                                '>' => depth -= 1,
                                _ => {}
                            }
                        }
                        if depth == 0 {
                            break;
                        }
                        answer.extend([tree]);
                    }
                    if let Ok(answer) = syn::parse2(answer) {
                        out.push(answer);
                    }
                }
                TokenTree::Group(group) => stack.push(group.stream()),
                _ => {}
            }
        }
    }
    out
}

/// Appends to `models` (`ix-api-types`' generated file) a function naming
/// `serde_json::from_str::<T>` for every answer `T` whose models all
/// live in `models`' `types` module. Returns how many.
pub fn add(answers: Vec<syn::Type>, models: &mut syn::File) -> Result<usize, String> {
    let moved: BTreeSet<String> = super::module_items(models, "types")?
        .iter()
        .filter_map(name)
        .collect();
    let mut decoders: Vec<syn::Type> = Vec::new();
    let mut seen = BTreeSet::new();
    for mut answer in answers {
        let mut local = Local {
            moved: &moved,
            foreign: false,
            models: 0,
        };
        local.visit_type_mut(&mut answer);
        if !local.foreign && local.models > 0 && seen.insert(answer.to_token_stream().to_string()) {
            decoders.push(answer);
        }
    }
    // In the order of their text: the same file from the same spec.
    decoders.sort_by_cached_key(|answer| answer.to_token_stream().to_string());
    let count = decoders.len();
    let name = syn::Ident::new(NAME, proc_macro2::Span::call_site());
    models.items.push(syn::parse_quote! {
        /// The client's answer decoders, compiled with the models (the
        /// client's unoptimized build uses them from here).
        #[cfg(debug_assertions)]
        #[doc(hidden)]
        pub fn #name() -> usize {
            fn decoder<T: ::serde::de::DeserializeOwned>() -> *const () {
                ::serde_json::from_str::<T> as fn(&'static str) -> ::serde_json::Result<T> as *const ()
            }
            [#(decoder::<#decoders>()),*].len()
        }
    });
    Ok(count)
}

/// A struct's or enum's name.
fn name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(item) => Some(item.ident.to_string()),
        syn::Item::Enum(item) => Some(item.ident.to_string()),
        _ => None,
    }
}

/// Rewrites `types::X` and `crate::types::X` to `crate::types::X` of the
/// models' crate; `foreign` if a path names anything but `std` and moved
/// models.
struct Local<'a> {
    moved: &'a BTreeSet<String>,
    foreign: bool,
    models: usize,
}

impl VisitMut for Local<'_> {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        match names.iter().position(|name| name == "types") {
            Some(at) if at + 2 == names.len() && self.moved.contains(&names[at + 1]) => {
                let model = &path.segments[at + 1].ident;
                *path = syn::parse_quote!(crate::types::#model);
                self.models += 1;
            }
            Some(_) => self.foreign = true,
            None if names.first().is_some_and(|first| first == "std") => {}
            None => self.foreign = true,
        }
        visit_mut::visit_path_mut(self, path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn answers_of_moved_models_only() {
        let client = quote! {
            fn a() -> Result<ResponseValue<types::Contact>, Error<()>> { todo!() }
            fn b() -> Result<ResponseValue<::std::vec::Vec<crate::types::Contact>>, Error<()>> { todo!() }
            fn c() -> Result<ResponseValue<types::AuthToken>, Error<()>> { todo!() }
            fn d() -> Result<ResponseValue<ByteStream>, Error<()>> { todo!() }
            fn e() -> Result<ResponseValue<types::Contact>, Error<()>> { todo!() }
        };
        let mut models: syn::File = syn::parse_quote! {
            pub mod types { pub struct Contact; }
        };
        assert_eq!(add(answers(&client), &mut models), Ok(2));
        let text = prettyplease::unparse(&models);
        assert!(
            text.contains("decoder::<crate::types::Contact>()"),
            "{text}"
        );
        assert!(
            text.contains("decoder::<::std::vec::Vec<crate::types::Contact>>()"),
            "{text}"
        );
        assert!(!text.contains("AuthToken") && !text.contains("ByteStream"));
    }
}
