"""A corpus -> the four XBRL task datasets (tags, values, formula construction, formula calculation).

`catalog` (concepts, formulas and templates, YAML beside it) and `formulas` (the one Decimal evaluator) say what to
ask; per filing, `resolve` finds each concept's fact, `questions` writes the examples with their `prompt_context`,
and `self_check` tests value answers against the calculation arcs. `build` runs that over a corpus and splits it,
`export` writes the Hub folder, and `finlora_format` is the `{context, target}` format that finlora_eval and
finlora_train read.
"""
