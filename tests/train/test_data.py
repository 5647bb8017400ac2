"""finlora_train.data on the real public sources: counts, no test row trained on, prompts, labels, seeds, errors."""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from finlora_eval import fnxl as reference_fnxl
from finlora_eval.data import Locations
from finlora_eval.data import load as load_test_set
from finlora_eval.headline import is_test_headline
from finlora_eval.registry import load_registry
from finlora_train import categories as catalog
from finlora_train.data import BUILDERS, CATEGORIES, DataOptions, build, source_rows, unavailable_reason, write_jsonl
from finlora_train.errors import TrainError
from tests.support import FINLORA_DATA, missing

SENTIMENT_TESTS = ("fpb_test.jsonl", "fiqa_test.jsonl", "tfns_test.jsonl")
LABELLED = ("sentiment", "headline", "ner")


def _options(**changes) -> DataOptions:
    return DataOptions(FINLORA_DATA, **changes)


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def _split(context: str) -> tuple[str, str]:
    """(everything before the Input line, the Input text) of a reference-layout prompt."""
    head, _, rest = context.partition("\nInput: ")
    assert rest.endswith("\nAnswer: "), context
    return head, rest[:-len("\nAnswer: ")]


def _norm(text: str) -> str:
    return " ".join(text.split())


def _entity_free(head: str) -> str:
    return re.sub(r"'.*'", "'{entity}'", head, count=1, flags=re.S)


@pytest.fixture(scope="module")
def data(finlora_data: Path) -> Path:
    if not (finlora_data / "sources").is_dir():
        missing(f"FinLoRA sources not found at {finlora_data / 'sources'} (set FINLORA_TEST_DATA)")
    return finlora_data


@pytest.fixture(scope="module")
def stats(data: Path) -> dict:
    return json.loads((data / "sources/_overlap/overlap_stats.json").read_text())


@pytest.fixture(scope="module")
def sentiment_sources(data: Path) -> dict[str, list[dict]]:
    return dict(zip(("fpb", "fiqa", "tfns"), source_rows("sentiment", _options())))


@pytest.fixture(scope="module")
def built(data: Path) -> dict[str, list[dict]]:
    """Every buildable category without xbrl_analysis, with the default options."""
    return {category: build(category, _options()) for category in CATEGORIES
            if category not in ("xbrl_analysis", "certification")}


def test_sources_yaml_names_real_builders_and_the_categories():
    assert CATEGORIES == ("sentiment", "headline", "ner", "tagging", "xbrl_term", "xbrl_analysis", "financial_math",
                          "financebench", "general", "certification")
    for category in catalog.categories().values():
        assert all(source.builder in BUILDERS for source in category.sources), category.name


def test_phrasebank_keeps_the_clean_lines_with_the_documented_labels(sentiment_sources, stats):
    rows = sentiment_sources["fpb"]
    assert len(rows) == stats["fpb"]["clean"] == 3628
    assert Counter(row["target"] for row in rows) == stats["fpb"]["clean_labels"]


def test_fiqa_keeps_the_clean_aspects_and_mirrors_news_and_tweet_prompts(data, sentiment_sources, stats, built):
    rows = sentiment_sources["fiqa"]
    assert len(rows) == stats["fiqa"]["clean"] == 914
    assert Counter(row["target"] for row in rows) == stats["fiqa"]["clean_labels"]
    # Headlines are asked about as news, posts as tweets, exactly as the test rows from the same files are.
    instruction = catalog.category("sentiment").sources[1].params["instructions"]
    file_of = {entry["sentence"]: relative for relative in instruction
               for entry in json.loads((data / relative).read_text()).values()}
    test_heads = {_split(row["context"])[1]: _split(row["context"])[0] for row in _read(data / "test/fiqa_test.jsonl")}
    checked = [(sentence, head) for sentence, head in test_heads.items() if sentence in file_of]
    assert len(checked) > 200
    for sentence, head in checked:
        assert head == "Instruction: " + instruction[file_of[sentence]], sentence
    # Identical rows are kept once in the build.
    sentiment = [(row["context"], row["target"]) for row in built["sentiment"]]
    assert len(sentiment) == len(set(sentiment))
    assert {(row["context"], row["target"]) for row in rows} <= set(sentiment)


