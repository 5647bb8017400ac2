"""The dataset catalog's YAML files: a malformed --concepts or --formulas file is one error line with its place."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import run_xbrlkit
from xbrlkit.datasets.catalog import load_catalog
from xbrlkit.errors import XbrlError

BROKEN = {
    "--concepts": ("Revenue: {kind: flow, tags: [us-gaap:Revenues]}\nNetIncome: {kind: flow tags: [x]}\n",
                   "2: not valid YAML: expected ',' or '}', but got ':' at column 28"),
    "--formulas": ('Net Margin: "{Net Income} / {Revenue}"\nratio: a: b\n',
                   "2: not valid YAML: mapping values are not allowed here at column 9"),
}


@pytest.mark.parametrize("option", list(BROKEN))
def test_a_malformed_catalog_file_names_its_line_and_column(tmp_path: Path, option: str):
    text, line = BROKEN[option]
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(XbrlError) as error:
        load_catalog(**{option.strip("-"): path})
    assert str(error.value) == f"{path}:{line}"


@pytest.mark.parametrize("option", list(BROKEN))
def test_build_with_a_malformed_catalog_file_is_one_error_line(tmp_path: Path, option: str):
    text, line = BROKEN[option]
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run_xbrlkit("build", option, str(path), "--out", str(out), timeout=120)
    assert "Traceback" not in result.stderr
    assert (result.returncode, result.stderr) == (2, f"xbrlkit: error: {path}:{line}\n")
    assert not out.exists()
