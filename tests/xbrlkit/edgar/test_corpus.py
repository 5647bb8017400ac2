"""What the corpus says about a filing before it is read: filing.json, else the start of the folder's name."""
from __future__ import annotations

import json
from pathlib import Path

from xbrlkit.edgar import corpus


def test_label_from_filing_json_and_from_the_name(tmp_path: Path):
    stored = tmp_path / corpus.folder_name("BRK.B", "10-K/A", 2023, "FY")
    stored.mkdir()
    (stored / corpus.MARKER).write_text(json.dumps({"ticker": "BRK.B", "accession_number": "0000-23-1"}))
    assert stored.name == "BRK.B_10-K-A_FY2023"
    assert corpus.label(stored) == corpus.Label("BRK.B", "0000-23-1")
    assert corpus.label(stored / "brk-20231231_htm.xml") == corpus.Label("BRK.B", "0000-23-1")
    loose = tmp_path / "AAPL_10-K_FY2023"
    loose.mkdir()
    assert corpus.label(loose) == corpus.Label("AAPL", None)
    assert corpus.label(tmp_path / "acme-20231231.xml") == corpus.Label("acme", None)
