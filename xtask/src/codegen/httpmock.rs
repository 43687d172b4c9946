//! `ix-api-httpmock`'s generated module: progenitor's httpmock generator
//! (a `When` and a `Then` per operation in `operations`, and
//! `MockServerExt` with one method per operation), naming the client's
//! models as `::ix_api_client::types::...`, then amended where its output
//! does not match what the client sends and the spec describes. Each pass is
//! one function with a test, naming the defect it handles:
//!
//! - [`raw_bodies_as_bytes`]: raw (`application/octet-stream`) bodies are
//!   generated as JSON values, matched and answered as JSON;
//! - [`escape_path_values`]: a path parameter's value is put into the
//!   path's regular expression unescaped, so `a.b` also matches `axb`;
//! - [`query_values`]: a query parameter is matched with its `to_string()`,
//!   which a list does not have and which a date-time writes otherwise than
//!   the client sends it;
//! - [`document`]: the generated items carry no documentation.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use progenitor::Generator;
use quote::{ToTokens, quote};
use syn::visit_mut::{self, VisitMut};

use crate::codegen::polymorphic::Union;
use crate::codegen::{self, HEADER};
use crate::model::{self, Model};

/// The path the generated mocks name the client crate by.
const CLIENT: &str = "::ix_api_client";

/// What the passes need to know of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub id: String,
    /// Upper case, as on the wire.
    pub method: String,
    pub path: String,
    pub summary: Option<String>,
    /// The query parameters that are lists sent comma-separated.
    pub comma_separated: Vec<String>,
    /// Its request body is raw bytes.
    pub raw_body: bool,
    /// The statuses (inclusive ranges) it answers with raw bytes.
    pub raw_answers: Vec<(u16, u16)>,
}

/// The operations of a (normalized) document, by the name progenitor gives
/// their mocks (the operation id in snake case).
#[derive(Debug, Default)]
pub struct Operations(BTreeMap<String, Operation>);

impl Operations {
    /// The operations of `model`.
    pub fn of(model: &Model) -> Self {
        let found = model
            .operations
            .iter()
            .map(|operation| {
                let mock = Operation {
                    id: operation.id.to_string(),
                    method: operation.written.method.to_uppercase(),
                    path: operation.written.path.to_string(),
                    summary: operation.summary.clone(),
                    comma_separated: operation.comma_separated_sent.clone(),
                    raw_body: !operation.raw_body.is_empty(),
                    raw_answers: operation
                        .raw_answers
                        .iter()
                        .filter_map(|(status, _)| model::status_range(status))
                        .collect(),
                };
                (operation.id.to_snake_case(), mock)
            })
            .collect();
        Self(found)
    }

    /// The operation whose mock is named `name`.
    fn named(&self, name: &str) -> Option<&Operation> {
        self.0.get(name)
    }

    /// The operation whose `When` or `Then` struct is named `name`, and
    /// which of the two it is.
    fn of_struct(&self, name: &str) -> Option<(&Operation, Side)> {
        let (base, side) = if let Some(base) = name.strip_suffix("When") {
            (base, Side::When)
        } else {
            (name.strip_suffix("Then")?, Side::Then)
        };
        self.0
            .values()
            .find(|operation| operation.id.to_upper_camel_case() == base)
            .map(|operation| (operation, side))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    When,
    Then,
}

/// The mocks' module for `openapi`, printed.
pub fn generate(
    openapi: &openapiv3::OpenAPI,
    unions: &[Union],
    operations: &Operations,
) -> Result<String, String> {
    let tokens = Generator::new(&codegen::settings(unions, CLIENT))
        .httpmock(openapi, CLIENT)
        .map_err(|e| e.to_string())?;
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| e.to_string())?;
    amend(&mut file, operations)?;
    codegen::one_line_docs(&mut file);
    Ok(format!("{HEADER}{}", prettyplease::unparse(&file)))
}

/// Every pass, in order.
fn amend(file: &mut syn::File, operations: &Operations) -> Result<(), String> {
    raw_bodies_as_bytes(file, operations)?;
    escape_path_values(file);
    query_values(file, operations)?;
    document(file, operations)
}

/// The items of the `operations` module.
fn operations_module(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "operations" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    })
}

