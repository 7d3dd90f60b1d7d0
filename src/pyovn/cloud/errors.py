"""The cloud's exception family.

Every error `pyovn.cloud` raises on purpose derives from `CloudError`::

    PyovnError
    └── CloudError
        ├── RunDirError     the run directory is missing, busy, or a daemon in it
        │                   failed to start (the message names its log file)
        ├── VmError         a VM command failed: unknown VM or chassis, bad domain
        │                   XML, no DHCP lease, the hypervisor's socket is gone
        └── (CloudError)    a CMS step (Northbound transaction) failed
"""

from pyovn.errors import PyovnError

__all__ = ["CloudError", "RunDirError", "VmError"]


class CloudError(PyovnError):
    """Base class of every error raised by `pyovn.cloud`."""


class RunDirError(CloudError):
    """The run directory or one of its daemons is not usable."""


class VmError(CloudError):
    """A simulated VM could not be booted, found or driven."""
