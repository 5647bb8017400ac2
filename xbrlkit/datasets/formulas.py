"""Exact evaluation of ratio formulas with `Decimal`: the one evaluator that builds formula answers (xbrlkit) and
scores them (finlora_eval's strict scorer).

An expression is parsed with Python's `ast` and only numbers, names, + - * /,
unary signs and parentheses are accepted: user-supplied formula files and model
answers are never executed as code.
"""
from __future__ import annotations

import ast
import decimal
import operator
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

_CONTEXT = decimal.Context(prec=50, rounding=ROUND_HALF_UP)
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
CENT = Decimal("0.01")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Formula:
    name: str
    expression: str
    """Arithmetic over `{Concept Name}` placeholders."""

    @property
    def concepts(self) -> tuple[str, ...]:
        """The concepts the formula uses, in order of first appearance."""
        return tuple(dict.fromkeys(_PLACEHOLDER.findall(self.expression)))

    def substitute(self, values: dict[str, str]) -> str:
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.expression)


def evaluate(formula: Formula, values: dict[str, Decimal]) -> Decimal | None:
    """The formula's value for the given concept values; None on division by zero."""
    names = {concept: f"v{i}" for i, concept in enumerate(formula.concepts)}
    try:
        tree = ast.parse(formula.substitute(names), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"formula {formula.name!r} is not an arithmetic expression: {exc.msg}") from None
    variables = {names[c]: values[c] for c in formula.concepts}
    try:
        with decimal.localcontext(_CONTEXT):
            return _eval(tree.body, variables)
    except (ZeroDivisionError, decimal.DivisionByZero, decimal.InvalidOperation):
        return None


def evaluate_arithmetic(text: str) -> Decimal | None:
    """The value of an expression over numbers alone (`143566000000 / 145308000000`), or None for anything else,
    division by zero included."""
    try:
        with decimal.localcontext(_CONTEXT):
            return _eval(ast.parse(text, mode="eval").body, {})
    except (SyntaxError, ValueError, RecursionError, ZeroDivisionError, decimal.DivisionByZero,
            decimal.InvalidOperation):
        return None


def _eval(node: ast.AST, variables: dict[str, Decimal]) -> Decimal:
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left, variables), _eval(node.right, variables))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _eval(node.operand, variables)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Name) and node.id in variables:
        return variables[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return Decimal(str(node.value))
    raise ValueError(f"unsupported element in formula: {ast.dump(node)[:60]}")


def round_cents(value: Decimal) -> Decimal:
    """Two decimals, half up (the convention for reported ratios)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
