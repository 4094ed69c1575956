#!/usr/bin/env bash
# Checks that the debug and the release build of simctl give the same trace hash for the same
# seed — for cluster experiments and for the simulator benchmark: different optimisation levels
# must not change what a simulated run does.
# Usage: scripts/check-determinism.sh [SEED...]   (default seeds: 1 7 42)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=("${@:-1 7 42}")
# shellcheck disable=SC2206
seeds=(${seeds[*]})

echo "building debug and release simctl..."
swift build --product simctl >/dev/null
swift build -c release --product simctl >/dev/null
debug=$(swift build --show-bin-path)/simctl
release=$(swift build -c release --show-bin-path)/simctl

hash_of() { # binary seed
  "$1" bench sim --nodes 200 --messages 100000 --runs 1 --seed "$2" | sed -n 's/.*trace \([0-9a-f]\{16\}\).*/\1/p'
}

run_hash_of() { # binary experiment seed
  "$1" run "$2" --seed "$3" | tail -1 | sed -n 's/.*trace=\([0-9a-f]\{16\}\).*/\1/p'
}

status=0
for experiment in Experiments/04-frontend-failover.json Experiments/10-chat-rooms.json \
                  Experiments/12-duplication-and-loss.json Experiments/13-chat-restart.json; do
  d=$(run_hash_of "$debug" "$experiment" 3)
  r=$(run_hash_of "$release" "$experiment" 3)
  if [[ -n "$d" && "$d" == "$r" ]]; then
    echo "$experiment seed 3: debug $d == release $r"
  else
    echo "$experiment seed 3: MISMATCH debug '$d' release '$r'" >&2
    status=1
  fi
done
for seed in "${seeds[@]}"; do
  d=$(hash_of "$debug" "$seed")
  r=$(hash_of "$release" "$seed")
  if [[ -n "$d" && "$d" == "$r" ]]; then
    echo "seed $seed: debug $d == release $r"
  else
    echo "seed $seed: MISMATCH debug '$d' release '$r'" >&2
    status=1
  fi
done
exit $status
