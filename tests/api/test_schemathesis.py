"""Schemathesis against the OpenAPI document of a running `pyovn api`: every
operation gets generated bodies, paths and queries (valid and not), and no
answer may be a 5xx, or fail to match the document's status codes, content
types and error schema. The NB holds a network, a subnet, a port and a
router first, so some generated ids hit real rows."""

import contextlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import TOKENS  # noqa: E402
from tests.api.server import api_server  # noqa: E402
from tests.helpers.daemons import start_pyovn_db  # noqa: E402

HEADERS = {"X-Auth-Token": "admin-token"}
STATUSES: Counter[int] = Counter()
#: Generated requests per operation and mode.
EXAMPLES = 15


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("schemathesis")
    nb = start_pyovn_db(tmp, "nb", "ovn-nb")
    try:
        (tmp / "tokens").write_text(TOKENS)
        args = ["--nb-db", nb.remote, "--token-file", str(tmp / "tokens")]
        with api_server(tmp, *args, "--gateway-chassis", "hv1") as base:
            _seed(base)
            yield base
    finally:
        nb.stop()


def _seed(base: str) -> None:
    def post(path: str, body: dict[str, Any]) -> Any:
        reply = requests.post(f"{base}/v2.0/{path}", json=body, headers=HEADERS, timeout=10)
        reply.raise_for_status()
        return reply.json()

    net = post("networks", {"network": {"name": "n"}})["network"]
    post("subnets", {"subnet": {"network_id": net["id"], "cidr": "10.0.0.0/24"}})
    post("ports", {"port": {"network_id": net["id"]}})
    post("routers", {"router": {"name": "r"}})


def _operations(base_url: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_server_errors(base_url: str, mode: str) -> None:
    """Every operation, with generated valid (positive) or invalid (negative) input."""
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    generation = schemathesis.GenerationMode(mode)
    operations = _operations(base_url)
    assert len(operations) >= 30
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation))
        def run(case: Any) -> None:
            response = case.call(base_url=base_url, headers=HEADERS)
            STATUSES[response.status_code] += 1
            case.validate_response(response, checks=checks)

        # An operation without input (a plain list) has nothing to make invalid.
        with contextlib.suppress(Unsatisfiable):
            run()


def test_examples_were_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Report what the generated requests got (run with -s to see it)."""
    with capsys.disabled():
        print(f"\nschemathesis: {sum(STATUSES.values())} requests, by status {dict(STATUSES)}")
    assert not [status for status in STATUSES if status >= 500]
