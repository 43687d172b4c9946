//! The `ix-api-sandbox` binary: one JSON line on stdout, a clean stop.

use serde_json::Value;

#[test]
fn the_binary_prints_one_json_line_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_ix-api-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--access-ttl", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let started: Value = serde_json::from_str(&line).expect("one JSON line");
    assert!(
        started["base_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(started["api_key"].as_str().unwrap().len(), 16);
    assert_eq!(started["api_secret"].as_str().unwrap().len(), 86);

    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
}
