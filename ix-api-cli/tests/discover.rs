//! Issue 23, "What to build" 2, 7 and 9: bodies from the spec
//! (`--template`, member flags' help), and a command tree a person finds
//! their way in (`get`/`delete`, the id as the first argument, operation
//! flags apart from the global ones, EXAMPLES that exist, completions that
//! work in bash, zsh and fish).

use serde_json::{Value, json};

mod common;

use common::pty::Terminal;
use common::{World, code, json_out, text};

/// An address nothing answers at: a command that tried to call the
/// exchange (or log in) would fail there.
const NOWHERE: &str = "http://127.0.0.1:9";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_prints_the_bodys_skeleton_and_sends_nothing() {
    let world = World::new("template").await.at(NOWHERE);
    let output = world
        .run(&["connections", "create", "--template"], true)
        .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let skeleton = json_out(&output);
    assert_eq!(skeleton["managing_account"], "<required: string>");
    assert_eq!(
        skeleton["mode"],
        "<required: one of lag_lacp, lag_static, flex_ethernet, standalone>"
    );
    assert_eq!(
        skeleton["purchase_order"],
        "<optional: string, at most 80 characters>"
    );
    assert_eq!(skeleton["role_assignments"], json!(["<required: string>"]));
    // Required members first, as a person fills them in.
    let shown = text(&output.stdout);
    assert!(
        shown.find("\"mode\"").unwrap() < shown.find("\"purchase_order\"").unwrap(),
        "{shown}"
    );
    // An update, which also takes an id, needs none for its template.
    let output = world
        .run(&["connections", "partial-update", "--template"], false)
        .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    assert!(json_out(&output).get("purchase_order").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polymorphic_body_has_a_template_per_type() {
    let world = World::new("template-types").await.at(NOWHERE);
    let output = world
        .run(&["network-service-configs", "create", "--template"], false)
        .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let all = json_out(&output);
    let types: Vec<&String> = all.as_object().unwrap().keys().collect();
    assert_eq!(
        types,
        ["cloud_vc", "exchange_lan", "mp2mp_vc", "p2mp_vc", "p2p_vc"]
    );
    for (kind, skeleton) in all.as_object().unwrap() {
        assert_eq!(skeleton["type"], kind.as_str());
    }

    let output = world
        .run(
            &[
                "network-service-configs",
                "create",
                "--template",
                "exchange_lan",
            ],
            false,
        )
        .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let one = json_out(&output);
    assert_eq!(one, all["exchange_lan"]);
    assert_eq!(one["asns"], json!(["<required: integer, 0 to 4294967295>"]));
    // A nested object is a skeleton too.
    assert_eq!(one["vlan_config"]["vlan"], "<required: integer, 1 to 4094>");

    let output = world
        .run(
            &["network-service-configs", "create", "--template", "lan"],
            false,
        )
        .await;
    assert_eq!(code(&output), 2);
    assert!(output.stdout.is_empty());
    let said = text(&output.stderr);
    for kind in ["cloud_vc", "exchange_lan", "p2p_vc"] {
        assert!(said.contains(kind), "{said}");
    }
}

/// A placeholder left in a body would go out as a string: it is refused,
/// by name, before anything is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_still_holding_placeholders_is_refused_by_member() {
    let world = World::new("template-left").await;
    let output = world
        .run(&["connections", "create", "--template"], false)
        .await;
    let mut body = json_out(&output);
    let accounts = json_out(&world.run(&["accounts", "list"], true).await);
    let account = accounts[0]["id"].as_str().unwrap().to_string();
    for member in ["managing_account", "consuming_account", "billing_account"] {
        body[member] = Value::String(account.clone());
    }
    body["role_assignments"] = json!([]);
    let file = world.home.join("body.json");
    std::fs::write(&file, body.to_string()).unwrap();
    let before = json_out(&world.run(&["connections", "list"], true).await);

    let output = world
        .run(
            &["connections", "create", "--json", file.to_str().unwrap()],
            true,
        )
        .await;
    assert_eq!(code(&output), 2, "{}", text(&output.stderr));
    assert!(output.stdout.is_empty());
    let said = text(&output.stderr);
    for member in [
        "mode",
        "purchase_order",
        "speed",
        "subscriber_side_demarcs[0]",
    ] {
        assert!(said.contains(member), "{member}: {said}");
    }
    assert!(!said.contains("managing_account"), "{said}");
    let after = json_out(&world.run(&["connections", "list"], true).await);
    assert_eq!(before, after, "nothing was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_id_may_come_first_and_read_and_destroy_have_their_usual_names() {
    let world = World::new("positional-id").await;
    let accounts = json_out(&world.run(&["accounts", "list"], true).await);
    let id = accounts[0]["id"].as_str().unwrap();
    let by_flag = world.run(&["accounts", "read", "--id", id], true).await;
    assert_eq!(code(&by_flag), 0, "{}", text(&by_flag.stderr));
    let positional = world.run(&["accounts", "read", id], true).await;
    assert_eq!(code(&positional), 0, "{}", text(&positional.stderr));
    assert_eq!(json_out(&positional), json_out(&by_flag));
    let get = world.run(&["accounts", "get", id], true).await;
    assert_eq!(code(&get), 0, "{}", text(&get.stderr));
    assert_eq!(json_out(&get), json_out(&by_flag));

    let both = world.run(&["accounts", "read", id, "--id", id], true).await;
    assert_eq!(code(&both), 2);
    assert!(text(&both.stderr).contains("cannot be used with"));
    let neither = world.run(&["accounts", "read"], true).await;
    assert_eq!(code(&neither), 2);
    assert!(
        text(&neither.stderr).contains("<ID>"),
        "{}",
        text(&neither.stderr)
    );

    let help = world.run(&["connections", "delete", "--help"], false).await;
    assert_eq!(code(&help), 0);
    assert!(text(&help.stdout).contains("Usage: ix-api connections destroy"));
    let verbs = text(&world.run(&["connections", "--help"], false).await.stdout);
    assert!(verbs.contains("[alias: get]"), "{verbs}");
    assert!(verbs.contains("[alias: delete]"), "{verbs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_flags_say_what_the_spec_says_and_global_flags_stand_apart() {
    let world = World::new("member-help").await;
    let output = world.run(&["connections", "create", "--help"], false).await;
    assert_eq!(code(&output), 0);
    let help = text(&output.stdout);
    let (own, global) = help.split_once("Global options:").expect(&help);
    for (flag, said) in [
        (
            "--mode",
            "required: one of lag_lacp, lag_static, flex_ethernet, standalone",
        ),
        ("--managing-account", "required: string"),
        (
            "--purchase-order",
            "optional: string, at most 80 characters",
        ),
        ("--speed", "optional: integer, at least 0, or null"),
        ("--template", "skeleton"),
    ] {
        let at = own.find(&format!("      {flag}")).expect(flag);
        let next = own[at..].find("\n      --").map_or(own.len(), |n| at + n);
        assert!(own[at..next].contains(said), "{flag}: {}", &own[at..next]);
    }
    assert!(!own.contains("--url"), "{own}");
    for flag in ["--url", "--api-key", "--profile", "--verbose"] {
        assert!(global.contains(flag), "{flag}: {global}");
    }
}

/// The `$ ix-api ...` lines of each resource's EXAMPLES, as words.
async fn examples(world: &World) -> Vec<Vec<String>> {
    let top = text(&world.run(&["--help"], false).await.stdout);
    let commands = top
        .split("Commands:")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect::<Vec<_>>();
    let mut found = Vec::new();
    for command in commands {
        let help = text(&world.run(&[&command, "--help"], false).await.stdout);
        let Some(section) = help.split("Examples:\n").nth(1) else {
            continue;
        };
        for line in section.lines() {
            if let Some(example) = line.trim().strip_prefix("$ ix-api ") {
                // Up to a redirection: the shell's, not ix-api's.
                let words = example.split(['>', '|']).next().unwrap();
                found.push(words.split_whitespace().map(String::from).collect());
            }
        }
    }
    found
}

/// Every example the help shows is a command line the real command tree
/// accepts: run with no secret at hand, each gets as far as logging in
/// (exit 3), or prints a template (exit 0); a usage error is exit 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_the_help_shows_is_a_command_that_exists() {
    let world = World::new("examples").await;
    let examples = examples(&world).await;
    assert!(examples.len() > 40, "{examples:?}");
    for verb in ["list", "read", "delete", "partial-update"] {
        assert!(
            examples.iter().any(|words| words[1] == verb),
            "{verb}: {examples:?}"
        );
    }
    assert!(
        examples
            .iter()
            .any(|words| words.contains(&"--wait".into()))
    );
    assert!(
        examples
            .iter()
            .any(|words| words.contains(&"--template".into()))
    );
    for words in &examples {
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let output = world.run(&args, false).await;
        let expected = if words.contains(&"--template".to_string()) {
            0
        } else {
            3
        };
        assert_eq!(
            code(&output),
            expected,
            "ix-api {}: {}",
            words.join(" "),
            text(&output.stderr)
        );
    }
}

/// The completion script of `shell`, in a file of the world's home.
async fn script(world: &World, shell: &str, file: &str) -> std::path::PathBuf {
    let output = world.run(&["completions", shell], false).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let dir = world.home.join("completions");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, &output.stdout).unwrap();
    path
}

/// fish completes a command line with `complete -C`, as it does at a TAB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fish_completes_below_the_top_level() {
    let world = World::new("fish-completion").await;
    let script = script(&world, "fish", "ix-api.fish").await;
    let complete = |line: &'static str| {
        let script = script.clone();
        async move {
            let output = tokio::process::Command::new("fish")
                .args(["--no-config", "-c"])
                .arg(format!("source $SCRIPT; or exit 9; complete -C '{line}'"))
                .env("SCRIPT", &script)
                .output()
                .await
                .expect("fish is installed (.ci/run installs it)");
            assert_eq!(code(&output), 0, "{}", text(&output.stderr));
            text(&output.stdout)
                .lines()
                .map(|line| line.split('\t').next().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let top = complete("ix-api con").await;
    assert!(top.contains(&"connections".to_string()), "{top:?}");
    let verbs = complete("ix-api connections ").await;
    for verb in ["list", "create", "read", "get", "delete", "loa-download"] {
        assert!(verbs.contains(&verb.to_string()), "{verb}: {verbs:?}");
    }
    let flags = complete("ix-api connections list --").await;
    assert!(
        flags.contains(&"--consuming-account".to_string()),
        "{flags:?}"
    );
    assert!(
        !flags.contains(&"--purchase-order".to_string()),
        "{flags:?}"
    );
    let flags = complete("ix-api connections create --pur").await;
    assert_eq!(flags, ["--purchase-order"], "{flags:?}");
    let deeper = complete("ix-api network-service-configs partial-update --").await;
    assert!(deeper.contains(&"--json".to_string()), "{deeper:?}");
}

/// zsh completes only in its line editor: an interactive zsh on a
/// pseudo-terminal, with the script in its `fpath` as the README says,
/// is typed at.
#[test]
fn zsh_completes_below_the_top_level() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let world = runtime.block_on(World::new("zsh-completion"));
    let script = runtime.block_on(script(&world, "zsh", "_ix-api"));
    let zdotdir = world.home.join("zdotdir");
    std::fs::create_dir_all(&zdotdir).unwrap();
    std::fs::write(
        zdotdir.join(".zshrc"),
        format!(
            "fpath=({} $fpath)\nautoload -Uz compinit && compinit -u -d {}/.zcompdump\n\
             LISTMAX=10000\nPROMPT='zsh> '\n",
            script.parent().unwrap().display(),
            zdotdir.display()
        ),
    )
    .unwrap();
    let mut command = std::process::Command::new("zsh");
    command
        .arg("-i")
        .env("ZDOTDIR", &zdotdir)
        .env("TERM", "dumb")
        .env_remove("IX_API_SECRET");
    let mut zsh = Terminal::start(command, 200);
    zsh.expect("zsh> ");
    // `echo done-$((n+1))` shows `done-N` only once it has run, so each
    // step waits for the one before.
    let mut step = 0;
    let mut complete = |zsh: &mut Terminal, line: &str, shown: &[&str]| {
        zsh.send(line);
        zsh.send("\t");
        for text in shown {
            zsh.expect(text);
        }
        step += 1;
        // Ctrl-U empties the line, in the order zsh reads what is typed.
        zsh.send("\x15");
        zsh.send(&format!("echo done-$(({step}+1000))\r"));
        zsh.expect(&format!("done-{}", step + 1000));
    };
    complete(&mut zsh, "ix-api conn", &["ix-api connections "]);
    complete(
        &mut zsh,
        "ix-api connections ",
        &["loa-download", "partial-update", "cancellation-policy-read"],
    );
    complete(
        &mut zsh,
        "ix-api connections list --",
        &["--consuming-account", "--external-ref"],
    );
    complete(
        &mut zsh,
        "ix-api connections create --pur",
        &["--purchase-order"],
    );
    zsh.send("exit\r");
    let (exit, _) = zsh.finish();
    assert_eq!(exit, 0);
}
