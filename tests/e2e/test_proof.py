#!/usr/bin/python3
"""Proofs of delivery against a real depot-hub, with Python's requests building the
multipart/form-data uploads and python-socketio listening to the events.

Usage: test_proof.py [--hub PATH]   (default: $DEPOT_HUB, then build/server/depot-hub)
Exits non-zero if any check fails; the last line reads "N passed, M failed".
"""
import argparse
import hashlib
import os
import queue
import sqlite3
import struct
import subprocess
import sys
import traceback
import zlib

import requests
import socketio

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from hubprocess import HubProcess  # noqa: E402

PASSWORD = "proof-admin-password"
WAIT = 8.0
# Where the photo says it was taken, as the EXIF GPS IFD holds it: 51 deg 30' 2.52" N.
GPS_MARK = struct.pack(">IIIIII", 51, 1, 30, 1, 252, 100)


def png_bytes(with_text=False):
    """A real 1x1 PNG; with a tEXt chunk when asked."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    if with_text:
        body += chunk(b"tEXt", b"Comment\x00signed at the door")
    body += chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def exif_with_gps():
    """An APP1 Exif segment by hand: a big-endian TIFF whose IFD0 points at a GPS IFD with
    GPSLatitudeRef N and GPSLatitude 51/1 30/1 252/100."""
    tiff = bytearray(b"MM\x00\x2a" + struct.pack(">I", 8))
    # IFD0 at 8: one entry, GPSInfo (0x8825, LONG) -> offset 26.
    tiff += struct.pack(">H", 1) + struct.pack(">HHII", 0x8825, 4, 1, 26) + struct.pack(">I", 0)
    # GPS IFD at 26: GPSLatitudeRef (1, ASCII "N") and GPSLatitude (2, RATIONAL x3 at 56).
    tiff += struct.pack(">H", 2)
    tiff += struct.pack(">HHI", 1, 2, 2) + b"N\x00\x00\x00"
    tiff += struct.pack(">HHII", 2, 5, 3, 56) + struct.pack(">I", 0)
    assert len(tiff) == 56
    tiff += GPS_MARK
    payload = b"Exif\x00\x00" + bytes(tiff)
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def jpeg_bytes(with_exif=True):
    """A JPEG's segments around a stand-in scan: SOI, APP0, [APP1 Exif], DQT, SOS, data, EOI."""
    def segment(marker, payload):
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    out = b"\xff\xd8" + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    if with_exif:
        out += exif_with_gps()
    out += segment(0xDB, b"\x00" + bytes(range(64)))
    out += segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x12\x34\xff\x00\x56" + b"\xff\xd9"
    return out


def webp_bytes():
    """A RIFF WebP with VP8X announcing an EXIF chunk that holds the GPS mark."""
    def chunk(fourcc, data):
        return fourcc + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")
    body = b"WEBP" + chunk(b"VP8X", bytes([0x08]) + bytes(9)) + chunk(b"VP8L", b"/\x00\x00\x00\x00")
    body += chunk(b"EXIF", b"MM\x00\x2a" + GPS_MARK)
    return b"RIFF" + struct.pack("<I", len(body)) + body


class Hub(HubProcess):
    def __init__(self, executable, extra_args=(), data_dir=None):
        super().__init__(executable, PASSWORD, "depot-proof-", extra_args, data_dir)
        self.token = self.call("POST", "/api/auth/login",
                               json={"username": "dispatcher", "password": PASSWORD}, token=None).json()["token"]

    def call(self, method, path, token="", **kwargs):
        token = self.token if token == "" else token
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = "Bearer " + token
        return requests.request(method, self.url + path, headers=headers, timeout=WAIT, **kwargs)

    def courier(self, name):
        body = {"name": name, "username": name.lower(), "password": "courier-pw-1"}
        courier = self.call("POST", "/api/couriers", json=body).json()
        token = self.call("POST", "/api/auth/login", token=None,
                          json={"username": name.lower(), "password": "courier-pw-1"}).json()["token"]
        return courier["id"], token

    def package(self, courier_id, start=True, courier_token=None):
        p = self.call("POST", "/api/packages", json={
            "recipientName": "Grace Hopper", "address": "1 Navy Way",
            "destination": {"latitude": 51.5, "longitude": -0.12}}).json()
        self.call("POST", "/api/packages/%s/assign" % p["id"], json={"deliveryPersonId": courier_id})
        if start:
            r = self.call("POST", "/api/packages/%s/start" % p["id"], token=courier_token)
            assert r.status_code == 200, r.text
        return p


