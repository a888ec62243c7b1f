#!/usr/bin/python3
"""Webhooks end to end: a real depot-hub and a local HTTP receiver (http.server) that fails on
purpose. Every request's signature is checked with the function of docs/webhooks.md.

Usage: test_webhooks.py [--hub PATH]   (default: $DEPOT_HUB, then build/server/depot-hub)
"""
import argparse
import http.server
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import textwrap
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from hubprocess import HubProcess  # noqa: E402

PASSWORD = "webhook-admin-password"
SECRET = "a-receiver-secret-of-32-chars..."
WAIT = 15.0
# Short waits, so that several retries fit into a test.
FAST_RETRIES = ["--outbox-retry-base", "100ms", "--outbox-retry-cap", "400ms",
                "--webhook-timeout", "2s"]
HUB = os.environ.get("DEPOT_HUB", os.path.join(HERE, "..", "..", "build", "server", "depot-hub"))


def documented_verify():
    """verify() of the indented Python block of docs/webhooks.md."""
    with open(os.path.join(HERE, "..", "..", "docs", "webhooks.md"), encoding="utf-8") as f:
        text = f.read()
    for block in re.findall(r"\n\n((?: {4}.*\n|\n)+)", text):
        if "def verify(" in block:
            scope = {}
            exec(textwrap.dedent(block), scope)  # noqa: S102 - the documented example itself
            return scope["verify"]
    raise AssertionError("docs/webhooks.md has no verify() example")


verify = documented_verify()


class Receiver:
    """An HTTP server on 127.0.0.1 that answers 500 to its first `failures` requests, then 200,
    and records every request (headers, body, the answer given) in order."""

    def __init__(self, failures=0, port=0, redirect_to=None):
        self.failures = failures
        self.redirect_to = redirect_to
        self.requests = []
        self.cond = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.cond:
                    status = 500 if receiver.failures > 0 else 200
                    receiver.failures -= 1
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "body": body, "status": status})
                    receiver.cond.notify_all()
                if receiver.redirect_to:
                    self.send_response(307)
                    self.send_header("Location", receiver.redirect_to)
                else:
                    self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self):
        with self.cond:
            return [r for r in self.requests if r["status"] == 200]

    def wait_for_delivered(self, count):
        deadline = time.monotonic() + WAIT
        with self.cond:
            while len([r for r in self.requests if r["status"] == 200]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%d of %d deliveries after %.0f s" % (
                        len([r for r in self.requests if r["status"] == 200]), count, WAIT))
                self.cond.wait(left)
        return self.delivered()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Hub(HubProcess):
    def __init__(self, extra_args=(), data_dir=None):
        super().__init__(HUB, PASSWORD, "depot-webhooks-", extra_args=extra_args,
                         data_dir=data_dir)
        self.token = self.call("POST", "/api/auth/login",
                               {"username": "dispatcher", "password": PASSWORD}, token=None)[1]["token"]

    def call(self, method, path, body=None, token=""):
        token = self.token if token == "" else token
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=WAIT) as res:
                raw = res.read()
                return res.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def package(self, name):
        status, p = self.call("POST", "/api/packages", {
            "recipientName": name, "address": "1 Long Road",
            "destination": {"latitude": 51.5, "longitude": -0.12}})
        assert status == 201, (status, p)
        return p["id"]

    def cancel(self, package_id):
        status, p = self.call("POST", "/api/packages/%s/cancel" % package_id, {"reason": "gone"})
        assert status == 200, (status, p)