/// The name of the type an `impl` block is for.
fn self_type(implementation: &syn::ItemImpl) -> Option<String> {
    match &*implementation.self_ty {
        syn::Type::Path(path) => path.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

/// Each method of the inherent `impl`s of the `operations` module, with the
/// name of the struct it is of.
fn methods(file: &mut syn::File) -> impl Iterator<Item = (String, &mut syn::ImplItemFn)> {
    operations_module(file)
        .into_iter()
        .flatten()
        .filter_map(|item| match item {
            syn::Item::Impl(implementation) if implementation.trait_.is_none() => {
                let name = self_type(implementation)?;
                Some((name, &mut implementation.items))
            }
            _ => None,
        })
        .flat_map(|(name, items)| {
            items.iter_mut().filter_map(move |item| match item {
                syn::ImplItem::Fn(function) => Some((name.clone(), function)),
                _ => None,
            })
        })
}

/// The statuses a `Then` method answers, as progenitor writes them: one
/// (`.status(200u16)`), or a class (`assert_eq!(status / 100u16, 2u16)`).
fn answered_statuses(function: &syn::ImplItemFn) -> Option<(u16, u16)> {
    let block = function.block.to_token_stream().to_string();
    let number = |after: &str| -> Option<u16> {
        let rest = &block[block.find(after)? + after.len()..];
        rest[..rest.find("u16")?].trim().parse().ok()
    };
    if let Some(class) = number("status / 100u16 ,") {
        return Some((class * 100, class * 100 + 99));
    }
    number(". status (").map(|code| (code, code))
}

/// Raw bodies are bytes, not JSON.
///
/// progenitor's generator types an `application/octet-stream` body (the
/// letters of authorisation) as a `serde_json::Value`, matches a request's
/// with `json_body` and answers with `json_body` and `content-type:
/// application/json`: a PDF could be neither matched nor answered. A raw
/// request body is matched byte for byte instead; a raw answer is the bytes
/// given, as `application/octet-stream` (`into_inner()` sets another media
/// type). Which bodies are raw is the model's fact: the `body` of a `When`
/// whose operation takes raw bytes, and the methods of a `Then` for the
/// statuses it answers with raw bytes.
pub fn raw_bodies_as_bytes(file: &mut syn::File, operations: &Operations) -> Result<(), String> {
    for (name, function) in methods(file) {
        let Some((operation, side)) = operations.of_struct(&name) else {
            continue;
        };
        let raw = match side {
            Side::When => operation.raw_body && function.sig.ident == "body",
            Side::Then => answered_statuses(function)
                .is_some_and(|statuses| operation.raw_answers.contains(&statuses)),
        };
        if !raw {
            continue;
        }
        let value = function
            .sig
            .inputs
            .iter_mut()
            .find_map(|input| match input {
                syn::FnArg::Typed(typed) if typed.pat.to_token_stream().to_string() == "value" => {
                    Some(typed)
                }
                _ => None,
            });
        let Some(value) = value else {
            return Err(format!(
                "{name}::{}: the raw body of {} has no `value` to take bytes",
                function.sig.ident, operation.id
            ));
        };
        *value.ty = match side {
            Side::When => syn::parse_quote!(impl ::std::convert::Into<::std::vec::Vec<u8>>),
            Side::Then => syn::parse_quote!(impl ::std::convert::AsRef<[u8]>),
        };
        if side == Side::When {
            function.block = syn::parse_quote!({
                let expected: ::std::vec::Vec<u8> = value.into();
                Self(
                    self.0
                        .is_true(move |request| request.body_ref() == expected.as_slice()),
                )
            });
        } else {
            RawAnswer.visit_block_mut(&mut function.block);
        }
    }
    Ok(())
}

/// Turns `.header("content-type", "application/json").json_body(value)`
/// into `.header("content-type", "application/octet-stream").body(value)`.
struct RawAnswer;

impl VisitMut for RawAnswer {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        if call.method == "json_body" {
            call.method = syn::Ident::new("body", call.method.span());
        }
        visit_mut::visit_expr_method_call_mut(self, call);
    }

    fn visit_lit_str_mut(&mut self, literal: &mut syn::LitStr) {
        if literal.value() == "application/json" {
            *literal = syn::LitStr::new("application/octet-stream", literal.span());
        }
    }
}

/// A path parameter matches its value exactly.
///
/// progenitor's generator formats the value into the path's regular
/// expression as it is (`format!("^/connections/{}/loa$", value)`), so an
/// id holding `.`, `+` or `(` matches other ids, or fails to compile. The
/// value is escaped with `regex::escape`.
pub fn escape_path_values(file: &mut syn::File) {
    for (_, function) in methods(file) {
        EscapePathValue.visit_block_mut(&mut function.block);
    }
}

struct EscapePathValue;

impl VisitMut for EscapePathValue {
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if !mac.path.is_ident("format") {
            return;
        }
        let Ok(mut arguments) = mac.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        ) else {
            return;
        };
        let Some(last) = arguments.last_mut() else {
            return;
        };
        if last.to_token_stream().to_string() == "value . to_string ()" {
            *last = syn::parse_quote!(::regex::escape(&value.to_string()));
            mac.tokens = arguments.to_token_stream();
        }
    }
}

