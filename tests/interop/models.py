"""The generated models against documents nobody here wrote.

Usage: python tests/interop/models.py DOCUMENT.yaml target/debug/model-roundtrip

From an IX-API document: the published 2.1.0 one (the schemas as their
authors wrote them, what a 2.1 exchange sends), or spec/ (2.7.1):
- hypothesis-jsonschema generates schema-valid documents for every
  polymorphic model and every request and response body;
- the property `example`s of the document are put together into whole
  bodies wherever they cover every required member;
then the generated Rust types decode and re-encode each document
(model-roundtrip), and the re-encoded document must equal the input and
validate against the same schema (jsonschema, another project's validator).

OpenAPI 3.0 is turned into JSON Schema the usual way: `nullable` admits
null, and a `discriminator` mapping fixes the tag of each `oneOf` branch
(what the mapping says in words). Integers are generated within the range
JSON can carry exactly (+-2^53), with only the members the schemas name.
"""

import copy
import datetime
import json
import re
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import NonInteractiveExampleWarning
from hypothesis_jsonschema import from_schema

# A few hundred documents for each of the polymorphic models users meet most,
# fewer for their request and update forms and for the other bodies.
MAIN_POLYMORPHIC = {"NetworkService", "NetworkServiceConfig", "NetworkFeature",
                    "NetworkFeatureConfig", "ProductOffering", "MemberJoiningRule"}
MAIN_EXAMPLES = 200
POLYMORPHIC_EXAMPLES = 40
BODY_EXAMPLES = 10
NEWER_EXAMPLES = 20
TIME_BUDGET_SECONDS = 240
JSON_INTEGERS = 2**53
SKIP = {"discriminator", "readOnly", "writeOnly", "example", "examples", "description",
        "title", "xml", "externalDocs", "deprecated", "nullable"}


