"""Errors of pyovn.cms.

    PyovnError
    └── CmsError                 a CMS command could not be carried out
        ├── UsageError           a bad command line: unknown command or option,
        │                        wrong number of arguments
        ├── ValueSyntaxError     a database value, MAC, IP, CIDR or priority is
        │                        malformed
        ├── NotFoundError        a named record does not exist
        ├── DuplicateError       a record with that name (or those values)
        │                        already exists
        ├── TransactionFailed    the database refused the transaction
        │   ├── ConflictError    concurrent writers kept changing what the
        │   │                    transaction read, even after retries
        │   └── OutcomeUnknownError  the connection dropped before the reply
        │                        and retrying would not be safe
        ├── WaitTimeoutError     --timeout ran out (connecting, committing or
        │                        waiting for northd / the chassis)
        ├── IpamError            a switch has no subnet, or no free address
        └── LibvirtError         a domain cannot be mapped onto OVN
            ├── DomainXmlError   the domain XML is malformed or has no
            │                    openvswitch virtualport
            └── UnmappedBridgeError   the domain's bridge is in no --switch-map

Each message is the one line the command-line tools print after their name;
the database is untouched whenever one of these is raised before commit.
"""

from pyovn.errors import PyovnError

__all__ = [
    "CmsError",
    "ConflictError",
    "DomainXmlError",
    "DuplicateError",
    "IpamError",
    "LibvirtError",
    "NotFoundError",
    "OutcomeUnknownError",
    "TransactionFailed",
    "UnmappedBridgeError",
    "UsageError",
    "ValueSyntaxError",
    "WaitTimeoutError",
]


class CmsError(PyovnError):
    """Base class of the errors of pyovn's CMS tools."""


class UsageError(CmsError):
    """The command line is malformed."""


class ValueSyntaxError(CmsError):
    """A value the user wrote does not parse."""


class NotFoundError(CmsError):
    """A record the command names does not exist."""


class DuplicateError(CmsError):
    """A record with the same identity already exists."""


class TransactionFailed(CmsError):
    """The OVSDB server rejected the transaction."""


class ConflictError(TransactionFailed):
    """Concurrent changes made every attempt of the transaction fail."""


class OutcomeUnknownError(TransactionFailed):
    """The reply was lost and the transaction cannot safely be run again."""


class WaitTimeoutError(CmsError):
    """The --timeout deadline passed."""


class IpamError(CmsError):
    """No address can be allocated on a switch."""


class LibvirtError(CmsError):
    """A libvirt domain cannot be attached to OVN."""


class DomainXmlError(LibvirtError):
    """The domain XML is malformed or lacks what the integration needs."""


class UnmappedBridgeError(LibvirtError):
    """A domain interface is on a bridge no --switch-map entry names."""
