#!/usr/bin/env bash
# The system test: the kiosk's own .deb installed in a booted Debian 12 VM under systemd, with a DRM display
# and a touchscreen, driven from the host. See docs/system-test.md.
#
#   scripts/system-test.sh [arm64|amd64]            (default arm64, the Raspberry Pi's architecture)
#   scripts/system-test.sh --host-packages [arch]   only install what the host needs (apt)
#   scripts/system-test.sh --prepare [arm64|amd64]  host packages and the cached image only (CI starts this
#                                                   early, in the background, beside the builds)
#   POWER_CUTS=N scripts/system-test.sh arm64       N hard resets in the power step (default 2; 0: none), at
#                                                   moments drawn from POWER_SEED (default: a new seed, printed)
#
# arm64 uses target/debian/wooshpay-kiosk_<version>_arm64.deb (scripts/cross-build.sh aarch64 and
# scripts/check-deb.sh build it; this script builds it when it is missing); amd64 builds its own .deb with the
# Pi feature set (linuxkms) into target/x86_64-unknown-linux-gnu. The Debian image is cached under
# $WOOSHPAY_SYSTEM_TEST_CACHE (default ~/.cache/wooshpay-kiosk/system-test), keyed by its recipe.
# Screen dumps go to target/system-test/. Exit 0 when every step passed.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=""
case "${1:-}" in --prepare|--host-packages) mode=$1; shift ;; esac
arch="${1:-arm64}"
case "$arch" in
  arm64) qemu=qemu-system-arm; target=aarch64-unknown-linux-gnu ;;
  amd64) qemu=qemu-system-x86; target=x86_64-unknown-linux-gnu ;;
  *) echo "usage: $0 [arm64|amd64]" >&2; exit 2 ;;
esac
cache="${WOOSHPAY_SYSTEM_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wooshpay-kiosk/system-test}"
SECONDS=0

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
# QEMU 10 from bookworm-backports: bookworm's 7.2 conflicts with the qemu-utils these machines carry, and its
# virtio-multitouch device is newer than 7.2. Without recommends it leaves the cross build's libgbm1 alone.
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    | $sudo_cmd tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
  $sudo_cmd apt-get update -qq
fi
backports=("$qemu" qemu-utils)
[ "$arch" = arm64 ] && backports+=(qemu-user-static)
packages=(mmdebstrap arch-test e2fsprogs zbar-tools python3 file)
# The amd64 package is built here with the Pi feature set (linuxkms), which links these natively. Named with the
# build machine's architecture: the cross build's arm64 copies of the same packages must not count as present.
native=$(dpkg --print-architecture)
[ "$arch" = amd64 ] && packages+=(libinput-dev:"$native" libudev-dev:"$native" libxkbcommon-dev:"$native" libgbm-dev:"$native")
missing=()
for p in "${backports[@]}" "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    -t bookworm-backports "${backports[@]}" >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
echo "== [${SECONDS}s] host packages present"

[ "$mode" = --host-packages ] && exit 0
if [ "$mode" = --prepare ]; then
  bash scripts/system-test/build-image.sh "$arch" "$cache"
  exit 0
fi

version=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')
deb="target/debian/wooshpay-kiosk_${version}_${arch}.deb"
if [ "$arch" = amd64 ]; then
  # The x86 mini PC's kiosk binary: the same Pi feature set (DRM/KMS + libinput), in its own target
  # directory so the desktop build in target/release is untouched.
  cargo build --locked --release --target "$target" --no-default-features --features pi
  command -v cargo-deb >/dev/null || cargo install cargo-deb --locked
  cargo deb --no-build --target "$target" >/dev/null
elif [ ! -f "$deb" ]; then
  bash scripts/cross-build.sh aarch64
  bash scripts/check-deb.sh
fi
[ -f "$deb" ] || { echo "expected $deb" >&2; exit 1; }
echo "== [${SECONDS}s] package $deb"

image=$(bash scripts/system-test/build-image.sh "$arch" "$cache")
echo "== [${SECONDS}s] image $image"

status=0
python3 -u scripts/system-test/driver.py --arch "$arch" --image "$image" --deb "$deb" --out target/system-test \
  --power-cuts "${POWER_CUTS:-2}" ${POWER_SEED:+--seed "$POWER_SEED"} \
  ${WOOSHPAY_SYSTEM_TEST_KEEP:+--keep} || status=$?
echo "== [${SECONDS}s] system test ($arch) finished"
exit $status
