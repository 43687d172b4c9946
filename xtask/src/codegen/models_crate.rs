//! The generated `types` module split between two crates: the models go
//! to `ix-api-types`, which depends on serde alone, so that a build
//! compiles them while TLS and HTTP compile; the client re-exports them as
//! `types` and keeps the few models that need the client itself.
//!
//! The client keeps a model that holds one of its credential types
//! (`crate::credentials::...`, e.g. `AuthTokenRequest`), one its
//! hand-written code extends ([`EXTENDED`]), and any model that names a
//! kept one, with every impl and builder of these. Everything else moves
//! unchanged: paths such as `crate::types::X`, `crate::tagged` and
//! `crate::lenient` mean the same in both crates.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};

/// Models the client's hand-written code gives inherent methods or foreign
/// traits (`impl ProblemResponse`, `impl Display for ProblemResponse`):
/// only the crate that defines a type may.
pub const EXTENDED: &[&str] = &["ProblemResponse"];

/// The split of a generated file's `types` module.
pub struct Split {
    /// `ix-api-types`' generated file: the `types` module with the models
    /// that move.
    pub models: syn::File,
    /// The client's file, its `types` module now the kept models after a
    /// re-export of the others.
    pub client: syn::File,
}

/// Splits the `types` module of `file` (with its `builder` and `error`
/// modules).
pub fn split(mut file: syn::File) -> Result<Split, String> {
    let types = super::module_items(&mut file, "types")?;
    let kept = kept_models(types);
    let moved = std::mem::take(types);
    let (models_items, client_items) = divide(moved, &kept, quote!(::ix_api_types::types));
    *types = client_items;
    let models = syn::parse2(quote! {
        /// Types used as operation parameters and responses.
        #[allow(clippy::all)]
        pub mod types { #(#models_items)* }
    })
    .map_err(|e| e.to_string())?;
    Ok(Split {
        models,
        client: file,
    })
}

/// The names the client keeps: models with a credential, [`EXTENDED`],
/// and, until nothing changes, every model that names a kept one.
fn kept_models(items: &[syn::Item]) -> BTreeSet<String> {
    let mut all = Vec::new();
    collect(items, &mut all);
    let mut kept: BTreeSet<String> = EXTENDED.iter().map(|name| name.to_string()).collect();
    for (subject, names) in &all {
        if names.contains("credentials") {
            kept.insert(subject.clone());
        }
    }
    loop {
        let before = kept.len();
        for (subject, names) in &all {
            if !kept.contains(subject) && names.iter().any(|name| kept.contains(name)) {
                kept.insert(subject.clone());
            }
        }
        if kept.len() == before {
            return kept;
        }
    }
}

/// Every item's subject with the identifiers it names, through the
/// `builder` and `error` modules.
fn collect(items: &[syn::Item], out: &mut Vec<(String, BTreeSet<String>)>) {
    for item in items {
        if let syn::Item::Mod(module) = item {
            if let Some((_, inner)) = &module.content {
                collect(inner, out);
            }
            continue;
        }
        if let Some(subject) = subject(item) {
            out.push((subject, idents(item.to_token_stream())));
        }
    }
}

/// The model an item defines or implements something for.
fn subject(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Enum(e) => Some(e.ident.to_string()),
        syn::Item::Type(t) => Some(t.ident.to_string()),
        syn::Item::Impl(i) => match &*i.self_ty {
            syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// The identifiers in `tokens` (doc comments are literals: not counted).
fn idents(tokens: TokenStream) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![tokens];
    while let Some(tokens) = stack.pop() {
        for tree in tokens {
            match tree {
                TokenTree::Ident(ident) => {
                    out.insert(ident.to_string());
                }
                TokenTree::Group(group) => stack.push(group.stream()),
                _ => {}
            }
        }
    }
    out
}

/// `items` divided: those that move, and the client's: a glob re-export of
/// `path` (the module in `ix-api-types`), then the kept items. A module
/// (`builder`, `error`) is divided the same way; the client has its own
/// only if it keeps something in it.
fn divide(
    items: Vec<syn::Item>,
    kept: &BTreeSet<String>,
    path: TokenStream,
) -> (Vec<syn::Item>, Vec<syn::Item>) {
    let mut moved = Vec::new();
    let mut client: Vec<syn::Item> = vec![syn::parse_quote!(pub use #path::*;)];
    for item in items {
        match item {
            syn::Item::Mod(mut module) => {
                let Some((brace, inner)) = module.content.take() else {
                    moved.push(syn::Item::Mod(module));
                    continue;
                };
                let ident = &module.ident;
                let (inner_moved, inner_kept) = divide(inner, kept, quote!(#path::#ident));
                if inner_kept.len() > 1 {
                    let mut own = copy(&module);
                    own.content = Some((Default::default(), inner_kept));
                    client.push(syn::Item::Mod(own));
                }
                module.content = Some((brace, inner_moved));
                moved.push(syn::Item::Mod(module));
            }
            // Both need the names a `use` brings.
            syn::Item::Use(_) => {
                moved.push(copy(&item));
                client.push(item);
            }
            item => match subject(&item) {
                Some(subject) if kept.contains(&subject) => client.push(item),
                _ => moved.push(item),
            },
        }
    }
    (moved, client)
}

/// A copy of a syntax node (syn's `Clone` impls are a feature xtask does
/// not compile).
pub(super) fn copy<T: ToTokens + syn::parse::Parse>(node: &T) -> T {
    syn::parse2(node.to_token_stream()).expect("printed syntax parses again")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(tokens: TokenStream) -> syn::File {
        syn::parse2(tokens).unwrap()
    }

    #[test]
    fn credentials_and_extended_models_stay_with_whatever_names_them() {
        let split = split(file(quote! {
            pub mod types {
                pub struct Contact { pub name: String }
                impl From<&Contact> for Contact { fn from(c: &Contact) -> Self { c.clone() } }
                pub struct AuthTokenRequest { pub api_key: crate::credentials::ApiKey }
                pub struct Login { pub request: AuthTokenRequest }
                pub struct ProblemResponse { pub title: Option<String> }
                pub mod builder {
                    pub struct Contact { name: Result<String, String> }
                    pub struct AuthTokenRequest { api_key: Result<crate::credentials::ApiKey, String> }
                    impl From<super::AuthTokenRequest> for AuthTokenRequest { fn from(_: super::AuthTokenRequest) -> Self { todo!() } }
                }
                pub mod error { pub struct ConversionError; }
            }
        }))
        .unwrap();
        let models = prettyplease::unparse(&split.models);
        let client = prettyplease::unparse(&split.client);
        let moved = [
            "pub struct Contact {",
            "impl From<&Contact> for Contact",
            "pub struct ConversionError",
        ];
        let kept = [
            "pub struct AuthTokenRequest {",
            "pub struct Login {",
            "pub struct ProblemResponse {",
            "impl From<super::AuthTokenRequest> for AuthTokenRequest",
        ];
        let (ours, theirs) = (&models, &client);
        for (item, home, other) in moved
            .iter()
            .map(|item| (item, ours, theirs))
            .chain(kept.iter().map(|item| (item, theirs, ours)))
        {
            assert!(
                home.contains(item) && !other.contains(item),
                "{item}:\n{home}"
            );
        }
        for reexport in ["types::*;", "types::builder::*;"] {
            let line = format!("pub use ::ix_api_types::{reexport}");
            assert!(client.contains(&line), "{client}");
        }
        // Nothing of `error` stays: the client has no module of its own.
        assert!(!client.contains("pub mod error"), "{client}");
    }
}
