#!/usr/bin/python3
"""Boots lan9118_link_test in QEMU and plays the cable: when the firmware
prints "link: take it down" it sends QMP set_link n0 off, on "link: bring
it up" set_link n0 on. Passes when the firmware exits 0 and printed every
step."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

EXPECT = [
    "link: down, EV_LINK, send TERN_ENETDOWN",
    "link: up again, EV_LINK, send accepted",
    "lan9118 link test: all passed",
]


def qmp_connect(path):
    for _ in range(200):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            break
        except OSError:
            time.sleep(0.02)
    else:
        raise RuntimeError("no QMP socket at " + path)
    f = s.makefile("rw")
    json.loads(f.readline())  # the greeting
    qmp(f, "qmp_capabilities")
    return s, f


def qmp(f, command, **arguments):
    msg = {"execute": command}
    if arguments:
        msg["arguments"] = arguments
    f.write(json.dumps(msg) + "\n")
    f.flush()
    while True:
        reply = json.loads(f.readline())
        if "return" in reply:
            return reply["return"]
        if "error" in reply:
            raise RuntimeError(f"{command}: {reply['error']}")
        # an event: keep reading


def main():
    elf = sys.argv[1]
    # Not under TEST_TMPDIR: a socket's path must stay under 108 bytes.
    tmp = tempfile.mkdtemp(prefix="tern-qmp-", dir="/tmp")
    path = os.path.join(tmp, "qmp.sock")
    qemu = subprocess.Popen(
        ["qemu-system-arm", "-M", "mps2-an385", "-nographic", "-monitor",
         "none", "-semihosting", "-serial", "stdio", "-kernel", elf,
         "-nic", "user,id=n0,model=lan9118,restrict=on,ipv6=off",
         "-qmp", f"unix:{path},server=on,wait=off"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
        errors="replace")
    watchdog = threading.Timer(50, qemu.kill)
    watchdog.start()
    seen = []
    try:
        _, f = qmp_connect(path)
        for line in qemu.stdout:
            line = line.rstrip("\r\n")
            print("board|", line, flush=True)
            seen.append(line)
            if line == "link: take it down":
                qmp(f, "set_link", name="n0", up=False)
            elif line == "link: bring it up":
                # The firmware ends (and QEMU exits) as soon as it sees the
                # link up, which can be before QEMU writes this command's
                # reply: the socket then closes under the read. The
                # verdict is the board's lines and exit code below.
                try:
                    qmp(f, "set_link", name="n0", up=True)
                except (OSError, ValueError) as e:
                    print("lan9118_link_test: no reply to set_link up "
                          f"({e!r}); QEMU may have exited", flush=True)
        rc = qemu.wait()
    finally:
        watchdog.cancel()
        if qemu.poll() is None:
            qemu.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    missing = [e for e in EXPECT if e not in seen]
    if rc != 0 or missing:
        print(f"lan9118_link_test: exit {rc}, missing {missing}",
              file=sys.stderr)
        return 1
    print("lan9118_link_test: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
