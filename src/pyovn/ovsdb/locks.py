"""OVSDB locks (RFC 7047 section 4.1.8-4.1.10): lock, steal, unlock.

A lock has at most one owner and a queue of waiters. The manager only
decides ownership; it reports who must be told ("locked" or "stolen") and the
server sends those notifications.
"""

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field

__all__ = ["LockEvent", "LockManager"]


@dataclass(frozen=True, slots=True)
class LockEvent:
    """A notification to send: `method` is "locked" or "stolen"."""

    session: Hashable
    method: str
    lock: str


@dataclass(slots=True)
class _Lock:
    owner: Hashable | None = None
    waiters: deque[Hashable] = field(default_factory=deque)


class LockManager:
    def __init__(self) -> None:
        self._locks: dict[str, _Lock] = {}

    def owner(self, name: str) -> Hashable | None:
        lock = self._locks.get(name)
        return lock.owner if lock else None

    def holds(self, session: Hashable, name: str) -> bool:
        return self.owner(name) is session

    def is_requested_by(self, session: Hashable, name: str) -> bool:
        lock = self._locks.get(name)
        return lock is not None and (lock.owner is session or session in lock.waiters)

    def lock(self, session: Hashable, name: str) -> bool:
        """Request the lock; True if `session` owns it now, else it waits."""
        lock = self._locks.setdefault(name, _Lock())
        if lock.owner is None:
            lock.owner = session
            return True
        lock.waiters.append(session)
        return False

    def steal(self, session: Hashable, name: str) -> list[LockEvent]:
        """Take the lock; the previous owner goes back to waiting, told "stolen"."""
        lock = self._locks.setdefault(name, _Lock())
        events: list[LockEvent] = []
        previous = lock.owner
        if session in lock.waiters:
            lock.waiters.remove(session)
        if previous is not None and previous is not session:
            events.append(LockEvent(previous, "stolen", name))
            # ovsdb-server keeps the victim's request queued so it gets the
            # lock back (with a "locked" notification) when the thief unlocks.
            lock.waiters.appendleft(previous)
        lock.owner = session
        return events

    def unlock(self, session: Hashable, name: str) -> list[LockEvent]:
        """Drop the request or the ownership; the next waiter is told "locked"."""
        lock = self._locks.get(name)
        if lock is None:
            return []
        if session in lock.waiters:
            lock.waiters.remove(session)
        events: list[LockEvent] = []
        if lock.owner is session:
            lock.owner = None
            if lock.waiters:
                lock.owner = lock.waiters.popleft()
                events.append(LockEvent(lock.owner, "locked", name))
        if lock.owner is None and not lock.waiters:
            del self._locks[name]
        return events

    def release_all(self, session: Hashable) -> list[LockEvent]:
        """Everything `session` held or waited for, when it disconnects."""
        events: list[LockEvent] = []
        for name in list(self._locks):
            if self.is_requested_by(session, name):
                events.extend(self.unlock(session, name))
        return events
