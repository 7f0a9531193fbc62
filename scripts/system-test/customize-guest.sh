#!/bin/sh
# Runs once at the end of the image build, on the guest's root filesystem ($1): boot set-up and the test's
# hooks. Part of the image's cache key (build-image.sh hashes this file too).
set -eu
root=$1
printf 'virtio_pci\nvirtio_blk\next4\n' >> "$root/etc/initramfs-tools/modules"
chroot "$root" update-initramfs -u -k all
echo 'LABEL=root / ext4 defaults 0 1' > "$root/etc/fstab"
echo raspberrypi > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 raspberrypi\n' > "$root/etc/hosts"
# A fresh machine-id at first boot, as on a newly flashed SD card.
: > "$root/etc/machine-id"
# The host drives the guest through the qemu guest agent (a virtio serial port): no network, no login.
chroot "$root" systemctl enable qemu-guest-agent.service 2>/dev/null || true
