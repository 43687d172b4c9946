//! `ix-api` given any config file and any token cache: the binary is run
//! with a random `config.toml` and a random cached token file in a home of
//! its own, and must end with one of its own exit codes, never a panic
//! (exit 101, "panicked" on stderr). The unit tests of `profile.rs` and
//! `cache.rs` feed the same decoders far more inputs in process; this
//! proves the path from the files through the binary.
//!
//! Inputs are drawn from `proptest` strategies by a loop with a fixed seed
//! and count: the same runs every time, no wall-clock bound (a run that
//! hangs fails after a generous limit). It prints `NAME: N inputs, P
//! panics` with the exit codes seen.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};
use tokio::process::Command;

const RUNS: usize = 200;
/// Nothing listens here: a renewal fails at once.
const URL: &str = "http://127.0.0.1:9/api/v2";
const API_KEY: &str = "0123456789abcdef";
const TOKEN_URL: &str = "http://127.0.0.1:9/oauth2/token";

/// Bytes cut, overwritten or spliced with a token.
fn edited(
    base: impl Strategy<Value = Vec<u8>>,
    tokens: &'static [&'static str],
) -> impl Strategy<Value = Vec<u8>> {
    let index = any::<prop::sample::Index>;
    let edit = prop_oneof![
        index().prop_map(|i| (i, None, None)),
        (index(), any::<u8>()).prop_map(|(i, b)| (i, Some(b), None)),
        (index(), prop::sample::select(tokens)).prop_map(|(i, t)| (i, None, Some(t))),
    ];
    (base, prop::collection::vec(edit, 1..4)).prop_map(|(mut bytes, edits)| {
        for (at, byte, token) in edits {
            let i = at.index(bytes.len() + 1);
            match (byte, token) {
                (Some(b), _) if i < bytes.len() => bytes[i] = b,
                (_, Some(t)) => {
                    bytes.splice(i..i, t.bytes());
                }
                (None, None) => bytes.truncate(i),
                _ => {}
            }
        }
        bytes
    })
}

fn config_file() -> impl Strategy<Value = Option<Vec<u8>>> {
    let value = prop_oneof![
        Just(format!("{URL:?}")),
        Just(format!("{API_KEY:?}")),
        Just(format!("{TOKEN_URL:?}")),
        Just("\"oauth2\"".to_string()),
        Just("\"legacy\"".to_string()),
        Just("[\"ix-api\", 7]".to_string()),
        Just("{ a = 1 }".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<String>().prop_map(|s| format!("{s:?}")),
    ];
    let key = prop::sample::select(vec![
        "url",
        "api_key",
        "auth",
        "oauth2_token_url",
        "oauth2_scopes",
        "secret_file",
        "other",
    ]);
    let profile = (
        prop::sample::select(vec!["default", "other", "de-cix"]),
        prop::collection::vec((key, value), 0..6),
    )
        .prop_map(|(name, lines)| {
            let lines: Vec<String> = lines
                .into_iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            format!("[profiles.{name}]\n{}\n", lines.join("\n"))
        });
    let text = prop::collection::vec(profile, 0..3).prop_map(|p| p.concat().into_bytes());
    let real = format!("[profiles.default]\nurl = {URL:?}\napi_key = {API_KEY:?}\n").into_bytes();
    prop_oneof![
        1 => Just(None),
        2 => Just(Some(real.clone())),
        3 => text.clone().prop_map(Some),
        3 => edited(prop_oneof![Just(real), text], &["\n", "=", "[", "]", "\"", "'''", "{", "\u{0}"]).prop_map(Some),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Some),
    ]
}

fn jwt(exp: &Value) -> String {
    let claims = URL_SAFE_NO_PAD.encode(json!({"exp": exp}).to_string());
    format!("eyJhbGciOiJIUzI1NiJ9.{claims}.c2ln")
}

