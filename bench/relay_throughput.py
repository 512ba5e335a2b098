#!/usr/bin/env python3
"""Relay throughput against a bare client loop, measured in one run (alternating, medians).

bare loop   one curl process sending N PUT /send requests one after another over one kept-alive connection
            (no process per event, nothing on disk: the fastest one client goes).
relay       the same N events to the same room, drained by `solti-matrix relay` from its outbox: the backlog is
            queued while the homeserver holds the relay's first send (a delay fault), and the clock runs from the
            first delivery to the last (events/s the relay pushes into the homeserver).
end-to-end  producers (1, then 4 at once, N in all) posting events to the relay one after another (each acknowledged only once it is on disk),
            timed until the relay reports everything delivered. One producer waits for one disk sync per event, which
            the bare loop (and the test homeserver, which keeps its state in memory) never pays; concurrent producers
            share syncs (group commit).
Usage: relay_throughput.py RELAY_PORT HS_URL TOKEN ROOM EVENTS RUNS OUTDIR"""
import http.client, json, os, statistics, subprocess, sys, threading, time, urllib.parse

RELAY_HEADERS = {"Content-Type": "application/json", "Authorization": "Bearer " + os.environ["RELAY_TOKEN"]}
relay_port, hs_url, token, room, n, runs, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
hs_host = urllib.parse.urlparse(hs_url).netloc
relay = http.client.HTTPConnection("127.0.0.1", relay_port)
body = {"msgtype": "m.text", "body": "bench event"}


def relay_call(method, path, payload=None):
    relay.request(method, path, body=None if payload is None else json.dumps(payload), headers=RELAY_HEADERS)
    response = relay.getresponse()
    data = response.read()
    if response.status >= 300:
        sys.exit(f"relay answered {response.status}: {data!r}")
    return json.loads(data)


def metrics():
    relay.request("GET", "/metrics", headers=RELAY_HEADERS)
    lines = relay.getresponse().read().decode().splitlines()
    return {name: float(value) for name, value in (line.split(" ") for line in lines if not line.startswith("#"))}


def wait(predicate):
    while not predicate(metrics()):
        time.sleep(0.005)


def bare_loop(run):
    url = f"{hs_url}/_matrix/client/v3/rooms/{urllib.parse.quote(room, safe='')}/send/m.room.message/bare-{run}-"
    escaped = json.dumps(json.dumps(body))
    config = "next\n".join(
        f'url = "{url}{i}"\nrequest = "PUT"\nheader = "Authorization: Bearer {token}"\nheader = "Content-Type: application/json"\ndata = {escaped}\noutput = "/dev/null"\n'
        for i in range(n))
    path = f"{out}/bare.curl"
    with open(path, "w") as f:
        f.write(config)
    start = time.perf_counter()
    subprocess.run(["curl", "-sf", "-K", path], check=True)
    return time.perf_counter() - start


def relay_drain():
    delivered = metrics()["solti_relay_delivered_total"]
    hs = http.client.HTTPConnection(hs_host)
    hs.request("POST", "/_solti/testing/v1/faults", body=json.dumps({"endpoint": "rooms.send", "delay_ms": 3000, "count": 1}),
               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert hs.getresponse().status == 200
    accept = time.perf_counter()
    for _ in range(n):
        relay_call("POST", "/v1/events", {"room": room, "content": body})
    accepts.append(time.perf_counter() - accept)
    wait(lambda m: m["solti_relay_delivered_total"] > delivered)
    start = time.perf_counter()
    wait(lambda m: m["solti_relay_queued"] == 0)
    return (time.perf_counter() - start) * n / (n - 1)  # the first event's delivery is not timed


def produce(count):
    connection = http.client.HTTPConnection("127.0.0.1", relay_port)
    payload = json.dumps({"room": room, "content": body})
    for _ in range(count):
        connection.request("POST", "/v1/events", body=payload, headers=RELAY_HEADERS)
        response = connection.getresponse()
        response.read()
        assert response.status == 202, response.status


def end_to_end(producers):
    start = time.perf_counter()
    threads = [threading.Thread(target=produce, args=(n // producers,)) for _ in range(producers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait(lambda m: m["solti_relay_queued"] == 0)
    return time.perf_counter() - start


times = {"bare loop": [], "relay (drain)": [], "relay (end-to-end, 1 producer)": [], "relay (end-to-end, 4 producers)": []}
accepts = []
for run in range(runs):
    times["bare loop"].append(bare_loop(run))
    times["relay (drain)"].append(relay_drain())
    times["relay (end-to-end, 1 producer)"].append(end_to_end(1))
    times["relay (end-to-end, 4 producers)"].append(end_to_end(4))

base = statistics.median(times["bare loop"])
for name, values in times.items():
    median = statistics.median(values)
    print(f"{name}: median {median * 1000:.0f} ms for {n} events = {n / median:.0f} events/s ({base / median * 100:.0f}% of the bare loop)")
print(f"relay accepting alone (one producer, each event synced to disk before the 202): {statistics.median(accepts) * 1000 / n:.2f} ms per event")
status = relay_call("GET", "/v1/status")
print(f"relay outbox after the runs: pending {status['pending']}, delivered {status['delivered']}, dead {status['dead']}")
