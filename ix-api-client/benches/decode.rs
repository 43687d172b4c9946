//! Decoding a `network_service_configs_list` answer of 10,000 items of
//! every `type` into the generated models, side by side with Python
//! decoding the same bytes the way pyixapi does (`json.loads` into dicts).
//!
//! The Python figure is the median of 20 runs of `json.loads`, timed by
//! Python itself in a child process; it is printed next to criterion's,
//! with the ratios of criterion's medians: decode to the parse-only floor,
//! and decode to `json.loads`.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::SystemTime;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ix_api_client::call::decode as answer;
use ix_api_client::types;
use serde_json::{Value, json};

const ITEMS: usize = 10_000;

/// One config of each `type`, as an exchange would send them.
fn config(i: usize) -> Value {
    let common = json!({
        "id": format!("nsc-{i:05}"),
        "state": "production",
        "network_service": format!("ns-{}", i % 37),
        "managing_account": "acc-1000",
        "consuming_account": format!("acc-{}", 2000 + i % 100),
        "billing_account": "acc-1000",
        "role_assignments": [format!("ra-{i}"), "ra-1"],
        "connection": format!("con-{}", i % 400),
        "external_ref": "IX:Service:23042",
        "purchase_order": "PO-2026-11",
        "contract_ref": null,
    });
    let specific = match i % 5 {
        0 | 1 => json!({
            "type": "exchange_lan",
            "vlan_config": {"vlan_type": "dot1q", "vlan": 100 + i % 3000, "vlan_ethertype": "0x8100"},
            "asns": [64500 + (i % 500) as u64],
            "macs": [format!("mac-{i}")],
            "ips": [format!("ip-{i}-4"), format!("ip-{i}-6")],
            "listed": true,
            "product_offering": "po-lan-10g",
            "capacity": 10_000,
        }),
        2 => json!({
            "type": "p2p_vc",
            "vlan_config": {"vlan_type": "qinq", "outer_vlan": 200, "inner_vlan": 300, "outer_vlan_ethertype": "0x8100"},
            "product_offering": "po-p2p",
        }),
        3 => json!({
            "type": "mp2mp_vc",
            "vlan_config": {"vlan_type": "port"},
        }),
        _ => json!({
            "type": "cloud_vc",
            "vlan_config": {"vlan_type": "dot1q", "vlan": 42},
            "product_offering": "po-cloud",
            "handover": 1,
            "cloud_vlan": 3,
        }),
    };
    let mut item = common;
    if let (Some(item), Some(specific)) = (item.as_object_mut(), specific.as_object()) {
        item.extend(specific.clone());
    }
    item
}

fn answer() -> Vec<u8> {
    let items: Vec<Value> = (0..ITEMS).map(config).collect();
    serde_json::to_vec(&items).expect("JSON")
}

/// Python's median seconds for `json.loads` of `bytes`, if Python runs.
fn python_median(bytes: &[u8]) -> Option<f64> {
    let path = std::env::temp_dir().join(format!("ix-api-decode-{}.json", std::process::id()));
    std::fs::write(&path, bytes).ok()?;
    let script = "import json, statistics, sys, time\n\
                  data = open(sys.argv[1], 'rb').read()\n\
                  runs = []\n\
                  for _ in range(20):\n\
                  \x20   started = time.perf_counter()\n\
                  \x20   json.loads(data)\n\
                  \x20   runs.append(time.perf_counter() - started)\n\
                  print(statistics.median(runs))\n";
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    String::from_utf8(output.ok()?.stdout)
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Where criterion keeps its results: `CRITERION_HOME`, else the target
/// directory's `criterion/` (this bench runs from `target/release/deps`).
fn criterion_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(home.into());
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.parent()?.join("criterion"))
}

/// Criterion's median of `bench` in this group, in seconds, if it ran
/// since `since`.
fn criterion_median(bench: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_home()?
        .join("network_service_configs_list")
        .join(bench)
        .join("new/estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let estimates: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    Some(estimates["median"]["point_estimate"].as_f64()? / 1e9)
}

fn decode(c: &mut Criterion) {
    let started = SystemTime::now();
    let bytes = answer();
    let decoded: Vec<types::NetworkServiceConfig> =
        answer::decode(&bytes).expect("every item decodes");
    assert_eq!(decoded.len(), ITEMS);

    let mut group = c.benchmark_group("network_service_configs_list");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    // As the client decodes an answer (checked as UTF-8, read as text).
    group.bench_function("decode_10000", |b| {
        b.iter(|| {
            let configs: Vec<types::NetworkServiceConfig> =
                answer::decode(black_box(&bytes)).expect("decodes");
            black_box(configs)
        })
    });
    // For scale: parsing the same bytes and keeping nothing.
    group.bench_function("parse_only_10000", |b| {
        b.iter(|| {
            let ignored: Vec<serde::de::IgnoredAny> =
                serde_json::from_slice(black_box(&bytes)).expect("parses");
            black_box(ignored)
        })
    });
    group.finish();

    let python = python_median(&bytes);
    match python {
        Some(seconds) => println!(
            "python json.loads, same {} bytes: median {:.2} ms (20 runs)",
            bytes.len(),
            seconds * 1e3
        ),
        None => println!("python3 did not run; no side-by-side figure"),
    }
    // Only from figures of this run: a filter that skipped one leaves an
    // older figure behind, no ratio to trust.
    let (Some(decode), Some(floor)) = (
        criterion_median("decode_10000", started),
        criterion_median("parse_only_10000", started),
    ) else {
        return;
    };
    let mib_per_s = |seconds: f64| bytes.len() as f64 / seconds / (1024.0 * 1024.0);
    println!(
        "decode {:.2} ms ({:.0} MiB/s), parse-only floor {:.2} ms ({:.0} MiB/s): {:.2}x the floor",
        decode * 1e3,
        mib_per_s(decode),
        floor * 1e3,
        mib_per_s(floor),
        decode / floor
    );
    if let Some(python) = python {
        println!(
            "decode takes {:.2}x the time of python json.loads ({:.1}x as fast)",
            decode / python,
            python / decode
        );
    }
}

criterion_group!(benches, decode);
criterion_main!(benches);
