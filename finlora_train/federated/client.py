"""The ClientApp: a client trains the global adapter on its own rows and sends the result back.

Each round a client loads the global adapter it receives, trains it with the
ordinary training loop (finlora_train.trainer.fit) for the round's local steps,
and replies with the new adapter and its row count (FedAvg's weight). The
optimizer is fresh every round: AdamW moments are not carried between rounds
(they would be stale after averaging) and never leave the client. The
learning rate is constant within a round; the server sets it per round.

A client's rows come from the JSONL file its SuperNode names (node config
`data-file`), or in simulation from the file of its partition. A query message
asks a client for its partition id: a server that samples clients by partition
(--fraction) maps its nodes with it. One loaded model
is kept per process and reused across rounds and clients, since only the
adapter changes between them.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import torch
from flwr.app import Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.clientapp.mod import fixedclipping_mod
from flwr.supercore.differential_privacy import KEY_CLIPPING_NORM

from finlora_train.batching import encode
from finlora_train.config import TrainConfig
from finlora_train.data.files import read_training_file
from finlora_train.errors import TrainError
from finlora_train.federated.settings import config_from_json
from finlora_train.federated.weights import adapter_state, load_record, to_record
from finlora_train.modeling import load_model
from finlora_train.run import make_accelerator
from finlora_train.trainer import fit, steps_per_epoch

TRAIN_CONFIG = "train-config"
LOCAL_STEPS = "local-steps"
LEARNING_RATE = "learning-rate"
ROUND = "server-round"
NUM_EXAMPLES = "num-examples"
DATA_FILE = "data-file"
PARTITION_ID = "partition-id"
MODEL_FIELDS = ("base_model", "quantization", "r", "use_dora", "use_rslora", "lora_alpha", "lora_dropout",
                "target_modules", "precision", "gradient_checkpointing")
"""The config fields a loaded model depends on; a change of any of them loads a new model."""

_loaded: dict = {}
"""This process's model: {"key", "tokenizer", "model", "accelerator", "encoded": {(file, max_length): Encoded}}."""


def _model(config: TrainConfig) -> dict:
    key = tuple(getattr(config, name) for name in MODEL_FIELDS)
    if _loaded.get("key") != key:
        _loaded.clear()
        accelerator = make_accelerator(config)
        tokenizer, model = load_model(config, accelerator.device)
        _loaded.update(key=key, tokenizer=tokenizer, model=model, accelerator=accelerator, encoded={})
    return _loaded


def _encoded(loaded: dict, data_file: Path, max_length: int):
    key = (str(data_file), max_length)
    if key not in loaded["encoded"]:
        loaded["encoded"][key] = encode(read_training_file(data_file), loaded["tokenizer"], max_length)
    return loaded["encoded"][key]


def local_steps(requested: int, config: TrainConfig, examples: int) -> int:
    """The round's optimizer steps: as requested (> 0), else config.max_steps, else one pass over the rows."""
    return requested or config.max_steps or steps_per_epoch(examples, config, processes=1)


def train_round(message, data_file: Path, client_id: int):
    """Reply to one train message: the adapter after local training, and the metrics FedAvg weights by."""
    settings = message.content["config"]
    config = config_from_json(str(settings[TRAIN_CONFIG]))
    server_round = int(settings[ROUND])
    loaded = _model(config)
    encoded = _encoded(loaded, data_file, config.max_length)
    steps = local_steps(int(settings[LOCAL_STEPS]), config, len(encoded.examples))
    local = replace(config, max_steps=steps, learning_rate=float(settings[LEARNING_RATE]), lr_scheduler="constant",
                    warmup_steps=0, seed=config.seed + 1000 * server_round + client_id)
    load_record(loaded["model"], message.content["arrays"])
    torch.manual_seed(local.seed)
    state = fit(loaded["model"], encoded, local, loaded["accelerator"])
    metrics = MetricRecord({NUM_EXAMPLES: len(encoded.examples), "train-loss": state.final_loss,
                            "steps": state.step, "tokens": state.tokens_seen, PARTITION_ID: client_id})
    return Message(RecordDict({"arrays": to_record(adapter_state(loaded["model"])), "metrics": metrics}),
                   reply_to=message)


def _clip_when_asked(message, context, call_next):
    """Flower's fixedclipping_mod when the server asks for client-side clipping, else nothing."""
    if "config" in message.content and KEY_CLIPPING_NORM in message.content["config"]:
        return fixedclipping_mod(message, context, call_next)
    return call_next(message, context)


def _partition_id(context) -> int:
    return int(context.node_config.get(PARTITION_ID, 0))


def make_client_app(partition_files: Sequence[Path] | None = None):
    """The ClientApp; in simulation `partition_files[partition-id]` is each client's data, otherwise the
    SuperNode's node config must name it (`--node-config "data-file='rows.jsonl' partition-id=0"`)."""
    app = ClientApp(mods=[_clip_when_asked])

    @app.query()
    def query(message, context):
        return Message(RecordDict({"metrics": MetricRecord({PARTITION_ID: _partition_id(context)})}),
                       reply_to=message)

    @app.train()
    def train(message, context):
        client_id = _partition_id(context)
        if partition_files is not None:
            return train_round(message, Path(partition_files[client_id]), client_id)
        if DATA_FILE not in context.node_config:
            raise TrainError("this SuperNode has no training data",
                             hint="start it with --node-config \"data-file='/path/rows.jsonl'\"")
        return train_round(message, Path(str(context.node_config[DATA_FILE])), client_id)

    return app
