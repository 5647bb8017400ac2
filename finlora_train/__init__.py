"""finlora_train: LoRA-family adapter training for the FinLoRA benchmark.

    import finlora_train
    data = finlora_train.DataOptions("../shared/finlora")
    meta = finlora_train.train("sentiment", "lora", "adapters/sentiment", data=data,
                               overrides={"base_model": "smollm2-135m-instruct", "max_steps": 20})
    finlora_train.train_matrix("adapters", ["sentiment"], ["lora", "dora"], data=data, profile="smoke")

`categories` (configs/categories.yaml) says what each category trains on, `config` merges the settings of a cell,
`data` builds its rows, `run` trains one adapter folder with `trainer` (the loop), `batching` and `model`;
`federated` trains across institutions on Flower, `merge` folds an adapter into its base. The `finlora-train`
command line (`cli`) calls these functions and prints.
"""
from finlora_train.categories import Category
from finlora_train.config import TrainConfig, load_config
from finlora_train.data import DataOptions
from finlora_train.data import build as build_data
from finlora_train.federated import run_federated
from finlora_train.training import train, train_matrix

__all__ = ["Category", "DataOptions", "TrainConfig", "build_data", "load_config", "run_federated", "train",
           "train_matrix"]
