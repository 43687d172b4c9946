//! The `ix-api` binary against the sandbox on 127.0.0.1: login, token,
//! status and logout; generated subcommands; twenty processes at expiry;
//! file modes; a corrupt cache; secrets kept out of argv and output.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};

mod common;
#[cfg(unix)]
use common::mode;
use common::{World, code, expired_jwt, hour_jwt, json_out, text};

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

/// Defect 2 of issue 23: `ix-api status | head -1` and the like panicked
/// (exit 101). The pipe's reading end is closed before the process starts,
/// so every write meets a closed pipe, whatever the scheduling.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_the_command_quietly() {
    let world = World::new("closed-pipe").await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);
    for args in [
        &["status"][..],
        &["token"],
        &["completions", "bash"],
        &["completions", "zsh"],
        &["facilities", "list"],
        &["api", "GET", "/implementation"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = world
            .command(args, false)
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .output()
            .await
            .unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(code(&output), 0, "{args:?}: {stderr}");
        assert!(!stderr.contains("panic"), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: nothing to say: {stderr}");
    }
}

/// Defect 3 of issue 23: a `config.toml` holding `api_secret = "..."` made
/// every command echo that line, secret included. Whatever the file holds,
/// the value of a secret-like key appears on neither stdout nor stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_error_never_shows_a_secret() {
    let world = World::new("config-secret").await;
    let config = world.home.join("config/ix-api");
    std::fs::create_dir_all(&config).unwrap();
    let value = "S3cr3t-Value-9f8e7d";
    let files = [
        format!("[profiles.default]\napi_key = \"k\"\napi_secret = \"{value}\"\n"),
        format!("[profiles.noc]\napi_secret = \"{value}\"\n"),
        format!("[profiles.default]\npassword = \"{value}\"\n"),
        format!("[profiles.default]\naccess_token = \"{value}\"\nrefresh_token = \"{value}\"\n"),
        format!("[profiles.default]\nclient_secret = \"{value}\"\n"),
        // Broken TOML on the secret's own line, and in an inline table.
        format!("[profiles.default]\napi_secret = \"{value}\n"),
        format!("profiles = {{ default = {{ api_secret = \"{value}\", url = }} }}\n"),
        format!("[profiles.default]\napi_secret = {value}\n"),
    ];
    for file in &files {
        std::fs::write(config.join("config.toml"), file).unwrap();
        for args in [&["status"][..], &["token"], &["facilities", "list"]] {
            let output = world.run(args, true).await;
            let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
            assert_eq!(code(&output), 2, "{file}: {stderr}");
            assert!(stderr.contains("config.toml"), "{stderr}");
            for shown in [&stdout, &stderr] {
                assert!(!shown.contains(value), "{file} {args:?}: {shown}");
                assert!(!shown.contains("S3cr3t"), "{file} {args:?}: {shown}");
            }
        }
    }
    // `api_secret` in a profile says what to do instead.
    std::fs::write(config.join("config.toml"), &files[1]).unwrap();
    let output = world.run(&["--profile", "noc", "status"], false).await;
    let stderr = text(&output.stderr);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(
        stderr.contains("profiles.noc.api_secret")
            && stderr.contains("secret_file")
            && stderr.contains("IX_API_SECRET"),
        "{stderr}"
    );
}

/// Defect 7 of issue 23: `secret_file = "~/x"` was not expanded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_file_under_the_home_directory() {
    let world = World::new("tilde").await;
    let config = world.home.join("config/ix-api");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(world.home.join("exchange.secret"), world.secret()).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[profiles.default]\nsecret_file = \"~/exchange.secret\"\n",
    )
    .unwrap();
    let login = world
        .command(&["login"], false)
        .env("HOME", &world.home)
        .output()
        .await
        .unwrap();
    assert_eq!(code(&login), 0, "{}", text(&login.stderr));
    // The flag too, where no shell expanded it.
    std::fs::write(config.join("config.toml"), "").unwrap();
    let login = world
        .command(&["login", "--secret-file=~/exchange.secret"], false)
        .env("HOME", &world.home)
        .output()
        .await
        .unwrap();
    assert_eq!(code(&login), 0, "{}", text(&login.stderr));
}

