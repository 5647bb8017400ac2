"""finlora_eval: the 19-dataset financial evaluation suite of the FinLoRA benchmark, scored two ways.

`evaluate` (the library under `finlora-eval run`) reads each dataset's test rows (`data`, from the sources the
`registry` lists), generates answers with a backend (`backends`: transformers, an OpenAI-compatible endpoint, or
vLLM), scores them with the reference benchmark's rules and with strict rules (`scoring`), and writes predictions,
results and tables (`runner`, `report`). `score_predictions` (under `finlora-eval score`) scores answers generated
elsewhere the same way; `finlora-eval compare` sets runs side by side, with paired intervals (`comparison`).
"""
from finlora_eval.backends import BackendOptions
from finlora_eval.evaluator import evaluate, score_predictions
from finlora_eval.registry import load_registry

__all__ = ["BackendOptions", "evaluate", "load_registry", "score_predictions"]