def test_tfns_overlap_rows_are_0_based_and_labels_follow_the_chosen_mapping(data, sentiment_sources, stats):
    with (data / "sources/tfns/sent_train.csv").open(encoding="utf-8", newline="") as handle:
        raw = list(csv.DictReader(handle))
    overlap = data / "sources/_overlap/tfns_sent_train_rows_in_finlora_tfns_test.txt"
    listed = {int(n) for n in overlap.read_text().split()}
    test_inputs = {_norm(_split(row["context"])[1]) for row in _read(data / "test/tfns_test.jsonl")}
    assert _norm(raw[3000]["text"]) in test_inputs and 3000 in listed  # the one exact duplicate, at 0-based row 3000
    kept = [row for index, row in enumerate(raw) if index not in listed]
    reference = sentiment_sources["tfns"]
    correct = source_rows("sentiment", _options(tfns_labels="correct"))[2]
    assert len(reference) == len(correct) == stats["tfns_train"]["clean"] == 9528
    expected = {"0": ("negative", "negative"), "1": ("neutral", "positive"), "2": ("positive", "neutral")}
    for source, ours, theirs in zip(kept, reference, correct):
        assert _split(ours["context"])[1] == source["text"] == _split(theirs["context"])[1]
        assert (ours["target"], theirs["target"]) == expected[source["label"]]
    labels = stats["tfns_train"]["clean_labels"]
    assert Counter(row["target"] for row in correct) == {"negative": labels["0"], "positive": labels["1"],
                                                         "neutral": labels["2"]}
    # "reference" is the mapping of the benchmark's test file: sent_valid is tfns_test row for row.
    mapping = catalog.category("sentiment").sources[2].params["labels"]["reference"]
    with (data / "sources/tfns/sent_valid.csv").open(encoding="utf-8", newline="") as handle:
        valid = [mapping[int(row["label"])] for row in csv.DictReader(handle)]
    assert valid == [row["target"] for row in _read(data / "test/tfns_test.jsonl")]


@pytest.mark.parametrize("category", [name for name, spec in catalog.categories().items()
                                      if "data_dir" in spec.held_out])
def test_no_training_row_repeats_a_test_row(category, data, built):
    tests = [row for relative in catalog.category(category).held_out["data_dir"] if (data / relative).is_file()
             for row in _read(data / relative)]
    if not tests:
        pytest.skip(f"no test file of {category} in {data / 'test'}")
    contexts = {_norm(row["context"]) for row in tests}
    assert not contexts & {_norm(row["context"]) for row in built[category]}


def test_no_sentiment_training_sentence_is_a_test_sentence(data, built):
    test_inputs = {_norm(_split(row["context"])[1]) for name in SENTIMENT_TESTS for row in _read(data / "test" / name)}
    assert len(test_inputs) > 3800
    assert not test_inputs & {_norm(_split(row["context"])[1]) for row in built["sentiment"]}


def test_ner_trains_on_fin5_only_and_never_on_a_test_sentence(data, built):
    def texts(name: str) -> set[str]:
        blocks = (data / "sources/ner_fin" / name).read_text(encoding="utf-8").split("\n\n")
        return {" ".join(line.split()[0] for line in block.splitlines() if line.split()) for block in blocks}

    inputs = {_split(row["context"])[1] for row in built["ner"]}
    assert inputs <= texts("FIN5.txt") and not inputs & texts("FIN3.txt")
    assert not inputs & {_split(row["context"])[1] for row in _read(data / "test/ner_test.jsonl")}
    for row in built["ner"]:
        head, text = _split(row["context"])
        assert re.search(r"'(.*)'", head).group(1) in text


