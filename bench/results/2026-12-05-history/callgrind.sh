#!/bin/bash
# usage: E=<events> callgrind.sh VARIANT_ARGS...: the hub's user-space instruction total
# (callgrind) for E events published to 1 subscriber by ssehub-bench in wait mode.
set -eu
repo=$(cd "$(dirname "$0")/../../.." && pwd)
dir=$(mktemp -d)
valgrind --tool=callgrind --callgrind-out-file=$dir/cg.out $repo/build/ssehub serve --listen 127.0.0.1:0 --state-dir $dir "$@" 2>$dir/log &
pid=$!
for _ in $(seq 600); do grep -q 'listening on' $dir/log && break; sleep 0.1; done
port=$(grep -o 'listening on 127.0.0.1:[0-9]*' $dir/log | head -1 | cut -d: -f2)
$repo/build/bench/ssehub-bench -u http://127.0.0.1:$port/events -n 1 -m $E --json -q --event-timeout 60 > $dir/bench.json || true
kill $pid; wait $pid 2>/dev/null || true
python3 -c "import json;d=json.load(open('$dir/bench.json'))['deliveries'];print('delivered',d['delivered'],'lost',d['lost'])"
grep -h "^summary\|^totals" $dir/cg.out | head -1
rm -rf $dir
