#!/usr/bin/env python3
"""The system test's host side: boots the image, installs the .deb inside, and checks the kiosk step by step.

Run through scripts/system-test.sh, which builds the image and the package first. Every step prints
`PASS name` or `FAIL name: why`; the last line is `N passed, N failed`. The guest is driven through the qemu
guest agent (a virtio serial port: the VM has no network), the screen through QMP (screen dumps, touch events).
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

from host_catalog import HostCatalogFeed
from host_wooshpay import HostWooshPay
from power import PowerCuts

# The touchscreen and the kiosk's display: 800x480, the official Raspberry Pi 7" panel.
WIDTH, HEIGHT = 800, 480
HERE = os.path.dirname(os.path.abspath(__file__))
# A test key in the shape WooshPay issues; the simulator on the host accepts exactly this one. The journal
# check looks for it verbatim.
SECRET_KEY = "sk_test_systemtest" + "Q7mZ2xK9pW4vN8rT"


def log(message):
    print(message, flush=True)


class Qmp:
    """QEMU's machine protocol: JSON lines over a unix socket (screen dumps, input events, power)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.file = self.sock.makefile("rwb")
        self._read()  # greeting
        self.command("qmp_capabilities")

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise EOFError("QMP closed")
            message = json.loads(line)
            if "event" not in message:
                return message

    def command(self, name, **arguments):
        self.file.write(json.dumps({"execute": name, "arguments": arguments}).encode() + b"\n")
        self.file.flush()
        answer = self._read()
        if "error" in answer:
            raise RuntimeError(f"QMP {name}: {answer['error']}")
        return answer.get("return")


