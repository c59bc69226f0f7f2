"""Integration-test harness for ssehub: the real binary, real sockets, real clients.

Everything here talks to a running `ssehub serve` over 127.0.0.1 or a Unix
socket. Nothing is mocked. Every wait is a loop on a condition with a deadline;
no test may sleep and hope.

Pieces:
  Hub            start/stop one hub process on an ephemeral port with its own state dir
  Conn           one client connection with a buffered HTTP/1.1 response reader
  http_request   one request on a fresh connection -> Response
  SseParser      the WHATWG EventSource stream parser (fields, comments, dispatch)
  SseClient      a raw-socket subscriber that parses the stream as it arrives
  CurlStream     `curl -N` as a subscriber, its stdout parsed the same way
  publish        POST /publish (form or JSON); publish_ok asserts 202 and returns the JSON
  signal         the legacy IntraMine GET /?signal=...
  wait_until     poll a predicate until it holds or a deadline passes
  HubTestCase    unittest base class whose hubs are stopped (and checked) at cleanup
  require        skip for a missing dependency on a developer's machine, fail under CI=true
"""

import codecs
import collections
import functools
import json as jsonlib
import os
import re
import select
import shutil
import signal as signallib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


# ---------------------------------------------------------------- missing dependencies

def in_ci():
    """CI=true (as .ci/run and CI services set it): every dependency must be there."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require(condition, what):
    """The one way a test may stop for a missing dependency (a tool, a library the binary was
    built without). On a developer's machine it skips, and notes `what` in $SSEHUB_SKIP_LOG
    (default: skipped-tests.log in $SSEHUB_BUILD_DIR; make test lists it at the end); under CI=true it fails, since a skipped test
    proves nothing. Never use it for the behaviour under test."""
    if condition:
        return
    note_missing(what)
    raise unittest.SkipTest(what)


def note_missing(what):
    """For a check that leaves out one part and goes on: fails under CI=true, else notes
    `what` in $SSEHUB_SKIP_LOG like require()."""
    if in_ci():
        raise AssertionError("CI=true and a dependency is missing: %s" % what)
    log = os.environ.get("SSEHUB_SKIP_LOG")
    if not log and os.environ.get("SSEHUB_BUILD_DIR"):
        log = os.path.join(os.environ["SSEHUB_BUILD_DIR"], "skipped-tests.log")
    if log:
        with open(log, "a") as f:
            f.write("%s: %s\n" % (os.path.basename(sys.argv[0]) or "python", what))


def requires(condition, what):
    """require() as a decorator of a test method or a TestCase class (checked in setUp)."""
    def wrap(obj):
        if condition:
            return obj
        if isinstance(obj, type):
            inner = obj.setUp

            def setUp(self):
                require(False, what)
                inner(self)
            obj.setUp = setUp
            return obj

        @functools.wraps(obj)
        def test(self, *args, **kwargs):
            require(False, what)
        return test
    return wrap

# Inherited systemd variables would switch the hub to socket activation, sd_notify or
# journald-style log prefixes; the tests want the plain command-line behaviour.
_SYSTEMD_VARS = ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
                 "JOURNAL_STREAM", "WATCHDOG_USEC", "WATCHDOG_PID")


def hub_env(extra=None):
    env = {k: v for k, v in os.environ.items() if k not in _SYSTEMD_VARS}
    env.update(extra or {})
    return env


def hub_binary():
    """Path of the ssehub binary under test: $SSEHUB_BIN, else build/ssehub."""
    path = os.environ.get("SSEHUB_BIN") or os.path.join(REPO, "build", "ssehub")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise AssertionError(
            "ssehub binary not found at %r: build it, or set SSEHUB_BIN" % path)
    return path


# ---------------------------------------------------------------- waiting

def wait_until(pred, timeout=5.0, interval=0.01, message=None):
    """Call pred() until it returns a truthy value (returned) or timeout passes
    (AssertionError). The only place the harness pauses, and always on a condition."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(message or "condition not met within %.1f s" % timeout)
        time.sleep(interval)


