"""A run directory: where a local deployment keeps its databases, sockets,
logs and pid files, one set per daemon."""

from dataclasses import dataclass
from pathlib import Path

from pyovn.cloud.errors import CloudError

__all__ = ["RunDir"]


@dataclass(frozen=True)
class RunDir:
    """The files of the daemons of one deployment under `path`."""

    path: Path

    def create(self) -> "RunDir":
        if self.path.exists() and not self.path.is_dir():
            raise CloudError(f"{self.path}: exists and is not a directory")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CloudError(
                f"{self.path}: cannot create the run directory: {exc.strerror}"
            ) from None
        return RunDir(self.path.resolve())

    def db(self, name: str) -> Path:
        return self.path / f"{name}.db"

    def socket(self, name: str) -> Path:
        return self.path / f"{name}.sock"

    def remote(self, name: str) -> str:
        return f"unix:{self.socket(name)}"

    def log(self, name: str) -> Path:
        return self.path / f"{name}.log"

    def pidfile(self, name: str) -> Path:
        return self.path / f"{name}.pid"
