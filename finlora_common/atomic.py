"""Atomic output: files and folders are written under a temporary name beside the target and renamed on success."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from finlora_common.errors import UserError


def check_destination(target: str | Path, *, folder: bool, error: type[UserError] = UserError) -> None:
    """Fail now, before any work, when `target` (a file, or a folder with `folder`) cannot be written where it is."""
    target = Path(target)
    if target.exists() and target.is_dir() != folder:
        raise error(f"is {'a file' if folder else 'a folder'}, not {'a folder' if folder else 'a file'}", target,
                    hint="choose another output path")
    existing = next(p for p in (target.absolute(), *target.absolute().parents) if p.exists())
    if existing != target.absolute() and not existing.is_dir():
        raise error(f"cannot be created: {existing} is a file", target, hint="choose another output path")
    writable = existing.parent if existing == target.absolute() else existing
    if not os.access(writable, os.W_OK | os.X_OK):
        raise error(f"cannot be written: no write permission in {writable}", target, hint="choose another output path")


def _usual_mode(path: str | Path, mode: int) -> None:
    """mkstemp/mkdtemp make owner-only entries; outputs get the permissions the umask gives new files and folders."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, mode & ~umask)


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temp path to write; it replaces `target` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    _usual_mode(tmp, 0o666)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def replace_dir(staging: Path, target: Path) -> None:
    """Swap a finished folder into `target`; an earlier `target` is removed only after the swap."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield an empty temp folder beside `target`; it replaces `target` only if the block succeeds."""
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    _usual_mode(staging, 0o777)
    try:
        yield staging
        replace_dir(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