# ---------------------------------------------------------------- hub process

LISTEN_RE = re.compile(r"\binfo: listening on (\S+)")


class Hub:
    """One `ssehub serve` process.

    Hub(args) starts `ssehub serve --listen 127.0.0.1:0 --state-dir TMP *args`,
    reads stderr until one `info: listening on ...` line per listener has
    appeared (deadline 10 s), then drains stderr in a thread into
    .stderr_lines. stop() sends SIGTERM and waits, killing on timeout.
    """

    def __init__(self, args=(), listen=("127.0.0.1:0",), state_dir=None, env=None,
                 ready_timeout=10.0, preexec_fn=None):
        """env: extra environment variables for the hub. preexec_fn: run in the child
        before exec (a resource limit, say)."""
        self.args = list(args)
        self.listen = list(listen)
        self._own_state_dir = state_dir is None
        self.state_dir = state_dir or tempfile.mkdtemp(prefix="ssehub-state-")
        self.stderr_lines = []
        self.listeners = []  # what the hub printed after "listening on"
        self._cond = threading.Condition()
        self._stderr_done = False
        self.returncode = None
        self.stopped = False
        cmd = [hub_binary(), "serve"]
        for addr in self.listen:
            cmd += ["--listen", addr]
        cmd += ["--state-dir", self.state_dir] + self.args
        self.cmd = cmd
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, env=hub_env(env), preexec_fn=preexec_fn)
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._drain_stderr, daemon=True)
        self._reader.start()
        try:
            self._wait_ready(ready_timeout)
        except BaseException:
            self.stop()
            self.cleanup()
            raise

    # -- stderr

    def _drain_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self._cond:
                self.stderr_lines.append(line)
                m = LISTEN_RE.search(line)
                if m:
                    self.listeners.append(m.group(1))
                self._cond.notify_all()
        with self._cond:
            self._stderr_done = True
            self._cond.notify_all()

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.listeners) < len(self.listen):
                remaining = deadline - time.monotonic()
                if self._stderr_done or remaining <= 0:
                    break
                self._cond.wait(remaining)
            ok = len(self.listeners) >= len(self.listen)
        if not ok:
            rc = self.proc.poll()
            raise AssertionError(
                "hub did not report %d listener(s) within %.0f s (exit status %s); "
                "command %r; stderr:\n%s" % (len(self.listen), timeout, rc, self.cmd,
                                             "\n".join(self.stderr_lines)))

    def wait_for_log(self, pattern, timeout=5.0):
        """Wait until a stderr line matches the regex; return the line."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.stderr_lines:
                    if rx.search(line):
                        return line
                remaining = deadline - time.monotonic()
                if self._stderr_done or remaining <= 0:
                    raise AssertionError("no stderr line matching %r; stderr:\n%s"
                                         % (pattern, "\n".join(self.stderr_lines)))
                self._cond.wait(remaining)

    def stderr_text(self):
        with self._cond:
            return "\n".join(self.stderr_lines)

    # -- addresses

    @property
    def tcp_ports(self):
        ports = []
        for addr in self.listeners:
            if not addr.startswith("unix:"):
                ports.append(int(addr.rsplit(":", 1)[1]))
        return ports

    @property
    def unix_paths(self):
        return [a[len("unix:"):] for a in self.listeners if a.startswith("unix:")]

    @property
    def port(self):
        return self.tcp_ports[0]

    @property
    def addr(self):
        """First listener: ("127.0.0.1", port) or a Unix socket path."""
        first = self.listeners[0]
        if first.startswith("unix:"):
            return first[len("unix:"):]
        host, port = first.rsplit(":", 1)
        return (host.strip("[]"), int(port))

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    # -- lifecycle

    def alive(self):
        return self.proc.poll() is None

    def assert_alive(self):
        if not self.alive():
            raise AssertionError("hub exited unexpectedly with status %s; stderr:\n%s"
                                 % (self.proc.returncode, self.stderr_text()))

    def signal(self, signum):
        if signum in (signallib.SIGTERM, signallib.SIGINT):
            self.stopped = True  # the test itself checks how the hub exits
        self.proc.send_signal(signum)

    def wait_exit(self, timeout):
        """Wait for the process to exit; return its status or None on timeout."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(timeout=5)
        return self.returncode

    def stop(self, sig=signallib.SIGTERM, timeout=10.0):
        """Signal the hub (by PID), wait up to timeout, kill if it is still there.
        Returns the exit status (negative: killed by that signal)."""
        self.stopped = True
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass
            if self.wait_exit(timeout) is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
                self.returncode = None  # did not exit on its own
                self._reader.join(timeout=5)
                return None
        self.returncode = self.proc.returncode
        self._reader.join(timeout=5)
        return self.returncode

    def cleanup(self):
        if self.proc.stderr:
            self.proc.stderr.close()
        if self._own_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def close_checked(self):
        """Cleanup used by HubTestCase: the hub must still be running (no crash),
        and SIGTERM must make it exit 0."""
        try:
            if self.stopped:
                self.stop()  # no-op when it already exited; kills a straggler
                return
            crashed = self.proc.poll() is not None
            rc = self.stop()
            if crashed:
                raise AssertionError("hub died during the test (status %s); stderr:\n%s"
                                     % (rc, self.stderr_text()))
            if rc != 0:
                raise AssertionError("hub exit status on SIGTERM was %s, expected 0; "
                                     "stderr:\n%s" % (rc, self.stderr_text()))
        finally:
            self.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.close_checked()
        else:
            self.stop()
            self.cleanup()
        return False