class WebhookTests(unittest.TestCase):
    def setUp(self):
        self.cleanups = []

    def tearDown(self):
        for cleanup in reversed(self.cleanups):
            cleanup()

    def start_hub(self, **kwargs):
        hub = Hub(**kwargs)
        self.cleanups.append(hub.stop)
        return hub

    def start_receiver(self, **kwargs):
        receiver = Receiver(**kwargs)
        self.cleanups.append(receiver.stop)
        return receiver

    def check_requests(self, receiver, expected_per_package):
        """Every request is signed, names its delivery in header and body alike, repeats the
        delivery id on retries; each package's deliveries arrive in order, the next only after
        the previous was answered 200; none is missing."""
        requests = list(receiver.requests)
        answered = set()
        seen = {}
        for r in requests:
            h = {k.lower(): v for k, v in r["headers"].items()}
            self.assertTrue(verify(SECRET, h["x-depot-timestamp"], r["body"],
                                   h["x-depot-signature"]), h)
            body = json.loads(r["body"])
            self.assertEqual(body["id"], h["x-depot-delivery"])
            self.assertEqual(body["event"], h["x-depot-event"])
            self.assertEqual(set(body), {"id", "event", "timestamp", "data"})
            package = body["data"]["packageId"]
            order = seen.setdefault(package, [])
            if body["id"] not in order:
                # A new delivery of this package: every earlier one was delivered already.
                self.assertTrue(all(d in answered for d in order), "out of order: %s" % package)
                order.append(body["id"])
            else:
                self.assertEqual(order[-1], body["id"], "a retry after a later delivery")
            if r["status"] == 200:
                answered.add(body["id"])
            r["parsed"] = body
        for package, events in expected_per_package.items():
            ids = seen.get(package, [])
            names = [next(r["parsed"]["event"] for r in requests if r["parsed"]["id"] == d)
                     for d in ids]
            self.assertEqual(names, events, package)
            self.assertTrue(all(d in answered for d in ids))
        return seen

    def add_webhook(self, hub, url, events):
        status, w = hub.call("POST", "/api/webhooks", {"url": url, "events": events,
                                                       "secret": SECRET})
        self.assertEqual(status, 201, w)
        return w

    def test_retries_keep_order_and_delivery_ids(self):
        receiver = self.start_receiver(failures=5)
        hub = self.start_hub(extra_args=FAST_RETRIES)
        w = self.add_webhook(hub, receiver.url, ["package:update", "package:cancelled"])
        first, second = hub.package("Ada"), hub.package("Grace")
        hub.cancel(first)
        hub.cancel(second)
        expected = ["package:update", "package:cancelled", "package:update"]
        receiver.wait_for_delivered(6)
        seen = self.check_requests(receiver, {first: expected, second: expected})
        failed = [r for r in receiver.requests if r["status"] == 500]
        self.assertEqual(len(failed), 5)
        # Retried deliveries came back with the id they had.
        for r in failed:
            self.assertIn(r["parsed"]["id"], seen[r["parsed"]["data"]["packageId"]])
        # The hub records the last answer a moment after the receiver gave it.
        deadline = time.monotonic() + WAIT
        while True:
            status, deliveries = hub.call("GET", "/api/webhooks/%s/deliveries" % w["id"])
            self.assertEqual(status, 200)
            if all(d["state"] == "delivered" for d in deliveries) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(deliveries), 6)
        self.assertTrue(all(d["state"] == "delivered" for d in deliveries), deliveries)
        self.assertEqual(sum(len(d["log"]) for d in deliveries), 6 + 5)
        self.assertEqual(sum(1 for d in deliveries for a in d["log"] if a["status"] == 500), 5)

    def test_kill_minus_nine_loses_nothing(self):
        # The receiver is down in two ways: it takes connections and never answers (attempts
        # are in flight when the hub dies), and before that nobody listened at all.
        hanging = socket.socket()
        hanging.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        hanging.bind(("127.0.0.1", 0))
        port = hanging.getsockname()[1]
        held = []
        data_dir = tempfile.mkdtemp(prefix="depot-webhooks-kill-")
        self.cleanups.append(lambda: shutil.rmtree(data_dir, ignore_errors=True))
        hub = self.start_hub(extra_args=FAST_RETRIES, data_dir=data_dir)
        self.add_webhook(hub, "http://127.0.0.1:%d/hook" % port,
                         ["package:update", "package:cancelled"])
        packages = [hub.package("P%d" % i) for i in range(3)]
        for p in packages:
            hub.cancel(p)
        hanging.listen(16)
        hanging.settimeout(WAIT)
        held.append(hanging.accept()[0])  # an attempt is in flight now
        hub.kill()  # after the answers, while the receiver is down
        for s in held + [hanging]:
            s.close()
        receiver = self.start_receiver(port=port)
        # Without a restarted hub taking over the killed one's claims, the deliveries that
        # were in flight would wait for their leases (minutes) and not arrive in time.
        self.start_hub(extra_args=FAST_RETRIES, data_dir=data_dir)
        receiver.wait_for_delivered(9)
        expected = ["package:update", "package:cancelled", "package:update"]
        self.check_requests(receiver, {p: expected for p in packages})
        self.assertEqual(len({r["parsed"]["id"] for r in receiver.delivered()}), 9)

    def test_redirects_to_another_host_are_not_followed(self):
        elsewhere = self.start_receiver()
        redirecting = self.start_receiver(
            redirect_to="http://localhost:%d/hook" % elsewhere.port)
        hub = self.start_hub(extra_args=FAST_RETRIES)
        w = self.add_webhook(hub, redirecting.url, ["package:update"])
        hub.package("Ada")
        deadline = time.monotonic() + WAIT
        while True:
            deliveries = hub.call("GET", "/api/webhooks/%s/deliveries" % w["id"])[1]
            if len(deliveries) == 1 and len(deliveries[0]["log"]) >= 2:
                break
            self.assertLess(time.monotonic(), deadline, deliveries)
            time.sleep(0.05)
        self.assertEqual(deliveries[0]["state"], "pending")
        self.assertEqual(deliveries[0]["log"][0]["status"], 307)
        self.assertFalse(deliveries[0]["log"][0]["delivered"])
        self.assertGreaterEqual(len(redirecting.requests), 2)
        self.assertEqual(elsewhere.requests, [])

    def test_management(self):
        hub = self.start_hub()
        bad = [
            ({"url": "ftp://example.com/x", "events": ["package:update"]}, "url"),
            ({"url": "http://127.0.0.1:9/", "events": ["location:update"]}, "location:update"),
            ({"url": "http://127.0.0.1:9/", "events": []}, "events"),
            ({"url": "http://127.0.0.1:9/", "events": ["package:update"], "secret": "short"},
             "secret"),
        ]
        for body, word in bad:
            status, answer = hub.call("POST", "/api/webhooks", body)
            self.assertEqual(status, 400, body)
            self.assertEqual(answer["error"]["code"], "validation_failed")
            self.assertIn(word, answer["error"]["message"])
        self.assertEqual(hub.call("GET", "/api/webhooks")[1], [])
        status, made = hub.call("POST", "/api/webhooks",
                                {"url": "https://hooks.example/depot", "events": ["delivery:failed"]})
        self.assertEqual(status, 201)
        self.assertRegex(made["secret"], r"^[0-9a-f]{64}$")
        status, listed = hub.call("GET", "/api/webhooks")
        self.assertEqual(status, 200)
        self.assertEqual([w["id"] for w in listed], [made["id"]])
        self.assertNotIn("secret", listed[0])
        self.assertNotIn(made["secret"], json.dumps(listed))
        self.assertEqual(hub.call("GET", "/api/webhooks", token=None)[0], 401)
        self.assertEqual(hub.call("DELETE", "/api/webhooks/" + made["id"])[0], 204)
        self.assertEqual(hub.call("DELETE", "/api/webhooks/" + made["id"])[0], 404)
        self.assertEqual(hub.call("GET", "/api/webhooks/%s/deliveries" % made["id"])[0], 404)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--hub", default=HUB)
    args, rest = parser.parse_known_args()
    HUB = args.hub
    unittest.main(argv=[sys.argv[0]] + rest)