def test_an_exact_overlap_beyond_the_lists_is_filtered(data, tmp_path):
    """A clean PhraseBank sentence that also is a test input (here: planted, with other spacing) is not trained on."""
    for name in ("sources", "train"):
        (tmp_path / name).symlink_to(data / name)
    (tmp_path / "test").mkdir()
    for name in SENTIMENT_TESTS[1:]:
        (tmp_path / "test" / name).symlink_to(data / "test" / name)
    sentence = _split(source_rows("sentiment", _options())[0][0]["context"])[1]
    assert any(_split(row["context"])[1] == sentence for row in build("sentiment", _options()))
    planted = {"context": f"Instruction: anything\nInput:  {sentence.replace(' ', '   ')} \nAnswer: ", "target": "x"}
    (tmp_path / "test/fpb_test.jsonl").write_text(json.dumps(planted) + "\n")
    rows = build("sentiment", DataOptions(tmp_path))
    assert not any(_split(row["context"])[1] == sentence for row in rows)


def test_sentiment_and_ner_prompts_are_the_test_prompts(data, built):
    sentiment_heads = {_split(row["context"])[0] for name in SENTIMENT_TESTS for row in _read(data / "test" / name)}
    assert {_split(row["context"])[0] for row in built["sentiment"]} == sentiment_heads
    test_heads = Counter(_entity_free(_split(row["context"])[0]) for row in _read(data / "test/ner_test.jsonl"))
    ours = Counter(_entity_free(_split(row["context"])[0]) for row in built["ner"])
    assert set(ours) <= set(test_heads)
    instructions = {head.partition("\nOptions: ")[0] for head in test_heads}
    orders = {head.partition("\nOptions: ")[2] for head in test_heads}
    assert (len(instructions), len(orders)) == (17, 6)
    assert {head.partition("\nOptions: ")[0] for head in ours} == instructions  # every variant is used
    assert {head.partition("\nOptions: ")[2] for head in ours} == orders


def test_headline_asks_each_training_headline_the_fingpt_questions(data, built):
    rows = built["headline"]
    assert {row["target"] for row in rows} == {"Yes", "No"}
    per_headline = Counter(_split(row["context"])[1] for row in rows)
    assert set(per_headline.values()) == {7}  # 6 questions + past/future asked about price or a general event
    with (data / "sources/headline_gold/gold-dataset-sinha-khandait.csv").open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle, delimiter="\t"))
    headlines = {row["News"].strip() for row in table}
    trained = {h for h in headlines if not is_test_headline(h)}
    assert set(per_headline) == trained and 0.75 < len(trained) / len(headlines) < 0.85
    answers = {(_split(row["context"])[1], _split(row["context"])[0]): row["target"] for row in rows}
    up = "Instruction: Does the news headline talk about price going up? Please choose an answer from {Yes/No}."
    price_past = up.replace("price going up", "price in the past")
    for row in [row for row in table if row["News"].strip() in trained][:200]:
        headline = row["News"].strip()
        assert answers[(headline, up)] == ("Yes" if row["Price Direction Up"] == "1" else "No")
        assert ((headline, price_past) in answers) == (row["Price Sentiment"] != "none")


def test_no_headline_the_evaluation_asks_about_is_in_the_training_rows(data, built):
    # The shared data has no reference headline test file, so finlora-eval scores the test part of the gold file.
    assert not (data / "test/headline_test.jsonl").exists()
    test_set = load_test_set(load_registry().datasets["headline"], Locations(data))
    assert test_set.source.endswith("gold-dataset-sinha-khandait.csv") and test_set.rows > 10_000
    evaluated = {_norm(_split(e.prompt)[1]).lower() for e in test_set.examples}
    trained = {_norm(_split(row["context"])[1]).lower() for row in built["headline"]}
    assert evaluated and trained and not evaluated & trained


def test_a_missing_held_out_file_stops_the_build(data, tmp_path):
    # A copy of the data without one of the sentiment test files: nothing could check training against it.
    for path in data.rglob("*"):
        if path.is_file() and path.name != "tfns_test.jsonl":
            target = tmp_path / path.relative_to(data)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    with pytest.raises(TrainError, match="held-out test file test/tfns_test.jsonl is missing") as error:
        build("sentiment", DataOptions(tmp_path))
    assert error.value.hint == "give --data-dir with the test files"


