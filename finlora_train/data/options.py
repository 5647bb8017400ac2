"""The settings of a training-data build."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from finlora_train.errors import TrainError

TFNS_LABELS = ("reference", "correct")


@dataclass(frozen=True)
class DataOptions:
    data_dir: Path
    """The FinLoRA data folder (../shared/finlora): sources/, train/ and test/."""
    xbrl_dir: Path | None = None
    """An `xbrlkit build` output folder (finlora/<task>_train.jsonl)."""
    tfns_labels: str = "reference"
    """Which TFNS labels: "reference", the benchmark's (0 negative, 1 neutral, 2 positive), or "correct", TFNS's own."""
    balance: bool = False
    """Downsample every label to the rarest label's count (classification categories), seeded."""
    limit: int | None = None
    """Keep at most this many rows: a seeded random sample, in build order."""
    caps: Mapping[str, int] = field(default_factory=dict)
    """At most this many rows from the source of a builder (e.g. {"tfns": 1500}): a seeded sample, to set the mix."""
    seed: int = 42

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        if self.xbrl_dir is not None:
            object.__setattr__(self, "xbrl_dir", Path(self.xbrl_dir))
        if self.tfns_labels not in TFNS_LABELS:
            raise TrainError(f"unknown TFNS label mapping {self.tfns_labels!r}",
                             hint=f"use one of {', '.join(TFNS_LABELS)}")
        if any(cap < 1 for cap in self.caps.values()):
            raise TrainError(f"source caps must be positive numbers of rows, not {dict(self.caps)}")
        if self.limit is not None and self.limit < 1:
            raise TrainError(f"limit must be a positive number of rows, not {self.limit}")
