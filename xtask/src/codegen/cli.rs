//! The `ix-api` command line's operation subcommands: progenitor's clap
//! generator, with two changes so that bodies read as people and scripts
//! expect (`--json FILE`, and `--json -` for stdin):
//!
//! - the argument `--json-body` is named `--json`, and
//!   `--json-body-template`, which progenitor declares but never reads, is
//!   dropped;
//! - the body file is read by `crate::input::read_body`, which takes `-`;
//! - list parameters (`--id`), which clap cannot parse as `Vec<String>`,
//!   are parsed as `crate::input::List` (`--id a,b,c`);
//! - answers of raw bytes (letters of authorisation), which progenitor
//!   leaves as `todo!()`, are written to standard output as they come
//!   (`crate::output::bytes`);
//! - raw-byte bodies, for which progenitor has no argument, come from
//!   `--file FILE` (or `-`) (`crate::input::read_bytes`);
//! - list operations that page walk every page unless the command line
//!   names one (`crate::output::pages`);
//! - a JSON body is built by `crate::input::body`: the object of `--json`
//!   (optional) with the member flags on top, unknown members refused and
//!   missing required members listed; so `--json` and the member flags are
//!   never required by clap (progenitor's `required_unless_present("json")`
//!   and `--json`'s `required(true)` become `required(false)`).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::visit_mut::{self, VisitMut};

use crate::codegen::polymorphic::rust_name;
use crate::model::{Kind, Model};

/// The operations whose shape the rewrite needs to know.
#[derive(Debug, Default)]
pub struct Shapes {
    /// Operations whose request body is raw bytes.
    pub raw_bodies: BTreeSet<String>,
    /// List operations that take `page_limit` and `page_offset`.
    pub paged: BTreeSet<String>,
    /// The model of the object each operation answers (one object or the
    /// items of a list), where it has a `state` enum, for `--wait`;
    /// operations whose answer has no `state` are absent.
    pub states: BTreeMap<String, String>,
    /// Each operation's `(resource, verb, kind)` on the command line.
    pub names: BTreeMap<String, (String, String, Kind)>,
    /// Operations on one object (`/connections/{id}`), whose id may also
    /// be given positionally (`ix-api connections read 58`).
    pub object_ids: BTreeSet<String>,
    /// Operations with a JSON body → the values of its tag (`type`) when
    /// it is polymorphic, else nothing: they take `--template [TYPE]`.
    pub templates: BTreeMap<String, Vec<String>>,
}

impl Shapes {
    /// The shapes of the operations of `model`; `templates` are the tag
    /// values of each polymorphic JSON body.
    pub fn of(model: &Model, templates: BTreeMap<String, Vec<String>>) -> Self {
        let mut shapes = Self {
            templates,
            ..Self::default()
        };
        for operation in &model.operations {
            let id = operation.id.to_string();
            if !operation.raw_body.is_empty() {
                shapes.raw_bodies.insert(id.clone());
            }
            if operation.paged {
                shapes.paged.insert(id.clone());
            }
            if operation.on_object {
                shapes.object_ids.insert(id.replace('-', "_"));
            }
            if let Some(answer) = operation
                .answer
                .as_ref()
                .filter(|_| !operation.states.is_empty())
            {
                shapes.states.insert(id.clone(), rust_name(answer));
            }
            shapes.names.insert(
                id,
                (
                    operation.resource.clone(),
                    operation.verb.clone(),
                    operation.kind,
                ),
            );
        }
        shapes
    }
}

