//! The request as the spec says it goes on the wire, where progenitor's
//! defaults differ: list filters declared `style: form, explode: false` go
//! out as one comma-separated value (`id=a,b,c`, not `id=a&id=b&id=c`), and
//! a body goes out with the media type the spec declares for it
//! (`application/merge-patch+json` for the PATCHes, which progenitor sends
//! as `application/json`).
//!
//! And the answer as the spec reads it, where servers of another version
//! write it otherwise: a read that answers one object in 2.7 (facilities,
//! metro areas) answers a one-element list on a 2.1 server.

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use reqwest::{Body, Request, Response, ResponseBuilderExt, Url};

use crate::generated::spec::Operation;

/// Rewrites `request` for `operation` as the spec says.
pub(crate) fn as_the_spec_says(request: &mut Request, operation: &Operation) {
    if !operation.comma_separated.is_empty() {
        join_lists(request, operation.comma_separated);
    }
    if let Some(media_type) = operation.request_body
        && request.body().is_some()
        && media_type != "application/json"
        && let Ok(value) = HeaderValue::from_str(media_type)
    {
        request.headers_mut().insert(CONTENT_TYPE, value);
    }
}

/// Merges the repeated query pairs of each name in `lists` into one pair,
/// where the first of them stood, whose value is theirs joined by literal
/// commas (a comma inside a value stays encoded, `%2C`).
fn join_lists(request: &mut Request, lists: &[&str]) {
    let url = request.url_mut();
    if url.query().is_none_or(|q| q.is_empty()) {
        return;
    }
    let encode =
        |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, value) in url.query_pairs() {
        let joined = lists
            .contains(&name.as_ref())
            .then(|| pairs.iter_mut().find(|(seen, _)| *seen == name))
            .flatten();
        match joined {
            Some((_, values)) => {
                values.push(',');
                values.push_str(&encode(&value));
            }
            None => pairs.push((name.into_owned(), encode(&value))),
        }
    }
    let query: Vec<String> = pairs
        .into_iter()
        .map(|(name, value)| format!("{}={value}", encode(&name)))
        .collect();
    url.set_query(Some(&query.join("&")));
}

/// The largest answer [`one_object`] looks into: a facility or a metro area
/// is a few hundred bytes; anything far larger is left for the decoder.
const MAX_LISTED_OBJECT: usize = 1 << 20;

/// The success answer of `operation` as the spec reads it: where the
/// operation answers one object that a 2.1 server lists
/// ([`Operation::one_object_listed_by_2_1`]), a one-element JSON list
/// becomes its element. Any other answer is handed on as it came (a list
/// of another length is left for the decoder to report).
pub(crate) async fn one_object(
    response: Response,
    operation: &Operation,
) -> reqwest::Result<Response> {
    if !operation.one_object_listed_by_2_1
        || !response.status().is_success()
        || response
            .content_length()
            .is_some_and(|length| length > MAX_LISTED_OBJECT as u64)
    {
        return Ok(response);
    }
    let status = response.status();
    let (version, mut headers, url) = (
        response.version(),
        response.headers().clone(),
        response.url().clone(),
    );
    let body = response.bytes().await?;
    let element = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Array(mut list)) if list.len() == 1 => list
            .pop()
            .and_then(|only| serde_json::to_vec(&only).ok())
            .map(bytes::Bytes::from),
        _ => None,
    };
    let body = element.unwrap_or(body);
    headers.remove(CONTENT_LENGTH);
    let mut rebuilt = http::Response::new(Body::from(body));
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    with_url(&mut rebuilt, url);
    Ok(Response::from(rebuilt))
}

/// Puts `url` where reqwest keeps a response's URL (an extension only its
/// builder sets).
pub(crate) fn with_url<B>(response: &mut http::Response<B>, url: Url) {
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        response
            .extensions_mut()
            .extend(carrier.into_parts().0.extensions);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(request_body: Option<&'static str>) -> Operation {
        Operation {
            id: "things_list",
            method: "GET",
            path: "/things",
            kind: crate::spec::Kind::List,
            bearer: true,
            request_body,
            comma_separated: &["id", "state"],
            answers: &[(200, 200)],
            one_object_listed_by_2_1: false,
        }
    }

    fn request(url: &str) -> Request {
        Request::new(reqwest::Method::GET, url.parse().unwrap())
    }

    #[test]
    fn list_filters_are_joined_with_commas() {
        let mut r = request("http://x/things?id=a&name=n&id=b%2Cc&state=s&tag=1&tag=2&id=d");
        as_the_spec_says(&mut r, &operation(None));
        assert_eq!(
            r.url().query(),
            Some("id=a,b%2Cc,d&name=n&state=s&tag=1&tag=2")
        );
    }

    #[test]
    fn the_declared_media_type_replaces_json() {
        let mut r = request("http://x/things");
        *r.body_mut() = Some("{}".into());
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        as_the_spec_says(&mut r, &operation(Some("application/merge-patch+json")));
        assert_eq!(r.headers()[CONTENT_TYPE], "application/merge-patch+json");
        let mut r = request("http://x/things");
        as_the_spec_says(&mut r, &operation(Some("application/merge-patch+json")));
        assert!(r.headers().get(CONTENT_TYPE).is_none(), "no body, no type");
    }
}
