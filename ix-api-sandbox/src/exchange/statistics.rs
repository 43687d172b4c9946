//! Traffic and round-trip statistics: made up, but plausible and the same
//! every time they are asked for.
//!
//! Each object (a port, a connection, a network service config, a network
//! service, a config's traffic with one peer) has a series of samples. A
//! sample's numbers follow from a hash of the object's path and the
//! sample's time alone (a daily curve, a level and a mix of bytes and
//! packets the object keeps, some noise), never from the clock of the
//! request, and the traffic fits the object's capacity (a port's speed, a
//! config's capacity, ...). So the same object and window always answer the
//! same numbers; only which window "the last day" is moves with the clock.
//!
//! `aggregates` (untyped in the evidence) map an aggregate's name to a
//! `NetworkServiceConfigAggregateStatistics`: `PT5M`, `P1D`, `P30D` and
//! `P1Y` end at the last full five minutes; `custom` is the window `start`
//! and `end` ask for (either alone: a day from or to it), in place of the
//! others. A timeseries (`.../statistics/{aggregate}/timeseries`) answers the
//! samples an aggregate is made of. All integer arithmetic, so that every
//! machine answers the same numbers.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::problem::Problem;
use crate::exchange::store::Store;
use crate::facts::Invalid;

/// The aggregates every object has: name, window and sample spacing (s).
const AGGREGATES: [(&str, &str, i64, i64); 4] = [
    ("PT5M", "Last 5 minutes", 300, 60),
    ("P1D", "Last day", 86_400, 300),
    ("P30D", "Last 30 days", 30 * 86_400, 9_000),
    ("P1Y", "Last year", 365 * 86_400, 109_500),
];

/// The windows of the standard aggregates end at a multiple of this.
const UPDATE_S: i64 = 300;

/// About this many samples make a `custom` window.
const CUSTOM_SAMPLES: i64 = 288;

/// Traffic relative to the daily peak (per mille of it), by UTC hour.
const DAILY: [u64; 25] = [
    450, 380, 320, 280, 260, 270, 320, 400, 500, 580, 630, 670, 700, 720, 740, 770, 810, 860, 920,
    970, 1000, 960, 820, 600, 450,
];

/// The bounds of what RFC 3339 can write: years 1 to 9999.
const EARLIEST_S: i64 = -62_135_596_800;
const LATEST_S: i64 = 253_402_300_799;

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// SplitMix64's finalizer: every bit of the input reaches every bit out.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A number in `low..=high` drawn from `seed`.
fn draw(seed: u64, low: u64, high: u64) -> u64 {
    low + seed % (high - low + 1)
}

fn time(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds.clamp(EARLIEST_S, LATEST_S), 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One object's traffic.
#[derive(Debug, Clone, Copy)]
struct Series {
    key: u64,
    /// Bytes per second at 100 %.
    capacity: u64,
}

/// One sample: averages over its time.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: i64,
    pps_in: u64,
    pps_out: u64,
    ops_in: u64,
    ops_out: u64,
    /// Errors and discards per 1,000,000 seconds.
    eps_in: u64,
    eps_out: u64,
    dps_in: u64,
    dps_out: u64,
}

impl Series {
    /// The series of `path` (`/ports/7`, or with a peer after it) whose
    /// capacity is `mbps` megabits per second.
    fn new(path: &str, mbps: u64) -> Self {
        Self {
            key: mix(fnv(path.as_bytes())),
            capacity: mbps.max(1).saturating_mul(125_000),
        }
    }

    fn trait_of(&self, n: u64) -> u64 {
        mix(self.key ^ mix(n))
    }