def run_cli(args, timeout=10.0, input=None):
    """Run the binary with args to completion -> CompletedProcess (text output)."""
    return subprocess.run([hub_binary()] + list(args), input=input, capture_output=True,
                          text=True, timeout=timeout, env=hub_env())


def stop_process(proc, timeout=5.0):
    """Cleanup for a child process a test started (a client, curl, nghttp, redis-server):
    SIGTERM by PID, wait up to timeout, then SIGKILL if it does not go."""
    if proc.poll() is None:
        proc.send_signal(signallib.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


# ---------------------------------------------------------------- HTTP client

class ConnectionClosed(Exception):
    """The peer closed the connection (EOF or reset)."""


def connect(addr, timeout=5.0):
    """addr: an int port on 127.0.0.1, a (host, port) tuple, or a Unix socket path."""
    if isinstance(addr, int):
        addr = ("127.0.0.1", addr)
    if isinstance(addr, str):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(addr)
    return sock


def read_all(sock, timeout=5.0):
    """Read until the peer closes (or resets); return the bytes."""
    sock.settimeout(timeout)
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        out += chunk
    return out

def host_header(addr):
    if isinstance(addr, int):
        return "127.0.0.1:%d" % addr
    if isinstance(addr, tuple):
        return "%s:%d" % addr
    return "localhost"


Response = collections.namedtuple("Response", "status reason headers header_list body")


def _text(body):
    return body.decode("utf-8", "replace")


class Conn:
    """A client connection with an input buffer and an HTTP/1.1 response reader."""

    def __init__(self, addr, timeout=5.0):
        self.addr = addr
        self.sock = connect(addr, timeout)
        self.buf = bytearray()
        self.eof = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def fill(self, deadline):
        """Read once more into buf. Raises ConnectionClosed at EOF/reset,
        TimeoutError when the deadline passes first."""
        if self.eof:
            raise ConnectionClosed("connection closed by peer")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out waiting for data")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("timed out waiting for data") from None
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.eof = True
            raise ConnectionClosed("connection closed by peer")
        self.buf += chunk
        return chunk

    def read_line(self, deadline, crlf=False):
        """One line without its terminator; crlf=True: the line must end in CRLF
        (the hub's status line, header lines and chunk framing)."""
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 1]
                if line.endswith(b"\r"):
                    return line[:-1]
                if crlf:
                    raise AssertionError("line not terminated by CRLF: %r" % line)
                return line
            self.fill(deadline)

    def read_exact(self, n, deadline):
        while len(self.buf) < n:
            self.fill(deadline)
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def read_to_eof(self, deadline):
        try:
            while True:
                self.fill(deadline)
        except ConnectionClosed:
            pass
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def wait_closed(self, timeout=5.0):
        """Wait until the peer closes; return whatever bytes arrived before.
        Raises TimeoutError if the connection stays open."""
        return self.read_to_eof(time.monotonic() + timeout)

    def read_head(self, deadline):
        """Status line and headers of one response (interim 1xx responses skipped)."""
        while True:
            line = self.read_line(deadline, crlf=True)
            m = re.match(rb"HTTP/1\.[01] (\d{3})(?: (.*))?$", line)
            if not m:
                raise AssertionError("bad status line %r" % line)
            status = int(m.group(1))
            reason = _text(m.group(2) or b"")
            header_list = []
            while True:
                h = self.read_line(deadline, crlf=True)
                if h == b"":
                    break
                name, sep, value = h.partition(b":")
                if not sep:
                    raise AssertionError("bad header line %r" % h)
                header_list.append((_text(name).strip().lower(), _text(value).strip()))
            if 100 <= status < 200 and status != 101:
                continue
            headers = {}
            for name, value in header_list:
                headers[name] = value if name not in headers else headers[name] + ", " + value
            return status, reason, headers, header_list

    def read_response(self, timeout=5.0, method="GET"):
        deadline = time.monotonic() + timeout
        status, reason, headers, header_list = self.read_head(deadline)
        if method == "HEAD" or status in (204, 304):
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked(deadline)
        elif "content-length" in headers:
            body = self.read_exact(int(headers["content-length"]), deadline)
        else:
            body = self.read_to_eof(deadline)
        return Response(status, reason, headers, header_list, body)

    def _read_chunked(self, deadline):
        body = bytearray()
        while True:
            size_line = self.read_line(deadline, crlf=True)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while self.read_line(deadline, crlf=True) != b"":  # trailers
                    pass
                return bytes(body)
            body += self.read_exact(size, deadline)
            if self.read_exact(2, deadline) != b"\r\n":
                raise AssertionError("chunk not followed by CRLF")

    def request(self, method, path, headers=None, body=None, timeout=5.0):
        try:
            self.send(build_request(self.addr, method, path, headers, body))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the hub may answer (413, 400) and close before reading all we send
        return self.read_response(timeout, method)


