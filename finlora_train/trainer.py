"""The training loop: answer-only loss, gradient accumulation, checkpoints and exact resume.

One optimizer step consumes `gradient_accumulation x processes` micro-batches
from an endless stream of epochs (batching.batch_order); process p takes every
p-th of them, so the same code runs on one CPU or under `accelerate launch`.
The loss of a step is the summed answer-token cross-entropy divided by the
step's answer-token count (over all processes), so N processes train exactly
like one process with N times the gradient accumulation.

A checkpoint holds the adapter weights, optimizer and scheduler state, RNG
states and the loss history. Because the batch stream is a pure function of the
seed, resuming replays the stream from the checkpoint's step, and the run ends
with the same adapter as one that was never interrupted.
"""
from __future__ import annotations

import itertools
import json
import math
import os
import random
import resource
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from finlora_train.batching import Encoded, batch_order, collate, shared_prefix
from finlora_train.config import TrainConfig
from finlora_train.modeling import AnswerLoss, parameter_groups

CHECKPOINT_PREFIX = "step-"
Progress = Callable[[int, int, float], None]
"""progress(step, total_steps, loss), called after every optimizer step."""


@dataclass
class TrainState:
    """What a run has done so far; checkpointed, and summarised in training_meta.json."""
    step: int = 0
    total_steps: int = 0
    tokens_seen: int = 0
    """Non-padding tokens trained on."""
    shared_tokens: int = 0
    """Of those, the tokens the decoder did not run again because a batch's rows share them (config.share_prefix)."""
    answer_tokens: int = 0
    elapsed_s: float = 0.0
    history: list[dict] = field(default_factory=list)
    """One entry per optimizer step: step, epoch, loss, learning_rate, tokens_seen."""

    @property
    def final_loss(self) -> float | None:
        return self.history[-1]["loss"] if self.history else None


def steps_per_epoch(examples: int, config: TrainConfig, processes: int) -> int:
    batches = math.ceil(examples / config.batch_size)
    return max(1, math.ceil(batches / (config.gradient_accumulation * processes)))


def total_steps(examples: int, config: TrainConfig, processes: int) -> int:
    return config.max_steps or max(1, math.ceil(config.epochs * steps_per_epoch(examples, config, processes)))


def _stream(encoded: Encoded, config: TrainConfig) -> Iterator[tuple[int, list[int]]]:
    for epoch in itertools.count():
        for batch in batch_order(encoded.examples, config.batch_size, config.batching, config.seed, epoch):
            yield epoch, batch


