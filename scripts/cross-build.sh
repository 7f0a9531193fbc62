#!/usr/bin/env bash
# Cross-compiles wooshpay-kiosk for the Raspberry Pi on Debian/Ubuntu x86-64, without Docker.
#
#   scripts/cross-build.sh [aarch64|armv7] [--setup-only]
#
# Adds the foreign architecture, installs the cross gcc and the target's -dev packages (pkg-config is set up
# per target in .cargo/config.toml), adds the rustup target, then builds the release binary with the `pi`
# feature set (linuxkms + libinput + femtovg + software renderer).
set -euo pipefail
cd "$(dirname "$0")/.."

arch="${1:-aarch64}"
case "$arch" in
  aarch64) target=aarch64-unknown-linux-gnu; debarch=arm64; gcc=gcc-aarch64-linux-gnu; libc=libc6-dev-arm64-cross ;;
  armv7)   target=armv7-unknown-linux-gnueabihf; debarch=armhf; gcc=gcc-arm-linux-gnueabihf; libc=libc6-dev-armhf-cross ;;
  *) echo "usage: $0 [aarch64|armv7] [--setup-only]" >&2; exit 2 ;;
esac

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
if ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
  $sudo_cmd dpkg --add-architecture "$debarch"
  $sudo_cmd apt-get update -qq
fi
packages=("$gcc" "$libc" qemu-user "libc6:$debarch" "libfontconfig1-dev:$debarch" "libinput-dev:$debarch"
          "libudev-dev:$debarch" "libxkbcommon-dev:$debarch" "libgbm-dev:$debarch")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
rustup target add "$target" >/dev/null

if [ "${2:-}" = "--setup-only" ]; then
  exit 0
fi
cargo build --locked --release --target "$target" --no-default-features --features pi
echo "built target/$target/release/wooshpay-kiosk"
