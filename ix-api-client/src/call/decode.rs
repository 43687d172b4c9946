//! How an answer's body becomes its model: checked as UTF-8 once, then
//! read as text. Reading bytes, serde_json checks each string it reads on
//! its own; reading text, it need not: a list of 10,000 configs decodes in
//! two thirds of the time (the `decode` bench). Codegen puts [`answer`] in
//! place of progenitor's `ResponseValue::from_response`, which reads the
//! bytes, so every operation's answer, and [`super::locate`], go through
//! [`decode`].

use progenitor_client::{Error, ResponseValue};
use serde::de::DeserializeOwned;

/// The answer `response` carries, decoded as `T`: what progenitor's
/// `ResponseValue::from_response` gives, with the same errors.
pub(crate) async fn answer<T: DeserializeOwned, E>(
    response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
    match decode(&body) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(e) => Err(Error::InvalidResponsePayload(body, e)),
    }
}

/// `body` decoded as `T`, as the operations decode their answers (public
/// for the `decode` bench).
#[doc(hidden)]
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(bad) => Err(not_utf8::<T>(body, bad.valid_up_to())),
    }
}

/// The error for a body that is not UTF-8 from byte `valid` on: the
/// model's own error if it fails before that byte, as it would reading
/// the bytes; else where the text stops being UTF-8.
#[cold]
fn not_utf8<T: DeserializeOwned>(body: &[u8], valid: usize) -> serde_json::Error {
    let before = std::str::from_utf8(&body[..valid]).unwrap_or_default();
    match serde_json::from_str::<T>(before) {
        Err(e) if !e.is_eof() => e,
        _ => {
            let line = 1 + before.matches('\n').count();
            let column = 1 + before
                .rsplit('\n')
                .next()
                .map_or(0, |last| last.chars().count());
            serde::de::Error::custom(format_args!(
                "invalid UTF-8 at byte {valid} (line {line} column {column})"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Contact;

    const CONTACT: &str =
        r#"{"consuming_account": "a", "id": "c", "managing_account": "m", "name": "NOC"}"#;

    #[test]
    fn text_decodes_as_the_bytes_do() {
        for text in [
            CONTACT,
            r#"{"consuming_account": "a", "id": 7, "managing_account": "m"}"#,
            "{\"consuming_account\": \"a\",\n \"id\": \"c\"}",
            r#"{"consuming_account": "a", "id": "c", "managing_account": "m"} x"#,
            r#"{"name": "\u00e9t\u00e9", "consuming_account": "ä", "id": "c", "managing_account": "m"}"#,
            "",
            "[",
        ] {
            let bytes = decode::<Contact>(text.as_bytes()).map(|c| format!("{c:?}"));
            let slice =
                serde_json::from_slice::<Contact>(text.as_bytes()).map(|c| format!("{c:?}"));
            assert_eq!(
                bytes.map_err(|e| e.to_string()),
                slice.map_err(|e| e.to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_fail_where_they_stop_being_text() {
        let mut body = CONTACT.replace("NOC", "N\u{0}C").into_bytes();
        let at = body.iter().position(|&b| b == 0).unwrap();
        body[at] = 0xff;
        let error = decode::<Contact>(&body).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("invalid UTF-8 at byte {at} (line 1 column {})", at + 1)
        );
        // A model error before the bad byte is the model's, as reading the
        // bytes says it.
        let mut body = r#"{"id": 7, "name": "N C"}"#.as_bytes().to_vec();
        let space = body.windows(3).position(|w| w == b"N C").unwrap() + 1;
        body[space] = 0xff;
        assert_eq!(
            decode::<Contact>(&body).unwrap_err().to_string(),
            serde_json::from_slice::<Contact>(&body)
                .unwrap_err()
                .to_string()
        );
    }
}