    /// The sample of the `spacing` seconds from `at`.
    fn sample(&self, at: i64, spacing: i64) -> Sample {
        let middle = at.saturating_add(spacing / 2).rem_euclid(86_400);
        let hour = usize::try_from(middle / 3_600).unwrap_or(0);
        let into = u64::try_from(middle % 3_600).unwrap_or(0);
        let (from, to) = (DAILY[hour], DAILY[hour + 1]);
        let daily = (from * (3_600 - into) + to * into) / 3_600;
        // The object's own level (5 % to 40 % of capacity at the peak), its
        // mix of inbound and outbound, its packet sizes.
        let level = draw(self.trait_of(1), 50, 400);
        let outbound = draw(self.trait_of(2), 600, 1_400);
        let packet_in = draw(self.trait_of(3), 500, 1_200);
        let packet_out = draw(self.trait_of(4), 500, 1_200);
        let noise = mix(self.key ^ mix(at as u64));
        let noise_in = draw(noise, 850, 1_150);
        let noise_out = draw(mix(noise), 850, 1_150);
        let rate = |share: u64, noise: u64| -> u64 {
            let wanted = u128::from(self.capacity) * u128::from(level) * u128::from(share) / 1_000
                * u128::from(daily)
                / 1_000
                * u128::from(noise)
                / 1_000_000;
            u64::try_from(wanted).unwrap_or(u64::MAX).min(self.capacity)
        };
        let ops_in = rate(1_000, noise_in);
        let ops_out = rate(outbound, noise_out);
        let errors = mix(noise ^ 0x5eed);
        Sample {
            at,
            pps_in: ops_in / packet_in,
            pps_out: ops_out / packet_out,
            ops_in,
            ops_out,
            eps_in: draw(errors, 0, 40),
            eps_out: draw(mix(errors), 0, 20),
            dps_in: (ops_in / packet_in) * draw(mix(errors ^ 1), 0, 10) / 1_000,
            dps_out: (ops_out / packet_out) * draw(mix(errors ^ 2), 0, 10) / 1_000,
        }
    }

    fn samples(&self, window: &Window) -> Vec<Sample> {
        let count = (window.end - window.start + window.spacing - 1) / window.spacing;
        (0..count.max(1))
            .map(|n| self.sample(window.start + n * window.spacing, window.spacing))
            .collect()
    }
}

/// An aggregate's window.
#[derive(Debug, Clone)]
struct Window {
    name: String,
    title: &'static str,
    start: i64,
    end: i64,
    spacing: i64,
}

fn query_time(query: &[(String, Value)], name: &str) -> Result<Option<i64>, Problem> {
    let Some(text) = query
        .iter()
        .find(|(known, _)| known == name)
        .and_then(|(_, value)| value.as_str())
    else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&text.to_ascii_uppercase())
        .map(|time| Some(time.timestamp()))
        .map_err(|e| {
            Problem::invalid(vec![Invalid {
                name: name.to_string(),
                reason: format!("{text:?} is not an RFC 3339 date-time: {e}"),
            }])
        })
}

/// The window `start` and `end` ask for, if they do.
fn custom(query: &[(String, Value)]) -> Result<Option<Window>, Problem> {
    let (start, end) = match (query_time(query, "start")?, query_time(query, "end")?) {
        (None, None) => return Ok(None),
        (Some(start), Some(end)) => (start, end),
        (Some(start), None) => (start, start.saturating_add(86_400)),
        (None, Some(end)) => (end.saturating_sub(86_400), end),
    };
    let (start, end) = (
        start.clamp(EARLIEST_S, LATEST_S),
        end.clamp(EARLIEST_S, LATEST_S),
    );
    if end <= start {
        return Err(Problem::invalid(vec![Invalid {
            name: "end".into(),
            reason: "the window must end after it starts".into(),
        }]));
    }
    // Whole minutes, the fewest that make at most CUSTOM_SAMPLES samples.
    let per_sample = (end - start + CUSTOM_SAMPLES - 1) / CUSTOM_SAMPLES;
    let spacing = ((per_sample + 59) / 60).max(1) * 60;
    Ok(Some(Window {
        name: "custom".into(),
        title: "Custom window",
        start,
        end,
        spacing,
    }))
}

