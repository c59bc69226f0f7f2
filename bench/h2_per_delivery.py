#!/usr/bin/env python3
"""Hub CPU per delivered event: HTTP/2 over TLS against HTTP/1.1 (plain and over TLS).

Starts one hub (tls and plain listeners), connects N subscribers in one of these shapes,
publishes M events on one keep-alive connection, waits until every subscriber has every
event, and divides the hub's CPU time (utime+stime from /proc/PID/stat, so other load on the
machine does not count) by N*M. The clients are curl for every shape (--parallel, one
process, one connection per subscriber for HTTP/1.1; for HTTP/2 S streams a connection, or
one with --parallel-immediate), so what the client costs the kernel is alike.

  bench/h2_per_delivery.py --bin build/ssehub --subscribers 200 --events 500

Loopback only; every process it starts is stopped by PID.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")
PAD = 64  # each event's data is "e" and PAD times "x": counting x's survives any interleaving


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for " + what)
        time.sleep(0.02)


class Hub:
    def __init__(self, binary, workdir, subscribers):
        cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                        "/CN=bench", "-keyout", key, "-out", cert], check=True,
                       capture_output=True)
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", "tls:127.0.0.1:0", "--listen", "127.0.0.1:0",
             "--tls-cert", cert, "--tls-key", key, "--state-dir", workdir,
             "--max-subscribers", str(subscribers + 100), "--log-level", "warn",
             "--history-events", "100", "--heartbeat", "3600"],
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        # --log-level warn hides the "listening on" lines: find the ports from /proc instead.
        try:
            wait_until(lambda: len(self.ports()) == 2, 30, "hub listening")
        except BaseException:
            self.stop()
            raise
        ports = self.ports()
        self.tls, self.plain = ports[0], ports[1]

    def ports(self):
        inodes = set()
        fd_dir = "/proc/%d/fd" % self.proc.pid
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        found = []
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if parts[3] == "0A" and parts[9] in inodes:  # LISTEN
                    found.append((int(parts[9]), int(parts[1].split(":")[1], 16)))
        return [port for _, port in sorted(found)]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def publish_all(port, m):
    s = socket.create_connection(("127.0.0.1", port))
    body = b"event=bench&data=e" + b"x" * PAD
    req = (b"POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded"
           b"\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    for _ in range(m):
        s.sendall(req)
        got = b""
        while b"\r\n\r\n" not in got or not got.rstrip().endswith(b"}"):
            got += s.recv(4096)
    s.close()


def subscribers_at(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    for line in data.decode().splitlines():
        if line.startswith("ssehub_subscribers "):
            return int(line.split()[1])
    return -1


def run(shape, binary, n, m, per_conn):
    """shape: http1-plain, http1-tls or h2-tls; per_conn: streams a connection carries (h2)."""
    with tempfile.TemporaryDirectory(prefix="ssehub-h2bench-") as work:
        hub = Hub(binary, work, n)
        procs, outs = [], []
        try:
            # One client program for every shape, so the client's own costs (wakeups, reads)
            # are alike: curl, event-driven, many transfers in one process.
            if shape == "h2-tls":
                url = "https://127.0.0.1:%d/events" % hub.tls
                args = ["--http2", "-k"] + (["--parallel-immediate"] if per_conn == 1 else [])
                groups = [per_conn] * (n // per_conn) if per_conn > 1 else [n]
            else:
                tls = shape == "http1-tls"
                url = "http%s://127.0.0.1:%d/events" % ("s" if tls else "", hub.tls if tls else hub.plain)
                args = ["--http1.1", "-k", "--parallel-immediate"]
                groups = [n]
            for i, count in enumerate(groups):
                out = open(os.path.join(work, "curl-%d.out" % i), "wb")
                outs.append(out)
                procs.append(subprocess.Popen(
                    ["curl", "-sN", "--parallel", "--parallel-max", str(count)] + args +
                    [url] * count, stdout=out, stderr=subprocess.DEVNULL,
                    stdin=subprocess.DEVNULL))
            wait_until(lambda: subscribers_at(hub.plain) == n, 60, "%d subscribers" % n)
            before = cpu_seconds(hub.proc.pid)
            t0 = time.monotonic()
            publish_all(hub.plain, m)

            def total():
                t = 0
                for out in outs:
                    with open(out.name, "rb") as f:
                        t += f.read().count(b"x")
                return t
            deadline = time.monotonic() + 120
            while total() < n * m * PAD and time.monotonic() < deadline:
                time.sleep(0.02)
            delivered = total() // PAD
            wall = time.monotonic() - t0
            cpu = cpu_seconds(hub.proc.pid) - before
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
            for out in outs:
                out.close()
            hub.stop()
    return delivered, cpu, wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/ssehub")
    ap.add_argument("--subscribers", type=int, default=200, help="at most 300 (curl --parallel-max)")
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--streams-per-connection", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    n, m = args.subscribers, args.events
    shapes = [("http1-plain", 1), ("http1-tls", 1), ("h2-tls", args.streams_per_connection),
              ("h2-tls", 1)]
    results = {}
    for r in range(args.rounds):
        for shape, per_conn in shapes:
            delivered, cpu, wall = run(shape, args.bin, n, m, per_conn)
            key = "%s (%d stream%s/connection)" % (shape, per_conn, "" if per_conn == 1 else "s")
            if delivered != n * m:
                print("%s: only %d of %d deliveries" % (key, delivered, n * m), file=sys.stderr)
            results.setdefault(key, []).append(cpu / delivered * 1e6)
            print("round %d %-40s %8d deliveries  hub cpu %.3f s  wall %.2f s  %.3f us/delivery"
                  % (r + 1, key, delivered, cpu, wall, cpu / delivered * 1e6), flush=True)
    print()
    base = min(results["http1-plain (1 stream/connection)"])
    for key, values in results.items():
        best = min(values)
        print("%-40s best %.3f us/delivery  ratio to HTTP/1.1 plain %.2f" % (key, best, best / base))


if __name__ == "__main__":
    main()
