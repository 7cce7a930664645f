#!/usr/bin/env bash
# The demo: the echo firmware boots on the MPS2 AN385 (Cortex-M3) in QEMU,
# its LAN9118 Ethernet on a TAP device in a private network namespace, and
# the Linux kernel in that namespace pings it and sends it a UDP datagram,
# which comes back. Needs root (network namespaces); nothing leaves the
# namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: needs root for its network namespace; run it with sudo" >&2
  exit 1
fi
# Bazel 4 names the built file in its summary ("Target ... up-to-date:").
# A failed build (or no path found) must not end the script here through
# set -e: the build runs again below to show its error.
elf=$(bazel build //apps/echo:fw_mps2_an385_elf 2>&1 |
  grep -oE 'bazel-out/\S+/fw_mps2_an385\.elf' | head -n 1) || true
[ -n "$elf" ] || {
  bazel build //apps/echo:fw_mps2_an385_elf
  exit 1
}

ns=tern-demo-$$
log=$(mktemp)
qemu_pid=
cleanup() {
  set +e
  [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null && wait "$qemu_pid" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -f "$log"
}
trap cleanup EXIT
# Ctrl-C stops the demo (cleanup as above). Without these traps a Ctrl-C
# during the ping went on to the UDP step: ping catches SIGINT and exits
# with its own status (0 when replies came), so bash, seeing no child
# killed by the signal, carried on. A trap runs once the command in the
# foreground has returned.
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" ip tuntap add dev tap0 mode tap
ip netns exec "$ns" sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1
ip -n "$ns" addr add 192.0.2.2/24 dev tap0
ip -n "$ns" link set tap0 up

echo "=== booting the echo firmware on the MPS2 AN385 (QEMU, LAN9118 on tap0)"
ip netns exec "$ns" qemu-system-arm -M mps2-an385 -nographic -monitor none \
  -semihosting -kernel "$elf" \
  -netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
  -net nic,netdev=n0,model=lan9118 >"$log" 2>&1 &
qemu_pid=$!
for _ in $(seq 100); do
  grep -q listening "$log" && break
  sleep 0.1
done
sed 's/^/board| /' "$log"

echo "=== the kernel pings the board"
ip netns exec "$ns" ping -c 3 -i 0.3 192.0.2.15

echo "=== a UDP round trip from the kernel's socket to the board's port 7"
ip netns exec "$ns" /usr/bin/python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
msg = b"hello from the host, via tern on a Cortex-M3"
s.sendto(msg, ("192.0.2.15", 7))
data, peer = s.recvfrom(2048)
print("sent     %r" % msg)
print("received %r from %s:%d" % (data, peer[0], peer[1]))
raise SystemExit(0 if data == msg else 1)
PY
echo "=== demo done"
