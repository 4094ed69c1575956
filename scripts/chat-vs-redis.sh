#!/bin/bash
# chat-vs-redis.sh PAIRS [SIMCTL] [extra load-generator args...]
# Issue 13's side-by-side measurement: PAIRS times, a fresh `simctl chat-server` then a fresh
# `redis-server`, each under the same load (R=10, M=10, K=12000, 64-byte lines, window 8), and
# prints each server's CPU per delivery (µs, utime+stime from /proc over the measured phase),
# the ratio per pair and the medians. Needs ../shared/bench/chatload and redis-server.
# Runs on 127.0.0.1 with a random port block; also prints each server's whole-run CPU from
# /proc/PID/task/*/schedstat (ns) and that ratio. SHAPE overrides the load's shape.
set -u
PAIRS=${1:-5}; SIMCTL=${2:-.build/release/simctl}; shift 2 2>/dev/null || shift $#
LOAD=${CHATLOAD:-$(cd "$(dirname "$0")/.." && pwd)/../shared/bench/chatload}
SHAPE=${SHAPE:--R 10 -M 10 -K 12000 -B 64 -W 8}
EXTRA=("$@")
OUT=$(mktemp /tmp/chat-vs-redis.XXXXXX.jsonl)
PORT=$((20000 + RANDOM % 20000))
one() {  # kind
  PORT=$((PORT + 1))
  local kind=$1
  if [ "$kind" = chat ]; then
    "$SIMCTL" chat-server --port "$PORT" >/dev/null 2>&1 &
  else
    redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --databases 1 >/dev/null 2>&1 &
  fi
  local spid=$!
  for _ in $(seq 1 100); do ss -ltnH "sport = :$PORT" | grep -q . && break; sleep 0.05; done
  if [ "$kind" = chat ]; then
    python3 "$LOAD/chatload.py" --port "$PORT" --format json $SHAPE --server-pid $spid --json-out "$OUT" --note chat "${EXTRA[@]}" | tail -1
  else
    python3 "$LOAD/redisload.py" --port "$PORT" $SHAPE --server-pid $spid --json-out "$OUT" --note redis "${EXTRA[@]}" | tail -1
  fi
  # The server's whole-run CPU (all threads, ns, setup included) from the scheduler's accounting.
  local ns=$(cat /proc/$spid/task/*/schedstat 2>/dev/null | awk '{s += $1} END {print s + 0}')
  echo "{\"kind\": \"$kind\", \"cpu_ns\": $ns}" >> "$OUT.ns"
  kill -TERM $spid 2>/dev/null; wait $spid 2>/dev/null
}
for _ in $(seq 1 "$PAIRS"); do one chat; one redis; done
python3 - "$OUT" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
ns = [json.loads(l) for l in open(sys.argv[1] + '.ns')]
def us(r):
    d = r.get('deliveries') or r['R'] * r['K'] * (r['M'] - 1)
    return r['server_cores'] * r['wall_s'] / d * 1e6
chat = [r for r in rows if r.get('note') == 'chat']; red = [r for r in rows if r.get('note') == 'redis']
ratios = [us(c) / us(r) for c, r in zip(chat, red)]
f = lambda xs: ', '.join(f'{x:.3f}' for x in xs)
print('chat  µs/delivery:', f(map(us, chat)), ' p99 ms:', ', '.join(str(r.get('p99_ms')) for r in chat))
print('redis µs/delivery:', f(map(us, red)), ' p99 ms:', ', '.join(str(r.get('p99_ms')) for r in red))
print('ratio per pair   :', f(ratios))
print('other cores      :', f(r.get('other_cores', 0) for r in rows))
r0 = rows[0]; dels = r0['R'] * r0['K'] * (r0['M'] - 1)
cn = [n['cpu_ns'] / dels / 1e3 for n in ns if n['kind'] == 'chat']; rn = [n['cpu_ns'] / dels / 1e3 for n in ns if n['kind'] == 'redis']
nr = [c / r for c, r in zip(cn, rn) if c > 0 and r > 0]  # 0: the run failed (its server was gone)
print('whole-run CPU µs/delivery (schedstat): chat', f(cn), ' redis', f(rn), ' ratio', f(nr),
      f' median ratio {statistics.median(nr):.3f}')
print(f'median chat {statistics.median(map(us, chat)):.3f} redis {statistics.median(map(us, red)):.3f} ratio {statistics.median(ratios):.3f}')
PY
echo "raw: $OUT"
