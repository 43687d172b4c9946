"""Proof against peers nobody here wrote: pyixapi, Authlib (OAuth2) and
schemathesis, each against the ix-api-sandbox binary on 127.0.0.1.

schemathesis runs twice: spec/ix-api.yaml (IX-API 2.7.1) against the
sandbox, and the published 2.1.0 document against the sandbox playing 2.1.0
(`--schema-version 2.1.0`).

Usage: python tests/interop/run.py PATH/TO/ix-api-sandbox [PATH/TO/ix-api-v2.1.0.openapi.yaml]
(run from the workspace root, in an environment with pyixapi and schemathesis;
the 2.1.0 document defaults to ../shared/ix-api/ beside the workspace)
"""

import json
import os
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


UPSTREAM = ROOT.parent / "shared" / "ix-api" / "ix-api-v2.1.0.openapi.yaml"
# The title of the copy of the published 2.1.0 document schemathesis runs on,
# which schemathesis.toml's [[project]] for it names.
PUBLISHED_TITLE = "IX-API 2.1.0 (published)"


def published_document(upstream):
    """A copy of the published 2.1.0 document for schemathesis, changed in
    two ways only, and written as JSON to target/schemathesis/:

    - its title, so that schemathesis.toml can hold what concerns this run
      alone (a [[project]] is chosen by title; spec/ is titled IX-API too);
    - each branch of a discriminated union pins its tag to its mapping's
      value (as spec/ does): the document's branches leave the tag free, so
      that, to schemathesis, which checks answers by `oneOf` and not by the
      discriminator, a `dot1q` vlan_config is also a valid `qinq` one, and an
      offering of one type valid as another.
    """
    import yaml

    document = yaml.safe_load(Path(upstream).read_text())
    document["info"]["title"] = PUBLISHED_TITLE
    schemas = document["components"]["schemas"]
    for schema in list(schemas.values()):
        discriminator = schema.get("discriminator") or {}
        tag = discriminator.get("propertyName")
        for value, target in (discriminator.get("mapping") or {}).items():
            branch = schemas[target.rsplit("/", 1)[-1]]
            pin = {"properties": {tag: {"type": "string", "enum": [value]}}}
            if pin not in branch.setdefault("allOf", []):
                branch["allOf"].append(pin)
    path = ROOT / "target" / "schemathesis" / "ix-api-v2.1.0.published.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def start_sandbox(binary, *extra):
    process = subprocess.Popen(
        # Objects reach `production` at once, so that a test waits for nothing.
        [binary, "--listen", "127.0.0.1:0", "--provisioning-delay", "0", "--oauth2", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise SystemExit("the sandbox printed nothing; did it start?")
    return process, json.loads(line)


def login(started):
    body = json.dumps({"api_key": started["api_key"], "api_secret": started["api_secret"]}).encode()
    request = urllib.request.Request(
        started["base_url"] + "/auth/token", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["access_token"]


def supported_operations(started, token):
    """What the sandbox says it implements (GET /implementation)."""
    return get(started, token, "/implementation")["supported_operations"]


def get(started, token, path):
    request = urllib.request.Request(started["base_url"] + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def write_dictionaries(started, token, supported):
    """Fill each dictionary file schemathesis.toml names with the ids of the
    collection of the same name, as this API user sees it (`aggregates`: the
    names of a port's aggregates). A collection the sandbox does not serve
    (playing 2.1.0) keeps the file an earlier run wrote: the seeded ids are
    the same."""
    config = tomllib.loads((ROOT / "schemathesis.toml").read_text())
    for name, dictionary in config.get("dictionaries", {}).items():
        path = ROOT / dictionary["from-file"]
        if name == "aggregates" and "ports_statistics_read" in supported:
            port = get(started, token, "/ports")[0]["id"]
            names = get(started, token, f"/ports/{port}/statistics")["aggregates"].keys()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(f'"{name}"\n' for name in names))
            continue
        if name.replace("-", "_") + "_list" not in supported:
            if not path.exists():
                raise SystemExit(f"the sandbox does not list {name}, and no earlier run did")
            continue
        ids = [item["id"] for item in get(started, token, "/" + name)]
        if not ids:
            raise SystemExit(f"the sandbox has no {name}; schemathesis.toml's dictionary needs one")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f'"{id}"\n' for id in ids))


def prepare(started):
    """What a schemathesis run against `started` needs: a token, and the
    operations the sandbox lists in GET /implementation (all of the
    document's, which the run checks too, as every operation the document
    has must be included); the dictionaries filled."""
    token = login(started)
    supported = supported_operations(started, token)
    write_dictionaries(started, token, supported)
    return started, token, supported


def schemathesis(prepared, document, label):
    """Start schemathesis on `document` against a prepared sandbox. Its
    output goes to a file, so that two runs can go at once: each keeps about
    one core busy, as schemathesis and the sandbox take turns."""
    started, token, supported = prepared
    env = dict(os.environ, IX_API_URL=started["base_url"], IX_API_TOKEN=token)
    only = []
    for operation_id in supported:
        only += ["--include-operation-id", operation_id]
    output = ROOT / "target" / "schemathesis" / f"{len(supported)}-operations.log"
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "--no-color",
            "--config-file",
            str(ROOT / "schemathesis.toml"),
            "run",
            str(document),
            *only,
        ],
        env=env,
        stdout=output.open("w"),
        stderr=subprocess.STDOUT,
    )
    return label, len(supported), output, process


def finish(run):
    """Wait for a run that `schemathesis` started, and print what it said."""
    label, supported, output, process = run
    code = process.wait()
    print(f"== schemathesis: {label}", flush=True)
    print(f"the sandbox lists {supported} operations", flush=True)
    print(output.read_text(), flush=True)
    return code


def stop(process):
    process.terminate()
    stopped = process.wait(timeout=10)
    if stopped != 0:
        print(f"the sandbox exited with {stopped} on SIGTERM")
    return stopped


def main(binary, upstream=UPSTREAM):
    process, started = start_sandbox(binary)
    try:
        print("== pyixapi", flush=True)
        pyixapi = subprocess.run(
            [sys.executable, str(HERE / "pyixapi_check.py"), started["base_url"], started["api_key"], started["api_secret"]]
        )
        print("== Authlib: OAuth2 client credentials", flush=True)
        oauth2 = subprocess.run(
            [
                sys.executable,
                str(HERE / "oauth2_check.py"),
                started["base_url"],
                started["oauth2_token_url"],
                started["api_key"],
                started["api_secret"],
            ]
        )
        older, started_older = start_sandbox(binary, "--schema-version", "2.1.0")
        try:
            # Both prepared before either starts: they share the dictionary files.
            prepared, prepared_older = prepare(started), prepare(started_older)
            latest = schemathesis(prepared, ROOT / "spec" / "ix-api.yaml", "spec/ix-api.yaml (2.7.1)")
            published = schemathesis(
                prepared_older,
                published_document(upstream),
                "the published 2.1.0 document, the sandbox playing 2.1.0",
            )
            latest, published = finish(latest), finish(published)
        finally:
            stopped_published = stop(older)
    finally:
        stopped = stop(process)
    failed = [pyixapi.returncode, oauth2.returncode, latest, stopped, published, stopped_published]
    return 1 if any(failed) else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
