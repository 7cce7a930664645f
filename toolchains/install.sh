#!/usr/bin/env bash
# Installs, from Debian's packages, whatever tern's build and tests need and
# the machine lacks. Idempotent: when everything is present it only checks
# and returns. Must run as root (it calls apt-get).
set -euo pipefail

# Debian packages the build and the tests use.
PACKAGES=(
  bazel-bootstrap bazel-platforms
  gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
  qemu-system-arm
  googletest
  protobuf-compiler nanopb
  clang libclang-rt-14-dev clang-format
  valgrind
  iproute2 iputils-ping netcat-openbsd socat tcpdump tshark nftables curl
  slirp python3-scapy dnsmasq
  python3
)

# nanopb's runtime sources (pb_encode.c, ...) are not in any binary package;
# they come from Debian's source package and are unpacked here.
NANOPB_DIR=/opt/tern/nanopb

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

need_nanopb_src=0
[ -f "$NANOPB_DIR/pb_encode.c" ] || need_nanopb_src=1

if [ ${#missing[@]} -eq 0 ] && [ $need_nanopb_src -eq 0 ]; then
  echo "install.sh: everything tern needs is present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: missing: ${missing[*]:-} ${need_nanopb_src:+(nanopb sources)}" >&2
  echo "install.sh: run as root (e.g. sudo $0) to install them with apt-get" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_update() {
  if [ $apt_updated -eq 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "install.sh: installing ${missing[*]}"
  apt_update
  # tshark asks whether non-root users may capture; answer no, quietly.
  echo "wireshark-common wireshark-common/install-setuid boolean false" |
    debconf-set-selections
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ $need_nanopb_src -eq 1 ]; then
  echo "install.sh: fetching nanopb runtime sources from Debian's source package"
  src_list=/etc/apt/sources.list.d/tern-deb-src.sources
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
     ! grep -qs '^deb-src' /etc/apt/sources.list; then
    # Copy the machine's own deb entries as deb-src entries.
    found=0
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      sed 's/^Types:.*/Types: deb-src/' "$f" >>"$src_list"
      echo >>"$src_list"
      found=1
    done
    if [ $found -eq 0 ] && [ -f /etc/apt/sources.list ]; then
      grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
        >/etc/apt/sources.list.d/tern-deb-src.list
    fi
    apt_updated=0
  fi
  apt_update
  tmp=$(mktemp -d)
  # apt downloads as the unprivileged _apt user where it can.
  chown _apt "$tmp" 2>/dev/null || true
  (cd "$tmp" && apt-get source --download-only -qq nanopb >/dev/null)
  tarball=$(ls "$tmp"/nanopb_*.orig.tar.* | head -n 1)
  mkdir -p "$NANOPB_DIR"
  tar -xf "$tarball" -C "$NANOPB_DIR" --strip-components=1
  rm -rf "$tmp"
  [ -f "$NANOPB_DIR/pb_encode.c" ] || {
    echo "install.sh: nanopb sources not found in $tarball" >&2
    exit 1
  }
fi
echo "install.sh: done"