/// Defect 1 of issue 23: with `--json`, member flags were ignored, and
/// unknown members dropped. Now they merge (the flags win), unknown members
/// are refused by name and missing required members listed at once, before
/// the operation is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_flags_and_json_merge_and_nothing_is_dropped() {
    let world = World::new("merge").await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);
    let accounts = json_out(&world.run(&["accounts", "list"], false).await);
    let account = accounts[0]["id"].as_str().unwrap().to_string();
    let offerings = json_out(&world.run(&["product-offerings", "list"], false).await);
    let offering = offerings
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "connection")
        .expect("an offering of connections")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let role = json_out(&world.run(&["role-assignments", "list"], false).await)[0]["id"].clone();
    let connections = || async {
        json_out(&world.run(&["connections", "list"], false).await)
            .as_array()
            .unwrap()
            .len()
    };
    let before = connections().await;

    // `--json` with flags: the flags win and add.
    let order = json!({
        "managing_account": account, "consuming_account": account,
        "billing_account": account, "role_assignments": [role],
        "mode": "lag_lacp", "product_offering": offering, "port_quantity": 1,
        "purchase_order": "PO-1",
    });
    let created = world
        .run_with_stdin(
            &[
                "connections",
                "create",
                "--json",
                "-",
                "--purchase-order",
                "PO-77",
                "--port-quantity",
                "2",
            ],
            order.to_string(),
        )
        .await;
    assert_eq!(code(&created), 0, "{}", text(&created.stderr));
    let connection = json_out(&created);
    assert_eq!(connection["purchase_order"], "PO-77");
    let id = connection["id"].as_str().unwrap();
    let reservations = json_out(
        &world
            .run(&["port-reservations", "list", "--connection", id], false)
            .await,
    );
    assert_eq!(reservations.as_array().unwrap().len(), 2, "{reservations}");

    // An unknown member is refused by name, before anything is sent.
    let mut unknown = order.clone();
    unknown["purchase_ordr"] = json!("PO-2");
    let refused = world
        .run_with_stdin(
            &["connections", "create", "--json", "-"],
            unknown.to_string(),
        )
        .await;
    assert_eq!(code(&refused), 2, "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("purchase_ordr"),
        "{}",
        text(&refused.stderr)
    );
    assert!(refused.stdout.is_empty());

    // Missing required members: all of them at once, with their types.
    let missing = world
        .run(
            &["connections", "create", "--managing-account", &account],
            false,
        )
        .await;
    let stderr = text(&missing.stderr);
    assert_eq!(code(&missing), 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for member in [
        "billing_account (string)",
        "consuming_account (string)",
        "mode (one of ",
        "role_assignments (array)",
    ] {
        assert!(stderr.contains(member), "{member}: {stderr}");
    }
    assert!(!stderr.contains("managing_account ("), "{stderr}");
    assert!(stderr.contains("lag_lacp"), "the mode's values: {stderr}");
    assert_eq!(connections().await, before + 1, "only the first was sent");

    // `connections update` (whose body has members without flags) works
    // from flags and a partial --json.
    let update = json!({
        "managing_account": account, "consuming_account": account,
        "billing_account": account, "role_assignments": [role],
        "mode": "lag_lacp", "purchase_order": "PO-1",
    });
    let updated = world
        .run_with_stdin(
            &[
                "connections",
                "update",
                "--id",
                id,
                "--json",
                "-",
                "--purchase-order",
                "PO-88",
            ],
            update.to_string(),
        )
        .await;
    assert_eq!(code(&updated), 0, "{}", text(&updated.stderr));
    assert_eq!(json_out(&updated)["purchase_order"], "PO-88");
}

