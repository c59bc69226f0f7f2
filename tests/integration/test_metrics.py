"""GET /metrics (issue 5): Prometheus text format 0.0.4 whose counters match what
the test did."""

import re

from harness import HubTestCase, metrics, SseClient, http_request, publish, publish_ok, wait_until

LINE = re.compile(r'^ssehub_[a-z_]+(\{[a-z_]+="[^"]*"\})? [0-9]+$')


def scrape(addr):
    r = http_request(addr, "GET", "/metrics")
    assert r.status == 200, r.status
    return r




class MetricsTest(HubTestCase):
    def test_format_is_prometheus_text(self):
        hub = self.start_hub()
        r = scrape(hub.addr)
        self.assertTrue(r.headers["content-type"].startswith("text/plain; version=0.0.4"))
        lines = r.body.decode().splitlines()
        names = set()
        for line in lines:
            if line.startswith("# HELP ") or line.startswith("# TYPE "):
                names.add(line.split()[2])
                continue
            self.assertRegex(line, LINE)
        for name in ("ssehub_subscribers", "ssehub_events_published_total",
                     "ssehub_deliveries_total", "ssehub_bytes_written_total",
                     "ssehub_slow_subscribers_dropped_total", "ssehub_replays_total",
                     "ssehub_gaps_total", "ssehub_rejected_requests_total",
                     "ssehub_connections_accepted_total", "ssehub_uptime_seconds",
                     "ssehub_build_info"):
            self.assertIn(name, names)

    def test_counters_match_what_happened(self):
        hub = self.start_hub()
        a = self.subscribe(hub.addr)
        b = self.subscribe(hub.addr, "/events?topic=news")
        ids = [publish_ok(hub.addr, "t", "all %d" % i)["id"] for i in range(3)]  # a only
        publish_ok(hub.addr, "t", "news", "news")  # a and b
        self.assertEqual(publish(hub.addr, "a\nb", "x").status, 400)
        self.assertEqual(http_request(hub.addr, "GET", "/nope").status, 404)
        resumed = self.subscribe(hub.addr, headers={"Last-Event-ID": ids[0]})
        resumed.next_events(3)
        gap = self.subscribe(hub.addr, headers={"Last-Event-ID": "1-1"})
        gap.next_events(5)
        m = metrics(hub.addr)
        self.assertEqual(m["ssehub_subscribers"], 4)
        self.assertEqual(m["ssehub_events_published_total"], 4)
        # live: 3 + 2; replay: 3 (after ids[0]) + 4 (after the gap)
        self.assertEqual(m["ssehub_deliveries_total"], 5 + 3 + 4)
        self.assertEqual(m["ssehub_replays_total"], 2)
        self.assertEqual(m["ssehub_replayed_events_total"], 7)
        self.assertEqual(m["ssehub_gaps_total"], 1)
        self.assertEqual(m['ssehub_rejected_requests_total{reason="bad_request"}'], 1)
        self.assertEqual(m['ssehub_rejected_requests_total{reason="not_found"}'], 1)
        # 4 subscribers, 6 requests before the scrape and the scrape itself
        self.assertEqual(m["ssehub_connections_accepted_total"], 11)
        self.assertGreater(m["ssehub_bytes_written_total"], 0)
        for c in (a, b, resumed, gap):
            c.close()
        wait_until(lambda: metrics(hub.addr)["ssehub_subscribers"] == 0)


if __name__ == "__main__":
    import unittest
    unittest.main()
