//! `schemars::JsonSchema` of the client's models behind the client's
//! `schemars` feature: a user's build without it compiles a fifth less
//! code, while the command line (which reads request bodies' schemas)
//! enables it. Every derive of it becomes a `cfg_attr`, every hand-written
//! or generated impl of it a `cfg`.

use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;

/// Puts every `JsonSchema` of `file` behind `feature = "schemars"`; returns
/// how many derives and impls it moved.
pub fn gate(file: &mut syn::File) -> usize {
    let mut gate = Gate(0);
    gate.visit_file_mut(file);
    gate.0
}

struct Gate(usize);

fn is_json_schema(path: &syn::Path) -> bool {
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    names == ["schemars", "JsonSchema"]
}

impl Gate {
    fn derives(&mut self, attrs: &mut Vec<syn::Attribute>) {
        let mut gated = false;
        for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let Ok(paths) =
                attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            else {
                continue;
            };
            if !paths.iter().any(is_json_schema) {
                continue;
            }
            let kept = paths.iter().filter(|p| !is_json_schema(p));
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
            gated = true;
        }
        if gated {
            attrs.push(syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
            ));
            self.0 += 1;
        }
    }
}

impl VisitMut for Gate {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        self.derives(&mut item.attrs);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        self.derives(&mut item.attrs);
    }

    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        if item
            .trait_
            .as_ref()
            .is_some_and(|(_, path, _)| is_json_schema(path))
        {
            item.attrs
                .push(syn::parse_quote!(#[cfg(feature = "schemars")]));
            self.0 += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn derives_and_impls_of_json_schema_go_behind_the_feature() {
        let mut file: syn::File = syn::parse2(quote! {
            mod types {
                #[derive(Clone, Debug, schemars::JsonSchema)]
                #[serde(deny_unknown_fields)]
                pub struct Contact { pub id: String }
                #[derive(Clone)]
                pub enum State { Production }
                impl schemars::JsonSchema for Rule {}
                impl ::std::fmt::Display for Rule {}
            }
        })
        .unwrap();
        assert_eq!(gate(&mut file), 2);
        let printed = quote!(#file).to_string();
        let expected = quote! {
            mod types {
                #[derive(Clone, Debug)]
                #[serde(deny_unknown_fields)]
                #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
                pub struct Contact { pub id: String }
                #[derive(Clone)]
                pub enum State { Production }
                #[cfg(feature = "schemars")]
                impl schemars::JsonSchema for Rule {}
                impl ::std::fmt::Display for Rule {}
            }
        };
        assert_eq!(printed, expected.to_string());
    }
}
