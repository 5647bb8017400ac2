"""finlora_eval: the 19-dataset financial evaluation suite of the FinLoRA benchmark, scored two ways.

`finlora-eval run` generates answers with a backend (transformers, an OpenAI-compatible
endpoint, or vLLM), scores them with the reference benchmark's rules and with strict
rules, and writes predictions, results and tables; `finlora-eval compare` charts runs.
"""