/// Query parameters match as the client sends them.
///
/// progenitor's generator matches every query parameter with
/// `value.to_string()`. A list has none: IX-API's lists are `style: form,
/// explode: false`, which the client sends as one comma-separated value
/// (`id=a,b,c`), and the mock matches that; a list the spec declares
/// otherwise stops codegen rather than be matched wrongly. A date-time's
/// `to_string()` is `2026-01-01 00:00:00 UTC`, while the client sends it as
/// serde writes it (RFC 3339, `2026-01-01T00:00:00Z`); the mock matches
/// that.
pub fn query_values(file: &mut syn::File, operations: &Operations) -> Result<(), String> {
    for (name, function) in methods(file) {
        if !name.ends_with("When") {
            continue;
        }
        let signature = function.sig.to_token_stream().to_string();
        let value = if signature.contains(":: std :: vec :: Vec <") {
            quote!(value.join(","))
        } else if signature.contains(":: chrono :: DateTime <") {
            quote!(value.to_rfc3339_opts(::chrono::SecondsFormat::AutoSi, true))
        } else {
            continue;
        };
        let mut rewrite = QueryValue {
            value,
            rewritten: Vec::new(),
        };
        rewrite.visit_block_mut(&mut function.block);
        if !signature.contains(":: std :: vec :: Vec <") {
            continue;
        }
        let Some((operation, _)) = operations.of_struct(&name) else {
            return Err(format!("{name}: no operation of the spec has this mock"));
        };
        for parameter in &rewrite.rewritten {
            if !operation.comma_separated.contains(parameter) {
                return Err(format!(
                    "{}: the list query parameter `{parameter}` is not `style: form, explode: false`; the mocks match only comma-separated lists",
                    operation.id
                ));
            }
        }
    }
    Ok(())
}

/// Turns `query_param("id", value.to_string())` into
/// `query_param("id", VALUE)`, noting the parameter's name.
struct QueryValue {
    value: TokenStream,
    rewritten: Vec<String>,
}

impl VisitMut for QueryValue {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        if call.method == "query_param"
            && call.args.len() == 2
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(name),
                ..
            }) = &call.args[0]
            && call.args[1].to_token_stream().to_string() == "value . to_string ()"
        {
            self.rewritten.push(name.value());
            let value = &self.value;
            call.args[1] = syn::parse_quote!(#value);
        }
        visit_mut::visit_expr_method_call_mut(self, call);
    }
}

