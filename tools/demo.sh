#!/bin/bash
# make demo: run collectd in the foreground with the g6 plugins, against the
# built-in mock market (g6-mockd) when it is built, until Ctrl-C (or for
# DEMO_SECONDS seconds). Everything lives under build/demo/.
set -eu
ROOT=${G6_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
B=${G6_BUILD:-$ROOT/build}
D=$B/demo
PORT=${DEMO_PORT:-9103}
rm -rf "$D" && mkdir -p "$D/plugins" "$D/rrd"
cp "$B"/plugins/*.so "$D/plugins/"
cat > "$D/collectd.conf" <<CONF
Hostname "g6-demo"
FQDNLookup false
BaseDir "$D"
PIDFile "$D/collectd.pid"
Interval 5
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
  StalenessDelta 10
</Plugin>
LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "$D/rrd"
</Plugin>
PluginDir "$D/plugins"
LoadPlugin g6_info
CONF
echo "g6 demo: metrics on http://127.0.0.1:$PORT/metrics, files in $D"
/usr/sbin/collectd -f -C "$D/collectd.conf" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT INT TERM
if [ -n "${DEMO_SECONDS:-}" ]; then
  sleep "$DEMO_SECONDS"
  curl -s "http://127.0.0.1:$PORT/metrics" | grep '^collectd_g6' || true
else
  wait "$pid"
fi
