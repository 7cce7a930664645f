#!/usr/bin/env bash
# Usage: callgrind_per_iter.sh BINARY [N1 N2 [EXTRA_ARG]]
# Prints the instructions one iteration of BINARY's loop costs: callgrind's
# total for N2 iterations minus that for N1, divided by N2 - N1. EXTRA_ARG
# is passed to the binary after the iteration count.
set -euo pipefail
bin=$1
n1=${2:-100000}
n2=${3:-200000}
extra=${4:-}
count() {
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" $extra \
    2>"$out" || true
  grep -o 'Collected : [0-9]*' "$out" | grep -o '[0-9]*$'
  rm -f "$out"
}
i1=$(count "$n1")
i2=$(count "$n2")
echo "$(basename "$bin") $extra: $(( (i2 - i1) / (n2 - n1) )) instructions" \
  "per iteration ($i1 for $n1, $i2 for $n2)"
