"""/healthz without Redis while the id high-water mark cannot be written (a sibling of issue
15). Publishes are refused (503) then, so /healthz must say 503 too, with one line naming the
state file, and go back to 200 once the file can be written again, with no publish needed.

The tests run as root, for whom chmod blocks nothing: the state directory is replaced by a
plain file while the hub runs, so every write under it fails with ENOTDIR, and put back."""

import os
import shutil
import tempfile
import unittest

from harness import HubTestCase, http_request, publish, publish_ok, wait_until


def healthz(addr):
    return http_request(addr, "GET", "/healthz")


class StateDirHealth(HubTestCase):
    def test_healthz_is_503_while_the_id_mark_cannot_be_written_then_recovers(self):
        root = tempfile.mkdtemp(prefix="ssehub-state-")
        self.addCleanup(shutil.rmtree, root, True)
        state = os.path.join(root, "state")
        hub = self.start_hub(state_dir=state)
        publish_ok(hub.addr, "tick", "before")
        self.assertEqual(healthz(hub.addr).status, 200)

        away = state + ".away"
        os.rename(state, away)
        with open(state, "w"):
            pass
        # The lease written at start (10 s) covers the first publishes; the first one past
        # it must write the mark and cannot.
        wait_until(lambda: publish(hub.addr, "tick", "x").status == 503, timeout=15,
                   interval=0.2, message="publishes never failed with the state dir gone")
        hub.wait_for_log(r"error: cannot write .*ssehub\.state")
        h = healthz(hub.addr)
        self.assertEqual(h.status, 503, h.body)
        self.assertEqual(h.body.count(b"\n"), 1, h.body)
        self.assertTrue(h.body.endswith(b"\n"), h.body)
        self.assertIn(b"ssehub.state", h.body)
        self.assertIn(b"Not a directory", h.body)
        self.assertEqual(h.headers.get("retry-after"), "1")
        # It stays 503 while the fault lasts (each retry fails again).
        self.assertEqual(publish(hub.addr, "tick", "still").status, 503)
        self.assertEqual(healthz(hub.addr).status, 503)

        os.unlink(state)
        os.rename(away, state)
        # /healthz itself retries the write (at most once a second): no publish needed.
        wait_until(lambda: healthz(hub.addr).status == 200, timeout=3,
                   message="/healthz did not recover once the state dir was back")
        publish_ok(hub.addr, "tick", "after")
        with open(os.path.join(state, "ssehub.state")) as f:
            self.assertTrue(f.read().startswith("mark "))


if __name__ == "__main__":
    unittest.main()
