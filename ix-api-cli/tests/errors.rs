//! What `ix-api` says and exits with when things go wrong: error documents
//! as real exchanges write them, a wrong port, `http://` to a remote host,
//! refused credentials; and renewals that processes share (short-lived
//! tokens, a 401 inside a command).

use std::process::Stdio;
use std::time::Duration;

use ix_api_sandbox::SandboxConfig;
use serde_json::{Value, json};

mod common;
use common::{World, code, hour_jwt, scripted, text};

/// An exchange on 127.0.0.1 that logs anyone in and answers everything
/// else with `status`, `content_type` and `body`.
async fn exchange(status: u16, content_type: &'static str, body: String) -> String {
    scripted(move |_| (status, content_type, body.clone()))
        .await
        .0
}

/// `ix-api ARGS` against an exchange answering `status` and `body`.
async fn against(name: &str, status: u16, body: Value, args: &[&str]) -> (i32, String) {
    let url = exchange(status, "application/problem+json", body.to_string()).await;
    let world = World::new(name).await.at(&url);
    let output = world.run(args, true).await;
    (code(&output), text(&output.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_documents_as_exchanges_write_them() {
    let (exit, said) = against(
        "no-type",
        400,
        json!({"title": "Invalid filter", "status": 400, "detail": "state: unknown"}),
        &["contacts", "list"],
    )
    .await;
    assert_eq!(
        (exit, said.trim()),
        (
            1,
            "ix-api: validation-error (400): Invalid filter: state: unknown"
        )
    );

    let (exit, said) = against(
        "detail-list",
        403,
        json!({"type": "https://errors.ix-api.net/v2/permission-denied.html",
               "detail": ["You may not see this account.", "Ask its managing account."]}),
        &["accounts", "read", "--id", "7"],
    )
    .await;
    assert_eq!(
        (exit, said.trim()),
        (
            1,
            "ix-api: permission-denied (403): You may not see this account.; Ask its managing account."
        )
    );

    let (exit, said) = against(
        "nested",
        400,
        json!({
            "type": "https://errors.ix-api.net/v2/validation-error.html",
            "title": "Some fields did not validate.", "status": 400,
            "properties": [{"name": "billing_information",
                            "reason": {"address": {"country": ["This field is required."]}}}],
        }),
        &["contacts", "list"],
    )
    .await;
    assert_eq!(exit, 1, "{said}");
    assert!(
        said.contains("billing_information.address.country: This field is required."),
        "{said}"
    );

    // A 401 without a type: authentication, by its status.
    let (exit, said) = against(
        "unauthorized",
        401,
        json!({"detail": "Token revoked"}),
        &["contacts", "list"],
    )
    .await;
    assert_eq!(exit, 3, "{said}");

    let url = exchange(
        200,
        "application/json",
        json!({"status": "pass", "version": 2}).to_string(),
    )
    .await;
    let world = World::new("health").await.at(&url);
    let health = world.run(&["health", "read"], true).await;
    assert_eq!(code(&health), 0, "{}", text(&health.stderr));
    let read: Value = serde_json::from_slice(&health.stdout).unwrap();
    assert_eq!(read["version"], "2", "read leniently, written as text");

    let url = exchange(502, "text/html", "<html>Bad Gateway</html>".into()).await;
    let world = World::new("gateway").await.at(&url);
    let listed = world.run(&["contacts", "list"], true).await;
    assert_eq!(code(&listed), 4);
    assert_eq!(
        text(&listed.stderr).trim(),
        "ix-api: the exchange: IX-API answered contacts_list with unexpected status 502"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_and_insecure_urls_name_the_command_line_remedies() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let world = World::new("wrong-port")
        .await
        .at(&format!("http://127.0.0.1:{port}/api/v2"));
    let login = world.run(&["login"], true).await;
    assert_eq!(code(&login), 4);
    let said = text(&login.stderr);
    assert!(
        said.contains(&format!("127.0.0.1:{port}"))
            && said.contains("connection refused")
            && said.contains("--url"),
        "{said}"
    );

    let world = World::new("insecure")
        .await
        .at("http://ixp.example.net/api/v2");
    let login = world.run(&["login"], true).await;
    assert_eq!(code(&login), 2);
    let said = text(&login.stderr);
    assert!(
        said.contains("https://") && said.contains("--url"),
        "{said}"
    );
    assert!(!said.contains("allow_insecure_http"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_exit_3() {
    let world = World::new("refused").await;
    let output = world
        .command(&["contacts", "list"], false)
        .env("IX_API_SECRET", "x".repeat(world.secret().len()))
        .output()
        .await
        .unwrap();
    assert_eq!(code(&output), 3, "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("authentication-error (401)"));
}

/// Tokens that live 20 s: the cached one serves until a quarter of its life
/// is left (5 s), not only while 30 s are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_tokens_are_not_renewed_on_every_call() {
    let world = World::with(
        "short-lived",
        SandboxConfig {
            access_ttl: Duration::from_secs(20),
            provisioning_delay: Duration::ZERO,
            ..SandboxConfig::default()
        },
    )
    .await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);
    let first = world.run(&["token"], false).await;
    let second = world.run(&["token"], false).await;
    assert_eq!(code(&second), 0, "{}", text(&second.stderr));
    assert_eq!(text(&first.stdout), text(&second.stdout));
    let counts = world.sandbox.counts();
    assert_eq!((counts.logins, counts.refreshes), (1, 0));
}

/// The cached access token looks fresh but the exchange rejects it: twenty
/// commands at once renew it inside the command, under the profile's lock,
/// with one refresh between them, and leave that pair in the cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_inside_commands_costs_one_refresh_between_processes() {
    let world = World::new("inside").await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);
    let file = world.cache_dir().join("default.json");
    let mut cached: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    // Signed by someone else: fresh by its `exp`, refused by the exchange.
    cached["access_token"] = json!(hour_jwt("forged"));
    std::fs::write(&file, cached.to_string()).unwrap();

    let processes: Vec<_> = (0..20)
        .map(|_| {
            world
                .command(&["facilities", "list"], false)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for process in processes {
        let output = process.wait_with_output().await.unwrap();
        assert_eq!(code(&output), 0, "{}", text(&output.stderr));
        assert_eq!(
            serde_json::from_slice::<Value>(&output.stdout)
                .unwrap()
                .as_array()
                .map(Vec::len),
            Some(3)
        );
    }
    let counts = world.sandbox.counts();
    assert_eq!(
        (counts.logins, counts.refreshes),
        (1, 1),
        "one refresh between them"
    );
    let now: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_ne!(now["access_token"], cached["access_token"]);
    assert_ne!(
        now["refresh_token"], cached["refresh_token"],
        "the refreshed pair is kept"
    );
}
