"""Event ids and replay (SPEC.md "Event ids and replay"): resume by Last-Event-ID
header or last_event_id query, topic filters in replay, the count and byte bounds,
ssehub.gap for too-old and unknown ids, no gap or duplicate between replay and live
while a publisher runs flat out, and ids that keep growing across restarts."""

import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest

from harness import (Conn, metrics, Hub, HubTestCase, http_request, parse_id, publish_ok, signal as
                     legacy_signal, wait_until)


def publish_many(addr, n, prefix="e", topic=None):
    return [publish_ok(addr, "tick", "%s%d" % (prefix, i), topic)["id"] for i in range(n)]




class ResumeTest(HubTestCase):
    def test_resume_by_header_sends_exactly_what_was_missed_then_live(self):
        hub = self.start_hub()
        ids = publish_many(hub.addr, 5)
        client = self.subscribe(hub.addr, headers={"Last-Event-ID": ids[1]})
        for i in (2, 3, 4):
            self.assert_next_event(client, "tick", "e%d" % i, ids[i])
        live = publish_ok(hub.addr, "tick", "live")["id"]
        self.assert_next_event(client, "tick", "live", live)

    def test_resume_by_query_parameter(self):
        hub = self.start_hub()
        ids = publish_many(hub.addr, 3)
        client = self.subscribe(hub.addr, "/events?last_event_id=" + ids[0])
        self.assert_next_event(client, "tick", "e1", ids[1])
        self.assert_next_event(client, "tick", "e2", ids[2])

    def test_resume_on_an_intramine_style_path(self):
        hub = self.start_hub()
        ids = publish_many(hub.addr, 3)
        client = self.subscribe(hub.addr, "/SSE/IMCHAT/?statusid=123&last_event_id=" + ids[1])
        self.assert_next_event(client, "tick", "e2", ids[2])

    def test_header_wins_over_query(self):
        hub = self.start_hub()
        ids = publish_many(hub.addr, 3)
        client = self.subscribe(hub.addr, "/events?last_event_id=" + ids[0],
                                headers={"Last-Event-ID": ids[1]})
        self.assert_next_event(client, "tick", "e2", ids[2])

    def test_replay_honours_topic_filters_and_includes_broadcasts(self):
        hub = self.start_hub()
        first = publish_ok(hub.addr, "tick", "start")["id"]
        publish_ok(hub.addr, "tick", "a1", "a")
        publish_ok(hub.addr, "tick", "b1", "b")
        publish_ok(hub.addr, "tick", "none")
        self.assertEqual(legacy_signal(hub.addr, "signal=todochanged&data=all").status, 200)
        publish_ok(hub.addr, "tick", "a2", "a")
        client = self.subscribe(hub.addr, "/events?topic=a", headers={"Last-Event-ID": first})
        self.assert_next_event(client, "tick", "a1")
        self.assert_next_event(client, "todochanged", "all")
        self.assert_next_event(client, "tick", "a2")
        self.assert_nothing_broadcast(hub, client)

    def test_resume_from_the_newest_id_sends_nothing_extra(self):
        hub = self.start_hub()
        ids = publish_many(hub.addr, 3)
        client = self.subscribe(hub.addr, headers={"Last-Event-ID": ids[-1]})
        live = publish_ok(hub.addr, "tick", "next")["id"]
        self.assert_next_event(client, "tick", "next", live)

    def test_no_history_and_newest_id_sends_nothing_extra(self):
        hub = self.start_hub("--history-events", "0")
        ids = publish_many(hub.addr, 2)
        client = self.subscribe(hub.addr, headers={"Last-Event-ID": ids[-1]})
        self.assert_next_event(client, "tick", "after",
                               publish_ok(hub.addr, "tick", "after")["id"])


