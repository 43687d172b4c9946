//! What a person at a terminal sees, on a pseudo-terminal: `destroy`'s
//! question, and `--wait`'s progress line, its end and Ctrl-C's advice.
//! Piped, neither appears (the other tests run piped, and pass unchanged).

use std::time::Duration;

use ix_api_sandbox::SandboxConfig;
use serde_json::{Value, json};

mod common;
use common::pty::Terminal;
use common::{World, code, json_out, text};

async fn logged_in(name: &str, provisioning_delay: Duration) -> World {
    let world = World::with(
        name,
        SandboxConfig {
            provisioning_delay,
            ..SandboxConfig::default()
        },
    )
    .await;
    let login = world.run(&["login"], true).await;
    assert_eq!(code(&login), 0, "{}", text(&login.stderr));
    world
}

/// Runs `args` on a terminal, off the test's runtime.
async fn at_terminal<T: Send + 'static>(
    world: &World,
    args: &[&str],
    person: impl FnOnce(&mut Terminal) -> T + Send + 'static,
) -> (i32, String, T) {
    let command = world.std_command(args, false);
    tokio::task::spawn_blocking(move || {
        let mut terminal = Terminal::start(command, 200);
        let seen = person(&mut terminal);
        let (exit, shown) = terminal.finish();
        (exit, shown, seen)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_asks_at_a_terminal_and_no_sends_nothing() {
    let world = logged_in("terminal-destroy", Duration::ZERO).await;
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
    let id = json_out(&mac)["id"].as_str().unwrap().to_string();
    let destroy = ["macs", "destroy", "--id", id.as_str()];
    let question = format!("Decommission mac {id}? [y/N]");

    let asked = question.clone();
    let (exit, shown, _) = at_terminal(&world, &destroy, move |terminal| {
        terminal.expect(&asked);
        terminal.send("n\r");
    })
    .await;
    assert_eq!(exit, 2, "{shown}");
    assert!(shown.contains("not decommissioned"), "{shown}");
    let read = world.run(&["macs", "read", "--id", &id], false).await;
    assert_eq!(
        code(&read),
        0,
        "the mac is still there: {}",
        text(&read.stderr)
    );

    // Anything but y or yes is a no.
    let asked = question.clone();
    let (exit, shown, _) = at_terminal(&world, &destroy, move |terminal| {
        terminal.expect(&asked);
        terminal.send("\r");
    })
    .await;
    assert_eq!(exit, 2, "{shown}");

    let asked = question.clone();
    let (exit, shown, _) = at_terminal(&world, &destroy, move |terminal| {
        terminal.expect(&asked);
        terminal.send("y\r");
    })
    .await;
    assert_eq!(exit, 0, "{shown}");
    let read = world.run(&["macs", "read", "--id", &id], false).await;
    assert_ne!(code(&read), 0, "the mac is gone: {}", text(&read.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_with_yes_or_without_a_terminal_asks_nothing() {
    let world = logged_in("terminal-destroy-yes", Duration::ZERO).await;
    let body = world.home.join("mac.json");
    let mut ids = Vec::new();
    for address in ["02:00:5e:00:00:02", "02:00:5e:00:00:03"] {
        std::fs::write(
            &body,
            json!({"managing_account": "2", "consuming_account": "2", "address": address})
                .to_string(),
        )
        .unwrap();
        let mac = world
            .run(&["macs", "create", "--json", body.to_str().unwrap()], false)
            .await;
        ids.push(json_out(&mac)["id"].as_str().unwrap().to_string());
    }
    let (exit, shown, _) = at_terminal(
        &world,
        &["macs", "destroy", "--id", &ids[0], "--yes"],
        |_| (),
    )
    .await;
    assert_eq!(exit, 0, "{shown}");
    assert!(!shown.contains("Decommission"), "{shown}");
    // Piped, as scripts run it: as before.
    let piped = world
        .run(&["macs", "destroy", "--id", &ids[1]], false)
        .await;
    assert_eq!(code(&piped), 0, "{}", text(&piped.stderr));
    assert!(!text(&piped.stderr).contains("Decommission"));
}

/// A connection order the sandbox accepts, in a file.
async fn order(world: &World) -> String {
    let accounts = json_out(&world.run(&["accounts", "list"], false).await);
    let reseller = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Example Reseller")
        .expect("the reseller")["id"]
        .clone();
    let role = json_out(&world.run(&["role-assignments", "list"], false).await)[0]["id"].clone();
    let offerings = json_out(&world.run(&["product-offerings", "list"], false).await);
    let offering = offerings
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "connection")
        .expect("an offering of connections")["id"]
        .clone();
    let order = json!({
        "managing_account": reseller, "consuming_account": reseller, "billing_account": reseller,
        "role_assignments": [role], "mode": "lag_lacp", "product_offering": offering,
        "port_quantity": 1,
    });
    let file = world.home.join("order.json");
    std::fs::write(&file, order.to_string()).unwrap();
    file.to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_shows_one_updating_line_at_a_terminal_and_clears_it() {
    let world = logged_in("terminal-wait", Duration::from_secs(3)).await;
    let order = order(&world).await;
    let args = [
        "connections",
        "create",
        "--json",
        order.as_str(),
        "--wait",
        "production",
    ];
    let (exit, shown, progress) = at_terminal(&world, &args, |terminal| {
        terminal.expect("Waiting for /connections/");
        terminal.expect("s, state ")
    })
    .await;
    assert_eq!(exit, 0, "{shown}");
    assert!(
        progress.contains("\r\x1b[2KWaiting for /connections/"),
        "{progress:?}"
    );
    assert!(progress.contains("to be production: "), "{progress:?}");
    // Cleared before the object is printed, as it arrived.
    let (_, after) = shown.rsplit_once("\r\x1b[2K").expect("the line is cleared");
    let start = after.find('{').expect("the object");
    let arrived: Value = serde_json::from_str(after[start..].trim()).expect(after);
    assert_eq!(arrived["state"], "production", "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_wait_says_how_to_resume() {
    let world = logged_in("terminal-wait-ctrl-c", Duration::from_secs(3600)).await;
    let order = order(&world).await;
    let args = [
        "connections",
        "create",
        "--json",
        order.as_str(),
        "--wait",
        "production",
    ];
    let (exit, shown, _) = at_terminal(&world, &args, |terminal| {
        terminal.expect("s, state ");
        terminal.send("\x03");
    })
    .await;
    assert_eq!(exit, 130, "{shown}");
    // The connection it created, not yet in production.
    let id = shown
        .split("Waiting for /connections/")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .expect("the progress line names the connection");
    let read = json_out(&world.run(&["connections", "read", "--id", id], false).await);
    assert_ne!(read["state"], "production", "{read}");
    assert!(
        shown.contains(&format!(
            "to resume: ix-api connections read --id {id} --wait production"
        )),
        "{shown}"
    );
    assert!(shown.contains("interrupted while waiting"), "{shown}");
}
