"""The ServerApp side: FedAvg over the adapter weights, with a record of every round.

The server loads the base model and a fresh adapter (seeded by the config) to
get the initial global adapter; DoRA's magnitude vectors start from the base
weights, so they cannot be made without it. Each round FedAvg sends the global
adapter to every client and averages the replies weighted by their row counts
(`num-examples`): every tensor (aggregation `fedavg`), or the LoRA products
exactly (`exact`, finlora_train.federated.exact, with each layer's truncation
residual in the round's record). The config's learning-rate schedule runs across rounds, one
scheduler step per round, without warmup; each client trains at its round's rate.

With `fraction` below 1 each round trains a sample of the clients, drawn by
partition id with a generator seeded by the run's seed and the round (so a rerun
or a resumed run samples the same clients); the server first asks every node for
its partition id with a query message.

Bytes communicated are counted from the ArrayRecords actually sent: the global
adapter once per sampled client (down) and each client's reply (up).

After every round the global adapter (with any DP noise) and the rounds' records
go to a checkpoint (finlora_train.federated.output). A resumed run starts from the
last one and numbers its rounds on from it, so every round gets the learning
rate, client seeds and noise seed it would have had; the replies are aggregated
in client order, not arrival order, so the float sums do not depend on timing.
The resumed run's final adapter is the uninterrupted run's, bit for bit.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from flwr.app import ConfigRecord, Message, MessageType, RecordDict
from flwr.serverapp.strategy import (DifferentialPrivacyClientSideFixedClipping,
                                     DifferentialPrivacyServerSideFixedClipping, FedAvg)
from flwr.serverapp.strategy.strategy_utils import aggregate_metricrecords, sample_nodes

from finlora_train.errors import TrainError
from finlora_train.federated import client as protocol
from finlora_train.federated import exact, output, privacy
from finlora_train.federated.settings import FederatedSettings, config_to_json
from finlora_train.federated.weights import (adapter_state, load_record, save_record, tensor_bytes, to_record, to_state,
                                             wire_bytes)
from finlora_train.modeling import load_model

UPDATES = "client-updates"
"""Subfolder of the output for --save-client-updates: round-NNN/client-K.safetensors."""


@dataclass
class ServerRecord:
    """What the server saw; federated_meta.json summarises it."""
    rounds: list[dict] = field(default_factory=list)
    adapter_tensors: int = 0
    adapter_tensor_bytes: int = 0
    adapter_wire_bytes: int = 0
    wall_time_s: float = 0.0
    resumed_after: int = 0
    """The round a resumed run continued from (0: not resumed); wall_time_s counts this run's rounds only."""


def round_learning_rates(settings: FederatedSettings) -> list[float]:
    """The learning rate of each round: the config's scheduler stepped once per round, no warmup."""
    import torch
    from transformers import get_scheduler

    config = settings.config
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=config.learning_rate)
    scheduler = get_scheduler(config.lr_scheduler, optimizer, num_warmup_steps=0,
                              num_training_steps=settings.rounds)
    rates = []
    for _ in range(settings.rounds):
        rates.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return rates


def _mean_metrics(records, weight_key: str):
    """FedAvg's row-weighted mean of the client metrics, without the meaningless mean client id."""
    merged = aggregate_metricrecords(records, weight_key)
    del merged[protocol.PARTITION_ID]
    return merged


def _client_entry(metrics) -> dict:
    return {"client": int(metrics[protocol.PARTITION_ID]), "rows": int(metrics[protocol.NUM_EXAMPLES]),
            "steps": int(metrics["steps"]), "train_loss": metrics["train-loss"], "tokens": int(metrics["tokens"])}


