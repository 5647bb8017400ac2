"""`finlora-eval` end to end: real SmolLM2 on real test files, the stub server for the whole suite, bad input."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from finlora_eval.registry import load_registry
from finlora_eval.scoring import score_dataset
from tests.fakes.openai import StubOpenAI, serve
from tests.support import MODEL, run_eval

OFFLINE = {"HF_HUB_OFFLINE": "1", "FINLORA_DATA_DIR": "", "FINLORA_XBRL_DIR": ""}
REGISTRY = load_registry()


def _results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def _predictions(folder: Path, key: str) -> list[dict]:
    return [json.loads(line) for line in (folder / "predictions" / f"{key}.jsonl").read_text().splitlines()]


def _one_error_line(result, message: str) -> None:
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("finlora-eval: error: ") and message in line, line


@pytest.fixture(scope="module")
def smol_run(smollm2, finlora_data, tmp_path_factory) -> tuple[Path, list[str]]:
    out = tmp_path_factory.mktemp("runs") / "smol"
    args = ["run", "--model", MODEL, "--datasets", "fpb,fiqa", "--limit", "4", "--batch-size", "4",
            "--data-dir", str(finlora_data), "--out", str(out)]
    result = run_eval(*args, env=OFFLINE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    return out, args


def test_a_run_writes_predictions_results_and_tables(smol_run, finlora_data):
    out, _ = smol_run
    results = _results(out)
    assert results["model"] == MODEL and results["adapter"] is None and results["label"] == MODEL
    assert results["backend"]["backend"] == "hf" and results["backend"]["batch_size"] == 4
    assert {"python", "torch", "transformers", "scipy"} <= results["versions"].keys()
    assert [d["key"] for d in results["datasets"]] == ["fpb", "fiqa"] and results["unavailable"] == []
    targets = [json.loads(line)["target"]
               for line in (finlora_data / "test" / "fpb_test.jsonl").read_text().splitlines()[:4]]
    for dataset in results["datasets"]:
        assert dataset["n"] == 4 and dataset["selection"] == "first 4 rows" and dataset["rows"] > 200
        timing = dataset["timing"]
        assert timing["seconds"] > 0 and timing["examples_per_s"] > 0 and timing["generated_in_this_call"] == 4
        assert timing["peak_memory"]["mib"] > 100
        predictions = _predictions(out, dataset["key"])
        assert [p["index"] for p in predictions] == [0, 1, 2, 3]
        rescored = score_dataset(REGISTRY.datasets[dataset["key"]], [p["output"] for p in predictions],
                                 [p["target"] for p in predictions])
        assert {k: dataset[k] for k in ("reference", "strict", "score", "score_interval")} == rescored
    assert [p["target"] for p in _predictions(out, "fpb")] == targets
    scores = [d["score"]["reference"] for d in results["datasets"]]
    assert results["overall"] == pytest.approx({"reference": sum(scores) / 2, "datasets": 2,
                                                "strict": sum(d["score"]["strict"] for d in results["datasets"]) / 2})
    table = (out / "results.md").read_text(encoding="utf-8")
    fpb = results["datasets"][0]["reference"]
    accuracy, f1 = fpb["intervals"]["accuracy"], fpb["intervals"]["f1"]
    assert (f"| FPB | {100 * fpb['accuracy']:.2f} [{100 * accuracy[0]:.2f}, {100 * accuracy[1]:.2f}]/"
            f"{fpb['f1']:.3f} [{f1[0]:.3f}, {f1[1]:.3f}] |") in table
    assert "| CFA Level 1 | - |" in table and f"| Overall Average | {results['overall']['reference']:.2f} |" in table
    assert json.loads((out / "run.json").read_text())["model"] == MODEL


def test_an_interrupted_run_resumes_from_the_finished_examples(smol_run, tmp_path):
    out, args = smol_run
    resumed = tmp_path / "resumed"
    shutil.copytree(out, resumed)
    (resumed / "results.json").unlink()
    predictions = resumed / "predictions" / "fpb.jsonl"
    lines = predictions.read_text(encoding="utf-8").splitlines(keepends=True)
    predictions.write_text(lines[0] + lines[1] + lines[2][:25], encoding="utf-8")  # killed mid-write
    result = run_eval(*args[:-1], str(resumed), env=OFFLINE)
    assert result.returncode == 0, result.stderr
    before, after = _results(out), _results(resumed)
    assert [d["timing"]["generated_in_this_call"] for d in after["datasets"]] == [2, 0]
    assert [p["output"] for p in _predictions(resumed, "fpb")] == [p["output"] for p in _predictions(out, "fpb")]
    assert [d["reference"] for d in after["datasets"]] == [d["reference"] for d in before["datasets"]]


def test_a_rerun_with_other_settings_is_refused(smol_run, tmp_path):
    out, args = smol_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    result = run_eval(*args[:-1], str(copy), "--chat-template", env=OFFLINE)
    _one_error_line(result, f"{copy}: holds a run with other settings (chat_template differ)")


def test_several_adapters_are_compared_in_one_run(lora_adapters, finlora_data, tmp_path):
    out = tmp_path / "adapters"
    result = run_eval("run", "--model", MODEL, "--adapter", lora_adapters["trained"], "--adapter",
                      lora_adapters["other"], "--datasets", "fpb", "--limit", "2", "--data-dir", str(finlora_data),
                      "--out", str(out), env=OFFLINE)
    assert result.returncode == 0, result.stderr
    trained, other = _results(out / "trained"), _results(out / "other")
    assert trained["adapter"] == lora_adapters["trained"] and trained["label"] == f"{MODEL} + trained"
    assert other["adapter"] == lora_adapters["other"] and other["label"] == f"{MODEL} + other"
    assert [p["output"] for p in _predictions(out / "trained", "fpb")] != \
        [p["output"] for p in _predictions(out / "other", "fpb")]
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| Datasets | smollm2-135m-instruct + trained | smollm2-135m-instruct + other |" in \
        (out / "comparison.md").read_text(encoding="utf-8")


def test_the_whole_suite_through_an_openai_compatible_server(finlora_data, xbrl_build, tmp_path):
    """Every available dataset, 3 rows each; the stub answers the first row of each right and the rest wrong."""
    from finlora_eval import data

    places = data.Locations(finlora_data, xbrl_build)
    right = {}
    for spec in REGISTRY.datasets.values():
        try:
            first = data.load(spec, places, limit=1).examples[0]
        except data.DataUnavailable:
            continue
        right[first.prompt] = first.target
    stub = StubOpenAI(answer=lambda prompt: right.get(prompt, "unsure"), delay_s=0.0)
    fpb_first = next(p for p in right if "Please choose an answer from {negative/neutral/positive}" in p)
    stub.faults[fpb_first] = [429]
    out = tmp_path / "suite"
    with serve(stub):
        result = run_eval("run", "--backend", "openai", "--base-url", stub.url, "--model", "stub", "--datasets",
                          "all", "--limit", "3", "--data-dir", str(finlora_data), "--xbrl-dir", str(xbrl_build),
                          "--out", str(out), env=OFFLINE)
    assert result.returncode == 0, result.stderr
    results = _results(out)
    assert results["backend"]["retries"] == 1 and results["bertscore_model"] == "all-minilm-l6-v2 (layer 6)"
    assert {u["key"] for u in results["unavailable"]} == {"cfa1", "cfa2", "cfa3", "cpa_reg"}
    assert "never published" in next(u["reason"] for u in results["unavailable"] if u["key"] == "cfa1")
    evaluated = {d["key"]: d for d in results["datasets"]}
    assert len(evaluated) == 15
    for key, dataset in evaluated.items():
        if dataset["metric"] == "bertscore":
            assert 0 < dataset["score"]["reference"] < 100
            assert dataset["score"]["strict"] == dataset["score"]["reference"]
        else:
            assert dataset["score"] == pytest.approx({"reference": 100 / 3, "strict": 100 / 3}), key
    table = (out / "results.md").read_text(encoding="utf-8")
    assert "| CPA REG | unavailable |" in table and "- CFA Level 1: " in table
    assert "unavailable cfa1: the reference never published" in " ".join(result.stderr.split())


def test_fewshot_prompts_reach_the_model_with_their_record(finlora_data, tmp_path):
    """--num-fewshot 2: every prompt the server sees holds the same two solved PhraseBank rows, then the test row;
    results.json and results.md say which rows; a dataset without a training source is one error line."""
    stub = StubOpenAI(answer=lambda prompt: "neutral", delay_s=0.0)
    out = tmp_path / "fewshot"
    with serve(stub):
        result = run_eval("run", "--backend", "openai", "--base-url", stub.url, "--model", "stub", "--datasets", "fpb",
                          "--limit", "3", "--num-fewshot", "2", "--data-dir", str(finlora_data), "--out", str(out),
                          env=OFFLINE)
    assert result.returncode == 0, result.stderr
    [record] = _results(out)["datasets"]
    assert record["fewshot"]["k"] == 2 and record["fewshot"]["source"] == "finlora-train sentiment/phrasebank"
    tests = [json.loads(line)["context"] for line in (finlora_data / "test" / "fpb_test.jsonl").open()][:3]
    prompts = [r["payload"]["messages"][-1]["content"] for r in stub.requests]
    [first] = [prompt for prompt in prompts if prompt.endswith(tests[0])]
    preamble = first[:-len(tests[0])]
    assert preamble.count("\nAnswer: ") == 2 and preamble.endswith("\n\n")
    assert sorted(prompts) == sorted(preamble + test for test in tests)
    assert f"2-shot from finlora-train sentiment/phrasebank rows {record['fewshot']['rows']}" in \
        (out / "results.md").read_text(encoding="utf-8")
    # The record's hash is of the rows as the model got them: row number, prompt with the shots, target.
    rows = [json.loads(line) for line in (finlora_data / "test" / "fpb_test.jsonl").open()][:3]
    lines = [json.dumps([i, preamble + row["context"], row["target"]], ensure_ascii=False) + "\n"
             for i, row in enumerate(rows)]
    assert record["examples_sha256"] == hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    assert "--num-fewshot 2" in _results(out)["command"]
    _one_error_line(run_eval("run", "--model", MODEL, "--datasets", "nwgi", "--num-fewshot", "2", "--data-dir",
                             str(finlora_data), "--out", str(tmp_path / "nwgi"), env=OFFLINE),
                    "nwgi has no training source to draw few-shot examples from (registry `fewshot`) (evaluate it "
                    "with --num-fewshot 0)")


def test_loglik_is_scored_beside_generation(smollm2, finlora_data, tmp_path):
    """SmolLM2 on 8 FPB rows: the loglik scores are those of the saved log-probabilities, the generation's are
    unchanged, and on some rows only one of the two is right (here base SmolLM2 generates `positive` for row 7, a
    positive sentence, where the likeliest label is `negative`, and the reverse for row 1)."""
    from finlora_eval.scoring.reference import earliest_label, extract_answer

    out = tmp_path / "loglik"
    result = run_eval("run", "--model", MODEL, "--datasets", "fpb,ner", "--limit", "8", "--scoring", "loglik",
                      "--data-dir", str(finlora_data), "--out", str(out), env=OFFLINE)
    assert result.returncode == 0, result.stderr
    records = {d["key"]: d for d in _results(out)["datasets"]}
    fpb = records["fpb"]
    labels = fpb["loglik"]["choices"]
    saved = [json.loads(line) for line in (out / "loglik" / "fpb.jsonl").read_text().splitlines()]
    likeliest = [max(labels, key=row["logprobs"].get) for row in saved]
    assert fpb["loglik"]["raw"]["accuracy"] == sum(
        label == row["target"] for label, row in zip(likeliest, saved)) / 8
    generated = [earliest_label(extract_answer(row["output"]), labels) for row in _predictions(out, "fpb")]
    right = {"generation": {i for i, row in enumerate(saved) if generated[i] == row["target"]},
             "loglik": {i for i, row in enumerate(saved) if likeliest[i] == row["target"]}}
    assert right["generation"] - right["loglik"] and right["loglik"] - right["generation"]
    assert fpb["score"]["reference"] == 100 * len(right["generation"]) / 8
    assert "## Log-likelihood scoring" in (out / "results.md").read_text(encoding="utf-8")
    assert records["ner"]["loglik"]["choices"] == ["location", "organization", "person"]
    _one_error_line(run_eval("run", "--backend", "openai", "--base-url", "http://127.0.0.1:9", "--model", "m",
                             "--datasets", "fpb", "--scoring", "loglik", "--data-dir", str(finlora_data), "--out",
                             str(tmp_path / "openai"), env=OFFLINE),
                    "log-likelihood scoring needs the hf backend, not openai")


def test_each_sampling_seed_is_a_run_and_seeds_md_gives_the_spread(finlora_data, tmp_path):
    """The server answers FPB right only for seed 1: seeds 0, 1 and 2 score 0, 100 and 0, so the mean is 33.33 and
    the sample standard deviation sqrt(((100 - 33.33)^2 + 2 * 33.33^2) / 2) = 57.74."""
    targets = {json.loads(line)["context"]: json.loads(line)["target"]
               for line in (finlora_data / "test" / "fpb_test.jsonl").read_text().splitlines()[:2]}

    class BySeed(StubOpenAI):
        def handle(self, payload, authorization):
            self.answer = lambda prompt: targets[prompt] if payload["seed"] == 1 else "unsure"
            return super().handle(payload, authorization)

    stub = BySeed(delay_s=0.0)
    out = tmp_path / "sampled"
    with serve(stub):
        result = run_eval("run", "--backend", "openai", "--base-url", stub.url, "--model", "stub", "--datasets", "fpb",
                          "--limit", "2", "--temperature", "0.7", "--top-p", "0.9", "--seeds", "0,1,2", "--concurrency",
                          "1", "--data-dir", str(finlora_data), "--out", str(out), env=OFFLINE)
    assert result.returncode == 0, result.stderr
    assert sorted((r["payload"]["seed"], r["payload"]["temperature"], r["payload"]["top_p"]) for r in stub.requests) \
        == [(seed, 0.7, 0.9) for seed in (0, 0, 1, 1, 2, 2)]
    assert [_results(out / f"seed-{seed}")["sampling"] for seed in (0, 1, 2)] == [
        {"temperature": 0.7, "top_p": 0.9, "seed": seed} for seed in (0, 1, 2)]
    spread = json.loads((out / "seeds.json").read_text())["datasets"]["fpb"]["reference"]
    assert spread["scores"] == [0.0, 100.0, 0.0] and spread["mean"] == pytest.approx(100 / 3)
    assert spread["std"] == pytest.approx(57.735, abs=1e-3)
    assert "| FPB | 33.33 ± 57.74 [0.00, 100.00] |" in (out / "seeds.md").read_text()
    _one_error_line(run_eval("run", "--model", MODEL, "--datasets", "fpb", "--seeds", "0,1", "--data-dir",
                             str(finlora_data), "--out", str(tmp_path / "greedy"), env=OFFLINE),
                    "several need a temperature above 0")


def test_compare_draws_runs_side_by_side(smol_run, tmp_path):
    out, _ = smol_run
    twin = tmp_path / "twin"
    shutil.copytree(out, twin)
    results = _results(twin)
    results["label"] = "twin"
    (twin / "results.json").write_text(json.dumps(results), encoding="utf-8")
    chart = tmp_path / "chart.png"
    result = run_eval("compare", str(out), str(twin), "-o", str(chart), "--scorer", "strict")
    assert result.returncode == 0, result.stderr
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"| Datasets | {MODEL} | twin |" in result.stdout
    # The twin's predictions are the run's own: every paired difference is 0, and its interval is [0, 0].
    assert f"| FPB | twin | {MODEL} | 4 | +0.00 [+0.00, +0.00], includes 0 | +0.00 [+0.00, +0.00], includes 0 |" \
        in result.stdout
    _one_error_line(run_eval("compare", str(tmp_path / "twin" / "predictions")), "not a finished run")


@pytest.mark.parametrize("args, message", [
    (["--datasets", "fpb,fbp"], "unknown datasets ['fbp'] (choose from all, fpb,"),
    (["--datasets", "cfa1"], "dataset cfa1 is unavailable: the reference never published"),
    (["--datasets", "fpb"], "dataset fpb is unavailable: needs the folder of test files (give --data-dir)"),
    (["--datasets", "tags"], "dataset tags is unavailable: needs the folder of test files (give --data-dir); needs an "
                             "`xbrlkit build` output folder (give --xbrl-dir)"),
])
def test_bad_input_is_one_error_line(tmp_path, args, message):
    out = tmp_path / "out"
    _one_error_line(run_eval("run", "--model", MODEL, "--out", str(out), *args, env=OFFLINE), message)
    assert not out.exists()


def test_openai_without_base_url(finlora_data, tmp_path):
    result = run_eval("run", "--backend", "openai", "--model", "m", "--datasets", "fpb", "--data-dir",
                      str(finlora_data), "--out", str(tmp_path / "out"), env=OFFLINE)
    _one_error_line(result, "the openai backend needs --base-url")


@pytest.mark.parametrize("backend, option", [("hf", ["--max-model-len", "4096"]),
                                             ("openai", ["--tensor-parallel-size", "2"])])
def test_a_vllm_setting_given_to_another_backend_is_refused(finlora_data, tmp_path, backend, option):
    out = tmp_path / "out"
    result = run_eval("run", "--backend", backend, "--base-url", "http://127.0.0.1:9", "--model", MODEL,
                      "--datasets", "fpb", "--data-dir", str(finlora_data), "--out", str(out), *option, env=OFFLINE)
    _one_error_line(result, f"{option[0]} is a setting of the vllm engine; the {backend} backend does not read it")
    assert not out.exists()


def test_datasets_lists_the_suite_with_availability(finlora_data):
    result = run_eval("datasets", "--data-dir", str(finlora_data), env=OFFLINE)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 21  # the 19 of the benchmark, then MMLU and GSM8K
    assert "mmlu_test.jsonl not found; cannot load cais/mmlu" in next(line for line in lines if line.startswith("mmlu"))
    assert lines[0].split()[:3] == ["fpb", "FPB", "accuracy_f1"] and "1212 rows from" in lines[0]
    assert "unavailable: the reference never published" in next(line for line in lines if line.startswith("cpa_reg"))
    assert "247 rows from" in next(line for line in lines if line.startswith("fnxl"))
    assert "rebuilt from the FNXL test sample" in next(line for line in lines if line.startswith("fnxl"))
    assert "needs an `xbrlkit build` output folder" in next(line for line in lines if line.startswith("tags"))


def test_help_explains_the_options():
    result = run_eval("run", "--help")
    assert result.returncode == 0
    for option in ("--model", "--adapter", "--datasets", "--limit", "--sample", "--batch-size", "--chat-template",
                   "--device-map", "--load-in", "--base-url", "--concurrency", "--max-retries", "--bertscore-model",
                   "--out", "resumes"):
        assert option in result.stdout


def _only_line(result, line: str) -> None:
    """Exit status 2 and nothing on stderr but `line`."""
    assert "Traceback" not in result.stderr
    assert (result.returncode, result.stderr) == (2, f"finlora-eval: error: {line}\n")


@pytest.mark.parametrize(("content", "line"), [
    (b'{"context": "a", "target": "b"}\n{"context": "\xe9t\xe9", "target": "b"}\n',
     "{data}:2: not UTF-8 text: byte 0xe9 at column 14 (save the file as UTF-8)"),
    (b'{"context": "a", "target": null}\n', "{data}:1: target must be a string, not null"),
    (b'{"context": "a", "target": "b"}\n{"context": 12, "target": "b"}\n',
     "{data}:2: context must be a string, not a number"),
    (b'{"context": ["a"], "target": "b"}\n', "{data}:1: context must be a string, not a list"),
])
def test_a_bad_test_file_fails_before_the_model_loads(tmp_path, content, line):
    """The model is a folder that does not exist: an error about the data came before the model load (with good
    rows the run gets to the model, test_good_rows_get_as_far_as_the_model)."""
    data = tmp_path / "test" / "fpb_test.jsonl"
    data.parent.mkdir()
    data.write_bytes(content)
    out = tmp_path / "out"
    result = run_eval("run", "--model", str(tmp_path / "no-model"), "--datasets", "fpb", "--data-dir", str(tmp_path),
                      "--out", str(out), env=OFFLINE, timeout=120)
    _only_line(result, line.format(data=data))
    assert not out.exists()


def test_good_rows_get_as_far_as_the_model(tmp_path):
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "fpb_test.jsonl").write_text('{"context": "a", "target": "b"}\n', encoding="utf-8")
    result = run_eval("run", "--model", str(tmp_path / "no-model"), "--datasets", "fpb", "--data-dir", str(tmp_path),
                      "--out", str(tmp_path / "out"), env=OFFLINE, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith(f"finlora-eval: error: cannot load model {tmp_path / 'no-model'}")


@pytest.mark.parametrize("command", [["run", "--model", "{tmp}/no-model", "--datasets", "fpb", "--out", "{tmp}/out"],
                                     ["datasets"]])
def test_a_malformed_registry_is_one_line(tmp_path, command):
    registry = tmp_path / "registry.yaml"
    registry.write_text("categories: {a: A}\ndatasets:\n  x: y: z\n", encoding="utf-8")
    result = run_eval(*[arg.format(tmp=tmp_path) for arg in command], "--registry", str(registry), env=OFFLINE,
                      timeout=120)
    _only_line(result, f"{registry}:3: not valid YAML: mapping values are not allowed here at column 7")
    assert not (tmp_path / "out").exists()


def _scored(tmp_path: Path, name: str, right: list[int]) -> Path:
    """`finlora-eval score` on FPB predictions that are right where `right` is 1."""
    targets = ["positive", "negative", "neutral", "positive", "negative"] * 2
    rows = [{"context": f"Instruction: sentiment?\nInput: sentence {i}\nAnswer: ", "target": t,
             "prediction": t if ok else "cannot tell"} for i, (t, ok) in enumerate(zip(targets, right))]
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    out = tmp_path / name
    result = run_eval("score", str(path), "--dataset", "fpb", "--out", str(out), env=OFFLINE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    return out


def test_predictions_made_elsewhere_are_scored_like_a_run_and_compared(tmp_path):
    base = _scored(tmp_path, "base", [0, 0, 1, 1, 1, 0, 0, 1, 0, 1])
    results = _results(base)
    [fpb] = results["datasets"]
    assert results["label"] == "base" and results["backend"]["backend"] == "predictions"
    assert fpb["reference"]["accuracy"] == fpb["strict"]["accuracy"] == 0.5 and fpb["timing"] is None
    assert fpb["reference"]["intervals"]["accuracy"] == [0.2, 0.8]  # 5 of 10: tests/eval/scoring/test_bootstrap.py
    assert [p["output"] for p in _predictions(base, "fpb")][:3] == ["cannot tell", "cannot tell", "neutral"]
    assert "| FPB | " in (base / "results.md").read_text(encoding="utf-8")
    tuned = _scored(tmp_path, "tuned", [1, 1, 1, 1, 1, 0, 0, 1, 0, 1])
    compared = run_eval("compare", str(base), str(tuned), "-o", str(tmp_path / "chart.png"))
    assert compared.returncode == 0, compared.stderr
    assert "| FPB | tuned | base | 10 | +20.00 [+0.00, +50.00], includes 0 |" in compared.stdout


@pytest.mark.parametrize("content, message", [
    ('{"prediction": "positive"}\n', "{file}:1: a row needs prediction and target"),
    ('{"prediction": "positive", "target": "positive", "context": 3}\n', "{file}:1: context must be a string"),
    ("", "{file}: no predictions in the file"),
])
def test_bad_predictions_are_one_error_line(content, message, tmp_path):
    path = tmp_path / "predictions.jsonl"
    path.write_text(content, encoding="utf-8")
    result = run_eval("score", str(path), "--dataset", "fpb", "--out", str(tmp_path / "out"), env=OFFLINE)
    _one_error_line(result, message.format(file=path))
    assert not (tmp_path / "out").exists()


def test_predictions_answer_one_dataset(tmp_path):
    path = tmp_path / "predictions.jsonl"
    path.write_text('{"prediction": "positive", "target": "positive"}\n', encoding="utf-8")
    result = run_eval("score", str(path), "--dataset", "fpb,fiqa", "--out", str(tmp_path / "out"), env=OFFLINE)
    _one_error_line(result, "predictions answer one dataset, not 2")
