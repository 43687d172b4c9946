//! The TLS of every HTTP client this crate builds: rustls, certificates
//! checked by the platform's verifier (as reqwest does by default) plus the
//! CA certificates a session is given, on the crypto provider the crate's
//! features choose (`ring` by default; `aws-lc-rs`, FIPS-capable, when
//! enabled). The provider is handed to each client's configuration, never
//! installed process-wide: a library does not set global state.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
compile_error!(
    "ix-api-client needs a TLS crypto provider: enable its `ring` or `aws-lc-rs` feature"
);

/// The crypto provider of this build.
fn provider() -> Arc<CryptoProvider> {
    #[cfg(feature = "aws-lc-rs")]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
    let provider = rustls::crypto::ring::default_provider();
    Arc::new(provider)
}

/// A rustls configuration that trusts the platform's roots and `extra_roots`.
pub(crate) fn client_config(
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = provider();
    let verifier = if extra_roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())?
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())?
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// A reqwest builder with [`client_config`] and no extra roots: what the
/// generated `Client::new` starts from. Should the platform's verifier fail
/// to start, the builder's `build` fails (no TLS back end) rather than
/// sending without checks.
pub(crate) fn client_builder() -> reqwest::ClientBuilder {
    match client_config(Vec::new()) {
        Ok(config) => reqwest::ClientBuilder::new().tls_backend_preconfigured(config),
        Err(e) => {
            tracing::error!("cannot configure TLS: {e}");
            reqwest::ClientBuilder::new().tls_backend_preconfigured(())
        }
    }
}

/// The certificates of a PEM text (other PEM blocks are skipped).
pub(crate) fn pem_certificates(
    pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, rustls::pki_types::pem::Error> {
    CertificateDer::pem_slice_iter(pem).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_builds_without_a_process_wide_provider() {
        // No `CryptoProvider::install_default` anywhere in this crate: the
        // configuration carries the provider.
        assert!(CryptoProvider::get_default().is_none());
        client_builder().build().expect("a client with TLS");
        assert!(CryptoProvider::get_default().is_none());
    }

    #[test]
    fn pem_blocks_other_than_certificates_are_skipped() {
        let pem = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(pem_certificates(pem).expect("readable").len(), 0);
        assert!(
            pem_certificates(b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n")
                .is_err()
        );
    }
}
