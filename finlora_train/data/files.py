"""Finding and reading the files the builders use; a missing file is a TrainError saying which setting to fix."""
from __future__ import annotations

import csv
from pathlib import Path

from finlora_train.data.options import DataOptions
from finlora_train.errors import TrainError
from xbrlkit.datasets import finlora_format

Row = dict[str, str]


def data_file(options: DataOptions, relative: str) -> Path:
    """A file under --data-dir."""
    path = options.data_dir / relative
    if not path.is_file():
        raise TrainError("source file not found", path,
                         hint="set --data-dir to the FinLoRA data folder that holds sources/, train/ and test/")
    return path


def xbrl_file(options: DataOptions, relative: str) -> Path:
    """A file under --xbrl-dir."""
    hint = "run `xbrlkit build --source FILINGS --out DIR --format finlora` and pass --xbrl-dir DIR"
    if options.xbrl_dir is None:
        raise TrainError("xbrl_analysis needs an `xbrlkit build` output folder", hint=hint)
    path = options.xbrl_dir / relative
    if not path.is_file():
        raise TrainError("xbrlkit build file not found", path, hint=hint)
    return path


def read_text(path: Path, encoding: str = "utf-8") -> str:
    try:
        return path.read_text(encoding=encoding)
    except (OSError, UnicodeDecodeError) as exc:
        raise TrainError(f"cannot read: {exc}", path) from None


def read_jsonl(path: Path) -> list[Row]:
    """Reference-format rows, reduced to context and target."""
    return [{"context": row["context"], "target": row["target"]} for row in finlora_format.read(path, TrainError)]


def read_training_file(path: Path) -> list[Row]:
    """The rows of a --data file; an empty one is an error (found before any model loads)."""
    rows = read_jsonl(path)
    if not rows:
        raise TrainError("no training rows in the file", path,
                         hint='write one {"context": ..., "target": ...} per line')
    return rows


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle, delimiter=delimiter))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TrainError(f"cannot read the table: {exc}", path) from None


def line_numbers(path: Path) -> set[int]:
    """The 0-based line or row numbers that an overlap file lists, one per line."""
    try:
        return {int(line) for line in read_text(path).split()}
    except ValueError as exc:
        raise TrainError(f"not a list of line numbers ({exc})", path) from None
