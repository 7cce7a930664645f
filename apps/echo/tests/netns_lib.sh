# Helpers for the interop tests: a private network namespace per test, the
# program under test started inside it, and clean-up of both on exit.
# Only loopback and the test's own namespace carry traffic.

# Where the test keeps its logs and captures (kept by Bazel).
OUT="${TEST_UNDECLARED_OUTPUTS_DIR:-$(mktemp -d)}"
mkdir -p "$OUT"
NS="tern-$(basename "$0" .sh)-$$"
PIDS=()

require_root() {
  if [ "$(id -u)" -ne 0 ] || [ ! -e /dev/net/tun ]; then
    echo "SKIP: this test needs root and /dev/net/tun (network namespaces, TAP)"
    exit 0
  fi
}

cleanup() {
  set +e
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null
  done
  for p in "${PIDS[@]}"; do
    wait "$p" 2>/dev/null
  done
  # Whatever they left in the namespace (socat's per-connection children,
  # which outlive a killed parent while their connection is open) would
  # outlive it: ip netns del only removes its name. SIGTERM, then SIGKILL
  # what is still there after 2 s.
  local left _
  left=$(ip netns pids "$NS" 2>/dev/null)
  if [ -n "$left" ]; then
    kill $left 2>/dev/null
    for _ in $(seq 20); do
      left=$(ip netns pids "$NS" 2>/dev/null)
      [ -n "$left" ] || break
      sleep 0.1
    done
    [ -z "$left" ] || kill -9 $left 2>/dev/null
  fi
  ip netns del "$NS" 2>/dev/null
}

ns_setup() {
  trap cleanup EXIT
  ip netns add "$NS"
  ip -n "$NS" link set lo up
}

nsx() { ip netns exec "$NS" "$@"; }

# Makes TAP device $1 in the namespace, IPv4 only (no IPv6 chatter in the
# captures), with the kernel's addresses $2... (A.B.C.D/P), and sets it up.
ns_tap() {
  local dev=$1 a
  shift
  nsx ip tuntap add dev "$dev" mode tap
  nsx sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
  for a in "$@"; do
    nsx ip addr add "$a" dev "$dev"
  done
  nsx ip link set "$dev" up
}

# Starts a background process inside the namespace; its output goes to
# $OUT/$1.log.
ns_start() {
  local name=$1
  shift
  ip netns exec "$NS" "$@" >"$OUT/$name.log" 2>&1 &
  PIDS+=($!)
}

# Waits up to $2 seconds for a line matching $3 in $OUT/$1.log.
wait_for_log() {
  local name=$1 secs=$2 pattern=$3
  for _ in $(seq $((secs * 10))); do
    if grep -qE -- "$pattern" "$OUT/$name.log" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "FAIL: $name never printed /$pattern/; its log:" >&2
  cat "$OUT/$name.log" >&2
  return 1
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A UDP round trip with the kernel's socket API: sends $3 bytes of random
# data from the namespace to $1:$2 and checks the same bytes come back.
udp_roundtrip() {
  nsx /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import os, socket, sys
host, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
data = os.urandom(size)
for attempt in range(3):
    s.sendto(data, (host, port))
    try:
        got, peer = s.recvfrom(65535)
    except socket.timeout:
        continue
    if got != data or peer != (host, port):
        sys.exit("udp: wrong echo from %s: %d bytes" % (peer, len(got)))
    print("udp: %d bytes echoed by %s:%d" % (size, host, port))
    sys.exit(0)
sys.exit("udp: no echo from %s:%d" % (host, port))
PY
}

# Sends a datagram to a closed port and expects the kernel to report the
# ICMP port unreachable as ECONNREFUSED.
udp_refused() {
  nsx /usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((host, port))
s.send(b"anyone there?")
try:
    s.recv(100)
except ConnectionRefusedError:
    print("udp: %s:%d refused (ICMP port unreachable)" % (host, port))
    sys.exit(0)
except socket.timeout:
    sys.exit("udp: no port unreachable from %s:%d" % (host, port))
sys.exit("udp: unexpected answer from %s:%d" % (host, port))
PY
}

# A TCP echo round trip with the kernel's socket API: $2 random bytes sent
# to $1 port $3 (default 7) while reading, then our FIN; every byte must
# come back (same SHA-256), then the server's FIN.
tcp_echo_sha() {
  nsx timeout 120 /usr/bin/python3 - "$1" "$2" "${3:-7}" <<'PY'
import hashlib, os, socket, sys, threading
host, size, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = os.urandom(size)
s = socket.create_connection((host, port), timeout=30)
def send():
    # In pieces: the socket's timeout bounds each sendall, not the whole
    # transfer (a lossy 16 MB takes longer than 30 s).
    for i in range(0, size, 65536):
        s.sendall(data[i:i + 65536])
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send)
t.start()
got = bytearray()
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
t.join()
want, have = hashlib.sha256(data).hexdigest(), hashlib.sha256(got).hexdigest()
if want != have:
    sys.exit("tcp: %d of %d bytes back, sha256 %s, sent %s" % (len(got), size, have, want))
print("tcp: %d bytes echoed by %s, sha256 %s" % (size, host, have))
PY
}

# Checks a capture with tshark: it has packets, and none is malformed or
# has a bad checksum. The payloads of echo (7), discard (9) and bulk
# (5000-5099) are decoded as plain data: they carry random or patterned
# bytes, which a heuristic dissector may take for its protocol and call
# malformed (Thrift did, on discard's). UDP's echo and discard too: the
# other end's port is an ephemeral one, which may be another protocol's
# (47000 is HCrt's: a clean-run echo datagram from such a port was
# "malformed HCrt"). Other ports keep their dissectors, so DNS over TCP,
# say, is still checked.
PCAP_DATA=(-d "tcp.port==7,data" -d "tcp.port==9,data"
  -d "tcp.port==5000-5099,data" -d "udp.port==7,data" -d "udp.port==9,data")
pcap_clean() {
  local file=$1
  [ -s "$file" ] || fail "no capture at $file"
  local total bad
  total=$(tshark -r "$file" 2>/dev/null | wc -l)
  bad=$(tshark -r "$file" "${PCAP_DATA[@]}" \
    -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
    -o tcp.check_checksum:TRUE \
    -Y "_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0" \
    2>/dev/null | wc -l)
  echo "pcap: $total packets in $(basename "$file"), $bad malformed or with bad checksums"
  [ "$total" -gt 0 ] || fail "empty capture"
  if [ "$bad" -ne 0 ]; then
    tshark -r "$file" "${PCAP_DATA[@]}" -o ip.check_checksum:TRUE \
      -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE \
      -Y "_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0" >&2
    fail "bad packets in the capture"
  fi
}
