"""The SSL file options every pyovn command takes, spelled as OVS's tools do."""

from typing import Annotated

import typer

__all__ = ["CaCertOption", "CertificateOption", "PrivateKeyOption"]

PrivateKeyOption = Annotated[
    str | None, typer.Option("--private-key", "-p", help="SSL private key file")
]
CertificateOption = Annotated[
    str | None, typer.Option("--certificate", "-c", help="SSL certificate file")
]
CaCertOption = Annotated[
    str | None, typer.Option("--ca-cert", "-C", help="SSL CA certificate file")
]
