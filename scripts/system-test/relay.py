#!/usr/bin/env python3
"""One guest connection to WooshPay, relayed to the simulator on the host.

QEMU's user network (`restrict=on`: no other traffic leaves the VM) starts this for every TCP connection the
guest opens to 10.0.2.100:8787 (`guestfwd=...-cmd:`), with the connection on stdin and stdout.
"""

import os
import socket
import sys
import threading


def main():
    upstream = socket.create_connection(("127.0.0.1", int(sys.argv[1])))

    def guest_to_host():
        while True:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            upstream.sendall(chunk)
        try:
            upstream.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    threading.Thread(target=guest_to_host, daemon=True).start()
    while True:
        chunk = upstream.recv(65536)
        if not chunk:
            break
        while chunk:
            chunk = chunk[os.write(1, chunk):]


if __name__ == "__main__":
    main()