def build_request(addr, method, path, headers=None, body=None):
    """Bytes of one HTTP/1.1 request. Adds Host (unless given) and
    Content-Length for a body (unless Content-Length or Transfer-Encoding given)."""
    headers = list((headers or {}).items()) if isinstance(headers, dict) else list(headers or [])
    names = {k.lower() for k, _ in headers}
    if "host" not in names:
        headers.insert(0, ("Host", host_header(addr)))
    if isinstance(body, str):
        body = body.encode("utf-8")
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        headers.append(("Content-Length", str(len(body))))
    head = "%s %s HTTP/1.1\r\n" % (method, path)
    head += "".join("%s: %s\r\n" % (k, v) for k, v in headers)
    return head.encode("utf-8") + b"\r\n" + (body or b"")


def http_request(addr, method, path, headers=None, body=None, timeout=5.0):
    """One request on a fresh connection -> Response(status, reason, headers, header_list, body).
    headers of the Response: dict with lower-case names."""
    with Conn(addr, timeout) as conn:
        return conn.request(method, path, headers, body, timeout)


def metrics(addr):
    """GET /metrics -> {"name" or "name{label=...}": int value}."""
    r = http_request(addr, "GET", "/metrics")
    if r.status != 200:
        raise AssertionError("/metrics answered %d" % r.status)
    out = {}
    for line in r.body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = int(value)
    return out


