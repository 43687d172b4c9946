//! What the session costs.
//!
//! - `access_token/valid`: the hot path, a token still well within its
//!   lifetime (no server involved).
//! - `login_refresh/*`: `POST /auth/token` then `POST /auth/refresh` against
//!   the sandbox on 127.0.0.1, through the generated client and as bare
//!   reqwest calls with the same `reqwest::Client`. Their ratio is the
//!   generated client's overhead.
//! - `failing_call/*`: calls through a session whose login the exchange
//!   rejected, once alone and 10,000 at once: each fails with the typed
//!   `Rejected` (the backoff answers without a request). The time per
//!   failure should not grow with how many fail together.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ix_api_client::{Auth, Call, Client, Error, Session, TokenPair, types};
use ix_api_sandbox::{Sandbox, SandboxConfig};
use serde::Deserialize;

/// An unsigned JWT whose claims say it lives for a day from now.
fn long_lived_jwt(subject: &str) -> String {
    use base64::Engine;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = serde_json::json!({"sub": subject, "iat": now, "exp": now + 86_400});
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        b64.encode(r#"{"alg":"HS256"}"#),
        b64.encode(claims.to_string())
    )
}

fn access_token(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pair: TokenPair = serde_json::from_value(serde_json::json!({
        "access_token": long_lived_jwt("access"),
        "refresh_token": long_lived_jwt("refresh"),
    }))
    .unwrap();
    let session = Session::builder("https://ixp.example.net/api/v2")
        .tokens(pair)
        .build()
        .unwrap();
    c.bench_function("access_token/valid", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(session.access_token().await.unwrap()) })
    });
}

#[derive(Deserialize)]
struct BarePair {
    #[allow(dead_code)]
    access_token: String,
    refresh_token: String,
}

fn login_refresh(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .unwrap();
    let (key, secret) = sandbox.credentials();
    let (key, secret) = (key.to_string(), secret.to_string());
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let client = Client::new_with_client(sandbox.base_url(), http.clone(), Auth::none());
    let base = sandbox.base_url().to_string();

    let mut group = c.benchmark_group("login_refresh");
    group.bench_function("generated_client", |b| {
        b.to_async(&runtime).iter(|| async {
            let pair = client
                .auth_token_create()
                .body(
                    types::AuthTokenRequest::builder()
                        .api_key(key.as_str())
                        .api_secret(secret.as_str()),
                )
                .send()
                .await
                .unwrap()
                .into_inner();
            let renewed = client
                .auth_token_refresh()
                .body(types::RefreshTokenRequest::builder().refresh_token(pair.refresh_token))
                .send()
                .await
                .unwrap();
            black_box(renewed)
        })
    });
    let post = |path: &'static str, body: serde_json::Value| {
        let request = http.post(format!("{base}{path}")).json(&body);
        async move {
            let response = request.send().await.unwrap().error_for_status().unwrap();
            response.json::<BarePair>().await.unwrap()
        }
    };
    group.bench_function("bare_reqwest", |b| {
        b.to_async(&runtime).iter(|| async {
            let pair = post(
                "/auth/token",
                serde_json::json!({"api_key": key, "api_secret": secret}),
            )
            .await;
            let renewed = post(
                "/auth/refresh",
                serde_json::json!({"refresh_token": pair.refresh_token}),
            )
            .await;
            black_box(renewed)
        })
    });
    group.finish();
}

fn failing_call(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .unwrap();
    let (key, secret) = sandbox.credentials();
    let wrong: String = secret
        .chars()
        .map(|c| if c == 'a' { 'b' } else { 'a' })
        .collect();
    let session = Session::builder(sandbox.base_url())
        .credentials(key, wrong)
        .build()
        .unwrap();
    let fail = |session: Session| async move {
        let error = session
            .client()
            .api_implementation_read()
            .call()
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Rejected { .. }), "{error}");
    };
    let mut group = c.benchmark_group("failing_call");
    for at_once in [1u64, 10_000] {
        group.throughput(Throughput::Elements(at_once));
        group.bench_function(format!("{at_once}_at_once"), |b| {
            b.to_async(&runtime).iter(|| {
                let session = session.clone();
                async move {
                    let calls: Vec<_> = (0..at_once)
                        .map(|_| tokio::spawn(fail(session.clone())))
                        .collect();
                    for call in calls {
                        call.await.unwrap();
                    }
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, access_token, login_refresh, failing_call);
criterion_main!(benches);
