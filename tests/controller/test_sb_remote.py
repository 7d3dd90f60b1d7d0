"""How `pyovn controller` turns ovn-remote and its SSL options into a
Southbound connection: plain remotes need nothing, `ssl:` needs usable
files, and every problem is one line (a ConfigError the daemon reports
once, or the command's error message)."""

import subprocess
import sys
from pathlib import Path

import pytest

from pyovn.controller import ConfigError, Controller
from pyovn.ovsdb.tls import TlsFiles


def _controller(tls: TlsFiles | None = None) -> Controller:
    def no_switch(config: object) -> None:
        raise AssertionError("not used")

    return Controller("unix:/nonexistent/db.sock", no_switch, tls)  # type: ignore[arg-type]


def test_plain_remotes_need_no_ssl() -> None:
    assert _controller()._sb_ssl_context("tcp:127.0.0.1:6642,unix:/run/sb.sock") is None


@pytest.mark.parametrize(
    ("remote", "tls", "message"),
    [
        ("udp:127.0.0.1:6642", None, "ovn-remote: udp:127.0.0.1:6642: unknown remote type"),
        ("tcp:127.0.0.1", None, "ovn-remote: tcp:127.0.0.1: "),
        (
            "tcp:127.0.0.1:6642,ssl:127.0.0.1:6642",
            TlsFiles("/nonexistent/key.pem", "/nonexistent/cert.pem", "/nonexistent/ca.pem"),
            "ovn-remote tcp:127.0.0.1:6642,ssl:127.0.0.1:6642: /nonexistent/key.pem: no such file",
        ),
        (
            "ssl:127.0.0.1:6642",
            TlsFiles("/nonexistent/key.pem"),
            "ovn-remote ssl:127.0.0.1:6642: SSL needs --certificate, --ca-cert",
        ),
    ],
)
def test_unusable_remotes_and_ssl_files_are_config_errors(
    remote: str, tls: TlsFiles | None, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _controller(tls)._sb_ssl_context(remote)
    assert str(raised.value).startswith(message), str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_command_takes_ssl_options_as_ovn_controller_does(tmp_path: Path) -> None:
    def pyovn(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pyovn", "controller", *args],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )

    help_text = pyovn("--help").stdout
    for option in ("-p, --private-key", "-c, --certificate", "-C, --ca-cert"):
        assert option in help_text
    missing = tmp_path / "key.pem"
    proc = pyovn(f"unix:{tmp_path}/db.sock", "-p", str(missing), "-c", "x.pem", "-C", "ca.pem")
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [f"pyovn: {missing}: no such file"], proc.stderr
