"""A bare HTTP/2 client over TLS for what nghttp cannot do (requests that never end, frames
that break the rules, hostile peers): frames go out as raw bytes, frames that come back are
collected per type and stream. Header blocks are written by hand in HPACK (static table and
literals), so no HPACK library is needed; response headers are not decoded."""

import socket
import ssl

from harness import wait_until
from tls_support import tls_socket

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def hpack_literal(index, value):
    """One header field as HPACK "literal without indexing, indexed name" (RFC 7541 6.2.2),
    the value as a plain string: nothing enters the decoder's dynamic table."""
    out = bytearray()
    if index < 15:
        out.append(index)
    else:
        out += bytes([15, index - 15])  # index - 15 < 128 for the static table
    value = value.encode()
    assert len(value) < 127
    out.append(len(value))
    return bytes(out + value)


def h2_frame(type_, flags, stream_id, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([type_, flags]) + \
        stream_id.to_bytes(4, "big") + payload


DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS = 0, 1, 2, 3, 4
PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = 5, 6, 7, 8, 9
END_STREAM, END_HEADERS, PADDED, PRIORITY_FLAG, ACK = 0x1, 0x4, 0x8, 0x20, 0x1
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR = 0, 1, 2, 3
STREAM_CLOSED, FRAME_SIZE_ERROR, REFUSED_STREAM, CANCEL = 5, 6, 7, 8
COMPRESSION_ERROR = 9
INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE = 4, 5  # SETTINGS parameters


def settings(**params):
    """A SETTINGS payload: settings(INITIAL_WINDOW_SIZE=0) and the like, by the names above."""
    names = {"INITIAL_WINDOW_SIZE": INITIAL_WINDOW_SIZE, "MAX_FRAME_SIZE": MAX_FRAME_SIZE,
             "ENABLE_PUSH": 2, "MAX_CONCURRENT_STREAMS": 3, "HEADER_TABLE_SIZE": 1}
    return b"".join(names[k].to_bytes(2, "big") + v.to_bytes(4, "big")
                    for k, v in params.items())


def request_block(method="GET", path="/", headers=()):
    """A request's header block: :method GET (static 2) or POST (3), :scheme https (7), :path
    (4), :authority (1), then (static index, value) literals."""
    block = bytes([0x82 if method == "GET" else 0x83, 0x87])
    block += hpack_literal(4, path) + hpack_literal(1, "127.0.0.1")
    for index, value in headers:
        block += hpack_literal(index, value)
    return block


class RawH2:
    """A bare HTTP/2 client over TLS for what nghttp cannot do (a request that never ends):
    requests go out as raw frames, frames that come back are collected per type and stream.
    Response headers are not decoded (nghttp2 compresses them); bodies are read from DATA."""

    def __init__(self, port, initial_settings=b"", ack_settings=True):
        self.sock = tls_socket(port, alpn=("h2",))
        self.sock.settimeout(0.2)
        self.buf = b""
        self.frames = []  # (type, flags, stream id, payload)
        self.closed = False
        self.ack_settings = ack_settings
        self.sock.sendall(PREFACE + h2_frame(SETTINGS, 0, 0, initial_settings))

    def send(self, type_, flags, stream_id, payload=b""):
        self.sock.sendall(h2_frame(type_, flags, stream_id, payload))

    def request(self, stream_id, method, path, end_stream, headers=()):
        flags = END_HEADERS | (END_STREAM if end_stream else 0)
        self.send(HEADERS, flags, stream_id, request_block(method, path, headers))

    def data(self, stream_id, payload, end_stream):
        self.send(DATA, END_STREAM if end_stream else 0, stream_id, payload)

    def handshake(self, timeout=5.0):
        """Waits for the server's SETTINGS and its ACK of ours."""
        self.wait_for(lambda: any(f[0] == SETTINGS and f[1] & ACK for f in self.frames),
                      timeout, what="the SETTINGS ACK")

    def poll(self):
        """Reads what has arrived (for at most 0.2 s) and parses whole frames."""
        if self.closed:
            return
        try:
            chunk = self.sock.recv(65536)
            if not chunk:
                self.closed = True
            self.buf += chunk
        except (TimeoutError, socket.timeout, ssl.SSLWantReadError):
            pass
        except (ConnectionError, ssl.SSLError, OSError):
            self.closed = True
        while len(self.buf) >= 9:
            length = int.from_bytes(self.buf[:3], "big")
            if len(self.buf) < 9 + length:
                break
            type_, flags = self.buf[3], self.buf[4]
            stream_id = int.from_bytes(self.buf[5:9], "big") & 0x7fffffff
            payload = self.buf[9:9 + length]
            self.buf = self.buf[9 + length:]
            self.frames.append((type_, flags, stream_id, payload))
            if type_ == SETTINGS and not flags & ACK and self.ack_settings and not self.closed:
                try:
                    self.sock.sendall(h2_frame(SETTINGS, ACK, 0))
                except OSError:
                    self.closed = True

    def wait_for(self, pred, timeout=10.0, what="frames"):
        def check():
            self.poll()
            return pred() or self.closed
        wait_until(check, timeout, interval=0,
                   message="%s not seen within %.0f s; frames: %r" % (what, timeout, self.frames))
        if self.closed and not pred():
            raise AssertionError("connection closed before %s; frames: %r" % (what, self.frames))

    def of(self, type_, stream_id):
        return [f for f in self.frames if f[0] == type_ and f[2] == stream_id]

    def body(self, stream_id):
        return b"".join(f[3] for f in self.of(DATA, stream_id))

    def rst_code(self, stream_id):
        rst = self.of(RST_STREAM, stream_id)
        return int.from_bytes(rst[0][3], "big") if rst else None

    def goaway_code(self):
        """The error code of the first GOAWAY, or None."""
        g = self.of(GOAWAY, 0)
        return int.from_bytes(g[0][3][4:8], "big") if g else None

    def wait_closed(self, timeout=5.0):
        """Reads until the server closes the connection (what it sent is in self.frames)."""
        wait_until(lambda: self.poll() or self.closed, timeout, interval=0,
                   message="connection not closed within %.0f s; frames: %r"
                   % (timeout, self.frames))

    def close(self):
        self.sock.close()


def hpack_int(value, prefix_bits, first=0):
    """An HPACK integer (RFC 7541 5.1) with an N-bit prefix; `first` holds the bits above it."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = bytearray([first | limit])
    value -= limit
    while value >= 128:
        out.append(value % 128 | 0x80)
        value //= 128
    out.append(value)
    return bytes(out)


def hpack_indexed_insert(name, value):
    """A literal with incremental indexing, new name (RFC 7541 6.2.1): it enters the decoder's
    dynamic table, at index 62 until the next one."""
    name, value = name.encode(), value.encode()
    return b"\x40" + hpack_int(len(name), 7) + name + hpack_int(len(value), 7) + value


def header_block_frames(stream_id, block, end_stream=True, frame_size=16384):
    """`block` as HEADERS then as many CONTINUATION frames as it takes."""
    chunks = [block[i:i + frame_size] for i in range(0, len(block), frame_size)] or [b""]
    out = b""
    for i, chunk in enumerate(chunks):
        flags = END_HEADERS if i == len(chunks) - 1 else 0
        if i == 0:
            out += h2_frame(HEADERS, flags | (END_STREAM if end_stream else 0), stream_id, chunk)
        else:
            out += h2_frame(CONTINUATION, flags, stream_id, chunk)
    return out
