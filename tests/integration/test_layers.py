"""scripts/check-layers keeps src/ layered: the real tree passes it, and a tree with an include
that goes upward, an include of the benchmark or a folder outside the layer list fails it,
naming the file and the line.

The synthetic trees are small copies of the layout (a few empty headers) under a temporary
directory, passed to the script as its root argument. Stdlib only; needs no binary.
"""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(REPO, "scripts", "check-layers")

# A clean tree: every include goes downward or stays in its folder; the bench client includes
# src/; "llhttp.h" and "nlohmann/json.hpp" are not ours.
CLEAN_TREE = {
    "src/main.cpp": '#include "server.hpp"\n#include "cmd/dispatch.hpp"\n',
    "src/server.hpp": '#include "http1/connection.hpp"\n#include "base/log.hpp"\n',
    "src/cmd/dispatch.hpp": '#include "cli/publish.hpp"\n#include "config/config.hpp"\n',
    "src/cli/publish.hpp": '#include "base/url.hpp"\n',
    "src/config/config.hpp": '#include "nlohmann/json.hpp"\n',
    "src/http1/connection.hpp": '#include "llhttp.h"\n#include "app/router.hpp"\n',
    "src/app/router.hpp": '#include "web/assets.hpp"\n#include "sse/hub.hpp"\n',
    "src/web/assets.hpp": "",
    "src/sse/hub.hpp": '#include "net/frame.hpp"\n#include "ring.hpp"\n',
    "src/sse/ring.hpp": '#include "../net/frame.hpp"\n',
    "src/net/frame.hpp": '#include "metrics/counters.hpp"\n',
    "src/net/frame.cpp": '#include "frame.hpp"\n#include "base/log.hpp"\n',
    "src/metrics/counters.hpp": '#include "base/log.hpp"\n',
    "src/base/log.hpp": "#include <cstdio>\n",
    "src/base/url.hpp": "",
    "bench/src/url.hpp": "",
    "bench/src/main.cpp": '#include "url.hpp"\n#include "sse/hub.hpp"\n',
}


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def check_layers(root):
    return subprocess.run([sys.executable, CHECK, root], capture_output=True, text=True,
                          timeout=30)


class RealTreeTest(unittest.TestCase):
    def test_src_includes_only_itself_and_the_layers_below(self):
        result = check_layers(REPO)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout, "")


class PlantedViolationTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="ssehub-layers-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.root])
        write_tree(self.root, CLEAN_TREE)

    def plant(self, rel, text):
        write_tree(self.root, {rel: text})

    def assert_fails_with(self, *lines):
        result = check_layers(self.root)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertEqual(result.stdout.splitlines(), list(lines))

    def test_a_clean_tree_passes(self):
        result = check_layers(self.root)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout, "")

    def test_an_include_of_a_layer_above_fails_naming_file_and_line(self):
        self.plant("src/net/planted.cpp", textwrap.dedent("""\
            // net/ must not know the hub
            #include "frame.hpp"
            #include "sse/hub.hpp"
            """))
        self.assert_fails_with("src/net/planted.cpp:3: net/ includes sse/ (a layer above it)")

    # One planted include each, on a fresh copy of the clean tree: the file, its text, and the
    # one line the check must print.
    PLANTED = [
        ("src/base/clock.hpp", '#include "server.hpp"\n',
         "src/base/clock.hpp:1: base/ includes the root (a layer above it)"),
        ("src/sse/topic.hpp", '#include "../app/router.hpp"\n',  # up by a relative path
         "src/sse/topic.hpp:1: sse/ includes app/ (a layer above it)"),
        ("src/tls/channel.hpp", '#include "h2/session.hpp"\n',  # transports keep their order
         "src/tls/channel.hpp:1: tls/ includes h2/ (a layer above it)"),
        ("src/cli/subscribe.cpp", '#include "bench/src/url.hpp"\n',
         "src/cli/subscribe.cpp:1: cli/ includes bench/ (nothing may include the benchmark)"),
    ]

    def test_each_planted_include_of_a_layer_above_fails_naming_file_and_line(self):
        for rel, text, expected in self.PLANTED:
            with self.subTest(rel):
                self.plant(rel, text)
                self.assert_fails_with(expected)
                os.remove(os.path.join(self.root, rel))
                write_tree(self.root, CLEAN_TREE)

    def test_a_folder_outside_the_layer_list_fails(self):
        self.plant("src/http/connection.hpp", '#include "sse/hub.hpp"\n')
        self.assert_fails_with("src/http/ is not in the layer list (scripts/check-layers)")


if __name__ == "__main__":
    unittest.main()
