"""`pyovn lflow check` and `pyovn lflow compile`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from pyovn.cli.main import app

DUMP = """\
Datapath: "sw1" (47a0bf2a-4cd9-4df7-aa8e-e87e77b2bdcf)  Pipeline: ingress
  table=0 (ls_in_check_port_sec), priority=100  , match=(eth.src[40]), action=(drop;)
  table=8 (ls_in_acl          ), priority=2002 , match=(reg0[7] == 1 && (inport == @pg_web && ip4)), action=(reg0[1] = 1; next;)
  table=18(ls_in_stateful     ), priority=100  , match=(reg0[1] == 1 && reg0[13] == 0), action=(ct_commit { ct_mark.blocked = 0; }; next;)
"""  # noqa: E501
BROKEN = """\
Datapath: "sw1" (47a0bf2a)  Pipeline: ingress
  table=0 (ls_in_check_port_sec), priority=100  , match=(eth.src[40] && tcp.dst = 5), action=(drop;)
  table=1 (ls_in_apply_port_sec), priority=50   , match=(reg0[15] == 1), action=(dorp;)
  table=2 (ls_in_lookup_fdb   ), priority=0    , match=(1), action=(next;)
"""


def _run_main(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from pyovn.cli.main import run; run()", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_reports_counts(tmp_path: Path) -> None:
    path = tmp_path / "lflows.txt"
    path.write_text(DUMP)
    result = CliRunner().invoke(app, ["lflow", "check", str(path)])
    assert result.exit_code == 0
    assert result.output.splitlines() == ["3 parsed, 0 failed"]


def test_check_lists_failures_with_position_and_reason() -> None:
    result = CliRunner().invoke(app, ["lflow", "check", "-"], input=BROKEN)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[-1] == "3 parsed, 2 failed"
    assert lines[0] == (
        "line 2: match at offset 15: Explicit `!= 0' is required for inequality test of "
        "multibit field against 0."
    )
    assert lines[2] == "line 3: actions at offset 0: Syntax error at `dorp' expecting action."


def test_check_without_roundtrip_accepts_noncanonical_spacing() -> None:
    dump = DUMP.replace("reg0[1] = 1; next;", "reg0[1]=1;next;")
    runner = CliRunner()
    assert runner.invoke(app, ["lflow", "check", "-"], input=dump).exit_code == 0
    assert runner.invoke(app, ["lflow", "check", "--no-roundtrip", "-"], input=dump).exit_code == 0


def test_check_of_missing_file_is_one_line_on_stderr() -> None:
    result = _run_main("lflow", "check", "/nonexistent/lflows.txt")
    assert result.returncode == 1
    assert result.stderr.startswith("pyovn: cannot read /nonexistent/lflows.txt")
    assert len(result.stderr.splitlines()) == 1


def test_compile_prints_openflow() -> None:
    result = CliRunner().invoke(
        app,
        [
            "lflow", "compile", "--datapath-key", "1", "--port", "vm1=1", "--port", "vm3=3",
            "--pipeline", "egress", "--table-id", "4", "--priority", "2002",
            "--port-group", "pg_web=vm1,vm3", "--address-set", "as_admins=10.0.0.12",
            "reg0[7] == 1 && (outport == @pg_web && ip4 && ip4.src == $as_admins"
            " && tcp.dst == 22)",
            "reg0[1] = 1; next;",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "table=46, priority=2002, tcp,reg0=0x80/0x80,reg15=0x1,metadata=0x1,nw_src=10.0.0.12,"
        "tp_dst=22 actions=load:0x1->NXM_NX_XXREG0[97],resubmit(,47)",
        "table=46, priority=2002, tcp,reg0=0x80/0x80,reg15=0x3,metadata=0x1,nw_src=10.0.0.12,"
        "tp_dst=22 actions=load:0x1->NXM_NX_XXREG0[97],resubmit(,47)",
    ]


def test_compile_prints_groups() -> None:
    result = CliRunner().invoke(
        app,
        ["lflow", "compile", "--datapath-key", "3", "--router", "--table-id", "7", "ip4",
         "ct_lb_mark(backends=10.0.0.5:80);"],
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.output.splitlines()[-1].startswith(
        "group_id=1,type=select,selection_method=dp_hash,bucket=bucket_id:0"
    )


def test_compile_errors_are_one_line_without_traceback() -> None:
    result = _run_main("lflow", "compile", "--datapath-key", "1", "tcp.dst ==", "next;")
    assert result.returncode == 1
    assert result.stderr == "pyovn: Syntax error at end of input expecting constant.\n"
    result = _run_main("lflow", "compile", "--datapath-key", "1", "--port", "vm1", "1", "next;")
    assert result.returncode == 1
    assert result.stderr == "pyovn: --port must look like NAME=VALUE, not 'vm1'\n"