/// The aggregates an object answers: `custom` alone when the query gives
/// a window, else the standard ones.
fn windows(query: &[(String, Value)], now_ms: i64) -> Result<Vec<Window>, Problem> {
    if let Some(window) = custom(query)? {
        return Ok(vec![window]);
    }
    let now = now_ms.div_euclid(1_000);
    let end = now - now.rem_euclid(UPDATE_S);
    Ok(AGGREGATES
        .iter()
        .map(|(name, title, length, spacing)| Window {
            name: (*name).to_string(),
            title,
            start: end - length,
            end,
            spacing: *spacing,
        })
        .collect())
}

/// A `NetworkServiceConfigAggregateStatistics` of `samples`; with the
/// config's capacity in Mbps, what is left of it.
fn aggregate(window: &Window, samples: &[Sample], config_mbps: Option<u64>) -> Value {
    let count = samples.len().max(1) as u64;
    let average = |f: fn(&Sample) -> u64| samples.iter().map(f).sum::<u64>() / count;
    let rate = |f: fn(&Sample) -> u64| {
        let total: u64 = samples.iter().map(f).sum();
        (total / count) as f64 / 1_000_000.0
    };
    let percentile = |f: fn(&Sample) -> u64| {
        let mut values: Vec<u64> = samples.iter().map(f).collect();
        values.sort_unstable();
        let rank = (values.len() * 95).div_ceil(100).max(1) - 1;
        values.get(rank).copied().unwrap_or(0)
    };
    let peak = |f: fn(&Sample) -> u64| {
        samples
            .iter()
            .max_by_key(|s| (f(s), std::cmp::Reverse(s.at)))
            .map(|s| (f(s), time(s.at)))
            .unwrap_or((0, time(window.start)))
    };
    let (max_ops_in, max_in_at) = peak(|s| s.ops_in);
    let (max_ops_out, max_out_at) = peak(|s| s.ops_out);
    let mut statistics = json!({
        "title": window.title,
        "start": time(window.start),
        "end": time(window.end),
        "accuracy": 1.0,
        "created_at": time(window.end),
        "next_update_at": time(window.end.saturating_add(UPDATE_S.min(window.spacing))),
        "average_pps_in": average(|s| s.pps_in),
        "average_pps_out": average(|s| s.pps_out),
        "average_ops_in": average(|s| s.ops_in),
        "average_ops_out": average(|s| s.ops_out),
        "average_eps_in": rate(|s| s.eps_in),
        "average_eps_out": rate(|s| s.eps_out),
        "average_dps_in": rate(|s| s.dps_in),
        "average_dps_out": rate(|s| s.dps_out),
        "percentile95_pps_in": percentile(|s| s.pps_in),
        "percentile95_pps_out": percentile(|s| s.pps_out),
        "percentile95_ops_out": percentile(|s| s.ops_out),
        "maximum_pps_in": samples.iter().map(|s| s.pps_in).max().unwrap_or(0),
        "maximum_pps_out": samples.iter().map(|s| s.pps_out).max().unwrap_or(0),
        "maximum_ops_in": max_ops_in,
        "maximum_ops_out": max_ops_out,
        "maximum_in_at": max_in_at,
        "maximum_out_at": max_out_at,
    });
    if let Some(mbps) = config_mbps {
        let used = percentile(|s| s.ops_out) / 125_000;
        statistics["nsc_available_capacity"] = json!(mbps.saturating_sub(used));
    }
    statistics
}

fn aggregates(series: &Series, windows: &[Window], config_mbps: Option<u64>) -> Value {
    let mut out = Map::new();
    for window in windows {
        let samples = series.samples(window);
        out.insert(
            window.name.clone(),
            aggregate(window, &samples, config_mbps),
        );
    }
    Value::Object(out)
}

fn number(object: &Map<String, Value>, member: &str) -> Option<u64> {
    object
        .get(member)
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
}

