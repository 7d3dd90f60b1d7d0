"""pyovn.cms: the cloud-management side of OVN.

Three layers, as in ovsdbapp: a typed API per database with one method per
ctl verb (`NbApi`, `SbApi`, `VsApi`), one small command object per verb, and
one transaction (`Backend.transaction()`, `NbApi.transaction()`) that runs
them atomically with optimistic concurrency. On top: the ovn-nbctl /
ovn-sbctl / ovs-vsctl compatible command lines (`pyovn.cms.ctl`), and the
libvirt integration (`pyovn.cms.libvirt`: `attach` and the agent).
"""

from pyovn.cms.api.backend import Backend, CfgCounter, Transaction, TxnResult
from pyovn.cms.api.command import Command, ReadCommand
from pyovn.cms.api.txn import Row, TxnContext
from pyovn.cms.ctl.runner import Tool, run_tool
from pyovn.cms.errors import (
    CmsError,
    ConflictError,
    DomainXmlError,
    DuplicateError,
    IpamError,
    LibvirtError,
    NotFoundError,
    TransactionFailed,
    UnmappedBridgeError,
    UsageError,
    ValueSyntaxError,
    WaitTimeoutError,
)
from pyovn.cms.nbctl.api import NbApi
from pyovn.cms.sbctl.api import SbApi
from pyovn.cms.vsctl.api import VsApi

__all__ = [
    "Backend",
    "CfgCounter",
    "CmsError",
    "Command",
    "ConflictError",
    "DomainXmlError",
    "DuplicateError",
    "IpamError",
    "LibvirtError",
    "NbApi",
    "NotFoundError",
    "ReadCommand",
    "Row",
    "SbApi",
    "Tool",
    "Transaction",
    "TransactionFailed",
    "TxnContext",
    "TxnResult",
    "UnmappedBridgeError",
    "UsageError",
    "ValueSyntaxError",
    "VsApi",
    "WaitTimeoutError",
    "run_tool",
]
