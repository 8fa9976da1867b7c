#!/bin/bash
# Every undefined symbol of every g6 plugin must be exported by the collectd
# binary or by a library the plugin links (DESIGN §3): headers ship functions
# (latency_*, format_json_*) the binary does not export, which link fine and
# then fail at LoadPlugin. -Wl,--no-undefined cannot catch this for plugins.
set -u
B=${G6_BUILD:?run from make check}
COLLECTD=/usr/sbin/collectd
plugins=("$B"/plugins/*.so)
if [ ! -e "${plugins[0]}" ]; then
  echo "1..0 # SKIP no plugins built"
  exit 0
fi
echo "1..${#plugins[@]}"
defined_by() { nm -D --defined-only "$1" 2>/dev/null | awk '{print $3}' | sed 's/@.*//'; }
n=0
for so in "${plugins[@]}"; do
  n=$((n + 1))
  provided=$(mktemp)
  {
    defined_by "$COLLECTD"
    # libraries the plugin itself pulls in (DT_NEEDED, resolved by the
    # loader), and the loader itself (__tls_get_addr, for thread_local)
    ldd "$so" | awk '/=> \// {print $3} $1 ~ /^\// {print $1}' |
      while read -r lib; do defined_by "$lib"; done
  } | sort -u > "$provided"
  missing=$(nm -D --undefined-only "$so" | awk '$1 == "U" {print $2}' | sed 's/@.*//' |
            sort -u | comm -23 - "$provided")
  rm -f "$provided"
  if [ -z "$missing" ]; then
    echo "ok $n - $(basename "$so"): every undefined symbol is provided"
  else
    echo "not ok $n - $(basename "$so"): symbols nobody provides"
    echo "$missing" | sed 's/^/#   /'
  fi
done
