//! Walking a list of 100,000 items page by page holds one page: the heap,
//! counted by this binary's allocator, grows by what one page takes, not by
//! what the whole list takes (measured too, by asking for it in one page).
//! A binary of its own, so that no other test allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use ix_api_client::Paginate;
use ix_api_tests::{Recorded, Reply, ScriptedServer, zone};
use serde_json::json;

/// Counts the bytes on the heap, and the most there were since the last
/// reset: what a walk holds, measured rather than assumed.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(held, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const TOTAL: usize = 100_000;

/// Availability zones 0..`TOTAL`, made up page by page as asked.
fn paged(request: &Recorded) -> Reply {
    let number = |name: &str| request.query(name).and_then(|v| v.parse::<usize>().ok());
    let offset = number("page_offset").unwrap_or(0);
    let limit = number("page_limit").unwrap_or(TOTAL);
    let page: Vec<_> = (offset..TOTAL.min(offset.saturating_add(limit)))
        .map(zone)
        .collect();
    Reply::json(200, json!(page))
}

#[tokio::test]
async fn a_hundred_thousand_items_stream_with_one_page_in_memory() {
    let server = ScriptedServer::start(paged).await;
    let limit = NonZeroU32::new(1_000).unwrap();
    let zones =
        ix_api_client::Client::with_access_token(&server.base_url, ix_api_tests::BEARER_TOKEN);
    let mut walk = std::pin::pin!(zones.availability_zones_list().pages(limit));

    // The first page is in; from here on the heap should not grow with
    // the number of items seen.
    let first = walk.next().await.unwrap().unwrap();
    assert_eq!(first.id.as_deref(), Some("az-0"));
    let baseline = HELD.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let mut seen = 1;
    while let Some(zone) = walk.next().await {
        let zone = zone.unwrap();
        assert_eq!(zone.id, Some(format!("az-{seen}")), "in order, each once");
        seen += 1;
    }
    let grew = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);
    assert_eq!(seen, TOTAL);
    // 100 full pages and the empty one that says the list ended.
    let asked = server.requests();
    assert_eq!(asked.len(), 101);
    assert!(
        asked
            .iter()
            .all(|r| r.query("page_limit").as_deref() == Some("1000"))
    );

    // The same list in one page, for comparison.
    let baseline = HELD.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let mut whole = std::pin::pin!(
        zones
            .availability_zones_list()
            .pages(NonZeroU32::new(TOTAL as u32).unwrap())
    );
    let mut all = 0;
    while let Some(zone) = whole.next().await {
        zone.unwrap();
        all += 1;
    }
    assert_eq!(all, TOTAL);
    let at_once = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);
    eprintln!(
        "100,000 items: the heap grew by at most {grew} bytes in pages of 1,000, {at_once} bytes in one page"
    );
    assert!(
        grew * 10 < at_once,
        "pages of 1,000 took {grew} bytes, the whole list {at_once}"
    );
}
