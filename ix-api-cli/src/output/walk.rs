//! A list command without a page named on its command line: every page of
//! the list, by the rules of `ix_api_client::pages::Cursor`, printed as one
//! JSON array as the pages come. The next page is asked for before the
//! current one is printed, so that the exchange answers while this side
//! writes; it is the page the walk would ask for next anyway, so the
//! exchange sees the same requests, and a page that repeats the first (a
//! server that ignores the page parameters) still ends the walk unprinted.

use std::future::Future;
use std::io::{self, BufWriter, Write};
use std::pin::Pin;
use std::task::Poll;

use futures_util::future::{MaybeDone, maybe_done};
use ix_api_client::Paginate;
use ix_api_client::pages::{Cursor, DEFAULT_PAGE_LIMIT};
use serde_json::Value;

use super::{CHOICE, as_received, write_as_sent};
use crate::failure::Failure;

/// Standard output's buffer: a page of a list is written in a few calls.
const BUFFER: usize = 64 * 1024;

/// A page's items: decoded, or as the exchange sent them (a page that
/// breaks the spec, printed as it came).
enum Page<T> {
    Decoded(Vec<T>),
    AsSent(Vec<String>),
}

/// Every item of a list, page by page, printed as one JSON array as the
/// items come (pretty on a terminal, one line otherwise): one page in
/// memory at a time, and the next on its way. A page that breaks the spec
/// is printed as it came (unless `--strict`). If the walk fails, the array
/// is left open: what came so far stays, but no complete JSON document is
/// on stdout. In another form (a table, `--jq`, ...), the list is shown
/// once all of it has come, and not at all if the walk fails.
pub async fn pages<B: Paginate>(request: B) -> anyhow::Result<()> {
    let choice = CHOICE.try_with(Clone::clone).unwrap_or_default();
    let streamed = choice.as_ever(true);
    let pretty = streamed && choice.terminal;
    // The items' JSON texts, when the list is shown whole.
    let mut kept: Vec<String> = Vec::new();
    let mut cursor = Cursor::new(DEFAULT_PAGE_LIMIT);
    let mut out = BufWriter::with_capacity(BUFFER, io::stdout().lock());
    let mut opened = false;
    let mut first = true;
    let ask = |(limit, offset): (i64, i64)| {
        let answer = Box::pin(request.clone().page(limit, offset).call());
        (offset, maybe_done(answer))
    };
    let mut asked = cursor.next_page().map(ask);
    let written: io::Result<()> = async {
        while let Some((offset, mut answer)) = asked.take() {
            (&mut answer).await;
            let answer = Pin::new(&mut answer)
                .take_output()
                .ok_or_else(|| io::Error::other("a page answered twice"))?;
            let page = match answer {
                Ok(answer) => {
                    let items = answer.into_inner();
                    let leading = items
                        .first()
                        .and_then(|item| serde_json::to_value(item).ok());
                    if !cursor.take(items.len(), leading.as_ref()) {
                        break;
                    }
                    Page::Decoded(items)
                }
                Err(error) => {
                    let place = match offset {
                        0 => String::new(),
                        offset => format!(" (the page from item {offset})"),
                    };
                    let sent = error
                        .raw_body()
                        .and_then(items_as_sent)
                        .filter(|_| as_received(&error, &place).is_some());
                    let Some(sent) = sent else {
                        return Err(io::Error::other(Failure::from(error)));
                    };
                    let leading = sent
                        .first()
                        .and_then(|item| serde_json::from_str::<Value>(item).ok());
                    if !cursor.take(sent.len(), leading.as_ref()) {
                        break;
                    }
                    if streamed && !opened && cursor.next_page().is_none() {
                        // The whole list in one page: byte for byte.
                        return write_as_sent(&mut out, error.raw_body());
                    }
                    Page::AsSent(sent.into_iter().map(str::to_string).collect())
                }
            };
            asked = cursor.next_page().map(ask);
            if let Some((_, next)) = &mut asked {
                under_way(next).await;
            }
            if !streamed {
                match page {
                    Page::Decoded(items) => {
                        for item in &items {
                            kept.push(serde_json::to_string(item).map_err(io::Error::other)?);
                        }
                    }
                    Page::AsSent(texts) => kept.extend(texts),
                }
                continue;
            }
            if !opened {
                out.write_all(b"[")?;
                opened = true;
            }
            let mut next_item = |out: &mut BufWriter<_>| {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                if pretty {
                    out.write_all(b"\n")?;
                }
                io::Result::Ok(())
            };
            match page {
                Page::Decoded(items) => {
                    for item in &items {
                        next_item(&mut out)?;
                        if pretty {
                            serde_json::to_writer_pretty(&mut out, item)?;
                        } else {
                            serde_json::to_writer(&mut out, item)?;
                        }
                    }
                }
                Page::AsSent(texts) => {
                    for text in &texts {
                        next_item(&mut out)?;
                        out.write_all(text.as_bytes())?;
                    }
                }
            }
            // Shown as it comes.
            out.flush()?;
        }
        if !streamed {
            let items = kept
                .iter()
                .map(|text| serde_json::from_str(text))
                .collect::<Result<Vec<Value>, _>>()
                .map_err(io::Error::other)?;
            let shown = choice
                .render(&Value::Array(items))
                .map_err(io::Error::other)?;
            out.write_all(&shown)?;
            return out.flush();
        }
        if !opened {
            out.write_all(b"[")?;
        }
        out.write_all(b"]\n")?;
        out.flush()
    }
    .await;
    match written {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = out.flush();
            match error.into_inner().map(|inner| inner.downcast::<Failure>()) {
                Some(Ok(failure)) => Err(anyhow::Error::new(*failure)),
                // A closed pipe (`| head`) is not a failure.
                _ => Ok(()),
            }
        }
    }
}

/// Gets a request on its way without waiting for its answer: polled once,
/// it is handed to its connection, and the yield lets the connection (a
/// task of this thread's runtime) write it.
async fn under_way<F: Future + Unpin>(answer: &mut MaybeDone<F>) {
    std::future::poll_fn(|context| {
        let _ = Pin::new(&mut *answer).poll(context);
        Poll::Ready(())
    })
    .await;
    tokio::task::yield_now().await;
}

/// The items of a JSON array, each as its text came (`body` is known to be
/// an array).
fn items_as_sent(body: &[u8]) -> Option<Vec<&str>> {
    let text = std::str::from_utf8(body).ok()?;
    serde_json::from_str::<Vec<serde::de::IgnoredAny>>(text).ok()?;
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut items = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0usize, false, false, 0usize);
    for (at, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            _ if in_string => {}
            '[' | '{' => depth += 1,
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(inner[start..at].trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    let last = inner[start..].trim();
    if !last.is_empty() {
        items.push(last);
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_items_of_an_array_keep_their_text() {
        let body = br#" [ {"a": [1, {"b": "x,]}"}]} ,2,"s\"," , [ ] ,{"id":"7"}]
"#;
        assert_eq!(
            items_as_sent(body),
            Some(vec![
                r#"{"a": [1, {"b": "x,]}"}]}"#,
                "2",
                r#""s\",""#,
                "[ ]",
                r#"{"id":"7"}"#
            ])
        );
        assert_eq!(items_as_sent(b"[]"), Some(vec![]));
        assert_eq!(items_as_sent(b"{}"), None);
        assert_eq!(items_as_sent(b"[1,"), None);
    }
}
