//! The `ix-api` binary against the sandbox on 127.0.0.1: login, token,
//! status and logout; generated subcommands; twenty processes at expiry;
//! file modes; a corrupt cache; secrets kept out of argv and output.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};

mod common;
#[cfg(unix)]
use common::mode;
use common::{World, code, expired_jwt, json_out, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_token_status_logout() {
    let world = World::new("round-trip").await;
    let login = world.run(&["login"], true).await;
    assert_eq!(code(&login), 0, "{}", text(&login.stderr));
    assert!(text(&login.stderr).contains("Logged in"));
    assert_eq!(world.sandbox.counts().logins, 1);

    // The cached token serves without a request, and without the secret.
    let token = world.run(&["token"], false).await;
    assert_eq!(code(&token), 0, "{}", text(&token.stderr));
    let access = text(&token.stdout).trim().to_string();
    assert_eq!(access.split('.').count(), 3, "a JWT: {access}");
    let again = world.run(&["token"], false).await;
    assert_eq!(text(&again.stdout).trim(), access);
    let counts = world.sandbox.counts();
    assert_eq!((counts.logins, counts.refreshes), (1, 0));

    // The token works for curl-like use.
    let implementation: Value = reqwest::Client::new()
        .get(format!("{}/implementation", world.sandbox.base_url()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        implementation["schema_version"],
        ix_api_client::spec::SCHEMA_VERSION
    );

    let status = world.run(&["status"], false).await;
    assert_eq!(code(&status), 0);
    let shown = text(&status.stdout);
    assert!(
        shown.contains(world.sandbox.base_url()) && shown.contains("valid for"),
        "{shown}"
    );
    assert!(!shown.contains(&access), "status shows no token");

    #[cfg(unix)]
    {
        assert_eq!(mode(&world.cache_dir().join("default.json")), 0o600);
        assert_eq!(mode(&world.cache_dir().join("default.lock")), 0o600);
        assert_eq!(mode(&world.cache_dir()), 0o700);
    }

    let logout = world.run(&["logout"], false).await;
    assert_eq!(code(&logout), 0);
    assert!(!world.cache_dir().join("default.json").exists());
    let status = world.run(&["status"], false).await;
    assert_eq!(code(&status), 3, "not logged in");
    // Without a secret there is nothing to log in with: authentication.
    let token = world.run(&["token"], false).await;
    assert_eq!(code(&token), 3, "{}", text(&token.stderr));
    assert!(text(&token.stderr).contains("IX_API_SECRET"));
    assert_eq!(world.sandbox.counts().logins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_subcommands_call_the_exchange() {
    let world = World::new("operations").await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);

    let facilities = world.run(&["facilities", "list"], false).await;
    assert_eq!(code(&facilities), 0, "{}", text(&facilities.stderr));
    let all = json_out(&facilities);
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert_eq!(
        text(&facilities.stdout).lines().count(),
        1,
        "compact when piped"
    );
    let two = format!(
        "{},{}",
        all[0]["id"].as_str().unwrap(),
        all[2]["id"].as_str().unwrap()
    );
    let some = world
        .run(&["facilities", "list", "--id", &two], false)
        .await;
    assert_eq!(json_out(&some).as_array().unwrap().len(), 2);

    let created = world
        .run(
            &[
                "contacts",
                "create",
                "--managing-account",
                "2",
                "--consuming-account",
                "2",
                "--name",
                "CLI NOC",
            ],
            false,
        )
        .await;
    assert_eq!(code(&created), 0, "{}", text(&created.stderr));
    let id = json_out(&created)["id"].as_str().unwrap().to_string();

    let patched = world
        .run_with_stdin(
            &["contacts", "partial-update", "--id", &id, "--json", "-"],
            &json!({"email": "noc@cli.example"}).to_string(),
        )
        .await;
    assert_eq!(code(&patched), 0, "{}", text(&patched.stderr));
    let read = json_out(&world.run(&["contacts", "read", "--id", &id], false).await);
    assert_eq!(
        (read["name"].as_str(), read["email"].as_str()),
        (Some("CLI NOC"), Some("noc@cli.example"))
    );

    let body = world.home.join("mac.json");
    std::fs::write(
        &body,
        json!({"managing_account": "2", "consuming_account": "2", "address": "02:00:5e:00:00:01"})
            .to_string(),
    )
    .unwrap();
    let mac = world
        .run(&["macs", "create", "--json", body.to_str().unwrap()], false)
        .await;
    assert_eq!(code(&mac), 0, "{}", text(&mac.stderr));
    let mac_id = json_out(&mac)["id"].as_str().unwrap().to_string();
    assert_eq!(
        code(
            &world
                .run(&["macs", "destroy", "--id", &mac_id], false)
                .await
        ),
        0
    );

    // The exchange says no: exit 1, one readable line on stderr.
    let refused = world
        .run(
            &[
                "contacts",
                "create",
                "--managing-account",
                "999",
                "--consuming-account",
                "2",
            ],
            false,
        )
        .await;
    assert_eq!(code(&refused), 1);
    let line = text(&refused.stderr);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.starts_with("ix-api: validation-error") && line.contains("managing_account"),
        "{line}"
    );
    let missing = world
        .run(&["contacts", "read", "--id", "424242"], false)
        .await;
    assert_eq!(code(&missing), 1);
    assert!(text(&missing.stderr).contains("not-found"));

    // Usage errors: exit 2.
    assert_eq!(code(&world.run(&["contacts", "read"], false).await), 2);
    let unreadable = world
        .run(&["macs", "create", "--json", "/nonexistent.json"], false)
        .await;
    assert_eq!(code(&unreadable), 2, "{}", text(&unreadable.stderr));
    // One login for all of it.
    assert_eq!(world.sandbox.counts().logins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_processes_at_expiry_send_one_refresh() {
    let world = World::new("twenty").await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);
    // The access token has expired; the refresh token is good.
    let file = world.cache_dir().join("default.json");
    let mut cached: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    cached["access_token"] = json!(expired_jwt());
    std::fs::write(&file, cached.to_string()).unwrap();

    let processes: Vec<_> = (0..20)
        .map(|_| {
            world
                .command(&["token"], false)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut printed = Vec::new();
    for process in processes {
        let output = process.wait_with_output().await.unwrap();
        assert_eq!(code(&output), 0, "{}", text(&output.stderr));
        printed.push(text(&output.stdout).trim().to_string());
    }
    let counts = world.sandbox.counts();
    assert_eq!(
        (counts.refreshes, counts.logins),
        (1, 1),
        "one refresh between them"
    );
    assert!(printed.iter().all(|t| *t == printed[0]), "the same token");
    assert_ne!(printed[0], expired_jwt());
    let status = reqwest::Client::new()
        .get(format!("{}/implementation", world.sandbox.base_url()))
        .bearer_auth(&printed[0])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200, "and it is valid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_left_by_a_killed_process_does_not_block() {
    let world = World::new("stale-lock").await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);
    let file = world.cache_dir().join("default.json");
    let mut cached: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    cached["access_token"] = json!(expired_jwt());
    std::fs::write(&file, cached.to_string()).unwrap();
    // Another process takes the lock and is killed holding it.
    let lock = world.cache_dir().join("default.lock");
    // `--close`: flock(1) itself holds the lock, not the command it runs.
    let mut holder = std::process::Command::new("flock")
        .arg("--close")
        .arg(&lock)
        .args(["sleep", "613"])
        .spawn()
        .expect("flock(1)");
    // Wait until it holds the lock: a non-blocking attempt fails.
    loop {
        let free = std::process::Command::new("flock")
            .args(["--nonblock", lock.to_str().unwrap(), "true"])
            .status()
            .unwrap()
            .success();
        if !free {
            break;
        }
        tokio::task::yield_now().await;
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
    let _ = std::process::Command::new("pkill")
        .args(["-f", "^sleep 613$"])
        .status();
    let token = tokio::time::timeout(Duration::from_secs(60), world.run(&["token"], false))
        .await
        .expect("not blocked by the dead holder's lock");
    assert_eq!(code(&token), 0, "{}", text(&token.stderr));
    assert_eq!(world.sandbox.counts().refreshes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_cache_means_a_fresh_login_and_nothing_else_lost() {
    let world = World::new("corrupt").await;
    std::fs::create_dir_all(world.cache_dir()).unwrap();
    let other = world.cache_dir().join("other-exchange.json");
    std::fs::write(&other, b"{\"kept\": true}").unwrap();
    std::fs::write(world.cache_dir().join("default.json"), b"\x00garbage{").unwrap();

    let token = world.run(&["token"], true).await;
    assert_eq!(code(&token), 0, "{}", text(&token.stderr));
    let said = text(&token.stderr);
    assert!(
        said.contains("ignoring the token cache") && said.contains("default.json"),
        "{said}"
    );
    assert_eq!(world.sandbox.counts().logins, 1);
    assert_eq!(std::fs::read(&other).unwrap(), b"{\"kept\": true}");
    // The cache is whole again.
    let again = world.run(&["token"], false).await;
    assert_eq!(text(&again.stdout), text(&token.stdout));
    assert_eq!(world.sandbox.counts().logins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_stay_out_of_argv_and_output() {
    let world = World::new("secrets").await;
    let secret = world.secret();
    // There is no way to give the secret on the command line.
    let refused = world.run(&["login", "--api-secret", &secret], false).await;
    assert_eq!(code(&refused), 2);
    assert!(
        !text(&refused.stderr).contains(&secret),
        "not even echoed back"
    );

    // From a file instead, with everything said out loud.
    let file = world.home.join("secret");
    std::fs::write(&file, format!("{secret}\n")).unwrap();
    let file = file.to_str().unwrap();
    let login = world
        .run(&["--verbose", "login", "--secret-file", file], false)
        .await;
    assert_eq!(code(&login), 0, "{}", text(&login.stderr));
    let cached: Value = serde_json::from_str(
        &std::fs::read_to_string(world.cache_dir().join("default.json")).unwrap(),
    )
    .unwrap();
    let tokens = [
        cached["access_token"].as_str().unwrap().to_string(),
        cached["refresh_token"].as_str().unwrap().to_string(),
    ];
    let runs = [
        world.run(&["--verbose", "status"], false).await,
        world.run(&["--verbose", "facilities", "list"], false).await,
        world
            .run(&["--verbose", "contacts", "read", "--id", "424242"], false)
            .await,
        world
            .run(
                &["--verbose", "macs", "create", "--json", "/nonexistent"],
                false,
            )
            .await,
        login,
    ];
    for output in &runs {
        for shown in [text(&output.stdout), text(&output.stderr)] {
            assert!(!shown.contains(&secret), "{shown}");
            for token in &tokens {
                assert!(!shown.contains(token.as_str()), "{shown}");
            }
        }
    }
    // `ix-api token` prints the access token, and only it.
    let token = world.run(&["--verbose", "token"], false).await;
    assert_eq!(text(&token.stdout).trim(), tokens[0]);
    assert!(!text(&token.stderr).contains(&tokens[0]));
    assert!(!text(&token.stdout).contains(&tokens[1]));
}

#[tokio::test]
async fn completions_and_help() {
    let world = World::new("help").await;
    for shell in ["bash", "zsh", "fish"] {
        let output = world.run(&["completions", shell], false).await;
        assert_eq!(code(&output), 0, "{shell}");
        let script = text(&output.stdout);
        assert!(
            script.contains("ix-api") && script.contains("network-service-configs"),
            "{shell}"
        );
    }
    let help = world.run(&["--help"], false).await;
    assert!(text(&help.stdout).contains("Exit codes:"));
    let usage = world.run(&["no-such-command"], false).await;
    assert_eq!(code(&usage), 2);
}
