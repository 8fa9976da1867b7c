#!/bin/bash
# Quote-parsing throughput of libg6's streaming parser vs. `curl` + `jq` on
# the same recorded 500-instrument /quote response (from g6-mockd with a
# frozen clock, so the file is the same on every run). Prints the ratio.
set -eu
B=${G6_BUILD:-build}
OUT=$B/bench
mkdir -p "$OUT"
F=$OUT/quote500.json
JQ_RUNS=${JQ_RUNS:-20}

if [ ! -s "$F" ]; then
  "$B/g6-mockd" --port 0 --clock 1763700000 > "$OUT/mockd.out" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
  for _ in $(seq 50); do
    port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$OUT/mockd.out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  H=(-H 'X-Kite-Version: 3' -H 'Authorization: token g6demo:g6demo-token')
  args=()
  while read -r key; do args+=(--data-urlencode "i=$key"); done < <(
    curl -s "${H[@]}" "http://127.0.0.1:$port/instruments" |
      awk -F, '$11 == "NFO-OPT" && $3 ~ /^NIFTY/ { print "NFO:" $3 }' | head -500)
  curl -s -G "${H[@]}" "${args[@]}" "http://127.0.0.1:$port/quote" > "$F"
  kill $pid; wait $pid 2>/dev/null || true
  trap - EXIT
fi

read -r n iters per_parse g6_qps < <("$B/bench/bench_quotes" "$F" 2)
# the same parser held to its yajl path (what every body took before the
# simdjson fast path, and what it still takes when the fast path gives up)
read -r _ _ yajl_per yajl_qps < <("$B/bench/bench_quotes" "$F" 2 yajl)
# the reference: curl reads the file, jq extracts the same fields
JQ='.data | to_entries[] | [.key, .value.last_price, .value.volume,
    .value.oi, .value.average_price, .value.ohlc.open, .value.ohlc.high,
    .value.ohlc.low, .value.ohlc.close, .value.buy_quantity,
    .value.sell_quantity, ([.value.depth.buy[].quantity] | add),
    ([.value.depth.sell[].quantity] | add)]'
start=$(date +%s.%N)
for _ in $(seq "$JQ_RUNS"); do
  curl -s "file://$(realpath "$F")" | jq -c "$JQ" > /dev/null
done
end=$(date +%s.%N)
awk -v n="$n" -v runs="$JQ_RUNS" -v s="$start" -v e="$end" \
    -v g6="$g6_qps" -v per="$per_parse" -v yq="$yajl_qps" -v yper="$yajl_per" \
    -v bytes="$(stat -c %s "$F")" 'BEGIN {
  jq_per = (e - s) / runs; jq_qps = n / jq_per;
  printf "quotes bench: %d-instrument /quote response, %d bytes\n", n, bytes;
  printf "  g6_quote_parse (simdjson, yajl as judge): %.3f ms per response, %.0f quotes/s\n", per * 1000, g6;
  printf "  g6_quote_parse_reference (yajl only):     %.3f ms per response, %.0f quotes/s\n", yper * 1000, yq;
  printf "  curl + jq (reference):                    %.3f ms per response, %.0f quotes/s\n", jq_per * 1000, jq_qps;
  printf "  ratio g6 / (curl + jq): %.1fx; g6 / yajl only: %.1fx\n", g6 / jq_qps, g6 / yq;
}'