class GapTest(HubTestCase):
    def gap(self, client):
        event = client.next_event()
        self.assertEqual(event.type, "ssehub.gap")
        self.assertIsNone(event.own_id, "the gap event carries no id")
        return json.loads(event.data)

    def test_count_bound_and_too_old_id(self):
        hub = self.start_hub("--history-events", "3")
        ids = publish_many(hub.addr, 6)
        client = self.subscribe(hub.addr, headers={"Last-Event-ID": ids[0]})
        info = self.gap(client)
        self.assertEqual(info["reason"], "too_old")
        self.assertEqual(info["requested"], ids[0])
        self.assertEqual(info["oldest"], ids[3])
        for i in (3, 4, 5):
            self.assert_next_event(client, "tick", "e%d" % i, ids[i])
        self.assertEqual(metrics(hub.addr)["ssehub_gaps_total"], 1)

    def test_the_last_evicted_id_needs_no_gap(self):
        hub = self.start_hub("--history-events", "3")
        ids = publish_many(hub.addr, 6)
        client = self.subscribe(hub.addr, headers={"Last-Event-ID": ids[2]})
        for i in (3, 4, 5):
            self.assert_next_event(client, "tick", "e%d" % i, ids[i])

    def test_byte_bound(self):
        # Each frame is ~1 KiB: 4 KiB of history keeps 3 of them.
        hub = self.start_hub("--history-bytes", "4K")
        data = ["%d" % i + "x" * 1000 for i in range(6)]
        ids = [publish_ok(hub.addr, "big", d)["id"] for d in data]
        client = self.subscribe(hub.addr, headers={"Last-Event-ID": ids[0]})
        info = self.gap(client)
        self.assertEqual(info["reason"], "too_old")
        self.assertEqual(info["oldest"], ids[3])
        for i in (3, 4, 5):
            self.assert_next_event(client, "big", data[i], ids[i])

    def test_unknown_and_garbage_ids_get_a_gap_then_everything_retained(self):
        hub = self.start_hub()
        ids = publish_many(hub.addr, 2)
        ms, seq = parse_id(ids[1])
        for bogus in ("garbage", "%d-%d" % (ms + 10 ** 6, 0), "%d-%d" % (ms, seq + 7)):
            with self.subTest(bogus=bogus):
                client = self.subscribe(hub.addr, headers={"Last-Event-ID": bogus})
                info = self.gap(client)
                self.assertEqual(info["reason"], "unknown")
                self.assertEqual(info["requested"], bogus)
                self.assertEqual(info["oldest"], ids[0])
                self.assert_next_event(client, "tick", "e0", ids[0])
                self.assert_next_event(client, "tick", "e1", ids[1])
                client.close()

    def test_publishers_cannot_send_the_reserved_gap_type(self):
        hub = self.start_hub()
        r = http_request(hub.addr, "POST", "/publish",
                         {"Content-Type": "application/x-www-form-urlencoded"},
                         b"event=ssehub.gap&data=x")
        self.assertEqual(r.status, 400)


