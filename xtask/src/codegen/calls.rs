//! `Call` for every operation's builder: the operation's id and answer type
//! as progenitor generated them, so that `ix_api_client::Call::call` can
//! name the operation in its errors without anyone typing it, and, for a
//! JSON answer, `Call::locate` to name the member an answer breaks (with
//! `builder::locate`, the same by operation id, for errors made from
//! progenitor's); and `Paginate` for every list builder the model says
//! pages, so that `ix_api_client::Paginate::pages` can walk it.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Adds `impl crate::Call for Builder<'a>` to the top-level `builder`
/// module of `file`, one per builder with a `send`.
pub fn add(file: &mut syn::File, paged: &BTreeSet<String>) -> Result<usize, String> {
    let builders = crate::codegen::module_items(file, "builder")?;
    let mut impls = Vec::new();
    let mut located = Vec::new();
    for item in builders.iter() {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let Some(send) = block.items.iter().find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
            _ => None,
        }) else {
            continue;
        };
        let builder = match &*block.self_ty {
            syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.clone()),
            _ => None,
        }
        .ok_or("a builder impl without a plain type name")?;
        let operation = operation_id(&send.block)
            .ok_or_else(|| format!("`{builder}::send` names no operation_id"))?;
        let answer = answer_type(&send.sig.output).ok_or_else(|| {
            format!("`{builder}::send` does not return Result<ResponseValue<_>, _>")
        })?;
        let output = match &send.sig.output {
            syn::ReturnType::Type(_, ty) => ty,
            syn::ReturnType::Default => return Err(format!("`{builder}::send` returns nothing")),
        };
        let name = format_ident!("{}", builder);
        let has = |method: &str| {
            block
                .items
                .iter()
                .any(|item| matches!(item, syn::ImplItem::Fn(f) if f.sig.ident == method))
        };
        if paged.contains(&operation) {
            if !(has("page_limit") && has("page_offset")) {
                return Err(format!(
                    "`{builder}` pages, but has no page_limit and page_offset"
                ));
            }
            let item = element_type(&answer)
                .ok_or_else(|| format!("`{builder}` pages, but its answer is not a list"))?;
            impls.push(quote! {
                impl<'a> crate::Paginate for #name<'a> {
                    type Item = #item;
                    fn page(self, limit: i64, offset: i64) -> Self {
                        self.page_limit(limit).page_offset(offset)
                    }
                }
            });
        }
        let locate = is_json(&answer).then(|| {
            located.push(quote! {
                #operation => <#name<'static> as crate::Call>::locate(body),
            });
            quote! {
                fn locate(body: &[u8]) -> ::std::option::Option<::std::string::String> {
                    crate::call::locate::<#answer>(body)
                }
            }
        });
        impls.push(quote! {
            impl<'a> crate::Call for #name<'a> {
                const OPERATION: &'static str = #operation;
                type Answer = #answer;
                fn send(self) -> impl ::std::future::Future<Output = #output> + Send {
                    #name::send(self)
                }
                #locate
            }
        });
    }
    let count = impls.len();
    impls.push(quote! {
        /// Where `body` breaks the answer of the operation `operation`
        /// (`Call::locate` of its builder), for errors made from
        /// progenitor's.
        pub(crate) fn locate(
            operation: &str,
            body: &[u8],
        ) -> ::std::option::Option<::std::string::String> {
            match operation {
                #(#located)*
                _ => ::std::option::Option::None,
            }
        }
    });
    let added: syn::File = syn::parse2(quote!(#(#impls)*)).map_err(|e| e.to_string())?;
    builders.extend(added.items);
    Ok(count)
}

/// Whether an answer is JSON that serde reads: not a byte stream, not
/// nothing.
fn is_json(answer: &TokenStream) -> bool {
    match syn::parse2::<syn::Type>(answer.clone()) {
        Ok(syn::Type::Tuple(tuple)) => !tuple.elems.is_empty(),
        Ok(syn::Type::Path(path)) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident != "ByteStream"),
        _ => true,
    }
}

