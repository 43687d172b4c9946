//! The `ix-api` command line's operation subcommands: progenitor's clap
//! generator, with two changes so that bodies read as people and scripts
//! expect (`--json FILE`, and `--json -` for stdin):
//!
//! - the argument `--json-body` is named `--json`, and
//!   `--json-body-template`, which progenitor declares but never reads, is
//!   dropped;
//! - the body file is read by `crate::input::read_body`, which takes `-`;
//! - list parameters (`--id`), which clap cannot parse as `Vec<String>`,
//!   are parsed as `crate::input::List` (`--id a,b,c`).

use proc_macro2::TokenStream;
use syn::visit_mut::{self, VisitMut};

/// The CLI module for `tokens` (progenitor's `Generator::cli` output).
pub fn rewrite(tokens: TokenStream) -> Result<syn::File, String> {
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| e.to_string())?;
    let mut rewrite = Rewrite::default();
    rewrite.visit_file_mut(&mut file);
    if rewrite.renamed == 0 || rewrite.readers == 0 {
        return Err(format!(
            "progenitor's CLI changed: {} body arguments renamed, {} body readers replaced",
            rewrite.renamed, rewrite.readers
        ));
    }
    Ok(file)
}

#[derive(Default)]
struct Rewrite {
    renamed: usize,
    readers: usize,
    dropped: usize,
    lists: usize,
}

const VEC_OF_STRINGS: &str = ":: std :: vec :: Vec < :: std :: string :: String >";

fn is_vec_of_strings(tokens: &TokenStream) -> bool {
    tokens.to_string() == VEC_OF_STRINGS
}

impl VisitMut for Rewrite {
    /// Drops `.arg(--json-body-template)`: progenitor declares it with a
    /// placeholder help text and never reads it.
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
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
                "A file with the whole JSON body, or - for standard input."
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
                let body_txt = std::fs::read_to_string(value).unwrap();
            }
        };
        let printed = prettyplease::unparse(&rewrite(generated).unwrap());
        assert!(printed.contains(r#"Arg::new("json")"#), "{printed}");
        assert!(printed.contains(r#".long("json")"#), "{printed}");
        assert!(!printed.contains("json-body-template"), "{printed}");
        assert!(printed.contains("or - for standard input"), "{printed}");
        assert!(
            printed.contains("crate::input::read_body(value)"),
            "{printed}"
        );
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
                let body_txt = std::fs::read_to_string(value).unwrap();
                if let Some(value) = matches.get_one::<::std::vec::Vec<::std::string::String>>("id") {}
            }
        };
        let printed = prettyplease::unparse(&rewrite(generated).unwrap());
        assert!(printed.contains("input::List)"), "{printed}");
        assert!(
            printed.contains("get_one::<crate::input::List>"),
            "{printed}"
        );
    }

    #[test]
    fn a_changed_generator_is_noticed() {
        assert!(rewrite(quote! { fn f() {} }).is_err());
    }
}