def test_tagging_and_reference_files_are_the_public_train_sets(data, built):
    assert built["tagging"] == reference_fnxl.prompts(data / "sources/fnxl/train_sample.csv")
    test_prompts = {row["context"] for row in reference_fnxl.prompts(data / "sources/fnxl/test_sample.csv")}
    assert not test_prompts & {row["context"] for row in built["tagging"]}
    for category, name in (("xbrl_term", "xbrl_term_train"), ("financial_math", "formula_train"),
                           ("financebench", "financebench_train")):
        reference = {(row["context"], row["target"]) for row in _read(data / "train" / f"{name}.jsonl")}
        assert {(row["context"], row["target"]) for row in built[category]} == reference


def test_xbrl_analysis_merges_the_four_xbrlkit_train_files(data, xbrl_build):
    rows = build("xbrl_analysis", _options(xbrl_dir=xbrl_build))
    tasks = ("tags", "values", "formula_construction", "formula_calculation")
    expected = [row for task in tasks for row in _read(xbrl_build / "finlora" / f"{task}_train.jsonl")]
    assert [(row["context"], row["target"]) for row in rows] == [(row["context"], row["target"]) for row in expected]
    tests = {row["context"] for task in tasks for row in _read(xbrl_build / "finlora" / f"{task}_test.jsonl")}
    assert not tests & {row["context"] for row in rows}


def test_no_xbrl_training_row_comes_from_a_test_filing(data, shared_xbrl, tmp_path):
    """Company-disjoint build of every shared filing: each training row is a question of a training filing, and no
    test company (so no test question's filing) has a training row."""
    import pyarrow.parquet as pq

    from xbrlkit.datasets.build import BuildConfig
    from xbrlkit.datasets.pipeline import build_datasets

    out = tmp_path / "xbrl"
    build_datasets(BuildConfig(sources=(shared_xbrl / "filings", shared_xbrl / "inline"), style="finlora",
                               split_by="company", max_context_chars=2000), out)
    rows = build("xbrl_analysis", _options(xbrl_dir=out))
    tasks = ("tags", "values", "formula_construction", "formula_calculation")
    origin = {}  # finlora prompt -> (split, ticker, filing) of the question it asks
    for task in tasks:
        for split in ("train", "test"):
            records = pq.read_table(out / task / f"{split}.parquet").to_pylist()
            for line, record in zip(_read(out / "finlora" / f"{task}_{split}.jsonl"), records, strict=True):
                origin[line["context"]] = (split, record["ticker"], record["filing"])
    assert len(rows) > 500 and all(origin[row["context"]][0] == "train" for row in rows)
    test = {o for o in origin.values() if o[0] == "test"}
    assert test, "the company split has test companies"
    assert not {ticker for _, ticker, _ in test} & {origin[row["context"]][1] for row in rows}
    assert not {filing for _, _, filing in test} & {origin[row["context"]][2] for row in rows}


def test_builds_are_deterministic_and_seeds_change_samples(data, built):
    assert build("sentiment", _options()) == built["sentiment"]
    assert build("ner", _options()) == built["ner"]
    # The seed picks the NER instruction and option order, never the mentions asked about.
    ner, other_ner = source_rows("ner", _options())[0], source_rows("ner", _options(seed=7))[0]
    assert [row["target"] for row in other_ner] == [row["target"] for row in ner]
    assert [row["context"] for row in other_ner] != [row["context"] for row in ner]
    small = build("sentiment", _options(limit=100))
    assert len(small) == 100 and small == build("sentiment", _options(limit=100))
    assert small != build("sentiment", _options(limit=100, seed=1))
    order = {(row["context"], row["target"]): index for index, row in enumerate(built["sentiment"])}
    picked = [order[(row["context"], row["target"])] for row in small]
    assert picked == sorted(picked)  # a sample, kept in build order


