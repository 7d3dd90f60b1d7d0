"""`pyovn trace` as a user runs it: ovn-trace's output, JSON, batch and
serve modes, and one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.daemons import SHARED

pytestmark = pytest.mark.oracle

VM1 = 'inport == "vm1" && eth.src == 50:54:00:00:01:11'
SNAT = (
    f"{VM1} && eth.dst == 00:00:00:00:ff:01 && ip4.src == 10.0.0.11 && ip4.dst == 8.8.8.8 "
    "&& ip.ttl == 64 && tcp && tcp.src == 40000 && tcp.dst == 80"
)
REFERENCE = SHARED / "reference" / "seed-topology" / "traces" / "04-snat-external.minimal.txt"


def pyovn(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyovn", "trace", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "OVN_SB_DB"},
    )


def test_minimal_output_is_ovn_traces(seed_sb: str) -> None:
    proc = pyovn(f"--db={seed_sb}", "--minimal", "--ct", "new", "sw1", SNAT)
    assert proc.returncode == 0, proc.stderr
    if REFERENCE.exists():
        assert proc.stdout == REFERENCE.read_text()
    assert 'output("ln-ext");' in proc.stdout


def test_all_forms_with_banners(seed_sb: str) -> None:
    proc = pyovn(f"--db={seed_sb}", "--all", "--ct", "new", SNAT)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("# tcp,reg14=0x1,")
    banners = [line for line in lines if line.endswith(" trace.")]
    assert banners == ["# Detailed trace.", "# Summary trace.", "# Minimal trace."]


def test_json_carries_verdict_steps_and_final_headers(seed_sb: str) -> None:
    proc = pyovn(f"--db={seed_sb}", "--json", "--ct", "new", "sw1", SNAT)
    data = json.loads(proc.stdout)
    assert data["verdict"] == "output"
    (output,) = data["outputs"]
    assert output["port"] == "ln-ext"
    assert output["fields"]["nw_src"] == "172.16.0.100"
    assert output["fields"]["nw_ttl"] == "63"
    assert output["fields"]["dl_dst"] == "0a:00:00:00:00:fe"
    stages = [step["stage"] for step in data["steps"]]
    assert "lr_out_snat" in stages


def test_batch_traces_every_line(seed_sb: str, tmp_path: Path) -> None:
    batch = tmp_path / "packets.txt"
    batch.write_text(
        f"# comment\n--ct new sw1 '{SNAT}'\n--minimal sw1 '{VM1} && ip4 &&'\n"
        f"--minimal sw1 '{SNAT.replace('10.0.0.11', '10.0.0.99')}'\n"
    )
    proc = pyovn(f"--db={seed_sb}", "--minimal", "--batch", str(batch))
    assert proc.returncode == 0
    out = proc.stdout.splitlines()
    assert '        output("ln-ext");' in out
    assert any(line.startswith("# line 3: error: microflow: Syntax error") for line in out)
    assert out[-1].startswith("# tcp,reg14=0x1,") and "nw_src=10.0.0.99" in out[-1]


def test_serve_answers_json_lines(seed_sb: str) -> None:
    requests = [
        {"datapath": "sw1", "microflow": SNAT, "ct": ["new"], "form": "minimal"},
        {"microflow": 'inport == "nope"'},
        {"microflow": SNAT},
    ]
    stdin = "".join(json.dumps(r) + "\n" for r in requests)
    proc = pyovn(f"--db={seed_sb}", "--serve", stdin=stdin)
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [a["ok"] for a in answers] == [True, False, True]
    assert answers[0]["verdict"] == "output" and 'output("ln-ext");' in answers[0]["output"]
    assert answers[1]["error"] == 'microflow: unknown logical port "nope" (at column 11)'
    assert answers[2]["trace"]["outputs"][0]["port"] == "ln-ext"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sw1", f"{VM1} &&"], "pyovn: microflow: Syntax error at end of input expecting"),
        (["sw1", 'inport == "vmX"'], 'pyovn: microflow: unknown logical port "vmX" (at column 11)'),
        (["swX", VM1], 'pyovn: unknown datapath "swX"'),
        (["sw1", f"{VM1} && tcp.dst == 22"], "pyovn: microflow: constraints are ambiguous"),
        (["--ct", "bogus", "sw1", VM1], "pyovn: unknown ct_state flag 'bogus'"),
    ],
)
def test_errors_are_one_line(seed_sb: str, args: list[str], message: str) -> None:
    proc = pyovn(f"--db={seed_sb}", *args)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith(message)
    assert proc.stderr.count("\n") == 1


def test_trace_is_a_pyovn_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pyovn", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "trace" in out
    usage = pyovn("--help").stdout
    for option in ("--db", "--minimal", "--ct", "--json", "--batch", "--serve"):
        assert option in usage


def test_syntax_errors_need_no_database(tmp_path: Path) -> None:
    proc = pyovn(f"--db=unix:{tmp_path}/none.sock", "sw1", 'inport == "vm1" && (ip4 ||')
    assert proc.returncode == 1
    assert proc.stderr == (
        "pyovn: microflow: Syntax error at end of input expecting expression. (at column 27)\n"
    )


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    proc = pyovn(f"--db=unix:{tmp_path}/none.sock", "sw1", VM1)
    assert proc.returncode == 1
    assert proc.stderr.startswith("pyovn: ")
    assert proc.stderr.count("\n") == 1
