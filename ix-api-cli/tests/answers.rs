//! What `ix-api` makes of answers as real exchanges send them: a status the
//! operation does not document, an answer that breaks the spec (printed as
//! it came, or an error with `--strict`), a list that fails half way (no
//! complete JSON document on stdout), lists answered 206, and a URL with no
//! IX-API behind it. Scripted exchanges on 127.0.0.1.

use std::sync::atomic::Ordering;

use axum::Router;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};

mod common;
use common::{Answer, World, code, scripted, text};

fn json_answer(status: u16, body: Value) -> Answer {
    (status, "application/json", body.to_string())
}

/// A query parameter of `target` as a number.
fn number(target: &str, name: &str) -> Option<usize> {
    let (_, query) = target.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .and_then(|value| value.parse().ok())
}

fn contact(i: usize) -> Value {
    json!({"id": i.to_string(), "managing_account": "1", "consuming_account": "1",
           "name": format!("NOC {i}")})
}

/// `contacts_read` documents no 400: a 400 problem still exits 1 with its
/// details, as any rejected request does (not 4, "unexpected status").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undocumented_status_exits_as_any_rejected_request() {
    let (url, _) = scripted(|_| {
        json_answer(
            400,
            json!({"type": "https://errors.ix-api.net/v2/validation-error.html",
                   "title": "Bad id", "status": 400,
                   "properties": [{"name": "id", "reason": "not a number"}]}),
        )
    })
    .await;
    let world = World::new("undocumented-400").await.at(&url);
    let output = world.run(&["contacts", "read", "--id", "x"], true).await;
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stderr).trim(),
        "ix-api: validation-error (400): Bad id: id: not a number"
    );
    assert!(output.stdout.is_empty());
}

/// A contact list whose item 3 breaks the spec: printed as the exchange
/// sent it, byte for byte, with a warning naming the operation, the status
/// and the member; exit 0. `--strict` makes it exit 4 with nothing on
/// stdout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_answer_is_printed_as_it_came_unless_strict() {
    let mut contacts: Vec<Value> = (0..5).map(contact).collect();
    contacts[3]["consuming_account"] = json!(7);
    // Spacing and member order no serializer of ours would write.
    let body = format!(
        "[ {} ]",
        contacts
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(" ,\n  ")
    );
    let sent = body.clone();
    let (url, _) = scripted(move |target| {
        if target.starts_with("/api/v2/contacts/") {
            (
                200,
                "application/json",
                r#"{"id": "3", "consuming_account": 7, "managing_account": "1"}"#.into(),
            )
        } else {
            (200, "application/json", sent.clone())
        }
    })
    .await;
    let world = World::new("malformed").await.at(&url);
    for args in [
        &["contacts", "list"][..],
        &["contacts", "list", "--page-limit", "10"],
    ] {
        let output = world.run(args, true).await;
        assert_eq!(code(&output), 0, "{args:?}: {}", text(&output.stderr));
        assert_eq!(text(&output.stdout).trim_end(), body, "{args:?}");
        let said = text(&output.stderr);
        assert!(
            said.starts_with("ix-api: warning: IX-API's answer to contacts_list (status 200) is malformed at [3].consuming_account: "),
            "{args:?}: {said}"
        );
        assert!(said.contains("--strict"), "{said}");

        let mut strict = args.to_vec();
        strict.push("--strict");
        let output = world.run(&strict, true).await;
        assert_eq!(code(&output), 4, "{strict:?}: {}", text(&output.stderr));
        assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
        let said = text(&output.stderr);
        assert!(
            said.contains("contacts_list (status 200) is malformed at [3].consuming_account"),
            "{said}"
        );
    }
    let read = world.run(&["contacts", "read", "--id", "3"], true).await;
    assert_eq!(code(&read), 0, "{}", text(&read.stderr));
    assert_eq!(
        text(&read.stdout).trim_end(),
        r#"{"id": "3", "consuming_account": 7, "managing_account": "1"}"#
    );
    assert!(
        text(&read.stderr).contains("contacts_read (status 200) is malformed at consuming_account"),
        "{}",
        text(&read.stderr)
    );
    let read = world
        .run(&["contacts", "read", "--id", "3", "--strict"], true)
        .await;
    assert_eq!(code(&read), 4);
    assert!(read.stdout.is_empty());
}

