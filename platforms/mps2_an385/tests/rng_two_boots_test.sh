#!/usr/bin/env bash
# Boots the RNG test firmware twice in QEMU and checks that the first
# outputs differ: the seed really comes from timing that varies between
# boots, not from anything fixed in the image or the board model.
set -u
elf="$1"
first() {
  timeout -k 5 30 qemu-system-arm -M mps2-an385 -nographic -monitor none \
    -semihosting -serial stdio -kernel "$elf" </dev/null |
    tr -d '\r' | grep -E '^rng: first ' || true
}
a="$(first)"
b="$(first)"
echo "boot 1: $a"
echo "boot 2: $b"
if [ -z "$a" ] || [ -z "$b" ]; then
  echo "rng_two_boots_test: the firmware printed no output line" >&2
  exit 1
fi
if [ "$a" = "$b" ]; then
  echo "rng_two_boots_test: two boots gave the same first output" >&2
  exit 1
fi
echo "rng_two_boots_test: the boots differ"