/// The capacity of an object in Mbps: a port's speed, a connection's
/// speed (else its ports'), a config's capacity (else its connection's), a
/// network service's configs together.
fn capacity(store: &Store, collection: &str, object: &Map<String, Value>) -> u64 {
    let of = |collection: &str, id: Option<&str>| {
        id.and_then(|id| store.get(collection, id))
            .map(|record| capacity(store, collection, &record.object))
    };
    let id = object.get("id").and_then(Value::as_str).unwrap_or_default();
    let fallback = 1_000;
    match collection {
        "/ports" => number(object, "speed").unwrap_or(fallback),
        "/connections" => number(object, "speed").unwrap_or_else(|| {
            let ports: u64 = store
                .collection("/ports")
                .filter(|(_, port)| port.str("connection") == Some(id))
                .filter_map(|(_, port)| number(&port.object, "speed"))
                .sum();
            if ports > 0 { ports } else { fallback }
        }),
        "/network-service-configs" => number(object, "capacity").unwrap_or_else(|| {
            of(
                "/connections",
                object.get("connection").and_then(Value::as_str),
            )
            .unwrap_or(fallback)
        }),
        "/network-services" => {
            let configs: u64 = store
                .collection("/network-service-configs")
                .filter(|(_, config)| config.str("network_service") == Some(id))
                .map(|(_, config)| capacity(store, "/network-service-configs", &config.object))
                .sum();
            configs.max(10_000)
        }
        _ => fallback,
    }
}

fn path(collection: &str, object: &Map<String, Value>) -> String {
    let id = object.get("id").and_then(Value::as_str).unwrap_or_default();
    format!("{collection}/{id}")
}

/// `GET /{collection}/{id}/statistics`: a `NetworkServiceConfigAggregate`,
/// or for a port a `PortStatistics` (with the light levels of each lane).
pub fn statistics(
    store: &Store,
    collection: &str,
    object: &Map<String, Value>,
    query: &[(String, Value)],
    now_ms: i64,
) -> Result<Value, Problem> {
    let windows = windows(query, now_ms)?;
    let mbps = capacity(store, collection, object);
    let series = Series::new(&path(collection, object), mbps);
    let config = (collection == "/network-service-configs").then_some(mbps);
    let mut answer = json!({"aggregates": aggregates(&series, &windows, config)});
    if collection == "/ports" {
        let lanes = match object.get("media_type").and_then(Value::as_str) {
            Some(media) if media.ends_with('4') => 4,
            _ => 1,
        };
        let at = windows.last().map_or(0, |w| w.end);
        let reading = |lane: u64, side: u64| {
            let seed = series.trait_of(100 + lane * 2 + side) ^ mix(at as u64);
            // dBm: transmit -1.00 to -3.00, receive 0.50 to 2.50 below it.
            let tx = 100 + draw(series.trait_of(100 + lane), 0, 200) + draw(seed, 0, 20);
            let rx = tx + 50 + draw(series.trait_of(200 + lane), 0, 200);
            -((if side == 0 { tx } else { rx }) as f64) / 100.0
        };
        answer["light_levels_tx"] = json!((0..lanes).map(|l| reading(l, 0)).collect::<Vec<_>>());
        answer["light_levels_rx"] = json!((0..lanes).map(|l| reading(l, 1)).collect::<Vec<_>>());
    }
    Ok(answer)
}

