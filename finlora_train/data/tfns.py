"""Twitter Financial News Sentiment (`text,label` CSV) as sentiment rows, minus the rows near test rows."""
from __future__ import annotations

from typing import Any

from finlora_common.prompt import layout
from finlora_train.data.files import Row, data_file, line_numbers, read_csv
from finlora_train.data.options import DataOptions
from finlora_train.errors import TrainError


def build(params: dict[str, Any], options: DataOptions) -> list[Row]:
    path = data_file(options, params["path"])
    skip = line_numbers(data_file(options, params["exclude_rows"]))  # 0-based data rows, header not counted
    labels = {str(code): name for code, name in params["labels"][options.tfns_labels].items()}
    rows = []
    for index, row in enumerate(read_csv(path)):
        if index in skip:
            continue
        if row.get("label") not in labels or row.get("text") is None:
            raise TrainError(f"data row {index}: needs text and a label in {sorted(labels)}", path)
        rows.append({"context": layout(params["instruction"], row["text"]), "target": labels[row["label"]]})
    return rows
