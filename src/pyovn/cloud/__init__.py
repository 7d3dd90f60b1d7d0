"""pyovn.cloud: a whole OVN cloud on one machine.

`pyovn up` starts, each as a process in a run directory (`rundir.py`):
NB and SB OVSDB servers, northd, and per chassis an Open_vSwitch DB server,
a simulated ovs-vswitchd (`vswitchd.py`: bridges, Geneve over UDP on a
loopback address, the `br-int.mgmt` switch socket) hosting simulated VMs
(`hypervisor.py`, driven over `hypervisor.sock` by `pyovn vm`), and
`pyovn controller`. `pyovn demo` plays the seed scenario (`scenario.py`)
on such a cloud; `EmbeddedCloud` runs the same pieces in one asyncio loop
for tests and benchmarks. `Northbound` is the CMS stand-in (ovn-nbctl
verbs as transactions), `domxml.py` reads libvirt domain XML.
"""

from pyovn.cloud.embedded import EmbeddedClient, EmbeddedCloud
from pyovn.cloud.errors import CloudError, RunDirError, VmError
from pyovn.cloud.nb import Northbound
from pyovn.cloud.rundir import CloudInfo, RunDir, default_rundir
from pyovn.cloud.scenario import SeedScenario, Step
from pyovn.cloud.up import cloud_down, cloud_up
from pyovn.cloud.vmctl import CloudClient, VmClient

__all__ = [
    "CloudClient",
    "CloudError",
    "CloudInfo",
    "EmbeddedClient",
    "EmbeddedCloud",
    "Northbound",
    "RunDir",
    "RunDirError",
    "SeedScenario",
    "Step",
    "VmClient",
    "VmError",
    "cloud_down",
    "cloud_up",
    "default_rundir",
]
