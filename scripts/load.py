#!/usr/bin/env python3
"""A small load generator for the fault scripts (Python's standard library
only): `workers` threads, each on a keep-alive connection of its own, send
requests for `seconds`, and every answer is recorded with its time, status
and whether a 503 carried Retry-After. Prints one JSON object.

  load.py BASE TOKEN SECONDS WORKERS SPEC [SPEC ...]

SPEC is METHOD:PATH or METHOD:PATH:BODY (BODY is JSON; "{n}" in it becomes
a number unique to the request). Workers take the specs in turn. The output
is {"start": <Unix time>, "rows": [[sent, took, status, retry_after], ...]},
`sent` in seconds after `start`.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse


def main():
    base, token, seconds, workers = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    specs = [s.split(":", 2) for s in sys.argv[5:]]
    url = urllib.parse.urlparse(base)
    start = time.monotonic()
    start_wall = time.time()
    results = []
    lock = threading.Lock()
    counter = [0]

    def worker(i):
        method, path, *body = specs[i % len(specs)]
        conn = None
        while time.monotonic() - start < seconds:
            with lock:
                counter[0] += 1
                n = counter[0]
            payload = body[0].replace("{n}", f"{i}-{n}") if body else None
            sent = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
                headers = {"Authorization": f"Bearer {token}"}
                if payload is not None:
                    headers["Content-Type"] = "application/json"
                conn.request(method, path, body=payload, headers=headers)
                res = conn.getresponse()
                res.read()
                status = res.status
                retry_after = res.getheader("Retry-After") is not None
                if res.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except Exception as e:  # a reset or refused connection
                status, retry_after = f"error:{type(e).__name__}", False
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)
            with lock:
                results.append((sent - start, time.monotonic() - sent, status, retry_after))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"start": start_wall, "rows": results}))


if __name__ == "__main__":
    main()