/// `GET .../statistics/{aggregate}/timeseries` (and the peers' of a
/// config): the samples the aggregate is made of.
pub fn timeseries(
    store: &Store,
    collection: &str,
    object: &Map<String, Value>,
    aggregate: &str,
    peers: bool,
    query: &[(String, Value)],
    now_ms: i64,
) -> Result<Value, Problem> {
    let windows = windows(query, now_ms)?;
    let Some(window) = windows.iter().find(|w| w.name == aggregate) else {
        let names: Vec<&str> = windows.iter().map(|w| w.name.as_str()).collect();
        return Err(Problem::not_found(format!(
            "no aggregate {aggregate:?} here: {} (custom with start and end)",
            names.join(", ")
        )));
    };
    let mut key = path(collection, object);
    if peers {
        key.push_str("/peers");
    }
    let series = Series::new(&key, capacity(store, collection, object));
    let samples: Vec<Value> = series
        .samples(window)
        .iter()
        .map(|s| {
            json!({
                "timestamp": time(s.at),
                "average_pps_in": s.pps_in,
                "average_pps_out": s.pps_out,
                "average_ops_in": s.ops_in,
                "average_ops_out": s.ops_out,
            })
        })
        .collect();
    Ok(json!({
        "title": window.title,
        "aggregate": window.name,
        "start": time(window.start),
        "end": time(window.end),
        "precision": window.spacing,
        "created_at": time(window.end),
        "samples": samples,
    }))
}

/// A peer on a network service: another config's address there, or a
/// route server's.
#[derive(Debug, Clone, PartialEq)]
struct Peer {
    asn: Option<u64>,
    ip: Option<(String, u64)>,
    mac_address: Option<String>,
    name: String,
}

impl Peer {
    fn json(&self) -> Value {
        let mut peer = Map::new();
        if let Some(asn) = self.asn {
            peer.insert("asn".into(), json!(asn));
        }
        if let Some((address, version)) = &self.ip {
            peer.insert("ip".into(), json!({"address": address, "version": version}));
        }
        if let Some(mac) = &self.mac_address {
            peer.insert("mac_address".into(), json!(mac));
        }
        Value::Object(peer)
    }

    fn key(&self) -> String {
        let ip = self.ip.as_ref().map_or("", |(address, _)| address.as_str());
        format!("{:?}/{ip}/{:?}", self.asn, self.mac_address)
    }
}

/// The peers on network service `service`, but for the config `except`.
fn peers(store: &Store, service: &str, except: Option<&str>, now_ms: i64) -> Vec<Peer> {
    let mut found = Vec::new();
    for (id, config) in store.collection("/network-service-configs") {
        if config.str("network_service") != Some(service)
            || except == Some(id.to_string().as_str())
            || config.gone(now_ms)
        {
            continue;
        }
        let asn = config
            .object
            .get("asns")
            .and_then(Value::as_array)
            .and_then(|asns| asns.first())
            .and_then(Value::as_u64);
        let mac = config
            .object
            .get("macs")
            .and_then(Value::as_array)
            .and_then(|macs| macs.first())
            .and_then(Value::as_str)
            .and_then(|mac| store.get("/macs", mac))
            .and_then(|mac| mac.str("address"))
            .map(str::to_string);
        let ips: Vec<(String, u64, Option<String>)> = config
            .object
            .get("ips")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|ip| store.get("/ips", ip))
            .filter_map(|ip| {
                let address = ip.str("address")?.to_string();
                let version = ip.object.get("version").and_then(Value::as_u64)?;
                Some((address, version, ip.str("fqdn").map(str::to_string)))
            })
            .collect();
        let name = |fqdn: Option<&String>| {
            fqdn.cloned()
                .unwrap_or_else(|| asn.map_or_else(|| format!("config {id}"), |a| format!("AS{a}")))
        };
        if ips.is_empty() {
            found.push(Peer {
                asn,
                ip: None,
                mac_address: mac.clone(),
                name: name(None),
            });
        }
        for (address, version, fqdn) in ips {
            found.push(Peer {
                asn,
                ip: Some((address, version)),
                mac_address: mac.clone(),
                name: name(fqdn.as_ref()),
            });
        }
    }
    for (_, feature) in store.collection("/network-features") {
        if feature.str("network_service") != Some(service)
            || feature.str("type") != Some("route_server")
        {
            continue;
        }
        let asn = feature.object.get("asn").and_then(Value::as_u64);
        let name = feature
            .str("fqdn")
            .or(feature.str("name"))
            .unwrap_or("route server")
            .to_string();
        for (member, version) in [("ip_v4", 4), ("ip_v6", 6)] {
            if let Some(address) = feature.str(member) {
                found.push(Peer {
                    asn,
                    ip: Some((address.to_string(), version)),
                    mac_address: None,
                    name: name.clone(),
                });
            }
        }
    }
    found
}

