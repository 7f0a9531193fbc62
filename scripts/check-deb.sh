#!/usr/bin/env bash
# Builds the arm64 package from the cross-built binary and checks what it holds (run scripts/cross-build.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked
command -v file >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq file >/dev/null; }
version=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')
cargo deb --no-build --target aarch64-unknown-linux-gnu >/dev/null
deb="target/debian/wooshpay-kiosk_${version}_arm64.deb"
[ -f "$deb" ] || { echo "expected $deb" >&2; ls target/debian >&2; exit 1; }
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/wooshpay-kiosk ./lib/systemd/system/wooshpay-kiosk.service \
            ./lib/udev/rules.d/70-wooshpay-kiosk-backlight.rules \
            ./lib/udev/rules.d/70-wooshpay-kiosk-touchscreen.rules \
            ./etc/wooshpay-kiosk/config.toml ./etc/wooshpay-kiosk/catalog.toml \
            ./usr/share/doc/wooshpay-kiosk/raspberry-pi.md; do
  grep -q " $path\$" <<<"$contents" || { echo "$deb lacks $path" >&2; exit 1; }
done
[ "$(dpkg-deb -f "$deb" Architecture)" = arm64 ] || { echo "$deb is not arm64" >&2; exit 1; }
dpkg-deb -f "$deb" Recommends | grep -q fonts-wqy-microhei || { echo "$deb does not recommend a CJK font" >&2; exit 1; }
dpkg-deb -f "$deb" Depends | grep -q ca-certificates || { echo "$deb does not depend on ca-certificates (HTTPS to WooshPay needs them)" >&2; exit 1; }
dpkg-deb -I "$deb" postinst >/dev/null || { echo "$deb has no postinst" >&2; exit 1; }
# The configuration holds the staff PIN's hash: never readable by every user.
grep -q -- "-rw-r----- .* ./etc/wooshpay-kiosk/config.toml\$" <<<"$contents" \
  || { echo "$deb installs config.toml readable by everyone (want 0640)" >&2; exit 1; }
dpkg-deb -I "$deb" postinst | grep -q "chown root:wooshpay-kiosk /etc/wooshpay-kiosk/config.toml" \
  || { echo "$deb's postinst does not give config.toml to root:wooshpay-kiosk" >&2; exit 1; }
dpkg-deb -f "$deb" Conffiles >/dev/null 2>&1 || true
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work"
file "$work/usr/bin/wooshpay-kiosk" | grep -q 'ARM aarch64' || { echo "the packaged binary is not aarch64" >&2; exit 1; }
echo "$deb: $(du -h "$deb" | cut -f1), binary $(du -h "$work/usr/bin/wooshpay-kiosk" | cut -f1), contents as expected"
