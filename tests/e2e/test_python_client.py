#!/usr/bin/python3
"""python-socketio as a second, independent Socket.IO client of the hub.

Usage: test_python_client.py [--hub PATH]   (default: $DEPOT_HUB, then build/server/depot-hub)
Exits non-zero if any check fails; the last line reads "N passed, M failed".
"""
import argparse
import json
import os
import queue
import re
import sys
import textwrap
import threading
import time
import traceback
import urllib.error
import urllib.request

import socketio

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from hubprocess import HubProcess  # noqa: E402

PASSWORD = "e2e-admin-password"
WAIT = 8.0
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
REALTIME_DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "realtime.md")


def documented_python_example():
    """The indented code block of docs/realtime.md that uses python-socketio."""
    with open(REALTIME_DOC, encoding="utf-8") as f:
        text = f.read()
    for block in re.findall(r"\n\n((?: {4}.*\n|\n)+)", text):
        if "import socketio" in block:
            return textwrap.dedent(block)
    raise AssertionError("docs/realtime.md has no python-socketio example")


class Hub(HubProcess):
    """A depot-hub on a free port with a throwaway data dir, and its dispatcher's token."""

    def __init__(self, executable):
        super().__init__(executable, PASSWORD, "depot-e2e-py-")
        self.token = self.call("POST", "/api/auth/login",
                               {"username": "dispatcher", "password": PASSWORD}, token=None)["token"]
        self._serial = 0

    def request(self, method, path, body=None, token=""):
        token = self.token if token == "" else token
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=WAIT) as res:
                status, text = res.status, res.read().decode()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode()
        return status, (json.loads(text) if text else None)

    def call(self, method, path, body=None, token="", expect=None):
        status, payload = self.request(method, path, body, token)
        want = expect or (201 if method == "POST" and path in ("/api/couriers", "/api/packages") else
                          202 if path.endswith("/location") else 200)
        if status != want:
            raise AssertionError("%s %s: expected %d, got %d %s" % (method, path, want, status, payload))
        return payload

    def create_courier(self, name):
        self._serial += 1
        username = "pycourier%d" % self._serial
        courier = self.call("POST", "/api/couriers",
                            {"name": name, "username": username, "password": "courier-password"})
        token = self.call("POST", "/api/auth/login",
                          {"username": username, "password": "courier-password"}, token=None)["token"]
        return courier, token

    def create_package(self, name):
        return self.call("POST", "/api/packages", {
            "recipientName": name, "address": "1 Harbour St",
            "destination": {"latitude": 52.52, "longitude": 13.405}})


class Client:
    """A python-socketio client that queues every event it receives."""

    def __init__(self):
        self.sio = socketio.Client(reconnection=False)
        self.events = queue.Queue()
        self.errors = queue.Queue()

        @self.sio.on("*")
        def any_event(event, *args):
            # The hub appends a recovery offset as a last argument; keep the payload only.
            self.events.put((event, args[0] if args else None))

        @self.sio.event
        def connect_error(data=None):
            self.errors.put(data)

    def connect(self, hub, token, transports, wait_timeout=5):
        auth = None if token is None else {"token": token}
        self.sio.connect(hub.url, auth=auth, transports=transports, wait_timeout=wait_timeout)
        return self

    def wait_for(self, pred, what):
        deadline = time.monotonic() + WAIT
        seen = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %s; got %s" % (what, seen))
            try:
                event, data = self.events.get(timeout=left)
            except queue.Empty:
                continue
            seen.append(event)
            if pred(event, data):
                return data

    def close(self):
        try:
            self.sio.disconnect()
        except Exception:
            pass


TRANSPORTS = [("polling+upgrade", ["polling", "websocket"], "websocket"),
              ("websocket", ["websocket"], "websocket")]


