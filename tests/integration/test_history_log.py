"""History that survives a restart: the replay ring kept in <state-dir>/history.

- a clean restart (SIGTERM): a page that resumes with Last-Event-ID gets every event it missed,
  once each, in order, and no ssehub.gap;
- kill -9 with --history-fsync always: every acknowledged event comes back; since the hub
  cannot prove nothing was lost in the last instant, a resume across the stop gets one
  ssehub.gap with reason "lost" naming the range, never silence;
- a torn tail (the last record cut in half) and a damaged record (one byte flipped) are
  truncated, logged with the file and the offset, and the intact prefix is served, with a gap
  for what was lost;
- a run with --history-persist off removes the log, so a later run cannot replay across the
  events it missed;
- a full disk (RLIMIT_FSIZE; the hub must not die of SIGXFSZ): live events keep flowing,
  /healthz and /metrics say so, and a publish under --history-fsync always answers
  "stored": false for what was not stored.
Real binary, real sockets; every wait is on a condition with a deadline.
"""
import glob
import json
import os
import re
import resource
import shutil
import signal
import struct
import tempfile
import unittest

from harness import (HubTestCase, http_request, metrics, parse_id, publish_ok, wait_until)

MAGIC = b"SSEHIST1"
EVENT, CLOSE, HOLE = 1, 2, 3


def segments(state):
    return sorted(glob.glob(os.path.join(state, "history", "*.log")))


