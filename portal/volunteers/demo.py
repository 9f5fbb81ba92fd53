"""Demo data of this domain, called by `portal.demo.seed` (must be idempotent)."""

from __future__ import annotations


def seed() -> dict[str, int]:
    return {}
