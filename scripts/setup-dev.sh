#!/usr/bin/env bash
# Installs the system packages a build of wooshpay-kiosk needs on Debian/Ubuntu (run as root or via sudo).
set -euo pipefail
packages=(build-essential pkg-config ca-certificates libfontconfig1-dev fonts-dejavu-core fonts-wqy-microhei
          xvfb  # tests/fullscreen.rs runs the kiosk under an X server with no window manager
          # tests/wayland_fullscreen.rs runs it under headless Wayland compositors and takes screenshots; cage
          # 0.1.4 will not start without Xwayland, and wayfire runs only where there is a DRM render node.
          weston cage xwayland wayfire grim
          iproute2)  # tests/simulator_lan.rs makes "another host" as a network namespace and a veth pair
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true
echo "system packages present: ${packages[*]}"
