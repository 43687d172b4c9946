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
//!
//! A page answers 200 or 206 (IX-API 2.7.1 lists both); either is a page
//! like any other, and the walk goes by the page's length alone.
//!
//! [`Cursor`] is the walk's rules alone, for callers that fetch the pages
//! themselves (to print a page that does not decode, say).

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
            request: self,
            cursor: Cursor::new(limit),
            page: Vec::new().into_iter(),
        };
        futures_util::stream::try_unfold(state, Walk::next)
    }
}

/// Where a walk through a list stands, by the rules of the [module](self)
/// docs: which page to ask for next, and whether a page's items are new.
///
/// ```
/// use ix_api_client::pages::Cursor;
/// use std::num::NonZeroU32;
///
/// let mut cursor = Cursor::new(NonZeroU32::new(2).unwrap());
/// assert_eq!(cursor.next_page(), Some((2, 0)));
/// assert!(cursor.take(2, Some(&serde_json::json!({"id": "1"}))));
/// assert_eq!(cursor.next_page(), Some((2, 2)));
/// // The server ignores page_offset: the same first item again.
/// assert!(!cursor.take(2, Some(&serde_json::json!({"id": "1"}))));
/// assert_eq!(cursor.next_page(), None);
/// ```
#[derive(Debug, Clone)]
pub struct Cursor {
    limit: i64,
    offset: i64,
    /// The first item of the first page: a page that starts with it again
    /// comes from a server that ignores `page_offset`.
    first: Option<serde_json::Value>,
    done: bool,
}

impl Cursor {
    /// A walk from offset 0, `limit` items a page.
    pub fn new(limit: NonZeroU32) -> Self {
        Self {
            limit: i64::from(limit.get()),
            offset: 0,
            first: None,
            done: false,
        }
    }

    /// The `(page_limit, page_offset)` of the page to ask for next; `None`
    /// once the walk is over.
    pub fn next_page(&self) -> Option<(i64, i64)> {
        (!self.done).then_some((self.limit, self.offset))
    }

    /// Takes in the page just asked for: `count` items, the first of them
    /// `leading` (as JSON). Answers whether its items are new; `false`
    /// means the server started the list again, and the walk is over.
    pub fn take(&mut self, count: usize, leading: Option<&serde_json::Value>) -> bool {
        if self.done {
            return false;
        }
        if self.offset > 0 && leading.is_some() && leading == self.first.as_ref() {
            self.done = true;
            return false;
        }
        if self.offset == 0 {
            self.first = leading.cloned();
        }
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        self.done = count != self.limit;
        self.offset = self.offset.saturating_add(count);
        true
    }
}

/// Where a walk stands.
struct Walk<B: Paginate> {
    request: B,
    cursor: Cursor,
    /// The rest of the current page.
    page: std::vec::IntoIter<B::Item>,
}

impl<B: Paginate> Walk<B> {
    async fn next(mut self) -> Result<Option<(B::Item, Self)>, Error> {
        loop {
            if let Some(item) = self.page.next() {
                return Ok(Some((item, self)));
            }
            let Some((limit, offset)) = self.cursor.next_page() else {
                return Ok(None);
            };
            let items = self
                .request
                .clone()
                .page(limit, offset)
                .call()
                .await?
                .into_inner();
            let leading = items
                .first()
                .and_then(|item| serde_json::to_value(item).ok());
            if !self.cursor.take(items.len(), leading.as_ref()) {
                return Ok(None);
            }
            self.page = items.into_iter();
        }
    }
}
