"""The power step: hard resets (QMP `system_reset`: no shutdown, whatever the guest had not written is gone) at
random moments of real sales, and after each boot the checks a shop owner depends on.

The moments, taken in turn from a seeded random start, each with a seeded random delay inside it: before the
create (Charge just tapped), with the QR on screen, just after the customer paid, while the receipt prints (its
first bytes reached the printer), while a new catalog is being kept (the feed changed within one refresh
interval, cut once the kiosk has fetched it). The seed is printed: `--seed N` replays the same moments and delays (timing inside the VM still
varies). After each boot: the kiosk reaches its catalog by itself (a sale it resumes is paid by the customer,
as one standing at the kiosk would), the journal passes `PRAGMA integrity_check` (on the host, of a copy), every session paid at WooshPay
is recorded paid exactly once and none is recorded paid that WooshPay does not call paid, every paid sale has
its receipt and none is printed twice, and the kept catalog copy matches its record.
"""

import base64
import io
import json
import os
import random
import re
import shutil
import sqlite3
import tarfile
import tempfile
import time

STATE = "/var/lib/wooshpay-kiosk"
KEPT = f"{STATE}/catalog-feed"
MOMENTS = ("before the create", "QR on screen", "just after the customer pays", "while a receipt prints",
           "while a new catalog is kept")
# After a boot: the kiosk's recovery retries every 10 s while sales stay unsettled, and WooshPay's network
# comes up after the kiosk may have started.
SETTLE_S = 180


def log(message):
    print(message, flush=True)


