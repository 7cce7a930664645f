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
# lwIP 2.1.3's source, for the side-by-side benchmarks only
# (tools/bench/lwip_*.sh; nothing of tern builds or tests it): the upstream
# tarball inside Debian's source package, checked against this SHA-256 and
# unpacked without Debian's patches. Not having it is a warning, never a
# failure: a fetch that fails (no network, no deb-src entry, another
# tarball) leaves the benchmarks to say that the source is missing.
LWIP_DIR=/opt/tern/lwip-2.1.3
LWIP_ORIG=lwip_2.1.3+dfsg1.orig.tar.xz
LWIP_ORIG_SHA256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

need_nanopb_src=0
[ -f "$NANOPB_DIR/pb_encode.c" ] || need_nanopb_src=1
need_lwip_src=0
[ -f "$LWIP_DIR/src/include/lwip/init.h" ] || need_lwip_src=1

lwip_warning="install.sh: warning: no lwIP source in $LWIP_DIR: the build and the tests do not need it, tools/bench/lwip_*.sh do"
if [ ${#missing[@]} -eq 0 ] && [ $need_nanopb_src -eq 0 ]; then
  if [ $need_lwip_src -eq 0 ]; then
    echo "install.sh: everything tern needs is present"
    exit 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    # Only the benchmarks' source is missing: no sudo (nor password)
    # for that; run this script as root to fetch it.
    echo "$lwip_warning (as root this script fetches it)" >&2
    exit 0
  fi
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: missing: ${missing[*]:-} (or the nanopb source)" >&2
  echo "install.sh: run as root (e.g. sudo $0) to install them with apt-get" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
# Each step returns its failure (|| return 1) rather than leaning on
# set -e: the lwIP fetch below runs them where set -e does not reach.
apt_update() {
  if [ $apt_updated -eq 0 ]; then
    apt-get update -qq || return 1
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

# apt-get source needs deb-src entries: Debian's own deb entries are
# copied as deb-src entries when there are none. Debian's own only
# (debian.sources, which Debian 12 writes, or else the deb lines of
# sources.list): a third-party repository's file in sources.list.d (a
# vendor's, say) may publish no sources, and a deb-src entry for it
# would make apt-get update fail.
deb_src_ready=0
deb_src() {
  [ $deb_src_ready -eq 0 ] || return 0
  local d=/etc/apt/sources.list.d
  if ! grep -qs '^Types:.*deb-src' "$d"/*.sources &&
     ! grep -qs '^deb-src' /etc/apt/sources.list; then
    if [ -f "$d/debian.sources" ]; then
      sed 's/^Types:.*/Types: deb-src/' "$d/debian.sources" \
        >"$d/tern-deb-src.sources" || return 1
    elif [ -f /etc/apt/sources.list ]; then
      grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
        >"$d/tern-deb-src.list" || return 1
    fi
    apt_updated=0
  fi
  apt_update || return 1
  deb_src_ready=1
}

# Downloads source package $1's files into a new folder and prints its
# path (apt downloads as the unprivileged _apt user where it can). Fails,
# leaving no folder, when apt-get does (set -e does not reach inside the
# caller's $(...), so the status is returned explicitly).
fetch_source() {
  local tmp
  tmp=$(mktemp -d)
  chown _apt "$tmp" 2>/dev/null || true
  if ! (cd "$tmp" && apt-get source --download-only -qq "$1" >/dev/null); then
    rm -rf "$tmp"
    echo "install.sh: apt-get source $1 failed" >&2
    return 1
  fi
  echo "$tmp"
}

# Unpacks tarball $1 (its top folder stripped) into folder $2 by way of
# $2.part, moved into place only once whole: a run cut short leaves no
# half-filled $2 whose file $3 (what the check above looks for) would make
# the next run take it as present.
unpack() {
  rm -rf "$2.part"
  mkdir -p "$2.part"
  tar -xf "$1" -C "$2.part" --strip-components=1
  [ -f "$2.part/$3" ] || {
    echo "install.sh: $3 not found in $1" >&2
    rm -rf "$2.part"
    return 1
  }
  rm -rf "$2"
  mv "$2.part" "$2"
}

if [ $need_nanopb_src -eq 1 ]; then
  echo "install.sh: fetching nanopb runtime sources from Debian's source package"
  deb_src
  tmp=$(fetch_source nanopb)
  tarball=$(ls "$tmp"/nanopb_*.orig.tar.* | head -n 1)
  unpack "$tarball" "$NANOPB_DIR" pb_encode.c
  rm -rf "$tmp"
fi
fetch_lwip() {
  deb_src || return 1
  tmp=$(fetch_source lwip) || return 1
  local ok=0
  if echo "$LWIP_ORIG_SHA256  $tmp/$LWIP_ORIG" | sha256sum --check --quiet -; then
    unpack "$tmp/$LWIP_ORIG" "$LWIP_DIR" src/include/lwip/init.h && ok=1
  else
    echo "install.sh: $LWIP_ORIG is not the lwIP 2.1.3 tarball the benchmarks were measured with" >&2
  fi
  rm -rf "$tmp"
  [ $ok -eq 1 ]
}
if [ $need_lwip_src -eq 1 ]; then
  echo "install.sh: fetching lwIP 2.1.3's source (benchmarks only) from Debian's source package"
  fetch_lwip || echo "$lwip_warning" >&2
fi
echo "install.sh: done"
