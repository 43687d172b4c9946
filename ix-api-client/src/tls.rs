//! The TLS of every HTTP client this crate builds: rustls, certificates
//! checked by the platform's verifier (as reqwest does by default) plus the
//! CA certificates a session is given, on the crypto provider the crate's
//! features choose (`ring` by default; `aws-lc-rs`, FIPS-capable, when
//! enabled). The provider is handed to each client's configuration, never
//! installed process-wide: a library does not set global state.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;

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
    let verifier = Lazy {
        provider: provider.clone(),
        extra_roots,
        verifier: OnceLock::new(),
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// The platform's verifier, made at the first TLS handshake: it reads the
/// system's root certificates (a hundred and more files), which a client
/// of a plain-HTTP exchange, or a command that fails before its first
/// call, never needs. If it cannot be made, every handshake fails.
#[derive(Debug)]
struct Lazy {
    provider: Arc<CryptoProvider>,
    extra_roots: Vec<CertificateDer<'static>>,
    verifier: OnceLock<Result<Verifier, rustls::Error>>,
}

impl Lazy {
    fn verifier(&self) -> Result<&Verifier, rustls::Error> {
        let made = self.verifier.get_or_init(|| {
            if self.extra_roots.is_empty() {
                Verifier::new(self.provider.clone())
            } else {
                Verifier::new_with_extra_roots(self.extra_roots.clone(), self.provider.clone())
            }
        });
        made.as_ref().map_err(|e| {
            rustls::Error::General(format!("cannot check certificates on this platform: {e}"))
        })
    }
}

impl ServerCertVerifier for Lazy {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        // The provider's, as the platform's verifier answers on every
        // platform but Android, without making it.
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A reqwest builder with [`client_config`] and no extra roots: what the
/// generated `Client::new` starts from. Should the configuration fail, the
/// builder's `build` fails (no TLS back end) rather than sending without
/// checks.
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
    fn the_platform_verifier_is_made_at_the_first_certificate_only() {
        let lazy = Lazy {
            provider: provider(),
            extra_roots: Vec::new(),
            verifier: OnceLock::new(),
        };
        assert!(!lazy.supported_verify_schemes().is_empty());
        assert!(
            lazy.verifier.get().is_none(),
            "no roots read before a handshake"
        );
        let name = ServerName::try_from("ix.example").unwrap();
        let not_a_certificate = CertificateDer::from(vec![0u8; 8]);
        let checked = lazy.verify_server_cert(&not_a_certificate, &[], &name, &[], UnixTime::now());
        assert!(checked.is_err());
        assert!(lazy.verifier.get().is_some());
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
