#!/usr/bin/env bash
# The experiment of docs/results/smollm2-135m-federated.md (issue 15): SmolLM2-135M sentiment LoRA on CPU, 4 clients
# on an IID and a Dirichlet(0.5) label split, with the same 120 optimizer steps in all for centralized training,
# FedAvg, the exact aggregation and FedAvg under DP at about epsilon 8 (delta 1e-5), and centralized training for
# the 30 steps of one client's path; then FPB, FiQA SA and TFNS (a seeded 500) for each beside the base. Finished
# steps are skipped, so a stopped run continues where it was.
#
#     bash docs/results/federated_experiment.sh            # from the repository root, ../shared present
#     python docs/results/federated_report.py out/federated-experiment
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.venv/bin:$PATH"
OUT=${OUT:-out/federated-experiment}
CLIENTS=4 ROUNDS=10 LOCAL_STEPS=3 EPSILON=8 DELTA=1e-5
COMMON=(--category sentiment --method lora --base-model smollm2-135m-instruct --set learning_rate=5e-4
        --set batch_size=8 --set warmup_steps=0)
mkdir -p "$OUT"

[ -f "$OUT/data.jsonl" ] || finlora-train data build --category sentiment --cap tfns=1500 --out "$OUT/data.jsonl"

evaluate() {  # NAME [--adapter DIR]
  local name=$1; shift
  [ -f "$OUT/eval/$name/results.json" ] || finlora-eval run --model smollm2-135m-instruct "$@" --datasets fpb,fiqa \
      --data-dir ../shared/finlora --batch-size 32 --out "$OUT/eval/$name"
  [ -f "$OUT/eval/$name-tfns/results.json" ] || finlora-eval run --model smollm2-135m-instruct "$@" --datasets tfns \
      --sample 500 --seed 42 --data-dir ../shared/finlora --batch-size 32 --out "$OUT/eval/$name-tfns"
}

federated() {  # NAME PARTITION [options]
  local name=$1 partition=$2; shift 2
  [ -f "$OUT/$name/federated_meta.json" ] || finlora-train federated "${COMMON[@]}" --data "$OUT/data.jsonl" \
      --clients $CLIENTS --rounds $ROUNDS --local-steps $LOCAL_STEPS --partition "$partition" "$@" --out "$OUT/$name" \
      || { [ -d "$OUT/.$name.partial" ] && finlora-train federated "${COMMON[@]}" --data "$OUT/data.jsonl" \
           --clients $CLIENTS --rounds $ROUNDS --local-steps $LOCAL_STEPS --partition "$partition" "$@" \
           --out "$OUT/$name" --resume; }
  evaluate "$name" --adapter "$OUT/$name"
}

# Each model is evaluated as soon as it is trained, so a stopped experiment has complete rows for what it finished.
evaluate base
# Centralized: the same 4 x 10 x 3 = 120 optimizer steps on all the rows.
[ -f "$OUT/centralized/training_meta.json" ] || finlora-train train "${COMMON[@]}" --data "$OUT/data.jsonl" \
    --set max_steps=$((CLIENTS * ROUNDS * LOCAL_STEPS)) --out "$OUT/centralized"
evaluate centralized --adapter "$OUT/centralized"
# The control for sequential depth: each federated client path is 10 rounds x 3 = 30 optimizer steps long.
[ -f "$OUT/centralized-30/training_meta.json" ] || finlora-train train "${COMMON[@]}" --data "$OUT/data.jsonl" \
    --set max_steps=$((ROUNDS * LOCAL_STEPS)) --out "$OUT/centralized-30"
evaluate centralized-30 --adapter "$OUT/centralized-30"

for split in iid dirichlet:0.5; do
  tag=${split%%:*}
  federated "fedavg-$tag" "$split" --save-client-updates
  federated "exact-$tag" "$split" --aggregation exact
  # DP: clip at the median norm of the FedAvg run's client updates, noise for epsilon 8 under this split's weights.
  read -r clip noise < <(python docs/results/federated_dp.py "$OUT/fedavg-$tag" --epsilon $EPSILON --delta $DELTA)
  federated "dp-$tag" "$split" --dp-noise "$noise" --dp-clip "$clip" --dp-delta $DELTA --dp-side client
done
echo "done: python docs/results/federated_report.py $OUT"
