#!/usr/bin/python3
"""The day's records over real HTTP, read back by independent readers: the deliveries CSV by
Python's csv module, a courier's GPX track by gpxpy and by GPSBabel, each courier's day as JSON.
The hub runs in Europe/Berlin, so that its local days differ from UTC's.

Usage: test_records.py [--hub PATH] [--gpsbabel PATH]   (unittest options after --)
"""
import argparse
import csv
import datetime
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
import zoneinfo

import gpxpy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from hubprocess import HubProcess  # noqa: E402

PASSWORD = "records-admin-password"
HUB_TZ = "Europe/Berlin"
HUB = None
GPSBABEL = "gpsbabel"
COURIER_NAME = 'Ada <&> "Quote"'
COLUMNS = ["packageId", "trackingCode", "recipientName", "address", "outcome", "createdAt",
           "assignedAt", "startedAt", "deliveredAt", "failedAt", "cancelledAt", "courierId",
           "courierName", "reason", "proof"]
EARTH_RADIUS = 6371007.2


def haversine(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * math.asin(math.sqrt(h)) * EARTH_RADIUS


def utc(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


# Fixes of 2026-01-15 in Berlin: one before its start, six in two stretches ten minutes apart
# (one GPX segment each), one at its end (the next day's first minute).
T0 = datetime.datetime(2026, 1, 14, 23, 0, tzinfo=datetime.timezone.utc)
BEFORE = (T0 - datetime.timedelta(minutes=1), 52.4990, 13.4)
INSIDE = [(T0 + datetime.timedelta(minutes=m), 52.5 + 0.002 * i, 13.4)
          for i, m in enumerate([0, 1, 2, 3, 13, 14])]
AFTER = (T0 + datetime.timedelta(days=1), 52.5 + 0.002 * 7, 13.4)


class Hub(HubProcess):
    def __init__(self, executable):
        super().__init__(executable, PASSWORD, "depot-records-")
        self.token = self.json("POST", "/api/auth/login",
                               {"username": "dispatcher", "password": PASSWORD}, token=None)[1]["token"]

    def request(self, method, path, body=None, token=""):
        """(status, headers, body bytes)"""
        token = self.token if token == "" else token
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, res.headers, res.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()

    def json(self, method, path, body=None, token="", expect=None):
        status, _, data = self.request(method, path, body, token)
        if expect is not None and status != expect:
            raise AssertionError("%s %s: expected %d, got %d %s" % (method, path, expect, status, data))
        return status, (json.loads(data) if data else None)


class Records(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.environ["TZ"] = HUB_TZ
        cls.hub = Hub(HUB)
        hub = cls.hub
        _, cls.courier = hub.json("POST", "/api/couriers", {
            "name": COURIER_NAME, "username": "ada", "password": "courier-password"}, expect=201)
        _, login = hub.json("POST", "/api/auth/login",
                            {"username": "ada", "password": "courier-password"}, token=None, expect=200)
        cls.courier_token = login["token"]
        cid = cls.courier["id"]
        for t, lat, lon in [BEFORE] + INSIDE + [AFTER]:
            hub.json("POST", "/api/couriers/%s/location" % cid,
                     {"latitude": lat, "longitude": lon, "speed": 4.5, "heading": 90,
                      "timestamp": iso(t)}, expect=202)

        def package(name):
            return hub.json("POST", "/api/packages", {
                "recipientName": name, "address": "Hauptstr. 1, Berlin",
                "destination": {"latitude": 52.52, "longitude": 13.405}}, expect=201)[1]

        cls.delivered = package('Smith, "Jo"\nFlat 2')
        cls.failed = package('=HYPERLINK("http://example.com")')
        cls.cancelled = package("+49 30 1234")
        cls.pending = package("Plain Name")
        cls.tracker_token = cls.pending["trackingToken"]
        for p in (cls.delivered, cls.failed):
            hub.json("POST", "/api/packages/%s/assign" % p["id"], {"deliveryPersonId": cid}, expect=200)
            hub.json("POST", "/api/packages/%s/start" % p["id"], token=cls.courier_token, expect=200)
        # The delivered package's courier gives a proof of delivery (a name alone is one).
        form = ("--b0undary\r\nContent-Disposition: form-data; name=\"recipientName\"\r\n\r\n"
                "Jo Smith\r\n--b0undary--\r\n").encode()
        upload = urllib.request.Request(hub.url + "/api/packages/%s/proof" % cls.delivered["id"],
                                        data=form, method="PUT", headers={
                                            "Authorization": "Bearer " + cls.courier_token,
                                            "Content-Type": "multipart/form-data; boundary=b0undary"})
        with urllib.request.urlopen(upload, timeout=10) as res:
            assert res.status == 201, res.status
        hub.json("POST", "/api/packages/%s/complete" % cls.delivered["id"], token=cls.courier_token,
                 expect=200)
        hub.json("POST", "/api/packages/%s/fail" % cls.failed["id"], {"reason": "@SUM(A1)"},
                 token=cls.courier_token, expect=200)
        hub.json("POST", "/api/packages/%s/cancel" % cls.cancelled["id"], {"reason": "-1 no longer wanted"},
                 expect=200)
        cls.today = datetime.datetime.now(zoneinfo.ZoneInfo(HUB_TZ)).date()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def csv_of(self, first, last):
        status, headers, body = self.hub.request(
            "GET", "/api/reports/deliveries.csv?from=%s&to=%s" % (first, last))
        self.assertEqual(status, 200, body)
        return headers, body

    def assertError(self, path, status, code, token=""):
        got, headers, body = self.hub.request("GET", path, token=token)
        self.assertEqual(got, status, body)
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        error = json.loads(body)["error"]
        self.assertEqual(error["code"], code)
        self.assertTrue(error["message"])

    def test_deliveries_csv_reads_back_in_python(self):
        day = datetime.timedelta(days=1)
        headers, body = self.csv_of(self.today - day, self.today + day)
        self.assertEqual(headers["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(headers["Content-Disposition"], 'attachment; filename="deliveries-%s_%s.csv"'
                         % (self.today - day, self.today + day))
        self.assertTrue(body.startswith(b"\xef\xbb\xbf"))
        # Every record ends with CRLF; the one line break inside a name is the name's own LF.
        self.assertTrue(body.endswith(b"\r\n"))
        self.assertEqual(body.count(b"\r\n"), 5)
        self.assertEqual(body.count(b"\n"), 6)
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
        self.assertEqual(rows[0], COLUMNS)
        records = {r[0]: dict(zip(COLUMNS, r)) for r in rows[1:]}
        self.assertEqual(len(rows), 5)
        self.assertTrue(all(len(r) == len(COLUMNS) for r in rows))

        delivered = records[self.delivered["id"]]
        self.assertEqual(delivered["recipientName"], 'Smith, "Jo"\nFlat 2')
        self.assertEqual(delivered["address"], "Hauptstr. 1, Berlin")
        self.assertEqual(delivered["outcome"], "COMPLETED")
        self.assertEqual(delivered["courierId"], self.courier["id"])
        self.assertEqual(delivered["courierName"], COURIER_NAME)
        self.assertEqual(delivered["proof"], "yes")
        self.assertEqual(records[self.failed["id"]]["proof"], "no")
        self.assertEqual(delivered["trackingCode"], self.delivered["trackingCode"])
        times = [utc(delivered[c]) for c in ("createdAt", "assignedAt", "startedAt", "deliveredAt")]
        self.assertEqual(times, sorted(times))
        self.assertEqual((delivered["failedAt"], delivered["cancelledAt"], delivered["reason"]), ("", "", ""))

        # A cell a spreadsheet would run as a formula starts with an apostrophe.
        failed = records[self.failed["id"]]
        self.assertEqual(failed["recipientName"], '\'=HYPERLINK("http://example.com")')
        self.assertEqual(failed["outcome"], "FAILED")
        self.assertEqual(failed["reason"], "'@SUM(A1)")
        self.assertTrue(failed["failedAt"] and not failed["deliveredAt"])
        cancelled = records[self.cancelled["id"]]
        self.assertEqual(cancelled["recipientName"], "'+49 30 1234")
        self.assertEqual(cancelled["reason"], "'-1 no longer wanted")
        self.assertEqual(cancelled["outcome"], "CANCELLED")
        self.assertTrue(cancelled["cancelledAt"])
        self.assertEqual((cancelled["courierId"], cancelled["courierName"]), ("", ""))
        pending = records[self.pending["id"]]
        self.assertEqual(pending["outcome"], "PENDING")
        self.assertEqual(pending["assignedAt"], "")

    def test_deliveries_csv_of_days_without_packages_has_the_header_alone(self):
        _, body = self.csv_of("2025-01-01", "2025-01-31")
        self.assertEqual(body, b"\xef\xbb\xbf" + ",".join(COLUMNS).encode() + b"\r\n")

    def test_bad_ranges_are_refused(self):
        for query in ["", "?from=2026-01-15", "?to=2026-01-15", "?from=2026-02-30&to=2026-03-01",
                      "?from=15.01.2026&to=2026-01-16", "?from=2026-01-16&to=2026-01-15",
                      "?from=2025-01-01&to=2026-01-02", "?from=2026-01-15T00:00:00Z&to=2026-01-16"]:
            with self.subTest(query=query):
                self.assertError("/api/reports/deliveries.csv" + query, 400, "validation_failed")
        cid = self.courier["id"]
        for query in ["", "?from=2026-01-15", "?from=2026-01-15T25:00:00Z&to=2026-01-16",
                      "?from=2026-01-16&to=2026-01-15"]:
            with self.subTest(query=query):
                self.assertError("/api/couriers/%s/track.gpx%s" % (cid, query), 400, "validation_failed")
        for query in ["", "?date=2026-1-15", "?date=tomorrow"]:
            with self.subTest(query=query):
                self.assertError("/api/reports/couriers" + query, 400, "validation_failed")
        self.assertError("/api/couriers/%s/track.gpx?from=2026-01-15&to=2026-01-15"
                         % "0f8fad5b-d9cb-469f-a165-70867728950e", 404, "not_found")

    def test_only_dispatchers_get_records(self):
        paths = ["/api/reports/deliveries.csv?from=2026-01-15&to=2026-01-15",
                 "/api/couriers/%s/track.gpx?from=2026-01-15&to=2026-01-15" % self.courier["id"],
                 "/api/reports/couriers?date=2026-01-15"]
        for path in paths:
            with self.subTest(path=path):
                self.assertError(path, 401, "unauthorized", token=None)
                self.assertError(path, 403, "forbidden", token=self.courier_token)
                self.assertError(path, 403, "forbidden", token=self.tracker_token)

    def gpx(self, query):
        status, headers, body = self.hub.request(
            "GET", "/api/couriers/%s/track.gpx?%s" % (self.courier["id"], query))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Content-Type"], "application/gpx+xml")
        self.assertTrue(headers["Content-Disposition"].startswith('attachment; filename="track-'))
        return body

    def test_gpx_track_of_a_local_day_reads_back_in_gpxpy(self):
        body = self.gpx("from=2026-01-15&to=2026-01-15")
        gpx = gpxpy.parse(body.decode("utf-8"))
        self.assertEqual(gpx.version, "1.1")
        self.assertEqual(len(gpx.tracks), 1)
        self.assertTrue(gpx.tracks[0].name.startswith(COURIER_NAME + ", "))
        # A new segment after the ten minutes without fixes.
        segments = gpx.tracks[0].segments
        self.assertEqual([len(s.points) for s in segments], [4, 2])
        points = [p for s in segments for p in s.points]
        self.assertEqual([(p.time, round(p.latitude, 6), p.longitude) for p in points],
                         [(t, round(lat, 6), lon) for t, lat, lon in INSIDE])
        extension = points[0].extensions[0]
        self.assertTrue(extension.tag.endswith("TrackPointExtension"))
        values = {child.tag.split("}")[1]: float(child.text) for child in extension}
        self.assertEqual(values, {"speed": 4.5, "course": 90.0})

    def test_gpx_track_reads_back_in_gpsbabel(self):
        body = self.gpx("from=2026-01-15&to=2026-01-15")
        with tempfile.NamedTemporaryFile(suffix=".gpx") as f:
            f.write(body)
            f.flush()
            out = subprocess.run([GPSBABEL, "-i", "gpx", "-f", f.name, "-o", "csv", "-F", "-"],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = [line.split(",") for line in out.stdout.splitlines() if line.strip()]
        self.assertEqual([(round(float(a), 6), round(float(b), 6)) for a, b, *_ in lines],
                         [(round(lat, 6), lon) for _, lat, lon in INSIDE])

    def test_gpx_track_between_two_times(self):
        body = self.gpx("from=2026-01-14T23:00:00Z&to=2026-01-15T00:02:00%2B01:00")
        points = [p for s in gpxpy.parse(body.decode("utf-8")).tracks[0].segments for p in s.points]
        self.assertEqual([p.time for p in points], [INSIDE[0][0], INSIDE[1][0]])
        empty = gpxpy.parse(self.gpx("from=2025-06-01&to=2025-06-02").decode("utf-8"))
        self.assertEqual(sum(len(s.points) for s in empty.tracks[0].segments), 0)

    def test_courier_days(self):
        _, day = self.hub.json("GET", "/api/reports/couriers?date=2026-01-15", expect=200)
        self.assertEqual(day["date"], "2026-01-15")
        self.assertEqual((day["from"], day["to"]), ("2026-01-14T23:00:00.000Z", "2026-01-15T23:00:00.000Z"))
        ada = [c for c in day["couriers"] if c["deliveryPersonId"] == self.courier["id"]]
        self.assertEqual(len(ada), 1)
        ada = ada[0]
        positions = [(lat, lon) for _, lat, lon in INSIDE]
        metres = sum(haversine(a, b) for a, b in zip(positions, positions[1:]))
        self.assertEqual(ada["name"], COURIER_NAME)
        self.assertEqual(ada["distanceMetres"], round(metres))
        # Four minutes of driving; the ten-minute gap is not time on the road.
        self.assertEqual(ada["onRoadSeconds"], 4 * 60)
        self.assertEqual((ada["fixes"], ada["deliveries"], ada["failures"]), (6, 0, 0))

        _, today = self.hub.json("GET", "/api/reports/couriers?date=%s" % self.today, expect=200)
        ada = [c for c in today["couriers"] if c["deliveryPersonId"] == self.courier["id"]][0]
        self.assertEqual((ada["deliveries"], ada["failures"]), (1, 1))


def main():
    global HUB, GPSBABEL
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--hub", default=os.environ.get("DEPOT_HUB") or
                        os.path.join(here, "..", "..", "build", "server", "depot-hub"))
    parser.add_argument("--gpsbabel", default="gpsbabel")
    args, rest = parser.parse_known_args()
    HUB, GPSBABEL = args.hub, args.gpsbabel
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
