"""Authlib, an OAuth2 client nobody here wrote, against the sandbox's
OAuth2 token endpoint: a client credentials grant with each way of client
authentication, then IX-API calls with the access token it got.

Usage: python oauth2_check.py BASE_URL TOKEN_URL CLIENT_ID CLIENT_SECRET
"""

import sys

from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError

checks = []


def check(name, condition, detail=""):
    checks.append((name, bool(condition)))
    print(f"{'ok  ' if condition else 'FAIL'} {name}{': ' + str(detail) if detail else ''}")


def main(base_url, token_url, client_id, client_secret):
    for method in ("client_secret_basic", "client_secret_post"):
        session = OAuth2Session(
            client_id, client_secret, scope="ix-api", token_endpoint_auth_method=method
        )
        token = session.fetch_token(token_url, grant_type="client_credentials")
        check(f"{method}: a bearer token", token.get("token_type", "").lower() == "bearer")
        check(f"{method}: expires_in is given", int(token.get("expires_in", 0)) > 0, token.get("expires_in"))
        check(f"{method}: the scope granted", token.get("scope") == "ix-api", token.get("scope"))
        answer = session.get(base_url + "/implementation", timeout=10)
        check(f"{method}: the API accepts the token", answer.status_code == 200, answer.status_code)
        facilities = session.get(base_url + "/facilities", timeout=10)
        check(
            f"{method}: and answers with data",
            facilities.status_code == 200 and len(facilities.json()) > 0,
            facilities.status_code,
        )

    wrong = OAuth2Session(client_id, "x" * len(client_secret), scope="ix-api")
    try:
        wrong.fetch_token(token_url, grant_type="client_credentials")
        check("a wrong secret is refused", False)
    except OAuthError as error:
        check("a wrong secret is refused as invalid_client", error.error == "invalid_client", error.error)

    unknown = OAuth2Session(client_id, client_secret, scope="everything")
    try:
        unknown.fetch_token(token_url, grant_type="client_credentials")
        check("an unknown scope is refused", False)
    except OAuthError as error:
        check("an unknown scope is refused as invalid_scope", error.error == "invalid_scope", error.error)

    failed = [name for name, ok in checks if not ok]
    print(f"{len(checks) - len(failed)}/{len(checks)} OAuth2 checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
