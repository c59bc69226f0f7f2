"""packaging/grafana-dashboard.json (issue 21): valid dashboard JSON whose every query names
only metrics and labels a real hub exports. The hub runs with --redis on a real Redis so the
Redis metrics exist too; Prometheus itself adds `instance` and `job`, histograms `le`."""

import json
import os
import re
import unittest

from harness import REPO, http_request
from redis_harness import RedisTestCase

DASHBOARD = os.path.join(REPO, "packaging", "grafana-dashboard.json")
SCRAPE_LABELS = {"instance", "job", "le"}
# PromQL words that look like label names inside by (...) and {...}.
METRIC = re.compile(r"\bssehub_[a-z0-9_]+")


def exported(addr):
    """({metric names a query may use}, {label names}) from the hub's /metrics."""
    r = http_request(addr, "GET", "/metrics")
    assert r.status == 200, r.status
    names, labels = set(), set()
    for line in r.body.decode().splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)", line)
        if m:
            names.add(m.group(1))
            if m.group(2) == "histogram":
                names.update(m.group(1) + s for s in ("_bucket", "_sum", "_count"))
            continue
        m = re.match(r"[a-z_0-9]+\{(.*)\}", line)
        if m:
            labels.update(re.findall(r'([a-z_]+)="', m.group(1)))
    return names, labels


def walk(node):
    """Every dict inside the dashboard."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


class GrafanaDashboardTest(RedisTestCase):
    @classmethod
    def setUpClass(cls):
        with open(DASHBOARD, encoding="utf-8") as f:
            cls.dashboard = json.load(f)

    def queries(self):
        out = [d["expr"] for d in walk(self.dashboard["panels"]) if "expr" in d]
        self.assertGreater(len(out), 10)
        return out

    def test_every_query_names_only_exported_metrics_and_labels(self):
        redis = self.start_redis()
        node = self.start_node(redis)
        names, labels = exported(node.addr)
        self.assertIn("ssehub_redis_up", names, "the Redis metrics are exported")
        labels |= SCRAPE_LABELS
        used = set()
        for expr in self.queries():
            with self.subTest(expr=expr):
                for metric in METRIC.findall(expr):
                    self.assertIn(metric, names, "no such metric")
                    used.add(metric)
                for group in re.findall(r"\bby \(([^)]*)\)", expr):
                    for label in re.split(r"\s*,\s*", group.strip()):
                        self.assertIn(label, labels)
                for selector in re.findall(r"\{([^{}]*)\}", expr):
                    for label in re.findall(r"([a-z_]+)\s*=~?", selector):
                        self.assertIn(label, labels)
        for d in walk(self.dashboard["panels"]):
            for label in re.findall(r"\{\{(\w+)\}\}", d.get("legendFormat", "")):
                self.assertIn(label, labels, d["legendFormat"])
        # The figures an operator looks for first are all there.
        for metric in ("ssehub_subscribers", "ssehub_events_published_total",
                       "ssehub_deliveries_total", "ssehub_bytes_written_total",
                       "ssehub_slow_subscribers_dropped_total", "ssehub_rejected_requests_total",
                       "ssehub_token_refusals_total", "ssehub_redis_up"):
            self.assertIn(metric, used)

    def test_the_dashboard_is_well_formed(self):
        d = self.dashboard
        self.assertEqual(d["title"], "ssehub")
        self.assertTrue(d["uid"])
        ids = [p["id"] for p in d["panels"]]
        self.assertEqual(len(ids), len(set(ids)), "panel ids are unique")
        variables = {v["name"] for v in d["templating"]["list"]}
        self.assertEqual(variables, {"datasource", "instance"})
        for p in d["panels"]:
            with self.subTest(panel=p["title"]):
                self.assertEqual(set(p["gridPos"]), {"x", "y", "w", "h"})
                self.assertLessEqual(p["gridPos"]["x"] + p["gridPos"]["w"], 24)
                if p["type"] != "row":
                    self.assertEqual(p["datasource"]["uid"], "${datasource}")
                    self.assertTrue(p["targets"])
                    for t in p["targets"]:
                        self.assertIn('instance=~"$instance"', t["expr"])


if __name__ == "__main__":
    unittest.main()