fn query_value<'q>(query: &'q [(String, Value)], name: &str) -> Option<&'q Value> {
    query
        .iter()
        .find(|(known, _)| known == name)
        .map(|(_, value)| value)
}

/// `GET /network-service-configs/{id}/peer-statistics`: the config's
/// traffic with each peer on its network service, filtered by `asn`,
/// `mac_address`, `ip_address` and `ip_version`.
pub fn peer_statistics(
    store: &Store,
    config: &Map<String, Value>,
    query: &[(String, Value)],
    now_ms: i64,
) -> Result<Value, Problem> {
    let windows = windows(query, now_ms)?;
    let id = config.get("id").and_then(Value::as_str);
    let service = config
        .get("network_service")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mbps = capacity(store, "/network-service-configs", config);
    let asn = query_value(query, "asn").and_then(Value::as_u64);
    let mac = query_value(query, "mac_address").and_then(Value::as_str);
    let ip = query_value(query, "ip_address").and_then(Value::as_str);
    let version = query_value(query, "ip_version").and_then(Value::as_u64);
    let wanted_number = |name: &str| query_value(query, name).is_some();
    let found: Vec<Value> = peers(store, service, id, now_ms)
        .into_iter()
        .filter(|peer| !wanted_number("asn") || (asn.is_some() && peer.asn == asn))
        .filter(|peer| {
            mac.is_none_or(|mac| {
                peer.mac_address
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(mac))
            })
        })
        .filter(|peer| ip.is_none_or(|ip| peer.ip.as_ref().is_some_and(|(a, _)| a == ip)))
        .filter(|peer| {
            !wanted_number("ip_version")
                || (version.is_some() && peer.ip.as_ref().map(|(_, v)| *v) == version)
        })
        .map(|peer| {
            let key = format!(
                "{}/peers/{}",
                path("/network-service-configs", config),
                peer.key()
            );
            let series = Series::new(&key, (mbps / 10).max(1));
            json!({"peer": peer.json(), "aggregates": aggregates(&series, &windows, None)})
        })
        .collect();
    Ok(Value::Array(found))
}

