//! `ix-api api` with fields, headers, `-i` and `--paginate`; `--dry-run`;
//! and `-v`'s request lines: against the sandbox, a scripted exchange, and
//! an exchange that echoes what it received.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};

mod common;
use common::{World, code, hour_jwt, json_out, scripted, text};

/// An exchange that logs anyone in and answers every other request with
/// what it received: method, path, query, headers and body (as JSON when
/// it is). Its base URL, and how many requests it echoed.
async fn echo() -> (String, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let counted = asked.clone();
    let answer = move |request: Request| {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            let (parts, body) = request.into_parts();
            let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            let headers: serde_json::Map<String, Value> = parts
                .headers
                .iter()
                .map(|(name, value)| (name.to_string(), json!(value.to_str().unwrap())))
                .collect();
            let body = serde_json::from_slice::<Value>(&body)
                .unwrap_or_else(|_| json!(String::from_utf8_lossy(&body)));
            axum::Json(json!({
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "query": parts.uri.query(),
                "headers": headers,
                "body": body,
            }))
        }
    };
    let login = || async {
        let pair = json!({"access_token": hour_jwt("a"), "refresh_token": hour_jwt("r")});
        (StatusCode::CREATED, axum::Json(pair)).into_response()
    };
    let app = Router::new()
        .route("/api/v2/auth/token", post(login))
        .fallback(answer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/api/v2"), asked)
}

#[tokio::test]
async fn fields_are_the_query_of_a_get_and_the_body_of_a_post() {
    let (url, _) = echo().await;
    let world = World::new("door-fields").await.at(&url);
    let got = world
        .run(
            &[
                "api",
                "GET",
                "/things?kept=1",
                "-f",
                "state=production",
                "-F",
                "limit=5",
                "-F",
                "billable=true",
                "-f",
                "id=1,2",
            ],
            true,
        )
        .await;
    assert_eq!(code(&got), 0, "{}", text(&got.stderr));
    let echoed = json_out(&got);
    assert_eq!(echoed["method"], "GET");
    assert_eq!(echoed["path"], "/api/v2/things");
    assert_eq!(
        echoed["query"],
        "kept=1&state=production&limit=5&billable=true&id=1%2C2"
    );

    let order = world.home.join("order.json");
    std::fs::write(
        &order,
        r#"{"name": "from json", "kept": 1, "port": {"speed": 1}}"#,
    )
    .unwrap();
    let note = world.home.join("note.txt");
    std::fs::write(&note, "a note\nof two lines\n").unwrap();
    let posted = world
        .run(
            &[
                "api",
                "post",
                "/things",
                "--json",
                order.to_str().unwrap(),
                "-f",
                "name=from a field",
                "-f",
                "raw=true",
                "-F",
                "typed=true",
                "-F",
                "count=42",
                "-F",
                "nothing=null",
                "-F",
                &format!("note=@{}", note.display()),
                "-F",
                "port[mode]=lag",
                "-f",
                "ids[]=7",
                "-f",
                "ids[]=8",
            ],
            true,
        )
        .await;
    assert_eq!(code(&posted), 0, "{}", text(&posted.stderr));
    let echoed = json_out(&posted);
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["query"], Value::Null);
    assert_eq!(echoed["headers"]["content-type"], "application/json");
    assert_eq!(
        echoed["body"],
        json!({
            "name": "from a field",
            "kept": 1,
            "raw": "true",
            "typed": true,
            "count": 42,
            "nothing": null,
            "note": "a note\nof two lines\n",
            "port": {"speed": 1, "mode": "lag"},
            "ids": ["7", "8"],
        })
    );

    // `@-`: the value from standard input.
    let piped = world
        .run_with_stdin(&["api", "PUT", "/things/1", "-F", "name=@-"], "from stdin")
        .await;
    assert_eq!(code(&piped), 0, "{}", text(&piped.stderr));
    assert_eq!(json_out(&piped)["body"], json!({"name": "from stdin"}));

    let unreadable = world
        .run(
            &["api", "POST", "/things", "-F", "name=@/nonexistent/file"],
            true,
        )
        .await;
    assert_eq!(code(&unreadable), 2);
    assert!(text(&unreadable.stderr).contains("/nonexistent/file"));
    assert!(unreadable.stdout.is_empty());
}

