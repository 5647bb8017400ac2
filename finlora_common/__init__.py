"""finlora_common: what xbrlkit, finlora_eval and finlora_train all use, and nothing else.

`errors` (the one UserError base), `atomic` (files and folders that appear only when complete),
`console` (running a click group as a command), `textfile` (UTF-8 text, a bad byte named by line),
`jsonl` (rows, one JSON object per line), `yamlfile` (YAML files, a syntax error in one line),
`versions` (installed package versions for run metadata) and `models` (models that ship inside
PyPI packages). It imports none of the three packages.
"""
