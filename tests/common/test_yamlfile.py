"""YAML files: a mapping read as it is, and any file that is not one a single error line with file, line and column;
every YAML file of the repository is read this one way."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from finlora_common.errors import UserError
from finlora_common.yamlfile import read_yaml
from tests.support import ROOT

PACKAGES = ("finlora_common", "xbrlkit", "finlora_eval", "finlora_train")


class CustomError(UserError):
    pass


def _error(path: Path) -> str:
    with pytest.raises(CustomError) as error:
        read_yaml(path, CustomError)
    return str(error.value)


def test_a_mapping_is_read_and_an_empty_file_is_empty(tmp_path: Path):
    path = tmp_path / "a.yaml"
    path.write_text("name: x\nitems: [1, 2]\n", encoding="utf-8")
    assert read_yaml(path) == {"name": "x", "items": [1, 2]}
    path.write_text("# only a comment\n", encoding="utf-8")
    assert read_yaml(path) == {}


@pytest.mark.parametrize(("text", "line"), [
    ("categories: {a: A}\ndatasets:\n  x: y: z\n",
     "3: not valid YAML: mapping values are not allowed here at column 7"),
    ("a: 1\nb:\n\tc: 2\n", "3: not valid YAML: found character '\\t' that cannot start any token at column 1"),
    ("a: 1\nb: [x, y\n", "3: not valid YAML: expected ',' or ']', but got '<stream end>' at column 1, while parsing a "
                         "flow sequence from line 2, column 4"),
    ("a: 1\nb: 'open\n", "3: not valid YAML: found unexpected end of stream at column 1, while scanning a quoted "
                         "scalar from line 2, column 4"),
    ("a: 1\nb: x\x07y\n", "2: not valid YAML: special characters are not allowed (U+0007) at column 5"),
    ("a: !!python/object:os.system {}\n",
     "1: not valid YAML: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object:os.system' at column 4"),
])
def test_invalid_yaml_is_one_line_with_file_line_and_column(tmp_path: Path, text: str, line: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert _error(path) == f"{path}:{line}"


def test_bad_utf8_a_list_and_a_missing_file(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    assert _error(path) == f"{path}:2: not UTF-8 text: byte 0xe9 at column 7 (save the file as UTF-8)"
    path.write_text("- a\n- b\n", encoding="utf-8")
    assert _error(path) == f"{path}: must be a YAML mapping (key: value), not a list"
    path.write_text("just text\n", encoding="utf-8")
    assert _error(path) == f"{path}: must be a YAML mapping (key: value), not one value"
    assert _error(tmp_path / "absent.yaml") == f"{tmp_path / 'absent.yaml'}: cannot read: No such file or directory"


def test_the_repository_reads_yaml_files_only_through_read_yaml():
    """yaml.safe_load is called in yamlfile itself, and on --set values (not files) in finlora_train.config."""
    callers = sorted(str(path.relative_to(ROOT)) for package in PACKAGES for path in (ROOT / package).rglob("*.py")
                     if re.search(r"\byaml\.(safe_)?load\(", path.read_text(encoding="utf-8")))
    assert callers == ["finlora_common/yamlfile.py", "finlora_train/config.py"]
