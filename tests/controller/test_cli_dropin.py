"""`pyovn controller` takes ovn-controller's command line."""

from __future__ import annotations

import subprocess
import sys

from pyovn.cli.controller import ovs_style_args


def test_ovs_logging_specs_and_no_chdir_are_dropped() -> None:
    args = ["unix:/r/ovs.sock", "--pidfile=/r/c.pid", "--log-file=/r/c.log", "--detach",
            "--no-chdir", "-vconsole:off", "-vfile:info", "-v"]  # fmt: skip
    assert ovs_style_args(args) == [
        "unix:/r/ovs.sock", "--pidfile=/r/c.pid", "--log-file=/r/c.log", "--detach", "-v",
    ]  # fmt: skip


def test_the_ovn_controller_command_line_is_accepted() -> None:
    """With a bad backend the command stops after parsing: every ovn-controller
    option went through the parser."""
    proc = subprocess.run(
        [sys.executable, "-m", "pyovn", "controller", "unix:/nonexistent/ovs.sock",
         "--no-chdir", "-vconsole:off", "--backend", "nope"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Invalid value for --backend: 'nope'" in proc.stderr
    assert "No such option" not in proc.stderr
