"""Atomic output: nothing half written, even when interrupted; the usual permissions; destinations checked first."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from finlora_common.atomic import atomic_dir, atomic_path, check_destination
from finlora_common.console import Terminated
from finlora_common.errors import UserError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_outputs_get_the_umask_permissions(tmp_path: Path):
    with atomic_dir(tmp_path / "folder") as staging:
        (staging / "a.txt").write_text("a")
    with atomic_path(tmp_path / "file.txt") as temporary:
        temporary.write_text("b")
    assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == 0o777 & ~_umask()
    assert stat.S_IMODE((tmp_path / "file.txt").stat().st_mode) == 0o666 & ~_umask()


def test_an_interrupted_folder_leaves_no_staging_and_the_old_output(tmp_path: Path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("old")
    with pytest.raises(Terminated):
        with atomic_dir(tmp_path / "out") as staging:
            (staging / "new.txt").write_text("new")
            raise Terminated
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["old.txt"]


@pytest.mark.parametrize("target, folder, message", [
    ("file/x.csv", False, "cannot be created: {tmp}/file is a file"),
    ("file", True, "is a file, not a folder"),
    ("dir", False, "is a folder, not a file"),
])
def test_destinations_that_cannot_be_written(tmp_path: Path, target: str, folder: bool, message: str):
    (tmp_path / "file").write_text("")
    (tmp_path / "dir").mkdir()
    with pytest.raises(UserError, match=message.format(tmp=tmp_path)):
        check_destination(tmp_path / target, folder=folder)


def test_a_new_path_in_a_writable_place_is_fine(tmp_path: Path):
    check_destination(tmp_path / "new" / "deeper" / "out", folder=True)
    check_destination(tmp_path / "out.jsonl", folder=False)
    assert list(tmp_path.iterdir()) == [], "checking creates nothing"
