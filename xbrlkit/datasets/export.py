"""Writing a build as a Hugging Face dataset folder, atomically.

One config per task with train/test parquet files, the reference-format
JSONL, the formula ground truth, `build_summary.json`, and a dataset card
rendered from `datasets_cards/xbrl_tasks.md`. The folder is written under a
temporary name and renamed into place, so a failed build leaves nothing half
written and an earlier output stays intact until the new one is complete.
"""
from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from string import Template

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from finlora_common.atomic import atomic_dir
from xbrlkit.datasets import finlora_format
from xbrlkit.datasets.build import BuildResult
from xbrlkit.datasets.catalog import TASKS
from xbrlkit.datasets.questions import Example

_COLUMNS = [("id", pa.string()), ("question", pa.string()), ("context", pa.string()), ("answer", pa.string()),
            ("task", pa.string()), ("ticker", pa.string()), ("company", pa.string()), ("cik", pa.string()),
            ("fiscal_year", pa.int32()), ("filing", pa.string()), ("accession", pa.string()),
            ("template_id", pa.string()), ("concept", pa.string()), ("ratio", pa.string()),
            ("expression", pa.string()), ("tags", pa.list_(pa.string())), ("fact_ids", pa.list_(pa.string())),
            ("unit", pa.string()), ("decimals", pa.string())]
SCHEMA = pa.schema(_COLUMNS)
_HF_TYPES = {pa.string(): "string", pa.int32(): "int32"}


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def _write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")


def _features() -> dict:
    features = []
    for name, dtype in _COLUMNS:
        if pa.types.is_list(dtype):
            features.append({"name": name, "list": "string"})
        else:
            features.append({"name": name, "dtype": _HF_TYPES[dtype]})
    return features


def _size_category(total: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if total < limit:
            return label
    return "100K<n<1M"


def card(result: BuildResult, present: dict[str, dict[str, int]], corpus_name: str) -> str:
    """The dataset card (README.md) with Hub YAML metadata for the configs actually written."""
    counts = result.summary["questions"]
    metadata = {
        "license": "cc0-1.0",
        "language": ["en"],
        "pretty_name": f"XBRL analysis tasks ({corpus_name})",
        "task_categories": ["question-answering", "table-question-answering"],
        "tags": ["finance", "xbrl", "sec-filings", "finlora"],
        "size_categories": [_size_category(sum(sum(by_split.values()) for by_split in counts.values()))],
        "configs": [{"config_name": task, "data_files": [{"split": s, "path": f"{task}/{s}.parquet"} for s in splits]}
                    for task, splits in present.items()],
        "dataset_info": [{"config_name": task, "features": _features(),
                          "splits": [{"name": s, "num_bytes": size, "num_examples": counts[task][s]}
                                     for s, size in splits.items()]}
                         for task, splits in present.items()],
    }
    config = result.summary["config"]
    check = result.summary["calculation_self_check"]
    size_rows = "\n".join(f"| `{task}` | {counts[task]['train']} | {counts[task]['test']} |" for task in TASKS)
    split_rule = (f"test = fiscal year {config['test_year']}, train = the other years" if config["split_by"] == "year"
                  else f"company-disjoint; test companies: {', '.join(result.summary['test_companies'])}")
    template = Template(files("datasets_cards").joinpath("xbrl_tasks.md").read_text(encoding="utf-8"))
    return template.substitute(
        yaml=yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True).strip(),
        corpus_name=corpus_name,
        size_table="| config | train | test |\n|---|---:|---:|\n" + size_rows,
        split_rule=split_rule,
        self_check=(f"{check['answers_agreeing']} of {check['answers_checked']} checkable value answers agree "
                    "with their calculation relations"),
        style=config["style"], max_chars=config["max_context_chars"],
    )


def write(result: BuildResult, out: Path, corpus_name: str) -> None:
    """Write the dataset folder to `out`, replacing an earlier build only once the new one is complete."""
    with atomic_dir(out) as staging:
        present: dict[str, dict[str, int]] = {}  # task -> split -> parquet bytes, for the card
        for task in TASKS:
            for split, examples in result.splits[task].items():
                if not examples:
                    continue
                parquet = staging / task / f"{split}.parquet"
                _write_parquet(_table([_row(e) for e in examples], SCHEMA), parquet)
                present.setdefault(task, {})[split] = parquet.stat().st_size
                finlora_format.write(examples, finlora_format.path(staging, task, split))
        truths = [t.row() for t in result.truths]
        if truths:
            _write_parquet(pa.Table.from_pylist(truths), staging / "formula_ground_truth.parquet")
        (staging / "build_summary.json").write_text(json.dumps(result.summary, indent=2, sort_keys=True) + "\n",
                                                    encoding="utf-8")
        (staging / "README.md").write_text(card(result, present, corpus_name), encoding="utf-8")


def _row(example: Example) -> dict:
    row = example.row()
    del row["finlora_target"]
    return row
