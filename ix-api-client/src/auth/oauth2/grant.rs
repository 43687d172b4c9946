//! The client credentials grant as RFC 6749 writes it: the token request's
//! form and client authentication (sections 4.4.2 and 2.3.1), and the
//! reading of the answer (sections 5.1 and 5.2) into a token or the
//! session's error. No I/O: the token source sends and receives.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use url::form_urlencoded;

use super::ClientAuthentication;
use crate::call::error::{Error, OAUTH2_TOKEN};
use crate::lenient::LenientText;

/// The media type a token answer is written in (section 5.1).
pub(super) const JSON: &str = "application/json";
/// The media type of the token request's body (section 4.4.2).
pub(super) const FORM: &str = "application/x-www-form-urlencoded";

/// A token request's parts that hold the client's credentials; both are
/// the same for every grant of a session.
pub(super) struct TokenRequest {
    /// `Basic …` for [`ClientAuthentication::Basic`]; marked sensitive.
    pub authorization: Option<HeaderValue>,
    /// The form: `grant_type`, `scope` if any, and for
    /// [`ClientAuthentication::Form`] the client's id and secret.
    pub body: String,
}

impl TokenRequest {
    pub fn new(
        client_id: &str,
        client_secret: &str,
        authentication: ClientAuthentication,
        scopes: &[String],
    ) -> Self {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if !scopes.is_empty() {
            form.append_pair("scope", &scopes.join(" "));
        }
        let authorization = match authentication {
            ClientAuthentication::Basic => Some(basic(client_id, client_secret)),
            ClientAuthentication::Form => {
                form.append_pair("client_id", client_id);
                form.append_pair("client_secret", client_secret);
                None
            }
        };
        Self {
            authorization,
            body: form.finish(),
        }
    }
}

/// HTTP Basic of the client id and secret each form-encoded first, as
/// section 2.3.1 says (plain Basic would not encode them).
fn basic(client_id: &str, client_secret: &str) -> HeaderValue {
    let encoded = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let credentials = format!("{}:{}", encoded(client_id), encoded(client_secret));
    let mut value = HeaderValue::try_from(format!("Basic {}", STANDARD.encode(credentials)))
        .expect("base64 is a valid header value");
    value.set_sensitive(true);
    value
}

/// A token answer (section 5.1), read liberally: `token_type` in any case,
/// `expires_in` as a number or as text, other members ignored.
#[derive(Deserialize)]
pub(super) struct Granted {
    pub access_token: String,
    token_type: String,
    #[serde(default)]
    expires_in: Option<LenientText>,
}

impl std::fmt::Debug for Granted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Granted")
            .field("access_token", &"***")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl Granted {
    /// How long the token lives, if the answer says so in a form that reads.
    pub fn expires_in(&self) -> Option<Duration> {
        let seconds = self
            .expires_in
            .as_ref()?
            .as_str()
            .trim()
            .parse::<f64>()
            .ok()?;
        Duration::try_from_secs_f64(seconds).ok()
    }
}

/// An error answer (section 5.2). `error_uri` is read so that an answer
/// that breaks its type is no error answer, but it is not shown.
#[derive(Deserialize)]
struct Refusal {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default, rename = "error_uri")]
    _error_uri: Option<String>,
}

/// Reads the token URL's answer: only a 200 grants (anything else is read
/// as an error answer), written in JSON, holding a bearer token. The answer
/// holds a token, so no error keeps it or quotes it.
pub(super) fn read(
    status: u16,
    content_type: Option<&HeaderValue>,
    body: &[u8],
) -> Result<Granted, Error> {
    let malformed = |path: Option<String>, reason: String| Error::MalformedResponse {
        operation: OAUTH2_TOKEN,
        status: Some(status),
        path,
        reason,
        body: None,
    };
    // serde's message may quote the answer: only the member path is kept.
    let unreadable = |error: serde_json::Error| {
        malformed(
            crate::call::member_path::at_error(body, &error),
            "not a token answer".into(),
        )
    };
    if status != 200 {
        let refusal = if body.is_empty() {
            Err(malformed(
                None,
                "server returned empty error response".into(),
            ))
        } else {
            parse::<Refusal>(body).map_err(unreadable)
        };
        return Err(match refusal {
            Ok(refusal) => Error::OAuth2Rejected {
                status: Some(status),
                error: refusal.error,
                description: refusal.error_description,
            },
            // No error answer: a refusal by its status alone.
            Err(_) if !(200..300).contains(&status) => Error::UnexpectedStatus {
                operation: OAUTH2_TOKEN,
                status,
            },
            Err(error) => error,
        });
    }
    // Media types are case-insensitive and may carry parameters.
    if let Some(content_type) = content_type
        && !content_type
            .to_str()
            .is_ok_and(|text| text.to_lowercase().starts_with(JSON))
    {
        return Err(malformed(
            None,
            format!("unexpected response Content-Type: {content_type:?}, should be `{JSON}`"),
        ));
    }
    if body.is_empty() {
        return Err(malformed(
            None,
            "server returned empty response body".into(),
        ));
    }
    let granted = parse::<Granted>(body).map_err(unreadable)?;
    if !granted.token_type.eq_ignore_ascii_case("bearer") {
        return Err(malformed(
            Some("token_type".into()),
            format!("the token type is {:?}, not bearer", granted.token_type),
        ));
    }
    Ok(granted)
}

