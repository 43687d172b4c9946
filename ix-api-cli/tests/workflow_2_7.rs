//! The 2.7 workflow through `ix-api` against the sandbox: order a
//! connection, reserve a port for it, upload and download its letter of
//! authorisation byte for byte, and list more than one page.

use std::collections::BTreeSet;

use ix_api_client::{Call, Session, types};
use serde_json::{Value, json};

mod common;
use common::{World, code, json_out, text};

/// Bytes no text round trip survives: a PDF header, NULs, invalid UTF-8,
/// CR LF and a trailing newline.
fn letter() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n".to_vec();
    bytes.extend((0..=255u8).cycle().take(70_000));
    bytes.extend(b"\x00\xff\xfe\n%%EOF\n");
    bytes
}

async fn ok(world: &World, args: &[&str]) -> Value {
    let output = world.run(args, false).await;
    assert_eq!(code(&output), 0, "{args:?}: {}", text(&output.stderr));
    json_out(&output)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_is_reserved_and_its_letter_travels_byte_for_byte() {
    let world = World::new("workflow-2-7").await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);
    let accounts = ok(&world, &["accounts", "list"]).await;
    let reseller = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Example Reseller")
        .expect("the reseller")["id"]
        .clone();
    let role = ok(&world, &["role-assignments", "list"]).await[0]["id"].clone();
    let offerings = ok(&world, &["product-offerings", "list"]).await;
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
    let ordered = world
        .run_with_stdin(
            &[
                "connections",
                "create",
                "--json",
                "-",
                "--wait",
                "production",
            ],
            &order.to_string(),
        )
        .await;
    assert_eq!(code(&ordered), 0, "{}", text(&ordered.stderr));
    let connection = json_out(&ordered);
    let connection = connection["id"].as_str().unwrap();
    let reservations = ok(
        &world,
        &["port-reservations", "list", "--connection", connection],
    )
    .await;
    let reservation = reservations[0]["id"].as_str().unwrap();

    // Before an upload there is nothing to download: a typed failure, and
    // nothing on stdout.
    let missing = world
        .run(
            &["port-reservations", "loa-download", "--id", reservation],
            false,
        )
        .await;
    assert_eq!(code(&missing), 1, "{}", text(&missing.stderr));
    assert!(missing.stdout.is_empty());

    let file = world.home.join("loa.pdf");
    std::fs::write(&file, letter()).unwrap();
    let uploaded = world
        .run(
            &[
                "port-reservations",
                "loa-upload",
                "--id",
                reservation,
                "--file",
                file.to_str().unwrap(),
            ],
            false,
        )
        .await;
    assert_eq!(code(&uploaded), 0, "{}", text(&uploaded.stderr));
    let downloaded = world
        .run(
            &["port-reservations", "loa-download", "--id", reservation],
            false,
        )
        .await;
    assert_eq!(code(&downloaded), 0, "{}", text(&downloaded.stderr));
    assert!(downloaded.stdout == letter(), "the same bytes");

    // The connection's letter is its own, uploaded from stdin.
    let connection_letter = b"%PDF-1.4\n\x00\x01\x02 connection\n".to_vec();
    let uploaded = world
        .run_with_stdin(
            &[
                "connections",
                "loa-upload",
                "--id",
                connection,
                "--file",
                "-",
            ],
            &connection_letter,
        )
        .await;
    assert_eq!(code(&uploaded), 0, "{}", text(&uploaded.stderr));
    let downloaded = world
        .run(&["connections", "loa-download", "--id", connection], false)
        .await;
    assert!(downloaded.stdout == connection_letter);
    assert_eq!(world.sandbox.counts().logins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_pages_through_everything_unless_told_otherwise() {
    let world = World::new("paging").await;
    assert_eq!(code(&world.run(&["login"], true).await), 0);
    let before = ok(&world, &["contacts", "list"]).await;
    let before = before.as_array().unwrap().len();

    // More than two pages of the command line's 1,000.
    let (key, secret) = world.sandbox.credentials();
    let session = Session::builder(world.sandbox.base_url())
        .credentials(key, secret)
        .build()
        .unwrap();
    let mut created = BTreeSet::new();
    for n in 0..2_100 {
        let request: types::ContactRequest = serde_json::from_value(json!({
            "managing_account": "2", "consuming_account": "2", "name": format!("contact {n}"),
        }))
        .unwrap();
        let contact = session
            .client()
            .contacts_create()
            .body(request)
            .call()
            .await
            .unwrap()
            .into_inner();
        created.insert(contact.id.to_string());
    }

    let all = ok(&world, &["contacts", "list"]).await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), before + 2_100);
    let ids: BTreeSet<String> = all
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), all.len(), "each contact once");
    assert!(created.is_subset(&ids));

    // A page asked for is the page.
    let page = ok(
        &world,
        &[
            "contacts",
            "list",
            "--page-limit",
            "7",
            "--page-offset",
            "3",
        ],
    )
    .await;
    assert_eq!(page.as_array().unwrap().len(), 7);
    assert_eq!(page[0]["id"], all[3]["id"]);
}
