"""The versions of Python and of installed packages, recorded in every run's metadata."""
from __future__ import annotations

import platform
from importlib import metadata


def versions(packages: tuple[str, ...]) -> dict[str, str]:
    """Python's version and those of the installed `packages` (the missing ones are left out)."""
    found = {"python": platform.python_version()}
    for name in packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
