//! Output for people: `--format json|yaml|table|chart|svg`, `--columns`,
//! `--jq`, tables of lists on a terminal (a pseudo-terminal, as a person
//! sees it) while piped output stays the JSON it always was, and charts of
//! statistics time series, read back as a user's tools would (the SVG
//! parsed as XML). Against the sandbox, and scripted exchanges for lists
//! that fail half way.

use serde_json::{Value, json};

mod common;
use common::pty::Terminal;
use common::{Answer, World, code, json_out, scripted, text};

/// The sandbox's contacts, piped: JSON as it always was.
async fn contacts(world: &World) -> (Vec<u8>, Vec<Value>) {
    let output = world.run(&["contacts", "list"], true).await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let listed = json_out(&output).as_array().unwrap().clone();
    assert!(listed.len() >= 2, "the sandbox has contacts: {listed:?}");
    (output.stdout, listed)
}

/// The lines a terminal showed, without its carriage returns.
fn lines(shown: &str) -> Vec<String> {
    shown
        .split('\n')
        .map(|line| line.trim_end_matches('\r').to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_on_a_terminal_is_a_table_and_piped_is_the_json_it_was() {
    let world = World::new("output-terminal-table").await;
    let (piped, listed) = contacts(&world).await;
    // Piped: one line of compact JSON, with or without --format json.
    assert!(piped.starts_with(b"[{") && piped.ends_with(b"}]\n"));
    assert_eq!(piped.iter().filter(|b| **b == b'\n').count(), 1);
    let json = world
        .run(&["contacts", "list", "--format", "json"], true)
        .await;
    assert_eq!(
        json.stdout, piped,
        "--format json is the JSON it always was"
    );

    let terminal = Terminal::start(world.std_command(&["contacts", "list"], true), 160);
    let last = listed.last().unwrap()["name"].as_str().unwrap().to_string();
    terminal.expect(&last);
    let (exit, shown) = terminal.finish();
    assert_eq!(exit, 0, "{shown}");
    let lines = lines(&shown);
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(&header[..2], ["id", "name"], "{shown}");
    assert!(header.contains(&"email"), "{shown}");
    assert!(
        lines[1].starts_with("───"),
        "a rule under the header: {shown}"
    );
    for (contact, line) in listed.iter().zip(&lines[2..]) {
        let id = contact["id"].as_str().unwrap();
        let name = contact["name"].as_str().unwrap();
        assert!(
            line.starts_with(id) && line.contains(name),
            "one row a contact, {id} {name}: {shown}"
        );
    }
    assert!(!shown.contains('{'), "no JSON on the terminal: {shown}");
    assert!(lines.iter().all(|l| l.chars().count() <= 160), "{shown}");

    // One object on a terminal: pretty JSON, as before.
    let id = listed[0]["id"].as_str().unwrap();
    let terminal = Terminal::start(
        world.std_command(&["contacts", "read", "--id", id], true),
        160,
    );
    let (exit, shown) = terminal.finish();
    assert_eq!(exit, 0, "{shown}");
    assert!(shown.starts_with("{\r\n  \""), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yaml_tables_and_columns_show_the_same_answer() {
    let world = World::new("output-formats").await;
    let (_, listed) = contacts(&world).await;

    let yaml = world
        .run(&["contacts", "list", "--format", "yaml"], true)
        .await;
    assert_eq!(code(&yaml), 0, "{}", text(&yaml.stderr));
    let read: Value = serde_norway::from_slice(&yaml.stdout).unwrap();
    assert_eq!(read, Value::Array(listed.clone()));

    let table = world
        .run(&["contacts", "list", "--columns", "email,id"], true)
        .await;
    assert_eq!(code(&table), 0, "{}", text(&table.stderr));
    let shown = text(&table.stdout);
    let rows: Vec<Vec<&str>> = shown
        .lines()
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["email", "id"], "{shown}");
    for (contact, row) in listed.iter().zip(&rows[2..]) {
        assert_eq!(
            row[..],
            [&contact["email"], &contact["id"]].map(|v| v.as_str().unwrap())
        );
    }
    assert_eq!(rows.len(), listed.len() + 2, "{shown}");

    // One object: its members and their values.
    let id = listed[0]["id"].as_str().unwrap();
    let object = world
        .run(&["contacts", "read", "--id", id, "--format", "table"], true)
        .await;
    assert_eq!(code(&object), 0, "{}", text(&object.stderr));
    let shown = text(&object.stdout);
    assert!(shown.starts_with("member"), "{shown}");
    let name = listed[0]["name"].as_str().unwrap();
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("name") && l.ends_with(name)),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jq_prints_each_result_on_a_line_with_strings_raw() {
    let world = World::new("output-jq").await;
    let (_, listed) = contacts(&world).await;

    let names = world
        .run(&["contacts", "list", "--jq", ".[].name"], true)
        .await;
    assert_eq!(code(&names), 0, "{}", text(&names.stderr));
    let expected: String = listed
        .iter()
        .map(|c| format!("{}\n", c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(text(&names.stdout), expected);

    let first = world
        .run(
            &["contacts", "list", "--jq", ".[0] | {id, n: length}"],
            true,
        )
        .await;
    let n = listed[0].as_object().unwrap().len();
    assert_eq!(
        text(&first.stdout),
        format!("{}\n", json!({"id": listed[0]["id"], "n": n}))
    );
    let count = world
        .run(&["contacts", "list", "--jq", "length"], true)
        .await;
    assert_eq!(text(&count.stdout), format!("{}\n", listed.len()));
}

/// A filter that does not parse is refused before anything is sent (exit
/// 2, not 3: there is nothing to log in with here); one that fails on the
/// answer is a usage error too; neither prints anything on stdout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jq_error_is_a_usage_error_and_prints_nothing() {
    let world = World::new("output-jq-errors").await;
    let broken = world
        .run(&["contacts", "list", "--jq", ".[] |"], false)
        .await;
    assert_eq!(code(&broken), 2, "{}", text(&broken.stderr));
    assert!(broken.stdout.is_empty());
    assert!(
        text(&broken.stderr).contains("is no jq filter"),
        "{}",
        text(&broken.stderr)
    );

    for args in [
        &["contacts", "list", "--jq", ".name"][..],
        &["contacts", "list", "--jq", ".name", "--page-limit", "5"],
        &["contacts", "list", "--jq", "error(\"no\")"],
    ] {
        let failed = world.run(args, true).await;
        assert_eq!(code(&failed), 2, "{args:?}: {}", text(&failed.stderr));
        assert!(
            failed.stdout.is_empty(),
            "{args:?}: {}",
            text(&failed.stdout)
        );
        assert!(
            text(&failed.stderr).contains("failed"),
            "{}",
            text(&failed.stderr)
        );
    }

    let both = world
        .run(
            &["contacts", "list", "--jq", ".", "--format", "yaml"],
            false,
        )
        .await;
    assert_eq!(code(&both), 2, "{}", text(&both.stderr));
}

fn contact(i: usize) -> Value {
    json!({"id": i.to_string(), "managing_account": "1", "consuming_account": "1",
           "name": format!("NOC {i}")})
}

/// A list that fails on its second page prints nothing in any form but
/// JSON (which leaves its array open, as it always did).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_that_fails_half_way_prints_nothing_but_open_json() {
    let (url, _) = scripted(|target| -> Answer {
        if target.contains("page_offset=0") || !target.contains("page_offset") {
            let page: Vec<Value> = (0..1000).map(contact).collect();
            (206, "application/json", json!(page).to_string())
        } else {
            (502, "text/html", "<h1>Bad Gateway</h1>".into())
        }
    })
    .await;
    let world = World::new("output-failed-list").await.at(&url);
    for format in [
        &["--format", "yaml"][..],
        &["--format", "table"],
        &["--columns", "id"],
        &["--jq", "length"],
    ] {
        let args = [&["contacts", "list"][..], format].concat();
        let output = world.run(&args, true).await;
        assert_eq!(code(&output), 4, "{format:?}: {}", text(&output.stderr));
        assert!(
            output.stdout.is_empty(),
            "{format:?}: {}",
            text(&output.stdout)
        );
    }
    let json = world.run(&["contacts", "list"], true).await;
    assert_eq!(code(&json), 4);
    assert!(json.stdout.starts_with(b"[{"));
    assert!(serde_json::from_slice::<Value>(&json.stdout).is_err());
}

/// A port of the sandbox, whose traffic is charted.
async fn a_port(world: &World) -> String {
    let ports = world.run(&["ports", "list", "--jq", ".[0].id"], true).await;
    assert_eq!(code(&ports), 0, "{}", text(&ports.stderr));
    text(&ports.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_as_svg_has_its_axes_both_series_a_legend_and_units() {
    let world = World::new("output-svg").await;
    let port = a_port(&world).await;
    let series = world
        .run(
            &[
                "ports",
                "statistics-timeseries-read",
                "--id",
                &port,
                "--aggregate",
                "P1D",
            ],
            true,
        )
        .await;
    let samples = json_out(&series)["samples"].as_array().unwrap().len();
    assert!(samples > 100, "{samples}");

    let output = world
        .run(
            &[
                "ports",
                "statistics-timeseries-read",
                "--id",
                &port,
                "--aggregate",
                "P1D",
                "--format",
                "svg",
            ],
            true,
        )
        .await;
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    let svg = text(&output.stdout);
    let document = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(document.root_element().tag_name().name(), "svg");
    let texts: Vec<String> = document
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .map(|node| node.text().unwrap_or_default().trim().to_string())
        .collect();
    let has = |wanted: &dyn Fn(&str) -> bool| texts.iter().any(|t| wanted(t));
    assert!(
        has(&|t| t.starts_with(&format!("Traffic of ports {port}"))),
        "{texts:?}"
    );
    assert!(
        has(&|t| t.starts_with("time (UTC)")),
        "the time axis: {texts:?}"
    );
    assert!(
        has(&|t| ["kbit/s", "Mbit/s", "Gbit/s"].contains(&t)),
        "the rate axis in a scaled unit: {texts:?}"
    );
    assert!(
        has(&|t| t == "in") && has(&|t| t == "out"),
        "a legend: {texts:?}"
    );
    let numbers = texts.iter().filter(|t| t.parse::<f64>().is_ok()).count();
    let times = texts
        .iter()
        .filter(|t| t.len() == 5 && t.as_bytes()[2] == b':')
        .count();
    assert!(numbers >= 3 && times >= 3, "labels on both axes: {texts:?}");
    // The two series: a line through every sample each, in two colours.
    let series: Vec<(String, usize)> = document
        .descendants()
        .filter(|node| node.has_tag_name("polyline"))
        .map(|node| {
            let points = node.attribute("points").unwrap_or_default();
            (
                node.attribute("stroke").unwrap_or_default().to_string(),
                points.split_whitespace().count(),
            )
        })
        .filter(|(_, points)| *points == samples)
        .collect();
    assert_eq!(series.len(), 2, "{series:?}");
    assert_ne!(series[0].0, series[1].0, "two colours");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_as_a_chart_on_a_terminal_shows_both_series_and_the_unit() {
    let world = World::new("output-chart").await;
    let port = a_port(&world).await;
    let args = [
        "ports",
        "statistics-timeseries-read",
        "--id",
        &port,
        "--aggregate",
        "P1D",
        "--format",
        "chart",
    ];
    let terminal = Terminal::start(world.std_command(&args, true), 120);
    terminal.expect("time in UTC");
    let (exit, shown) = terminal.finish();
    assert_eq!(exit, 0, "{shown}");
    assert!(
        shown.starts_with(&format!("Traffic of ports {port}, Last day (P1D)")),
        "{shown}"
    );
    let unit = ["kbit/s", "Mbit/s", "Gbit/s"]
        .into_iter()
        .find(|unit| shown.contains(&format!(" {unit}\r\n")))
        .unwrap_or_else(|| panic!("the rate axis has a unit: {shown}"));
    assert!(shown.contains(&format!("0.0 {unit}")), "{shown}");
    assert!(shown.contains(" UTC"), "the time axis: {shown}");
    // Both series are drawn, each in its colour, and named in the legend.
    let mut colours = std::collections::BTreeMap::<&str, usize>::new();
    for after in shown.split("\x1b[").skip(1) {
        if let Some((code, _)) = after.split_once('m')
            && code != "0"
        {
            *colours.entry(code).or_default() += 1;
        }
    }
    assert_eq!(
        colours.values().filter(|dots| **dots > 10).count(),
        2,
        "two series in two colours: {colours:?}"
    );
    assert!(shown.contains("⠤⠤ in (green)   ⠂⠂ out (blue)"), "{shown}");

    // Piped: the same chart, without colours.
    let piped = world.run(&args, true).await;
    assert_eq!(code(&piped), 0, "{}", text(&piped.stderr));
    let piped = text(&piped.stdout);
    assert!(!piped.contains('\x1b'), "{piped}");
    assert!(
        piped.contains(&format!("0.0 {unit}\n")) && piped.contains("⠤⠤ in (line)   ⠂⠂ out (dots)")
    );
}

/// A chart of what is no time series is refused before anything is sent,
/// naming where charts work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chart_of_no_time_series_is_a_usage_error() {
    let world = World::new("output-chart-where").await;
    for format in ["chart", "svg"] {
        let output = world
            .run(&["contacts", "list", "--format", format], false)
            .await;
        assert_eq!(code(&output), 2, "{}", text(&output.stderr));
        assert!(output.stdout.is_empty());
        let said = text(&output.stderr);
        assert!(
            said.contains("ix-api ports statistics-timeseries-read")
                && said.contains("ix-api network-service-configs peer-statistics-timeseries-read"),
            "{said}"
        );
    }
}
