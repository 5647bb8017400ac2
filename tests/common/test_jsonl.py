"""JSON Lines: rows written and read back as they are, and every bad line named by file and line."""
from __future__ import annotations

from pathlib import Path

import pytest

from finlora_common.errors import UserError
from finlora_common.jsonl import read_jsonl, write_jsonl

ROW_TYPES = {"context": str, "target": str}


class CustomError(UserError):
    pass


def test_rows_round_trip_with_blank_lines_and_crlf(tmp_path: Path):
    path = tmp_path / "rows.jsonl"
    rows = [{"context": "Café \u2028 näive", "target": "b", "extra": 1}, {"context": "c", "target": "d"}]
    write_jsonl(rows, path)
    assert read_jsonl(path, ROW_TYPES) == rows
    path.write_bytes(b'{"context": "a", "target": "b"}\r\n\r\n  \n{"context": "c", "target": "d"}')
    assert read_jsonl(path, ROW_TYPES) == [{"context": "a", "target": "b"}, {"context": "c", "target": "d"}]


def test_invalid_utf8_names_the_line_and_column(tmp_path: Path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b'{"context": "a", "target": "b"}\n\n{"context": "\xc3\xa9t\xff", "target": "b"}\n')
    with pytest.raises(CustomError) as error:
        read_jsonl(path, ROW_TYPES, CustomError)
    # column counts characters: the two-byte é before the bad byte is one
    assert str(error.value) == f"{path}:3: not UTF-8 text: byte 0xff at column 16 (save the file as UTF-8)"


@pytest.mark.parametrize(("line", "message"), [
    ('{"context": "a", "target": null}', "target must be a string, not null"),
    ('{"context": 12, "target": "b"}', "context must be a string, not a number"),
    ('{"context": 1.5, "target": "b"}', "context must be a string, not a number"),
    ('{"context": ["a"], "target": "b"}', "context must be a string, not a list"),
    ('{"context": {"a": 1}, "target": "b"}', "context must be a string, not an object"),
    ('{"context": "a", "target": true}', "target must be a string, not true or false"),
    ('{"context": "a"}', "a row needs context and target"),
    ('["a", "b"]', "a row needs context and target"),
    ('{"context": "a", "target": "b"', "not JSON (Expecting ',' delimiter at column 31)"),
])
def test_a_bad_row_names_the_file_and_line(tmp_path: Path, line: str, message: str):
    path = tmp_path / "rows.jsonl"
    path.write_text(f'{{"context": "a", "target": "b"}}\n{line}\n', encoding="utf-8")
    with pytest.raises(CustomError) as error:
        read_jsonl(path, ROW_TYPES, CustomError)
    assert str(error.value) == f"{path}:2: {message}"


def test_without_required_keys_any_object_passes(tmp_path: Path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"context": null}\n{}\n', encoding="utf-8")
    assert read_jsonl(path) == [{"context": None}, {}]
    path.write_text('{}\n"text"\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"rows.jsonl:2: a row needs to be an object$"):
        read_jsonl(path)


def test_a_missing_file_is_named(tmp_path: Path):
    with pytest.raises(CustomError) as error:
        read_jsonl(tmp_path / "absent.jsonl", ROW_TYPES, CustomError)
    assert str(error.value) == f"{tmp_path / 'absent.jsonl'}: cannot read: No such file or directory"
