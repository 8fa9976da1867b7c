#!/bin/bash
# make demo: every g6 plugin on the built-in mock market.
#
# Starts g6-mockd (the local Kite stand-in, synthetic market on the real
# clock) and collectd in the foreground with g6_info, g6_chain collecting
# all five indices every 10 s (ForceOpen: the mock market never closes;
# KeepSnapshots, for g6 replay), g6_analytics on its snapshots, g6_panels
# writing the panels (see `g6 summary`), g6_retention scanning the data
# directory every 30 s (pruning off), the host totals of the generated
# aggregation snippet, write_prometheus on 127.0.0.1:$DEMO_PORT and rrdtool.
# Prints where to look, then runs until Ctrl-C, or for DEMO_SECONDS seconds:
# then it stops collectd, draws the RRD graphs (g6 rrdgraph) and prints a
# summary (series exported, CSV rows, panels verified, graphs rendered,
# panel files g6_retention counted, errors and warnings g6 logged).
#
# Everything lives under $DEMO_DIR (default build/demo), emptied at the
# start: a DEMO_DIR another demo still runs in (its demo.pid or collectd.pid
# names a live demo or collectd) stops it at once with a message, and so
# does a port that is taken (DEMO_PORT, default 9103; DEMO_MOCK_PORT,
# default 8765); a second demo needs its own DEMO_DIR and both ports. Every
# wait is bounded; both processes are stopped by PID.
set -eu
ROOT=${G6_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
B=${G6_BUILD:-$ROOT/build}
D=${DEMO_DIR:-$B/demo}
# collectd runs with BaseDir "$D" and chdirs there, so every path the demo
# writes into its configuration must be absolute: a relative DEMO_DIR (the
# README's `DEMO_DIR=build/demo-2`) is taken from the directory make runs in
case "$D" in
  /*) ;;
  *) D=$PWD/$D ;;
esac
PORT=${DEMO_PORT:-9103}
MOCK_PORT=${DEMO_MOCK_PORT:-8765}
SECONDS_=${DEMO_SECONDS:-}

say() { echo "g6 demo: $*"; }
die() { echo "g6 demo: $*" >&2; exit 1; }

case "$SECONDS_" in
  ''|[1-9]|[1-9][0-9]|[1-9][0-9][0-9]|[1-9][0-9][0-9][0-9]) ;;
  *) die "DEMO_SECONDS=\"$SECONDS_\": allowed: a whole number of seconds from 1 to 9999" ;;
esac
for p in "$PORT:DEMO_PORT" "$MOCK_PORT:DEMO_MOCK_PORT"; do
  case "${p%%:*}" in
    ''|*[!0-9]*) die "${p#*:}=\"${p%%:*}\": allowed: a TCP port number" ;;
  esac
done
# a DEMO_DIR another demo runs in is not ours to empty: the demo's own PID
# (demo.pid) and its collectd's (collectd.pid, which outlives a demo killed
# with SIGKILL), each only while that process
# is alive and is a demo or a collectd (a stale file, or a PID since reused,
# does not count); nothing is killed
in_use_by() {
  local f=$1 what=$2 pid cmd
  [ -f "$D/$f" ] || return 1
  pid=$(tr -dc 0-9 < "$D/$f" 2>/dev/null | head -c 10)
  [ -n "$pid" ] && [ "$pid" != "$$" ] && [ -d "/proc/$pid" ] || return 1
  cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
  case "$cmd" in *"$what"*) echo "$pid"; return 0 ;; esac
  return 1
}
for lock in "demo.pid:demo.sh:the demo" "collectd.pid:collectd:the demo's collectd"; do
  f=${lock%%:*}
  rest=${lock#*:}
  if pid=$(in_use_by "$f" "${rest%%:*}"); then
    die "DEMO_DIR=$D is in use by another demo (${rest#*:}, PID $pid, $D/$f):" \
        "stop that one (Ctrl-C) or give this one its own directory and ports:" \
        "DEMO_DIR=${D%/}-2 DEMO_PORT=$((PORT + 10)) DEMO_MOCK_PORT=$((MOCK_PORT + 10)) make demo"
  fi
done

# a port someone else listens on would leave collectd without /metrics (or
# the mock unreachable) and the demo waiting: refuse at once
port_free() {
  python3 -c 'import socket,sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError as e:
    sys.exit(1)' "$1"
}
for p in "$PORT:DEMO_PORT:write_prometheus' /metrics" \
         "$MOCK_PORT:DEMO_MOCK_PORT:g6-mockd, the mock Kite API"; do
  n=${p%%:*}
  var=${p#*:}
  what=${var#*:}
  var=${var%%:*}
  port_free "$n" || die "port $n on 127.0.0.1 ($var, for $what) is in use; stop what holds it or choose another: $var=$((n + 10)) make demo (if another demo holds it, give this one its own DEMO_DIR too, e.g. DEMO_DIR=${D%/}-2; DEMO_DIR is $D)"
done
[ "$PORT" != "$MOCK_PORT" ] || die "DEMO_PORT and DEMO_MOCK_PORT are both $PORT"

rm -rf "$D" && mkdir -p "$D/plugins" "$D/rrd" "$D/data" "$D/panels"
echo $$ > "$D/demo.pid"
cp "$B"/plugins/*.so "$D/plugins/"
# the mock's demo credentials, in files only this user may read
umask 077
echo g6demo > "$D/kite.key"
echo g6demo-token > "$D/kite.token"
umask 022

mock=
cd_pid=
cleanup() {
  [ -n "$cd_pid" ] && kill "$cd_pid" 2>/dev/null && wait "$cd_pid" 2>/dev/null
  [ -n "$cd_pid" ] && rm -f "$D/collectd.pid"
  [ -n "$mock" ] && kill "$mock" 2>/dev/null && wait "$mock" 2>/dev/null
  rm -f "$D/demo.pid"
  true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$B/g6-mockd" --port "$MOCK_PORT" > "$D/g6-mockd.log" 2>&1 &
mock=$!
for _ in $(seq 50); do
  grep -q "listening" "$D/g6-mockd.log" 2>/dev/null && break
  kill -0 "$mock" 2>/dev/null || { cat "$D/g6-mockd.log" >&2; die "g6-mockd did not start"; }
  sleep 0.1
done
grep -q "listening" "$D/g6-mockd.log" || die "g6-mockd did not listen within 5 s ($D/g6-mockd.log)"

indices=""
for ix in NIFTY BANKNIFTY FINNIFTY MIDCPNIFTY SENSEX; do
  case $ix in
    NIFTY|SENSEX) exp='"this_week" "next_week" "this_month" "next_month"' ;;
    *) exp='"this_month" "next_month"' ;;
  esac
  indices+="  <Index \"$ix\">
    StrikesBelowATM 10
    StrikesAboveATM 10
    Expiry $exp
    Interval 10
  </Index>
"
done

cat > "$D/collectd.conf" <<CONF
Hostname "g6-demo"
FQDNLookup false
BaseDir "$D"
PIDFile "$D/collectd.pid"
Interval 10
TypesDB "/usr/share/collectd/types.db" "$ROOT/types.db"
PluginDir "/usr/lib/collectd"
LoadPlugin logfile
<Plugin logfile>
  LogLevel "info"
  File "$D/collectd.log"
  Timestamp true
  PrintSeverity true
</Plugin>
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$PORT"
  StalenessDelta 30
</Plugin>
LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "$D/rrd"
</Plugin>
# the host totals, as shipped (conf.d/g6_aggregation.conf, Interval 10)
Include "$ROOT/conf.d/g6_aggregation.conf"
PluginDir "$D/plugins"
LoadPlugin g6_info
LoadPlugin g6_chain
LoadPlugin g6_analytics
<Plugin g6_analytics>
  DataDir "$D/data"
</Plugin>
LoadPlugin g6_panels
<Plugin g6_panels>
  PanelsDir "$D/panels"
  FlushInterval 5
  IntegrityInterval 30
  MetricsURL "http://127.0.0.1:$PORT/metrics"
</Plugin>
<Plugin g6_chain>
  DataDir "$D/data"
  CalendarDir "$ROOT/calendars"
  ForceOpen true
  KeepSnapshots true
  <Provider "kite">
    URL "http://127.0.0.1:$MOCK_PORT"
    APIKeyFile "$D/kite.key"
    AccessTokenFile "$D/kite.token"
    QuoteRequestsPerSecond 5
    QuoteBurst 5
  </Provider>
$indices</Plugin>
LoadPlugin g6_retention
<Plugin g6_retention>
  DataDir "$D/data"
  PanelsDir "$D/panels"
  ScanInterval 30
</Plugin>
CONF

# make check-asan runs this with plugins built with ASan/UBSan: their
# runtimes must be loaded first (G6_SANITIZE, as tests/lib/g6test.py does).
# collectd opens -C FILE through wordexp(3), which splits a path at white
# space (DEMO_DIR="build/demo x" read every file under build/demo as its
# configuration): it is given the name relative to DEMO_DIR, its directory
# at start (the paths in the file are quoted, whole)
if [ -n "${G6_SANITIZE:-}" ]; then
  (cd "$D" && LD_PRELOAD="$G6_SANITIZE" ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 \
    exec /usr/sbin/collectd -f -C ./collectd.conf) > "$D/collectd.out" 2>&1 &
else
  (cd "$D" && exec /usr/sbin/collectd -f -C ./collectd.conf) > "$D/collectd.out" 2>&1 &
fi
cd_pid=$!
# collectd -f writes no PIDFile: the demo does, for the DEMO_DIR check above
echo "$cd_pid" > "$D/collectd.pid"
for _ in $(seq 150); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/metrics" && break
  kill -0 "$cd_pid" 2>/dev/null || break
  sleep 0.2
done
if ! curl -sf -o /dev/null "http://127.0.0.1:$PORT/metrics"; then
  tail -20 "$D/collectd.log" "$D/collectd.out" >&2 2>/dev/null || true
  die "collectd did not serve http://127.0.0.1:$PORT/metrics within 30 s (log above: $D/collectd.log)"
fi

say "mock Kite API (g6-mockd):  http://127.0.0.1:$MOCK_PORT"
say "metrics (write_prometheus): http://127.0.0.1:$PORT/metrics"
say "CSV files and snapshots:    $D/data  (g6 replay $D/data/snapshots/NIFTY)"
say "panels:                     $D/panels  ($B/g6 summary --panels-dir $D/panels)"
say "RRD files:                  $D/rrd/g6-demo  (graphs: $B/g6 rrdgraph --rrd-dir $D/rrd --out $D/graphs)"
say "collectd's log:             $D/collectd.log"
say "Prometheus and Grafana:     $ROOT/prometheus/scrape.yml, rules.yml, alerts.yml; $ROOT/grafana/"

if [ -z "$SECONDS_" ]; then
  say "running; Ctrl-C stops it"
  wait "$cd_pid"
  exit 0
fi

say "running for ${SECONDS_} s"
sleep "$SECONDS_"
metrics=$(curl -sf "http://127.0.0.1:$PORT/metrics" || true)
kill "$cd_pid" 2>/dev/null && wait "$cd_pid" 2>/dev/null || true
cd_pid=
rm -f "$D/collectd.pid"

echo "--- after ${SECONDS_} s:"
echo "$metrics" | grep -E '^collectd_g6_(index_(spot_points|atm_iv_ratio)\{g6_index="NIFTY",type="this_week"|host_collected_legs|build_info)' || true
echo "$metrics" | grep -E '^collectd_g6_index_spot_points' || true
echo "--- g6 summary --once:"
"$B/g6" summary --panels-dir "$D/panels" --once || true
echo "--- g6 rrdgraph:"
graphs_out=$("$B/g6" rrdgraph --rrd-dir "$D/rrd" --out "$D/graphs" \
               --since "$((SECONDS_ + 60))s" 2>&1) || true
echo "$graphs_out" | tail -1

series=$(echo "$metrics" | grep -c '^collectd_g6_' || true)
csv_files=$(find "$D/data" -name '*.csv' | wc -l)
csv_rows=0
while IFS= read -r f; do
  n=$(wc -l < "$f")
  csv_rows=$((csv_rows + n - 1))
done < <(find "$D/data" -name '*.csv')
if integrity=$("$B/g6" integrity --strict --panels-dir "$D/panels" 2>&1); then
  n_panels=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["hashes"]))' \
             "$D/panels/manifest.json" 2>/dev/null || echo 0)
  panels="$n_panels panel files match manifest.json ($integrity)"
else
  panels="NOT verified: $integrity"
fi
graphs=$(echo "$graphs_out" | sed -n 's/^g6 rrdgraph: \([0-9]*\) graph.*/\1/p')
# what g6_retention counted in the panels directory at its last scan (a
# number; nan means it watches a directory g6_panels does not write)
counted=$(echo "$metrics" | sed -n 's/^collectd_g6_retention_data_files{[^}]*type="panels"[^}]*} \([^ ]*\).*/\1/p' | head -1)
g6_errors=$(grep -c '^\[[^]]*\] \[error\] g6' "$D/collectd.log" || true)
g6_warnings=$(grep -c '^\[[^]]*\] \[warning\] g6' "$D/collectd.log" || true)

echo "--- summary:"
echo "series exported:  ${series} collectd_g6_* series on /metrics"
echo "CSV rows:         ${csv_rows} in ${csv_files} files under $D/data"
echo "panels verified:  ${panels}"
echo "graphs rendered:  ${graphs:-0} PNG files in $D/graphs (index.html)"
echo "panels counted:   ${counted:-none} files in $D/panels by g6_retention's last scan"
echo "g6 log:           ${g6_errors} errors, ${g6_warnings} warnings from g6 plugins in $D/collectd.log"
