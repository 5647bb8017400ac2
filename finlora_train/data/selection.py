"""What happens to a category's rows after the builders: held-out inputs removed, duplicates dropped,
labels balanced, a limit applied. Every random choice is seeded."""
from __future__ import annotations

import random
from collections import defaultdict

from finlora_train.categories import Category
from finlora_train.data.files import Row, read_jsonl
from finlora_train.data.options import DataOptions
from finlora_train.data.prompt import overlap_key


def held_out_keys(category: Category, options: DataOptions) -> set[str]:
    """The overlap keys of the category's test files that are present."""
    roots = {"data_dir": options.data_dir, "xbrl_dir": options.xbrl_dir}
    paths = [roots[root] / relative for root, relatives in category.held_out.items() if roots[root] is not None
             for relative in relatives]
    return {overlap_key(row["context"]) for path in paths if path.is_file() for row in read_jsonl(path)}


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
