"""Exact evaluation of ratio formulas with `Decimal`.

A formula is parsed with Python's `ast` and only numbers, names, + - * /,
unary minus and parentheses are accepted: user-supplied formula files are
never executed as code.
"""
from __future__ import annotations

import ast
import decimal
import operator
from decimal import ROUND_HALF_UP, Decimal

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xbrlkit.catalog import Formula

_CONTEXT = decimal.Context(prec=50, rounding=ROUND_HALF_UP)
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
CENT = Decimal("0.01")


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


def _eval(node: ast.AST, variables: dict[str, Decimal]) -> Decimal:
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left, variables), _eval(node.right, variables))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, variables)
    if isinstance(node, ast.Name) and node.id in variables:
        return variables[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return Decimal(str(node.value))
    raise ValueError(f"unsupported element in formula: {ast.dump(node)[:60]}")


def round_cents(value: Decimal) -> Decimal:
    """Two decimals, half up (the convention for reported ratios)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