class FlatOutTest(HubTestCase):
    def test_no_gap_or_duplicate_while_publishing_flat_out_during_resumes(self):
        hub = self.start_hub("--history-events", "100000")
        total = 1500
        ids = {}
        errors = []

        def publisher():
            try:
                conn = Conn(hub.addr)
                for i in range(total):
                    body = ("event=n&data=%d" % i).encode()
                    r = conn.request("POST", "/publish",
                                     {"Content-Type": "application/x-www-form-urlencoded"}, body)
                    if r.status != 202:
                        raise AssertionError("publish %d: %d" % (i, r.status))
                    ids[i] = json.loads(r.body)["id"]
                conn.close()
            except Exception as e:  # reported by the main thread
                errors.append(e)

        first = publish_ok(hub.addr, "n", "start")["id"]
        thread = threading.Thread(target=publisher)
        thread.start()
        clients = []
        try:
            # Resume from whatever point the publisher has reached, many times over.
            for _ in range(20):
                wait_until(lambda: len(ids) > len(clients) * 50 or errors or
                           not thread.is_alive(), 20)
                known = sorted(ids)
                start = known[-1] if known else -1
                resume = ids[start] if known else first
                clients.append((start, self.subscribe(hub.addr,
                                                      headers={"Last-Event-ID": resume})))
        finally:
            thread.join(60)
        self.assertFalse(errors, errors)
        for start, client in clients:
            expected = [str(i) for i in range(start + 1, total)]
            events = client.next_events(len(expected), timeout=30)
            got = [e.data for e in events]
            self.assertEqual(got, expected)
            self.assertEqual([e.own_id for e in events], [ids[i] for i in range(start + 1, total)])
            self.assertTrue(all(e.type == "n" for e in events))

    def test_replay_larger_than_the_output_bound_streams_as_the_socket_drains(self):
        # 600 KiB of history to a subscriber allowed 64 KiB of queued output: it is
        # fed as it reads, not dropped.
        hub = self.start_hub("--max-queued-bytes", "64K", "--history-events", "100000",
                             "--history-bytes", "64M")
        chunk = "y" * 1000
        first = publish_ok(hub.addr, "big", "first")["id"]
        conn = Conn(hub.addr)
        for i in range(600):
            r = conn.request("POST", "/publish",
                             {"Content-Type": "application/x-www-form-urlencoded"},
                             ("event=big&data=%d%s" % (i, chunk)).encode())
            self.assertEqual(r.status, 202)
        conn.close()
        client = self.subscribe(hub.addr, headers={"Last-Event-ID": first})
        events = client.next_events(600, timeout=30)
        self.assertEqual([e.data for e in events], ["%d%s" % (i, chunk) for i in range(600)])
        self.assertEqual(metrics(hub.addr)["ssehub_slow_subscribers_dropped_total"], 0)


class RestartTest(unittest.TestCase):
    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="ssehub-restart-")
        self.addCleanup(shutil.rmtree, self.state, True)

    def hub(self, port=0):
        hub = Hub(listen=("127.0.0.1:%d" % port,), state_dir=self.state)
        self.addCleanup(hub.cleanup)
        self.addCleanup(hub.stop)
        return hub

    def restart_on(self, port):
        deadline = time.monotonic() + 10
        while True:
            try:
                return self.hub(port)
            except Exception:
                if time.monotonic() > deadline:
                    raise

    def test_ids_greater_after_a_clean_restart(self):
        hub = self.hub()
        last = publish_many(hub.addr, 20)[-1]
        self.assertEqual(hub.stop(), 0)
        again = self.hub()
        self.assertGreater(parse_id(publish_ok(again.addr, "t", "x")["id"]), parse_id(last))

    def test_ids_greater_after_kill_9(self):
        hub = self.hub()
        last = publish_many(hub.addr, 20)[-1]
        hub.stop(signal.SIGKILL)
        again = self.hub()
        self.assertGreater(parse_id(publish_ok(again.addr, "t", "x")["id"]), parse_id(last))

    def test_a_page_open_across_a_restart_gets_the_new_events(self):
        hub = self.hub()
        port = hub.port
        from harness import SseClient
        client = SseClient(hub.addr)
        self.addCleanup(client.close)
        seen = publish_ok(hub.addr, "t", "before")["id"]
        self.assertEqual(client.next_event().own_id, seen)
        hub.stop()
        client.wait_closed()
        # The page reconnects with its last id, as EventSource does.
        again = self.restart_on(port)
        page = SseClient(again.addr, headers={"Last-Event-ID": seen})
        self.addCleanup(page.close)
        # The history survived the clean restart (history/ in the state directory): the page
        # missed nothing, so no ssehub.gap comes before the new event.
        new = publish_ok(again.addr, "t", "after")["id"]
        self.assertGreater(parse_id(new), parse_id(seen))
        event = page.next_event()
        self.assertEqual((event.data, event.own_id), ("after", new))


if __name__ == "__main__":
    unittest.main()