/// Defect 7 of issue 23: `status` asks the exchange whether it accepts the
/// access token; with both tokens expired, `status` and a call give the
/// same advice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_asks_the_exchange_and_expired_tokens_get_one_advice() {
    let world = World::new("status-asks").await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);
    let status = world.run(&["status"], false).await;
    assert_eq!(code(&status), 0, "{}", text(&status.stderr));
    assert!(
        text(&status.stdout).contains("exchange:      accepts the access token"),
        "{}",
        text(&status.stdout)
    );
    let implementation_reads = world.sandbox.counts();

    // A token the exchange never issued, valid by its own `exp`.
    let file = world.cache_dir().join("default.json");
    let mut cached: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let good = cached.clone();
    cached["access_token"] = json!(hour_jwt("nobody"));
    std::fs::write(&file, cached.to_string()).unwrap();
    let status = world.run(&["status"], false).await;
    assert_eq!(code(&status), 3, "{}", text(&status.stderr));
    assert!(
        text(&status.stdout).contains("exchange:      refuses the access token"),
        "{}",
        text(&status.stdout)
    );
    let counts = world.sandbox.counts();
    assert_eq!(
        (counts.logins, counts.refreshes),
        (implementation_reads.logins, implementation_reads.refreshes),
        "status renews nothing"
    );

    // Both tokens expired: the same advice from status and from a call.
    let mut expired = good.clone();
    expired["access_token"] = json!(expired_jwt());
    expired["refresh_token"] = json!(expired_jwt());
    std::fs::write(&file, expired.to_string()).unwrap();
    let status = world.run(&["status"], false).await;
    let call = world.run(&["facilities", "list"], false).await;
    assert_eq!((code(&status), code(&call)), (3, 3));
    let (said, also) = (text(&status.stderr), text(&call.stderr));
    assert!(
        said.contains("run ix-api login") && said.contains("IX_API_SECRET"),
        "{said}"
    );
    assert_eq!(said, also);
}

/// Defect 7 of issue 23: a token cache that cannot be written (here its
/// directory is a file, which fails for root too) was "invalid session
/// configuration"; now it is said, and the command works without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_cache_is_said_and_the_command_works_without_it() {
    let world = World::new("unusable-cache").await;
    std::fs::create_dir_all(world.home.join("cache")).unwrap();
    std::fs::write(world.cache_dir(), "not a directory").unwrap();
    let list = world.run(&["facilities", "list"], true).await;
    let said = text(&list.stderr);
    assert_eq!(code(&list), 0, "{said}");
    assert!(json_out(&list).is_array());
    assert!(!said.contains("invalid session configuration"), "{said}");
    assert!(
        said.contains("token cache") && said.contains("without it"),
        "{said}"
    );
    let token = world.run(&["token"], true).await;
    assert_eq!(code(&token), 0, "{}", text(&token.stderr));
    assert_eq!(text(&token.stdout).trim().split('.').count(), 3);
}

