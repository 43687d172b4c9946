"""pyixapi, the Python IX-API client Peering Manager uses, against the sandbox.

Usage: python pyixapi_check.py BASE_URL API_KEY API_SECRET

Logs in, reads /implementation, refreshes, and reads /implementation again
with the new token; then reads the catalogue (facilities, PoPs, product
offerings), creates a contact and a MAC address, reads them back, changes
one, and deletes both: a client nobody here wrote must get along with the
sandbox as it would with a real exchange.

Then what pyixapi calls of IX-API 2.7: the account, extensions,
availability zones, a connection and a port reservation for it (which
becomes a port), routing functions, and the statistics of ports,
connections, network service configs (also per peer) and network services
(also round trips). Its letter of authorisation methods are left out: they
send and expect JSON, where IX-API's letters are raw bytes.
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
    check("implementation() answers", implementation.get("schema_version") == "2.7.1", implementation.get("schema_version"))
    check(
        "implementation() lists the auth operations",
        {"auth_token_create", "auth_token_refresh"} <= set(implementation.get("supported_operations", [])),
    )

    old_access, old_refresh = api.access_token.encoded, api.refresh_token.encoded
    api.refresh_authentication()
    check("refresh_authentication() rotates the access token", api.access_token.encoded != old_access)
    check("refresh_authentication() rotates the refresh token", api.refresh_token.encoded != old_refresh)
    check("refreshed access token has a positive TTL", api.access_token.ttl > 0, f"{api.access_token.ttl}s")
    check("the refreshed token works", api.implementation().get("schema_version") == "2.7.1")

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
    check(
        "a product offering of every type",
        kinds == ["cloud_vc", "connection", "exchange_lan", "mp2mp_vc", "p2mp_vc", "p2p_vc", "routing_function"],
        kinds,
    )
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

    check_2_7(api, offerings)

    try:
        pyixapi.api(url, key, "x" * 86).authenticate()
        check("wrong credentials are refused", False)
    except pyixapi.RequestError as e:
        check("wrong credentials are refused", e.req.status_code == 401, e.req.status_code)

    failed = sum(1 for _, ok in checks if not ok)
    print(f"pyixapi: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


def check_2_7(api, offerings):
    """pyixapi's calls of IX-API 2.7 (all but the letters of authorisation)."""
    account = api.account()
    check("account() reads the API user's account", account.name == "Example Reseller", account.name)
    extensions = api.extensions()
    check("extensions() lists the extensions", len(extensions) == 1 and "base_url" in extensions[0], extensions)
    zones = list(api.availability_zones.all())
    check("availability zones are listed", [z.name for z in zones] == ["Frankfurt A", "Frankfurt B", "Amsterdam A"])
    check("an availability zone reads back", api.availability_zones.get(zones[0].id).name == zones[0].name)

    offering = {o.type: o.id for o in offerings}
    roles = list(api.role_assignments.all())
    connection = api.connections.create(
        managing_account=account.id,
        consuming_account=account.id,
        billing_account=account.id,
        role_assignments=[roles[0].id],
        mode="lag_lacp",
        product_offering=offering["connection"],
    )
    check("a connection is ordered", bool(connection.id), connection.id)
    reservation = api.port_reservations.create(connection=connection.id, purchase_order="PO-pyixapi")
    check("a port is reserved", bool(reservation.id), reservation.id)
    reservations = list(api.port_reservations.filter(connection=connection.id))
    check("the reservation is listed for its connection", [r.id for r in reservations] == [reservation.id])
    read = api.port_reservations.get(reservation.id)
    check("the reservation became a port", bool(read.port) and read.state == "production", f"{read.port} {read.state}")
    check("its port is listed", read.port in [p.id for p in api.ports.filter(connection=connection.id)])
    check("the reservation has a cancellation policy", "charged_until" in read.cancellation_policy())

    function = api.routing_functions.create(
        managing_account=account.id,
        consuming_account=account.id,
        billing_account=account.id,
        product_offering=offering["routing_function"],
        asn=64512,
        capacity=500,
    )
    check("a routing function is ordered", bool(function.id), function.id)
    check("it is listed", function.id in [f.id for f in api.routing_functions.all()])
    check("it changes (PATCH)", api.routing_functions.get(function.id).update({"capacity": 1000}))
    check("the change reads back", api.routing_functions.get(function.id).capacity == 1000)
    check("its cancellation policy", "decommission_at" in api.routing_functions.get(function.id).cancellation_policy())
    check("it is cancelled", api.routing_functions.get(function.id).delete())

    window = {"start": "2025-03-01T00:00:00Z", "end": "2025-03-02T00:00:00Z"}
    port = api.ports.get(read.port)
    statistics = port.statistics(**window)
    check("a port's statistics", "custom" in statistics["aggregates"] and len(statistics["light_levels_rx"]) == 1)
    check("the same window, the same numbers", port.statistics(**window) == statistics)
    series = port.statistics_timeseries("custom", **window)
    check("a port's timeseries", len(series["samples"]) == 288, len(series["samples"]))
    check("a connection's statistics", "P1D" in api.connections.get(connection.id).statistics()["aggregates"])
    check("a connection's timeseries", len(api.connections.get(connection.id).statistics_timeseries("P1D")["samples"]) == 288)
    config = list(api.network_service_configs.all())[0]
    check("a config's statistics", "P30D" in config.statistics()["aggregates"])
    check("a config's timeseries", len(config.statistics_timeseries("PT5M")["samples"]) == 5)
    peers = config.peer_statistics(ip_version=4)
    check("a config's peers", [p["peer"]["asn"] for p in peers] == [64500], [p["peer"] for p in peers])
    check("a config's peers over time", len(config.peer_statistics_timeseries("P1D")["samples"]) == 288)
    service = api.network_services.get(config.network_service)
    check("a service's statistics", "P1Y" in service.statistics()["aggregates"])
    check("a service's timeseries", len(service.statistics_timeseries("P1Y")["samples"]) > 0)
    rtt = service.rtt_statistics(asn="64500")
    check("round trips to a service's peers", len(rtt) == 2 and all(r["rtt_avg_ms"] > 0 for r in rtt), len(rtt))

    check("the reservation is cancelled", api.port_reservations.get(reservation.id).delete())
    check("the connection is cancelled", api.connections.get(connection.id).delete())


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
