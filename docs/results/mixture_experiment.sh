#!/usr/bin/env bash
# The experiment of docs/results/smollm2-135m-mixture.md (issue 16): on SmolLM2-135M, on CPU, a sentiment and an NER
# LoRA expert (a few hundred steps each), their multi-task adapter (sentiment and NER rows in one), and the X-LoRA
# mixture of the two experts with its router trained on those multi-task rows; each, and the base, evaluated on the same
# seeded SAMPLE rows (default 300) of FPB, FiQA SA (at most its 235), TFNS and NER. Finished steps are skipped, and a
# stopped training run resumes from its last checkpoint. X-LoRA runs the model twice per forward and evaluates without a
# KV cache: its router steps cost about three LoRA steps (measured: 2 steps of 16 rows in 102 s beside an evaluation
# run), and its evaluation about 4 times a plain adapter's. Measured on the 2-core machine, alone, with STEPS=200
# SAMPLE=200 (the run of docs/results/smollm2-135m-mixture.md): sentiment expert 2.6 s a step, NER expert 9.6 s (its
# sentences are long; peak 13.9 GB), multi-task 5.1 s, router 10.3 s, an adapter's evaluation about 3 minutes and the
# mixture's 7; the whole script 86 minutes, so the defaults (300 steps, 300 rows) take about 2 hours.
#
#     bash docs/results/mixture_experiment.sh          # from the repository root, ../shared present
#     finlora-eval compare out/mixture-experiment/eval/base out/mixture-experiment/eval/{sentiment,ner,multitask,mixture}
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.venv/bin:$PATH"
OUT=${OUT:-out/mixture-experiment}
STEPS=${STEPS:-300}
SAMPLE=${SAMPLE:-300}
# --resume continues a stopped run from its newest checkpoint (every 50 steps); a fresh folder starts at step 0.
COMMON=(--method lora --base-model smollm2-135m-instruct --set learning_rate=5e-4 --set batch_size=8
        --set max_steps=$STEPS --set save_every=50 --resume)
mkdir -p "$OUT"

[ -f "$OUT/sentiment.jsonl" ] || finlora-train data build --category sentiment --cap tfns=1500 --out "$OUT/sentiment.jsonl"
[ -f "$OUT/ner.jsonl" ] || finlora-train data build --category ner --out "$OUT/ner.jsonl"
# The multi-task rows: both files, shuffled together by the trainer's seeded order.
[ -f "$OUT/multitask.jsonl" ] || cat "$OUT/sentiment.jsonl" "$OUT/ner.jsonl" > "$OUT/multitask.jsonl"

evaluate() {  # NAME [--adapter DIR]: the same seeded SAMPLE rows of each dataset for every model (paired)
  local name=$1; shift
  [ -f "$OUT/eval/$name/results.json" ] || finlora-eval run --model smollm2-135m-instruct "$@" \
      --datasets fpb,fiqa,tfns,ner --sample $SAMPLE --seed 42 --data-dir ../shared/finlora --batch-size 16 \
      --out "$OUT/eval/$name"
}

# Each model is evaluated as soon as it is trained, so a stopped experiment has complete rows for what it finished.
evaluate base
for name in sentiment ner multitask; do
  category=$([ $name = multitask ] && echo general || echo $name)
  [ -f "$OUT/$name/training_meta.json" ] || finlora-train train --category "$category" "${COMMON[@]}" \
      --data "$OUT/$name.jsonl" --out "$OUT/$name"
  evaluate "$name" --adapter "$OUT/$name"
done
[ -f "$OUT/mixture/mixture_meta.json" ] || finlora-train mix --expert "$OUT/sentiment" --expert "$OUT/ner" \
    --category general --data "$OUT/multitask.jsonl" --set max_steps=$((STEPS / 3)) --set learning_rate=1e-3 \
    --out "$OUT/mixture"
evaluate mixture --adapter "$OUT/mixture"
echo "done: finlora-eval compare $OUT/eval/base $OUT/eval/{sentiment,ner,multitask,mixture}"