/// `GET /network-services/{id}/rtt-statistics`: the exchange's round-trip
/// measurements to each peer on the service, one every five minutes
/// (`serial`: seconds since the epoch / 300). The latest of each peer;
/// with `after`, each since that serial (a day's at most). Filtered by
/// `asn` and `ip`.
pub fn rtt_statistics(
    store: &Store,
    service: &Map<String, Value>,
    query: &[(String, Value)],
    now_ms: i64,
) -> Result<Value, Problem> {
    let id = service
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let latest = now_ms.div_euclid(1_000).div_euclid(UPDATE_S);
    let after = query_value(query, "after").map(|after| match after.as_i64() {
        Some(after) => after,
        None if after.as_f64().is_some_and(|a| a < 0.0) => i64::MIN,
        None => i64::MAX,
    });
    let first = match after {
        Some(after) => after.saturating_add(1).max(latest - 287),
        None => latest,
    };
    let asn = query_value(query, "asn").and_then(Value::as_str);
    let ip = query_value(query, "ip").and_then(Value::as_str);
    let mut found = Vec::new();
    for peer in peers(store, id, None, now_ms) {
        let Some((address, _)) = &peer.ip else {
            continue;
        };
        if asn.is_some_and(|asn| peer.asn.map(|a| a.to_string()).as_deref() != Some(asn))
            || ip.is_some_and(|ip| ip != address)
        {
            continue;
        }
        let key = mix(fnv(format!(
            "{}/rtt/{}",
            path("/network-services", service),
            peer.key()
        )
        .as_bytes()));
        // Each peer's own distance: 0.2 ms to 1.5 ms across the LAN.
        let base_us = draw(mix(key), 200, 1_500);
        for serial in first..=latest {
            let seed = mix(key ^ mix(serial as u64));
            let tx = 10_u64;
            let rx = if seed.is_multiple_of(97) { 9 } else { 10 };
            let min_us = base_us + draw(seed, 0, 50);
            let avg_us = min_us + draw(mix(seed), 10, 200);
            let max_us = avg_us + draw(mix(seed ^ 1), 20, 900);
            found.push(json!({
                "time_ms": 9_000 + draw(mix(seed ^ 2), 0, 999),
                "tx": tx,
                "rx": rx,
                "loss": 1.0 - rx as f64 / tx as f64,
                "rtt_min_ms": min_us as f64 / 1_000.0,
                "rtt_avg_ms": avg_us as f64 / 1_000.0,
                "rtt_max_ms": max_us as f64 / 1_000.0,
                "rtt_mdev_ms": (max_us - min_us) as f64 / 4_000.0,
                "neighbor": peer.name,
                "asn": peer.asn,
                "ip": address,
                "serial": serial,
                "timestamp": time(serial.saturating_mul(UPDATE_S)),
            }));
        }
    }
    Ok(Value::Array(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(start: i64, end: i64) -> Vec<(String, Value)> {
        vec![
            ("start".into(), json!(time(start))),
            ("end".into(), json!(time(end))),
        ]
    }

    #[test]
    fn the_same_object_and_window_answer_the_same_numbers() {
        let series = Series::new("/ports/7", 100_000);
        let day = custom(&window(1_700_000_000, 1_700_086_400))
            .unwrap()
            .unwrap();
        let a = aggregate(&day, &series.samples(&day), None);
        let b = aggregate(&day, &series.samples(&day), None);
        assert_eq!(a, b);
        let other = Series::new("/ports/8", 100_000);
        assert_ne!(a, aggregate(&day, &other.samples(&day), None));
    }

    #[test]
    fn traffic_fits_the_capacity_and_follows_the_day() {
        let series = Series::new("/connections/3", 10_000);
        let capacity = 10_000 * 125_000;
        let day = custom(&window(1_700_006_400, 1_700_092_800))
            .unwrap()
            .unwrap();
        let samples = series.samples(&day);
        assert_eq!(samples.len(), 288);
        assert!(
            samples
                .iter()
                .all(|s| s.ops_in <= capacity && s.ops_out <= capacity)
        );
        assert!(samples.iter().all(|s| s.ops_in > 0 && s.pps_in > 0));
        // Bytes per packet stay within Ethernet's frame sizes.
        assert!(
            samples
                .iter()
                .all(|s| (64..=1_518).contains(&(s.ops_in / s.pps_in.max(1))))
        );
        let at_hour = |h: i64| {
            samples
                .iter()
                .filter(|s| s.at.rem_euclid(86_400) / 3_600 == h)
                .map(|s| s.ops_in)
                .sum::<u64>()
        };
        assert!(
            at_hour(20) > at_hour(4) * 2,
            "evenings are busier than nights"
        );
    }

    #[test]
    fn a_window_must_end_after_it_starts() {
        assert!(custom(&window(10, 10)).is_err());
        let w = custom(&window(0, 600)).unwrap().unwrap();
        assert_eq!((w.start, w.end, w.spacing), (0, 600, 60));
        let only_start = vec![("start".to_string(), json!("2024-01-01T00:00:00z"))];
        let w = custom(&only_start).unwrap().unwrap();
        assert_eq!(w.end - w.start, 86_400);
    }
}
