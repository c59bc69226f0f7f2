"""TLS helpers for the integration tests: a throwaway certificate made with `openssl req`,
TLS client connections with a chosen ALPN list, and the harness's HTTP/1.1 and event-stream
readers running over them."""

import os
import shutil
import ssl
import subprocess
import tempfile
import time

from harness import Conn, Hub, HubTestCase, SseClient, build_request, connect, hub_binary


def have_tls(binary):
    """True when this ssehub was built with OpenSSL: without it, TLS options are a usage
    error that says TLS is unavailable."""
    r = subprocess.run([binary, "serve", "--listen", "tls:127.0.0.1:0", "--tls-cert", "/dev/null",
                        "--tls-key", "/dev/null", "--check-config"],
                       capture_output=True, text=True, timeout=10)
    return not (r.returncode == 2 and "unavailable" in r.stderr)


class Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost in a temporary directory."""

    def __init__(self, cn="ssehub-test"):
        self.dir = tempfile.mkdtemp(prefix="ssehub-tls-")
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        self.make(cn)

    def make(self, cn, cert=None, key=None):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + cn,
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", key or self.key, "-out", cert or self.cert],
            check=True, capture_output=True, timeout=30)

    def args(self):
        return ["--tls-cert", self.cert, "--tls-key", self.key]

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def client_context(alpn=("http/1.1",)):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def tls_socket(port, alpn=("http/1.1",), timeout=5.0):
    raw = connect(port, timeout)
    return client_context(alpn).wrap_socket(raw, server_hostname="localhost")


def peer_common_name(port):
    """The CN of the certificate the hub presents now (a fresh connection)."""
    s = tls_socket(port)
    try:
        der = s.getpeercert(binary_form=True)
    finally:
        s.close()
    pem = ssl.DER_cert_to_PEM_cert(der)
    out = subprocess.run(["openssl", "x509", "-noout", "-subject"], input=pem,
                         capture_output=True, text=True, timeout=10).stdout
    return out.strip().rsplit("=", 1)[-1].strip()


def h2_offered():
    """True when this ssehub speaks HTTP/2 over TLS: built with OpenSSL and nghttp2, so that
    its TLS listener picks h2 when a client offers it by ALPN."""
    if not have_tls(hub_binary()):
        return False
    cert = Certificate()
    try:
        with Hub(cert.args(), listen=("tls:127.0.0.1:0",)) as hub:
            s = tls_socket(hub.port, alpn=("h2",))
            alpn = s.selected_alpn_protocol()
            s.close()
            return alpn == "h2"
    finally:
        cert.cleanup()


class TlsConn(Conn):
    """harness.Conn over TLS (HTTP/1.1 offered by ALPN)."""

    def __init__(self, port, timeout=5.0, alpn=("http/1.1",)):
        self.addr = port
        self.sock = tls_socket(port, alpn, timeout)
        self.buf = bytearray()
        self.eof = False

    def fill(self, deadline):
        try:
            return super().fill(deadline)
        except ssl.SSLError as e:
            self.eof = True
            from harness import ConnectionClosed
            raise ConnectionClosed("TLS error: %s" % e) from None


def tls_request(port, method, target, headers=None, body=None, timeout=5.0):
    """One HTTP/1.1 request over a fresh TLS connection -> harness Response."""
    with TlsConn(port, timeout) as c:
        c.send(build_request(port, method, target, headers or [], body))
        return c.read_response(timeout, method)


class TlsSseClient(SseClient):
    """harness.SseClient over TLS: GET, check the head, parse the stream as it arrives."""

    def __init__(self, port, path="/events", timeout=5.0, wait_open=True):
        self._init_stream()
        self.conn = TlsConn(port, timeout)
        self.conn.send(build_request(port, "GET", path, [("Accept", "text/event-stream")]))
        deadline = time.monotonic() + timeout
        self.status, self.reason, self.headers, self.header_list = self.conn.read_head(deadline)
        if self.status != 200:
            raise AssertionError("TLS subscribe %s answered %d" % (path, self.status))
        if self.conn.buf:
            chunk = bytes(self.conn.buf)
            self.conn.buf.clear()
            self._feed(chunk)
        if wait_open:
            self.wait_opened(timeout)


class TlsHubTestCase(HubTestCase):
    """HubTestCase with a fresh Certificate in self.cert (removed at cleanup) and hubs that
    serve it on a TLS listener next to a plain HTTP one."""

    def setUp(self):
        super().setUp()
        self.cert = Certificate()
        self.addCleanup(self.cert.cleanup)

    def start_tls_hub(self, *args):
        """A hub with self.cert on tls:127.0.0.1:0 and on 127.0.0.1:0 -> (hub, TLS port,
        plain port)."""
        hub = self.start_hub(*(self.cert.args() + list(args)),
                             listen=("tls:127.0.0.1:0", "127.0.0.1:0"))
        return hub, hub.tcp_ports[0], hub.tcp_ports[1]


def encrypt_key(key, out, passphrase="secret"):
    """Writes `key` to `out` encrypted (AES-256, PEM) with `passphrase`."""
    subprocess.run(["openssl", "pkey", "-in", key, "-out", out, "-aes256", "-passout",
                    "pass:" + passphrase], check=True, capture_output=True, timeout=30)


class PtyProcess:
    """A process with a terminal of its own (pty.fork: the pty is its controlling terminal,
    /dev/tty and its standard streams), as when someone starts it by hand. OpenSSL asks for a
    passphrase on /dev/tty; what the process writes is read from the pty's master side."""

    def __init__(self, argv):
        import pty
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: nothing of the test runs here
            try:
                os.execv(argv[0], argv)
            finally:
                os._exit(127)
        self.out = b""
        self.status = None

    def read_until(self, pred, timeout):
        """Reads the terminal until pred(text) or `timeout` s: True when pred held."""
        import select
        deadline = time.monotonic() + timeout
        while not pred(self.text()):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.1))
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:  # EIO: the child closed the terminal (exited)
                    chunk = b""
                if not chunk:
                    return pred(self.text())
                self.out += chunk
        return True

    def text(self):
        return self.out.decode("utf-8", "replace")

    def wait(self, timeout):
        """The exit status within `timeout` s (os.waitstatus_to_exitcode), or None."""
        deadline = time.monotonic() + timeout
        while self.status is None and time.monotonic() < deadline:
            self.read_until(lambda _: False, 0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def signal(self, sig):
        if self.status is None:
            os.kill(self.pid, sig)

    def close(self):
        if self.status is None:
            import signal
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.status = -9
        os.close(self.fd)