def peak_memory_mb() -> float:
    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Checkpoints:
    """`<folder>/step-NNNNNN/`, written under a temporary name and renamed; only the newest is kept."""

    def __init__(self, folder: Path):
        self.folder = folder

    def latest(self) -> Path | None:
        found = sorted(self.folder.glob(f"{CHECKPOINT_PREFIX}*")) if self.folder.is_dir() else []
        return found[-1] if found else None

    def save(self, model, optimizer, scheduler, state: TrainState, accelerator) -> None:
        from peft import get_peft_model_state_dict
        from safetensors.torch import save_file

        target = self.folder / f"{CHECKPOINT_PREFIX}{state.step:06d}"
        staging = self.folder / f".{target.name}.tmp"
        if accelerator.is_main_process:
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            weights = {k: v.detach().cpu().contiguous() for k, v in get_peft_model_state_dict(model).items()}
            save_file(weights, staging / "adapter.safetensors")
            torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()},
                       staging / "optimizer.pt")
            (staging / "state.json").write_text(json.dumps(asdict(state)), encoding="utf-8")
        accelerator.wait_for_everyone()
        rng = {"torch": torch.get_rng_state(), "python": random.getstate(),
               "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}
        torch.save(rng, staging / f"rng-{accelerator.process_index}.pt")
        accelerator.wait_for_everyone()
        if accelerator.is_main_process:
            previous = self.latest()
            os.replace(staging, target)
            if previous is not None and previous != target:
                shutil.rmtree(previous)
        accelerator.wait_for_everyone()

    def restore(self, path: Path, model, optimizer, scheduler, accelerator) -> TrainState:
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        set_peft_model_state_dict(model, load_file(path / "adapter.safetensors"))
        saved = torch.load(path / "optimizer.pt", weights_only=False)
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        rng = torch.load(path / f"rng-{accelerator.process_index}.pt", weights_only=False)
        torch.set_rng_state(rng["torch"])
        random.setstate(rng["python"])
        if rng["cuda"] is not None:
            torch.cuda.set_rng_state_all(rng["cuda"])
        return TrainState(**json.loads((path / "state.json").read_text(encoding="utf-8")))


def fit(model, encoded: Encoded, config: TrainConfig, accelerator, *, checkpoints: Checkpoints | None = None,
        resume: bool = False, progress: Progress | None = None) -> TrainState:
    """Train the adapter of `model` (a PeftModel) in place; returns what was done."""
    from transformers import get_scheduler

    examples = encoded.examples
    packed = config.batching == "packed"
    share = config.share_prefix and not packed and not config.gradient_checkpointing
    processes, rank = accelerator.num_processes, accelerator.process_index
    per_step = config.gradient_accumulation * processes
    state = TrainState(total_steps=total_steps(len(examples), config, processes))
    step_loss = accelerator.prepare(AnswerLoss(model))  # before the optimizer: FSDP replaces the parameters
    optimizer = torch.optim.AdamW(parameter_groups(model, config), lr=config.learning_rate,
                                  weight_decay=config.weight_decay)
    scheduler = get_scheduler(config.lr_scheduler, optimizer, num_warmup_steps=min(config.warmup_steps,
                                                                                   state.total_steps),
                              num_training_steps=state.total_steps)
    latest = checkpoints.latest() if checkpoints and resume else None
    if latest is not None:
        state = checkpoints.restore(latest, model, optimizer, scheduler, accelerator)
    stream = itertools.islice(_stream(encoded, config), state.step * per_step, None)
    started = time.perf_counter() - state.elapsed_s
    model.train()
    while state.step < state.total_steps:
        step_batches = [next(stream) for _ in range(per_step)]
        prefixes = [shared_prefix([examples[i] for i in batch]) if share else 0 for _, batch in step_batches]
        mine = list(zip(step_batches, prefixes))[rank::processes]
        # Every process knows the whole step, so each scales its loss by the step's total answer tokens; DDP's
        # gradient mean over processes is undone by the factor `processes`.
        answer_tokens = sum(examples[i].answer_tokens for _, batch in step_batches for i in batch)
        loss_sum = torch.zeros((), device=accelerator.device)
        for n, ((_, batch), prefix) in enumerate(mine):
            inputs = {k: v.to(accelerator.device)
                      for k, v in collate([examples[i] for i in batch], encoded.pad_id, packed).items()}
            sync = accelerator.no_sync(step_loss) if n < len(mine) - 1 else nullcontext()
            with sync, accelerator.autocast():
                loss = step_loss(**inputs, prefix_length=prefix)
                accelerator.backward(loss * processes / answer_tokens)
            loss_sum += loss.detach()
        if config.max_grad_norm:
            accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        loss_total = float(accelerator.reduce(loss_sum.double(), reduction="sum"))
        state.step += 1
        state.answer_tokens += answer_tokens
        state.tokens_seen += sum(len(examples[i].input_ids) for _, batch in step_batches for i in batch)
        state.shared_tokens += sum(prefix * (len(batch) - 1) for (_, batch), prefix in zip(step_batches, prefixes))
        state.elapsed_s = time.perf_counter() - started
        state.history.append({"step": state.step, "epoch": step_batches[-1][0],
                              "loss": round(loss_total / answer_tokens, 6),
                              "learning_rate": scheduler.get_last_lr()[0], "tokens_seen": state.tokens_seen})
        if progress is not None:
            progress(state.step, state.total_steps, state.history[-1]["loss"])
        if checkpoints is not None and state.step % config.save_every == 0 and state.step < state.total_steps:
            checkpoints.save(model, optimizer, scheduler, state, accelerator)
    return state