#[tokio::test]
async fn headers_are_sent_but_not_the_sessions_own() {
    let (url, asked) = echo().await;
    let world = World::new("door-headers").await.at(&url);
    let got = world
        .run(
            &[
                "api",
                "GET",
                "/things",
                "-H",
                "X-Request-Id: abc-123",
                "-H",
                "Accept-Language:  en",
            ],
            true,
        )
        .await;
    assert_eq!(code(&got), 0, "{}", text(&got.stderr));
    let headers = &json_out(&got)["headers"];
    assert_eq!(headers["x-request-id"], "abc-123");
    assert_eq!(headers["accept-language"], "en");
    assert!(
        headers["authorization"]
            .as_str()
            .unwrap()
            .starts_with("Bearer ")
    );
    let before = asked.load(Ordering::SeqCst);
    for header in [
        "Authorization: Bearer mine",
        "host: elsewhere.example",
        "no colon",
    ] {
        let refused = world
            .run(&["api", "GET", "/things", "-H", header], true)
            .await;
        assert_eq!(code(&refused), 2, "{header}");
        assert!(refused.stdout.is_empty());
        if header.contains(':') {
            let said = text(&refused.stderr);
            assert!(said.contains("the session sets"), "{said}");
        }
    }
    assert_eq!(asked.load(Ordering::SeqCst), before, "nothing sent");
}

#[tokio::test]
async fn include_prints_the_status_line_and_headers_before_the_body() {
    let world = World::new("door-include").await;
    let got = world
        .run(&["api", "GET", "/implementation", "-i"], true)
        .await;
    assert_eq!(code(&got), 0, "{}", text(&got.stderr));
    let shown = text(&got.stdout);
    let (head, body) = shown.split_once("\n\n").unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("HTTP/1.1 200 OK"));
    assert!(
        lines.any(|line| line == "Content-Type: application/json"),
        "{head}"
    );
    let body: Value = serde_json::from_str(body).unwrap();
    assert!(body["supported_operations"].is_array());
}

#[tokio::test]
async fn paginate_gets_every_page_of_a_sandbox_list_as_one_array() {
    let world = World::new("door-paginate").await;
    // The whole list in one answer, as the exchange writes it.
    let whole = world.run(&["api", "GET", "/product-offerings"], true).await;
    assert_eq!(code(&whole), 0, "{}", text(&whole.stderr));
    let whole = json_out(&whole);
    let count = whole.as_array().unwrap().len();
    assert!(count > 4, "several pages of 3: {count}");
    let paged = world
        .run(
            &[
                "api",
                "GET",
                "/product-offerings",
                "-f",
                "page_limit=3",
                "--paginate",
                "-v",
            ],
            true,
        )
        .await;
    assert_eq!(code(&paged), 0, "{}", text(&paged.stderr));
    assert_eq!(json_out(&paged), whole);
    let pages = text(&paged.stderr)
        .lines()
        .filter(|line| line.starts_with("ix-api: GET /product-offerings "))
        .count();
    assert_eq!(
        pages,
        count.div_ceil(3) + usize::from(count.is_multiple_of(3))
    );

    let not_get = world
        .run(&["api", "POST", "/contacts", "--paginate"], true)
        .await;
    assert_eq!(code(&not_get), 2);
    let not_a_list = world
        .run(&["api", "GET", "/implementation", "--paginate"], true)
        .await;
    assert_eq!(code(&not_a_list), 2);
    assert!(not_a_list.stdout.is_empty());
}

