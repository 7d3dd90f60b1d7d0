"""Several API servers on one NB: port creations sent to two `pyovn api`
processes at once never hand out one IP twice, because every allocation is
checked by the OVSDB server when it commits (a conflict retries the
request). Also measures port creations per second."""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from tests.api.conftest import TOKENS, nb_rows
from tests.api.server import api_server
from tests.helpers.daemons import start_pyovn_db

HEADERS = {"X-Auth-Token": "alice-token"}
PORTS = 60


def _post(url: str, body: dict[str, Any]) -> Any:
    reply = requests.post(url, json=body, headers=HEADERS, timeout=60)
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_two_servers_allocate_distinct_ips(tmp_path: Path) -> None:
    nb = start_pyovn_db(tmp_path, "nb", "ovn-nb")
    try:
        (tmp_path / "tokens").write_text(TOKENS)
        args = ["--nb-db", nb.remote, "--token-file", str(tmp_path / "tokens")]
        with api_server(tmp_path, *args) as one, api_server(tmp_path, *args) as two:
            net = _post(f"{one}/v2.0/networks", {"network": {"name": "n"}})["network"]
            body = {"subnet": {"network_id": net["id"], "cidr": "10.0.0.0/24"}}
            _post(f"{two}/v2.0/subnets", body)
            port = {"port": {"network_id": net["id"]}}
            started = time.monotonic()
            with ThreadPoolExecutor(8) as pool:
                urls = [f"{(one, two)[n % 2]}/v2.0/ports" for n in range(PORTS)]
                replies = list(pool.map(lambda url: _post(url, port)["port"], urls))
            elapsed = time.monotonic() - started
            print(f"\n{PORTS} port creations on 2 servers: {PORTS / elapsed:.1f}/s")
        lsps = nb_rows(nb.remote, "Logical_Switch_Port")
    finally:
        nb.stop()
    ips = [p["fixed_ips"][0]["ip_address"] for p in replies]
    assert len(set(ips)) == PORTS
    macs = {p["mac_address"] for p in replies}
    assert len(macs) == PORTS
    assert sorted(r["name"] for r in lsps) == sorted(p["id"] for p in replies)
    assert len({a for r in lsps for a in r["addresses"]}) == PORTS
