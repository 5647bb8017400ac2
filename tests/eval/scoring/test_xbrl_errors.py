"""Error classes of XBRL analysis answers, on hand-made answers with known mistakes."""
from __future__ import annotations

import pytest

from finlora_eval.registry import load_registry
from finlora_eval.scoring.xbrl_errors import classify, error_counts

DATASETS = load_registry().datasets


@pytest.mark.parametrize("key, output, target, kind", [
    ("tags", "Answer: us-gaap:NetIncomeLoss", "us-gaap:NetIncomeLoss", "right"),
    ("tags", "us-gaap:NetIncomeLossAvailableToCommonStockholdersBasic", "us-gaap:NetIncomeLoss", "same tag family"),
    ("tags", "us-gaap:Revenues", "us-gaap:NetIncomeLoss", "other tag"),
    ("tags", "Net income is the profit.", "us-gaap:NetIncomeLoss", "no tag"),
    ("values", "96995000000", "96995000000", "right"),
    ("values", "96995", "96995000000", "wrong scale"),
    ("values", "$96,995 million", "96995000000", "no number"),
    ("values", "-2222000000", "2222000000", "wrong sign"),
    ("values", "383285000000", "96995000000", "other number"),
    ("formula_construction", "us-gaap:AssetsCurrent / us-gaap:LiabilitiesCurrent",
     "us-gaap:AssetsCurrent / us-gaap:LiabilitiesCurrent", "right"),
    ("formula_construction", "us-gaap:Assets / us-gaap:Liabilities",
     "us-gaap:AssetsCurrent / us-gaap:LiabilitiesCurrent", "right shape, other tags"),
    ("formula_construction", "us-gaap:AssetsCurrent - us-gaap:LiabilitiesCurrent",
     "us-gaap:AssetsCurrent / us-gaap:LiabilitiesCurrent", "other expression"),
    ("formula_calculation", "0.988", "143566000000 / 145308000000", "right"),
    ("formula_calculation", "0.99", "143566000000 / 145308000000", "within 1%, not the tolerance"),  # cents
    ("formula_calculation", "143566000000 - 145308000000", "143566000000 / 145308000000",
     "right operands, other arithmetic"),
    ("formula_calculation", "0.9835", "143566000000 / 145308000000", "within 1%, not the tolerance"),
    ("formula_calculation", "1.5", "143566000000 / 145308000000", "other value"),
    ("formula_calculation", "about one", "143566000000 / 145308000000", "no value"),
])
def test_each_kind_of_mistake(key, output, target, kind):
    assert classify(DATASETS[key], output, target) == kind


def test_counts_over_prediction_records():
    rows = [{"output": "us-gaap:Assets", "target": "us-gaap:Assets"}, {"output": "no", "target": "us-gaap:Assets"}]
    assert error_counts(DATASETS["tags"], rows) == {"right": 1, "no tag": 1}
