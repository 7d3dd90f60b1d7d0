"""Who is calling: tokens, projects and the admin role.

A token file has one token a line: `TOKEN PROJECT_ID [admin]` (`#` starts a
comment). The file is read again when it changes, so tokens can be added or
revoked without restarting the server. Clients send the token in
`X-Auth-Token`, as they do to Neutron behind Keystone.

Without a token file (`--no-auth`), every caller is an admin of the project
named in `X-Project-Id` (default "admin"): for a laptop, never for a shared
host.
"""

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from pyovn.cms.neutron.errors import BadRequest, Forbidden, NotAuthenticated

__all__ = ["Principal", "TokenStore", "parse_token_file"]


@dataclass(frozen=True)
class Principal:
    """The caller: a project, and whether it may see and change every project."""

    project_id: str
    is_admin: bool = False

    def can_see(self, project_id: str) -> bool:
        return self.is_admin or project_id == self.project_id

    def owner_for(self, requested: str | None) -> str:
        """The project a new resource belongs to (another one only for admins)."""
        if requested is None or requested == self.project_id:
            return self.project_id
        if not self.is_admin:
            raise Forbidden(
                f"project {self.project_id} may not create resources for project {requested}"
            )
        return requested

    def require_admin(self, what: str) -> None:
        if not self.is_admin:
            raise Forbidden(f"only an admin may set {what}")


def parse_token_file(text: str, source: str = "token file") -> dict[str, Principal]:
    """Tokens of a token file; an error names the bad line."""
    tokens: dict[str, Principal] = {}
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) not in (2, 3) or (len(words) == 3 and words[2] != "admin"):
            raise BadRequest(f"{source}:{number}: expected 'TOKEN PROJECT_ID [admin]'")
        tokens[words[0]] = Principal(words[1], len(words) == 3)
    return tokens


class TokenStore:
    """The tokens of a token file, reloaded when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._tokens: dict[str, Principal] = {}
        self._load()

    def _load(self) -> None:
        stat = os.stat(self.path)
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._tokens = parse_token_file(self.path.read_text(), str(self.path))
            self._stamp = stamp

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise NotAuthenticated("authentication required: send a token in X-Auth-Token")
        # Keep the tokens we have while the file is being replaced.
        with contextlib.suppress(OSError):
            self._load()
        principal = self._tokens.get(token)
        if principal is None:
            raise NotAuthenticated("the token in X-Auth-Token is not valid")
        return principal
