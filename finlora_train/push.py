"""`finlora-train push`: an adapter folder to the Hugging Face Hub as a model repo, with a model card rendered from
its training record (configs/model_card.md) and, when given, the results of a `finlora-eval run` folder.

The run folder is not changed: its files are copied into a temporary folder, where the card replaces peft's
boilerplate README.md and the adapter config names the base model by its Hub id, then uploaded in one commit
(finlora_common.hub). The card is checked with huggingface_hub's ModelCard before anything is sent.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from finlora_common.hub import upload_folder
from finlora_common.packaged_models import ALIASES
from finlora_train import categories
from finlora_train.errors import TrainError
from finlora_train.run import META

CARD_TEMPLATE = Path(__file__).parent / "configs" / "model_card.md"
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", META)
METHOD_NAMES = {"lora": "LoRA", "qlora": "QLoRA", "dora": "DoRA", "rslora": "rsLoRA"}


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TrainError(f"cannot read {path.name}: {exc}", path) from None


def _results_rows(eval_dir: Path) -> list[dict]:
    """One row per dataset of a finlora-eval run folder: name, n, both scorers' scores with their intervals."""
    results = _json(eval_dir / "results.json")

    def cell(dataset: dict, scorer: str) -> str:
        bounds = (dataset.get("score_interval") or {}).get(scorer)
        interval = f" [{bounds[0]:.2f}, {bounds[1]:.2f}]" if bounds else ""
        return f"{dataset['score'][scorer]:.2f}{interval}"

    return [{"name": d["name"], "n": d["n"], "reference": cell(d, "reference"), "strict": cell(d, "strict")}
            for d in results["datasets"]]


def model_card(run_dir: Path, repo_id: str, eval_dir: Path | None = None):
    """The huggingface_hub ModelCard of an adapter run folder."""
    from huggingface_hub import ModelCard, ModelCardData

    meta = _json(run_dir / META)
    config = meta["config"]
    packaged = ALIASES.get(config["base_model"])
    base_hub = packaged.hub_id if packaged else config["base_model"]
    category = categories.category(config["category"])
    card_data = ModelCardData(base_model=base_hub, library_name="peft", pipeline_tag="text-generation",
                              license="other", tags=["finlora", "finance", config["method"], config["category"]])
    note = (f"It was trained on `{config['base_model']}`: the {packaged.gguf} file of the PyPI package "
            f"{packaged.distribution}, dequantised to float32, a close copy of {base_hub}." if packaged else "")
    return ModelCard.from_template(
        card_data, template_path=str(CARD_TEMPLATE), repo_id=repo_id, category=config["category"],
        description=category.description, method=config["method"],
        method_name=METHOD_NAMES.get(config["method"], config["method"]), base_name=base_hub, base_hub=base_hub,
        base_note=note, config=config, meta=meta, data=meta["data"],
        data_license=category.data_license or "not recorded for this category; see the sources of its data in "
                                               "finlora_train/configs/categories.yaml",
        results=_results_rows(eval_dir) if eval_dir else None)


def push(run_dir: Path, repo_id: str, private: bool = False, eval_dir: Path | None = None,
         token: str | None = None) -> str:
    """Upload the adapter of `run_dir` with its model card; returns the commit URL."""
    run_dir = Path(run_dir)
    missing = [name for name in ADAPTER_FILES if not (run_dir / name).is_file()]
    if missing:
        raise TrainError(f"not a finished adapter folder ({', '.join(missing)} missing)", run_dir,
                         hint="push the --out folder of a finished `finlora-train train`")
    card = model_card(run_dir, repo_id, eval_dir)
    try:
        card.validate()  # the Hub's own check of the card's metadata
    except Exception as exc:  # noqa: BLE001 - invalid metadata or an unreachable Hub: the push cannot go on
        detail = (str(exc).splitlines() or [""])[0][:200]
        raise TrainError(f"the model card does not validate: {type(exc).__name__}: {detail}", run_dir,
                         hint="check the network and HF_ENDPOINT") from None
    with tempfile.TemporaryDirectory(prefix="finlora-push-") as staging:
        folder = Path(staging)
        for path in run_dir.iterdir():
            if path.is_file() and path.name != "README.md":
                shutil.copy2(path, folder / path.name)
        adapter_config = _json(folder / "adapter_config.json")
        adapter_config["base_model_name_or_path"] = card.data.base_model
        (folder / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2) + "\n", encoding="utf-8")
        card.save(folder / "README.md")
        return upload_folder(folder, repo_id, "model", f"Upload the {run_dir.name} adapter, trained with finlora",
                             TrainError, private=private, token=token)
