"""TLS on `pssl:`/`ssl:` remotes: pyovn db, pyovn's clients and the real ovn-nbctl.

Certificates come from `ovs-pki` in the test's temp dir. A client must show
a certificate signed by the server's CA; without one, with one from another
CA, or with plain text on the TLS port, it gets nowhere and the server goes
on serving. Bad key/certificate paths are one-line errors.
"""

import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.cluster import free_port
from tests.helpers.daemons import Daemon, needs_real_ovn, start_pyovn_db, wait_for
from tests.helpers.pki import Cert, Pki, needs_ovs_pki

pytestmark = [needs_ovs_pki]


@dataclass
class TlsSetup:
    tmp: Path
    pki: Pki
    server: Cert
    client: Cert
    stranger: Cert  # signed by another CA
    nb: Daemon
    port: int

    @property
    def remote(self) -> str:
        return f"ssl:127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pki, Pki]:
    root = tmp_path_factory.mktemp("pki")
    return Pki.create(root / "ours"), Pki.create(root / "theirs")


@pytest.fixture
def tls(tmp_path: Path, certs: tuple[Pki, Pki]) -> Iterator[TlsSetup]:
    ours, theirs = certs
    server = ours.sign("server")
    port = free_port()
    nb = start_pyovn_db(
        tmp_path,
        "nb",
        "ovn-nb",
        [
            "--remote",
            f"pssl:{port}:127.0.0.1",
            *server.options(),
        ],
    )
    try:
        wait_for(lambda: _port_open(port), 10, "the pssl port")
        yield TlsSetup(tmp_path, ours, server, ours.sign("hv1"), theirs.sign("hv1"), nb, port)
    finally:
        nb.stop()


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
    except OSError:
        return False
    return True


