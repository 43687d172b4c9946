//! Every answer is decoded by the client's `crate::call::decode::answer`,
//! which reads the body as text once it is checked as UTF-8, instead of
//! progenitor's `ResponseValue::from_response`, which reads it as bytes
//! (serde_json then checks each string again: a third of the decode).

use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};

/// Replaces each call of `ResponseValue::from_response` in `file`;
/// returns how many.
pub fn decode_as_text(file: &mut syn::File) -> usize {
    let mut replacer = Replacer(0);
    replacer.visit_file_mut(file);
    replacer.0
}

struct Replacer(usize);

impl VisitMut for Replacer {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        visit_mut::visit_expr_call_mut(self, call);
        let callee = call.func.to_token_stream().to_string().replace(' ', "");
        if callee == "ResponseValue::from_response" {
            *call.func = syn::parse_quote!(crate::call::decode::answer);
            self.0 += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_decoded_by_the_client() {
        let mut file: syn::File = syn::parse_quote! {
            async fn send() {
                match response.status().as_u16() {
                    200u16 => ResponseValue::from_response(response).await,
                    400u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            }
        };
        assert_eq!(decode_as_text(&mut file), 2);
        let text = file.to_token_stream().to_string();
        assert_eq!(
            text.matches("crate :: call :: decode :: answer (response)")
                .count(),
            2
        );
        assert!(!text.contains("from_response"));
    }
}