#[tokio::test]
async fn paginate_ends_on_a_server_that_ignores_the_page_parameters() {
    // The whole list whatever is asked: longer than the page...
    let (url, asked) = scripted(|_| {
        let list = json!([{"id": "1"}, {"id": "2"}, {"id": "3"}]);
        (200, "application/json", list.to_string())
    })
    .await;
    let world = World::new("door-ignored").await.at(&url);
    let got = world
        .run(
            &["api", "GET", "/things", "-f", "page_limit=2", "--paginate"],
            true,
        )
        .await;
    assert_eq!(code(&got), 0, "{}", text(&got.stderr));
    assert_eq!(
        json_out(&got),
        json!([{"id": "1"}, {"id": "2"}, {"id": "3"}])
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    // ... or exactly a page long, again and again: the first item again
    // ends the walk, with no item twice.
    let (url, asked) = scripted(|target| {
        assert!(target.contains("page_limit=2"), "{target}");
        (
            200,
            "application/json",
            json!([{"id": "1"}, {"id": "2"}]).to_string(),
        )
    })
    .await;
    let world = World::new("door-ignored-2").await.at(&url);
    let got = world
        .run(
            &["api", "GET", "/things", "-f", "page_limit=2", "--paginate"],
            true,
        )
        .await;
    assert_eq!(code(&got), 0, "{}", text(&got.stderr));
    assert_eq!(json_out(&got), json!([{"id": "1"}, {"id": "2"}]));
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn dry_run_prints_the_request_and_sends_nothing() {
    let (url, asked) = scripted(|_| (200, "application/json", "{}".into())).await;
    let world = World::new("door-dry").await.at(&url);
    let order = world.home.join("order.json");
    std::fs::write(
        &order,
        json!({
            "managing_account": "1", "consuming_account": "1", "billing_account": "1",
            "role_assignments": ["1"], "mode": "lag_lacp",
        })
        .to_string(),
    )
    .unwrap();
    // No secret, no cached token: a dry run needs no login.
    let created = world
        .run(
            &[
                "connections",
                "create",
                "--json",
                order.to_str().unwrap(),
                "--purchase-order",
                "PO-77",
                "--dry-run",
            ],
            false,
        )
        .await;
    assert_eq!(code(&created), 0, "{}", text(&created.stderr));
    let shown = text(&created.stdout);
    assert!(
        shown.starts_with(&format!("POST {url}/connections\n")),
        "{shown}"
    );
    assert!(shown.contains("authorization: Bearer <token>\n"), "{shown}");
    assert!(
        shown.contains("content-type: application/json\n"),
        "{shown}"
    );
    let body: Value = serde_json::from_str(shown.split_once("\n\n").unwrap().1).unwrap();
    assert_eq!(body["purchase_order"], "PO-77");
    assert_eq!(body["mode"], "lag_lacp");

    let listed = world
        .run(
            &["contacts", "list", "--external-ref", "NOC", "--dry-run"],
            false,
        )
        .await;
    assert_eq!(code(&listed), 0, "{}", text(&listed.stderr));
    let line = text(&listed.stdout);
    let line = line.lines().next().unwrap();
    assert!(line.starts_with(&format!("GET {url}/contacts?")), "{line}");
    assert!(line.contains("external_ref=NOC"), "{line}");

    let raw = world
        .run(
            &[
                "api",
                "PATCH",
                "/contacts/7",
                "-f",
                "name=x",
                "-H",
                "X-Trace: 9",
                "--dry-run",
            ],
            false,
        )
        .await;
    assert_eq!(code(&raw), 0, "{}", text(&raw.stderr));
    let shown = text(&raw.stdout);
    assert!(
        shown.starts_with(&format!("PATCH {url}/contacts/7\n")),
        "{shown}"
    );
    assert!(shown.contains("x-trace: 9\n"), "{shown}");
    assert!(shown.ends_with("{\n  \"name\": \"x\"\n}\n"), "{shown}");

    // A body that does not validate still fails, before any request.
    let missing = world
        .run(&["contacts", "create", "--dry-run", "--name", "x"], false)
        .await;
    assert_eq!(code(&missing), 2, "{}", text(&missing.stderr));
    assert!(missing.stdout.is_empty());

    for refused in ["login", "token", "status", "logout"] {
        let got = world.run(&[refused, "--dry-run"], false).await;
        assert_eq!(code(&got), 2, "{refused}");
    }
    assert_eq!(asked.load(Ordering::SeqCst), 0, "the exchange got nothing");
    assert!(
        !world.cache_dir().join("default.json").exists(),
        "no token was fetched"
    );
}

#[tokio::test]
async fn dry_run_leaves_the_sandbox_as_it_was() {
    let world = World::new("door-dry-sandbox").await;
    let before = json_out(&world.run(&["contacts", "list"], true).await);
    let body = json!({"managing_account": "2", "consuming_account": "2", "name": "never"});
    let dry = world
        .run_with_stdin(
            &["contacts", "create", "--json", "-", "--dry-run"],
            body.to_string(),
        )
        .await;
    assert_eq!(code(&dry), 0, "{}", text(&dry.stderr));
    let deleted = world
        .run(&["contacts", "destroy", "--id", "22", "--dry-run"], true)
        .await;
    assert_eq!(code(&deleted), 0, "{}", text(&deleted.stderr));
    assert!(text(&deleted.stdout).starts_with("DELETE "));
    let after = json_out(&world.run(&["contacts", "list"], true).await);
    assert_eq!(before, after);
}

#[tokio::test]
async fn verbose_prints_one_line_per_request_and_no_secret_token_or_query() {
    let world = World::new("door-verbose").await;
    let login = world.run(&["-v", "login"], true).await;
    assert_eq!(code(&login), 0, "{}", text(&login.stderr));
    let said = text(&login.stderr);
    assert!(line_matches(&said, "POST", "/auth/token", 201), "{said}");

    let token = text(&world.run(&["token"], false).await.stdout)
        .trim()
        .to_string();
    let query_value = "query-value-never-shown";
    let read = world
        .run(
            &[
                "contacts",
                "list",
                "--external-ref",
                query_value,
                "--verbose",
            ],
            false,
        )
        .await;
    assert_eq!(code(&read), 0, "{}", text(&read.stderr));
    let raw = world
        .run(
            &[
                "api",
                "GET",
                "/contacts/22",
                "-f",
                &format!("x={query_value}"),
                "-v",
            ],
            false,
        )
        .await;
    assert_eq!(code(&raw), 0, "{}", text(&raw.stderr));
    let said = text(&read.stderr) + &text(&raw.stderr);
    assert!(line_matches(&said, "GET", "/contacts", 200), "{said}");
    assert!(line_matches(&said, "GET", "/contacts/22", 200), "{said}");
    for secret in [world.secret(), token, query_value.to_string()] {
        assert!(!said.contains(&secret), "{said}");
    }
    assert!(!said.contains('?'), "{said}");
}

/// Whether `said` has a line `ix-api: METHOD PATH STATUS Nms`.
fn line_matches(said: &str, method: &str, path: &str, status: u16) -> bool {
    let start = format!("ix-api: {method} {path} {status} ");
    said.lines().any(|line| {
        line.strip_prefix(&start)
            .and_then(|rest| rest.strip_suffix("ms"))
            .is_some_and(|ms| ms.parse::<u64>().is_ok())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_the_oauth2_token_request_too() {
    use ix_api_sandbox::{OAuth2Endpoint, SandboxConfig};
    let world = World::with(
        "door-verbose-oauth2",
        SandboxConfig {
            provisioning_delay: std::time::Duration::ZERO,
            oauth2: Some(OAuth2Endpoint::default()),
            ..SandboxConfig::default()
        },
    )
    .await;
    let token_url = world.sandbox.oauth2_token_url().unwrap();
    let token_path = reqwest::Url::parse(&token_url).unwrap().path().to_string();
    let listed = world
        .run(
            &[
                "facilities",
                "list",
                "-v",
                "--oauth2",
                "--oauth2-token-url",
                &token_url,
            ],
            true,
        )
        .await;
    assert_eq!(code(&listed), 0, "{}", text(&listed.stderr));
    let said = text(&listed.stderr);
    assert!(line_matches(&said, "POST", &token_path, 200), "{said}");
    assert!(line_matches(&said, "GET", "/facilities", 200), "{said}");
    let token = text(
        &world
            .run(
                &["token", "--oauth2", "--oauth2-token-url", &token_url],
                false,
            )
            .await
            .stdout,
    );
    assert!(!token.trim().is_empty());
    assert!(!said.contains(token.trim()), "{said}");
    assert!(!said.contains(&world.secret()), "{said}");
}
