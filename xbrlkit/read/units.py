"""Unit normalisation: `iso4217:USD` -> `USD`, shares/USD -> `USD/shares`.

Measures are written by local name; several measures in a numerator or
denominator are sorted and joined with `*`, so equal units compare equal
whatever order or prefix the filer chose.
"""
from __future__ import annotations

from typing import Iterable


def normalise(numerators: Iterable[str], denominators: Iterable[str] = ()) -> str:
    """Normalise measures given as local names (or `prefix:local` QNames)."""
    top = "*".join(sorted(_local(m) for m in numerators))
    bottom = "*".join(sorted(_local(m) for m in denominators))
    return f"{top}/{bottom}" if bottom else top


def _local(measure: str) -> str:
    return measure.strip().rpartition(":")[2]
