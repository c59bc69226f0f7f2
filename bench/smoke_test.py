#!/usr/bin/env python3
"""bench_smoke: ssehub-bench against a real ssehub, asserting that every delivery arrived once
and in order. No timing assertions: this proves the harness and the hub agree on the
protocol, not how fast either is. bench/transport-bench runs once at a tiny size, over
HTTP/1.1, TLS and HTTP/2 (curl, about 4 s).

Usage: smoke_test.py SSEHUB_BIN SSEHUB_BENCH_BIN
"""

import base64
import hashlib
import hmac
import json
import os
import re
import socket
import signal
import subprocess
import sys
import tempfile
import threading
import time


def start_hub(ssehub, state_dir, extra):
    """Starts a hub on a free port; its log goes to a file so it can never block on stderr."""
    log_path = os.path.join(state_dir, "hub.log")
    log = open(log_path, "w")
    hub = subprocess.Popen([ssehub, "serve", "--listen", "127.0.0.1:0", "--state-dir", state_dir,
                            "--max-subscribers", "5000"] + extra,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and hub.poll() is None:
        with open(log_path) as f:
            for line in f:
                if "listening on 127.0.0.1:" in line:
                    return hub, int(line.rsplit(":", 1)[1])
        time.sleep(0.05)
    stop_hub(hub)
    with open(log_path) as f:
        raise AssertionError("ssehub did not report its port: %r" % f.read())


def stop_hub(hub):
    if hub.poll() is None:
        hub.send_signal(signal.SIGTERM)
        try:
            hub.wait(timeout=15)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()
            raise AssertionError("ssehub ignored SIGTERM")


def bench(bench_bin, port, hub_pid, extra, path="/events"):
    cmd = [bench_bin, "--json", "-q", "-u", "http://127.0.0.1:%d%s" % (port, path),
           "--server-pid", str(hub_pid)] + extra
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=45)
    try:
        result = json.loads(done.stdout)
    except ValueError:
        raise AssertionError("no JSON from %s: exit %d, stderr %s" %
                             (" ".join(cmd), done.returncode, done.stderr))
    return done.returncode, result


def check_clean(name, rc, r, subscribers, events):
    d = r["deliveries"]
    problems = []
    if rc != 0 or not r["ok"]:
        problems.append("not ok (exit %d, failure %r, stopped early %r)" %
                        (rc, r["failure"], r["stopped_early"]))
    if r["opened"] != subscribers:
        problems.append("%d of %d streams opened" % (r["opened"], subscribers))
    if r["events_published"] != events:
        problems.append("%d of %d events published" % (r["events_published"], events))
    if d["expected"] != subscribers * events or d["delivered"] != d["expected"]:
        problems.append("%d of %d deliveries" % (d["delivered"], subscribers * events))
    for key in ("lost", "duplicates", "out_of_order", "disconnects", "foreign_events"):
        if d[key] != 0:
            problems.append("%s %d" % (key, d[key]))
    if r["publish"]["errors"] != 0:
        problems.append("publish errors: %s" % r["publish"]["first_error"])
    if r["latency_us"]["count"] != d["delivered"]:
        problems.append("latency samples %d != deliveries" % r["latency_us"]["count"])
    if "cpu_us_per_delivery" not in r.get("server", {}):
        problems.append("no server CPU figure from /proc")
    status = "ok" if not problems else "FAILED: " + "; ".join(problems)
    print("%s: %s" % (name, status))
    return not problems


