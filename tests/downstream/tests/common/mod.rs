//! What both test files share.

use serde_json::{Value, json};

/// An order of a connection.
pub fn connection_request(account: &str, role_assignment: &str, offering: &str) -> Value {
    json!({
        "managing_account": account, "consuming_account": account, "billing_account": account,
        "role_assignments": [role_assignment], "mode": "lag_lacp", "product_offering": offering,
        "port_quantity": 1,
    })
}
