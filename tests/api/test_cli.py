"""`pyovn api`'s command line: bad options are one line on stderr, exit 1."""

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --token-file FILE, or --no-auth"),
        (["--token-file", "/nonexistent/tokens"], "cannot read /nonexistent/tokens"),
        (["--no-auth", "--listen", "nowhere"], "--listen nowhere: expected HOST:PORT"),
        (["--token-file", "{bad}"], "{bad}:1: expected 'TOKEN PROJECT_ID [admin]'"),
    ],
)
def test_bad_command_lines(args: list[str], message: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("one two three four\n")
    args = [str(bad) if a == "{bad}" else a for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", "pyovn", "api", *args], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"pyovn: {message.replace('{bad}', str(bad))}")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
