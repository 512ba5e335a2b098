#!/usr/bin/env python3
"""Load for a running relay (bench/relay-memory.sh, bench/relay-alerts.sh): producers posting plain events to
POST /v1/events and Alertmanager (version 4) notifications to POST /v1/hooks/alertmanager?room=..., then a wait until
the relay's /metrics says everything accepted was delivered.

Usage: relay_load.py RELAY_PORT ROOM MODE COUNT [PRODUCERS] [PER_PAYLOAD] [TAG]
  MODE events   COUNT plain m.text events, PRODUCERS connections posting one after another (each 202 is on disk)
  MODE alerts   COUNT firing alerts, PER_PAYLOAD to a notification (distinct fingerprints; TAG keeps them distinct
                across calls), PRODUCERS connections posting notifications one after another
  MODE mixed    COUNT in all: three quarters as events, one quarter as alerts (as above), posted at the same time
Prints one line: "MODE COUNT events in SECONDS s (first post to last delivered) = RATE events/s".
RELAY_TOKEN in the environment is the relay's bearer token."""
import http.client, json, os, sys, threading, time, urllib.parse

HEADERS = {"Content-Type": "application/json", "Authorization": "Bearer " + os.environ["RELAY_TOKEN"]}
port, room, mode, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
producers = int(sys.argv[5]) if len(sys.argv) > 5 else 4
per_payload = int(sys.argv[6]) if len(sys.argv) > 6 else 5
tag = sys.argv[7] if len(sys.argv) > 7 else str(time.time_ns())
hook_path = "/v1/hooks/alertmanager?room=" + urllib.parse.quote(room, safe="")


def metrics(connection):
    connection.request("GET", "/metrics", headers=HEADERS)
    lines = connection.getresponse().read().decode().splitlines()
    return {name: float(value) for name, value in (line.split(" ") for line in lines if not line.startswith("#"))}


def post(connection, path, payload, expect):
    connection.request("POST", path, body=payload, headers=HEADERS)
    response = connection.getresponse()
    data = response.read()
    if response.status != 202:
        sys.exit(f"relay answered {response.status} to {path}: {data!r}")
    return json.loads(data)[expect] if expect else None


def post_events(n):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    payload = json.dumps({"room": room, "content": {"msgtype": "m.text", "body": "bench event"}})
    for _ in range(n):
        post(connection, "/v1/events", payload, None)


def notification(first, size):
    """An Alertmanager webhook call as Alertmanager sends it for one group: `size` firing alerts of one rule."""
    alerts = [{
        "status": "firing",
        "labels": {"alertname": "BenchProbeFailure", "instance": f"host{first + i}.example.org:9100", "job": "node", "severity": "warning"},
        "annotations": {"summary": f"host{first + i}.example.org is down", "description": f"host{first + i}.example.org has not answered the probe for 5 minutes."},
        "startsAt": "2026-12-07T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=up+%3D%3D+0",
        "fingerprint": f"{tag}-{first + i:08d}",
    } for i in range(size)]
    return json.dumps({
        "version": "4", "groupKey": f"{{}}:{{alertname=\"BenchProbeFailure\",batch=\"{tag}-{first}\"}}", "truncatedAlerts": 0,
        "status": "firing", "receiver": "solti-relay", "groupLabels": {"alertname": "BenchProbeFailure"},
        "commonLabels": {"alertname": "BenchProbeFailure", "job": "node", "severity": "warning"}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.org:9093", "alerts": alerts,
    })


def post_alerts(firsts):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    for first, size in firsts:
        accepted = post(connection, hook_path, notification(first, size), "accepted")
        if accepted != size:
            sys.exit(f"the relay accepted {accepted} of a notification of {size} alerts")


def alert_batches(n):
    return [(first, min(per_payload, n - first)) for first in range(0, n, per_payload)]


def split(items, parts):
    return [items[i::parts] for i in range(parts)]


control = http.client.HTTPConnection("127.0.0.1", port)
before = metrics(control)["solti_relay_delivered_total"]
threads = []
if mode == "events":
    threads = [threading.Thread(target=post_events, args=(count // producers + (i < count % producers),)) for i in range(producers)]
elif mode == "alerts":
    threads = [threading.Thread(target=post_alerts, args=(part,)) for part in split(alert_batches(count), producers)]
elif mode == "mixed":
    alerts = count // 4
    events = count - alerts
    threads = [threading.Thread(target=post_events, args=(events // producers + (i < events % producers),)) for i in range(producers)]
    threads.append(threading.Thread(target=post_alerts, args=(alert_batches(alerts),)))
else:
    sys.exit(f"unknown mode {mode}")

start = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
while True:
    m = metrics(control)
    if m["solti_relay_delivered_total"] - before >= count and m["solti_relay_queued"] == 0:
        break
    time.sleep(0.005)
elapsed = time.perf_counter() - start
print(f"{mode} {count} events in {elapsed:.3f} s (first post to last delivered) = {count / elapsed:.0f} events/s")
