# Sourced by tools/bench/lwip_*.sh: sets lwip_src to an unpacked lwIP
# 2.1.3 tree and checks its version. Where the caller gave none
# (--lwip-src), it is toolchains/install.sh's copy in /opt/tern/lwip-2.1.3,
# or, on a machine where that script has not run, the upstream tarball
# inside Debian's source package lwip 2.1.3+dfsg1-2 (+dfsg1: the release
# repacked without its generated Doxygen output; src/ is untouched),
# fetched with `apt-get source --download-only` into $work/download, its
# SHA-256 checked, and unpacked into $work/src without Debian's patches.
# Needs: lwip_src (may be empty), work, and tool (the caller's name).

LWIP_INSTALLED=/opt/tern/lwip-2.1.3
LWIP_DEB_VERSION=2.1.3+dfsg1-2
LWIP_ORIG=lwip_2.1.3+dfsg1.orig.tar.xz
LWIP_ORIG_SHA256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
if [ -z "$lwip_src" ] && [ -f "$LWIP_INSTALLED/src/include/lwip/init.h" ]; then
  lwip_src=$LWIP_INSTALLED
fi
if [ -z "$lwip_src" ]; then
  dl="$work/download"
  mkdir -p "$dl"
  if [ ! -f "$dl/$LWIP_ORIG" ]; then
    if ! (cd "$dl" && apt-get source --download-only "lwip=$LWIP_DEB_VERSION") >&2; then
      cat >&2 <<EOT
$tool: no lwIP source: run toolchains/install.sh (as root), or give
--lwip-src DIR with an unpacked lwip-2.1.3. (apt-get source failed: it
needs a deb-src entry, a copy of the machine's entry in
/etc/apt/sources.list.d/debian.sources with "Types: deb-src", then
apt-get update.)
EOT
      exit 1
    fi
  fi
  echo "$LWIP_ORIG_SHA256  $dl/$LWIP_ORIG" | sha256sum --check --quiet - >&2
  rm -rf "$work/src"
  mkdir -p "$work/src"
  tar -xJf "$dl/$LWIP_ORIG" -C "$work/src"
  lwip_src="$work/src/lwip-2.1.3"
fi
if [ ! -f "$lwip_src/src/include/lwip/init.h" ]; then
  echo "$tool: no lwIP source in $lwip_src (no src/include/lwip/init.h): give --lwip-src an unpacked lwip-2.1.3, or run toolchains/install.sh as root" >&2
  exit 1
fi
lwip_src=$(cd "$lwip_src" && pwd)
lwip_version=$(awk '/^#define LWIP_VERSION_(MAJOR|MINOR|REVISION) / { sub(/\r$/, "", $3); v = v (v ? "." : "") $3 }
  END { print v }' "$lwip_src/src/include/lwip/init.h" 2>/dev/null || true)
if [ "$lwip_version" != 2.1.3 ]; then
  echo "$tool: $lwip_src is lwIP '$lwip_version', not 2.1.3" >&2
  exit 1
fi
