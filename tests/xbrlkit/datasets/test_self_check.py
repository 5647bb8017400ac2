"""The calculation self-check: value answers against the summation arcs of the filing's calculation linkbase."""
from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from xbrlkit.datasets.build import BuildConfig, run


def test_self_check_reports_a_value_that_breaks_its_calculation(tmp_path: Path):
    """The bundled sample with its FY2023 gross profit altered: the self-check names the disagreement."""
    sample = Path(str(files("xbrlkit").joinpath("sample")))
    for name in ("acme-20231231.xml", "acme-20231231_cal.xml"):
        (tmp_path / name).write_bytes((sample / name).read_bytes())
    instance = tmp_path / "acme-20231231.xml"
    text = instance.read_text(encoding="utf-8")
    gross_profit = re.search(r'<us-gaap:GrossProfit contextRef="FY2023"[^>]*>(\d+)<', text)
    assert gross_profit, "the sample reports FY2023 gross profit"
    instance.write_text(text.replace(gross_profit.group(0), gross_profit.group(0).replace(
        gross_profit.group(1), str(int(gross_profit.group(1)) + 10_000_000))), encoding="utf-8")
    check = run(BuildConfig(sources=(instance,))).summary["calculation_self_check"]
    assert check["answers_agreeing"] < check["answers_checked"]
    assert {d["tag"] for d in check["disagreements"]} == {"us-gaap:GrossProfit", "us-gaap:OperatingIncomeLoss"}
