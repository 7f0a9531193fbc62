#!/usr/bin/env bash
# Builds (or reuses) the Debian 12 disk image the system test boots: systemd, udev, a kernel, the qemu guest
# agent, and every package the kiosk's .deb depends on or recommends, so that `apt-get install ./….deb` works
# inside the VM with no network.
#
#   scripts/system-test/build-image.sh amd64|arm64 CACHE_DIR
#
# Prints the directory holding `root.qcow2`, `vmlinuz` and `initrd.img`. The directory is named after a hash
# of the recipe (the package list, the mmdebstrap options and customize-guest.sh), so changing any of them
# builds a new image; an unchanged one is reused, whatever else changes in this file.
set -euo pipefail
arch=$1
cache=$2
here=$(cd "$(dirname "$0")" && pwd)

case "$arch" in
  amd64) kernel=linux-image-amd64 ;;
  arm64) kernel=linux-image-arm64 ;;
  *) echo "usage: $0 amd64|arm64 CACHE_DIR" >&2; exit 2 ;;
esac
# The kiosk's Depends and Recommends (Cargo.toml [package.metadata.deb]), the boot, and what the test uses in
# the guest (busybox wget pays through the simulator's control API: curl would add fifteen packages).
packages=(systemd systemd-sysv udev dbus kmod initramfs-tools "$kernel" qemu-guest-agent busybox ca-certificates
          libc6 libinput10 libudev1 libxkbcommon0 libfontconfig1 libgbm1 fonts-dejavu-core adduser
          fonts-wqy-microhei)

# MODULES=list: building the default initramfs (MODULES=most) under emulation takes four times as long, and
# the VM needs only the virtio disk and ext4 to mount its root.
options=(--variant=minbase --arch="$arch" --include="$(IFS=,; echo "${packages[*]}")"
         --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*'
         --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/wooshpay-kiosk/*'
         --dpkgopt='path-exclude=/usr/share/info/*'
         --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" && echo MODULES=list > "$1/etc/initramfs-tools/conf.d/modules-list"')
key=$( { printf '%s\n' "${options[@]}"; cat "$here/customize-guest.sh"; } | sha256sum | cut -c1-16)
out="$cache/$arch-$key"
if [ -f "$out/root.qcow2" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/.build-$arch-XXXXXX")
# --one-file-system: an interrupted mmdebstrap may leave /proc or /sys mounted inside the root filesystem.
trap 'rm -rf --one-file-system "$work" 2>/dev/null' EXIT

if [ "$arch" = arm64 ] && [ "$(dpkg --print-architecture)" != arm64 ]; then
  # mmdebstrap runs the arm64 maintainer scripts through qemu-user; register it when nothing (systemd-binfmt)
  # has. The F flag makes the kernel open the static interpreter now, so it works inside the chroot.
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    grep -v '^#' /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register
  fi
fi

started=$SECONDS
rootfs="$work/rootfs"
mmdebstrap "${options[@]}" \
  --customize-hook="sh '$here/customize-guest.sh' \"\$1\"" \
  bookworm "$rootfs" http://deb.debian.org/debian >&2

cp "$rootfs"/boot/vmlinuz-* "$work/vmlinuz"
cp "$rootfs"/boot/initrd.img-* "$work/initrd.img"
chmod 644 "$work/vmlinuz" "$work/initrd.img"
truncate -s 3G "$work/root.raw"
mkfs.ext4 -q -L root -d "$rootfs" "$work/root.raw"
qemu-img convert -O qcow2 "$work/root.raw" "$work/root.qcow2"
rm -rf --one-file-system "$rootfs" "$work/root.raw"
echo "image for $arch built in $((SECONDS - started)) s" >&2
mv "$work" "$out"
trap - EXIT
echo "$out"