def records(path):
    """[(offset, size, kind)] of the records in a segment file."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == MAGIC, "%s does not start with the segment magic" % path
    out, at = [], 8
    while at + 8 <= len(data):
        length = struct.unpack_from("<I", data, at)[0]
        out.append((at, 8 + length, data[at + 8]))
        at += 8 + length
    return out


class HistoryLogTest(HubTestCase):
    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="ssehub-history-")
        self.addCleanup(shutil.rmtree, self.state, True)

    def hub(self, *args, **kwargs):
        return self.start_hub(*args, state_dir=self.state, **kwargs)

    def resume(self, hub, last_id):
        return self.subscribe(hub.addr, headers={"Last-Event-ID": last_id})

    def publish_n(self, hub, n, prefix="d"):
        return [publish_ok(hub.addr, "t", "%s%d" % (prefix, i))["id"] for i in range(n)]

    def wait_stored(self, hub, n):
        wait_until(lambda: metrics(hub.addr)["ssehub_history_records_stored_total"] >= n,
                   message="the hub did not write %d records" % n)

    def assert_events(self, client, expected):
        """The client's next events are exactly these (data, id) pairs."""
        got = [(e.type, e.data, e.own_id) for e in client.next_events(len(expected))]
        self.assertEqual(got, [("t", d, i) for d, i in expected])

    def assert_lost_gap(self, client, lost_after):
        event = client.next_event()
        self.assertEqual(event.type, "ssehub.gap", event)
        info = json.loads(event.data)
        self.assertEqual(info["reason"], "lost", info)
        self.assertEqual(info["lost_after"], lost_after, info)
        self.assertGreater(parse_id(info["lost_before"]), parse_id(lost_after))
        return info

    def test_a_clean_restart_resumes_every_missed_event_once_with_no_gap(self):
        hub = self.hub()
        ids = self.publish_n(hub, 6)
        self.assertEqual(hub.stop(), 0)
        again = self.hub()
        again.wait_for_log(r"history: loaded 6 events up to %s" % re.escape(ids[-1]))
        page = self.resume(again, ids[1])      # missed d2..d5
        current = self.resume(again, ids[-1])  # missed nothing
        new = publish_ok(again.addr, "t", "after")["id"]
        self.assertGreater(parse_id(new), parse_id(ids[-1]))
        self.assert_events(page, [("d%d" % i, ids[i]) for i in range(2, 6)] + [("after", new)])
        self.assert_events(current, [("after", new)])
        self.assert_nothing_broadcast(again, page, current)  # no duplicate, nothing else
        self.assertEqual(metrics(again.addr)["ssehub_gaps_total"], 0)

    def test_kill_9_with_fsync_always_loses_no_acknowledged_event(self):
        hub = self.hub("--history-fsync", "always")
        docs = [publish_ok(hub.addr, "t", "d%d" % i) for i in range(8)]
        self.assertEqual([d.get("stored") for d in docs], [True] * 8)
        ids = [d["id"] for d in docs]
        self.assertEqual(hub.stop(signal.SIGKILL), -signal.SIGKILL)
        again = self.hub("--history-fsync", "always")
        again.wait_for_log(r"did not stop cleanly")
        page = self.resume(again, ids[0])
        self.assert_events(page, [("d%d" % i, ids[i]) for i in range(1, 8)])
        info = self.assert_lost_gap(page, ids[-1])
        new = publish_ok(again.addr, "t", "after")["id"]
        self.assertGreater(parse_id(new), parse_id(info["lost_before"]))
        self.assert_events(page, [("after", new)])

    def test_kill_9_never_leaves_a_resume_silent(self):
        hub = self.hub()  # everysec
        ids = self.publish_n(hub, 5)
        self.wait_stored(hub, 5)
        self.assertEqual(hub.stop(signal.SIGKILL), -signal.SIGKILL)
        again = self.hub()
        # The page saw the newest stored event; what came after it may be lost.
        page = self.resume(again, ids[-1])
        self.assert_lost_gap(page, ids[-1])
        new = publish_ok(again.addr, "t", "after")["id"]
        self.assert_events(page, [("after", new)])
        # And a second clean restart still knows about the hole.
        self.assertEqual(again.stop(), 0)
        third = self.hub()
        page = self.resume(third, ids[2])
        self.assert_events(page, [("d3", ids[3]), ("d4", ids[4])])
        self.assert_lost_gap(page, ids[-1])
        self.assert_events(page, [("after", new)])

    def test_a_torn_tail_is_truncated_logged_and_the_prefix_served(self):
        hub = self.hub()
        ids = self.publish_n(hub, 5)
        self.assertEqual(hub.stop(), 0)
        [path] = segments(self.state)
        recs = records(path)
        self.assertEqual([k for _, _, k in recs], [EVENT] * 5 + [CLOSE])
        offset, size, _ = recs[4]
        os.truncate(path, offset + size // 2)  # the last event cut in half, no Close
        again = self.hub()
        again.wait_for_log(r"warn: history: %s: torn or damaged record at offset %d; truncated"
                           % (re.escape(path), offset))
        self.assertEqual(os.path.getsize(path), offset)
        page = self.resume(again, ids[0])
        self.assert_events(page, [("d%d" % i, ids[i]) for i in range(1, 4)])
        self.assert_lost_gap(page, ids[3])
        new = publish_ok(again.addr, "t", "after")["id"]
        self.assert_events(page, [("after", new)])

    def test_a_flipped_byte_is_caught_and_what_follows_is_dropped(self):
        hub = self.hub()
        ids = self.publish_n(hub, 5)
        self.assertEqual(hub.stop(), 0)
        [path] = segments(self.state)
        offset, size, _ = records(path)[2]
        with open(path, "r+b") as f:
            f.seek(offset + size - 1)  # the last byte of d2's data
            byte = f.read(1)
            f.seek(offset + size - 1)
            f.write(bytes([byte[0] ^ 0x20]))
        again = self.hub()
        again.wait_for_log(r"history: %s: torn or damaged record at offset %d"
                           % (re.escape(path), offset))
        page = self.resume(again, ids[0])
        self.assert_events(page, [("d1", ids[1])])
        self.assert_lost_gap(page, ids[1])
        # A page that saw an event the hub lost gets the gap at once, then only new events.
        saw_lost = self.resume(again, ids[3])
        info = self.assert_lost_gap(saw_lost, ids[1])
        self.assertEqual(info["requested"], ids[3])
        new = publish_ok(again.addr, "t", "after")["id"]
        self.assert_events(page, [("after", new)])
        self.assert_events(saw_lost, [("after", new)])

    def test_a_run_without_the_log_removes_it_so_no_later_run_skips_its_events(self):
        hub = self.hub()
        ids = self.publish_n(hub, 3)
        self.assertEqual(hub.stop(), 0)
        off = self.hub("--history-persist", "off")
        off.wait_for_log(r"history-persist off: removed the 1 segment\(s\)")
        self.assertEqual(segments(self.state), [])
        publish_ok(off.addr, "t", "while off")
        self.assertEqual(off.stop(), 0)
        again = self.hub()
        page = self.resume(again, ids[0])
        gap = page.next_event()
        self.assertEqual(gap.type, "ssehub.gap")  # not d1, d2 and silence about "while off"
        self.assertEqual(json.loads(gap.data)["reason"], "unknown")

    def test_a_full_disk_keeps_live_events_flowing_and_says_so(self):
        limit = 32 * 1024

        def small_files():
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # the hub itself must ignore it

        hub = self.hub("--history-fsync", "always", preexec_fn=small_files)
        live = self.subscribe(hub.addr)
        data = "x" * 1000
        answers = []
        for i in range(60):
            doc = publish_ok(hub.addr, "t", "%d %s" % (i, data))
            answers.append(doc)
            self.assert_events(live, [("%d %s" % (i, data), doc["id"])])
            if doc.get("stored") is False and len(answers) > 3 and \
                    answers[-4].get("stored") is False:
                break
        stored = [d.get("stored") for d in answers]
        self.assertTrue(stored[0], stored)
        self.assertIn(False, stored, "nothing failed under a %d-byte file limit" % limit)
        first_lost = stored.index(False)
        self.assertEqual(stored, [True] * first_lost + [False] * (len(stored) - first_lost))
        hub.assert_alive()
        health = http_request(hub.addr, "GET", "/healthz")
        self.assertEqual(health.status, 200)
        self.assertRegex(health.body.decode(),
                         r"^ok\nhistory persistence failing: cannot write .*00000001\.log: "
                         r"File too large\n$")
        m = metrics(hub.addr)
        self.assertGreaterEqual(m["ssehub_history_write_errors_total"], 1)
        self.assertEqual(m["ssehub_history_records_lost_total"], len(stored) - first_lost)
        self.assertEqual(m["ssehub_history_failing"], 1)
        hub.wait_for_log(r"error: history: cannot write .*File too large")
        self.assertEqual(hub.stop(), 0)
        # Restarted without the limit: the stored events come back, then the gap.
        again = self.hub()
        page = self.resume(again, answers[0]["id"])
        self.assert_events(page, [("%d %s" % (i, data), answers[i]["id"])
                                  for i in range(1, first_lost)])
        self.assert_lost_gap(page, answers[first_lost - 1]["id"])


if __name__ == "__main__":
    unittest.main()
