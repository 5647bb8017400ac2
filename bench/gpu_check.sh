#!/usr/bin/env bash
# Every GPU path checked in one command, one table at the end (bench/gpu_check.py says what runs):
#   bash bench/gpu_check.sh [--json OUT]    on a machine with an NVIDIA GPU, under 10 minutes
#   bash bench/gpu_check.sh --dry-run       the same steps on CPU with a tiny random Llama (run by the test suite)
# PYTHON picks the interpreter (default: the repository's .venv, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
exec "$python" bench/gpu_check.py "$@"
