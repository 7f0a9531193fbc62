"""WooshPay for the system test, on the host: the package's own `wooshpay-kiosk simulate`, outside the VM.

A power cut at the shop does not touch WooshPay: its sessions and payments outlive the kiosk's. Inside the VM
the simulator (memory only) would forget every session at each cut, and the kiosk could not learn afterwards
that a customer had paid, which a real WooshPay would tell it. So the simulator runs here, and the guest
reaches it at 10.0.2.100:8787 through QEMU's user network with `restrict=on` (that one address and port, no
other network) and relay.py.
"""

import json
import os
import socket
import subprocess
import time
import urllib.request

GUEST_ADDRESS = "10.0.2.100:8787"


class HostWooshPay:
    def __init__(self, deb, arch, work, secret_key):
        root = os.path.join(work, "deb")
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
        binary = os.path.join(root, "usr", "bin", "wooshpay-kiosk")
        # The arm64 binary runs here under qemu-user (the cross build's arm64 libraries are installed).
        prefix = ["qemu-aarch64-static"] if arch == "arm64" and os.uname().machine != "aarch64" else []
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(work, "simulator.log")
        env = dict(os.environ, WOOSHPAY_SECRET_KEY=secret_key)
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                prefix + [binary, "simulate", "--listen", f"127.0.0.1:{self.port}"],
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                self.sessions()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the simulator did not answer on {self.url}: see {self.log_path}")
                time.sleep(0.5)

    def guestfwd(self, relay):
        """The -netdev option that gives the guest this simulator at GUEST_ADDRESS."""
        return f"guestfwd=tcp:{GUEST_ADDRESS}-cmd:python3 {relay} {self.port}"

    def _request(self, path, post=False):
        request = urllib.request.Request(self.url + path, data=b"" if post else None, method="POST" if post else "GET")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")

    def sessions(self):
        return self._request("/_sim/sessions")

    def pay(self, session_id):
        """The customer pays on their phone: the control API does what the pay page would."""
        self._request(f"/_sim/sessions/{session_id}/pay", post=True)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