def put_proof(hub, package_id, token, name="Grace Hopper", signature=None, photos=(), note=None,
              **kwargs):
    # Every field a part of its own, so that the body is multipart also without files.
    files = []
    if name is not None:
        files.append(("recipientName", (None, name)))
    if note is not None:
        files.append(("note", (None, note)))
    if signature is not None:
        files.append(("signature", ("signature.png", signature, "image/png")))
    for i, photo in enumerate(photos):
        files.append(("photo", ("photo%d.jpg" % i, photo, "image/jpeg")))
    return hub.call("PUT", "/api/packages/%s/proof" % package_id, token=token, files=files,
                    **kwargs)


def error_code(response):
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


class Events:
    """A python-socketio client that queues every event it gets."""

    def __init__(self, url, token):
        self.queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", lambda event, *args: self.queue.put((event, args[0] if args else None)))
        self.client.connect(url, auth={"token": token}, wait_timeout=WAIT)

    def next(self, name):
        while True:
            event, data = self.queue.get(timeout=WAIT)
            if event == name:
                return data

    def close(self):
        self.client.disconnect()


def run(executable):
    results = []

    def check(name, fn):
        try:
            fn()
            results.append((name, None))
            print("PASS", name)
        except Exception:  # noqa: BLE001
            results.append((name, traceback.format_exc()))
            print("FAIL", name)
            print(traceback.format_exc())

    jpeg = jpeg_bytes()
    signature = png_bytes(with_text=True)
    webp = webp_bytes()
    assert GPS_MARK in jpeg and GPS_MARK in webp

    hub = Hub(executable, ["--proof-photos-for-trackers"])
    try:
        ada_id, ada = hub.courier("Ada")
        bob_id, bob = hub.courier("Bob")
        pkg = hub.package(ada_id, courier_token=ada)
        tracker = pkg["trackingToken"]
        state = {}

        def who_may_upload():
            for token, status in ((hub.token, 403), (tracker, 403), (bob, 404), (None, 401)):
                r = put_proof(hub, pkg["id"], token, signature=signature)
                assert r.status_code == status, (status, r.status_code, r.text)
            assert hub.call("GET", "/api/packages/%s/proof" % pkg["id"]).status_code == 404

        def refuses_bad_uploads():
            url = "/api/packages/%s/proof" % pkg["id"]
            r = hub.call("PUT", url, token=ada, json={"recipientName": "x"})
            assert r.status_code == 400 and "multipart" in r.json()["error"]["message"], r.text
            r = hub.call("PUT", url, token=ada, data=b"--q\r\ngarbage",
                         headers={"Content-Type": "multipart/form-data; boundary=q"})
            assert r.status_code == 400 and error_code(r) == "bad_request", r.text
            # Named and typed as a JPEG, but HTML: refused by its bytes.
            r = put_proof(hub, pkg["id"], ada, photos=[b"<html><script>alert(1)</script></html>"])
            assert r.status_code == 400 and "photo 1" in r.text, r.text
            r = put_proof(hub, pkg["id"], ada, signature=jpeg)
            assert r.status_code == 400 and "signature is not a PNG" in r.text, r.text
            r = put_proof(hub, pkg["id"], ada, photos=[jpeg[:40]])  # cut inside a segment
            assert r.status_code == 400 and "well-formed" in r.text, r.text
            r = put_proof(hub, pkg["id"], ada, name="  ", signature=signature)
            assert r.status_code == 400 and "recipientName" in r.text, r.text
            r = put_proof(hub, pkg["id"], ada, photos=[jpeg] * 4)
            assert r.status_code == 400 and "at most 3" in r.text, r.text
            r = hub.call("PUT", url, token=ada, data={"recipientName": "x", "colour": "red"})
            assert r.status_code == 400, r.text  # urlencoded, not multipart
            r = hub.call("PUT", url, token=ada, files=[("recipientName", (None, "x")), ("colour", (None, "red"))])
            assert r.status_code == 400 and "unknown field colour" in r.text, r.text
            assert hub.call("GET", "/api/packages/%s/proof" % pkg["id"]).status_code == 404

        def over_five_megabytes_is_413():
            big = b"\xff\xd8\xff" + bytes(5 * 1024 * 1024)
            r = put_proof(hub, pkg["id"], ada, photos=[big])
            assert r.status_code == 413 and error_code(r) == "payload_too_large", r.text
            # curl -F, a second client, and a body past what three photos and a signature may be.
            huge = os.path.join(hub.data_dir, "..", "proof-huge-%d.jpg" % os.getpid())
            with open(huge, "wb") as f:
                f.write(b"\xff\xd8\xff" + bytes(21 * 1024 * 1024))
            try:
                out = subprocess.run(
                    ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT",
                     "-H", "Authorization: Bearer " + ada, "-F", "recipientName=Grace",
                     "-F", "photo=@" + huge, hub.url + "/api/packages/%s/proof" % pkg["id"]],
                    capture_output=True, text=True, timeout=30)
                assert out.stdout == "413", out
            finally:
                os.remove(huge)
            assert hub.call("GET", "/api/packages/%s/proof" % pkg["id"]).status_code == 404
            # A request under 1 MB elsewhere is still refused past 1 MB: only this route is larger.
            r = hub.call("POST", "/api/packages", data=b"{" + b" " * 1_100_000 + b"}",
                         headers={"Content-Type": "application/json"})
            assert r.status_code == 413, r.status_code

        def upload_is_stored_before_201():
            r = put_proof(hub, pkg["id"], ada, signature=signature, photos=[jpeg, webp],
                          note="left at the door, code 1234")
            assert r.status_code == 201, r.text
            proof = r.json()
            state["proof"] = proof
            assert proof["recipientName"] == "Grace Hopper"
            assert proof["packageId"] == pkg["id"] and proof["deliveryPersonId"] == ada_id
            assert proof["note"] == "left at the door, code 1234"
            assert proof["signature"]["url"] == "/api/proofs/%s/signature" % proof["id"]
            assert proof["signature"]["type"] == "image/png"
            assert [p["type"] for p in proof["photos"]] == ["image/jpeg", "image/webp"]
            assert [p["url"] for p in proof["photos"]] == [
                "/api/proofs/%s/photos/%d" % (proof["id"], n) for n in (1, 2)]
            # The files, by their content hash, and the row.
            for data in (signature, jpeg, webp):
                path = os.path.join(hub.data_dir, "proofs", hashlib.sha256(data).hexdigest())
                with open(path, "rb") as f:
                    assert f.read() == data
                assert os.stat(path).st_mode & 0o077 == 0
            db = sqlite3.connect(os.path.join(hub.data_dir, "depot.sqlite"))
            rows = db.execute("SELECT id, package_id, recipient_name FROM proofs").fetchall()
            db.close()
            assert rows == [(proof["id"], pkg["id"], "Grace Hopper")], rows

        def who_may_read():
            proof = state["proof"]
            url = "/api/packages/%s/proof" % pkg["id"]
            for token in (hub.token, ada):
                r = hub.call("GET", url, token=token)
                assert r.status_code == 200 and r.json()["note"].startswith("left"), r.text
            r = hub.call("GET", url, token=tracker)
            assert r.status_code == 200, r.text
            seen = r.json()
            assert "note" not in seen and "deliveryPersonId" not in seen, seen
            assert len(seen["photos"]) == 2 and seen["recipientName"] == "Grace Hopper"
            assert hub.call("GET", url, token=bob).status_code == 404
            assert hub.call("GET", proof["photos"][0]["url"], token=bob).status_code == 404
            assert hub.call("GET", proof["photos"][0]["url"], token=None).status_code == 401
            assert hub.call("GET", "/api/proofs/%s/photos/3" % proof["id"]).status_code == 404
            other = hub.package(ada_id, start=False)
            assert hub.call("GET", proof["signature"]["url"], token=other["trackingToken"]).status_code == 404

        def gps_only_for_dispatcher_and_courier():
            proof = state["proof"]
            jpeg_url, webp_url = (p["url"] for p in proof["photos"])
            for token in (hub.token, ada):
                r = hub.call("GET", jpeg_url, token=token)
                assert r.status_code == 200 and r.content == jpeg, r.status_code
                assert r.headers["Content-Type"] == "image/jpeg"
                assert hub.call("GET", webp_url, token=token).content == webp
            r = hub.call("GET", jpeg_url, token=tracker)
            assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
            assert GPS_MARK not in r.content and b"Exif" not in r.content
            assert r.content == jpeg.replace(exif_with_gps(), b""), "only the APP1 segment goes"
            r = hub.call("GET", webp_url, token=tracker)
            assert GPS_MARK not in r.content and b"EXIF" not in r.content and r.content[:4] == b"RIFF"
            assert struct.unpack("<I", r.content[4:8])[0] == len(r.content) - 8
            r = hub.call("GET", proof["signature"]["url"], token=tracker)
            assert r.status_code == 200 and r.content == png_bytes(), "the tEXt chunk goes"
            assert hub.call("GET", proof["signature"]["url"], token=ada).content == signature

        def completion_events_carry_proof():
            proof = state["proof"]
            events = Events(hub.url, hub.token)
            try:
                r = hub.call("POST", "/api/packages/%s/complete" % pkg["id"], token=ada)
                assert r.status_code == 200, r.text
                completed = events.next("delivery:completed")
                update = events.next("package:update")
            finally:
                events.close()
            expected = {"id": proof["id"], "recipientName": "Grace Hopper",
                        "photos": [p["url"] for p in proof["photos"]],
                        "signature": proof["signature"]["url"]}
            assert completed["proof"] == expected, completed
            assert update["proof"] == expected and update["status"] == "COMPLETED", update
            history = hub.call("GET", "/api/packages/%s/events" % pkg["id"]).json()
            assert history[-1]["proof"] == expected, history[-1]

        def proof_after_delivery_is_announced():
            late = hub.package(ada_id, courier_token=ada)
            r = hub.call("POST", "/api/packages/%s/complete" % late["id"], token=ada)
            assert r.status_code == 200 and "proof" not in hub.call(
                "GET", "/api/packages/%s/events" % late["id"]).json()[-1]
            events = Events(hub.url, late["trackingToken"])
            try:
                r = put_proof(hub, late["id"], ada, name="Alan", photos=[jpeg])
                assert r.status_code == 201, r.text
                update = events.next("package:update")
            finally:
                events.close()
            assert update["status"] == "COMPLETED" and update["proof"]["recipientName"] == "Alan"
            assert update["proof"]["photos"] == [r.json()["photos"][0]["url"]]
            assert update["proof"]["signature"] is None

        def no_proof_for_failed_packages():
            failed = hub.package(ada_id, courier_token=ada)
            hub.call("POST", "/api/packages/%s/fail" % failed["id"], token=ada, json={"reason": "out"})
            r = put_proof(hub, failed["id"], ada, signature=signature)
            assert r.status_code == 409 and error_code(r) == "invalid_transition", r.text

        check("only the package's courier may upload", who_may_upload)
        check("bad uploads are refused and change nothing", refuses_bad_uploads)
        check("a file over 5 MB is 413, and only this route takes more than 1 MB", over_five_megabytes_is_413)
        check("the upload is on disk and in the database before 201", upload_is_stored_before_201)
        check("dispatcher, courier and tracker read the proof", who_may_read)
        check("trackers get the images without EXIF and GPS", gps_only_for_dispatcher_and_courier)
        check("delivery:completed and package:update carry the proof", completion_events_carry_proof)
        check("a proof after delivery sends package:update", proof_after_delivery_is_announced)
        check("a failed package takes no proof", no_proof_for_failed_packages)
    finally:
        hub.stop()

    required = Hub(executable, ["--proof", "required"])
    try:
        ada_id, ada = required.courier("Ada")
        pkg = required.package(ada_id, courier_token=ada)

        def delivered_needs_proof():
            r = required.call("POST", "/api/packages/%s/complete" % pkg["id"], token=ada)
            assert r.status_code == 422 and error_code(r) == "proof_required", r.text
            assert "proof of delivery" in r.json()["error"]["message"]
            r = required.call("POST", "/api/packages/%s/complete" % pkg["id"])  # a dispatcher too
            assert r.status_code == 422, r.text
            assert required.call("GET", "/api/packages/%s" % pkg["id"]).json()["status"] == "IN_PROGRESS"
            r = put_proof(required, pkg["id"], ada)  # a name alone is not enough here
            assert r.status_code == 400 and "signature or a photo" in r.text, r.text

        def proof_survives_kill_9():
            r = put_proof(required, pkg["id"], ada, signature=signature, photos=[jpeg])
            assert r.status_code == 201, r.text
            state["required"] = r.json()
            required.kill()  # right after the answer
            again = Hub(executable, ["--proof", "required"], data_dir=required.data_dir)
            required.proc, required.url, required.token = again.proc, again.url, again.token
            r = required.call("GET", "/api/packages/%s/proof" % pkg["id"], token=ada)
            assert r.status_code == 200 and r.json()["id"] == state["required"]["id"], r.text
            assert required.call("GET", r.json()["photos"][0]["url"], token=ada).content == jpeg
            r = required.call("POST", "/api/packages/%s/complete" % pkg["id"], token=ada)
            assert r.status_code == 200 and r.json()["status"] == "COMPLETED", r.text

        def photos_hidden_from_trackers_by_default():
            proof = state["required"]
            tracker = pkg["trackingToken"]
            seen = required.call("GET", "/api/packages/%s/proof" % pkg["id"], token=tracker).json()
            assert seen["photos"] == [] and seen["signature"] is not None, seen
            assert required.call("GET", proof["photos"][0]["url"], token=tracker).status_code == 404
            assert required.call("GET", proof["signature"]["url"], token=tracker).status_code == 200

        check("with --proof required, COMPLETED without a proof is 422", delivered_needs_proof)
        check("a stored proof survives kill -9 and allows COMPLETED", proof_survives_kill_9)
        check("trackers see no photos unless the depot allows it", photos_hidden_from_trackers_by_default)
    finally:
        required.stop()

    def bad_policy_exits_2():
        for args, env in ((["--proof", "sometimes"], {}), ([], {"DEPOT_PROOF": "always"})):
            out = subprocess.run([executable, "--port", "0", "--osmand-port", "0", *args],
                                 env={**os.environ, **env}, capture_output=True, text=True, timeout=10)
            assert out.returncode == 2, out
            assert len(out.stderr.strip().splitlines()) == 1 and "proof" in out.stderr, out.stderr

    check("a bad --proof or DEPOT_PROOF exits 2 with one line", bad_policy_exits_2)

    failed = [name for name, error in results if error]
    print("%d passed, %d failed" % (len(results) - len(failed), len(failed)))
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser()
    default = os.environ.get("DEPOT_HUB") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "server", "depot-hub")
    parser.add_argument("--hub", default=default)
    sys.exit(run(parser.parse_args().hub))


if __name__ == "__main__":
    main()