def chunked(*pieces):
    """A chunked transfer-coding body made of the given byte pieces."""
    out = b""
    for p in pieces:
        if isinstance(p, str):
            p = p.encode("utf-8")
        out += b"%x\r\n" % len(p) + p + b"\r\n"
    return out + b"0\r\n\r\n"


def one_line_reason(test, response):
    """Assert the body of an error response is one non-empty line of text."""
    text = _text(response.body).rstrip("\r\n")
    test.assertTrue(text.strip(), "error response %d has an empty body" % response.status)
    test.assertNotIn("\n", text, "error body is not one line: %r" % text)


# ---------------------------------------------------------------- publishing

ID_RE = re.compile(r"^(\d+)-(\d+)$")


def parse_id(event_id):
    """'<ms>-<seq>' -> (ms, seq) integers, for ordering comparisons."""
    m = ID_RE.match(event_id)
    if not m:
        raise AssertionError("event id %r is not of the form <ms>-<seq>" % event_id)
    return int(m.group(1)), int(m.group(2))


def form_body(fields):
    """application/x-www-form-urlencoded from a list of (name, value) pairs;
    values may be str (UTF-8) or bytes (sent as-is, percent-encoded)."""
    return urllib.parse.urlencode(fields).encode("ascii")


def publish(addr, event=None, data=None, topic=None, json=False, headers=None, timeout=5.0):
    """POST /publish -> Response. Fields that are None are left out."""
    fields = [(k, v) for k, v in (("event", event), ("data", data), ("topic", topic))
              if v is not None]
    hdrs = dict(headers or {})
    if json:
        body = jsonlib.dumps(dict(fields)).encode("utf-8")
        hdrs.setdefault("Content-Type", "application/json")
    else:
        body = form_body(fields)
        hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
    return http_request(addr, "POST", "/publish", hdrs, body, timeout)


def publish_ok(addr, event=None, data=None, topic=None, json=False, headers=None):
    """publish and assert 202 with {"id": "<ms>-<seq>", "subscribers": N}; return the dict."""
    r = publish(addr, event, data, topic, json, headers)
    return check_publish_response(r)


def check_publish_response(r):
    if r.status != 202:
        raise AssertionError("publish answered %d %r, expected 202" % (r.status, r.body))
    try:
        doc = jsonlib.loads(r.body)
    except ValueError:
        raise AssertionError("publish answer is not JSON: %r" % r.body) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str) \
            or type(doc.get("subscribers")) is not int:
        raise AssertionError("publish answer lacks id/subscribers: %r" % r.body)
    parse_id(doc["id"])
    return doc


def signal(addr, query, headers=None, timeout=5.0):
    """Legacy broadcast: GET /?<query> (query: str or list of pairs) -> Response."""
    if not isinstance(query, str):
        query = urllib.parse.urlencode(query)
    return http_request(addr, "GET", "/?" + query, headers, None, timeout)


# ---------------------------------------------------------------- SSE parsing

Event = collections.namedtuple("Event", "type data id own_id")
Event.__doc__ = """A dispatched event. id: the last event ID (WHATWG, persists across
events); own_id: the id field seen in this event's block, or None."""

_EOL = re.compile(r"\r\n|\r|\n")


