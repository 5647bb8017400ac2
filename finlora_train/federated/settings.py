"""What a federated run is: the training config, clients, rounds, local steps and differential privacy.

The server sends the training config to the clients inside every train message
(as JSON), so clients need no settings of their own, only their data.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

from finlora_train.config import TrainConfig, load_config, parse_overrides
from finlora_train.errors import TrainError

DP_SIDES = ("client", "server")
AGGREGATIONS = ("fedavg", "exact")


@dataclass(frozen=True)
class Privacy:
    """Central differential privacy with fixed clipping (Flower's DifferentialPrivacy*FixedClipping wrappers)."""
    noise: float
    """Noise multiplier: the server adds N(0, (noise x clip / clients)^2) to every averaged weight."""
    clip: float
    """L2 bound on each client's update (its adapter minus the global adapter it started from)."""
    side: str = "client"
    """Where updates are clipped: on the client (the server never sees an unclipped update) or the server."""
    delta: float = 1e-5
    """The delta at which epsilon is reported (finlora_train.federated.privacy)."""

    def __post_init__(self) -> None:
        if self.noise < 0 or self.clip <= 0 or self.side not in DP_SIDES or not 0 < self.delta < 1:
            raise TrainError(f"invalid differential privacy settings: noise {self.noise}, clip {self.clip}, "
                             f"side {self.side!r}, delta {self.delta}",
                             hint="noise >= 0, clip > 0, side client or server, 0 < delta < 1")


@dataclass(frozen=True)
class FederatedSettings:
    config: TrainConfig
    clients: int
    rounds: int
    local_steps: int | None = None
    """Optimizer steps per client and round [default: config.max_steps, else one pass over the client's rows]."""
    privacy: Privacy | None = None
    save_client_updates: bool = False
    aggregation: str = "fedavg"
    """fedavg: the weighted mean of every adapter tensor; exact: the weighted mean of the clients' LoRA products
    B A, re-factorised to the configured rank for the next round (finlora_train.federated.exact)."""
    fraction: float = 1.0
    """Share of the clients that train each round: a seeded sample of `sampled` clients, drawn afresh per round."""
    client_ranks: tuple[int, ...] | None = None
    """Each client's LoRA rank, at most the config's r (the global adapter's), with the exact aggregation only."""

    def __post_init__(self) -> None:
        if self.clients < 1 or self.rounds < 1 or (self.local_steps is not None and self.local_steps < 1):
            raise TrainError(f"clients ({self.clients}), rounds ({self.rounds}) and local steps "
                             f"({self.local_steps}) must be positive")
        if not 0 < self.fraction <= 1:
            raise TrainError(f"the fraction of clients per round must be in (0, 1], not {self.fraction}")
        if self.aggregation not in AGGREGATIONS:
            raise TrainError(f"unknown aggregation {self.aggregation!r}", hint=f"choose {' or '.join(AGGREGATIONS)}")
        if self.client_ranks is not None:
            self._check_client_ranks()

    def _check_client_ranks(self) -> None:
        ranks, rank = self.client_ranks, self.config.r
        if len(ranks) != self.clients or not all(1 <= r <= rank for r in ranks):
            raise TrainError(f"--client-ranks {','.join(map(str, ranks))} must give each of the {self.clients} "
                             f"clients a rank from 1 to the global rank r={rank}",
                             hint="e.g. --set r=8 --client-ranks 8,4,4,2")
        if self.aggregation != "exact":
            raise TrainError("clients of different ranks need the exact aggregation (FedAvg cannot average factors "
                             "of different shapes)", hint="add --aggregation exact")
        if self.privacy is not None:
            raise TrainError("differential privacy with --client-ranks is not supported: Flower's clipping measures "
                             "a client's update against the global adapter, whose shapes differ from the client's",
                             hint="drop the --dp-* options or --client-ranks")

    @property
    def sampled(self) -> int:
        """Clients per round: fraction x clients rounded down, as Flower's fraction_train, and at least one."""
        return max(1, math.floor(self.fraction * self.clients + 1e-9))

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), "clients": self.clients, "rounds": self.rounds,
                "local_steps": self.local_steps, "save_client_updates": self.save_client_updates,
                "aggregation": self.aggregation, "fraction": self.fraction,
                "client_ranks": None if self.client_ranks is None else list(self.client_ranks),
                "privacy": None if self.privacy is None else asdict(self.privacy)}


def config_to_json(config: TrainConfig) -> str:
    return json.dumps(config.to_dict())


def config_from_json(text: str) -> TrainConfig:
    return TrainConfig.from_dict(json.loads(text))


def from_run_config(run_config: dict) -> FederatedSettings:
    """Settings from a Flower run config (pyproject [tool.flwr.app.config], `flwr run --run-config`).

    Keys: category, method, profile, set (`key=value` pairs separated by `;`), clients, rounds,
    local-steps, fraction, client-ranks (e.g. "8,4"), dp-noise, dp-clip, dp-side, dp-delta, save-client-updates,
    aggregation; 0 or "" means unset.
    """
    def get(key: str, default=None):
        value = run_config.get(key, default)
        return default if value in (0, "") else value

    for key in ("category", "method", "clients", "rounds"):
        if get(key) is None:
            raise TrainError(f"the Flower run config lacks {key!r}",
                             hint=f"set it in [tool.flwr.app.config] or with flwr run --run-config \"{key}=...\"")
    pairs = [pair for pair in str(get("set", "")).split(";") if pair.strip()]
    config = load_config(get("category"), get("method"), get("profile"), parse_overrides(pairs))
    noise = get("dp-noise")
    privacy = None if noise is None else Privacy(float(noise), float(get("dp-clip", 0.0) or 0.0),
                                                 str(get("dp-side", "client")), float(get("dp-delta", 1e-5)))
    return FederatedSettings(config, int(get("clients")), int(get("rounds")), get("local-steps"), privacy,
                             bool(get("save-client-updates", False)), str(get("aggregation", "fedavg")),
                             float(get("fraction", 1.0)), parse_ranks(get("client-ranks")))


def parse_ranks(text: str | None) -> tuple[int, ...] | None:
    """`8,4,4,2` -> (8, 4, 4, 2); None stays None."""
    if text is None:
        return None
    try:
        return tuple(int(part) for part in str(text).split(","))
    except ValueError:
        raise TrainError(f"client ranks {text!r} are not comma-separated integers", hint="e.g. 8,4,4,2") from None
