#!/usr/bin/env bash
# The bulk host program on TAP devices in a private network namespace,
# against the Linux kernel: the kernel connects to bulk --listen and reads
# 4 MB, bulk --connect sends 4 MB to a kernel listener; each time the
# bytes are counted and compared by SHA-256 with tern_bulk_pattern
# computed here, and tshark finds the captures clean.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
bin=$1
size=$((4 << 20))
require_root
ns_setup

# The kernel's reader (or listener, with --listen-on): reads to the end,
# checks the count and the SHA-256 of tern_bulk_pattern.
cat >"$OUT/read.py" <<'PY'
import hashlib, socket, sys
mode, host, port, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if mode == "listen":
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(1)
    print("listening", flush=True)
    ls.settimeout(30)
    s, _ = ls.accept()
else:
    s = socket.create_connection((host, port), timeout=20)
s.settimeout(30)
h, n = hashlib.sha256(), 0
while True:
    b = s.recv(65536)
    if not b:
        break
    h.update(b)
    n += len(b)
s.close()
block = bytes((i * 7 + (i >> 8)) & 255 for i in range(65536))
want = hashlib.sha256()
for off in range(0, size, 65536):
    want.update(block[: min(65536, size - off)])
if n != size or h.hexdigest() != want.hexdigest():
    sys.exit("got %d bytes, sha256 %s; want %d, %s" % (n, h.hexdigest(), size, want.hexdigest()))
print("tcp: %d bytes of the pattern, sha256 %s" % (n, h.hexdigest()))
PY

# bulk --listen: the kernel connects and reads.
ns_start listen "$bin" --tap tap0 --addr 192.0.2.2/24 --bytes "$size" \
  --listen 5001 --pcap "$OUT/bulk_listen.pcap"
wait_for_log listen 10 "listening"
nsx sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1
nsx ip addr add 192.0.2.1/24 dev tap0
nsx ip link set tap0 up
nsx timeout 60 /usr/bin/python3 "$OUT/read.py" connect 192.0.2.2 5001 "$size" ||
  fail "reading from bulk --listen"
wait_for_log listen 10 "^bulk: sent $size bytes in [0-9]+ ms$" || fail "listen report"
grep -E "^bulk: sent" "$OUT/listen.log"

# bulk --connect: a kernel listener reads (on a second TAP, its own subnet).
ns_start reader /usr/bin/python3 "$OUT/read.py" listen 0.0.0.0 5002 "$size"
wait_for_log reader 10 "listening"
ns_start connect "$bin" --tap tap1 --addr 198.51.100.2/24 --bytes "$size" \
  --connect 198.51.100.1:5002 --pcap "$OUT/bulk_connect.pcap"
wait_for_log connect 10 "connecting"
nsx sysctl -qw net.ipv6.conf.tap1.disable_ipv6=1
nsx ip addr add 198.51.100.1/24 dev tap1
nsx ip link set tap1 up
wait_for_log reader 60 "^tcp: $size bytes" || fail "kernel listener"
cat "$OUT/reader.log"
wait_for_log connect 30 "^bulk: sent $size bytes in [0-9]+ ms$" || fail "connect report"
grep -E "^bulk: sent" "$OUT/connect.log"
# --connect exits by itself, 0 only when every byte went and the close
# completed.
wait "${PIDS[2]}" || fail "bulk --connect exited with $?"
echo "bulk --connect exited 0"

# A closed port: the reset is reported and the status is not 0.
ns_start refused "$bin" --tap tap2 --addr 203.0.113.2/24 --bytes 10 \
  --connect 203.0.113.1:5003
wait_for_log refused 10 "connecting"
nsx sysctl -qw net.ipv6.conf.tap2.disable_ipv6=1
nsx ip addr add 203.0.113.1/24 dev tap2
nsx ip link set tap2 up
rc=0
wait "${PIDS[3]}" || rc=$?
[ "$rc" -ne 0 ] || fail "bulk to a closed port exited 0"
grep -q "^bulk: error" "$OUT/refused.log" || fail "refused: $(cat "$OUT/refused.log")"
echo "closed port: $(grep '^bulk: error' "$OUT/refused.log")"
cleanup
PIDS=()
pcap_clean "$OUT/bulk_listen.pcap"
pcap_clean "$OUT/bulk_connect.pcap"
echo "PASS"
