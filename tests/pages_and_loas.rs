//! IX-API 2.7 in the client: lists walked page by page as a stream (see
//! also `pages_memory`), servers that ignore the page parameters, and
//! letters of authorisation up and down as raw bytes. Scripted servers on
//! 127.0.0.1 play the exchange.

use std::num::NonZeroU32;

use futures_util::StreamExt;
use ix_api_client::{Call, Paginate};
use ix_api_tests::{Reply, ScriptedServer, answering, zone};
use serde_json::json;

fn client_for(server: &ScriptedServer) -> ix_api_client::Client {
    ix_api_client::Client::with_access_token(&server.base_url, ix_api_tests::BEARER_TOKEN)
}

/// A server that ignores `page_limit` and `page_offset` (an IX-API 2.1
/// exchange) answers the whole list to every page: each item comes once.
#[tokio::test]
async fn a_server_that_ignores_the_page_parameters_gives_each_item_once() {
    for total in [3, 10, 25] {
        let server = ScriptedServer::start(move |_| {
            Reply::json(200, json!((0..total).map(zone).collect::<Vec<_>>()))
        })
        .await;
        let client = client_for(&server);
        let items: Vec<_> = client
            .availability_zones_list()
            .pages(NonZeroU32::new(10).unwrap())
            .collect()
            .await;
        let ids: Vec<String> = items
            .into_iter()
            .map(|zone| zone.unwrap().id.unwrap())
            .collect();
        assert_eq!(
            ids,
            (0..total).map(|i| format!("az-{i}")).collect::<Vec<_>>(),
            "{total} items"
        );
        // Shorter than the limit or longer: one request; exactly the limit:
        // one more, whose repeat of the first item ends the walk.
        let expected = if total == 10 { 2 } else { 1 };
        assert_eq!(server.requests().len(), expected, "{total} items");
    }
}

/// IX-API 2.7.1 answers a list 200 or 206: pages answered 206 (here, all
/// but the last) are pages like any other, walked or asked for one by one.
#[tokio::test]
async fn pages_answered_206_are_pages() {
    let server = ScriptedServer::start(|request| {
        let number = |name: &str| request.query(name).and_then(|v| v.parse::<usize>().ok());
        let (limit, offset) = (
            number("page_limit").unwrap_or(5),
            number("page_offset").unwrap_or(0),
        );
        let end = (offset + limit).min(5);
        let page: Vec<_> = (offset..end).map(zone).collect();
        Reply::json(if end < 5 { 206 } else { 200 }, json!(page))
    })
    .await;
    let client = client_for(&server);
    let ids: Vec<String> = client
        .availability_zones_list()
        .pages(NonZeroU32::new(2).unwrap())
        .map(|zone| zone.unwrap().id.unwrap())
        .collect()
        .await;
    assert_eq!(ids, ["az-0", "az-1", "az-2", "az-3", "az-4"]);
    assert_eq!(server.requests().len(), 3);
    let page = client
        .availability_zones_list()
        .page_limit(2)
        .call()
        .await
        .expect("a 206 is a success");
    assert_eq!(page.status().as_u16(), 206);
    assert_eq!(page.len(), 2);
}

#[tokio::test]
async fn an_error_ends_the_walk_after_it_is_given() {
    let server = ScriptedServer::start(|request| match request.query("page_offset").as_deref() {
        Some("0") | None => Reply::json(200, json!((0..5).map(zone).collect::<Vec<_>>())),
        _ => Reply::problem(403, "permission-denied", "No more for you"),
    })
    .await;
    let client = client_for(&server);
    let items: Vec<_> = client
        .availability_zones_list()
        .pages(NonZeroU32::new(5).unwrap())
        .collect()
        .await;
    assert_eq!(items.len(), 6);
    assert!(items[..5].iter().all(Result::is_ok));
    let error = items[5].as_ref().unwrap_err();
    assert_eq!(error.status(), Some(403));
    assert_eq!(error.operation(), Some("availability_zones_list"));
}

/// A 10 MiB PDF (bytes no text encoding would keep) goes up as it is and
/// comes down as it is, with either media type.
#[tokio::test]
async fn letters_of_authorisation_travel_as_raw_bytes() {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend((0..(10 << 20) - 9).map(|i: usize| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    assert_eq!(pdf.len(), 10 << 20);
    let stored = pdf.clone();
    let server = ScriptedServer::start(move |request| match request.method.as_str() {
        "POST" => Reply::raw(200, Some("application/octet-stream"), Vec::new()),
        _ if request.path.contains("port-reservations") => {
            Reply::raw(200, Some("application/octet-stream"), stored.clone())
        }
        _ => Reply::raw(200, Some("application/pdf"), stored.clone()),
    })
    .await;
    let client = client_for(&server);
    client
        .connections_loa_upload()
        .id("7")
        .body(pdf.clone())
        .call()
        .await
        .expect("uploaded");
    let sent = &server.requests()[0];
    assert_eq!(
        sent.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(sent.body.len(), pdf.len());
    assert!(sent.body[..] == pdf[..], "the bytes went up as they are");

    for download in [
        client.connections_loa_download().id("7").call().await,
        client.port_reservations_loa_download().id("8").call().await,
    ] {
        let mut stream = download.expect("downloaded").into_inner().into_inner();
        let mut got = Vec::with_capacity(pdf.len());
        while let Some(chunk) = stream.next().await {
            got.extend_from_slice(&chunk.unwrap());
        }
        assert!(
            got == pdf,
            "the same bytes came down ({} of {})",
            got.len(),
            pdf.len()
        );
    }
}

/// A missing LOA is the exchange's not-found, typed.
#[tokio::test]
async fn a_missing_letter_of_authorisation_is_not_found() {
    let (_server, client) = answering(Reply::problem(404, "not-found", "No LOA uploaded")).await;
    let error = client
        .connections_loa_download()
        .id("7")
        .call()
        .await
        .err()
        .expect("an error");
    assert_eq!(error.status(), Some(404));
    assert_eq!(
        error.problem_kind(),
        Some(ix_api_client::ProblemKind::NotFound)
    );
}