class AdapterFedAvg(FedAvg):
    """FedAvg that sets each round's learning rate, records the round and fails loudly on client errors; with the
    exact aggregation, the LoRA factors' mean is replaced by the exact mean of their products."""

    def __init__(self, settings: FederatedSettings, record: ServerRecord, updates: Path | None, done: int = 0):
        clients = settings.clients
        super().__init__(fraction_train=settings.sampled / clients, fraction_evaluate=0.0,
                         min_train_nodes=settings.sampled, min_available_nodes=clients,
                         weighted_by_key=protocol.NUM_EXAMPLES, train_metrics_aggr_fn=_mean_metrics)
        self.clients, self.sampled = clients, settings.sampled
        self.settings = settings
        self.nodes: dict[int, int] | None = None
        """Partition id -> node id, asked of the nodes before the first round that addresses clients by partition
        (with --fraction or --client-ranks)."""
        self.learning_rates = round_learning_rates(settings)
        self.record = record
        self.updates = updates
        config = settings.config
        self.rank = config.r
        self.exact_scale = (exact.lora_scale(config.lora_alpha, config.r, config.use_rslora)
                            if settings.aggregation == "exact" else None)
        self.client_ranks = settings.client_ranks
        self.client_scales = [exact.lora_scale(config.lora_alpha, rank, config.use_rslora)
                              for rank in settings.client_ranks or [config.r] * clients]
        self.seed = config.seed
        self.budget = (privacy.Budget(settings.privacy.noise, settings.privacy.delta, clients, settings.sampled)
                       if settings.privacy else None)
        self.done = done
        """Rounds a resumed run had finished: Flower's round r is the run's round done + r."""
        for entry in record.rounds[:done]:
            if self.budget is not None:
                self.budget.release(_weights(entry["per_client"]))

    def configure_train(self, server_round, arrays, config, grid):
        server_round += self.done
        config[protocol.LEARNING_RATE] = self.learning_rates[server_round - 1]
        entry = {"round": server_round, "learning_rate": self.learning_rates[server_round - 1]}
        if self.sampled == self.clients and self.client_ranks is None:
            messages = list(super().configure_train(server_round, arrays, config, grid))
            self.sent_bytes = dict.fromkeys(range(self.clients), wire_bytes(arrays))
        else:
            chosen = list(range(self.clients))
            if self.sampled < self.clients:
                chosen = entry["sampled"] = sample_clients(self.clients, self.sampled, self.seed, server_round)
            nodes = self._partition_nodes(grid)
            config["server-round"] = server_round
            messages, self.sent_bytes = [], {}
            for client in chosen:
                content = RecordDict({self.arrayrecord_key: self._client_arrays(client, arrays),
                                      self.configrecord_key: self._client_config(client, config)})
                messages.append(Message(content, dst_node_id=nodes[client], message_type=MessageType.TRAIN))
                self.sent_bytes[client] = wire_bytes(content[self.arrayrecord_key])
        self.record.rounds.append(entry | {"clients": len(messages), "bytes_down": sum(self.sent_bytes.values())})
        return messages

    def _client_arrays(self, client: int, arrays):
        """The global adapter as `client` receives it: truncated to its rank under --client-ranks."""
        if self.client_ranks is None or self.client_ranks[client] == self.rank:
            return arrays
        return to_record(exact.truncate(to_state(arrays), self.client_ranks[client], self.client_scales[client],
                                        self.exact_scale))

    def _client_config(self, client: int, config) -> ConfigRecord:
        if self.client_ranks is None:
            return config
        own = replace(self.settings.config, r=self.client_ranks[client])
        return ConfigRecord({**config, protocol.TRAIN_CONFIG: config_to_json(own)})

    def _partition_nodes(self, grid) -> dict[int, int]:
        if self.nodes is None:
            _, nodes = sample_nodes(grid, self.clients, self.clients)
            replies = grid.send_and_receive([Message(RecordDict(), dst_node_id=node, message_type=MessageType.QUERY)
                                             for node in nodes])
            self.nodes = {int(reply.content["metrics"][protocol.PARTITION_ID]): reply.metadata.src_node_id
                          for reply in replies if not reply.has_error()}
            if sorted(self.nodes) != list(range(self.clients)):
                raise TrainError(f"--fraction and --client-ranks need nodes with partition ids 0 to "
                                 f"{self.clients - 1}; they answered {sorted(self.nodes)}",
                                 hint="give every SuperNode its own partition-id in --node-config")
        return self.nodes

    def aggregate_train(self, server_round, replies):
        server_round += self.done
        replies = list(replies)
        for reply in replies:
            if reply.has_error():
                raise TrainError(f"a client failed in round {server_round}: {reply.error.reason}".splitlines()[0])
        replies.sort(key=lambda reply: int(reply.content["metrics"][protocol.PARTITION_ID]))
        clients = [_client_entry(reply.content["metrics"]) for reply in replies]
        entry = self.record.rounds[-1]
        for found, reply in zip(clients, replies):
            found |= {"bytes_down": self.sent_bytes[found["client"]], "bytes_up": wire_bytes(reply.content["arrays"])}
        entry["bytes_up"] = sum(found["bytes_up"] for found in clients)
        entry["bytes"] = entry["bytes_down"] + entry["bytes_up"]
        entry["per_client"] = sorted(clients, key=lambda c: c["client"])
        entry["train_loss"] = sum(c["train_loss"] * c["rows"] for c in clients) / sum(c["rows"] for c in clients)
        if self.updates is not None:
            for reply, found in zip(replies, clients):
                save_record(reply.content["arrays"],
                            self.updates / f"round-{server_round:03d}" / f"client-{found['client']}.safetensors",
                            {protocol.NUM_EXAMPLES: str(found["rows"])})
        if self.client_ranks is None:
            arrays, metrics = super().aggregate_train(server_round, replies)
        else:  # factors of different shapes: FedAvg's mean of the arrays does not exist; the exact one follows
            arrays, metrics = None, self.train_metrics_aggr_fn([r.content for r in replies], self.weighted_by_key)
        weights = _weights(clients)
        if self.budget is not None:
            entry["epsilon"] = self.budget.release(weights)
            entry["noise_multiplier_accounted"] = self.budget.effective_noise(self.budget.noise, weights)
            # Flower's DP wrapper adds its noise right after this returns, from NumPy's global generator.
            np.random.seed((self.seed * 100_003 + server_round) % 2**32)
        if self.exact_scale is not None:
            result = exact.aggregate([to_state(reply.content["arrays"]) for reply in replies], weights,
                                     self.rank, self.exact_scale, [self.client_scales[c["client"]] for c in clients])
            residuals = list(result.residual.values())
            entry["aggregation_residual"] = {"max": max(residuals), "mean": sum(residuals) / len(residuals)}
            arrays = to_record(result.state)
        return arrays, metrics


