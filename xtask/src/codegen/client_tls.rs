//! progenitor's `Client::new` builds a reqwest client of its own; the
//! client crate's reqwest has no crypto provider installed (a library sets
//! no process-wide state), so that client starts from
//! `crate::tls::client_builder()`, which carries rustls's configuration
//! on the provider the crate's features choose.

use syn::visit_mut::{self, VisitMut};

/// Replaces `reqwest::ClientBuilder::new()` in `impl Client { fn new }` of
/// `file`; returns how many it replaced (an error if none: progenitor
/// changed its shape and the client would panic when built).
pub fn configure(file: &mut syn::File) -> Result<usize, String> {
    let mut replaced = 0;
    for item in &mut file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client || block.trait_.is_some() {
            continue;
        }
        for f in &mut block.items {
            if let syn::ImplItem::Fn(f) = f
                && f.sig.ident == "new"
            {
                let mut builders = Builders(0);
                builders.visit_block_mut(&mut f.block);
                replaced += builders.0;
            }
        }
    }
    if replaced == 0 {
        return Err("no `reqwest::ClientBuilder::new()` in `Client::new` to give TLS to".into());
    }
    Ok(replaced)
}

struct Builders(usize);

impl VisitMut for Builders {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::Call(call) = expr
            && call.args.is_empty()
            && matches!(&*call.func, syn::Expr::Path(p)
                if p.path.segments.iter().map(|s| s.ident.to_string()).eq(["reqwest", "ClientBuilder", "new"]))
        {
            *expr = syn::parse_quote!(crate::tls::client_builder());
            self.0 += 1;
            return;
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn client_new_starts_from_the_crates_tls() {
        let mut file: syn::File = syn::parse2(quote! {
            impl Client {
                pub fn new(baseurl: &str) -> Self {
                    let client = {
                        let dur = ::std::time::Duration::from_secs(15u64);
                        reqwest::ClientBuilder::new().connect_timeout(dur).timeout(dur)
                    };
                    Self::new_with_client(baseurl, client.build().unwrap())
                }
                pub fn other() -> reqwest::ClientBuilder { reqwest::ClientBuilder::new() }
            }
        })
        .unwrap();
        assert_eq!(configure(&mut file), Ok(1));
        let printed = quote!(#file).to_string();
        assert!(
            printed
                .contains(&quote!(crate::tls::client_builder().connect_timeout(dur)).to_string())
        );
        // Only `new` is touched.
        assert!(printed.contains(&quote!({ reqwest::ClientBuilder::new() }).to_string()));
    }

    #[test]
    fn a_client_new_without_a_builder_is_an_error() {
        let mut file: syn::File =
            syn::parse2(quote! { impl Client { pub fn new() -> Self { Self } } }).unwrap();
        assert!(configure(&mut file).is_err());
    }
}