def translate(node, schemas, newer=False):
    """An OpenAPI 3.0 schema as JSON Schema (draft 7). `newer` plays a
    server newer than the spec: any string where the spec lists values, and
    a tag the spec does not map beside every polymorphic model's."""
    if isinstance(node, list):
        return [translate(x, schemas, newer) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        out = {"$ref": "#/definitions/" + node["$ref"].rsplit("/", 1)[1]}
    else:
        out = {}
        for key, value in node.items():
            if key in SKIP or key.startswith("x-"):
                continue
            if key == "properties":
                out[key] = {name: translate(v, schemas, newer) for name, v in value.items()}
            elif key == "format" and value in ("int32", "int64"):
                continue
            elif key == "enum" and newer and all(isinstance(v, str) for v in value):
                continue
            else:
                out[key] = translate(value, schemas, newer)
        # The members the spec names, no others: a member the spec does not
        # know is ignored on the way in, by design, so it cannot come back.
        if "properties" in out:
            out.setdefault("additionalProperties", False)
        if out.get("type") == "integer":
            out.setdefault("minimum", -JSON_INTEGERS)
            out.setdefault("maximum", JSON_INTEGERS)
    discriminator = node.get("discriminator")
    if discriminator and "oneOf" in node:
        tag = discriminator["propertyName"]
        value_of = {target.rsplit("/", 1)[1]: value
                    for value, target in discriminator["mapping"].items()}
        out["oneOf"] = [
            {"allOf": [branch, {"properties": {tag: {"const": value_of[branch["$ref"].rsplit("/", 1)[1]]}},
                                "required": [tag]}]}
            for branch in out["oneOf"]
        ]
        if newer:
            out["oneOf"].append({"type": "object", "required": [tag],
                                 "properties": {tag: {"const": "from_a_newer_server"}}})
    if node.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def references(node):
    return re.findall(r"#/components/schemas/(\w+)", json.dumps(node))


def root(name, definitions):
    """The schema of `name`, with the definitions it reaches and no others
    (hypothesis-jsonschema resolves every definition it is given)."""
    reached, todo = {name}, [name]
    while todo:
        for ref in re.findall(r"#/definitions/(\w+)", json.dumps(definitions[todo.pop()])):
            if ref not in reached:
                reached.add(ref)
                todo.append(ref)
    return {"$ref": "#/definitions/" + name, "definitions": {n: definitions[n] for n in reached}}


def generate(schema, count, deadline):
    found = []

    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(from_schema(schema))
    def collect(doc):
        if time.monotonic() < deadline:
            found.append(doc)

    collect()
    return found


def composed_example(schema, schemas, depth=0):
    """A whole document from the property examples, or None if they do not
    cover every required member."""
    if depth > 6:
        return None
    if "$ref" in schema:
        return composed_example(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas, depth + 1)
    if "allOf" in schema:
        merged = {}
        for part in schema["allOf"]:
            value = composed_example(part, schemas, depth + 1)
            if not isinstance(value, dict):
                return None
            merged.update(value)
        return merged
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    if schema.get("type") == "object" or "properties" in schema:
        doc = {}
        for name, prop in schema.get("properties", {}).items():
            value = composed_example(prop, schemas, depth + 1)
            if value is not None:
                doc[name] = value
            elif name in schema.get("required", []):
                return None
        return doc
    return None


def canonical(value):
    """Equal meaning, equal value: date-times compared as instants; members
    that are null compared as absent (an optional member left out and one
    sent as null mean the same in an answer); integers past what JSON
    carries exactly compared as the double they are read as."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > JSON_INTEGERS:
        # Past +-2^53 (and past 64 bits) a free-form number is a double.
        return float(value)
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and "T" in value:
        try:
            return datetime.datetime.fromisoformat(value).astimezone(datetime.timezone.utc)
        except ValueError:
            return value
    return value


def diff(a, b, at=""):
    """Where two JSON values differ, as pointers with both sides."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            yield from diff(a.get(key, "(absent)"), b.get(key, "(absent)"), f"{at}/{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from diff(x, y, f"{at}/{i}")
    elif a != b:
        yield f"{at or '/'}: in {json.dumps(a, default=str)[:80]}, out {json.dumps(b, default=str)[:80]}"


def main():
    published, binary = sys.argv[1], sys.argv[2]
    document = yaml.safe_load(open(published))
    schemas = document["components"]["schemas"]
    definitions = {name: translate(s, schemas) for name, s in schemas.items()}
    bodies = sorted(set(references(document["paths"])))
    reachable = set(bodies)
    todo = list(bodies)
    while todo:
        for name in references(schemas[todo.pop()]):
            if name not in reachable:
                reachable.add(name)
                todo.append(name)
    polymorphic = sorted(n for n in reachable if "discriminator" in schemas[n])
    warnings.simplefilter("ignore", NonInteractiveExampleWarning)

    started = time.monotonic()
    deadline = started + TIME_BUDGET_SECONDS
    cases = []
    for name in polymorphic + [b for b in bodies if b not in polymorphic]:
        count = (MAIN_EXAMPLES if name in MAIN_POLYMORPHIC
                 else POLYMORPHIC_EXAMPLES if name in polymorphic else BODY_EXAMPLES)
        for doc in generate(root(name, definitions), count, deadline):
            cases.append({"model": name, "doc": doc, "from": "hypothesis-jsonschema"})
    generated = len(cases)
    for name in bodies:
        doc = composed_example({"$ref": "#/components/schemas/" + name}, schemas)
        if doc is not None:
            cases.append({"model": name, "doc": doc, "from": "published examples"})
    examples = len(cases) - generated
    # A newer server: states and kinds the spec does not list, and types it
    # does not map. Decoded and re-encoded to the same document; not valid
    # against the 2.1 schemas, by design.
    newer_definitions = {name: translate(s, schemas, newer=True) for name, s in schemas.items()}
    for name in polymorphic:
        for doc in generate(root(name, newer_definitions), NEWER_EXAMPLES, deadline):
            cases.append({"model": name, "doc": doc, "from": "a newer server"})
    newer_count = len(cases) - generated - examples
    generation_seconds = time.monotonic() - started

    with tempfile.TemporaryDirectory() as tmp:
        given_path, back_path = Path(tmp, "in.json"), Path(tmp, "out.json")
        given_path.write_text(json.dumps(cases))
        started = time.monotonic()
        subprocess.run([binary, str(given_path), str(back_path)], check=True)
        rust_seconds = time.monotonic() - started
        results = json.loads(back_path.read_text())

    failures = []
    validators = {}
    per_model = {}
    for case, result in zip(cases, results):
        model = case["model"]
        per_model[model] = per_model.get(model, 0) + 1
        validator = validators.setdefault(model, jsonschema.Draft7Validator(root(model, definitions)))
        source = f"{model} ({case['from']})"
        newer = case["from"] == "a newer server"
        if not newer and not validator.is_valid(case["doc"]):
            # A composed example the published schema itself rejects says
            # nothing about us.
            if case["from"] == "published examples":
                continue
            failures.append(f"{source}: the generator made an invalid document")
            continue
        if "error" in result:
            failures.append(f"{source}: does not decode: {result['error']}\n    {json.dumps(case['doc'])[:400]}")
            continue
        errors = [] if newer else sorted(validator.iter_errors(result["doc"]), key=str)
        if errors:
            failures.append(f"{source}: re-encoded, invalid: {errors[0].message[:200]}")
        differences = list(diff(canonical(case["doc"]), canonical(result["doc"])))
        if differences:
            failures.append(f"{source}: re-encoded, different: {'; '.join(differences[:3])}")

    print(f"models: {len(per_model)} ({len(polymorphic)} polymorphic); documents: {generated} generated "
          f"in {generation_seconds:.0f} s, {examples} from published examples, {newer_count} as a newer "
          f"server would send them; "
          f"decoded and re-encoded in {rust_seconds:.2f} s")
    kinds = {}
    for failure in failures:
        kinds.setdefault(failure.split(":")[1].strip()[:40], []).append(failure)
    for kind, these in kinds.items():
        print(f"{len(these)} x {kind}")
        for failure in these[:3]:
            print("FAIL", failure)
    passed = len(cases) - len(failures)
    print(f"models: {passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
