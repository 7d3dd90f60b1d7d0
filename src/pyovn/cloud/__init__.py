"""pyovn.cloud: start and stop a local deployment in a run directory
(`pyovn demo`, later `pyovn up`)."""

from pyovn.cloud.daemons import Daemons, DbServer
from pyovn.cloud.demo import DemoResult, run_demo
from pyovn.cloud.errors import CloudError
from pyovn.cloud.rundir import RunDir
from pyovn.cloud.show import topology_tree
from pyovn.cloud.topology import DEMO, Snapshot, Topology

__all__ = [
    "DEMO",
    "CloudError",
    "Daemons",
    "DbServer",
    "DemoResult",
    "RunDir",
    "Snapshot",
    "Topology",
    "run_demo",
    "topology_tree",
]
