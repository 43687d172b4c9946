//! `ix-api token` with a valid cached token: the whole process, from exec
//! to exit, as a script's `$(ix-api token)` pays for it.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};

fn binary() -> PathBuf {
    // benches/../target/release/ix-api, built by `cargo bench` beside us.
    let mut path = std::env::current_exe().expect("the bench's path");
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    path.join("ix-api")
}

fn jwt(exp: u64) -> String {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.{}",
        b64(r#"{"alg":"HS256","typ":"JWT"}"#),
        b64(&format!(r#"{{"sub":"bench","exp":{exp}}}"#)),
        b64("signature")
    )
}

fn token(c: &mut Criterion) {
    let home = std::env::temp_dir().join(format!("ix-api-bench-{}", std::process::id()));
    let cache = home.join("cache/ix-api");
    std::fs::create_dir_all(&cache).unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let url = "https://ixp.example.net/api/v2";
    let key = "benchbenchbench1";
    let pair = serde_json::json!({
        "url": url, "api_key": key,
        "access_token": jwt(now + 3600), "refresh_token": jwt(now + 86_400),
    });
    std::fs::write(cache.join("default.json"), pair.to_string()).unwrap();
    let binary = binary();
    assert!(binary.exists(), "build it first: {}", binary.display());
    let run = || {
        let output = Command::new(&binary)
            .arg("token")
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("IX_API_URL", url)
            .env("IX_API_KEY", key)
            .env_remove("IX_API_SECRET")
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    };
    run();
    let mut group = c.benchmark_group("ix-api token");
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("valid cached token (process start to exit)", |b| {
        b.iter(run)
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&home);
}

criterion_group!(benches, token);
criterion_main!(benches);