class SseParser:
    """WHATWG EventSource stream parser (HTML standard, "Parsing an event stream").

    feed(bytes) returns the new items, each ("retry", int), ("comment", str),
    ("field", name, value) for ignored fields, or ("event", Event)."""

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""
        self._skip_lf = False
        self._started = False
        self.data = ""
        self.event_type = ""
        self.last_id = ""
        self.block_id = None
        self.retry = None

    def feed(self, chunk, final=False):
        text = self._decoder.decode(chunk, final)
        if not self._started and text:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        buf = self._pending + text
        items = []
        pos = 0
        if buf and self._skip_lf:
            if buf.startswith("\n"):
                pos = 1
            self._skip_lf = False
        while True:
            m = _EOL.search(buf, pos)
            if not m:
                break
            line = buf[pos:m.start()]
            pos = m.end()
            if m.group() == "\r" and pos == len(buf):
                self._skip_lf = True  # a CRLF may be split across reads
            self._line(line, items)
        self._pending = buf[pos:]
        return items

    def _line(self, line, items):
        if line == "":
            self._dispatch(items)
            return
        if line.startswith(":"):
            items.append(("comment", line[1:]))
            return
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self.event_type = value
        elif name == "data":
            self.data += value + "\n"
        elif name == "id":
            if "\0" not in value:
                self.last_id = value
                self.block_id = value
        elif name == "retry":
            if value and all("0" <= c <= "9" for c in value):
                self.retry = int(value)
                items.append(("retry", self.retry))
            else:
                items.append(("field", name, value))
        else:
            items.append(("field", name, value))

    def _dispatch(self, items):
        own_id, self.block_id = self.block_id, None
        if self.data == "":
            self.event_type = ""
            return
        data = self.data[:-1] if self.data.endswith("\n") else self.data
        items.append(("event", Event(self.event_type or "message", data, self.last_id, own_id)))
        self.data = ""
        self.event_type = ""


class _StreamReader:
    """Shared event-stream bookkeeping of SseClient and CurlStream."""

    def _init_stream(self):
        self.parser = SseParser()
        self.items = []
        self.events = []
        self.comments = []
        self.raw = bytearray()
        self._cursor = 0
        self.closed = False

    def _feed(self, chunk):
        self.raw += chunk
        for item in self.parser.feed(chunk):
            self.items.append(item)
            if item[0] == "event":
                self.events.append(item[1])
            elif item[0] == "comment":
                self.comments.append(item[1])

    def _read_more(self, deadline):
        raise NotImplementedError

    def read_until(self, pred, timeout=5.0, what="condition"):
        """Read until pred() holds. TimeoutError / ConnectionClosed otherwise."""
        deadline = time.monotonic() + timeout
        while not pred():
            try:
                self._read_more(deadline)
            except TimeoutError:
                raise TimeoutError("%s not met within %.1f s; stream so far: %r"
                                   % (what, timeout, bytes(self.raw[-2000:]))) from None
        return True

    def next_event(self, timeout=5.0):
        """The next event not yet returned by next_event."""
        self.read_until(lambda: self._cursor < len(self.events), timeout, "next event")
        event = self.events[self._cursor]
        self._cursor += 1
        return event

    def next_events(self, n, timeout=5.0):
        deadline = time.monotonic() + timeout
        return [self.next_event(max(0.0, deadline - time.monotonic())) for _ in range(n)]

    def wait_opened(self, timeout=5.0):
        """Wait for the stream opening (retry field and a comment)."""
        self.read_until(lambda: self.comments, timeout, "stream opening comment")