/// A malformed page in the middle of a walk: its items as they came, in the
/// one array, and the walk goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_page_keeps_its_place_in_the_walk() {
    let (url, _) = scripted(|target| {
        let offset = number(target, "page_offset").unwrap_or(0);
        let limit = number(target, "page_limit").unwrap_or(1000);
        let end = (offset + limit).min(1500);
        let mut page: Vec<Value> = (offset..end).map(contact).collect();
        if offset == 1000 {
            page[2]["id"] = json!(1002);
        }
        json_answer(if end < 1500 { 206 } else { 200 }, json!(page))
    })
    .await;
    let world = World::new("malformed-page").await.at(&url);
    let output = world.run(&["contacts", "list"], true).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let listed: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed.len(), 1500);
    assert_eq!(listed[1002]["id"], 1002, "as it came");
    assert_eq!(listed[1499]["id"], "1499");
    assert!(
        text(&output.stderr).contains("(status 200) is malformed at [2].id"),
        "{}",
        text(&output.stderr)
    );
}

/// When a list fails, stdout holds no complete JSON document (`jq length`
/// must not print 0 for a failed call): not on the first page, not half
/// way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_list_leaves_no_complete_json() {
    let denied = || {
        json_answer(
            403,
            json!({"type": "https://errors.ix-api.net/v2/permission-denied.html",
                   "title": "No more for you"}),
        )
    };
    let (url, _) = scripted(move |_| denied()).await;
    let world = World::new("failed-list-first").await.at(&url);
    let output = world.run(&["contacts", "list"], true).await;
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));

    let (url, _) = scripted(move |target| match number(target, "page_offset") {
        Some(0) => json_answer(206, json!((0..1000).map(contact).collect::<Vec<_>>())),
        _ => denied(),
    })
    .await;
    let world = World::new("failed-list-later").await.at(&url);
    let output = world.run(&["contacts", "list"], true).await;
    assert_eq!(code(&output), 1, "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("permission-denied (403): No more for you"),
        "{}",
        text(&output.stderr)
    );
    assert!(output.stdout.starts_with(b"[{"), "what came so far stays");
    assert!(
        serde_json::from_slice::<Value>(&output.stdout).is_err(),
        "no complete JSON document on stdout"
    );

    // The same for an exchange that is down, and for a single page.
    let (url, _) = scripted(|_| (502, "text/html", "<h1>Bad Gateway</h1>".into())).await;
    let world = World::new("failed-list-down").await.at(&url);
    for args in [
        &["contacts", "list"][..],
        &["contacts", "list", "--page-limit", "5"],
    ] {
        let output = world.run(args, true).await;
        assert_eq!(code(&output), 4, "{args:?}");
        assert!(
            output.stdout.is_empty(),
            "{args:?}: {}",
            text(&output.stdout)
        );
    }
}

/// Lists answered 206 (IX-API 2.7.1), walked whole or asked for one page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_answered_206_work_with_and_without_a_page_limit() {
    let (url, asked) = scripted(|target| {
        let offset = number(target, "page_offset").unwrap_or(0);
        let limit = number(target, "page_limit").unwrap_or(1000);
        let end = (offset + limit).min(1200);
        let page: Vec<Value> = (offset..end).map(contact).collect();
        json_answer(if end < 1200 { 206 } else { 200 }, json!(page))
    })
    .await;
    let world = World::new("list-206").await.at(&url);
    let output = world.run(&["contacts", "list"], true).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let listed: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed.len(), 1200);
    assert_eq!(
        asked.load(Ordering::SeqCst),
        2,
        "two pages, the first a 206"
    );
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));

    let output = world
        .run(
            &[
                "contacts",
                "list",
                "--page-limit",
                "3",
                "--page-offset",
                "6",
            ],
            true,
        )
        .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let page: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        page.iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["6", "7", "8"]
    );
}

/// A list of `len` contacts in pages as asked for: 206 but for the last.
fn paged_contacts(len: usize) -> impl Fn(&str) -> Answer + Send + Sync + 'static {
    move |target| {
        let offset = number(target, "page_offset").unwrap_or(0);
        let limit = number(target, "page_limit").unwrap_or(len);
        let end = (offset + limit).min(len);
        let page: Vec<Value> = (offset.min(end)..end).map(contact).collect();
        json_answer(if end < len { 206 } else { 200 }, json!(page))
    }
}

/// The walk asks for the next page while it prints the current one; the
/// exchange still sees exactly the pages the walk needs, one after the
/// other: a short last page ends it, and a list that fills its last page
/// takes one empty page more, as it always did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_walk_asks_for_no_page_it_does_not_need() {
    for (len, pages) in [(0, 1), (999, 1), (1000, 2), (2500, 3), (3000, 4)] {
        let (url, asked) = scripted(paged_contacts(len)).await;
        let world = World::new("walk-pages").await.at(&url);
        let output = world.run(&["contacts", "list"], true).await;
        assert_eq!(code(&output), 0, "{}", text(&output.stderr));
        let all: Vec<Value> = (0..len).map(contact).collect();
        assert_eq!(text(&output.stdout), format!("{}\n", json!(all)), "{len}");
        assert_eq!(asked.load(Ordering::SeqCst), pages, "{len} contacts");
    }
}

