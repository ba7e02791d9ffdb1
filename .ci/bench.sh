#!/usr/bin/env bash
# Prints the figures: browser bundle sizes, server cold start to first 200 on a
# fresh SQLite file (median of N runs), and idle memory. Needs a release build (.ci/build.sh).
# Usage: bash .ci/bench.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
bin=target/release/switchboard
wasm=target/site/pkg/switchboard_bg.wasm
[ -x "$bin" ] && [ -f "$wasm" ] || { echo "run bash .ci/build.sh first" >&2; exit 1; }

kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
echo "wasm bundle: $(kb "$(stat -c %s "$wasm")") raw, $(kb "$(stat -c %s "$wasm.gz")") gzip, $(kb "$(stat -c %s "$wasm.br")") brotli"

port=3191
tmp=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
starts=()
for i in $(seq "$runs"); do
  rm -rf "$tmp/data"
  t0=$(date +%s%N)
  SWITCHBOARD_ADDR=127.0.0.1:$port DATABASE_URL="sqlite://$tmp/data/sb.db" RUST_LOG=warn "$bin" &
  pid=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" || true)" = 200 ]; do sleep 0.005; done
  t1=$(date +%s%N)
  starts+=($(( (t1 - t0) / 1000000 )))
  if [ "$i" = "$runs" ]; then
    sleep 5  # settle, then read idle memory of the last run
    rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
sorted=$(printf '%s\n' "${starts[@]}" | sort -n)
median=$(echo "$sorted" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "cold start to first 200 (fresh SQLite, migrations included): median ${median} ms over $runs runs [$(echo $sorted | tr ' ' ',')]"
echo "idle RSS after first page: $(( rss_kb / 1024 )) MB"

echo
echo "Team tab SSR with 1,000 members (SQLite):"
cargo bench --locked -q -p switchboard --bench team_ssr 2>/dev/null | grep team_ssr

echo
echo "Log-in burst (release binary, SQLite; bar: RSS ≤ 200 MB after, ≥ 90% 200, no 5xx but 503):"
cargo bench --locked -q -p switchboard --bench login_burst 2>/dev/null | grep login_burst
