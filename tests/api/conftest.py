"""Fixtures of the API tests: an NB served by pyovn (or the real
ovsdb-server) in a temporary directory, and the API app in this process on
top of it (starlette's TestClient runs its lifespan, so the app connects to
the NB over the socket exactly as `pyovn api` does)."""

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pyovn.cms.neutron import ApiSettings, create_app
from pyovn.ovsdb.client import OvsdbClient
from pyovn.ovsdb.replica import Replica
from tests.helpers.daemons import Daemon, have, start_pyovn_db, start_real_ovsdb

TOKENS = """\
# token       project   role
admin-token   admin     admin
alice-token   alice
bob-token     bob
"""


def nb_rows(remote: str, table: str) -> list[dict[str, Any]]:
    """Every row of an NB table, as the database holds it now."""

    async def read() -> list[dict[str, Any]]:
        client = OvsdbClient(remote)
        await client.connect()
        replica = Replica(client, "OVN_Northbound", {table: None})
        try:
            await replica.start()
            return [{"_uuid": u, **r} for u, r in replica.tables[table].rows.items()]
        finally:
            await client.close()

    return asyncio.run(read())


@dataclass
class Api:
    client: TestClient
    nb: Daemon

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = "alice-token",
        expect: int | None = None,
    ) -> Any:
        headers = {"X-Auth-Token": token} if token else {}
        reply = self.client.request(method, path, json=body, headers=headers)
        if expect is not None:
            assert reply.status_code == expect, reply.text
        if reply.status_code == 204 or not reply.content:
            return None
        return reply.json()

    def create(self, kind: str, token: str = "alice-token", **attrs: Any) -> dict[str, Any]:
        collection = "security-groups" if kind == "security_group" else f"{kind}s"
        if kind == "security_group_rule":
            collection = "security-group-rules"
        reply: dict[str, Any] = self.call(
            "POST", f"/v2.0/{collection}", {kind: attrs}, token=token, expect=201
        )
        return reply[kind]  # type: ignore[no-any-return]

    def error(self, method: str, path: str, body: Any, status: int, **kw: Any) -> dict[str, Any]:
        reply = self.call(method, path, body, expect=status, **kw)
        error: dict[str, Any] = reply["NeutronError"]
        assert set(error) == {"type", "message", "detail"}
        return error

    def rows(self, table: str) -> list[dict[str, Any]]:
        return nb_rows(self.nb.remote, table)

    def row(self, table: str, name: str) -> dict[str, Any]:
        (found,) = [r for r in self.rows(table) if r.get("name") == name]
        return found

    # -- building blocks ---------------------------------------------------------------
    def network(self, name: str = "net", cidr: str = "10.0.0.0/24", **kw: Any) -> Any:
        token = kw.pop("token", "alice-token")
        net = self.create("network", token=token, name=name, **kw)
        subnet = self.create("subnet", token=token, network_id=net["id"], cidr=cidr)
        return net, subnet

    def external(self, cidr: str = "172.16.0.0/24") -> Any:
        net = self.create(
            "network",
            token="admin-token",
            name="public",
            **{
                "router:external": True,
                "provider:network_type": "flat",
                "provider:physical_network": "physnet1",
            },
        )
        subnet = self.create(
            "subnet", token="admin-token", network_id=net["id"], cidr=cidr, enable_dhcp=False
        )
        return net, subnet


def _start(tmp: Path, server: str) -> Daemon:
    if server == "ovsdb-server":
        if not have("ovsdb-server"):
            pytest.skip("the real ovsdb-server (Debian openvswitch-switch) is not installed")
        return start_real_ovsdb(tmp, "nb", "ovn-nb")
    return start_pyovn_db(tmp, "nb", "ovn-nb")


def make_api(tmp: Path, server: str = "pyovn", **settings: Any) -> Iterator[Api]:
    daemon = _start(tmp, server)
    tokens = tmp / "tokens"
    tokens.write_text(TOKENS)
    try:
        app = create_app(ApiSettings(daemon.remote, token_file=tokens, **settings))
        with TestClient(app) as client:
            yield Api(client, daemon)
    finally:
        daemon.stop()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from make_api(tmp_path, gateway_chassis=["hv1"])


@pytest.fixture(params=["pyovn", "ovsdb-server"])
def any_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The API over pyovn's NB server and over the real ovsdb-server."""
    yield from make_api(tmp_path, request.param, gateway_chassis=["hv1"])
