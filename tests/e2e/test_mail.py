#!/usr/bin/python3
"""Customer e-mail end to end: a real depot-hub with --smtp and a local SMTP server (aiosmtpd,
tests/support/smtpserver.py). A package with a recipientEmail that goes out for delivery, is
delivered or fails sends its customer a message through the hub's outbox: in order, in the
package's language, and not lost while the SMTP server is down or when the hub is killed.

Usage: test_mail.py [--hub PATH]   (default: $DEPOT_HUB, then build/server/depot-hub)
"""
import argparse
import email
import email.policy
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_webhooks  # noqa: E402  (its Hub: a depot-hub logged in as the dispatcher)
from test_webhooks import FAST_RETRIES, WAIT  # noqa: E402

SMTP_SERVER = os.path.join(HERE, "..", "support", "smtpserver.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """smtpserver.py on `port` (or a free one); its messages, parsed, in arrival order."""

    def __init__(self, port=None):
        self.dir = tempfile.mkdtemp(prefix="depot-mail-")
        args = [sys.executable, SMTP_SERVER, self.dir]
        if port:
            args += ["--port", str(port)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("PORT "), line
        self.port = int(line.split()[1])

    def messages(self):
        found = []
        n = 1
        while os.path.exists(os.path.join(self.dir, "%d.eml" % n)):
            with open(os.path.join(self.dir, "%d.eml" % n), "rb") as f:
                found.append(email.message_from_binary_file(f, policy=email.policy.default))
            n += 1
        return found

    def wait_for(self, count):
        deadline = time.monotonic() + WAIT
        while len(self.messages()) < count:
            if time.monotonic() > deadline:
                raise AssertionError("%d of %d messages after %.0f s" % (
                    len(self.messages()), count, WAIT))
            time.sleep(0.05)
        return self.messages()

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)


class MailTests(unittest.TestCase):
    def setUp(self):
        self.cleanups = []

    def tearDown(self):
        for cleanup in reversed(self.cleanups):
            cleanup()

    def start_smtp(self, port=None):
        server = SmtpServer(port)
        self.cleanups.append(server.stop)
        return server

    def start_hub(self, smtp_port, data_dir=None):
        hub = test_webhooks.Hub(extra_args=[*FAST_RETRIES, "--smtp", "smtp://127.0.0.1:%d" % smtp_port,
                                            "--smtp-from", "depot@depot.example"],
                                data_dir=data_dir)
        self.cleanups.append(hub.stop)
        return hub

    def courier(self, hub):
        status, c = hub.call("POST", "/api/couriers", {
            "name": "Ayla", "username": "ayla-%d" % time.monotonic_ns(), "password": "ayla-password"})
        self.assertEqual(status, 201, c)
        return c["id"]

    def package(self, hub, courier, **fields):
        status, p = hub.call("POST", "/api/packages", {
            "recipientName": "Grace Hopper", "address": "1 Harbour St",
            "destination": {"latitude": 51.5, "longitude": -0.12}, **fields})
        self.assertEqual(status, 201, p)
        for action, body in (("assign", {"deliveryPersonId": courier}), ("start", {})):
            status, answer = hub.call("POST", "/api/packages/%s/%s" % (p["id"], action), body)
            self.assertEqual(status, 200, answer)
        return p

    def test_out_for_delivery_then_delivered_or_failed(self):
        smtp = self.start_smtp()
        hub = self.start_hub(smtp.port)
        courier = self.courier(hub)
        delivered = self.package(hub, courier, recipientEmail="grace@example.com")
        failed = self.package(hub, courier, recipientEmail="ada@example.com", language="de")
        silent = self.package(hub, courier)  # no address: no message
        self.assertEqual(hub.call("POST", "/api/packages/%s/complete" % delivered["id"], {})[0], 200)
        self.assertEqual(hub.call("POST", "/api/packages/%s/fail" % failed["id"],
                                  {"reason": "nobody home"})[0], 200)
        self.assertEqual(hub.call("POST", "/api/packages/%s/complete" % silent["id"], {})[0], 200)
        messages = smtp.wait_for(4)
        time.sleep(0.3)
        self.assertEqual(len(smtp.messages()), 4, "no message for a package without an address")
        to_grace = [m for m in messages if m["To"].addresses[0].addr_spec == "grace@example.com"]
        to_ada = [m for m in messages if m["To"].addresses[0].addr_spec == "ada@example.com"]
        self.assertEqual(len(to_grace), 2)
        self.assertEqual(len(to_ada), 2)
        # Each package's messages in the order of its changes; the first carries the tracking link.
        link = "%s/track/%s" % (hub.url, delivered["trackingCode"])
        self.assertIn(link, to_grace[0].get_content())
        self.assertNotEqual(to_grace[0]["Subject"], to_grace[1]["Subject"])
        self.assertEqual(to_ada[0]["Content-Language"], "de")
        self.assertIn("nobody home", to_ada[1].get_content())
        for m in messages:
            self.assertEqual(m["From"].addresses[0].addr_spec, "depot@depot.example")
            self.assertEqual(len(m.defects), 0)

    def test_smtp_down_and_kill_minus_nine_lose_nothing(self):
        port = free_port()  # nobody listens there yet: the SMTP server is down
        data_dir = tempfile.mkdtemp(prefix="depot-mail-kill-")
        self.cleanups.append(lambda: shutil.rmtree(data_dir, ignore_errors=True))
        hub = self.start_hub(port, data_dir=data_dir)
        courier = self.courier(hub)
        packages = [self.package(hub, courier, recipientEmail="c%d@example.com" % i)
                    for i in range(3)]
        for p in packages:
            self.assertEqual(hub.call("POST", "/api/packages/%s/complete" % p["id"], {})[0], 200)
        time.sleep(0.5)  # a few failed tries
        hub.kill()  # right after the answers, while the SMTP server is down
        smtp = self.start_smtp(port)
        self.start_hub(port, data_dir=data_dir)
        messages = smtp.wait_for(6)
        for i in range(3):
            mine = [m for m in messages if m["To"].addresses[0].addr_spec == "c%d@example.com" % i]
            # At least once each, with a Message-ID that stays the same when a try is repeated.
            self.assertEqual(len({m["Message-ID"] for m in mine}), 2, "out for delivery, delivered")
            self.assertIn(packages[i]["trackingCode"], mine[0].get_content())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--hub", default=test_webhooks.HUB)
    args, rest = parser.parse_known_args()
    test_webhooks.HUB = args.hub
    unittest.main(argv=[sys.argv[0]] + rest)