/// The first JSON value of `body` (what follows it is not read).
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    T::deserialize(&mut serde_json::Deserializer::from_slice(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic_credentials(request: &TokenRequest) -> String {
        let value = request.authorization.as_ref().expect("HTTP Basic");
        let encoded = value.to_str().unwrap().strip_prefix("Basic ").unwrap();
        String::from_utf8(STANDARD.decode(encoded).unwrap()).unwrap()
    }

    #[test]
    fn basic_form_encodes_id_and_secret_before_joining_them() {
        let scopes = ["ix-api".to_string(), "ix-api:write".to_string()];
        let request = TokenRequest::new(
            "id:1 é",
            "p@ss:w/rd+&",
            ClientAuthentication::Basic,
            &scopes,
        );
        assert_eq!(
            basic_credentials(&request),
            "id%3A1+%C3%A9:p%40ss%3Aw%2Frd%2B%26"
        );
        assert!(request.authorization.unwrap().is_sensitive());
        assert_eq!(
            request.body,
            "grant_type=client_credentials&scope=ix-api+ix-api%3Awrite"
        );
    }

    #[test]
    fn form_puts_id_and_secret_in_the_body_and_no_scopes_no_scope() {
        let request = TokenRequest::new("id 1", "s&=t", ClientAuthentication::Form, &[]);
        assert!(request.authorization.is_none());
        assert_eq!(
            request.body,
            "grant_type=client_credentials&client_id=id+1&client_secret=s%26%3Dt"
        );
    }

    #[test]
    fn a_bearer_answer_grants_and_says_how_long() {
        let answer = br#"{"access_token":"t","token_type":"BeArEr","expires_in":" 1.5 ","x":1}"#;
        let granted = read(200, Some(&HeaderValue::from_static(JSON)), answer).unwrap();
        assert_eq!(granted.access_token, "t");
        assert_eq!(granted.expires_in(), Some(Duration::from_millis(1500)));
        let never = read(
            200,
            None,
            br#"{"access_token":"t","token_type":"bearer","expires_in":-1}"#,
        );
        assert_eq!(never.unwrap().expires_in(), None);
    }

    #[test]
    fn refusals_are_read_at_any_status_and_keep_no_token() {
        let refusal = br#"{"error":"invalid_scope","error_description":"no","error_uri":"u"}"#;
        let error = read(400, None, refusal).unwrap_err();
        assert!(matches!(
            &error,
            Error::OAuth2Rejected { status: Some(400), error, description: Some(d) }
                if error == "invalid_scope" && d == "no"
        ));
        // `error_uri` that is no text: no error answer.
        let error = read(400, None, br#"{"error":"invalid_scope","error_uri":7}"#).unwrap_err();
        assert!(matches!(error, Error::UnexpectedStatus { status: 400, .. }));
        let error = read(204, None, b"").unwrap_err();
        assert_eq!(
            error.to_string(),
            "IX-API's answer to oauth2_token (status 204) is malformed: server returned empty error response"
        );
        let error = read(
            200,
            None,
            br#"{"access_token":"secret-token","token_type":7}"#,
        )
        .unwrap_err();
        assert!(!format!("{error} {error:?}").contains("secret-token"));
        assert!(
            matches!(error, Error::MalformedResponse { path: Some(p), body: None, .. } if p == "token_type")
        );
    }
}
