#!/bin/bash
# make demo: the main job on the built-in mock market.
#
# Starts g6-mockd (the local Kite stand-in, synthetic market on the real
# clock) and collectd in the foreground with g6_info, g6_chain collecting
# all five indices every 10 s (ForceOpen: the mock market never closes;
# KeepSnapshots, for g6 replay), g6_analytics on its snapshots,
# g6_panels writing the panels to build/demo/panels (see `g6 summary`),
# g6_retention scanning the data directory every 30 s (pruning off),
# write_prometheus on 127.0.0.1:$DEMO_PORT and rrdtool. Runs until Ctrl-C, or
# for DEMO_SECONDS seconds, then prints what it collected. Everything lives
# under build/demo/; both processes are stopped by PID.
set -eu
ROOT=${G6_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
B=${G6_BUILD:-$ROOT/build}
D=$B/demo
PORT=${DEMO_PORT:-9103}
MOCK_PORT=${DEMO_MOCK_PORT:-8765}
rm -rf "$D" && mkdir -p "$D/plugins" "$D/rrd" "$D/data"
cp "$B"/plugins/*.so "$D/plugins/"
# the mock's demo credentials, in files only this user may read
umask 077
echo g6demo > "$D/kite.key"
echo g6demo-token > "$D/kite.token"
umask 022

"$B/g6-mockd" --port "$MOCK_PORT" > "$D/g6-mockd.log" 2>&1 &
mock=$!
cd_pid=
cleanup() {
  [ -n "$cd_pid" ] && kill "$cd_pid" 2>/dev/null && wait "$cd_pid" 2>/dev/null
  kill "$mock" 2>/dev/null && wait "$mock" 2>/dev/null
  true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for _ in $(seq 50); do
  grep -q "listening" "$D/g6-mockd.log" 2>/dev/null && break
  kill -0 "$mock" 2>/dev/null || { cat "$D/g6-mockd.log"; exit 1; }
  sleep 0.1
done

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
  File STDOUT
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
  ScanInterval 30
</Plugin>
CONF

echo "g6 demo: mock Kite API on http://127.0.0.1:$MOCK_PORT (g6-mockd)"
echo "g6 demo: metrics on http://127.0.0.1:$PORT/metrics; CSV, snapshots under $D/data"
echo "g6 demo: panels under $D/panels; watch them with: $B/g6 summary --panels-dir $D/panels"
/usr/sbin/collectd -f -C "$D/collectd.conf" &
cd_pid=$!
if [ -n "${DEMO_SECONDS:-}" ]; then
  sleep "$DEMO_SECONDS"
  echo "--- after ${DEMO_SECONDS}s:"
  curl -s "http://127.0.0.1:$PORT/metrics" |
    grep -E '^collectd_g6_(index_(spot_points|chain_status|atm_iv_ratio|risk_reversal_25d_ratio)|build_info|retention_data_files)' || true
  echo "--- files:"
  (cd "$D/data" && find . -name '*.csv' | sort | head -12 && echo "  ($(find . -name '*.csv' | wc -l) CSV files)")
  echo "--- NIFTY overview:"
  cat "$D"/data/overview/NIFTY/*.csv 2>/dev/null || true
  echo "--- g6 replay of the NIFTY snapshots kept:"
  "$B/g6" replay "$D/data/snapshots/NIFTY" 2>&1 | cut -d, -f1-3,8,12-14,18,21 | head -9 || true
  echo "--- g6 summary --once:"
  "$B/g6" summary --panels-dir "$D/panels" --once || true
else
  wait "$cd_pid"
fi