def sample_clients(clients: int, sampled: int, seed: int, server_round: int) -> list[int]:
    """The partition ids that train in `server_round`: `sampled` of `clients` without replacement, seeded."""
    return sorted(random.Random(f"{seed}:{server_round}").sample(range(clients), sampled))


def _weights(clients: list[dict]) -> list[float]:
    """Each client's aggregation weight: its share of the round's rows."""
    return [c["rows"] / sum(found["rows"] for found in clients) for c in clients]


def _strategy(settings: FederatedSettings, record: ServerRecord, updates: Path | None, done: int):
    strategy = AdapterFedAvg(settings, record, updates, done)
    dp = settings.privacy
    if dp is None:
        return strategy
    wrapper = (DifferentialPrivacyClientSideFixedClipping if dp.side == "client"
               else DifferentialPrivacyServerSideFixedClipping)
    return wrapper(strategy, noise_multiplier=dp.noise, clipping_norm=dp.clip, num_sampled_clients=settings.sampled)


def serve(grid, settings: FederatedSettings, staging: Path, identity: dict, start: output.Checkpoint | None = None):
    """Run every round on `grid` (from the checkpoint `start` on, if given, which must be of this run), with a
    checkpoint in `staging` after each; returns (the server's PeftModel holding the final global adapter, record).
    `identity` (the settings and data) is saved with every checkpoint."""
    started = time.perf_counter()
    _, model = load_model(settings.config, "cpu")
    initial = to_record(adapter_state(model))
    record = ServerRecord(adapter_tensors=len(initial), adapter_tensor_bytes=tensor_bytes(initial),
                          adapter_wire_bytes=wire_bytes(initial))
    done = 0
    if start is not None:
        from safetensors.torch import load_file

        saved, order = load_file(start.adapter), list(to_state(initial))
        if sorted(saved) != sorted(order):
            raise TrainError("the checkpoint's adapter does not match the configured one", start.adapter)
        # in the adapter's own tensor order: safetensors sorts names, and Flower pairs arrays by position
        initial, done, record.rounds = to_record({name: saved[name] for name in order}), start.round, list(start.rounds)
        record.resumed_after = done
    strategy = _strategy(settings, record, staging / UPDATES if settings.save_client_updates else None, done)
    train_config = ConfigRecord({protocol.TRAIN_CONFIG: config_to_json(settings.config),
                                 protocol.LOCAL_STEPS: settings.local_steps or 0})

    def checkpoint(server_round: int, arrays) -> None:  # Flower calls it before round 1 (0) and after each round
        if server_round > 0:
            output.save_checkpoint(staging, done + server_round, arrays, record.rounds, identity)

    final = initial
    if done < settings.rounds:
        final = strategy.start(grid=grid, initial_arrays=initial, num_rounds=settings.rounds - done,
                               train_config=train_config, evaluate_fn=checkpoint).arrays
    unfinished = [entry["round"] for entry in record.rounds if "bytes_up" not in entry]
    if len(record.rounds) != settings.rounds or unfinished:
        raise TrainError(f"federated round {unfinished[0] if unfinished else len(record.rounds) + 1} "
                         "was not aggregated (a client failed; see the log above)")
    load_record(model, final)
    record.wall_time_s = time.perf_counter() - started
    return model, record
