#!/usr/bin/python3
"""Runs every curl example of docs/api.md against a real depot-hub.

Usage: run_api_examples.py [--hub PATH] [--doc PATH] [--curl PATH]

Each example runs in bash, as written, with HUB, TOKEN, COURIER_TOKEN, COURIER_ID, PACKAGE_ID
and TRACKING_CODE set to a fresh dispatcher login, a fresh courier and a fresh package in the
state the example needs. It passes when curl exits 0 and the answer has the status the doc's
Endpoints table gives for that method and path. The last line reads "N passed, M failed".
"""
import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "s3cret"  # the dispatcher's password in the doc's login example
HERE = os.path.dirname(os.path.abspath(__file__))

sys.path.insert(0, os.path.join(HERE, "..", "support"))
from hubprocess import HubProcess  # noqa: E402


def code_blocks(markdown):
    """The doc's indented code blocks, dedented, in order."""
    return [re.sub(r"(?m)^ {4}", "", b) for b in re.findall(r"\n\n((?: {4}.*\n|\n)+)", markdown)]


def curl_commands(markdown):
    """Every command of the code blocks that starts with curl, continuation lines joined."""
    commands = []
    for block in code_blocks(markdown):
        for command in re.sub(r"\\\n\s*", " ", block).split("\n"):
            if command.startswith("curl "):
                commands.append(command.strip())
    return commands


def endpoint_statuses(markdown):
    """(method, path regex, status) from the Endpoints table's rows."""
    rows = []
    for method, path, answer in re.findall(r"(?m)^\| `(\w+) (/[^`]*)` \|[^|]*\| ([^|]*)\|$", markdown):
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$"
        status = re.search(r"\b\d{3}\b", answer)
        if status:
            rows.append((method, re.compile(pattern), int(status.group(0))))
    return rows


class Hub(HubProcess):
    """A depot-hub on a free port with a throwaway data dir."""

    def __init__(self, executable):
        super().__init__(executable, PASSWORD, "depot-api-examples-")
        self.serial = 0

    def call(self, method, path, body=None, token=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as res:
            text = res.read().decode()
        return json.loads(text) if text else None

    def login(self, username, password):
        return self.call("POST", "/api/auth/login", {"username": username, "password": password})["token"]

    def fixture(self, action):
        """The variables for one example: the package in the state its action needs."""
        self.serial += 1
        token = self.login("dispatcher", PASSWORD)
        username = "example%d" % self.serial
        courier = self.call("POST", "/api/couriers",
                            {"name": "Example Courier", "username": username, "password": "courier-pw"}, token)
        courier_token = self.login(username, "courier-pw")
        package = self.call("POST", "/api/packages", {
            "recipientName": "Grace Hopper", "address": "1 Harbour St",
            "destination": {"latitude": 52.52, "longitude": 13.405}}, token)
        if action != "assign":
            self.call("POST", "/api/packages/%s/assign" % package["id"], {"deliveryPersonId": courier["id"]}, token)
        if action in ("complete", "fail"):
            self.call("POST", "/api/packages/%s/start" % package["id"], None, courier_token)
        code = package["trackingCode"].lower()
        return {"HUB": self.url, "TOKEN": token, "COURIER_TOKEN": courier_token, "COURIER_ID": courier["id"],
                "PACKAGE_ID": package["id"], "TRACKING_CODE": code[:4] + "-" + code[4:]}


def request_of(command, variables):
    """The method and path the curl command asks for."""
    words = [re.sub(r"\$(\w+)", lambda m: variables.get(m.group(1), m.group(0)), w)
             for w in shlex.split(command)]
    method = "HEAD" if "-I" in words else "GET"
    if "-X" in words:
        method = words[words.index("-X") + 1]
    url = next(w for w in words if w.startswith(variables["HUB"]))
    return method, urllib.parse.urlsplit(url).path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hub", default=os.environ.get("DEPOT_HUB") or
                        os.path.join(HERE, "..", "..", "build", "server", "depot-hub"))
    parser.add_argument("--doc", default=os.path.join(HERE, "..", "..", "docs", "api.md"))
    parser.add_argument("--curl", default=shutil.which("curl") or "curl")
    args = parser.parse_args()

    with open(args.doc, encoding="utf-8") as f:
        markdown = f.read()
    commands = curl_commands(markdown)
    statuses = endpoint_statuses(markdown)
    if not commands or not statuses:
        print("no curl examples or no Endpoints table in", args.doc)
        sys.exit(1)

    passed = failed = 0
    hub = Hub(args.hub)
    try:
        for command in commands:
            method, path = request_of(command, {"HUB": hub.url})
            action = path.rstrip("/").rsplit("/", 1)[-1]
            variables = hub.fixture(action)
            method, path = request_of(command, variables)
            want = next((s for m, p, s in statuses if m == method and p.match(path)), None)
            # Run as written; curl only also reports the status (and keeps the body aside).
            body = tempfile.NamedTemporaryFile(prefix="depot-api-example-", delete=False)
            body.close()
            wrapper = ("curl() { %s -sS -o %s -w '%%{http_code}' \"$@\"; }\n"
                       % (shlex.quote(args.curl), shlex.quote(body.name)))
            env = dict(os.environ, **variables)
            run = subprocess.run(["bash", "-c", wrapper + command], env=env, capture_output=True,
                                 text=True, timeout=30)
            with open(body.name, encoding="utf-8", errors="replace") as f:
                answer = f.read()
            os.unlink(body.name)
            got = int(run.stdout) if run.stdout.strip().isdigit() else None
            if run.returncode == 0 and want is not None and got == want:
                passed += 1
                print("ok   %s %s -> %d" % (method, path.replace(hub.url, ""), got))
            else:
                failed += 1
                print("FAIL %s" % command)
                print("     curl exit %d, status %s, the doc shows %s; %s %s"
                      % (run.returncode, got, want, run.stderr.strip(), answer[:300]))
    finally:
        hub.stop()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