/// Documents each operation's mock method and its `When` and `Then`
/// structs with the operation's method, path and summary, and links the
/// client's method of the same name.
///
/// progenitor's generator documents the trait and the module only; on
/// docs.rs 115 bare method names would say nothing.
pub fn document(file: &mut syn::File, operations: &Operations) -> Result<(), String> {
    let request = |operation: &Operation| format!("`{} {}`", operation.method, operation.path);
    let trait_methods = file
        .items
        .iter_mut()
        .filter_map(|item| match item {
            syn::Item::Trait(definition) if definition.ident == "MockServerExt" => {
                Some(&mut definition.items)
            }
            _ => None,
        })
        .flatten()
        .filter_map(|item| match item {
            syn::TraitItem::Fn(function) => Some(function),
            _ => None,
        });
    for function in trait_methods {
        let name = function.sig.ident.to_string();
        let operation = operations.named(&name).ok_or_else(|| {
            format!("MockServerExt::{name}: no operation of the spec has this name")
        })?;
        let pascal = operation.id.to_upper_camel_case();
        let summary = operation
            .summary
            .as_deref()
            .map(|s| format!(": {}", s.trim_end_matches('.')))
            .unwrap_or_default();
        let docs = [
            format!("Mocks {}{summary}.", request(operation)),
            String::new(),
            format!(
                "`config_fn` says which requests the mock matches ([`operations::{pascal}When`]) and what it answers ([`operations::{pascal}Then`]). The client's call is [`Client::{name}`]({CLIENT}::Client::{name}).",
                CLIENT = CLIENT.trim_start_matches("::"),
            ),
        ];
        function.attrs.splice(
            0..0,
            docs.iter()
                .map(|d| -> syn::Attribute { syn::parse_quote!(#[doc = #d]) }),
        );
    }
    let Some(items) = operations_module(file) else {
        return Err("progenitor generated no `operations` module".into());
    };
    for item in items {
        let syn::Item::Struct(definition) = item else {
            continue;
        };
        let name = definition.ident.to_string();
        let (operation, side) = operations
            .of_struct(&name)
            .ok_or_else(|| format!("{name}: no operation of the spec has this mock"))?;
        let doc = match side {
            Side::When => format!(
                "The requests a mock of {} matches: its method and path, and each parameter or body a method of this struct sets.",
                request(operation)
            ),
            Side::Then => format!(
                "What a mock of {} answers: one method per status the spec documents, taking that answer's body.",
                request(operation)
            ),
        };
        definition.attrs.insert(0, syn::parse_quote!(#[doc = #doc]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file_of(tokens: TokenStream) -> syn::File {
        syn::parse2(tokens).expect("a file")
    }

    /// `text` without whitespace and trailing commas: what the passes
    /// write, whatever the printer's line breaks.
    fn squeeze(text: &str) -> String {
        text.split_whitespace()
            .collect::<String>()
            .replace(",)", ")")
    }

    fn squeezed(file: &syn::File) -> String {
        squeeze(&prettyplease::unparse(file))
    }

    fn operations() -> Operations {
        let doc = json!({
            "paths": {
                "/connections": {
                    "get": {
                        "operationId": "connections_list",
                        "summary": "List connections.",
                        "parameters": [
                            {"in": "query", "name": "id", "style": "form", "explode": false,
                             "schema": {"type": "array", "items": {"type": "string"}}},
                            {"in": "query", "name": "contacts", "explode": true,
                             "schema": {"type": "array", "items": {"type": "string"}}}
                        ]
                    }
                }
            }
        });
        Operations::of(&crate::model::Model::of(&doc, &doc).unwrap())
    }

    #[test]
    fn raw_bodies_are_matched_and_answered_as_bytes() {
        let mut file = file_of(quote! {
            pub mod operations {
                pub struct LoaUploadWhen(::httpmock::When);
                impl LoaUploadWhen {
                    pub fn body(self, value: ::serde_json::Value) -> Self {
                        Self(self.0.json_body(value))
                    }
                    pub fn patch(self, value: &types::Contact) -> Self {
                        Self(self.0.json_body_obj(value))
                    }
                }
                pub struct LoaDownloadThen(::httpmock::Then);
                impl LoaDownloadThen {
                    pub fn ok(self, value: ::serde_json::Value) -> Self {
                        Self(self.0.status(200u16).header("content-type", "application/json").json_body(value))
                    }
                    pub fn not_found(self, value: &types::ProblemResponse) -> Self {
                        Self(self.0.status(404u16).header("content-type", "application/json").json_body_obj(value))
                    }
                }
            }
        });
        let bytes = json!({"schema": {"type": "string", "format": "binary"}});
        let doc = json!({"paths": {"/connections/{id}/loa": {
            "get": {"operationId": "loa_download", "responses": {
                "200": {"content": {"application/pdf": bytes}},
                "404": {"content": {"application/json": {"schema": {}}}}}},
            "post": {"operationId": "loa_upload",
                     "requestBody": {"content": {"application/octet-stream": bytes}},
                     "responses": {}}
        }}});
        let operations = Operations::of(&crate::model::Model::of(&doc, &doc).unwrap());
        raw_bodies_as_bytes(&mut file, &operations).unwrap();
        let printed = squeezed(&file);
        for expected in [
            "pub fn body(self, value: impl ::std::convert::Into<::std::vec::Vec<u8>>) -> Self",
            "self.0.is_true(move |request| request.body_ref() == expected.as_slice())",
            "pub fn ok(self, value: impl ::std::convert::AsRef<[u8]>) -> Self",
            r#".header("content-type", "application/octet-stream").body(value)"#,
            // JSON bodies stay JSON.
            "Self(self.0.json_body_obj(value))",
            r#".header("content-type", "application/json").json_body_obj(value)"#,
        ] {
            assert!(
                printed.contains(&squeeze(expected)),
                "{expected}\n{printed}"
            );
        }
    }

    #[test]
    fn path_values_are_escaped() {
        let mut file = file_of(quote! {
            pub mod operations {
                impl ConnectionsReadWhen {
                    pub fn id(self, value: &str) -> Self {
                        let re = regex::Regex::new(&format!("^/connections/{}$", value.to_string())).unwrap();
                        Self(self.0.path_matches(re))
                    }
                }
            }
        });
        escape_path_values(&mut file);
        let printed = prettyplease::unparse(&file);
        assert!(
            printed
                .contains(r#"format!("^/connections/{}$", ::regex::escape(& value.to_string()))"#),
            "{printed}"
        );
    }

    #[test]
    fn list_parameters_are_matched_comma_separated() {
        let mut file = file_of(quote! {
            pub mod operations {
                impl ConnectionsListWhen {
                    pub fn id<'a, T>(self, value: T) -> Self
                    where
                        T: Into<Option<&'a ::std::vec::Vec<::std::string::String>>>,
                    {
                        if let Some(value) = value.into() {
                            Self(self.0.query_param("id", value.to_string()))
                        } else {
                            Self(self.0.query_param_missing("id"))
                        }
                    }
                    pub fn name<'a, T>(self, value: T) -> Self
                    where
                        T: Into<Option<&'a str>>,
                    {
                        if let Some(value) = value.into() {
                            Self(self.0.query_param("name", value.to_string()))
                        } else {
                            Self(self.0.query_param_missing("name"))
                        }
                    }
                }
            }
        });
        query_values(&mut file, &operations()).unwrap();
        let printed = prettyplease::unparse(&file);
        assert!(
            printed.contains(r#"query_param("id", value.join(","))"#),
            "{printed}"
        );
        assert!(
            printed.contains(r#"query_param("name", value.to_string())"#),
            "{printed}"
        );
    }

    #[test]
    fn date_times_are_matched_as_rfc_3339() {
        let mut file = file_of(quote! {
            pub mod operations {
                impl ConnectionsListWhen {
                    pub fn start<'a, T>(self, value: T) -> Self
                    where
                        T: Into<Option<&'a ::chrono::DateTime<::chrono::offset::Utc>>>,
                    {
                        if let Some(value) = value.into() {
                            Self(self.0.query_param("start", value.to_string()))
                        } else {
                            Self(self.0.query_param_missing("start"))
                        }
                    }
                }
            }
        });
        query_values(&mut file, &operations()).unwrap();
        let printed = squeezed(&file);
        assert!(
            printed.contains(&squeeze(r#"query_param("start", value.to_rfc3339_opts(::chrono::SecondsFormat::AutoSi, true))"#)),
            "{printed}"
        );
    }

    #[test]
    fn an_exploded_list_stops_codegen() {
        let mut file = file_of(quote! {
            pub mod operations {
                impl ConnectionsListWhen {
                    pub fn contacts<'a, T>(self, value: T) -> Self
                    where
                        T: Into<Option<&'a ::std::vec::Vec<::std::string::String>>>,
                    {
                        if let Some(value) = value.into() {
                            Self(self.0.query_param("contacts", value.to_string()))
                        } else {
                            Self(self.0.query_param_missing("contacts"))
                        }
                    }
                }
            }
        });
        let error = query_values(&mut file, &operations()).unwrap_err();
        assert!(
            error.contains("connections_list: the list query parameter `contacts`"),
            "{error}"
        );
    }

    #[test]
    fn mocks_are_documented_with_their_operation() {
        let mut file = file_of(quote! {
            pub mod operations {
                pub struct ConnectionsListWhen(::httpmock::When);
                pub struct ConnectionsListThen(::httpmock::Then);
            }
            pub trait MockServerExt {
                fn connections_list<F>(&self, config_fn: F) -> ::httpmock::Mock<'_>
                where
                    F: FnOnce(operations::ConnectionsListWhen, operations::ConnectionsListThen);
            }
        });
        document(&mut file, &operations()).unwrap();
        codegen::one_line_docs(&mut file);
        let printed = prettyplease::unparse(&file);
        assert!(
            printed.contains("///Mocks `GET /connections`: List connections.\n"),
            "{printed}"
        );
        assert!(
            printed
                .contains("[`Client::connections_list`](ix_api_client::Client::connections_list)"),
            "{printed}"
        );
        assert!(
            printed.contains("///The requests a mock of `GET /connections` matches:"),
            "{printed}"
        );
        assert!(
            printed.contains("///What a mock of `GET /connections` answers:"),
            "{printed}"
        );
    }

    #[test]
    fn a_mock_of_no_operation_is_an_error() {
        let mut file = file_of(quote! {
            pub mod operations {
                pub struct GhostWhen(::httpmock::When);
            }
        });
        assert!(
            document(&mut file, &operations())
                .unwrap_err()
                .contains("GhostWhen")
        );
    }
}
