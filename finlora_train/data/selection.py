"""What happens to a category's rows after the builders: held-out inputs removed, duplicates dropped,
labels balanced, a limit applied. Every random choice is seeded."""
from __future__ import annotations

import random
from collections import defaultdict

from finlora_common.prompt import overlap_key
from finlora_train.categories import Category
from finlora_train.data.files import Row, read_jsonl
from finlora_train.data.options import DataOptions
from finlora_train.errors import TrainError


def held_out_keys(category: Category, options: DataOptions) -> set[str]:
    """The overlap keys of the category's test files. A missing one is an error, unless the category holds out a
    split of its own source (`held_out_split`): then the files present are used."""
    roots = {"data_dir": options.data_dir, "xbrl_dir": options.xbrl_dir}
    keys = set()
    for root, relatives in category.held_out.items():
        for relative in relatives:
            path = roots[root] / relative if roots[root] is not None else None
            if path is not None and path.is_file():
                keys |= {overlap_key(row["context"]) for row in read_jsonl(path)}
            elif not category.held_out_split:
                flag = "--" + root.replace("_", "-")
                raise TrainError(f"category {category.name}: its held-out test file {relative} is missing, so no "
                                 "training row can be checked against the evaluation's", path or relative,
                                 hint=f"give {flag} with the test files")
    return keys


def without_held_out(rows: list[Row], keys: set[str]) -> list[Row]:
    return [row for row in rows if overlap_key(row["context"]) not in keys]


def dedupe(rows: list[Row]) -> list[Row]:
    """The first of identical (context, target) rows."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for row in rows:
        if (row["context"], row["target"]) not in seen:
            seen.add((row["context"], row["target"]))
            kept.append(row)
    return kept


def _keep(rows: list[Row], indices: list[int]) -> list[Row]:
    return [rows[i] for i in sorted(indices)]


def balance(rows: list[Row], seed: int) -> list[Row]:
    """As many rows of every target as of the rarest one, picked at random, in build order."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_label[row["target"]].append(index)
    rarest = min(map(len, by_label.values()), default=0)
    rng = random.Random(seed)
    return _keep(rows, [i for label in sorted(by_label) for i in rng.sample(by_label[label], rarest)])


def sample(rows: list[Row], limit: int, seed: int) -> list[Row]:
    """At most `limit` rows, picked at random, in build order."""
    if limit >= len(rows):
        return rows
    return _keep(rows, random.Random(seed).sample(range(len(rows)), limit))
