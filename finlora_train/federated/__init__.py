"""Federated adapter training on Flower: clients keep their rows, only adapter weights travel.

`run_federated` (simulation) splits the rows among simulated clients and runs the ServerApp
(`server`: FedAvg over the PEFT adapter state, weighted by client row counts) and the ClientApps
(`client`: local training with finlora_train.trainer.fit) in Flower's simulation engine. `deploy`
holds the same apps for a SuperLink and SuperNodes on separate machines (docs/federated.md);
`output` writes the run folder, `partition` splits the rows, `settings` says what to train,
`weights` moves adapter tensors.
"""
from finlora_train.federated.partition import Partitioning
from finlora_train.federated.settings import FederatedSettings, Privacy
from finlora_train.federated.simulation import FederatedResult, run_federated

__all__ = ["FederatedResult", "FederatedSettings", "Partitioning", "Privacy", "run_federated"]
