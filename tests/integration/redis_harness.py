"""Redis for the integration tests: a real `redis-server` per test on a free loopback port
with its own temporary directory, stopped by PID; a minimal RESP client to look at and
tamper with the stream; and a test base class that starts hub nodes on it.

Nothing here sleeps and hopes: every wait is a loop on a condition with a deadline.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import HubTestCase, http_request, require, run_cli, stop_process, wait_until

STREAM = "ssehub:events"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RespError(Exception):
    """An error reply from Redis."""


class Resp:
    """A blocking RESP2 client on one socket: enough for tests (commands and replies)."""

    def __init__(self, port=None, unix_path=None, timeout=5.0):
        if unix_path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix_path)
        else:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            if isinstance(a, str):
                a = a.encode("utf-8")
            elif isinstance(a, int):
                a = str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self._reply()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise AssertionError("bad RESP line %r" % line)


class RedisServer:
    """One redis-server on 127.0.0.1:<free port> with a temporary --dir, no RDB snapshots.
    appendonly=True makes it durable (fsync always), so kill -9 loses nothing."""

    def __init__(self, appendonly=False, extra=(), unix_socket=False, password=None):
        self.dir = tempfile.mkdtemp(prefix="ssehub-redis-")
        self.appendonly = appendonly
        self.password = password
        self.extra = list(extra)
        self.unix_path = os.path.join(self.dir, "redis.sock") if unix_socket else None
        self.port = None
        self.proc = None
        self.start()

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port

    def _cmd(self):
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
               "--dir", self.dir, "--save", "", "--enable-debug-command", "local",
               "--logfile", os.path.join(self.dir, "redis.log")]
        if self.appendonly:
            cmd += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            cmd += ["--appendonly", "no"]
        if self.unix_path:
            cmd += ["--unixsocket", self.unix_path]
        if self.password:
            cmd += ["--requirepass", self.password]
        return cmd + self.extra

    def start(self):
        """Starts (or restarts, on the same port and directory) and waits for PING."""
        for _ in range(5):
            if self.port is None:
                self.port = free_port()
            self.proc = subprocess.Popen(self._cmd(), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if self._wait_ready(10.0):
                return
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.port = None  # probably taken meanwhile: try another
        raise AssertionError("redis-server did not start; log:\n" + self.log())

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                r = self.client(timeout=1.0)
                try:
                    if r.call("PING") == "PONG":
                        return True
                finally:
                    r.close()
            except (OSError, RespError):
                pass
            time.sleep(0.01)
        return False

    def log(self):
        try:
            with open(os.path.join(self.dir, "redis.log")) as f:
                return f.read()
        except OSError:
            return ""

    def kill9(self):
        """kill -9 by PID, and wait until it is gone."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc:
            stop_process(self.proc, timeout=10)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self, timeout=5.0):
        r = Resp(self.port, timeout=timeout)
        if self.password:
            r.call("AUTH", self.password)
        return r

    def call(self, *args):
        r = self.client()
        try:
            return r.call(*args)
        finally:
            r.close()


def metrics(addr):
    """GET /metrics -> {name-with-labels: number}."""
    body = http_request(addr, "GET", "/metrics").body.decode()
    values = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def metric(addr, name):
    return metrics(addr).get(name)


def redis_stalled(redis):
    """True while Redis does not answer a PING within 0.2 s."""
    try:
        r = Resp(redis.port, timeout=0.2)
    except OSError:
        return False
    try:
        r.call("PING")
        return False
    except OSError:
        return True
    finally:
        r.close()


_supported = None


def redis_supported():
    """False when the binary was built without hiredis (then --redis is a usage error)."""
    global _supported
    if _supported is None:
        r = run_cli(["serve", "--redis", "redis://127.0.0.1:1/0", "--check-config"])
        _supported = "built without Redis support" not in r.stderr
    return _supported


class RedisTestCase(HubTestCase):
    """Hub nodes on a real Redis; every Redis and every node is stopped at cleanup."""

    def setUp(self):
        super().setUp()
        require(redis_supported(), "ssehub was built without Redis support (hiredis)")
        require(shutil.which("redis-server"), "redis-server is not installed (Debian package "
                "redis-server)")

    def start_redis(self, **kwargs):
        server = RedisServer(**kwargs)
        self.addCleanup(server.cleanup)
        return server

    def start_node(self, redis, *args, wait_up=True, **kwargs):
        """A hub with --redis; by default waits until its link to Redis is up."""
        url = kwargs.pop("url", None) or redis.url
        hub = self.start_hub("--redis", url, *args, **kwargs)
        # The last listener: plain HTTP, also when the first speaks TLS.
        plain = hub.tcp_ports[-1]
        if wait_up:
            wait_until(lambda: metric(plain, "ssehub_redis_up") == 1, timeout=10,
                       message="node did not connect to Redis:\n" + hub.stderr_text())
        return hub

    def kill9_node(self, hub):
        hub.stopped = True  # the test kills it on purpose
        hub.proc.send_signal(signal.SIGKILL)
        hub.wait_exit(10)

    def wait_read(self, hub, n, timeout=10):
        """Wait until the node's reader has taken at least n stream entries."""
        wait_until(lambda: (metric(hub.addr, "ssehub_redis_entries_read_total") or 0) >= n,
                   timeout=timeout, message="node did not read %d entries" % n)
