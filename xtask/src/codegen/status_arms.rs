//! One arm per way an answer is read: progenitor's `send()` matches the
//! status with an arm for each documented status (`200`, `206`, `400`,
//! `401`, `403`, ...), most of them reading the body the same way. Each arm
//! is an `.await` of its own, and every `.await` is a state of the
//! operation's future that the compiler type-checks, borrow-checks and
//! generates code for, in every build of every user. Statuses whose arms
//! read alike share one arm (`400u16 | 401u16 | 403u16 => ...`): the same
//! answers, half the states.

use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};

/// Merges the arms that read alike in every `match response.status().as_u16()`
/// of `file`; returns how many arms it removed.
pub fn merge(file: &mut syn::File) -> usize {
    let mut merger = Merger(0);
    merger.visit_file_mut(file);
    merger.0
}

struct Merger(usize);

impl VisitMut for Merger {
    fn visit_expr_match_mut(&mut self, expr: &mut syn::ExprMatch) {
        visit_mut::visit_expr_match_mut(self, expr);
        let scrutinee = expr.expr.to_token_stream().to_string().replace(' ', "");
        if scrutinee == "response.status().as_u16()" {
            self.0 += merge_arms(&mut expr.arms);
        }
    }
}

/// Folds each arm of literal statuses into the first earlier one with the
/// same body, if only arms of literal statuses stand between them (literal
/// patterns never overlap, so the order among them does not matter).
fn merge_arms(arms: &mut Vec<syn::Arm>) -> usize {
    let before = arms.len();
    let mut merged: Vec<syn::Arm> = Vec::with_capacity(arms.len());
    for arm in arms.drain(..) {
        let body = arm.body.to_token_stream().to_string();
        let target = literal(&arm)
            .then(|| {
                merged
                    .iter()
                    .rposition(|earlier| !literal(earlier))
                    .map_or(0, |at| at + 1)
            })
            .and_then(|first| {
                merged[first..]
                    .iter()
                    .position(|earlier| earlier.body.to_token_stream().to_string() == body)
                    .map(|at| first + at)
            });
        match target {
            Some(at) => {
                let earlier = &mut merged[at];
                let mut cases: syn::punctuated::Punctuated<syn::Pat, syn::Token![|]> =
                    match &earlier.pat {
                        syn::Pat::Or(or) => or.cases.iter().map(copy).collect(),
                        pat => std::iter::once(copy(pat)).collect(),
                    };
                match arm.pat {
                    syn::Pat::Or(or) => cases.extend(or.cases),
                    pat => cases.push(pat),
                }
                earlier.pat = syn::Pat::Or(syn::PatOr {
                    attrs: vec![],
                    leading_vert: None,
                    cases,
                });
            }
            None => merged.push(arm),
        }
    }
    *arms = merged;
    before - arms.len()
}

/// An arm of literal statuses only, without a guard.
fn literal(arm: &syn::Arm) -> bool {
    fn pattern(pat: &syn::Pat) -> bool {
        match pat {
            syn::Pat::Lit(_) => true,
            syn::Pat::Or(or) => or.cases.iter().all(pattern),
            _ => false,
        }
    }
    arm.guard.is_none() && pattern(&arm.pat)
}

/// A copy of a pattern (syn's `Clone` impls are a feature xtask does not
/// compile).
fn copy(pat: &syn::Pat) -> syn::Pat {
    syn::parse::Parser::parse2(syn::Pat::parse_multi, pat.to_token_stream())
        .expect("a printed pattern parses again")
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn merged(body: proc_macro2::TokenStream) -> (String, usize) {
        let mut file: syn::File = syn::parse2(quote! { fn send() { #body } }).unwrap();
        let removed = merge(&mut file);
        (
            prettyplease::unparse(&file)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            removed,
        )
    }

    #[test]
    fn statuses_read_alike_share_an_arm() {
        let (code, removed) = merged(quote! {
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                206u16 => ResponseValue::from_response(response).await,
                400u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                401u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                404u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        });
        assert_eq!(removed, 3);
        assert!(
            code.contains("200u16 | 206u16 => ResponseValue::from_response(response).await,"),
            "{code}"
        );
        assert!(
            code.contains("400u16 | 401u16 | 404u16 => { Err("),
            "{code}"
        );
        assert!(
            code.contains("_ => Err(Error::UnexpectedResponse(response))"),
            "{code}"
        );
    }

    #[test]
    fn an_arm_never_moves_before_a_catch_all_nor_into_another_match() {
        let (code, removed) = merged(quote! {
            match response.status().as_u16() {
                200u16 => a().await,
                code if code > 500 => b(),
                204u16 => a().await,
            }
            match other.as_u16() {
                1u16 => c(),
                2u16 => c(),
            }
        });
        assert_eq!(removed, 0, "{code}");
    }
}