/// The `operation_id: "..."` a `send` body gives progenitor's hooks.
fn operation_id(body: &syn::Block) -> Option<String> {
    let code = quote!(#body).to_string();
    let (_, rest) = code.split_once("operation_id : \"")?;
    rest.split('"').next().map(str::to_string)
}

/// `T` of `Vec<T>` (however the path to `Vec` is spelt).
fn element_type(answer: &TokenStream) -> Option<TokenStream> {
    let ty: syn::Type = syn::parse2(answer.clone()).ok()?;
    let syn::Type::Path(path) = &ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    if segment.ident != "Vec" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(quote!(#ty)),
        _ => None,
    })
}

/// `T` of `Result<ResponseValue<T>, _>`.
fn answer_type(output: &syn::ReturnType) -> Option<TokenStream> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    fn first_argument<'t>(ty: &'t syn::Type, name: &str) -> Option<&'t syn::Type> {
        let syn::Type::Path(path) = ty else {
            return None;
        };
        let segment = path.path.segments.last()?;
        if segment.ident != name {
            return None;
        }
        let syn::PathArguments::AngleBracketed(arguments) = &segment.arguments else {
            return None;
        };
        arguments.args.iter().find_map(|argument| match argument {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
    }
    let answer = first_argument(first_argument(ty, "Result")?, "ResponseValue")?;
    Some(quote!(#answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_builder_with_send_gets_its_operation_and_answer() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                pub struct ThingsList<'a> { client: &'a super::Client }
                impl<'a> ThingsList<'a> {
                    pub fn new(client: &'a super::Client) -> Self { Self { client } }
                    pub async fn send(self) -> Result<ResponseValue<Vec<types::Thing>>, Error<types::ProblemResponse>> {
                        let info = OperationInfo { operation_id: "things_list" };
                        todo()
                    }
                }
                impl<'a> Other<'a> { pub fn new() -> Self { Self } }
            }
        };
        assert_eq!(add(&mut file, &BTreeSet::new()), Ok(1));
        let code = quote!(#file).to_string();
        assert!(
            code.contains("impl < 'a > crate :: Call for ThingsList < 'a >"),
            "{code}"
        );
        assert!(
            code.contains("const OPERATION : & 'static str = \"things_list\""),
            "{code}"
        );
        assert!(
            code.contains("type Answer = Vec < types :: Thing >"),
            "{code}"
        );
        assert!(
            code.contains("crate :: call :: locate :: < Vec < types :: Thing > > (body)"),
            "{code}"
        );
        assert!(
            code.contains(
                "\"things_list\" => < ThingsList < 'static > as crate :: Call > :: locate (body)"
            ),
            "{code}"
        );
    }

    #[test]
    fn answers_that_are_not_json_are_not_located() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> ThingsLoaDownload<'a> {
                    pub async fn send(self) -> Result<ResponseValue<ByteStream>, Error<types::ProblemResponse>> {
                        let info = OperationInfo { operation_id: "things_loa_download" };
                        todo()
                    }
                }
                impl<'a> ThingsDestroy<'a> {
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<types::ProblemResponse>> {
                        let info = OperationInfo { operation_id: "things_destroy" };
                        todo()
                    }
                }
            }
        };
        assert_eq!(add(&mut file, &BTreeSet::new()), Ok(2));
        let code = quote!(#file).to_string();
        assert!(!code.contains("call :: locate"), "{code}");
        assert!(!code.contains("\"things_destroy\" =>"), "{code}");
        assert!(code.contains("pub (crate) fn locate"), "{code}");
    }

    #[test]
    fn list_builders_that_page_get_paginate() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> ThingsList<'a> {
                    pub fn page_limit<V>(mut self, value: V) -> Self { self }
                    pub fn page_offset<V>(mut self, value: V) -> Self { self }
                    pub async fn send(self) -> Result<ResponseValue<::std::vec::Vec<types::Thing>>, Error<types::ProblemResponse>> {
                        let info = OperationInfo { operation_id: "things_list" };
                        todo()
                    }
                }
            }
        };
        let paged = BTreeSet::from(["things_list".to_string()]);
        assert_eq!(add(&mut file, &paged), Ok(2));
        let code = quote!(#file).to_string();
        assert!(
            code.contains("impl < 'a > crate :: Paginate for ThingsList < 'a >"),
            "{code}"
        );
        assert!(code.contains("type Item = types :: Thing"), "{code}");
    }

    #[test]
    fn a_send_without_an_operation_id_is_refused() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> ThingsList<'a> {
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> { todo() }
                }
            }
        };
        assert!(
            add(&mut file, &BTreeSet::new())
                .unwrap_err()
                .contains("operation_id")
        );
    }
}