class Agent:
    """The qemu guest agent: runs commands in the guest as root and returns their output."""

    def __init__(self, path, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._connect(path)
                self.call("guest-ping", timeout=5)
                return
            except (OSError, TimeoutError, ValueError, EOFError):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no guest agent on {path} within {timeout} s")
                time.sleep(1)

    def _connect(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buffer = b""
        # The agent may hold a half-read request from before: a sync with a fresh id resets both ends.
        token = int.from_bytes(os.urandom(4), "big") & 0x7FFFFFFF
        self.sock.sendall(b"\xff" + json.dumps({"execute": "guest-sync-delimited", "arguments": {"id": token}}).encode())
        self.sock.settimeout(5)
        while True:
            message = self._message()
            if message.get("return") == token:
                break

    def _message(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("guest agent closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        line = line.lstrip(b"\xff").strip()
        return json.loads(line) if line else {}

    def call(self, name, timeout=30, **arguments):
        self.sock.settimeout(timeout)
        self.sock.sendall(json.dumps({"execute": name, "arguments": arguments}).encode() + b"\n")
        while True:
            message = self._message()
            if "error" in message:
                raise RuntimeError(f"guest agent {name}: {message['error']}")
            if "return" in message:
                return message["return"]

    def run(self, script, timeout=120, stdin=None):
        """Runs `sh -c script` in the guest; returns (exit code, stdout, stderr)."""
        arguments = {"path": "/bin/sh", "arg": ["-c", script], "capture-output": True}
        if stdin is not None:
            arguments["input-data"] = base64.b64encode(stdin.encode()).decode()
        pid = self.call("guest-exec", **arguments)["pid"]
        deadline = time.monotonic() + timeout
        while True:
            status = self.call("guest-exec-status", pid=pid)
            if status.get("exited"):
                out = base64.b64decode(status.get("out-data", "")).decode(errors="replace")
                err = base64.b64decode(status.get("err-data", "")).decode(errors="replace")
                return status.get("exitcode", -1), out, err
            if time.monotonic() > deadline:
                raise TimeoutError(f"guest command did not finish in {timeout} s: {script}")
            time.sleep(0.3)

    def check(self, script, timeout=120):
        code, out, err = self.run(script, timeout)
        if code != 0:
            raise AssertionError(f"`{script}` exited {code}: {(out + err).strip()[-600:]}")
        return out


def wait_until(what, probe, holds, timeout, interval=1):
    """Calls probe() until holds(its value) is true; returns that value, or fails naming what with the last one."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if holds(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s; last: {str(value)[:800]}")
        time.sleep(interval)


def read_png(path):
    """Decodes an 8-bit RGB/RGBA PNG (what QEMU's screendump writes) into rows of (r, g, b)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), f"{path}: unsupported PNG (depth {depth}, colour {colour})"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * channels : x * channels + 3]) for x in range(width)])
        previous = line
    return rows


def share(rows, predicate):
    """The fraction of pixels for which predicate(r, g, b) holds."""
    total = hits = 0
    for row in rows:
        for pixel in row:
            total += 1
            hits += predicate(*pixel)
    return hits / total


class SystemTest:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="wooshpay-system-test-")
        self.results = []
        self.qemu = None
        self.shots = 0

    # ---- the VM -------------------------------------------------------------------------------------------
    def payload(self):
        """A small second disk with the package and the test's guest files (guest/), mounted in the guest."""
        root = os.path.join(self.work, "payload")
        os.makedirs(root)
        shutil.copy(self.args.deb, root)
        for name in os.listdir(os.path.join(HERE, "guest")):
            shutil.copy(os.path.join(HERE, "guest", name), root)
        with open(os.path.join(root, "secret-key"), "w") as f:
            f.write(SECRET_KEY + "\n")
        image = os.path.join(self.work, "payload.img")
        subprocess.run(["truncate", "-s", "64M", image], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-L", "payload", "-d", root, image], check=True)
        return image

    def boot(self):
        image_dir = self.args.image
        overlay = os.path.join(self.work, "root.qcow2")
        subprocess.run(
            ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
             os.path.join(image_dir, "root.qcow2"), overlay],
            check=True,
        )
        payload = self.payload()
        self.wooshpay = HostWooshPay(self.args.deb, self.args.arch, self.work, SECRET_KEY)
        # The feed starts with the package's own catalog (the one the taps below know).
        with open(os.path.join(self.work, "deb", "etc", "wooshpay-kiosk", "catalog.toml"), "rb") as f:
            self.catalog_feed = HostCatalogFeed(f.read())
        relay = os.path.join(HERE, "relay.py")
        # The receipt printer's paper: what the kiosk writes to the port is in this file at once, and stays.
        self.printer = os.path.join(self.work, "printer.bin")
        self.qmp_path = os.path.join(self.work, "qmp.sock")
        self.qga_path = os.path.join(self.work, "qga.sock")
        self.serial = os.path.join(self.work, "serial.log")
        if self.args.arch == "arm64":
            machine = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72"]
            console = "ttyAMA0"
        else:
            # No standard VGA: with it the guest gets a second DRM card (bochs) at 1280x800, which the kiosk
            # drew on and the screen dump showed, while taps went to the virtio display.
            machine = ["qemu-system-x86_64", "-M", "q35", "-cpu", "max,-svm", "-vga", "none"]
            console = "ttyS0"
        command = machine + [
            "-smp", "2", "-m", "1024", "-display", "none",
            # The guest's only network: WooshPay and the catalog feed on the host, nothing else (restrict=on).
            "-netdev", f"user,id=wooshpay,restrict=on,{self.wooshpay.guestfwd(relay)},{self.catalog_feed.guestfwd(relay)}",
            # romfile=: no network boot ROM (the kernel is given directly; the ROM package is not installed).
            "-device", "virtio-net-pci,netdev=wooshpay,romfile=",
            "-kernel", os.path.join(image_dir, "vmlinuz"), "-initrd", os.path.join(image_dir, "initrd.img"),
            "-append", f"root=LABEL=root rw console={console} quiet",
            "-drive", f"if=none,id=root,file={overlay},format=qcow2",
            "-device", "virtio-blk-pci,drive=root",
            "-drive", f"if=none,id=payload,file={payload},format=raw,readonly=on",
            "-device", "virtio-blk-pci,drive=payload",
            "-device", f"virtio-gpu-pci,xres={WIDTH},yres={HEIGHT},id=video0",
            "-device", "virtio-multitouch-pci,display=video0",
            "-device", "virtio-keyboard-pci",
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,id=qga,path={self.qga_path},server=on,wait=off",
            "-device", "virtserialport,chardev=qga,name=org.qemu.guest_agent.0",
            "-chardev", f"file,id=printer,path={self.printer}",
            "-device", "virtserialport,chardev=printer,name=receipt-printer",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
            "-serial", f"file:{self.serial}",
        ]
        self.qemu = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        self.booted_at = time.monotonic()
        for _ in range(100):
            if os.path.exists(self.qmp_path):
                break
            time.sleep(0.1)
        self.qmp = Qmp(self.qmp_path)
        self.connect_agent()

    def connect_agent(self, timeout=240):
        # The agent's socket takes one client at a time: let go of the old connection first (after a reboot).
        if getattr(self, "agent", None) is not None:
            self.agent.sock.close()
            self.agent = None
        self.agent = Agent(self.qga_path, timeout=timeout)
        log(f"   guest agent up {time.monotonic() - self.booted_at:.0f} s after boot")

    def shutdown(self):
        if getattr(self, "wooshpay", None) is not None:
            self.wooshpay.stop()
            self.catalog_feed.stop()
        if self.qemu is None:
            return
        try:
            self.qmp.command("quit")
        except Exception:
            pass
        try:
            self.qemu.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.qemu.kill()

    # ---- the screen ---------------------------------------------------------------------------------------
    def screen(self, name):
        self.shots += 1
        path = os.path.join(self.args.out, f"{self.args.arch}-{self.shots:02d}-{name}.png")
        self.qmp.command("screendump", filename=path, format="png")
        return path

    def touch(self, x, y):
        """The touch events of one finger tap at (x, y) in screen pixels on the virtio multitouch device."""
        ax, ay = round(x * 32767 / (WIDTH - 1)), round(y * 32767 / (HEIGHT - 1))

        def events(*items):
            self.qmp.command("input-send-event", device="video0", events=list(items))

        events(
            {"type": "mtt", "data": {"type": "begin", "slot": 0, "tracking-id": 1, "axis": "x", "value": ax}},
            {"type": "mtt", "data": {"type": "data", "slot": 0, "tracking-id": 1, "axis": "x", "value": ax}},
            {"type": "mtt", "data": {"type": "data", "slot": 0, "tracking-id": 1, "axis": "y", "value": ay}},
            {"type": "btn", "data": {"down": True, "button": "touch"}},
        )
        time.sleep(0.15)  # the finger's time on the glass: part of the gesture, not a wait for anything
        events(
            {"type": "mtt", "data": {"type": "end", "slot": 0, "tracking-id": -1, "axis": "x", "value": ax}},
            {"type": "btn", "data": {"down": False, "button": "touch"}},
        )

    def tap(self, x, y, until=None, timeout=15):
        """One finger tap at (x, y) in screen pixels on the virtio multitouch device, then a wait for what it
        causes: until(rows) holding when given, else any change on the screen."""
        before = self.screen("before-tap")
        with open(before, "rb") as f:
            before_bytes = f.read()
        os.remove(before)
        self.shots -= 1
        self.touch(x, y)
        if until is None:
            deadline = time.monotonic() + timeout
            while True:
                path = self.screen("after-tap")
                with open(path, "rb") as f:
                    same = f.read() == before_bytes
                os.remove(path)
                self.shots -= 1
                if not same:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"the screen did not change within {timeout} s of a tap at ({x}, {y})")
                time.sleep(0.2)
        path, ok = self.wait_for_screen("after-tap", until, timeout)
        if not ok:
            raise AssertionError(f"a tap at ({x}, {y}) did not lead to the expected screen: {path}")

    def wait_for_screen(self, name, predicate, timeout):
        """Dumps the screen until predicate(rows) holds; returns the last dump's path and whether it held."""
        deadline = time.monotonic() + timeout
        while True:
            path = self.screen(name)
            if predicate(read_png(path)):
                return path, True
            if time.monotonic() > deadline:
                return path, False
            os.remove(path)
            self.shots -= 1
            time.sleep(0.5)

    # ---- the steps ----------------------------------------------------------------------------------------
    def step(self, name, body):
        started = time.monotonic()
        try:
            detail = body()
            self.results.append((name, True))
            log(f"PASS {name} ({time.monotonic() - started:.0f} s){': ' + detail if detail else ''}")
        except Exception as error:  # every step reports, the next ones still run where they can
            self.results.append((name, False))
            log(f"FAIL {name} ({time.monotonic() - started:.0f} s): {error}")

    def run(self):
        os.makedirs(self.args.out, exist_ok=True)
        try:
            self.step("boot: the guest reaches multi-user.target", self.boot_step)
            if not self.results[-1][1]:
                return
            steps = [
                ("install: apt-get install ./deb runs postinst, creates the user, starts nothing without a key", self.install),
                ("start: the unit is active (running) with Type=notify", self.start),
                ("security: systemd-analyze security scores <= 1.5 in the VM; of /sys only the backlight writable", self.security),
                ("draw: linuxkms draws the catalog on the DRM display", self.draws_catalog),
                ("sale: taps on tiles and Charge show a QR of the session URL; paying shows Paid", self.sale),
                ("fleet: /metrics on the allowed port, the textfile for node_exporter, status --json of the running kiosk", self.fleet),
                ("crash: kill -9 mid-sale, systemd restarts, recovery settles the sale", self.crash),
                ("hang: kill -STOP, the watchdog restarts the kiosk within WatchdogSec", self.hang),
                ("journal: the kiosk's log lines are there, the secret key never", self.journal),
                ("reboot: the VM comes back to the catalog", self.reboot),
            ]
            if self.args.power_cuts > 0:
                steps.append(
                    (
                        f"power: {self.args.power_cuts} hard resets at random moments of real sales; journal, sales, receipts and the kept catalog intact",
                        lambda: PowerCuts(self, self.args.power_cuts, self.args.seed).run(),
                    )
                )
            for name, body in steps:
                self.step(name, body)
                if self.args.only and name.startswith(self.args.only):
                    break
        finally:
            if self.args.hold:
                hold = os.path.join(self.work, "hold")
                open(hold, "w").close()
                self.agent.sock.close()
                log(f"   holding the VM until {hold} is removed (guest agent: {self.qga_path})")
                while os.path.exists(hold):
                    time.sleep(1)
            self.shutdown()
            if self.args.keep:
                log(f"   kept {self.work}")
            else:
                shutil.rmtree(self.work, ignore_errors=True)
            passed = sum(1 for _, ok in self.results if ok)
            log(f"{passed} passed, {len(self.results) - passed} failed")

    def boot_step(self):
        self.boot()
        self.agent.check("systemctl is-system-running --wait >/dev/null; systemctl is-active multi-user.target", 240)
        return f"{time.monotonic() - self.booted_at:.0f} s from QEMU start"

    def install(self):
        a = self.agent
        a.check("mkdir -p /mnt/payload && mount -o ro LABEL=payload /mnt/payload")
        out = a.check("cd /mnt/payload && DEBIAN_FRONTEND=noninteractive apt-get install -y ./wooshpay-kiosk_*.deb 2>&1", 300)
        assert "put your WooshPay secret key" in out, f"postinst did not say what is missing:\n{out[-800:]}"
        a.check("getent passwd wooshpay-kiosk")
        groups = a.check("id -nG wooshpay-kiosk").split()
        for group in ("video", "render"):
            assert group in groups, f"wooshpay-kiosk is not in group {group}: {groups}"
        # Not `input` (every keyboard): the package's udev rule gives the kiosk the touchscreen only.
        assert "input" not in groups, f"wooshpay-kiosk is in group input: {groups}"
        nodes = a.check(
            "for d in /dev/input/event*; do "
            "echo \"$d $(stat -c %G:%a $d) $(udevadm info -q property -n $d | grep -E '^ID_INPUT_(TOUCHSCREEN|KEYBOARD)=1' | tr '\\n' ' ') "
            "$(runuser -u wooshpay-kiosk -- test -r $d && echo readable)\"; done"
        ).splitlines()
        touch = [n for n in nodes if "ID_INPUT_TOUCHSCREEN=1" in n]
        keyboards = [n for n in nodes if "ID_INPUT_KEYBOARD=1" in n]
        assert touch and keyboards, f"expected a touchscreen and a keyboard among:\n" + "\n".join(nodes)
        for node in touch:
            assert "wooshpay-kiosk:660" in node and node.endswith("readable"), f"touchscreen not the kiosk's: {node}"
        for node in keyboards:
            assert not node.endswith("readable"), f"the kiosk's user can read a keyboard: {node}"
        state = a.run("systemctl is-active wooshpay-kiosk")[1].strip()
        enabled = a.run("systemctl is-enabled wooshpay-kiosk")[1].strip()
        assert state == "inactive" and enabled == "disabled", f"service {state}, {enabled} before a key exists"
        return (
            f"user in {' '.join(sorted(groups))}; touchscreen {touch[0].split()[1]}, keyboard not readable; "
            f"service {state} and {enabled}"
        )

    def start(self):
        a = self.agent
        a.check(
            "install -m 644 /mnt/payload/config.toml /etc/wooshpay-kiosk/config.toml && "
            "install -m 600 /mnt/payload/secret-key /etc/wooshpay-kiosk/secret-key && "
            # The network to WooshPay and the catalog feed (both on the host), the receipt printer's port.
            "install -m 644 /mnt/payload/10-system-test.network /etc/systemd/network/ && "
            # The kiosk takes plain http:// only to 127.0.0.1: relays from there to the host.
            "install -m 644 /mnt/payload/system-test-*-relay.socket /mnt/payload/system-test-*-relay.service "
            "/etc/systemd/system/ && "
            "install -D -m 644 /mnt/payload/system-test-printer.conf /etc/systemd/system/wooshpay-kiosk.service.d/system-test-printer.conf && "
            "install -m 644 /mnt/payload/70-system-test-printer.rules /etc/udev/rules.d/ && "
            "udevadm control --reload && udevadm trigger --subsystem-match=virtio-ports --action=add && udevadm settle && "
            # What docs/monitoring.md has a shop do where node_exporter's package made the directory root's.
            "install -d -m 2775 -o root -g wooshpay-kiosk /var/lib/prometheus/node-exporter && "
            "systemctl daemon-reload && systemctl enable --now systemd-networkd.service "
            "system-test-wooshpay-relay.socket system-test-catalog-relay.socket && "
            # The kiosk's first start finds WooshPay reachable, as at every boot (its unit is After=network-online).
            "/lib/systemd/systemd-networkd-wait-online --timeout=60 && "
            # The VM has no backlight: stand in for the udev rule's link with a directory under
            # /sys/devices/platform/, so `security` can see that one directory, and no other, writable.
            "ln -sfn \"$(find /sys/devices/platform -mindepth 1 -maxdepth 1 -type d | sort | head -1)\" "
            "/run/wooshpay-kiosk-backlight && "
            "systemctl enable --now wooshpay-kiosk.service",
            180,
        )
        show = a.check("systemctl show -p Type,ActiveState,SubState,NRestarts wooshpay-kiosk")
        fields = dict(line.split("=", 1) for line in show.split())
        assert fields == {"Type": "notify", "ActiveState": "active", "SubState": "running", "NRestarts": "0"}, show
        return "Type=notify, active (running), no restarts"

    def security(self):
        out = self.agent.check("systemd-analyze security --no-pager wooshpay-kiosk.service 2>&1")
        match = re.search(r"Overall exposure level for wooshpay-kiosk.service: ([0-9.]+)", out)
        assert match, out[-400:]
        score = float(match.group(1))
        assert score <= 1.5, f"exposure {score} > 1.5:\n" + "\n".join(l for l in out.splitlines() if l.startswith("✗"))
        # ReadWritePaths: of /sys, only the backlight's directory (the link's target) is writable.
        target = self.agent.check("readlink -f /run/wooshpay-kiosk-backlight").strip()
        mounts = self.agent.check(
            "cat /proc/$(systemctl show -p MainPID --value wooshpay-kiosk)/mountinfo"
        ).splitlines()
        sys_mounts = {}
        for line in mounts:
            fields = line.split()
            if fields[4] == "/sys" or fields[4].startswith("/sys/"):
                sys_mounts[fields[4]] = fields[5].split(",")[0]
        writable = sorted(path for path, mode in sys_mounts.items() if mode == "rw")
        assert writable == [target], f"writable under /sys: {writable}, expected only {target}"
        assert sys_mounts.get("/sys") == "ro", f"/sys is not read-only: {sys_mounts.get('/sys')}"
        return f"exposure {score}; of /sys only {target} writable"

    read_png = staticmethod(read_png)

    @staticmethod
    def looks_like_catalog(rows):
        # The catalog's warm light background fills most of the screen, with white tiles on it; tty1's console
        # (what shows before a DRM master draws) is black.
        background = share(rows, lambda r, g, b: abs(r - 0xF2) < 6 and abs(g - 0xF0) < 6 and abs(b - 0xEC) < 8)
        white = share(rows, lambda r, g, b: r > 250 and g > 250 and b > 250)
        return background > 0.25 and white > 0.15

    def draws_catalog(self):
        path, ok = self.wait_for_screen("catalog", self.looks_like_catalog, 60)
        assert ok, f"the screen does not show the catalog: {path}"
        return path

    def sessions(self):
        return self.wooshpay.sessions()

    def pay(self, session_id):
        """The customer pays on their phone: the simulator's control API does what its pay page would."""
        self.wooshpay.pay(session_id)

    @staticmethod
    def qr_text(path):
        result = subprocess.run(["zbarimg", "--quiet", "--raw", path], capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else None

    def charge(self, label):
        """Taps two items and Charge; returns the session the QR on screen shows."""
        before = {s["id"] for s in self.sessions()}
        self.tap(118, 150)  # Espresso, first tile
        self.tap(335, 150)  # Flat white, second tile
        self.tap(618, 440, until=self.looks_like_qr, timeout=60)  # Charge
        path, ok = self.wait_for_screen(label, self.looks_like_qr, 10)
        text = self.qr_text(path) if ok else None
        assert text, f"no QR code on screen after tapping Charge: {path}"
        new = [s for s in self.sessions() if s["id"] not in before]
        assert len(new) == 1, f"expected one new session at the simulator, found {len(new)}"
        session = new[0]
        assert text == session["url"], f"the QR says {text!r}, the session's URL is {session['url']!r}"
        assert session.get("amount_total") == 550, f"session amount {session.get('amount_total')}, expected 550"
        return session

    @staticmethod
    def looks_like_qr(rows):
        return share(rows, lambda r, g, b: r < 40 and g < 40 and b < 40) > 0.05

    @staticmethod
    def looks_paid(rows):
        return share(rows, lambda r, g, b: g > 100 and r < 60 and b < 90 and g - r > 60) > 0.5

    def sale(self):
        session = self.charge("qr")
        self.pay(session["id"])
        path, ok = self.wait_for_screen("paid", self.looks_paid, 30)
        assert ok, f"the screen does not show Paid: {path}"
        self.expect_outcome(session["id"], "paid")
        self.tap(400, 425, until=self.looks_like_catalog)  # Done
        return f"{session['id']} paid, 5.50 GBP"

    def expect_outcome(self, session_id, outcome, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            out = self.agent.check("wooshpay-kiosk sales --json 2>/dev/null || true")
            sales = [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]
            found = [s for s in sales if s.get("session_id") == session_id or s.get("id") == session_id]
            if found and found[0].get("outcome") == outcome:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"journal has {found[0].get('outcome') if found else 'no sale'} for {session_id}, expected {outcome}")
            time.sleep(2)

    def restarts(self):
        return int(self.agent.check("systemctl show -p NRestarts --value wooshpay-kiosk").strip())

    def wait_running(self, restarts_before, timeout):
        deadline = time.monotonic() + timeout
        while True:
            show = self.agent.check("systemctl show -p ActiveState,SubState,NRestarts wooshpay-kiosk")
            fields = dict(line.split("=", 1) for line in show.split())
            if int(fields["NRestarts"]) > restarts_before and fields["SubState"] == "running":
                return time.monotonic()
            if time.monotonic() > deadline:
                raise AssertionError(f"not restarted and running within {timeout} s: {show}")
            time.sleep(1)

    def crash(self):
        self.wait_for_screen("catalog-again", self.looks_like_catalog, 30)
        session = self.charge("qr-before-kill")
        before = self.restarts()
        self.agent.check("systemctl kill --signal=KILL --kill-whom=main wooshpay-kiosk")
        self.wait_running(before, 90)
        # The customer pays after the crash: the restarted kiosk must still settle this sale as paid.
        self.pay(session["id"])
        self.expect_outcome(session["id"], "paid", 90)
        return f"restarted; {session['id']} recorded paid"

    def hang(self):
        before = self.restarts()
        watchdog = self.agent.check("systemctl show -p WatchdogUSec --value wooshpay-kiosk").strip()
        stopped = time.monotonic()
        self.agent.check("systemctl kill --signal=STOP --kill-whom=main wooshpay-kiosk")
        seconds = float(re.sub(r"[^0-9.]", "", watchdog) or 0)
        running = self.wait_running(before, seconds + 90)
        out = self.agent.check("journalctl -u wooshpay-kiosk --no-pager -o cat | grep -i watchdog || true")
        assert "watchdog timeout" in out.lower(), f"no watchdog timeout in the journal: {out[-300:]}"
        return f"WatchdogSec={watchdog}; running again {running - stopped:.0f} s after SIGSTOP"

    def fleet(self):
        a = self.agent
        paid_line = re.compile(r'^wooshpay_kiosk_sales_total\{outcome="paid"\} (\d+)', re.M)

        def scrape():
            # bash's /dev/tcp: the guest has no curl, and the request is what Prometheus sends.
            code, out, err = a.run(
                "bash",
                60,
                stdin="exec 3<>/dev/tcp/127.0.0.1/9464\nprintf 'GET /metrics HTTP/1.0\\r\\nHost: kiosk\\r\\n\\r\\n' >&3\ncat <&3\n",
            )
            return out if code == 0 else f"nothing answers on 127.0.0.1:9464: {err.strip()[-400:]}"

        def counts_paid(text):
            paid = paid_line.search(text)
            return paid is not None and int(paid.group(1)) >= 1

        # The sale step's sale is counted when it ends; each wait below is for that, with a deadline.
        scraped = wait_until("/metrics counting the paid sale", scrape, counts_paid, 30)
        assert "application/openmetrics-text" in scraped, scraped[:400]
        assert 'wooshpay_kiosk_build_info{version=' in scraped and 'kiosk_id="system-test"' in scraped, scraped[:800]
        assert scraped.rstrip().endswith("# EOF"), scraped[-200:]
        textfile = "/var/lib/prometheus/node-exporter/wooshpay_kiosk.prom"
        # The textfile is rewritten on its own schedule (textfile_interval_s): wait for one holding the sale.
        text = wait_until(
            f"{textfile} counting the paid sale",
            lambda: a.run(f"cat {textfile}")[1],
            lambda text: counts_paid(text) and "# TYPE wooshpay_kiosk_sales_total counter" in text,
            30,
        )
        mode = a.check(f"stat -c %a {textfile}").strip()
        assert mode == "644", f"{textfile} is {mode}: node_exporter's user could not read it"
        status = wait_until(
            "status --json counting the paid sale",
            lambda: json.loads(
                a.check(
                    "STATE_DIRECTORY=/var/lib/wooshpay-kiosk WOOSHPAY_KIOSK_CONFIG=/etc/wooshpay-kiosk/config.toml "
                    "wooshpay-kiosk status --json"
                )
            ),
            lambda status: status["today"]["paid_count"] >= 1 and status["gateway"]["reachable"] is True,
            30,
        )
        assert status["running"] is True and status["kiosk_id"] == "system-test", status
        # The sandbox: no port but the metrics one can be listened on.
        props = a.check("systemctl show -p SocketBindAllow,SocketBindDeny wooshpay-kiosk")
        paid = paid_line.search(scraped).group(1)
        return f"paid {paid} scraped; textfile {mode}; status running, {status['today']['paid_count']} paid today; {' '.join(props.split())}"

    def journal(self):
        out = self.agent.check("journalctl --no-pager -o cat -u wooshpay-kiosk")
        for line in ("starting the touchscreen UI", "first frame shown"):
            assert line in out, f"the kiosk's journal lacks {line!r}: {out[-400:]}"
        everything = self.agent.check("journalctl --no-pager -o cat; cat /var/log/* 2>/dev/null || true", 120)
        assert SECRET_KEY not in everything and SECRET_KEY[8:] not in everything, "the secret key is in the journal"
        # Start-up on this (emulated) machine, from each start's own log line: comparable between builds.
        # tracing-journald writes the event's fields with an F_ prefix.
        fields = self.agent.check("journalctl -u wooshpay-kiosk --no-pager -o json --output-fields=MESSAGE,F_SINCE_START_MS")
        frames = [
            f"{float(entry['F_SINCE_START_MS']):.0f}"
            for entry in map(json.loads, fields.splitlines())
            if entry.get("MESSAGE") == "first frame shown" and "F_SINCE_START_MS" in entry
        ]
        return f"{len(out.splitlines())} kiosk lines, no key; first frame after {', '.join(frames)} ms"

    def boot_id(self):
        return self.agent.check("cat /proc/sys/kernel/random/boot_id").strip()

    def wait_for_new_boot(self, old_boot_id, timeout=300):
        """Reconnects to the guest agent until it answers from a boot other than old_boot_id."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.connect_agent(timeout=20)
                if self.boot_id() != old_boot_id:
                    return
            except (OSError, TimeoutError, EOFError, RuntimeError, ValueError, AssertionError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the guest did not come back from a restart within {timeout} s")
            time.sleep(1)

    def reboot(self):
        old = self.boot_id()
        self.booted_at = time.monotonic()
        try:  # the guest may go down before it answers
            self.agent.call("guest-exec", path="/bin/systemctl", arg=["reboot"], timeout=10)
        except (OSError, TimeoutError, EOFError, RuntimeError, ValueError):
            pass
        self.wait_for_new_boot(old)
        self.agent.check("systemctl is-system-running --wait >/dev/null; systemctl is-active wooshpay-kiosk", 240)
        path, ok = self.wait_for_screen("catalog-after-reboot", self.looks_like_catalog, 90)
        assert ok, f"no catalog after the reboot: {path}"
        return f"catalog {time.monotonic() - self.booted_at:.0f} s after the reboot"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--arch", choices=["amd64", "arm64"], required=True)
    parser.add_argument("--image", required=True, help="directory with root.qcow2, vmlinuz, initrd.img")
    parser.add_argument("--deb", required=True)
    parser.add_argument("--out", required=True, help="where the screen dumps go")
    parser.add_argument("--keep", action="store_true", help="keep the VM's work directory")
    parser.add_argument("--hold", action="store_true", help="keep the VM running after the steps, for debugging")
    parser.add_argument("--only", help="run only the steps up to this one (a prefix of its name)")
    parser.add_argument("--power-cuts", type=int, default=0, help="hard resets in the power step (0: no power step)")
    parser.add_argument("--seed", type=int, help="the power step's random seed (printed; default: a new one)")
    test = SystemTest(parser.parse_args())
    # A CI timeout's SIGTERM still ends with the summary line and a VM that is shut down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    test.run()
    sys.exit(0 if test.results and all(ok for _, ok in test.results) else 1)


if __name__ == "__main__":
    main()