class FaultyHub:
    """A deliberately wrong SSE server, to prove the harness notices: of the events published
    (raw body = data), it sends event 3 twice, never sends event 5, and sends event 7 after 8."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(512)
        self.port = self.listener.getsockname()[1]
        self.subscribers = []
        self.held = None
        self.count = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        buf = b""
        while True:
            while b"\r\n\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            if not head.startswith(b"POST"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
                with self.lock:
                    self.subscribers.append(conn)
                return
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            while len(buf) < length:
                buf += conn.recv(65536)
            body, buf = buf[:length], buf[length:]
            self.fan_out(body)
            conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")

    def fan_out(self, body):
        with self.lock:
            k = self.count
            self.count += 1
            frame = b"data: " + body + b"\n\n"
            if k == 5:
                return
            if k == 7:
                self.held = frame
                return
            frames = [frame, frame] if k == 3 else [frame]
            if k == 8:
                frames.append(self.held)
            for conn in self.subscribers:
                # Split every frame in two writes: the harness must reassemble across reads.
                for f in frames:
                    conn.sendall(f[:9])
                    conn.sendall(f[9:])

    def close(self):
        self.listener.close()
        with self.lock:
            for conn in self.subscribers:
                conn.close()


def faulty_hub_faults_are_all_counted(bench_bin):
    n, events = 50, 20
    hub = FaultyHub()
    try:
        cmd = [bench_bin, "--json", "-q", "-u", "http://127.0.0.1:%d/events" % hub.port,
               "-n", str(n), "--mode", "open", "-r", "100", "-d", "0.2", "--drain-timeout", "1",
               "--body", "{data}", "--content-type", "text/plain"]
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=30)
    finally:
        hub.close()
    r = json.loads(done.stdout)
    d = r["deliveries"]
    want = {"lost": n, "duplicates": n, "out_of_order": n, "delivered": n * (events - 1),
            "subscribers_incomplete": n, "subscribers_disordered": n}
    got = {k: d[k] for k in want}
    ok = got == want and done.returncode == 1 and r["ok"] is False
    print("faulty_hub_faults_are_all_counted: %s" %
          ("ok" if ok else "FAILED: want %r and exit 1, got %r, exit %d"
           % (want, got, done.returncode)))
    return ok


def man_page_documents_every_option(bench_bin):
    """man/ssehub-bench.1 names every long option --help lists, and no other."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(repo, "man", "ssehub-bench.1")) as f:
        page = f.read()
    helptext = subprocess.run([bench_bin, "--help"], stdout=subprocess.PIPE, text=True).stdout
    listed = set(re.findall(r"--([a-z][a-z-]*)", helptext.split("Options:", 1)[1]))
    documented = set(re.findall(r"(?:Fl|,) -([a-z][a-z-]*)", page))
    ok = listed == documented
    print("man_page_documents_every_option: %s" % (
        "ok" if ok else "FAILED: undocumented %s, unknown %s"
        % (sorted(listed - documented), sorted(documented - listed))))
    return ok


def transport_bench_runs_clean(ssehub):
    """bench/transport-bench at a tiny size (about 4 s): over HTTP/1.1, TLS and HTTP/2 every
    subscriber gets every event once and in order, and every RSS run counts its subscribers.
    No timing assertions."""
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory(prefix="transport-bench-smoke-") as out:
        done = subprocess.run(
            [sys.executable, os.path.join(here, "transport-bench"), "--bin", ssehub, "--quick",
             "--subscribers", "20", "--events", "5", "--rss-subscribers", "50", "--rss-stable",
             "0.3", "--out", out],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=50)
        try:
            with open(os.path.join(out, "runs.json")) as f:
                runs = json.load(f)
        except (OSError, ValueError):
            runs = []
    cpu = [r for r in runs if r["kind"] == "cpu"]
    rss = [r for r in runs if r["kind"] == "rss"]
    ok = (done.returncode == 0 and len(cpu) == 4 and len(rss) == 4 and
          all(r["ok"] for r in runs) and
          all(r["delivered"] == 100 and r["lost"] == r["duplicates"] == r["reordered"] == 0
              for r in cpu) and
          all("rss_per_subscriber_bytes" in r for r in rss))
    print("transport_bench_runs_clean: %s" % (
        "ok" if ok else "FAILED (exit %d, %d runs):\n%s" % (done.returncode, len(runs),
                                                            done.stdout[-3000:])))
    return ok


SECRET = b"a-bench-smoke-secret-of-at-least-32-bytes"


