"""FiQA 2018 task 1 aspects as sentiment rows, labelled by score thresholds, minus the aspects of fiqa_test."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from finlora_common.prompt import layout
from finlora_train.data.files import Row, data_file, read_csv, read_text
from finlora_train.data.options import DataOptions
from finlora_train.errors import TrainError


def _excluded(path: Path) -> set[tuple[str, str, int]]:
    """(file name, sentence id, aspect index) of the overlap TSV."""
    try:
        return {(row["file"], row["id"], int(row["info_index"])) for row in read_csv(path, delimiter="\t")}
    except (KeyError, ValueError) as exc:
        raise TrainError(f"not a file/id/info_index table ({exc})", path) from None


def label(score: float, params: dict[str, Any]) -> str:
    """The first label whose bound the score is below, else `otherwise`."""
    return next((name for bound, name in params["below"] if score < bound), params["otherwise"])


def build(params: dict[str, Any], options: DataOptions) -> list[Row]:
    skip = _excluded(data_file(options, params["exclude"]))
    rows = []
    for relative, instruction in params["instructions"].items():
        path = data_file(options, relative)
        try:
            for key, entry in json.loads(read_text(path)).items():
                for index, aspect in enumerate(entry["info"]):
                    if (path.name, key, index) not in skip:
                        rows.append({"context": layout(instruction, entry["sentence"]),
                                     "target": label(float(aspect["sentiment_score"]), params)})
        except (json.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise TrainError(f"not FiQA task 1 JSON ({type(exc).__name__}: {exc})", path) from None
    return rows
