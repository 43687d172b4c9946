"""pyixapi, the Python IX-API client Peering Manager uses, against the sandbox.

Usage: python pyixapi_check.py BASE_URL API_KEY API_SECRET

Logs in, reads /implementation, refreshes, and reads /implementation again
with the new token; then reads the catalogue (facilities, PoPs, product
offerings), creates a contact and a MAC address, reads them back, changes
one, and deletes both: a client nobody here wrote must get along with the
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

    check("the API version is read from /health", api.version == 2, api.version)
    facilities = list(api.facilities.all())
    check("facilities are listed", len(facilities) == 3, len(facilities))
    check("a facility has its PoPs", all(len(f.pops) >= 1 for f in facilities))
    pops = list(api.pops.filter(facility=facilities[0].id))
    check("PoPs filter by facility", len(pops) == 1 and pops[0].facility == facilities[0].id, len(pops))
    offerings = list(api.product_offerings.all())
    kinds = sorted(o.type for o in offerings)
    check("a product offering of every type", kinds == ["cloud_vc", "exchange_lan", "mp2mp_vc", "p2mp_vc", "p2p_vc"], kinds)
    lan = list(api.product_offerings.filter(type="exchange_lan"))
    check("product offerings filter by type", len(lan) == 1, len(lan))

    accounts = list(api.accounts.all())
    account = accounts[0].id
    contact = api.contacts.create(
        managing_account=account, consuming_account=account, name="pyixapi NOC", email="noc@pyixapi.example"
    )
    check("a contact is created with an id", bool(contact.id), contact.id)
    read = api.contacts.get(contact.id)
    check("the contact reads back", read is not None and read.email == "noc@pyixapi.example")
    check("the contact is changed (PATCH)", read.update({"name": "pyixapi peering"}))
    check("the change reads back", api.contacts.get(contact.id).name == "pyixapi peering")
    mac = api.macs.create(managing_account=account, consuming_account=account, address="02:00:5e:10:99:01")
    check("a MAC address is created", bool(mac.id), mac.id)
    check("the MAC address reads back", api.macs.get(mac.id).address == "02:00:5e:10:99:01")
    check("the MAC address is listed", mac.id in [m.id for m in api.macs.all()])
    check("the MAC address is deleted", api.macs.get(mac.id).delete())
    check("the contact is deleted", api.contacts.get(contact.id).delete())
    check("deleted objects are gone", api.macs.get(mac.id) is None and api.contacts.get(contact.id) is None)

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