def pyovn(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyovn", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _list_dbs_over_tls(port: int, context: ssl.SSLContext) -> bytes:
    """Handshake and ask for list_dbs; what the server answered (b'' if it hung up)."""
    with socket.create_connection(("127.0.0.1", port), 5) as raw:
        raw.settimeout(5)
        with context.wrap_socket(raw) as conn:
            conn.sendall(b'{"id":1,"method":"list_dbs","params":[]}')
            return conn.recv(65536)


def _client_context(cert: Cert | None, ca: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.load_verify_locations(str(ca))
    if cert is not None:
        context.load_cert_chain(str(cert.cert), str(cert.key))
    return context


def test_a_client_with_a_valid_certificate_works(tls: TlsSetup) -> None:
    reply = _list_dbs_over_tls(tls.port, _client_context(tls.client, tls.pki.ca))
    assert b"OVN_Northbound" in reply
    assert (
        pyovn("nbctl", f"--db={tls.remote}", *tls.client.options(), "ls-add", "sw0").returncode == 0
    )
    listed = pyovn("nbctl", f"--db={tls.remote}", *tls.client.options(), "ls-list")
    assert "(sw0)" in listed.stdout


@pytest.mark.parametrize("who", ["no certificate", "another CA's certificate"])
def test_a_client_without_a_valid_certificate_is_refused(tls: TlsSetup, who: str) -> None:
    cert = None if who == "no certificate" else tls.stranger
    try:
        reply = _list_dbs_over_tls(tls.port, _client_context(cert, tls.pki.ca))
    except (ssl.SSLError, ConnectionError):
        reply = b""
    assert b"OVN_Northbound" not in reply
    # The server is still there for the others.
    ok = _list_dbs_over_tls(tls.port, _client_context(tls.client, tls.pki.ca))
    assert b"OVN_Northbound" in ok


def test_pyovn_nbctl_with_another_cas_certificate_gives_up_at_its_timeout(tls: TlsSetup) -> None:
    proc = pyovn("nbctl", f"--db={tls.remote}", *tls.stranger.options(), "-t", "2", "ls-list")
    assert proc.returncode != 0
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr


def test_garbage_on_the_tls_port_does_not_hurt_the_server(tls: TlsSetup) -> None:
    for junk in (
        b"GET / HTTP/1.0\r\n\r\n",
        b'{"id":1,"method":"list_dbs","params":[]}',
        b"\x16\x03",
    ):
        with socket.create_connection(("127.0.0.1", tls.port), 5) as raw:
            raw.settimeout(5)
            raw.sendall(junk)
            raw.shutdown(socket.SHUT_WR)
            try:
                answer = raw.recv(65536)
            except ConnectionResetError:
                answer = b""
            assert b"OVN_Northbound" not in answer
    silent = socket.create_connection(("127.0.0.1", tls.port), 5)  # connects, says nothing
    try:
        ok = _list_dbs_over_tls(tls.port, _client_context(tls.client, tls.pki.ca))
        assert b"OVN_Northbound" in ok
    finally:
        silent.close()
    assert "Traceback" not in tls.nb.log.read_text()


@needs_real_ovn
def test_the_real_ovn_nbctl_talks_ssl_to_pyovn_db(tls: TlsSetup) -> None:
    def real(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ovn-nbctl", f"--db={tls.remote}", *tls.client.options(), "-t", "20", *args],
            capture_output=True,
            text=True,
            timeout=30,
        )

    assert real("ls-add", "real-sw").returncode == 0
    assert real("lsp-add", "real-sw", "p1").returncode == 0
    assert "p1" in real("show").stdout
    refused = subprocess.run(
        ["ovn-nbctl", f"--db={tls.remote}", *tls.stranger.options(), "-t", "2", "ls-list"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode != 0


def test_pyovn_northd_over_ssl(tls: TlsSetup) -> None:
    port = free_port()
    sb = start_pyovn_db(
        tls.tmp, "sb", "ovn-sb", ["--remote", f"pssl:{port}:127.0.0.1", *tls.server.options()]
    )
    northd = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pyovn",
            "northd",
            f"--ovnnb-db={tls.remote}",
            f"--ovnsb-db=ssl:127.0.0.1:{port}",
            f"--log-file={tls.tmp / 'northd.log'}",
            f"--unixctl={tls.tmp / 'northd.ctl'}",
            *tls.client.options(),
        ],
        stdin=subprocess.DEVNULL,
    )
    try:
        nbctl = ["nbctl", f"--db={tls.remote}", *tls.client.options(), "-t", "60"]
        assert pyovn(*nbctl, "init").returncode == 0
        assert pyovn(*nbctl, "ls-add", "sw0", "--", "lsp-add", "sw0", "p1").returncode == 0
        assert pyovn(*nbctl, "--wait=sb", "sync").returncode == 0
        bindings = pyovn(
            "sbctl", f"--db={sb.remote}", "--bare", "--columns=logical_port", "list", "Port_Binding"
        )
        assert bindings.stdout.split() == ["p1"]
    finally:
        northd.terminate()
        northd.wait(10)
        sb.stop()


@pytest.mark.parametrize(
    "command",
    [
        ["db", "serve", "--remote", "pssl:0:127.0.0.1", "-p", "/nonexistent/key.pem",
         "-c", "/nonexistent/cert.pem", "-C", "/nonexistent/ca.pem"],
        ["db", "serve", "--remote", "pssl:0:127.0.0.1"],
        ["nbctl", "--db=ssl:127.0.0.1:1", "-p", "/nonexistent/key.pem",
         "-c", "/nonexistent/cert.pem", "-C", "/nonexistent/ca.pem", "ls-list"],
        ["nbctl", "--db=ssl:127.0.0.1:1", "-t", "2", "ls-list"],
        ["northd", "--ovnnb-db=ssl:127.0.0.1:1", "-p", "/nonexistent/key.pem",
         "-c", "/nonexistent/cert.pem", "-C", "/nonexistent/ca.pem"],
        ["nbctl", "--db=ssl:127.0.0.1:1", "-p", "/etc/hostname", "-c", "/etc/hostname",
         "-C", "/etc/hostname", "ls-list"],
    ],
)  # fmt: skip
def test_bad_tls_settings_are_one_line_errors(tmp_path: Path, command: list[str]) -> None:
    if command[:2] == ["db", "serve"]:
        db = ["--db", str(tmp_path / "x.db"), "--schema", "ovn-nb"]
        command = [*command[:2], *db, "--log-file", str(tmp_path / "x.log"), *command[2:]]
    proc = pyovn(*command, timeout=30)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
