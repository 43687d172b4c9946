//! `model-roundtrip IN OUT`: reads `[{"model": NAME, "doc": JSON}, ...]`,
//! decodes each document from its JSON text into the generated type NAME,
//! encodes it again, and writes `[{"model": NAME, "doc": JSON}]` or
//! `[{"model": NAME, "error": TEXT}]` in the same order. The checks (equal
//! to the input, valid against the published schema) are made by
//! `tests/interop/models.py`, with tools from other projects.

use std::process::ExitCode;

use ix_api_client::types;
use serde_json::{Value, json};

/// Decodes `text` as the model `name` and encodes it again. A model whose
/// Rust name is not its schema's (`ApiExtension` for `APIExtension`) names
/// the schema too.
macro_rules! models {
    ($($name:ident $(= $schema:literal)?),* $(,)?) => {
        fn round_trip(name: &str, text: &str) -> Result<Value, String> {
            $(
                if name == stringify!($name) $(|| name == $schema)? {
                    let decoded: types::$name = serde_json::from_str(text).map_err(|e| e.to_string())?;
                    return serde_json::to_value(&decoded).map_err(|e| e.to_string());
                }
            )*
            Err(format!("no generated model {name}"))
        }
    };
}

// Every request and response body of the spec, and the polymorphic models.
models!(
    AggregateTimeseries,
    ApiExtension = "APIExtension",
    AvailabilityZone,
    ConnectionRequest,
    ConnectionUpdate,
    ConnectionUpdatePartial,
    NetworkServiceConfigAggregate,
    PeerAggregate,
    PeerRtt = "PeerRTT",
    PortReservation,
    PortReservationPatch,
    PortReservationRequest,
    PortReservationUpdate,
    PortStatistics,
    RoutingFunction,
    RoutingFunctionPatch,
    RoutingFunctionRequest,
    SharedStatisticsConfig,
    Account,
    AccountRequest,
    AccountUpdate,
    AccountUpdatePartial,
    AuthToken,
    AuthTokenRequest,
    CancellationPolicy,
    CancellationRequest,
    Connection,
    Contact,
    ContactRequest,
    ContactRequestPartial,
    Device,
    Facility,
    HealthResponse,
    ImplementationResponse,
    IpAddress,
    IpAddressRequest,
    IpAddressUpdate,
    IpAddressUpdatePartial,
    MacAddress,
    MacAddressRequest,
    MemberJoiningRule,
    MemberJoiningRuleRequest,
    MemberJoiningRuleUpdate,
    MemberJoiningRuleUpdatePartial,
    MetroArea,
    MetroAreaNetwork,
    NetworkFeature,
    NetworkFeatureConfig,
    NetworkFeatureConfigRequest,
    NetworkFeatureConfigUpdate,
    NetworkFeatureConfigUpdatePartial,
    NetworkService,
    NetworkServiceChangeRequest,
    NetworkServiceConfig,
    NetworkServiceConfigRequest,
    NetworkServiceConfigUpdate,
    NetworkServiceConfigUpdatePartial,
    NetworkServiceRequest,
    NetworkServiceRequestPartial,
    PointOfPresence,
    Port,
    ProblemResponse,
    ProductOffering,
    ProductOfferingPartial,
    RefreshTokenRequest,
    Role,
    RoleAssignment,
    RoleAssignmentRequest,
    VlanConfig,
);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: model-roundtrip IN.json OUT.json");
        return ExitCode::from(2);
    };
    let cases: Vec<Value> = match std::fs::read(input)
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
    {
        Ok(cases) => cases,
        Err(e) => {
            eprintln!("model-roundtrip: cannot read {input}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let results: Vec<Value> = cases
        .iter()
        .map(|case| {
            let model = case["model"].as_str().unwrap_or_default();
            match round_trip(model, &case["doc"].to_string()) {
                Ok(doc) => json!({"model": model, "doc": doc}),
                Err(error) => json!({"model": model, "error": error}),
            }
        })
        .collect();
    match std::fs::write(output, Value::Array(results).to_string()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("model-roundtrip: cannot write {output}: {e}");
            ExitCode::FAILURE
        }
    }
}
