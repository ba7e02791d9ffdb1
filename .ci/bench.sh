#!/usr/bin/env bash
# Prints the figures: browser bundle sizes (main module and lazy chunks), what a page really
# transfers (the customer widget page; each dashboard page, in Chromium), server cold start
# to first 200 on a fresh SQLite file (median of N runs), idle memory, the Team tab render, the log-in burst, and the Inbox
# benchmarks (list render, replies, webhook ingest, ingest→live). Needs a release build
# (.ci/build.sh).
# Usage: bash .ci/bench.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
bin=target/release/switchboard
wasm=target/site/pkg/switchboard_bg.wasm
[ -x "$bin" ] && [ -f "$wasm" ] || { echo "run bash .ci/build.sh first" >&2; exit 1; }

kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
for module in target/site/pkg/*.wasm; do
  echo "wasm $(basename "$module"): $(kb "$(stat -c %s "$module")") raw, $(kb "$(stat -c %s "$module.br")") brotli"
done

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

# What a first visit transfers, brotli-compressed as served: the customer's widget page
# (HTML + its CSS + its script, no WASM), and the dashboard's pages measured in Chromium —
# every file the page loads until hydrated, lazy wasm chunks included (end2end/first-load.js).
rm -rf "$tmp/data"
SWITCHBOARD_ADDR=127.0.0.1:$port DATABASE_URL="sqlite://$tmp/data/sb.db" RUST_LOG=warn "$bin" &
pid=$!
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)" = 200 ]; do sleep 0.05; done
base="http://127.0.0.1:$port"
jar="$tmp/cookies"
curl -s -c "$jar" -H 'sec-fetch-site: same-origin' -d 'name=Bench&email=bench%40example.com&password=correct+horse+battery' "$base/api/auth/sign-up" >/dev/null
demo=$(curl -s -b "$jar" -H 'sec-fetch-site: same-origin' -H 'accept: application/json' -X POST "$base/api/bots/create-demo" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).bot_id))')
widget=$(curl -s -b "$jar" -H 'sec-fetch-site: same-origin' -H 'accept: application/json' -d "bot_id=$demo" "$base/api/channels/list" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(v.channels.find(c=>c.kind==="widget").public_id)})')
curl -s "$base/chat/$widget" -o "$tmp/chat.html"
curl -s "$base/widget/chat.css" -o "$tmp/chat.css"
curl -s "$base/widget/chat.js" -o "$tmp/chat.js"
node -e '
  const fs = require("fs"), zlib = require("zlib");
  const br = (f) => zlib.brotliCompressSync(fs.readFileSync(f), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const [tmp] = process.argv.slice(1);
  const kb = (b) => (b / 1024).toFixed(1) + " KB";
  const widget = ["chat.html", "chat.css", "chat.js"].map((f) => br(`${tmp}/${f}`));
  const w = widget.reduce((a, b) => a + b, 0);
  console.log(`widget page first load (brotli): ${kb(w)} — HTML ${kb(widget[0])}, CSS ${kb(widget[1])}, JS ${kb(widget[2])}, no WASM (budget 120 KB)`);
' "$tmp"
conversation=$(curl -s -b "$jar" -H 'sec-fetch-site: same-origin' -H 'accept: application/json' \
  -d "bot_id=$demo&status=all&scope=everyone" "$base/api/inbox/list" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).rows[0].id))')
dashboard_pages=("bot list=/" "Inbox=/bots/$demo/inbox"
  "Inbox, a conversation open=/bots/$demo/inbox?status=all&scope=all&c=$conversation"
  "Inbox, a search=/bots/$demo/inbox?status=all&scope=all&q=order"
  "Team tab=/bots/$demo/team" "Teams=/bots/$demo/team/teams" "Audit log=/bots/$demo/team/audit"
  "Channels=/bots/$demo/channels" "Add-ons=/bots/$demo/addons" "Contacts=/bots/$demo/inbox/contacts" "Assignment=/bots/$demo/team/assignment")
echo "dashboard first loads in Chromium (brotli as served; budget 300 KB each, demo bot):"
(cd end2end && node first-load.js "$base" "$jar" "${dashboard_pages[@]}") | sed 's/^/  /'
# Firefox and Safari do not use compression dictionaries: they get the plain brotli packs.
echo "the same without compression dictionaries (what Firefox and Safari are sent):"
(cd end2end && FIRST_LOAD_NO_DICTIONARY=1 node first-load.js "$base" "$jar" "${dashboard_pages[@]}") | sed 's/^/  /'
kill "$pid"; wait "$pid" 2>/dev/null || true

echo
echo "Team tab SSR with 1,000 members (SQLite):"
cargo bench --locked -q -p switchboard --bench team_ssr 2>/dev/null | grep team_ssr

echo
echo "Log-in burst (release binary, SQLite; bar: RSS ≤ 200 MB after, ≥ 90% 200, no 5xx but 503):"
cargo bench --locked -q -p switchboard --bench login_burst 2>/dev/null | grep login_burst

echo
echo "Inbox (SQLite; bars: search p95 ≤ 100 ms over 1,000,000 messages, list p95 ≤ 50 ms at 100,000 conversations, reply p95 ≤ 20 ms with 8 agents,"
echo "  ingest ≥ 500/s with ack p99 ≤ 50 ms, ingest→live p99 ≤ 300 ms at 200/s with 200 agents):"
cargo bench --locked -q -p switchboard --bench inbox 2>/dev/null | grep -E '^(inbox_|webhook_|ingest_)'
pg="${SWITCHBOARD_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
if timeout 3 bash -c "</dev/tcp/127.0.0.1/5432" 2>/dev/null; then
  echo "Inbox on Postgres (bar: search p95 ≤ 100 ms over 1,000,000 messages; the rest for comparison):"
  SWITCHBOARD_TEST_POSTGRES="$pg" cargo bench --locked -q -p switchboard --bench inbox 2>/dev/null \
    | grep -E '^(inbox_|webhook_|ingest_)'
fi

echo
echo "Automatic assignment (bars: decision p99 ≤ 5 ms with 200 online agents and 10,000 waiting;"
echo "  10,000 waiting drained by 50 agents coming online at once within 10 s):"
cargo bench --locked -q -p switchboard --bench assignment 2>/dev/null | grep -E '^(assignment |queue drain)'
if timeout 3 bash -c "</dev/tcp/127.0.0.1/5432" 2>/dev/null; then
  SWITCHBOARD_TEST_POSTGRES="$pg" cargo bench --locked -q -p switchboard --bench assignment 2>/dev/null \
    | grep -E '^(assignment |queue drain)'
fi