/// The CLI module for `tokens` (progenitor's `Generator::cli` output).
pub fn rewrite(tokens: TokenStream, shapes: &Shapes) -> Result<syn::File, String> {
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| e.to_string())?;
    let mut rewrite = Rewrite {
        shapes,
        renamed: 0,
        readers: 0,
        dropped: 0,
        lists: 0,
        raw_bodies: 0,
        paged: 0,
        bodies: 0,
        templates: 0,
        object_ids: 0,
        current: None,
    };
    rewrite.visit_file_mut(&mut file);
    file.items.extend(answer_states(shapes));
    if rewrite.templates != shapes.templates.len() || rewrite.object_ids != shapes.object_ids.len()
    {
        return Err(format!(
            "progenitor's CLI changed: {} of {} --template arguments, {} of {} positional ids",
            rewrite.templates,
            shapes.templates.len(),
            rewrite.object_ids,
            shapes.object_ids.len()
        ));
    }
    if rewrite.renamed == 0 || rewrite.readers == 0 || rewrite.bodies != rewrite.readers {
        return Err(format!(
            "progenitor's CLI changed: {} body arguments renamed, {} body readers replaced, {} bodies built by crate::input::body",
            rewrite.renamed, rewrite.readers, rewrite.bodies
        ));
    }
    let wanted = (shapes.raw_bodies.len() * 2, shapes.paged.len());
    if (rewrite.raw_bodies, rewrite.paged) != wanted {
        return Err(format!(
            "progenitor's CLI changed: {} of {} raw-body rewrites, {} of {} paged lists",
            rewrite.raw_bodies, wanted.0, rewrite.paged, wanted.1
        ));
    }
    Ok(file)
}

