//! The `#[derive(...)]` lists of generated items, read and edited by the
//! passes that replace a derive with generated code.

type DeriveList = syn::punctuated::Punctuated<syn::Path, syn::Token![,]>;

/// Whether `attrs` derive a trait named `name` (`Deserialize` matches
/// `::serde::Deserialize`).
pub fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .filter_map(|a| a.parse_args_with(DeriveList::parse_terminated).ok())
        .any(|list| list.iter().any(|path| ends_with(path, name)))
}

/// `attrs`' derives without `name`; other attributes (`#[serde(...)]`,
/// read by the derives that stay) are left as they are.
pub fn drop_derive(attrs: &mut [syn::Attribute], name: &str) {
    for attribute in attrs {
        if !attribute.path().is_ident("derive") {
            continue;
        }
        let Ok(list) = attribute.parse_args_with(DeriveList::parse_terminated) else {
            continue;
        };
        let kept = list.into_iter().filter(|path| !ends_with(path, name));
        *attribute = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
}

fn ends_with(path: &syn::Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}
