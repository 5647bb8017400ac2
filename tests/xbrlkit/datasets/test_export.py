"""The build folder as a Hugging Face dataset repository: configs, card metadata, parquet types."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from xbrlkit.datasets.catalog import TASKS


def test_hub_layout_loads_with_datasets(built: Path):
    import datasets
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(built / "README.md")
    assert {c["config_name"] for c in card.data.configs} == set(TASKS)
    assert card.data.license == "cc0-1.0" and "question-answering" in card.data.task_categories
    for task in TASKS:
        dataset = datasets.load_dataset(str(built), task)
        assert set(dataset) == {"train", "test"}
        assert dataset["test"].num_rows == len(pq.read_table(built / task / "test.parquet"))
        assert dataset["train"].features["fiscal_year"].dtype == "int32"
        assert dataset["train"].features["tags"].feature.dtype == "string"