/// Defect 4 of issue 23: bash completion stopped at the top level. The
/// generated script is run in bash, as bash runs it on <TAB>.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bash_completes_below_the_top_level() {
    let world = World::new("bash-completion").await;
    let output = world.run(&["completions", "bash"], false).await;
    assert_eq!(code(&output), 0);
    let script = world.home.join("ix-api.bash");
    std::fs::write(&script, &output.stdout).unwrap();
    // `complete -p` names the function; it is called as bash calls it:
    // COMP_WORDS, COMP_CWORD, and (command, word, previous word).
    let complete = |words: &'static str| {
        let script = script.clone();
        async move {
            let program = format!(
                r#"source "$SCRIPT" || exit 9
function=$(complete -p ix-api | sed -E 's/.*-F ([^ ]+) .*/\1/')
[ -n "$function" ] || exit 8
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
"$function" ix-api "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
            );
            let output = tokio::process::Command::new("bash")
                .arg("--norc")
                .arg("-c")
                .arg(program)
                .env("SCRIPT", &script)
                .output()
                .await
                .unwrap();
            assert_eq!(code(&output), 0, "{}", text(&output.stderr));
            text(&output.stdout)
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        }
    };
    let top = complete(r#"ix-api con"#).await;
    assert!(top.contains(&"connections".to_string()), "{top:?}");
    let verbs = complete(r#"ix-api connections """#).await;
    for verb in ["list", "create", "read", "loa-download"] {
        assert!(verbs.contains(&verb.to_string()), "{verb}: {verbs:?}");
    }
    let flags = complete(r#"ix-api connections create --pur"#).await;
    assert_eq!(flags, ["--purchase-order"], "{flags:?}");
    let deeper = complete(r#"ix-api network-service-configs partial-update --"#).await;
    assert!(deeper.contains(&"--json".to_string()), "{deeper:?}");
}

/// Defect 5 of issue 23: the README named commands that do not exist.
/// Every `ix-api ...` command line shown in the READMEs (code blocks and
/// inline code) is run with `--help`: its subcommands must exist, and each
/// flag it shows must be in that help.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_the_readmes_show_exists() {
    let world = World::new("readme-commands").await;
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut shown = Vec::new();
    for readme in [manifest.join("README.md"), manifest.join("../README.md")] {
        let text = std::fs::read_to_string(&readme).unwrap();
        let mut prose = String::new();
        let mut fenced = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                continue;
            }
            if fenced {
                shown.extend(command_lines(line));
            } else {
                prose.push_str(line);
                prose.push('\n');
            }
        }
        // Inline code: every other piece between backticks, its line
        // breaks as spaces.
        for span in prose.split('`').skip(1).step_by(2) {
            let span = span.replace('\n', " ");
            if span.trim_start().starts_with("ix-api ") {
                shown.extend(command_lines(&span));
            }
        }
    }
    assert!(shown.len() > 20, "found the README's commands: {shown:?}");
    assert!(
        shown
            .iter()
            .any(|(words, _)| words == &["network-services", "change-request-create"]),
        "{shown:?}"
    );
    for (words, flags) in &shown {
        let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
        args.push("--help");
        let output = world.run(&args, false).await;
        let help = text(&output.stdout);
        assert_eq!(
            code(&output),
            0,
            "ix-api {words:?}: {}",
            text(&output.stderr)
        );
        for flag in flags {
            assert!(
                help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
                "ix-api {} has no {flag}",
                words.join(" ")
            );
        }
    }
}

/// The `ix-api` command lines in a piece of text: the words naming the
/// subcommand (until a flag or a placeholder), and the flags shown.
fn command_lines(text: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("ix-api ") {
        if text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '-' || c == '/') {
            continue;
        }
        let rest = &text[at + "ix-api ".len()..];
        let end = rest
            .find(['|', '>', '<', ')', '#', ';', '`'])
            .unwrap_or(rest.len());
        let mut words = Vec::new();
        let mut flags = Vec::new();
        let mut in_flags = false;
        for word in rest[..end].split_whitespace() {
            if word.starts_with("--") {
                in_flags = true;
                let flag = word.split('=').next().unwrap_or(word);
                if flag.len() > 2
                    && flag[2..]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                {
                    flags.push(flag.to_string());
                }
            } else if !in_flags
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !word.starts_with('-')
            {
                words.push(word.to_string());
            } else {
                in_flags = true;
            }
        }
        found.push((words, flags));
    }
    found
}

/// Defect 8 of issue 23: the sandbox's validation reasons were printed
/// twice (in `detail` and per member). Each reason is printed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_validation_reason_is_printed_once() {
    let world = World::new("reasons-once").await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);
    let refused = world
        .run(
            &[
                "contacts",
                "create",
                "--managing-account",
                "999",
                "--consuming-account",
                "998",
                "--name",
                "NOC",
            ],
            false,
        )
        .await;
    let line = text(&refused.stderr);
    assert_eq!(code(&refused), 1, "{line}");
    assert_eq!(line.lines().count(), 1, "{line}");
    for reason in [
        "managing_account: no object /accounts/999",
        "consuming_account: no object /accounts/998",
        "/accounts/999",
        "/accounts/998",
    ] {
        assert_eq!(line.matches(reason).count(), 1, "{reason} once: {line}");
    }
}

/// The terminal tests' own check: a program started on the
/// pseudo-terminal sees a terminal on all three standard streams.
#[test]
fn the_test_terminal_is_a_terminal() {
    let mut command = std::process::Command::new("sh");
    command.args([
        "-c",
        "test -t 0 && test -t 1 && test -t 2 && echo on a terminal",
    ]);
    let terminal = common::pty::Terminal::start(command, 100);
    terminal.expect("on a terminal");
    let (code, _) = terminal.finish();
    assert_eq!(code, 0);
}
