"""The network page in headless Chromium: it draws the seed topology (loaded
with the real ovn-nbctl, compiled by pyovn northd), and a traced packet's
path is highlighted. Screenshots land in the test's temporary directory
(and in $PYOVN_SCREENSHOTS, when set)."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import TOKENS
from tests.api.server import api_server
from tests.helpers.daemons import have
from tests.helpers.ovn import TOPOLOGIES, OvnDatabases, load_topology, nbctl

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian's chromium is not installed (scripts/install-debian-deps.sh)",
    ),
    pytest.mark.skipif(
        not (have("ovsdb-server") and have("ovn-nbctl")),
        reason="the real OVN (Debian ovn-central) is not installed",
    ),
]


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, OvnDatabases]]:
    """The seed topology in a real NB, compiled by pyovn northd, and `pyovn api`
    on it (shared by the module's tests; a test that changes the NB undoes
    it); yields the API's URL and the databases."""
    tmp_path = tmp_path_factory.mktemp("seed")
    dbs = OvnDatabases.start(tmp_path)
    try:
        dbs.start_pyovn_northd()
        load_topology(dbs.nb.remote, TOPOLOGIES / "seed.sh")
        dbs.wait_sb()
        tokens = tmp_path / "tokens"
        tokens.write_text(TOKENS)
        args = ["--nb-db", dbs.nb.remote, "--sb-db", dbs.sb(), "--token-file", str(tokens)]
        with api_server(tmp_path, *args) as base:
            yield base, dbs
    finally:
        dbs.stop()


@pytest.fixture
def seed_api(seed: tuple[str, OvnDatabases]) -> str:
    return seed[0]


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser.new_page(viewport={"width": 1300, "height": 800})
        finally:
            browser.close()


def _shoot(page: Any, tmp: Path, name: str) -> Path:
    path = tmp / name
    page.screenshot(path=str(path), full_page=True)
    keep = os.environ.get("PYOVN_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / name)
    return path


def test_page_draws_the_seed_and_highlights_a_trace(
    seed_api: str, page: Any, tmp_path: Path
) -> None:
    page.goto(f"{seed_api}/ui/#token=admin-token")
    page.wait_for_selector("#status[data-ready=yes]", timeout=20000)
    for dp in ("sw1", "sw2", "ext", "lr1"):
        assert page.locator(f'[data-dp="{dp}"]').count() == 1, dp
    for vm in ("vm1", "vm2", "vm3", "vm4"):
        assert page.locator(f'[data-port="{vm}"]').count() == 1, vm
    nat = sorted(page.locator("[data-nat]").all_text_contents())
    assert nat == ["dnat_and_snat 172.16.0.110 ↔ 10.0.0.12", "snat 172.16.0.100 ↔ 10.0.0.0/24"]
    assert page.locator('line[data-link="sw1-lr1|lr1-sw1"]').count() == 1
    assert _shoot(page, tmp_path, "topology.png").stat().st_size > 10000

    page.select_option("#trace-port", "vm1")
    page.fill("#trace-dst", "10.0.1.13")
    page.click("#trace-go")
    page.wait_for_selector("#verdict[data-verdict]", timeout=20000)
    assert page.inner_text("#verdict") == "delivered to vm3"
    on_path = set(
        page.eval_on_selector_all(
            ".on-path", "nodes => nodes.map(n => n.dataset.dp || n.dataset.port || n.dataset.link)"
        )
    )
    assert {"sw1", "lr1", "sw2", "vm1", "vm3", "sw1-lr1|lr1-sw1", "sw2-lr1|lr1-sw2"} <= on_path
    assert not {"ext", "vm2", "vm4"} & on_path
    assert 'output("vm3")' in page.inner_text("#trace-text")
    _shoot(page, tmp_path, "trace.png")

    # A packet the ACLs drop: vm4 -> vm3 telnet.
    page.select_option("#trace-port", "vm4")
    page.select_option("#trace-proto", "tcp")
    page.fill("#trace-dport", "23")
    page.click("#trace-go")
    page.wait_for_function("document.querySelector('#verdict').dataset.verdict === 'drop'")
    assert page.inner_text("#verdict") == "verdict: drop"


def test_drawing_follows_the_northbound(seed: tuple[str, OvnDatabases], page: Any) -> None:
    base, dbs = seed
    page.goto(f"{base}/ui/#token=admin-token")
    page.wait_for_selector('[data-dp="sw1"]', timeout=20000)
    nbctl(
        dbs.nb.remote,
        "ls-add",
        "sw9",
        "--",
        "lsp-add",
        "sw9",
        "vm9",
        "--",
        "lsp-set-addresses",
        "vm9",
        "50:54:00:00:09:09 10.0.9.9",
    )
    page.wait_for_selector('[data-port="vm9"]', timeout=20000)
    nbctl(dbs.nb.remote, "ls-del", "sw9")
    page.wait_for_selector('[data-dp="sw9"]', state="detached", timeout=20000)


def test_page_without_a_token_shows_the_error(seed_api: str, page: Any) -> None:
    page.goto(f"{seed_api}/ui/")
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('error')")
    assert "X-Auth-Token" in page.inner_text("#status")


def test_openapi_docs_render_offline(seed_api: str, page: Any, tmp_path: Path) -> None:
    """/docs draws every operation from the server's own copy of Swagger UI."""
    page.goto(f"{seed_api}/docs")
    page.wait_for_selector(".opblock", timeout=20000)
    paths = page.locator(".opblock-summary-path").all_text_contents()
    assert any("add_router_interface" in p for p in paths)
    assert len(paths) >= 30
    _shoot(page, tmp_path, "docs.png")
