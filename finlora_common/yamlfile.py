"""Reading YAML, the same way for every package: a file that is not valid YAML is one error line with the file, the
line and column where the parser stopped, and the parser's short problem."""
from __future__ import annotations

from pathlib import Path

import yaml
from yaml.reader import ReaderError

from finlora_common.errors import UserError
from finlora_common.textfile import read_text


def _place(mark: yaml.Mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def describe(exc: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """Where in `text` the parser stopped (1-based line, None when it does not say) and its problem in one line,
    e.g. (3, "mapping values are not allowed here at column 5")."""
    if isinstance(exc, ReaderError):  # a character YAML does not allow; the position is in `text`
        line_start = text.rfind("\n", 0, exc.position) + 1
        return (text.count("\n", 0, exc.position) + 1,
                f"{exc.reason} (U+{exc.character:04X}) at column {exc.position - line_start + 1}")
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return None, " ".join(str(exc).split())
    problem = f"{exc.problem} at column {mark.column + 1}"
    started = exc.context_mark
    if exc.context and started is not None and started.line != mark.line:
        problem += f", {exc.context} from {_place(started)}"
    return mark.line + 1, problem


def read_yaml(path: Path, error: type[UserError] = UserError) -> dict:
    """The mapping a YAML file holds ({} for an empty file); `error` naming the file (and line) when the file cannot be
    read, is not YAML, or holds something other than a mapping."""
    text = read_text(path, error)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line, problem = describe(exc, text)
        raise error(f"not valid YAML: {problem}", path, line) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"must be a YAML mapping (key: value), not {'a list' if isinstance(data, list) else 'one value'}",
                    path)
    return data
