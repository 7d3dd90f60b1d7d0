"""The package's public faces."""

import subprocess
import sys

import pyovn
import pyovn.ovsdb


def test_ovsdb_all_names_exist() -> None:
    for name in pyovn.ovsdb.__all__:
        assert hasattr(pyovn.ovsdb, name), name


def test_cli_help_lists_subcommands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pyovn", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "db" in out and "version" in out


def test_every_subcommand_has_help() -> None:
    from pyovn.cli.main import SUBCOMMANDS

    for name in SUBCOMMANDS:
        proc = subprocess.run(
            [sys.executable, "-m", "pyovn", name, "--help"], capture_output=True, text=True
        )
        assert proc.returncode == 0, (name, proc.stderr[-500:])
        assert "Traceback" not in proc.stderr and "install-completion" not in proc.stdout, name


def test_daemon_start_does_not_import_the_simulator() -> None:
    """`pyovn northd` is loaded alone: no packet libraries in a compiler daemon."""
    code = (
        "import sys; from pyovn.cli.main import app, LazyGroup; "
        "LazyGroup(name='x').get_command(None, 'northd'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scapy' "
        "or m.startswith('pyovn.dataplane')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_cli_error_is_one_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pyovn", "db", "serve", "/nonexistent/x.db"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "no such database file" in proc.stderr


def test_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pyovn", "version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == f"pyovn {pyovn.__version__}"