@pytest.mark.parametrize("category", LABELLED)
def test_balance_gives_every_label_the_rarest_count(category, data, built):
    rows = build(category, _options(balance=True))
    counts = Counter(row["target"] for row in rows)
    assert set(counts) == {row["target"] for row in built[category]}
    assert set(counts.values()) == {min(Counter(row["target"] for row in built[category]).values())}
    assert rows != build(category, _options(balance=True, seed=3))


def test_write_jsonl_writes_utf8_rows_atomically(data, built, tmp_path):
    out = tmp_path / "deep" / "train.jsonl"
    write_jsonl(built["sentiment"], out)
    text = out.read_text(encoding="utf-8")
    assert _read(out) == built["sentiment"] and "ñ" in text and "\\u00f1" not in text
    assert [path.name for path in out.parent.iterdir()] == ["train.jsonl"]


def test_errors_say_what_is_missing_and_what_to_do(data, tmp_path):
    absent = tmp_path / "nowhere"
    with pytest.raises(TrainError, match="--data-dir") as error:
        build("sentiment", DataOptions(absent))
    assert str(absent) in str(error.value)
    assert "not public" in unavailable_reason("certification")
    assert all(unavailable_reason(name) is None for name in CATEGORIES if name != "certification")
    with pytest.raises(TrainError, match="not public"):
        build("certification", _options())
    with pytest.raises(TrainError, match="sentiment, headline, ner"):
        build("poetry", _options())
    with pytest.raises(TrainError, match="xbrlkit build"):
        build("xbrl_analysis", _options())
    with pytest.raises(TrainError, match="balance"):
        build("xbrl_term", _options(balance=True))
    with pytest.raises(TrainError, match="reference, correct"):
        _options(tfns_labels="fixed")


def test_a_cap_samples_one_source_and_keeps_the_others_whole(data, sentiment_sources):
    tfns = len(sentiment_sources["tfns"])
    capped = build("sentiment", DataOptions(data_dir=data, caps={"tfns": 1500}))
    tweets = [row for row in capped if row["context"] in {r["context"] for r in sentiment_sources["tfns"]}]
    assert len(tweets) == 1500 < tfns
    assert len(capped) == len(build("sentiment", DataOptions(data_dir=data))) - (tfns - 1500)
    assert capped == build("sentiment", DataOptions(data_dir=data, caps={"tfns": 1500}))
    with pytest.raises(TrainError, match="no source tnfs"):
        build("sentiment", DataOptions(data_dir=data, caps={"tnfs": 10}))


def test_the_general_mix_keeps_every_member_held_out(data, built):
    """The multi-task `general` category: at most its cap of each member's rows, and no row whose input is an input
    of any member's test set (FPB, FiQA SA, TFNS, NER files and the evaluation's headlines)."""
    spec = catalog.category("general")
    assert spec.mix == {"sentiment": 4000, "headline": 4000, "ner": 2000} and not spec.sources
    assert set(spec.held_out["data_dir"]) >= {f"test/{name}" for name in SENTIMENT_TESTS + ("ner_test.jsonl",)}
    rows = built["general"]
    members = {name: {(row["context"], row["target"]) for row in built[name]} for name in spec.mix}
    counts = Counter(next(name for name, keys in members.items() if (row["context"], row["target"]) in keys)
                     for row in rows)
    # Each member gives its cap (or all its rows), less the few whose input is another member's test input: one
    # sentiment row repeats a headline of the Headline evaluation.
    assert all(0 <= min(cap, len(members[name])) - counts[name] <= 5 for name, cap in spec.mix.items()), counts
    registry = load_registry()
    test_inputs = {_norm(_split(e.prompt)[1]) for key in ("fpb", "fiqa", "tfns", "ner", "headline")
                   for e in load_test_set(registry.datasets[key], Locations(data)).examples}
    assert len(test_inputs) > 5000 and not test_inputs & {_norm(_split(row["context"])[1]) for row in rows}
    assert build("general", _options()) == rows
