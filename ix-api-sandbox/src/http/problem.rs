//! Problems as HTTP answers: `application/json`, the body IX-API's
//! `ProblemResponse`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ix_api_client::types;

use crate::exchange::problem::Problem;

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let problem = types::ProblemResponse {
            type_: self.kind.type_uri().to_string(),
            title: Some(self.title.into_owned()),
            status: Some(i64::from(self.status.as_u16())),
            detail: Some(self.detail),
            instance: None,
            extra: self.extra,
        };
        json_response(self.status, &problem)
    }
}

/// `value` as an `application/json` answer, as the spec documents.
pub fn json_response(status: StatusCode, value: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