def make_tests(hub):
    tests = []

    for label, transports, final in TRANSPORTS:
        def connects(transports=transports, final=final):
            c = Client().connect(hub, hub.token, transports)
            try:
                assert c.sio.connected
                assert c.sio.transport() == final, "transport is %s" % c.sio.transport()
                assert c.sio.get_sid() or c.sio.sid
            finally:
                c.close()

        def receives_package_update(transports=transports):
            courier, _ = hub.create_courier("Py courier")
            c = Client().connect(hub, hub.token, transports)
            try:
                pkg = hub.create_package("Python")
                data = c.wait_for(lambda e, d: e == "package:update" and d.get("packageId") == pkg["id"],
                                  "package:update PENDING")
                assert data["status"] == "PENDING", data
                hub.call("POST", "/api/packages/%s/assign" % pkg["id"], {"deliveryPersonId": courier["id"]})
                order = []
                data = c.wait_for(lambda e, d: (order.append(e) or True) and e == "package:update"
                                  and d.get("packageId") == pkg["id"], "package:update ASSIGNED")
                assert order[-2:] == ["delivery:assigned", "package:update"], order
                assert data["status"] == "ASSIGNED" and data["deliveryPersonId"] == courier["id"], data
                assert data["reason"] is None, data
                assert ISO_MS.match(data["timestamp"]), data
                assert UUID.match(data["packageId"]), data
            finally:
                c.close()

        def courier_ack(transports=transports):
            courier, token = hub.create_courier("Py courier")
            c = Client().connect(hub, token, transports)
            try:
                ack = c.sio.call("location:update", {"latitude": 52.5, "longitude": 13.4, "speed": 3.0},
                                 timeout=WAIT)
                assert ack == {"ok": True}, ack
                bad = c.sio.call("location:update", {"latitude": 95, "longitude": 13.4}, timeout=WAIT)
                assert isinstance(bad, dict) and bad.get("error", {}).get("code") == "validation_failed", bad
                assert isinstance(bad["error"].get("message"), str), bad
                stored = hub.call("GET", "/api/couriers/%s" % courier["id"])["lastLocation"]
                assert stored and stored["latitude"] == 52.5 and stored["longitude"] == 13.4, stored
            finally:
                c.close()

        def dispatcher_refused(transports=transports):
            c = Client().connect(hub, hub.token, transports)
            try:
                ack = c.sio.call("location:update", {"latitude": 52.5, "longitude": 13.4}, timeout=WAIT)
                assert isinstance(ack, dict) and ack.get("error", {}).get("code") == "forbidden", ack
            finally:
                c.close()

        def bad_token(transports=transports):
            for token in ("not-a-token", None):
                c = Client()
                try:
                    try:
                        c.connect(hub, token, transports, wait_timeout=2)
                    except socketio.exceptions.ConnectionError:
                        pass
                    else:
                        raise AssertionError("connected with token %r" % token)
                    err = c.errors.get(timeout=WAIT)
                    assert isinstance(err, dict) and err.get("message") == "unauthorized", err
                    assert err.get("data") == {"code": "unauthorized"}, err
                    assert c.events.empty(), "events after a refused connect"
                finally:
                    c.close()

        tests += [
            ("%s: connects with auth {token}" % label, connects),
            ("%s: receives package:update after a REST action" % label, receives_package_update),
            ("%s: a courier's location:update is acked" % label, courier_ack),
            ("%s: a dispatcher's location:update gets an error ack" % label, dispatcher_refused),
            ("%s: a bad or missing token is refused" % label, bad_token),
        ]
    def documented_example():
        # Run as written, with HUB and TOKEN set; print() is where its events come out.
        printed = queue.Queue()
        scope = {"HUB": hub.url, "TOKEN": hub.token, "print": lambda *a: printed.put(a)}
        exec(compile(documented_python_example(), "docs/realtime.md", "exec"), scope)
        sio = scope["sio"]
        try:
            assert sio.connected
            pkg = hub.create_package("Documented")
            deadline = time.monotonic() + WAIT
            while True:
                left = deadline - time.monotonic()
                assert left > 0, "the example printed no package:update for %s" % pkg["id"]
                try:
                    line = printed.get(timeout=left)
                except queue.Empty:
                    continue
                if line and line[0] == pkg["id"]:
                    assert line[1:] == ("PENDING",), line
                    break
        finally:
            sio.disconnect()

    tests.append(("docs/realtime.md's python-socketio example receives package:update", documented_example))
    return tests


def main():
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--hub", default=os.environ.get("DEPOT_HUB") or
                        os.path.join(here, "..", "..", "build", "server", "depot-hub"))
    args = parser.parse_args()

    passed = failed = 0
    hub = Hub(args.hub)
    try:
        for name, test in make_tests(hub):
            result = {}

            def run(test=test):
                try:
                    test()
                except BaseException:
                    result["error"] = traceback.format_exc()

            # A test that hangs in the client library still ends: it is failed after a deadline.
            t = threading.Thread(target=run, daemon=True)
            t.start()
            t.join(timeout=60)
            if t.is_alive():
                result["error"] = "did not finish within 60 s"
            if "error" in result:
                failed += 1
                print("FAIL", name)
                print("    " + result["error"].strip().replace("\n", "\n    "))
            else:
                passed += 1
                print("ok  ", name)
    finally:
        hub.stop()
    if failed:
        print("hub stderr (last lines):\n    " + "\n    ".join(hub.stderr[-15:]))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
