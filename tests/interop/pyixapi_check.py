"""pyixapi, the Python IX-API client Peering Manager uses, against the sandbox.

Usage: python pyixapi_check.py BASE_URL API_KEY API_SECRET

Logs in, reads /implementation, refreshes, and reads /implementation again
with the new token: a client nobody here wrote must get along with the
sandbox as it would with a real exchange.
"""

import sys

import pyixapi

checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition)))
    print(f"{'ok  ' if condition else 'FAIL'} {name}{': ' + str(detail) if detail else ''}")


def main(url, key, secret):
    api = pyixapi.api(url, key, secret)

    api.authenticate()
    check("authenticate() decodes both tokens", api.access_token and api.refresh_token)
    check("access token has a positive TTL", api.access_token.ttl > 0, f"{api.access_token.ttl}s")
    check("refresh token outlives the access token", api.refresh_token.ttl > api.access_token.ttl)

    implementation = api.implementation()
    check("implementation() answers", implementation.get("schema_version") == "2.1.0", implementation.get("schema_version"))
    check(
        "implementation() lists the auth operations",
        {"auth_token_create", "auth_token_refresh"} <= set(implementation.get("supported_operations", [])),
    )

    old_access, old_refresh = api.access_token.encoded, api.refresh_token.encoded
    api.refresh_authentication()
    check("refresh_authentication() rotates the access token", api.access_token.encoded != old_access)
    check("refresh_authentication() rotates the refresh token", api.refresh_token.encoded != old_refresh)
    check("refreshed access token has a positive TTL", api.access_token.ttl > 0, f"{api.access_token.ttl}s")
    check("the refreshed token works", api.implementation().get("schema_version") == "2.1.0")

    # authenticate() with a valid token sends nothing and keeps the pair.
    current = api.access_token.encoded
    api.authenticate()
    check("authenticate() keeps a valid token", api.access_token.encoded == current)

    try:
        pyixapi.api(url, key, "x" * 86).authenticate()
        check("wrong credentials are refused", False)
    except pyixapi.RequestError as e:
        check("wrong credentials are refused", e.req.status_code == 401, e.req.status_code)

    failed = sum(1 for _, ok in checks if not ok)
    print(f"pyixapi: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
