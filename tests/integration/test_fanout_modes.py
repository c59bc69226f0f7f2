"""Both ways a fan-out reaches the kernel (--io-uring auto: the pass's writes submitted together
through io_uring; off: one send() per delivery) deliver the same thing: every event, once, in
order, intact, to fast subscribers and to a slow reader whose socket keeps taking only part of
a frame (the short-send and EAGAIN paths, finished by libuv). The start-up log names the way in
use."""

import ctypes
import json
import os
import platform
import socket
import threading
import time
import unittest

from harness import Conn, HubTestCase, metrics, require, wait_until

# More than the hub's socket send buffer can hold (tcp_wmem's maximum is 4 MiB), so the slow
# reader's sends come back short or EAGAIN, in the io_uring batch as well as outside it.
EVENTS = 120
PAYLOAD = "x" * 60000


def kernel_offers_io_uring():
    """Whether io_uring_setup() works here (not disabled by sysctl or seccomp)."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "aarch64"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)  # struct io_uring_params, zeroed
    fd = libc.syscall(425, 1, params)  # __NR_io_uring_setup, the same on x86_64 and aarch64
    if fd < 0:
        return False
    os.close(fd)
    return True


class SlowReader:
    """A subscriber with a 4 KiB receive buffer that reads a little at a time, so the hub's
    sends to it keep coming back short or EAGAIN. Counts the complete events it has."""

    def __init__(self, addr):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect(addr)
        self.sock.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        self.data = bytearray()
        self.lock = threading.Lock()
        self.done = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.5)
        while not self.done:
            try:
                chunk = self.sock.recv(16384)
            except socket.timeout:
                continue
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.data += chunk
            time.sleep(0.001)  # a slow consumer, on purpose

    def count(self):
        with self.lock:
            return self.data.count(b"\n\n") - 1  # less the stream's opening block

    def events(self):
        """(id, data) of every complete event block received so far."""
        with self.lock:
            text = bytes(self.data).decode("utf-8", "replace")
        body = text.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in text else ""
        out = []
        for block in body.split("\n\n")[:-1]:
            fields = dict(line.split(": ", 1) for line in block.split("\n")
                          if ": " in line and not line.startswith(":"))
            if "data" in fields:
                out.append((fields.get("id"), fields["data"]))
        return out

    def close(self):
        self.done = True
        self.sock.close()
        self.thread.join(5)


class FanOutModesTest(HubTestCase):
    def run_mode(self, mode):
        hub = self.start_hub("--io-uring", mode, "--max-queued-bytes", "16M")
        line = hub.wait_for_log(r"info: fan-out: ")
        fast = [self.subscribe(hub.addr) for _ in range(3)]
        slow = SlowReader(hub.addr)
        self.addCleanup(slow.close)
        wait_until(lambda: metrics(hub.addr)["ssehub_subscribers"] == 4)
        conn = Conn(hub.addr)
        self.addCleanup(conn.close)
        sent = []
        for i in range(EVENTS):
            body = json.dumps({"event": "e", "data": "%d %s" % (i, PAYLOAD)}).encode()
            r = conn.request("POST", "/publish", {"Content-Type": "application/json"}, body)
            self.assertEqual(r.status, 202, r.body)
            sent.append((json.loads(r.body)["id"], "%d %s" % (i, PAYLOAD)))
        for client in fast:
            got = [(e.own_id, e.data) for e in client.next_events(EVENTS, timeout=30)]
            self.assertTrue(got == sent, "a fast subscriber's events differ from those sent")
        wait_until(lambda: slow.count() >= EVENTS, timeout=60,
                   message="the slow reader did not get every event")
        self.assertTrue(slow.events() == sent, "the slow reader's events differ from those sent")
        m = metrics(hub.addr)
        self.assertEqual(m["ssehub_slow_subscribers_dropped_total"], 0)
        self.assertEqual(m["ssehub_subscribers"], 4)
        return line, m

    def test_auto_hands_the_writes_to_io_uring_or_says_why_not(self):
        line, m = self.run_mode("auto")
        self.assertTrue("through io_uring" in line or "io_uring unavailable" in line, line)
        if not kernel_offers_io_uring():
            self.assertEqual(m["ssehub_uring_sends_total"], 0)
            return
        require("built without liburing" not in line,
                "the kernel offers io_uring but this build lacks liburing")
        # The kernel offers it and the hub has it: the ring must really have carried sends (a
        # subscriber's send goes to the ring when its queue is idle at the fan-out: measured
        # 256 of the 480 deliveries here; a busy machine leaves more queues busy, so the bound
        # is loose, but a path that never ran gives 0).
        self.assertIn("through io_uring", line)
        self.assertGreaterEqual(m["ssehub_uring_sends_total"], EVENTS // 4)

    def test_off_sends_one_by_one(self):
        line, m = self.run_mode("off")
        self.assertIn("one send() per delivery (--io-uring off)", line)
        self.assertEqual(m["ssehub_uring_sends_total"], 0)


if __name__ == "__main__":
    unittest.main()