def hs256_token(secret, subject):
    def b64url(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    claims = {"sub": subject, "exp": int(time.time()) + 3600,
              "ssehub": {"subscribe": ["bench/*"]}}
    head = b64url(b'{"alg":"HS256","typ":"JWT"}') + "." + b64url(json.dumps(claims).encode())
    return head + "." + b64url(hmac.new(secret, head.encode(), hashlib.sha256).digest())


def token_file_tokens_reach_a_private_topic(ssehub, bench_bin):
    """--token-file: 30 subscribers of a private topic, three tokens used in turn, all clean;
    then the same with the second token signed by another key, which the hub must refuse (so
    every line is sent, and the first run did not pass by accident); and without tokens."""
    n, events = 30, 20
    with tempfile.TemporaryDirectory(prefix="ssehub-bench-smoke-") as state:
        secret = os.path.join(state, "secret")
        with open(secret, "wb") as f:
            f.write(SECRET + b"\n")
        good = os.path.join(state, "good.tokens")
        bad = os.path.join(state, "bad.tokens")
        with open(good, "w") as f:
            f.write("".join(hs256_token(SECRET, "s%d" % i) + "\n" for i in range(3)))
        with open(bad, "w") as f:
            f.write("\n".join([hs256_token(SECRET, "s0"), hs256_token(b"x" * 40, "s1"),
                               hs256_token(SECRET, "s2")]) + "\n")
        hub, port = start_hub(ssehub, state, ["--jwt-key", secret, "--private-topic", "bench/*"])
        try:
            common = ["-n", str(n), "-m", str(events), "--body", "topic=bench/t&data={data}"]
            path = "/events?topic=bench/t"
            runs = [bench(bench_bin, port, hub.pid, ["--token-file", tokens] + common, path)
                    for tokens in (good, bad)]
            runs.append(bench(bench_bin, port, hub.pid, common, path))
        finally:
            stop_hub(hub)
    (rc, r), (bad_rc, bad_r), (none_rc, none_r) = runs
    ok = check_clean("token_file_tokens_reach_a_private_topic", rc, r, n, events)
    problems = []
    if r.get("tokens") != 3:
        problems.append("tokens %r, want 3" % r.get("tokens"))
    if not r["connect"].get("subscribes_per_second"):
        problems.append("no connect.subscribes_per_second")
    if "cpu_us_per_subscribe" not in r.get("server", {}):
        problems.append("no server.cpu_us_per_subscribe")
    for name, code, res in (("a wrongly signed token", bad_rc, bad_r),
                            ("no token", none_rc, none_r)):
        if code != 1 or res["ok"] or "HTTP status 401" not in res["failure"]:
            problems.append("with %s: exit %d, failure %r (want exit 1, HTTP status 401)"
                            % (name, code, res["failure"]))
    print("token_file_refusals_and_figures: %s" % (
        "ok" if not problems else "FAILED: " + "; ".join(problems)))
    return ok and not problems


CASES = [
    # name, ssehub-bench arguments, subscribers, events, extra hub options
    ("wait_for_all_300_subscribers_200_events_all_delivered_once_in_order",
     ["-n", "300", "-m", "200", "-s", "64", "--source-addresses", "3"], 300, 200, []),
    ("open_loop_two_publishers_in_order_per_publisher",
     ["-n", "100", "--mode", "open", "-r", "100", "-d", "1", "-p", "2"], 100, 100, []),
    ("events_larger_than_one_read_are_reassembled",
     ["-n", "20", "-m", "20", "-s", "150000"], 20, 20, ["--max-event-bytes", "1M"]),
]


def main():
    ssehub, bench_bin = sys.argv[1], sys.argv[2]
    passed = failed = 0
    for name, args, n, m, hub_args in CASES:
        with tempfile.TemporaryDirectory(prefix="ssehub-bench-smoke-") as state:
            hub, port = start_hub(ssehub, state, hub_args)
            try:
                rc, r = bench(bench_bin, port, hub.pid, args)
            finally:
                stop_hub(hub)
            if check_clean(name, rc, r, n, m):
                passed += 1
            else:
                failed += 1
    for check in (faulty_hub_faults_are_all_counted, man_page_documents_every_option):
        if check(bench_bin):
            passed += 1
        else:
            failed += 1
    if token_file_tokens_reach_a_private_topic(ssehub, bench_bin):
        passed += 1
    else:
        failed += 1
    if transport_bench_runs_clean(ssehub):
        passed += 1
    else:
        failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
