#!/bin/sh
# The machine's floor under the latency figures of docs/service.md: its own jitter on a fixed
# computation, and a 200-connection loopback fan-out from C. Build with the system's C compiler
# into target/machine (nothing here is part of the project's build or tests).
set -eu
cd "$(dirname "$0")"
out=../../target/machine
mkdir -p "$out"
cc -O2 -o "$out/jitter" jitter.c
cc -O2 -pthread -o "$out/fanout" fanout.c
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$out/jitter" 1500000   # about 3 ms, a busy loop iteration with a fan-out in it
"$out/jitter" 150000    # about 0.3 ms
"$out/fanout" 200
