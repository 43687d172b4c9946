//! The generated mocks against the client, over HTTP on 127.0.0.1: each
//! amendment of progenitor's output (escaped path values, comma-separated
//! lists, RFC 3339 date-times, raw bodies) matches what the client sends,
//! and only that.

use chrono::{TimeZone, Utc};
use ix_api_client::{Call, Client, Error, ProblemKind, types};
use ix_api_httpmock::{MockServer, MockServerExt};

fn not_found() -> types::ProblemResponse {
    types::ProblemResponse {
        type_: "https://errors.ix-api.net/v2/not-found.html".into(),
        title: Some("Not Found".into()),
        status: Some(404),
        detail: None,
        instance: None,
        extra: Default::default(),
    }
}

fn client(server: &MockServer) -> Client {
    Client::with_access_token(&server.base_url(), "token")
}

#[tokio::test]
async fn a_path_parameter_matches_its_value_only() {
    let server = MockServer::start_async().await;
    let mock = server.connections_read(|when, then| {
        when.id("c-1.2");
        then.not_found(&not_found());
    });
    let client = client(&server);

    // `.` is no wildcard: another id is not this mock's.
    let other = client.connections_read().id("c-1x2").call().await;
    assert!(other.is_err());
    assert_eq!(mock.calls_async().await, 0);

    let error = client
        .connections_read()
        .id("c-1.2")
        .call()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Rejected { status: 404, problem, .. } if problem.kind() == ProblemKind::NotFound),
        "{error:?}"
    );
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn list_filters_match_comma_separated() {
    let server = MockServer::start_async().await;
    let ids = vec!["a".to_string(), "b".to_string()];
    let mock = server.connections_list(|when, then| {
        when.id(&ids).state(None);
        then.ok(&vec![]);
    });
    let client = client(&server);

    let found = client
        .connections_list()
        .id(ids.clone())
        .call()
        .await
        .unwrap();
    assert!(found.into_inner().is_empty());
    assert_eq!(mock.calls_async().await, 1);

    // Another list, or a parameter the mock wants absent, is not matched.
    let _ = client
        .connections_list()
        .id(vec!["a".to_string()])
        .call()
        .await;
    let _ = client
        .connections_list()
        .id(ids.clone())
        .state("production")
        .call()
        .await;
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn date_times_match_as_the_client_sends_them() {
    let server = MockServer::start_async().await;
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mock = server.connections_statistics_read(|when, then| {
        when.id("c-1").start(&start).end(None);
        then.into_inner().status(503);
    });
    let client = client(&server);

    let error = client
        .connections_statistics_read()
        .id("c-1")
        .start(start)
        .call()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503), "{error:?}");
    assert_eq!(mock.calls_async().await, 1);

    let later = start + chrono::Duration::seconds(1);
    let _ = client
        .connections_statistics_read()
        .id("c-1")
        .start(later)
        .call()
        .await;
    assert_eq!(mock.calls_async().await, 1);
}

/// Not UTF-8, as a PDF is not.
const LETTER: &[u8] = b"%PDF-1.7\n\xff\x00\xfe";

#[tokio::test]
async fn raw_request_bodies_match_byte_for_byte() {
    let server = MockServer::start_async().await;
    let mock = server.connections_loa_upload(|when, then| {
        when.id("c-1").body(LETTER);
        then.success(201, b"");
    });
    let client = client(&server);

    let stored = client
        .connections_loa_upload()
        .id("c-1")
        .body(reqwest::Body::from(LETTER))
        .call()
        .await;
    if let Err(error) = stored {
        panic!("{error:?}");
    }
    assert_eq!(mock.calls_async().await, 1);

    let _ = client
        .connections_loa_upload()
        .id("c-1")
        .body(reqwest::Body::from(&LETTER[1..]))
        .call()
        .await;
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn raw_answers_are_the_bytes_given() {
    let server = MockServer::start_async().await;
    let mock = server.connections_loa_download(|when, then| {
        when.id("c-1");
        then.ok(LETTER);
    });

    let answer = reqwest::Client::new()
        .get(server.url("/connections/c-1/loa"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "application/octet-stream");
    assert_eq!(answer.bytes().await.unwrap().as_ref(), LETTER);
    mock.assert_async().await;
}

#[tokio::test]
async fn a_list_mocked_as_206_and_a_facility_as_one_object_decode() {
    let server = MockServer::start_async().await;
    let zone: types::AvailabilityZone =
        serde_json::from_value(serde_json::json!({"id": "az-1", "name": "Zone 1"})).unwrap();
    let list = server.availability_zones_list(|_, then| {
        then.partial_content(&vec![zone.clone()]);
    });
    let facility: types::Facility = serde_json::from_value(serde_json::json!({
        "id": "fac-1", "name": "FRA1", "metro_area": "ma-fra", "address_country": "DE",
        "address_locality": "Frankfurt", "address_region": "Hesse", "postal_code": "60314",
        "street_address": "Hanauer Landstr. 1", "organisation_name": "Example DC", "pops": [],
    }))
    .unwrap();
    server.facilities_read(|when, then| {
        when.id("fac-1");
        then.ok(&facility);
    });
    let client = client(&server);
    let zones = client.availability_zones_list().call().await.unwrap();
    assert_eq!(zones.status().as_u16(), 206);
    let value = |v| serde_json::to_value(v).unwrap();
    assert_eq!(value(zones.into_inner()), value(vec![zone]));
    assert_eq!(list.calls_async().await, 1);
    let read = client.facilities_read().id("fac-1").call().await.unwrap();
    assert_eq!(
        serde_json::to_value(read.into_inner()).unwrap(),
        serde_json::to_value(facility).unwrap()
    );
}