/// A server that ignores `page_offset` answers its first page again to the
/// page asked for while the first was printed: that page ends the walk,
/// unprinted, and nothing more is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_the_offset_ends_the_walk_with_the_first_page() {
    let (url, asked) = scripted(|target| {
        let limit = number(target, "page_limit").unwrap_or(1000);
        json_answer(200, json!((0..limit).map(contact).collect::<Vec<_>>()))
    })
    .await;
    let world = World::new("walk-ignored-offset").await.at(&url);
    let output = world.run(&["contacts", "list"], true).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let first: Vec<Value> = (0..1000).map(contact).collect();
    assert_eq!(text(&output.stdout), format!("{}\n", json!(first)));
    assert_eq!(
        asked.load(Ordering::SeqCst),
        2,
        "the first page and its repeat"
    );
}

/// A reader that stops early (`| head -c 10`) ends the walk quietly, with
/// at most the page already asked for beyond the one being printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_the_walk_with_no_more_than_one_page_asked_ahead() {
    use tokio::io::AsyncReadExt;
    // Pages of about 80 kB, more than a pipe holds.
    let (url, asked) = scripted(paged_contacts(10_000)).await;
    let world = World::new("walk-closed-pipe").await.at(&url);
    let mut child = world
        .command(&["contacts", "list"], true)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut start = [0u8; 10];
    stdout.read_exact(&mut start).await.unwrap();
    assert_eq!(&start[..2], b"[{");
    drop(stdout);
    let output = child.wait_with_output().await.unwrap();
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let asked = asked.load(Ordering::SeqCst);
    assert!((1..=2).contains(&asked), "{asked} pages asked for");
}

/// A URL without `/api/v2`: every path is a web server's 404 page. The
/// command says there is no IX-API there and what to try; not "does not
/// implement".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_without_ix_api_names_the_fix() {
    let app = Router::new().fallback(|| async {
        (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>Not Found</body></html>",
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let world = World::new("no-ix-api").await.at(&origin);
    for args in [&["login"][..], &["contacts", "list"]] {
        let output = world.run(args, true).await;
        assert_eq!(code(&output), 4, "{args:?}: {}", text(&output.stderr));
        let said = text(&output.stderr);
        assert!(
            said.contains(&format!("no IX-API answers at {origin}")),
            "{said}"
        );
        assert!(said.contains(&format!("try {origin}/api/v2")), "{said}");
        assert!(said.contains("--url"), "{said}");
        assert!(!said.contains("does not implement"), "{said}");
        assert!(output.stdout.is_empty());
    }
}

/// An answer that is not JSON at all cannot be printed as JSON: it fails
/// (exit 4) with nothing on stdout, `--strict` or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_is_not_json_fails() {
    let (url, _) = scripted(|_| (200, "application/json", r#"[{"id": "#.into())).await;
    let world = World::new("not-json").await.at(&url);
    for args in [
        &["contacts", "list"][..],
        &["contacts", "list", "--page-limit", "5"],
        &["contacts", "read", "--id", "1"],
    ] {
        let output = world.run(args, true).await;
        assert_eq!(code(&output), 4, "{args:?}: {}", text(&output.stderr));
        assert!(
            output.stdout.is_empty(),
            "{args:?}: {}",
            text(&output.stdout)
        );
        let said = text(&output.stderr);
        assert!(said.contains("is malformed"), "{said}");
        assert!(!said.contains("warning"), "{said}");
        assert!(!said.contains("without --strict"), "{said}");
    }
}

/// Every offering type the catalogue serves can be filtered for: the
/// Terraform provider's connection-offering data source asks
/// `type=connection`, which the command line and the sandbox used to refuse.
#[tokio::test]
async fn every_offering_type_the_catalogue_serves_can_be_asked_for() {
    let world = World::new("offering-types").await;
    for kind in ["connection", "routing_function", "exchange_lan"] {
        let output = world
            .run(&["product-offerings", "list", "--type", kind], true)
            .await;
        assert_eq!(code(&output), 0, "--type {kind}: {}", text(&output.stderr));
        let offerings: Value = serde_json::from_slice(&output.stdout).unwrap();
        let offerings = offerings.as_array().unwrap();
        assert!(!offerings.is_empty(), "the sandbox serves {kind} offerings");
        assert!(offerings.iter().all(|o| o["type"] == kind), "{offerings:?}");
    }
    let output = world
        .run(
            &["product-offerings", "list", "--downgrade-allowed", "false"],
            true,
        )
        .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
}