class PowerCuts:
    def __init__(self, test, cuts, seed):
        self.test = test
        self.cuts = cuts
        self.seed = seed if seed is not None else int.from_bytes(os.urandom(4), "big")
        self.random = random.Random(self.seed)
        self.lost = set()
        self.damaged = 0
        self.problems = []
        self.catalog_version = 0

    def run(self):
        t = self.test
        log(f"   power seed {self.seed} (replay: POWER_SEED={self.seed})")
        first = self.random.randrange(len(MOMENTS))
        started = time.monotonic()
        done = 0
        try:
            for cut in range(self.cuts):
                moment = MOMENTS[(first + cut) % len(MOMENTS)]
                _, ok = t.wait_for_screen("catalog-before-cut", t.looks_like_catalog, 60)
                assert ok, "no catalog on screen before the cut"
                old_boot = t.boot_id()
                delay = self.prepare(moment)
                t.qmp.command("system_reset")
                reset = time.monotonic()
                t.wait_for_new_boot(old_boot)
                self.back_to_catalog()
                back = time.monotonic() - reset
                found = self.check()
                done += 1
                log(f"   cut {cut + 1}/{self.cuts} {moment} (+{delay:.2f} s): catalog {back:.0f} s after the reset; {found}")
        finally:
            # The cuts actually made and checked: a step that stops early says so.
            log(f"power cuts: {done}, paid sales lost: {len(self.lost)}, journals damaged: {self.damaged}")
        elapsed = time.monotonic() - started
        assert not self.lost and not self.damaged and not self.problems, "; ".join(self.problems)
        return f"{self.cuts} cuts in {elapsed:.0f} s, seed {self.seed}"

    # ---- the moments ------------------------------------------------------------------------------------
    def prepare(self, moment):
        """Brings the kiosk to the moment; returns the random delay after which the power goes."""
        t = self.test
        if moment == "before the create":
            t.tap(118, 150)
            t.tap(335, 150)
            t.touch(618, 440)  # Charge, and no waiting for the session it creates
            delay = self.random.uniform(0, 1.5)
        elif moment == "QR on screen":
            t.charge("qr-before-cut")
            delay = self.random.uniform(0, 3)
        elif moment == "just after the customer pays":
            t.pay(t.charge("qr-before-cut")["id"])
            delay = self.random.uniform(0, 1.5)
        elif moment == "while a receipt prints":
            before = self.printed_size()
            t.pay(t.charge("qr-before-cut")["id"])
            deadline = time.monotonic() + 60
            while self.printed_size() == before:
                assert time.monotonic() < deadline, "the paid sale's receipt did not start printing within 60 s"
                time.sleep(0.02)
            delay = self.random.uniform(0, 0.3)
        else:
            # A new catalog (the same items, new bytes and ETag); the cut comes once the kiosk has fetched it,
            # while it checks the catalog and keeps its copy.
            with open(os.path.join(t.work, "deb", "etc", "wooshpay-kiosk", "catalog.toml"), "rb") as f:
                body = f.read()
            self.catalog_version += 1
            version = t.catalog_feed.publish(body + f"# version {self.catalog_version} of the power step\n".encode())
            assert t.catalog_feed.wait_fetched(version, 45), "the kiosk did not fetch the new catalog within 45 s"
            delay = self.random.uniform(0, 0.3)
        time.sleep(delay)  # the cut's moment, chosen at random inside the moment: not a wait for anything
        return delay

    # ---- after the boot ---------------------------------------------------------------------------------
    def back_to_catalog(self):
        """Waits for the catalog with no sale left pending: a sale the kiosk resumes on screen (which may come a
        little after the catalog, once its recovery has reached WooshPay) is paid by its customer, Paid is closed."""
        t = self.test
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            path = t.screen("after-cut")
            rows = t.read_png(path)
            if t.looks_like_catalog(rows) and not self.pending_sales():
                os.remove(path)
                t.shots -= 1
                return
            if t.looks_paid(rows):
                t.tap(400, 425)  # Done
            elif t.looks_like_qr(rows):
                url = t.qr_text(path)
                session = next((s for s in t.sessions() if url and s["url"] == url), None)
                # Resumed on screen: its customer pays (an expired or paid one is left as it is).
                if session and session.get("status") == "open" and session.get("payment_status") != "paid":
                    t.pay(session["id"])
            os.remove(path)
            t.shots -= 1
            time.sleep(1)
        raise AssertionError(f"no catalog on screen within {SETTLE_S} s of the boot")

    def check(self):
        t = self.test
        lost, wrong = self.sales_settled()
        integrity = self.journal_integrity()
        if integrity != "ok":
            self.damaged += 1
            self.problems.append(f"integrity_check: {integrity[:300]}")
        self.lost.update(lost)
        if wrong:
            self.problems.append(f"recorded paid, not paid at WooshPay: {sorted(wrong)}")
        missing, twice = self.receipts()
        if missing:
            self.problems.append(f"no receipt for paid sales {sorted(missing)}")
        if twice:
            self.problems.append(f"printed more than once: {twice}")
        copy = self.kept_catalog()
        if copy != "whole":
            self.problems.append(f"kept catalog copy: {copy}")
        return (f"journal {'ok' if integrity == 'ok' else 'DAMAGED'}, "
                f"{len(lost)} paid lost, {len(missing)} receipts missing, {len(twice)} printed twice, catalog copy {copy}")

    def journal_integrity(self):
        """`PRAGMA integrity_check` of the journal, on the host (the guest has no sqlite3): a copy of the database
        and its WAL, taken while the kiosk is idle, opened by Python's sqlite3 (which applies the WAL as the
        kiosk would). A copy torn by a write during the copy would fail too: a failure is confirmed on a second copy."""
        for _ in range(2):
            out = self.test.agent.check(f"cd {STATE} && tar cf - sales.sqlite $(ls sales.sqlite-wal 2>/dev/null) | base64 -w0")
            work = tempfile.mkdtemp(prefix="journal-", dir=self.test.work)
            with tarfile.open(fileobj=io.BytesIO(base64.b64decode(out))) as tar:
                tar.extractall(work)
            connection = sqlite3.connect(os.path.join(work, "sales.sqlite"))
            try:
                result = "\n".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
            except sqlite3.DatabaseError as error:
                result = str(error)
            finally:
                connection.close()
            shutil.rmtree(work, ignore_errors=True)
            if result == "ok":
                return result
        return result

    def pending_sales(self):
        return [s for s in self.journal_sales() if s.get("outcome") == "pending"]

    def journal_sales(self):
        out = self.test.agent.check("wooshpay-kiosk sales --json 2>/dev/null || true")
        return [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]

    def sales_settled(self):
        """Waits until every session paid at WooshPay is recorded paid once; returns (lost, recorded paid wrongly)."""
        deadline = time.monotonic() + SETTLE_S
        while True:
            paid = {s["id"] for s in self.test.sessions() if s.get("payment_status") == "paid"}
            rows = [s for s in self.journal_sales() if s.get("outcome") == "paid"]
            recorded = [s.get("id") for s in rows]
            lost = {session for session in paid if recorded.count(session) != 1}
            wrong = set(recorded) - paid
            if not lost or time.monotonic() > deadline:
                return lost, wrong
            time.sleep(2)

    def printed_size(self):
        try:
            return os.path.getsize(self.test.printer)
        except FileNotFoundError:
            return 0

    def receipts(self):
        """Receipts on the paper, by session (each carries `Ref: <session id>`): (paid without one, printed twice).
        A copy printed again because a cut interrupted its printing carries a `DUPLICATE?` mark above it, on the
        same piece of paper (pieces end at a cut, GS V): it counts as a receipt but never as printed twice; only
        unmarked repeats do."""
        deadline = time.monotonic() + 60
        while True:
            paid = {s["id"] for s in self.test.sessions() if s.get("payment_status") == "paid"}
            with open(self.test.printer, "rb") as f:
                pieces = f.read().split(b"\x1dV")
            printed, unmarked = set(), {}
            for piece in pieces:
                marked = b"DUPLICATE?" in piece
                for ref in re.findall(rb"Ref: (cs_[A-Za-z0-9_]+)", piece):
                    printed.add(ref.decode())
                    if not marked:
                        unmarked[ref.decode()] = unmarked.get(ref.decode(), 0) + 1
            missing = paid - printed
            twice = {session: n for session, n in unmarked.items() if n > 1}
            if not missing or time.monotonic() > deadline:
                return missing, twice
            time.sleep(1)

    def kept_catalog(self):
        code, out, _ = self.test.agent.run(f"cat {KEPT}/copy.json && echo '----' && sha256sum {KEPT}/catalog.toml")
        if code != 0:
            return "missing"
        record, digest = out.split("----\n")
        if json.loads(record)["sha256"] != digest.split()[0]:
            return "does not match its record"
        return "whole"