fn cache_file() -> impl Strategy<Value = Option<Vec<u8>>> {
    let exp = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec![
            json!(4_000_000_000_u64),
            json!(1e300),
            json!(-1),
            json!(0.5),
            json!("soon"),
            json!(null),
        ]),
    ];
    let token = prop_oneof![
        3 => exp.prop_map(|exp| Value::from(jwt(&exp))),
        1 => any::<String>().prop_map(Value::from),
        1 => prop::sample::select(vec![json!(null), json!(7), json!([]), json!("")]),
    ];
    let file = (
        prop::option::weighted(0.3, Just(TOKEN_URL)),
        token.clone(),
        prop::option::weighted(0.7, token),
    )
        .prop_map(|(token_url, access, refresh)| {
            let mut file = json!({"url": URL, "api_key": API_KEY, "access_token": access});
            if let Some(url) = token_url {
                file["oauth2_token_url"] = url.into();
            }
            if let Some(refresh) = refresh {
                file["refresh_token"] = refresh;
            }
            serde_json::to_vec_pretty(&file).expect("JSON encodes")
        });
    prop_oneof![
        1 => Just(None),
        4 => file.clone().prop_map(Some),
        3 => edited(file, &[",", "\"", "{", "}", "null", "1e400", "\\u"]).prop_map(Some),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Some),
    ]
}

fn write(path: &Path, bytes: &Option<Vec<u8>>) {
    let _ = std::fs::remove_file(path);
    if let Some(bytes) = bytes {
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("a directory");
        std::fs::write(path, bytes).expect("write a file");
    }
}

#[tokio::test]
async fn any_config_file_and_token_cache_end_in_an_exit_code_not_a_panic() {
    let home = std::env::temp_dir().join(format!("ix-api-cli-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    let config = home.join("config/ix-api/config.toml");
    let cached = home.join("cache/ix-api/default.json");
    let run = (
        config_file(),
        cache_file(),
        prop::sample::select(vec!["status", "token", "login"]),
        any::<bool>(),
        any::<bool>(),
    );
    let mut runner = TestRunner::new_with_rng(
        Config {
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[3; 32]),
    );
    let mut codes: BTreeMap<i32, usize> = BTreeMap::new();
    let mut panics = Vec::new();
    for _ in 0..RUNS {
        let (config_bytes, cache_bytes, command, in_env, oauth2) = run
            .new_tree(&mut runner)
            .expect("the strategies here reject nothing")
            .current();
        write(&config, &config_bytes);
        write(&cached, &cache_bytes);
        let mut ix_api = Command::new(env!("CARGO_BIN_EXE_ix-api"));
        ix_api
            .arg(command)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env_remove("IX_API_URL")
            .env_remove("IX_API_HOST")
            .env_remove("IX_API_KEY")
            .env_remove("IX_API_SECRET")
            .env_remove("IX_API_PROFILE")
            .env_remove("IX_API_AUTH")
            .env_remove("IX_API_OAUTH2_TOKEN_URL")
            .env_remove("IX_API_OAUTH2_SCOPES")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        if in_env {
            ix_api.env("IX_API_URL", URL).env("IX_API_KEY", API_KEY);
        }
        if oauth2 {
            ix_api
                .env("IX_API_AUTH", "oauth2")
                .env("IX_API_OAUTH2_TOKEN_URL", TOKEN_URL);
        }
        // Generous: a run takes milliseconds; this bounds a hang.
        let output = tokio::time::timeout(Duration::from_secs(60), ix_api.output())
            .await
            .expect("ix-api ends")
            .expect("ix-api runs");
        let code = output.status.code().unwrap_or(-1);
        *codes.entry(code).or_default() += 1;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if code == 101 || code == -1 || stderr.contains("panicked") {
            panics.push(format!(
                "ix-api {command} (env {in_env}, oauth2 {oauth2}) exit {code}: {stderr}\n  config: {:?}\n  cache: {:?}",
                config_bytes.as_deref().map(String::from_utf8_lossy),
                cache_bytes.as_deref().map(String::from_utf8_lossy),
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&home);
    eprintln!(
        "ix-api with any config and cache: {RUNS} inputs, {} panics (exit codes {codes:?})",
        panics.len()
    );
    assert!(
        panics.is_empty(),
        "{} of {RUNS} runs panicked; the first:\n{}",
        panics.len(),
        panics[..panics.len().min(3)].join("\n")
    );
}
