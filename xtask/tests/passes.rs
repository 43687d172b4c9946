//! What the normalization passes make of the whole spec, as the generator
//! sees it.

use serde_json::{Value, json};
use xtask::codegen::normalize;
use xtask::model::{Model, document};
use xtask::workspace_root;

/// Every documented error answer of every operation is, for the generated
/// client, the one problem type: after the normalization passes its schema
/// is `ProblemResponse` itself, so it parses with its `ProblemKind`.
#[test]
fn every_documented_error_answer_is_the_problem_type() {
    let written = document::load(&workspace_root().join("spec/ix-api.yaml")).expect("the spec");
    let mut spec = written.clone();
    normalize::normalize(&mut spec).expect("the passes run");
    let mut errors = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (status, response) in responses {
                if !status.starts_with('4') && !status.starts_with('5') {
                    continue;
                }
                for (media_type, media) in response["content"].as_object().into_iter().flatten() {
                    errors += 1;
                    assert_eq!(
                        media["schema"],
                        json!({"$ref": "#/components/schemas/ProblemResponse"}),
                        "{method} {path} {status} {media_type}"
                    );
                }
            }
        }
    }
    assert!(
        errors >= Model::of(&written, &spec).unwrap().operations.len(),
        "{errors} error answers"
    );
}
