"""The web assets of src/web/ (issue 20): they are valid JavaScript by `node --check` (the
script, and the page's inline <script> blocks), and the hub serves them byte for byte as the
files are, so what a linter or an editor sees is what a browser gets."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import REPO, HubTestCase, http_request, require

WEB = os.path.join(REPO, "src", "web")
# An inline classic script: a <script> start tag without src=, up to its end tag.
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)


def read_asset(name):
    with open(os.path.join(WEB, name), "rb") as f:
        return f.read()


def inline_scripts_in_place(page):
    """The page with everything but its inline scripts blanked (newlines kept), so node's
    line:column of an error is the one in index.html; and how many scripts there are."""
    keep = bytearray(re.sub(rb"[^\n]", b" ", page))
    scripts = list(INLINE_SCRIPT.finditer(page))
    for m in scripts:
        keep[m.start(1):m.end(1)] = m.group(1)
    return bytes(keep), len(scripts)


class WebAssets(HubTestCase):
    def node_check(self, source, name):
        """`node --check` on the bytes, written to a temporary NAME; fails with node's message."""
        node = shutil.which("node")
        require(node, "node is not installed (Debian package nodejs)")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                f.write(source)
            r = subprocess.run([node, "--check", path], capture_output=True, text=True,
                               timeout=30)
        self.assertEqual(r.returncode, 0, "%s does not parse:\n%s" % (name, r.stderr))

    def test_ssehub_js_parses_with_node_check(self):
        self.node_check(read_asset("ssehub.js"), "ssehub.js")

    def test_the_inline_scripts_of_index_html_parse_with_node_check(self):
        source, count = inline_scripts_in_place(read_asset("index.html"))
        self.assertGreaterEqual(count, 1, "no inline <script> found in index.html")
        self.node_check(source, "index.html.inline-scripts.js")

    def test_the_inline_scripts_of_dashboard_html_parse_with_node_check(self):
        source, count = inline_scripts_in_place(read_asset("dashboard.html"))
        self.assertGreaterEqual(count, 1, "no inline <script> found in dashboard.html")
        self.node_check(source, "dashboard.html.inline-scripts.js")

    def test_the_dashboard_is_served_byte_for_byte(self):
        hub = self.start_hub("--dashboard", "on")
        expected = read_asset("dashboard.html")
        r = http_request(hub.addr, "GET", "/ssehub/dashboard")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        self.assertTrue(r.body == expected, "GET /ssehub/dashboard differs from "
                        "src/web/dashboard.html")

    def test_the_hub_serves_the_files_byte_for_byte(self):
        hub = self.start_hub()
        for path, name, content_type in (
                ("/", "index.html", "text/html; charset=utf-8"),
                ("/ssehub.js", "ssehub.js", "text/javascript; charset=utf-8")):
            with self.subTest(path=path):
                expected = read_asset(name)
                r = http_request(hub.addr, "GET", path)
                self.assertEqual(r.status, 200)
                self.assertEqual(r.headers["content-type"], content_type)
                self.assertEqual(r.headers["content-length"], str(len(expected)))
                self.assertTrue(r.body == expected,
                                "GET %s differs from src/web/%s (%d bytes served, %d in the "
                                "file)" % (path, name, len(r.body), len(expected)))


if __name__ == "__main__":
    unittest.main()
