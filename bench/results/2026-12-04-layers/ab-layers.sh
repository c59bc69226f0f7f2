#!/bin/bash
# A/B of two ssehub binaries with one ssehub-bench: deliveries/s, CPU per delivery, RSS per
# subscriber; alternating A B A B ... REPS times. Usage: ab-layers.sh OLD NEW BENCH SUBS EVENTS REPS
set -eu
old=$1 new=$2 bench=$3 subs=${4:-5000} events=${5:-200} reps=${6:-5}
one() {
  local bin=$1 dir; dir=$(mktemp -d)
  "$bin" serve --listen 127.0.0.1:0 --state-dir "$dir" --max-subscribers 20000 2>"$dir/log" &
  local pid=$!
  for _ in $(seq 200); do grep -q 'listening on' "$dir/log" && break; sleep 0.05; done
  local port; port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/log" | head -1 | cut -d: -f2)
  "$bench" -u "http://127.0.0.1:$port/events" -n "$subs" -m "$events" --server-pid "$pid" --json -q |
    python3 -c 'import json,sys; r=json.load(sys.stdin); s=r["server"]; d=r["deliveries"]; print("%s %.0f %.3f %.0f %s" % (sys.argv[1], d["per_second"], s["cpu_us_per_delivery"], s["rss_per_subscriber_bytes"], r["ok"]))' "$4"
  kill $pid; wait $pid 2>/dev/null || true; rm -rf "$dir"
}
for i in $(seq "$reps"); do
  one "$old" x x old
  one "$new" x x new
done
