"""The seed scenario, step by step, with what each step should do to packets.

`SeedScenario.run()` plays, on a running cloud (a `Northbound` connection
and a `VmClient`): the logical network (CMS), VMs booted from domain XML
with the seed's `lsp-add` / `lsp-set-addresses`, the security group and
DHCP options, DHCP, pings on a switch across chassis and across the router,
the security group's verdicts, SNAT and a floating IP seen from the
external host (172.16.0.254, with 8.8.8.8 behind it, on the gateway
chassis's provider bridge). Every `Check` compares what the VMs saw — the
addresses after NAT, TTLs, MACs — with what OVN should produce; `report`
gets each `Step` as it finishes (the demo prints it; tests assert on it).

VM placement: vm1 is never on the gateway chassis (hv1), so its SNAT and
routing cross a Geneve tunnel; on 3+ chassis vm1, vm2 and vm4 sit on
different non-gateway chassis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyovn.cloud import seed
from pyovn.cloud.domxml import domain_xml, parse_domain
from pyovn.cloud.nb import Northbound
from pyovn.cloud.vmctl import VmClient

__all__ = ["EXTERNAL", "Check", "SeedScenario", "Step", "placement"]

EXTERNAL: dict[str, Any] = {
    "name": "ext",
    "mac": "0a:00:00:00:00:fe",
    "cidr": "172.16.0.254/24",
    "routes": ["8.8.8.8/32"],
    "bridge": "br-ex",
}
ROUTER_MACS = {"sw1": "00:00:00:00:ff:01", "sw2": "00:00:00:00:ff:02", "ext": "00:00:00:00:ff:03"}


@dataclass
class Check:
    """One expectation and what was observed."""

    what: str
    expected: str
    observed: str
    ok: bool
    packets: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Step:
    """A step of the scenario: the commands it ran and its checks."""

    key: str
    title: str
    commands: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def check(self, what: str, expected: Any, observed: Any, packets: Any = ()) -> bool:
        ok = bool(expected == observed)
        self.checks.append(Check(what, _show(expected), _show(observed), ok, list(packets)))
        return ok


def _show(value: Any) -> str:
    """`2× (10.0.0.12, 64)` for repeated observations, plain text otherwise."""
    if isinstance(value, list):
        if not value:
            return "nothing"
        if all(item == value[0] for item in value):
            return f"{len(value)}× {_show(value[0])}" if len(value) > 1 else _show(value[0])
        return "; ".join(_show(item) for item in value)
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(item) for item in value) + ")"
    return str(value)


def placement(chassis: list[str]) -> dict[str, str]:
    """Which chassis each seed VM runs on (hv1, the gateway, is chassis[0])."""
    gateway, others = chassis[0], chassis[1:] or chassis[:1]
    third = others[1] if len(others) > 1 else gateway
    return {
        "vm1": others[0],
        "vm2": third if len(others) > 1 else gateway,
        "vm3": gateway,
        "vm4": third if len(others) > 1 else others[0],
    }


class SeedScenario:
    """The seed scenario on one cloud."""

    def __init__(
        self, nb: Northbound, vms: VmClient, report: Callable[[Step], None] = lambda step: None
    ) -> None:
        self.nb = nb
        self.vms = vms
        self.report = report
        self.place = placement(vms.chassis_names)
        self.steps: dict[str, Step] = {}

    async def run(self) -> list[Step]:
        """Play every step (stopping early only if the network cannot be built)."""
        for key, title, action in (
            (
                "network",
                "Logical network: two tenant switches, a router, an external network",
                self._network,
            ),
            ("boot", "VMs booted from libvirt domain XML; the CMS adds their ports", self._boot),
            ("security", "Security group pg_web and DHCP options (CMS)", self._security),
            ("dhcp", "DHCP: vm1 and vm2 get their addresses from OVN", self._dhcp),
            ("switching", "Ping on sw1 across chassis (Geneve)", self._switching),
            ("routing", "Ping across the router lr1", self._routing),
            ("acl", "Security group verdicts (stateful ACLs)", self._acl),
            ("snat", "SNAT to the external network", self._snat),
            ("fip", "Floating IP reached from outside", self._fip),
        ):
            step = Step(key, title)
            started = time.monotonic()
            try:
                await action(step)
            finally:
                step.seconds = time.monotonic() - started
                self.steps[key] = step
                self.report(step)
            if key in ("network", "boot") and not step.ok:
                break
        return list(self.steps.values())

    def _history(self, step: Step, mark: int) -> None:
        step.commands.extend(self.nb.history[mark:])

    # ------------------------------------------------------------ CMS steps

    async def _network(self, step: Step) -> None:
        mark = len(self.nb.history)
        await seed.build_network(self.nb, self.vms.chassis_names[0])
        self._history(step, mark)
        await self.vms.boot(
            self.vms.chassis_names[0],
            EXTERNAL["name"],
            EXTERNAL["mac"],
            bridge=EXTERNAL["bridge"],
            cidr=EXTERNAL["cidr"],
            routes=EXTERNAL["routes"],
        )
        step.commands.append(
            f"(external host {EXTERNAL['cidr']} with 8.8.8.8 behind it on "
            f"{self.vms.chassis_names[0]}'s br-ex, physnet1)"
        )
        routers = [r["name"] for r in self.nb.replica.table("Logical_Router").values()]
        step.check("logical routers", ["lr1"], routers)

    async def _boot(self, step: Step) -> None:
        for vm in seed.SEED_VMS:
            chassis = self.place[vm.name]
            domain = parse_domain(domain_xml(vm.name, vm.mac, vm.name))
            step.commands.append(
                f"virsh create {vm.name}.xml   # on {chassis}: interfaceid={vm.name}, mac {vm.mac}"
            )
            cidr = None if vm.dhcp else vm.cidr
            gateway = None if vm.dhcp else vm.gateway
            booted = await self.vms.boot_domain(chassis, domain, cidr=cidr, gateway=gateway)
            interface, iface_id = booted["interface"], booted["iface_id"]
            step.commands.append(f"ovs-vsctl get interface {interface} external_ids:iface-id")
            step.commands.append(f"# {iface_id}")
            mark = len(self.nb.history)
            await seed.add_vm_port(self.nb, vm, booted["iface_id"])
            self._history(step, mark)
        for vm in seed.SEED_VMS:
            seconds = await self.nb.wait_port_up(vm.name)
            step.check(f"{vm.name} up on {self.place[vm.name]}", True, True)
            step.commands.append(f"# {vm.name}: Port_Binding up after {seconds * 1000:.0f} ms")

    async def _security(self, step: Step) -> None:
        mark = len(self.nb.history)
        await seed.build_security(self.nb)
        await seed.build_dhcp(self.nb)
        await self.nb.sync("hv")
        self._history(step, mark)
        groups = [r["name"] for r in self.nb.replica.table("Port_Group").values()]
        step.check("port groups", ["pg_web"], groups)

    # ------------------------------------------------------------ data plane

    async def _dhcp(self, step: Step) -> None:
        for vm in (v for v in seed.SEED_VMS if v.dhcp):
            step.commands.append(f"pyovn vm dhcp {vm.name}")
            lease = await self.vms.dhcp(vm.name)
            step.check(
                f"{vm.name} lease",
                f"{vm.cidr} router {vm.gateway} mtu 1442 dns 8.8.8.8",
                f"{lease['cidr']} router {lease['router']} mtu {lease['mtu']} "
                f"dns {','.join(lease['dns'])}",
            )

    async def _ping(self, step: Step, source: str, target: str, ttl: int, via: str) -> None:
        step.commands.append(f"pyovn vm ping {source} {target}   # {via}")
        result = await self.vms.ping(source, target, count=2)
        replies = [(r["source"], r["ttl"]) for r in result["replies"]]
        step.check(f"{source} → {target} replies (source, ttl)", [(target, ttl)] * 2, replies)

    async def _switching(self, step: Step) -> None:
        await self.vms.clear("vm2")
        await self._ping(step, "vm1", "10.0.0.12", 64, f"{self.place['vm1']} → {self.place['vm2']}")
        echo = await self.vms.received("vm2", icmp_type=8)
        seen = [(p["nw_src"], p["dl_src"], p["nw_ttl"]) for p in echo]
        step.check(
            "echo at vm2 (src, MAC, ttl)", [("10.0.0.11", "50:54:00:00:01:11", 64)] * 2, seen, echo
        )

    async def _routing(self, step: Step) -> None:
        await self.vms.clear("vm3")
        await self._ping(
            step,
            "vm1",
            "10.0.1.13",
            63,
            f"sw1 → lr1 → sw2, {self.place['vm1']} → {self.place['vm3']}",
        )
        echo = await self.vms.received("vm3", icmp_type=8)
        seen = [(p["nw_src"], p["dl_src"], p["dl_dst"], p["nw_ttl"]) for p in echo]
        expected = [("10.0.0.11", ROUTER_MACS["sw2"], "50:54:00:00:02:13", 63)] * 2
        step.check("echo at vm3 (src, MAC from lr1, MAC to vm3, ttl)", expected, seen, echo)

    async def _acl(self, step: Step) -> None:
        for port in (22, 23, 80):
            await self.vms.serve("vm3", port)
        step.commands.append("pyovn vm serve vm3 22; … 23; … 80")
        cases = (
            ("vm4", 22, "open", "ssh from an admin (10.0.1.14 in as_admins)"),
            ("vm1", 22, "filtered", "ssh from a non-admin"),
            ("vm1", 80, "open", "http from anyone"),
            ("vm4", 23, "filtered", "telnet: dropped by the default deny"),
        )
        for source, port, expected, why in cases:
            step.commands.append(f"pyovn vm curl {source} 10.0.1.13:{port}   # {why}")
            state = await self.vms.tcp(source, "10.0.1.13", port, timeout=0.7)
            step.check(f"{source} → vm3:{port}", expected, state)

    async def _snat(self, step: Step) -> None:
        await self.vms.clear("ext")
        await self._ping(
            step,
            "vm1",
            "8.8.8.8",
            63,
            f"vm1 on {self.place['vm1']}, gateway {self.vms.chassis_names[0]}",
        )
        echo = await self.vms.received("ext", icmp_type=8)
        seen = [(p["nw_src"], p["dl_src"], p["nw_ttl"]) for p in echo]
        expected = [("172.16.0.100", ROUTER_MACS["ext"], 63)] * 2
        step.check("echo outside (src after SNAT, MAC of lr1-ext, ttl)", expected, seen, echo)

    async def _fip(self, step: Step) -> None:
        await self.vms.clear("vm2")
        await self.vms.clear("ext")
        await self._ping(step, "ext", "172.16.0.110", 63, "external host → floating IP of vm2")
        echo = await self.vms.received("vm2", icmp_type=8)
        seen = [(p["nw_src"], p["nw_dst"], p["nw_ttl"]) for p in echo]
        step.check(
            "echo at vm2 (src, dst after DNAT, ttl)",
            [("172.16.0.254", "10.0.0.12", 63)] * 2,
            seen,
            echo,
        )
        await self._ping(step, "vm2", "8.8.8.8", 63, "vm2 → outside")
        out = await self.vms.received("ext", icmp_type=8)
        step.check("vm2 seen outside as", ["172.16.0.110"] * 2, [p["nw_src"] for p in out], out)
