"""pyovn controller vs the real ovn-controller on a real ovs-vswitchd.

    sudo python benchmarks/realovs_bench.py [--ports 5] [--flows-sample 100]

For each controller, a fresh deployment (tests/realovs/deploy.py: the real
NB/SB ovsdb-servers and ovn-northd 23.03, a real ovs-vswitchd with the
userspace datapath, the seed topology of shared/realovn with vm1..vm4
bound), then:

* flows and groups installed on br-int (ovs-ofctl dump-flows/dump-groups);
* port-up latency, `--ports` times: the logical port exists (nbctl
  --wait=sb), then the clock starts, an internal port with that iface-id is
  added to br-int, and stops when the Interface has
  `external_ids:ovn-installed=true` (the controller's "flows are in") and
  when `Port_Binding.up` is true;
* (pyovn only) the flow-encoding choice: the whole flow set committed as
  one bundle encoded by pyovn (`controller/flowmod.py`) on its own
  OpenFlow connection (what the backend does), as one `ovs-ofctl bundle`
  (its fallback), and as one `ovs-ofctl add-flow` process per flow
  (measured on `--flows-sample` flows, extrapolated), all on a scratch
  bridge of the same vswitchd.

`--dump DIR` writes both flow sets (flows-pyovn.txt, flows-real.txt).

Printed side by side with pyovn/real ratios. Needs root, the Debian
OVS/OVN packages and shared/realovn; not run by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.realovs.deploy import Deployment  # noqa: E402

from pyovn.controller.ovs_switch import OvsSwitch  # noqa: E402


def _flows(dep: Deployment) -> list[str]:
    out = dep.run("ovs-ofctl", "-O", "OpenFlow15", "--no-stats", "dump-flows", f"unix:{dep.mgmt}")
    return [line.strip() for line in out.splitlines() if "actions=" in line]


def _groups(dep: Deployment) -> int:
    out = dep.run("ovs-ofctl", "-O", "OpenFlow15", "dump-groups", f"unix:{dep.mgmt}")
    return sum(1 for line in out.splitlines() if "group_id=" in line)


def _port_up(dep: Deployment, index: int) -> tuple[float, float]:
    name = f"bench{index}"
    mac = f"50:54:00:00:03:{index:02x}"
    dep.run(
        "ovn-nbctl",
        f"--db=unix:{dep.rundir}/nb.sock",
        "--wait=sb",
        "lsp-add",
        "sw2",
        name,
        "--",
        "lsp-set-addresses",
        name,
        f"{mac} 10.0.1.{100 + index}",
    )
    start = time.perf_counter()
    dep.vsctl(
        "add-port",
        "br-int",
        name,
        "--",
        "set",
        "Interface",
        name,
        "type=internal",
        f"external_ids:iface-id={name}",
    )
    dep.vsctl("--timeout=60", "wait-until", "Interface", name, "external_ids:ovn-installed=true")
    installed = time.perf_counter() - start
    dep.run(
        "ovn-sbctl",
        f"--db=unix:{dep.rundir}/sb.sock",
        "--timeout=60",
        "wait-until",
        "Port_Binding",
        name,
        "up=true",
    )
    return installed, time.perf_counter() - start


def _encoding(dep: Deployment, flows: list[str], sample: int) -> dict[str, float]:
    """One bundle with every flow vs one ovs-ofctl process per flow."""
    dep.vsctl(
        "add-br",
        "br-bench",
        "--",
        "set",
        "Bridge",
        "br-bench",
        "datapath_type=netdev",
        "fail-mode=secure",
    )
    target = f"unix:{dep.rundir}/ovs/br-bench.mgmt"
    dep.run(
        "ovs-ofctl",
        "-O",
        "OpenFlow15",
        "add-tlv-map",
        target,
        "{class=0x102,type=0x80,len=4}->tun_metadata0",
    )
    texts = flows
    with tempfile.NamedTemporaryFile("w", suffix=".bundle", delete=False) as file:
        file.write("flow delete\n" + "".join(f"flow add {f}\n" for f in texts))
    start = time.perf_counter()
    dep.run("ovs-ofctl", "-O", "OpenFlow15", "bundle", target, file.name)
    bundle = time.perf_counter() - start
    Path(file.name).unlink()
    native = asyncio.run(_native(str(dep.rundir / "ovs" / "br-bench.mgmt"), texts))
    dep.run("ovs-ofctl", "-O", "OpenFlow15", "del-flows", target)
    chosen = texts[:sample]
    start = time.perf_counter()
    for text in chosen:
        dep.run("ovs-ofctl", "-O", "OpenFlow15", "add-flow", target, text)
    per_flow = (time.perf_counter() - start) / len(chosen)
    dep.vsctl("del-br", "br-bench")
    return {
        "bundle_s": bundle,
        "native_s": native,
        "per_flow_s": per_flow,
        "per_flow_total_s": per_flow * len(texts),
    }


async def _native(path: str, flows: list[str]) -> float:
    """The whole set as one bundle encoded by pyovn, on its own connection."""
    switch = OvsSwitch(path)
    await switch.connect()
    try:
        start = time.perf_counter()
        await switch.replace(flows, {})
        elapsed = time.perf_counter() - start
        assert switch.native_bundles == 1, "some flow needed ovs-ofctl"
        return elapsed
    finally:
        await switch.close()


def measure(kind: str, ports: int, sample: int, dump: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"realovs-bench-{kind}-") as tmp:
        dep = Deployment(Path(tmp), northd="real", controller=kind)
        try:
            started = time.perf_counter()
            dep.start()
            result: dict[str, Any] = {"deploy_s": time.perf_counter() - started}
            installed, up = zip(*(_port_up(dep, i) for i in range(1, ports + 1)), strict=True)
            time.sleep(1)
            flows = _flows(dep)
            if dump is not None:
                dump.mkdir(parents=True, exist_ok=True)
                (dump / f"flows-{kind}.txt").write_text("\n".join(flows) + "\n")
            result.update(
                installed=list(installed), up=list(up), flows=len(flows), groups=_groups(dep)
            )
            if kind == "pyovn":
                result.update(_encoding(dep, flows, sample))
            return result
        finally:
            dep.stop()


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms (min {min(values) * 1000:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", type=int, default=5)
    parser.add_argument("--flows-sample", type=int, default=100)
    parser.add_argument("--dump", type=Path, help="write both controllers' flows here")
    args = parser.parse_args()
    results = {
        kind: measure(kind, args.ports, args.flows_sample, args.dump) for kind in ("pyovn", "real")
    }
    py, real = results["pyovn"], results["real"]
    print(f"\n{'':38}{'pyovn':>22}{'real ovn-controller':>24}{'ratio':>8}")
    for label, key in (("port-up: ovn-installed", "installed"), ("port-up: Port_Binding.up", "up")):
        a, b = statistics.median(py[key]), statistics.median(real[key])
        print(f"{label:38}{_ms(py[key]):>22}{_ms(real[key]):>24}{a / b:>8.2f}")
    for label, key in (("flows on br-int", "flows"), ("groups on br-int", "groups")):
        ratio = py[key] / real[key] if real[key] else float("nan")
        print(f"{label:38}{py[key]:>22}{real[key]:>24}{ratio:>8.2f}")
    print(f"{'deployment up (datapath.sh)':38}{py['deploy_s']:>21.1f}s{real['deploy_s']:>23.1f}s")
    print(
        f"\nflow encoding, {py['flows']} flows: one bundle encoded by pyovn on its own "
        f"connection {py['native_s'] * 1000:.0f} ms; "
        f"one `ovs-ofctl bundle` {py['bundle_s'] * 1000:.0f} ms; "
        f"one ovs-ofctl per flow {py['per_flow_s'] * 1000:.1f} ms/flow "
        f"(~{py['per_flow_total_s']:.1f} s for all, "
        f"{py['per_flow_total_s'] / py['bundle_s']:.0f}x slower)"
    )


if __name__ == "__main__":
    main()
