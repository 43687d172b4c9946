//! Long lists, page by page: [`Paginate::pages`] walks a list to its end as
//! a `Stream` of items, holding one page at a time.
//!
//! IX-API 2.7 lists take `page_limit` and `page_offset` and answer a bare
//! JSON array; nothing in the answer says whether more follow (the IX-API
//! Terraform provider, generated from the schema, only passes the two
//! parameters on and never pages). So the walk asks for `page_limit` items
//! from offset 0, then from the next offset, and stops at the first page
//! shorter than the limit. A server that ignores the parameters (an IX-API
//! 2.1 exchange) answers the whole list at once: a page longer than the
//! limit, or a page that starts again with the first page's first item,
//! ends the walk too, so no item is given twice and the walk always ends.
//! `page_token` is left alone: no answer carries one.

use std::num::NonZeroU32;

use futures_core::Stream;
use serde::Serialize;

use crate::call::Call;
use crate::error::Error;

/// The page size [`Paginate::pages`] callers reach for first: large enough
/// that most lists are one request, small enough to bound memory.
pub const DEFAULT_PAGE_LIMIT: NonZeroU32 = NonZeroU32::new(1_000).expect("not zero");

/// A list operation's builder that takes `page_limit` and `page_offset`;
/// codegen implements it for each.
pub trait Paginate: Call<Answer = Vec<<Self as Paginate>::Item>> + Clone {
    /// One item of the list.
    type Item: Serialize + Send + 'static;

    /// The same request for the page of at most `limit` items from `offset`.
    fn page(self, limit: i64, offset: i64) -> Self;

    /// Every item of the list, a page of `limit` at a time, as the
    /// [module](self) docs say. An error ends the stream after it is given.
    fn pages(self, limit: NonZeroU32) -> impl Stream<Item = Result<Self::Item, Error>> + Send {
        let state = Walk {
            request: Some(self),
            limit: i64::from(limit.get()),
            offset: 0,
            page: Vec::new().into_iter(),
            first: None,
        };
        futures_util::stream::try_unfold(state, Walk::next)
    }
}

/// Where a walk stands.
struct Walk<B: Paginate> {
    /// `None` once no page follows.
    request: Option<B>,
    limit: i64,
    offset: i64,
    /// The rest of the current page.
    page: std::vec::IntoIter<B::Item>,
    /// The first item of the first page, as JSON: a page that starts with it
    /// again comes from a server that ignores `page_offset`.
    first: Option<String>,
}

impl<B: Paginate> Walk<B> {
    async fn next(mut self) -> Result<Option<(B::Item, Self)>, Error> {
        loop {
            if let Some(item) = self.page.next() {
                return Ok(Some((item, self)));
            }
            let Some(request) = self.request.take() else {
                return Ok(None);
            };
            let items = request
                .clone()
                .page(self.limit, self.offset)
                .call()
                .await?
                .into_inner();
            let count = i64::try_from(items.len()).unwrap_or(i64::MAX);
            let leading = items
                .first()
                .and_then(|item| serde_json::to_string(item).ok());
            if self.offset > 0 && leading.is_some() && leading == self.first {
                return Ok(None);
            }
            if self.offset == 0 {
                self.first = leading;
            }
            if count == self.limit {
                self.request = Some(request);
            }
            self.offset = self.offset.saturating_add(count);
            self.page = items.into_iter();
        }
    }
}
