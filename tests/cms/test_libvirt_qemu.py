"""The agent with a real libvirtd, QEMU (software emulation) and ovs-vswitchd.

In a private network+mount namespace (shared/libvirt/lv_ovs_up.sh): a pyovn
NB, the real SB, ovn-northd and ovn-controller, and `pyovn libvirt agent`
following qemu:///system. Defining a domain with an openvswitch virtualport
creates its logical port; starting it makes libvirt itself plug the tap into
br-int with external_ids:iface-id, ovn-controller binds it and the NB port
goes up; the seed's `ovs-vsctl get ...` commands work with pyovn-vsctl on the
real vswitchd's database; an agent restart duplicates nothing; destroy unplugs
the tap and undefine removes the logical port.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.daemons import SHARED, have

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.root,
    pytest.mark.skipif(
        not (
            have("libvirtd")
            and have("qemu-system-x86_64")
            and have("ovn-controller")
            and have("ip")
            and hasattr(os, "geteuid")
            and os.geteuid() == 0
            and (SHARED / "libvirt" / "lv_ovs_up.sh").exists()
        ),
        reason="needs root, libvirtd, qemu-system-x86, OVN and ../shared/libvirt",
    ),
]

BIN = Path(sys.executable).parent

SCRIPT = r"""
set -u
S={run}
V={bin}
N="nsenter -t $(cat {state}/libvirtd.pid) -m -n"
export OVN_NB_DB=unix:$S/nb.sock
$V/python -m pyovn db serve --db $S/nb.db --schema ovn-nb --remote punix:$S/nb.sock \
  --log-file $S/nb.log --pidfile $S/nb.pid </dev/null >$S/nb.out 2>&1 &
ovsdb-tool create $S/sb.db /usr/share/ovn/ovn-sb.ovsschema
ovsdb-server $S/sb.db --remote=punix:$S/sb.sock --pidfile=$S/sb.pid \
  --unixctl=$S/sb.ctl --log-file=$S/sb.log --detach --no-chdir
for i in $(seq 100); do [ -S $S/nb.sock ] && break; sleep 0.1; done
$V/pyovn-nbctl init -- ls-add sw1 -- set logical_switch sw1 other_config:subnet=10.0.0.0/24
ovn-northd --ovnnb-db=$OVN_NB_DB --ovnsb-db=unix:$S/sb.sock --pidfile=$S/northd.pid \
  --unixctl=$S/northd.ctl --log-file=$S/northd.log --detach --no-chdir
$N ovs-vsctl set open . external_ids:system-id=hv1 external_ids:ovn-remote=unix:$S/sb.sock \
  external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip=127.0.0.1
$N mkdir -p /run/ovn
$N ovn-controller unix:/run/openvswitch/db.sock --pidfile=$S/controller.pid \
  --log-file=$S/controller.log --detach --no-chdir