class SseClient(_StreamReader):
    """A subscriber on a raw socket: sends the GET, checks the response head,
    then parses the stream incrementally.

    With expect_status=200 (default) it waits for the opening comment, so the hub
    has registered the subscriber when the constructor returns."""

    def __init__(self, addr, path="/events", headers=None, accept=True, timeout=5.0,
                 wait_open=True, expect_status=200):
        self._init_stream()
        hdrs = list((headers or {}).items()) if isinstance(headers, dict) else list(headers or [])
        if accept:
            hdrs.append(("Accept", "text/event-stream"))
        self.conn = Conn(addr, timeout)
        self.conn.send(build_request(addr, "GET", path, hdrs))
        deadline = time.monotonic() + timeout
        self.status, self.reason, self.headers, self.header_list = self.conn.read_head(deadline)
        if expect_status is not None and self.status != expect_status:
            body = bytes(self.conn.buf)
            self.close()
            raise AssertionError("subscribe %s answered %d %r, expected %d"
                                 % (path, self.status, body, expect_status))
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            self.close()
            raise AssertionError("event stream sent with Transfer-Encoding: chunked; "
                                 "ssehub streams raw SSE bytes")
        if self.conn.buf:
            chunk = bytes(self.conn.buf)
            self.conn.buf.clear()
            self._feed(chunk)
        if self.status == 200 and wait_open:
            self.wait_opened(timeout)

    def _read_more(self, deadline):
        try:
            chunk = self.conn.fill(deadline)
        except ConnectionClosed:
            self.closed = True
            raise
        self.conn.buf.clear()
        self._feed(chunk)

    def wait_closed(self, timeout=5.0):
        """Read (and parse) until the hub closes the stream; TimeoutError if it does not."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._read_more(deadline)
        except ConnectionClosed:
            return True

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class CurlStream(_StreamReader):
    """`curl -sS -N URL` as a subscriber; its stdout is parsed as an event stream."""

    def __init__(self, url, extra_args=(), wait_open=True, timeout=5.0):
        self._init_stream()
        self.proc = subprocess.Popen(["curl", "-sS", "-N"] + list(extra_args) + [url],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        if wait_open:
            self.wait_opened(timeout)

    def _read_more(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out waiting for curl output")
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            raise TimeoutError("timed out waiting for curl output")
        chunk = os.read(fd, 65536)
        if not chunk:
            self.closed = True
            raise ConnectionClosed("curl exited: status %s, stderr %r"
                                   % (self.proc.wait(timeout=5), self.proc.stderr.read()))
        self._feed(chunk)

    def wait_exit(self, timeout=5.0):
        """Read until curl's stdout ends (the hub closed the stream); return curl's status."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._read_more(deadline)
        except ConnectionClosed:
            pass
        return self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))

    def close(self):
        stop_process(self.proc)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_curl(args, timeout=10.0, input=None):
    """Run curl -sS with args -> CompletedProcess (bytes output)."""
    return subprocess.run(["curl", "-sS"] + list(args), input=input, capture_output=True,
                          timeout=timeout)


# ---------------------------------------------------------------- test base

class HubTestCase(unittest.TestCase):
    """Base class: start_hub() starts a hub that is stopped at cleanup; the
    cleanup fails the test if the hub crashed or did not exit 0 on SIGTERM."""

    def start_hub(self, *args, **kwargs):
        hub = Hub(args, **kwargs)
        self.addCleanup(hub.close_checked)
        return hub

    def subscribe(self, addr, path="/events", **kwargs):
        client = SseClient(addr, path, **kwargs)
        self.addCleanup(client.close)
        return client

    def curl_subscribe(self, url, extra_args=(), **kwargs):
        stream = CurlStream(url, extra_args, **kwargs)
        self.addCleanup(stream.close)
        return stream

    def assert_next_event(self, client, type_, data, id_=None, timeout=5.0):
        """The client's next event is exactly (type_, data) and, if given, carries id_
        in its own id: field."""
        event = client.next_event(timeout)
        self.assertEqual((event.type, event.data), (type_, data))
        if id_ is not None:
            self.assertEqual(event.own_id, id_)
        return event

    def assert_nothing_broadcast(self, hub, *clients):
        """Send a sentinel every given client receives (a legacy signal reaches
        topic-filtered subscribers too); it must be the very next event each of them
        sees, so nothing was broadcast in between."""
        marker = "sentinel-%d" % time.monotonic_ns()
        r = signal(hub.addr, [("signal", "sentinel"), ("data", marker)])
        self.assertEqual(r.status, 200, r.body)
        for client in clients:
            self.assert_next_event(client, "sentinel", marker)

    def assert_ids_increase(self, ids):
        pairs = [parse_id(i) for i in ids]
        for a, b in zip(pairs, pairs[1:]):
            self.assertLess(a, b, "ids not strictly increasing: %r" % (ids,))
