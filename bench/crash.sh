#!/usr/bin/env bash
# The crash test at length: SIGKILL/restart cycles against the release binary (default 100;
# CI runs 20 in debug). `bench/crash.sh 300` runs 300; SANDBANK_CRASH_SEED=N replays a run's
# kill timing (every run prints its seed).
set -euo pipefail
cd "$(dirname "$0")/.."
export SANDBANK_CRASH_CYCLES="${1:-100}"
export CARGO_INCREMENTAL=0
exec cargo test --release -p sandbank --test it -- \
    crash::acknowledged_keyed_writes_survive_sigkill_exactly_once_and_replay --exact --nocapture
