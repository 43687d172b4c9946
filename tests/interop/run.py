"""Proof against peers nobody here wrote: pyixapi, Authlib (OAuth2) and
schemathesis, each against the ix-api-sandbox binary on 127.0.0.1.

Usage: python tests/interop/run.py PATH/TO/ix-api-sandbox
(run from the workspace root, in an environment with pyixapi and schemathesis)
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


def start_sandbox(binary):
    process = subprocess.Popen(
        # Objects reach `production` at once, so that a test waits for nothing.
        [binary, "--listen", "127.0.0.1:0", "--provisioning-delay", "0", "--oauth2"],
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


def write_dictionaries(started, token):
    """Fill each dictionary file schemathesis.toml names with the ids of the
    collection of the same name, as this API user sees it."""
    config = tomllib.loads((ROOT / "schemathesis.toml").read_text())
    for name, dictionary in config.get("dictionaries", {}).items():
        ids = [item["id"] for item in get(started, token, "/" + name)]
        if not ids:
            raise SystemExit(f"the sandbox has no {name}; schemathesis.toml's dictionary needs one")
        path = ROOT / dictionary["from-file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f'"{id}"\n' for id in ids))


def main(binary):
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
        print("== schemathesis", flush=True)
        token = login(started)
        env = dict(os.environ, IX_API_URL=started["base_url"], IX_API_TOKEN=token)
        # Every operation the sandbox implements, by its own account: all of
        # the spec's, which the next line checks too.
        only = []
        supported = supported_operations(started, token)
        print(f"the sandbox lists {len(supported)} operations", flush=True)
        for operation_id in supported:
            only += ["--include-operation-id", operation_id]
        write_dictionaries(started, token)
        schemathesis = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "--no-color",
                "--config-file",
                str(ROOT / "schemathesis.toml"),
                "run",
                str(ROOT / "spec" / "ix-api.yaml"),
                *only,
            ],
            env=env,
        )
    finally:
        process.terminate()
        stopped = process.wait(timeout=10)
    if stopped != 0:
        print(f"the sandbox exited with {stopped} on SIGTERM")
    return 1 if pyixapi.returncode or oauth2.returncode or schemathesis.returncode or stopped else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