/// `answer_states(operation_id)`: the states of the object the operation
/// answers, as the client's `Stateful` model of it lists them; and
/// `command(operation_id)`: its resource, verb and kind.
fn answer_states(shapes: &Shapes) -> Vec<syn::Item> {
    let arms = shapes.states.iter().map(|(id, model)| {
        let model = format_ident!("{}", model);
        quote! { #id => Some(<crate::api::types::#model as crate::api::Stateful>::STATES), }
    });
    let names = shapes.names.iter().map(|(id, (resource, verb, kind))| {
        let kind = format_ident!("{}", kind.variant());
        let rust_id = id.replace('-', "_");
        let ids = if rust_id == *id {
            quote!(#id)
        } else {
            quote!(#id | #rust_id)
        };
        quote! { #ids => Some((#resource, #verb, crate::api::Kind::#kind)), }
    });
    vec![
        syn::parse_quote! {
            /// The states of the object an operation answers (its model's
            /// `Stateful::STATES`), for `--wait`; `None` when its answer has
            /// no `state` enum.
            pub fn answer_states(operation_id: &str) -> Option<&'static [&'static str]> {
                match operation_id {
                    #(#arms)*
                    _ => None,
                }
            }
        },
        syn::parse_quote! {
            /// `ix-api RESOURCE VERB` of an operation, and what it does.
            pub fn command(operation_id: &str) -> Option<(&'static str, &'static str, crate::api::Kind)> {
                match operation_id {
                    #(#names)*
                    _ => None,
                }
            }
        },
    ]
}

struct Rewrite<'s> {
    shapes: &'s Shapes,
    renamed: usize,
    readers: usize,
    dropped: usize,
    lists: usize,
    raw_bodies: usize,
    paged: usize,
    /// `--json` blocks replaced by `crate::input::body`.
    bodies: usize,
    /// `--template` arguments added.
    templates: usize,
    /// Operations on one object given a positional id.
    object_ids: usize,
    /// The operation of the `cli_`/`execute_` function being rewritten.
    current: Option<Function>,
}

/// Which of an operation's generated functions is being rewritten.
#[derive(Clone, PartialEq)]
enum Function {
    Cli(String),
    Execute(String),
}

/// The type `serde_json::from_str::<T>` decodes, wherever it is called.
#[derive(Default)]
struct DecodedType(Option<TokenStream>);

impl VisitMut for DecodedType {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if let syn::Expr::Path(function) = &*call.func {
            let segments: Vec<&syn::PathSegment> = function.path.segments.iter().collect();
            if let [.., module, last] = segments.as_slice()
                && module.ident == "serde_json"
                && last.ident == "from_str"
                && let syn::PathArguments::AngleBracketed(arguments) = &last.arguments
                && let Some(syn::GenericArgument::Type(ty)) = arguments.args.first()
            {
                self.0 = Some(quote!(#ty));
            }
        }
        visit_mut::visit_expr_call_mut(self, call);
    }
}

const VEC_OF_STRINGS: &str = ":: std :: vec :: Vec < :: std :: string :: String >";

fn is_vec_of_strings(tokens: &TokenStream) -> bool {
    tokens.to_string() == VEC_OF_STRINGS
}

impl Rewrite<'_> {
    /// `cli_<op>` of an operation with a JSON body gets `--template`; of an
    /// operation on one object, the id as its first positional argument
    /// (`--id` is then not required by itself: one of the two is, unless
    /// `--template` is asked for).
    fn template_and_id(&mut self, function: &mut syn::ImplItemFn, operation: &str) {
        let Some(syn::Stmt::Expr(tail, None)) = function.block.stmts.last_mut() else {
            return;
        };
        let template = self.shapes.templates.get(operation);
        if let Some(types) = template {
            let command = std::mem::replace(tail, syn::Expr::Verbatim(TokenStream::new()));
            *tail = if types.is_empty() {
                syn::parse_quote! {
                    #command.arg(
                        ::clap::Arg::new("template")
                            .long("template")
                            .action(::clap::ArgAction::SetTrue)
                            .help("Print a skeleton of the JSON body to fill in for --json, and send nothing"),
                    )
                }
            } else {
                syn::parse_quote! {
                    #command.arg(
                        ::clap::Arg::new("template")
                            .long("template")
                            .value_name("TYPE")
                            .num_args(0..=1)
                            .value_parser([#(#types),*])
                            .help("Print a skeleton of the JSON body of each TYPE, or of the TYPE named, to fill in for --json, and send nothing"),
                    )
                }
            };
            self.templates += 1;
        }
        if self.shapes.object_ids.contains(operation) {
            let unless: Vec<&str> = if template.is_some() {
                vec!["id", "template"]
            } else {
                vec!["id"]
            };
            let command = std::mem::replace(tail, syn::Expr::Verbatim(TokenStream::new()));
            *tail = syn::parse_quote! {
                #command.arg(
                    ::clap::Arg::new("object-id")
                        .value_name("ID")
                        .value_parser(::clap::value_parser!(::std::string::String))
                        .required_unless_present_any([#(#unless),*])
                        .conflicts_with("id")
                        .help("The object's id (or --id)"),
                )
            };
            self.object_ids += 1;
        }
    }

    /// `cli_<op>` of a raw-body operation gets `--file`.
    fn file_argument(&mut self, function: &mut syn::ImplItemFn, operation: &str) {
        if !self.shapes.raw_bodies.contains(operation) {
            return;
        }
        if let Some(syn::Stmt::Expr(tail, None)) = function.block.stmts.last_mut() {
            let command = std::mem::replace(tail, syn::Expr::Verbatim(TokenStream::new()));
            *tail = syn::parse_quote! {
                #command.arg(
                    ::clap::Arg::new("file")
                        .long("file")
                        .value_name("FILE")
                        .value_parser(::clap::value_parser!(::std::path::PathBuf))
                        .required(true)
                        .help("The file to send, or - for standard input"),
                )
            };
            self.raw_bodies += 1;
        }
    }

    /// `execute_<op>`: the raw body read from `--file`, and every page of a
    /// list unless the command line names one.
    fn execute(&mut self, function: &mut syn::ImplItemFn, operation: &str) {
        let hook = format_ident!("execute_{}", operation);
        let Some(at) = function.block.stmts.iter().position(|stmt| {
            let code = quote!(#stmt).to_string();
            code.contains(&format!("self . config . {hook} ("))
        }) else {
            return;
        };
        if self.shapes.raw_bodies.contains(operation) {
            let read: syn::Stmt =
                syn::parse_quote!(request = request.body(crate::input::read_bytes(matches)?););
            function.block.stmts.insert(at, read);
            self.raw_bodies += 1;
        }
        if self.shapes.paged.contains(operation) {
            let pages: syn::Stmt = syn::parse_quote! {
                if crate::output::all_pages(matches) {
                    return crate::output::pages(request).await;
                }
            };
            function.block.stmts.insert(at + 1, pages);
            self.paged += 1;
        }
    }
}

impl Rewrite<'_> {
    /// `if let Some(value) = matches.get_one::<PathBuf>("json") { ...
    /// request = request.body(body_value); }` becomes
    /// `request = request.body(crate::input::body::<T>(matches)?);`.
    fn body(&mut self, block: &mut syn::Block) {
        for stmt in block.stmts.iter_mut() {
            let code = quote!(#stmt).to_string();
            if !(code.starts_with("if let Some (value)")
                && code.contains("request . body (body_value)"))
            {
                continue;
            }
            let mut decoded = DecodedType::default();
            decoded.visit_stmt_mut(stmt);
            if let Some(ty) = decoded.0 {
                *stmt = syn::parse_quote! {
                    request = request.body(crate::input::body::<#ty>(matches)?);
                };
                self.bodies += 1;
            }
        }
    }
}

impl VisitMut for Rewrite<'_> {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        let name = function.sig.ident.to_string();
        if let Some(operation) = name.strip_prefix("cli_") {
            let operation = operation.to_string();
            self.file_argument(function, &operation);
            self.template_and_id(function, &operation);
            self.current = Some(Function::Cli(operation));
        } else if let Some(operation) = name.strip_prefix("execute_") {
            let operation = operation.to_string();
            self.execute(function, &operation);
            self.current = Some(Function::Execute(operation));
        }
        visit_mut::visit_impl_item_fn_mut(self, function);
        self.current = None;
        self.body(&mut function.block);
    }

    fn visit_item_fn_mut(&mut self, function: &mut syn::ItemFn) {
        visit_mut::visit_item_fn_mut(self, function);
        self.body(&mut function.block);
    }

    /// `Ok(r) => todo!()`, progenitor's answer to a raw-byte answer, writes
    /// the bytes.
    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        let is_todo =
            |expr: &syn::Expr| matches!(expr, syn::Expr::Macro(m) if m.mac.path.is_ident("todo"));
        let todo = match &*arm.body {
            syn::Expr::Block(block) => match block.block.stmts.as_slice() {
                [syn::Stmt::Expr(expr, None)] => is_todo(expr),
                [syn::Stmt::Macro(m)] => m.mac.path.is_ident("todo"),
                _ => false,
            },
            expr => is_todo(expr),
        };
        if todo {
            *arm.body = syn::parse_quote!(crate::output::bytes(r).await);
            return;
        }
        visit_mut::visit_arm_mut(self, arm);
    }

    /// Drops `.arg(--json-body-template)`: progenitor declares it with a
    /// placeholder help text and never reads it.
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        // The object's id, given as `--id` or positionally.
        if let (Some(Function::Execute(operation)), syn::Expr::MethodCall(call)) =
            (&self.current, &*expr)
            && self.shapes.object_ids.contains(operation)
            && call.method == "get_one"
            && quote::quote!(#call).to_string().ends_with("(\"id\")")
        {
            *expr = syn::parse_quote!(crate::input::object_id(matches));
            return;
        }
        if let syn::Expr::MethodCall(call) = expr {
            let template = call.method == "arg"
                && call.args.iter().any(|arg| {
                    quote::quote!(#arg)
                        .to_string()
                        .contains("\"json-body-template\"")
                });
            if template {
                let taken = std::mem::replace(expr, syn::Expr::Verbatim(TokenStream::new()));
                if let syn::Expr::MethodCall(call) = taken {
                    *expr = *call.receiver;
                }
                self.dropped += 1;
                self.visit_expr_mut(expr);
                return;
            }
        }
        visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_lit_str_mut(&mut self, literal: &mut syn::LitStr) {
        let renamed = match literal.value().as_str() {
            "json-body" => "json",
            "Path to a file that contains the full json body." => {
                "A file with the JSON body, or - for standard input; member flags go on top of it."
            }
            _ => return,
        };
        self.renamed += 1;
        *literal = syn::LitStr::new(renamed, literal.span());
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "value_parser")
            && is_vec_of_strings(&mac.tokens)
        {
            mac.tokens = quote::quote!(crate::input::List);
            self.lists += 1;
        }
    }

    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        // Members and `--json` are checked by `crate::input::body`, which
        // lists every missing member at once, from either source.
        let json = |tokens: String| tokens.contains("\"json-body\"") || tokens.contains("\"json\"");
        let receiver = &call.receiver;
        let args = &call.args;
        let unless_json =
            call.method == "required_unless_present" && json(quote::quote!(#args).to_string());
        let json_required = call.method == "required"
            && quote::quote!(#args).to_string() == "true"
            && json(quote::quote!(#receiver).to_string())
            && !quote::quote!(#receiver).to_string().contains(". arg (");
        // An object's `--id`: the positional id may stand in for it.
        let object_id = matches!(&self.current, Some(Function::Cli(operation)) if self.shapes.object_ids.contains(operation))
            && call.method == "required"
            && quote::quote!(#receiver)
                .to_string()
                .starts_with(":: clap :: Arg :: new (\"id\")");
        if unless_json || json_required || object_id {
            call.method = format_ident!("required");
            call.args = syn::parse_quote!(false);
        }
        if call.method == "get_one"
            && let Some(turbofish) = &mut call.turbofish
        {
            for argument in turbofish.args.iter_mut() {
                if let syn::GenericArgument::Type(ty) = argument
                    && is_vec_of_strings(&quote::quote!(#ty))
                {
                    *ty = syn::parse_quote!(crate::input::List);
                }
            }
        }
        visit_mut::visit_expr_method_call_mut(self, call);
    }

    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if let syn::Expr::Path(function) = &mut *call.func {
            let segments: Vec<String> = function
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if segments == ["std", "fs", "read_to_string"] {
                function.path = syn::parse_quote!(crate::input::read_body);
                self.readers += 1;
            }
        }
        visit_mut::visit_expr_call_mut(self, call);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn bodies_come_from_json_and_may_be_standard_input() {
        let generated = quote! {
            fn cli() -> Command {
                Command::new("").arg(Arg::new("json-body").long("json-body")
                    .help("Path to a file that contains the full json body."))
                    .arg(Arg::new("json-body-template").long("json-body-template").help("XXX"))
            }
            fn execute(value: &PathBuf) {
                if let Some(value) = matches.get_one::<std::path::PathBuf>("json-body") {
                    let body_txt = std::fs::read_to_string(value).unwrap();
                    let body_value = serde_json::from_str::<types::Thing>(&body_txt).unwrap();
                    request = request.body(body_value);
                }
            }
        };
        let printed = prettyplease::unparse(&rewrite(generated, &Shapes::default()).unwrap());
        assert!(printed.contains(r#"Arg::new("json")"#), "{printed}");
        assert!(printed.contains(r#".long("json")"#), "{printed}");
        assert!(!printed.contains("json-body-template"), "{printed}");
        assert!(printed.contains("or - for standard input"), "{printed}");
        assert!(
            printed
                .contains("request = request.body(crate::input::body::<types::Thing>(matches)?);"),
            "{printed}"
        );
        assert!(!printed.contains("body_txt"), "{printed}");
        assert!(!printed.contains("json-body"), "{printed}");
    }

    #[test]
    fn list_parameters_parse_as_comma_separated_lists() {
        let generated = quote! {
            fn cli() -> Command {
                Command::new("").arg(Arg::new("json-body").long("json-body"))
                    .arg(Arg::new("id").value_parser(::clap::value_parser!(::std::vec::Vec<::std::string::String>)))
            }
            fn execute(matches: &ArgMatches) {
                if let Some(value) = matches.get_one::<std::path::PathBuf>("json-body") {
                    let body_txt = std::fs::read_to_string(value).unwrap();
                    let body_value = serde_json::from_str::<types::Thing>(&body_txt).unwrap();
                    request = request.body(body_value);
                }
                if let Some(value) = matches.get_one::<::std::vec::Vec<::std::string::String>>("id") {}
            }
        };
        let printed = prettyplease::unparse(&rewrite(generated, &Shapes::default()).unwrap());
        assert!(printed.contains("input::List)"), "{printed}");
        assert!(
            printed.contains("get_one::<crate::input::List>"),
            "{printed}"
        );
    }

    #[test]
    fn member_flags_and_json_are_never_required_by_clap() {
        let generated = quote! {
            fn cli() -> Command {
                Command::new("")
                    .arg(Arg::new("mode").long("mode").required_unless_present("json-body"))
                    .arg(Arg::new("id").long("id").required(true))
                    .arg(Arg::new("json-body").long("json-body").required(true))
            }
            fn execute(matches: &ArgMatches) {
                if let Some(value) = matches.get_one::<std::path::PathBuf>("json-body") {
                    let body_txt = std::fs::read_to_string(value).unwrap();
                    let body_value = serde_json::from_str::<types::Thing>(&body_txt).unwrap();
                    request = request.body(body_value);
                }
            }
        };
        let printed = prettyplease::unparse(&rewrite(generated, &Shapes::default()).unwrap());
        assert!(!printed.contains("required_unless_present"), "{printed}");
        assert!(
            printed.contains(r#".long("id").required(true)"#),
            "{printed}"
        );
        assert!(
            printed.contains(r#".long("json").required(false)"#),
            "{printed}"
        );
    }

    #[test]
    fn a_changed_generator_is_noticed() {
        assert!(rewrite(quote! { fn f() {} }, &Shapes::default()).is_err());
    }

    #[test]
    fn raw_bytes_go_in_from_a_file_and_out_as_they_come_and_lists_page() {
        let generated = quote! {
            impl<T: CliConfig> Cli<T> {
                pub fn cli_things_loa_upload() -> ::clap::Command {
                    ::clap::Command::new("").arg(::clap::Arg::new("id").long("id"))
                }
                pub async fn execute_things_loa_upload(&self, matches: &::clap::ArgMatches) -> anyhow::Result<()> {
                    let mut request = self.client.things_loa_upload();
                    self.config.execute_things_loa_upload(matches, &mut request)?;
                    let result = request.send().await;
                    match result {
                        Ok(r) => { todo!() }
                        Err(r) => Err(anyhow::Error::new(r)),
                    }
                }
                pub async fn execute_things_list(&self, matches: &::clap::ArgMatches) -> anyhow::Result<()> {
                    let mut request = self.client.things_list();
                    self.config.execute_things_list(matches, &mut request)?;
                    let result = request.send().await;
                    Ok(())
                }
                fn body(value: &PathBuf) {
                    if let Some(value) = matches.get_one::<std::path::PathBuf>("json-body") {
                    let body_txt = std::fs::read_to_string(value).unwrap();
                    let body_value = serde_json::from_str::<types::Thing>(&body_txt).unwrap();
                    request = request.body(body_value);
                }
                    Arg::new("json-body");
                }
            }
        };
        let shapes = Shapes {
            raw_bodies: ["things_loa_upload".to_string()].into(),
            paged: ["things_list".to_string()].into(),
            ..Shapes::default()
        };
        let printed = prettyplease::unparse(&rewrite(generated, &shapes).unwrap());
        assert!(printed.contains(r#"::clap::Arg::new("file")"#), "{printed}");
        assert!(
            printed.contains("request = request.body(crate::input::read_bytes(matches)?);"),
            "{printed}"
        );
        assert!(
            printed.contains("Ok(r) => crate::output::bytes(r).await"),
            "{printed}"
        );
        assert!(!printed.contains("todo!"), "{printed}");
        assert!(
            printed.contains("return crate::output::pages(request).await;"),
            "{printed}"
        );
        let missing = Shapes {
            paged: ["other_list".to_string()].into(),
            ..Shapes::default()
        };
        let generated = quote! { fn f() { std::fs::read_to_string(x); Arg::new("json-body"); } };
        assert!(rewrite(generated, &missing).is_err());
    }
}
