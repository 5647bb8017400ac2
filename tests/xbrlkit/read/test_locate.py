"""Which document of a folder is the filing: one clear answer, or an error that names the candidates."""
from __future__ import annotations

from pathlib import Path

import pytest

import xbrlkit
from tests.xbrlkit.read.documents import GOOD_FACT, instance
from xbrlkit.read.locate import instance_path


def test_two_instances_in_a_folder_are_named(tmp_path: Path):
    instance(tmp_path / "a-20231231.xml", GOOD_FACT)
    instance(tmp_path / "b-20231231.xml", GOOD_FACT)
    with pytest.raises(xbrlkit.XbrlError, match=r"2 XBRL documents .*\(a-20231231.xml, b-20231231.xml\)") as error:
        instance_path(tmp_path)
    assert error.value.path == str(tmp_path) and "pass the one to read" in str(error.value)


def test_the_extracted_instance_wins_over_its_inline_document(filings: Path):
    assert instance_path(filings / "AEON_10-Q_2023Q3_inline").name == "aeon-20230930x10q_htm.xml"
