"""`python -m finlora_eval` runs the `finlora-eval` command line."""
from finlora_eval.cli import main

main()
