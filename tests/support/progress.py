"""A recorder of on_progress(done, total) calls, and the check every long command's
callbacks must pass: `done` only grows and ends at `total`."""
from __future__ import annotations


class Calls(list):
    """Use as the on_progress callback; it keeps every (done, total)."""

    def __call__(self, done: int, total: int) -> None:
        self.append((done, total))

    def assert_monotonic_to_total(self) -> None:
        assert self, "on_progress was never called"
        dones = [d for d, _ in self]
        assert dones == sorted(dones) and len(set(dones)) == len(dones), f"not growing: {dones}"
        assert all(0 < d <= t for d, t in self), list(self)
        assert self[-1][0] == self[-1][1], f"ends at {self[-1]}, not at its total"
