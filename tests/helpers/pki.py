"""Certificates for TLS tests, made with OVS's own `ovs-pki` in a temp dir.

`Pki.create(dir)` initialises a CA and signs certificates whose Common Name
is exactly the name given (`ovs-pki -u`), as OVN's RBAC wants (CN = chassis
name). A second, unrelated `Pki` gives certificates the first CA rejects.
"""

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.daemons import have

__all__ = ["Cert", "Pki", "needs_ovs_pki"]

needs_ovs_pki = pytest.mark.skipif(
    not have("ovs-pki"), reason="ovs-pki (Debian openvswitch-common) is not installed"
)


@dataclass(frozen=True)
class Cert:
    """A private key and certificate, and the CA certificate to trust peers by."""

    key: Path
    cert: Path
    ca: Path

    def options(self) -> list[str]:
        """The three options every OVS/OVN tool (and pyovn) takes."""
        return [f"--private-key={self.key}", f"--certificate={self.cert}", f"--ca-cert={self.ca}"]


@dataclass(frozen=True)
class Pki:
    root: Path

    @classmethod
    def create(cls, root: Path) -> "Pki":
        root.mkdir(parents=True, exist_ok=True)
        _run(["ovs-pki", f"--dir={root / 'pki'}", f"--log={root / 'pki.log'}", "init"], root)
        return cls(root)

    @property
    def ca(self) -> Path:
        return self.root / "pki" / "switchca" / "cacert.pem"

    def sign(self, name: str) -> Cert:
        """A certificate with CN=`name`, signed by this PKI's CA."""
        key = self.root / f"{name}-privkey.pem"
        if not key.exists():
            _run(
                [
                    "ovs-pki",
                    "-u",
                    f"--dir={self.root / 'pki'}",
                    f"--log={self.root / 'pki.log'}",
                    "req+sign",
                    name,
                    "switch",
                ],
                self.root,
            )
        return Cert(key, self.root / f"{name}-cert.pem", self.ca)


def _run(args: list[str], cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, timeout=60)