agent() {{
  $N $V/pyovn libvirt agent --uri qemu:///system --switch-map br-int=sw1 --db $OVN_NB_DB \
    --log-file $S/agent.log --pidfile $S/agent.pid </dev/null >>$S/agent.out 2>&1 &
  for i in $(seq 100); do [ -f $S/agent.pid ] && break; sleep 0.1; done
}}
agent
VIRSH="$N virsh -q -c qemu:///system"
$VIRSH define $S/vm1.xml >/dev/null
for i in $(seq 50); do $V/pyovn-nbctl lsp-list sw1 | grep -q {ifid} && break; sleep 0.1; done
echo "after_define=$($V/pyovn-nbctl lsp-get-addresses {ifid})"
$VIRSH start ovn-vm1 >/dev/null
DEV=$($VIRSH domiflist ovn-vm1 | awk '{{print $1}}')
ovs-vsctl() {{ $N $V/pyovn-vsctl --db=unix:/run/openvswitch/db.sock "$@"; }}
# the seed's commands, with pyovn-vsctl standing in for ovs-vsctl:
ifaceid=$(ovs-vsctl get interface $DEV external_ids:iface-id)
MAC_ADDR=$(ovs-vsctl get interface $DEV external_ids:attached-mac | sed s/\"//g)
echo "ifaceid=$ifaceid"
echo "mac_addr=$MAC_ADDR"
for i in $(seq 100); do [ "$($V/pyovn-nbctl lsp-get-up {ifid})" = up ] && break; sleep 0.2; done
echo "up=$($V/pyovn-nbctl lsp-get-up {ifid})"
kill $(cat $S/agent.pid); for i in $(seq 50); do [ -f $S/agent.pid ] || break; sleep 0.1; done
agent
sleep 1
echo "ports_after_restart=$($V/pyovn-nbctl lsp-list sw1 | wc -l)"
$VIRSH destroy ovn-vm1 >/dev/null
for i in $(seq 50); do command $N ovs-vsctl list-ports br-int | grep -q . || break; sleep 0.1; done
echo "taps_after_destroy=$(ovs-vsctl list-ports br-int | wc -l)"
echo "ports_after_destroy=$($V/pyovn-nbctl lsp-list sw1 | wc -l)"
$VIRSH undefine ovn-vm1 >/dev/null
for i in $(seq 50); do [ "$($V/pyovn-nbctl lsp-list sw1)" = "" ] && break; sleep 0.1; done
echo "ports_after_undefine=$($V/pyovn-nbctl lsp-list sw1 | wc -l)"
"""

DOMAIN = """<domain type='qemu'>
  <name>ovn-vm1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='bridge'>
      <mac address='52:54:00:aa:bb:01'/>
      <source bridge='br-int'/>
      <virtualport type='openvswitch'><parameters interfaceid='{ifid}'/></virtualport>
      <model type='virtio'/>
    </interface>
    <memballoon model='none'/>
  </devices>
</domain>
"""

IFID = "4c6e3f6e-1111-2222-3333-444455556666"


def _stop_pidfiles(run: Path) -> None:
    for name in ("agent", "controller", "northd", "sb", "nb"):
        pidfile = run / f"{name}.pid"
        if pidfile.exists():
            subprocess.run(["kill", pidfile.read_text().strip()], check=False)


def test_libvirt_plugs_the_tap_and_ovn_binds_it(tmp_path: Path) -> None:
    namespace = f"pyovn-cms-{os.getpid()}"
    state, run = tmp_path / "state", tmp_path / "run"
    run.mkdir()
    (run / "vm1.xml").write_text(DOMAIN.format(ifid=IFID))
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    try:
        up = subprocess.run(
            ["ip", "netns", "exec", namespace, "bash", str(SHARED / "libvirt" / "lv_ovs_up.sh"),
             str(state)],
            capture_output=True,
            text=True,
            timeout=120,
        )  # fmt: skip
        if up.returncode != 0:
            pytest.skip(f"lv_ovs_up.sh failed here: {up.stderr.strip().splitlines()[-1:]}")
        script = SCRIPT.format(run=run, bin=BIN, state=state, ifid=IFID)
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=240)
    finally:
        _stop_pidfiles(run)
        subprocess.run(
            ["bash", str(SHARED / "libvirt" / "lv_ovs_down.sh"), str(state)], check=False
        )
        subprocess.run(["ip", "netns", "del", namespace], check=False)
        shutil.rmtree(state / "run", ignore_errors=True)
    values = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert values.get("after_define") == "52:54:00:aa:bb:01 10.0.0.2", done.stderr
    assert values["ifaceid"] == f'"{IFID}"' and values["mac_addr"] == "52:54:00:aa:bb:01"
    assert values["up"] == "up", done.stderr[-2000:]
    assert values["ports_after_restart"] == "1"
    assert values["taps_after_destroy"] == "0" and values["ports_after_destroy"] == "1"
    assert values["ports_after_undefine"] == "0"
    assert "Traceback" not in (run / "agent.log").read_text()
