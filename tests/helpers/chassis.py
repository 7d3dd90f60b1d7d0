"""Chassis as processes against any Southbound DB (a cluster, an SSL remote).

`Hypervisors.start` runs, per chassis, what `pyovn up` runs: an Open_vSwitch
DB server, the simulated vswitchd and `pyovn controller` (with extra
options, e.g. its SSL files), all in a run directory under the test's
tmp_path; `stop` ends them by pid file whatever happened. VMs are driven
through the hypervisors' control sockets (`CloudClient`), synchronously.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyovn.cloud.rundir import ChassisInfo, CloudInfo, RunDir, underlay_address
from pyovn.cloud.up import start_chassis, wait_registered
from pyovn.cloud.vmctl import CloudClient

__all__ = ["Hypervisors"]


@dataclass
class Hypervisors:
    run: RunDir
    info: CloudInfo

    @classmethod
    def start(
        cls,
        path: Path,
        nb: str,
        sb: str,
        names: list[str],
        controller_args: Callable[[str], tuple[str, ...]] = lambda name: (),
        sb_watch: str | None = None,
    ) -> "Hypervisors":
        """Start chassis `names` (controllers given `controller_args(name)`) and
        wait until they registered, watching the SB through `sb_watch` (default
        `sb`; give a plain remote when `sb` needs a certificate)."""
        path.mkdir(parents=True, exist_ok=True)
        run = RunDir(path)
        info = CloudInfo(nb, sb_watch or sb)
        started = cls(run, info)
        try:
            for index, name in enumerate(names, 1):
                chassis = ChassisInfo(name, underlay_address(run.path, index))
                info.chassis.append(chassis)
                asyncio.run(start_chassis(run, sb, chassis, controller_args(name)))
            run.write_info(info)
            asyncio.run(wait_registered(info, 60))
        except BaseException:
            run.stop()
            raise
        return started

    def stop(self) -> None:
        self.run.stop()

    def vm(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a `CloudClient` method (boot, ping, destroy, …) and wait for it."""

        async def call() -> Any:
            return await getattr(CloudClient(self.run.path), method)(*args, **kwargs)

        return asyncio.run(call())

    def log(self, name: str) -> str:
        path = self.run.chassis_dir(name) / "controller.log"
        return path.read_text() if path.exists() else ""

    def tracebacks(self) -> list[str]:
        """Controllers whose log holds a Python traceback."""
        return [c.name for c in self.info.chassis if "Traceback" in self.log(c.name)]
