"""The manual pages and the default config file agree with the binary.

- `mandoc -Tlint` reports nothing for man/ssehub.1 and man/ssehub.conf.5;
- every long option that `ssehub serve --help` (and publish/subscribe/stats/token/tls init --help)
  lists appears in ssehub.1, and every option ssehub.1 documents is one the binary
  knows, each documented serve option accepted by `ssehub serve OPT VALUE --check-config`;
- the defaults the pages state are the ones --help shows;
- packaging/ssehub.conf names every serve option, each a real option at its real default,
  and passes --check-config as shipped and uncommented;
- the config syntax ssehub.conf(5) documents (arrays, repeated keys, quoting, comments)
  is read, and the command line beats the file.

Environment: SSEHUB_BIN is the binary (default build/ssehub); the repository root is two
directories up from this file. Stdlib only.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import note_missing, require
from tls_support import Certificate, have_tls

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAN1 = os.path.join(REPO, "man", "ssehub.1")
MAN5 = os.path.join(REPO, "man", "ssehub.conf.5")
DEFAULT_CONF = os.path.join(REPO, "packaging", "ssehub.conf")

CLIENT_COMMANDS = ("publish", "subscribe", "stats", "token", "tls init")
# Where ssehub.1 documents the client commands' options (and states their defaults).
CLIENT_SUBSECTIONS = ("Options of publish, subscribe and stats", "Options of token",
                      "Options of tls init")
# Options of `serve` that are not config keys: they steer the command line itself.
COMMAND_LINE_ONLY = {"help", "config", "check-config"}

# Inherited systemd variables would switch the hub to socket activation or sd_notify.
_SYSTEMD_VARS = ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
                 "JOURNAL_STREAM", "WATCHDOG_USEC", "WATCHDOG_PID")


def binary():
    path = os.environ.get("SSEHUB_BIN") or os.path.join(REPO, "build", "ssehub")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise AssertionError("ssehub binary not found at %r: build it, or set SSEHUB_BIN" % path)
    return path


def run(args, timeout=20, **kwargs):
    env = {k: v for k, v in os.environ.items() if k not in _SYSTEMD_VARS}
    return subprocess.run([binary()] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=env, **kwargs)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def help_options(*command):
    """{long option name: default text or None} from `ssehub COMMAND --help`."""
    r = run(list(command) + ["--help"])
    if r.returncode != 0:
        raise AssertionError("ssehub %s --help exited %d: %s" % (" ".join(command),
                                                                r.returncode, r.stderr))
    options = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s+(?:-\w,)?--([a-z][a-z0-9-]*)(\S*(?:\s+\S+)*)", line)
        if not m:
            continue
        rest = m.group(2).split("  ")[0]  # the type and default, before the description
        d = re.search(r"=(\[[^\]]*\]|\S+)", rest)
        options[m.group(1)] = d.group(1) if d else None
    if not options:
        raise AssertionError("no options found in: ssehub %s --help" % " ".join(command))
    return options


def help_default_values(default):
    """'[a,b]' -> ['a', 'b']; '15' -> ['15']; None -> []."""
    if default is None:
        return []
    if default.startswith("[") and default.endswith("]"):
        return [v for v in default[1:-1].split(",") if v]
    return [default]


def man_fl_options(source):
    """Every long option named with the Fl macro: `.Fl -name` or `Fl -name` inline."""
    return set(re.findall(r"\bFl -([a-z][a-z0-9-]*)", source))


def subsection(source, title):
    """The mdoc source of `.Ss TITLE`, up to the next .Ss or .Sh."""
    m = re.search(r"^\.Ss %s\n(.*?)(?=^\.S[sh] )" % re.escape(title), source, re.M | re.S)
    if not m:
        raise AssertionError("ssehub.1 has no subsection %r" % title)
    return m.group(1)


def tagged_items(source, head_macro):
    """[(name, first .It line, body)] for each `.It HEAD_MACRO name ...` in source."""
    pattern = r"^\.It %s (-?[a-z][a-z0-9-]*)([^\n]*)\n(.*?)(?=^\.It %s |\Z)" % (
        re.escape(head_macro), re.escape(head_macro))
    return [(m.group(1).lstrip("-"), m.group(2), m.group(3))
            for m in re.finditer(pattern, source, re.M | re.S)]


def stated_default(body):
    """The text after 'Default:' in an item, with the mdoc macros and escapes dropped."""
    i = body.find("Default:")
    if i < 0:
        return None
    words = []
    for line in body[i + len("Default:"):].splitlines():
        line = line.replace("\\&", "")
        if line.startswith("."):
            parts = line.split()
            if parts[0] in (".Bl", ".El", ".It", ".Pp", ".Ss", ".Sh"):
                break
            line = " ".join(parts[1:])
        words.append(line)
        if re.search(r"(^|\s)[.]$|[^.][.]$", line.strip()):
            break
    return " ".join(words)


# A valid value for each kind of argument the serve options take in ssehub.1.
def sample_value(arg, tmp):
    token_file = os.path.join(tmp, "tokens")
    if not os.path.exists(token_file):
        with open(token_file, "w") as f:
            f.write("# test\nsecret-token\n")
    config_file = os.path.join(tmp, "empty.conf")
    if not os.path.exists(config_file):
        open(config_file, "w").close()
    password_file = os.path.join(tmp, "redis.pw")
    if not os.path.exists(password_file):
        with open(password_file, "w") as f:
            f.write("secret\n")
    return {
        "size": "64K", "seconds": "5", "n": "100", "ms": "1000",
        "address": "127.0.0.1:0", "dir": os.path.join(tmp, "state"),
        "cidr": "10.0.0.0/8", "origin": "https://example.com", "level": "debug",
        "url": "redis://127.0.0.1:6379/0", "name": "site:events", "mode": "off",
        "pattern": "todo/*", "cookie": "ssehub_token", "policy": "everysec",
        "path": os.path.join(tmp, "handover.sock"),
    }.get(arg, {"file": None}.get(arg))


def uncommented(conf_text):
    """The default config with every `#key = value` line made live."""
    return re.sub(r"^#([a-z][a-z0-9-]*\s*=)", r"\1", conf_text, flags=re.M)


def config_entries(conf_text):
    """[(key, [values])] of the live `key = value` lines of a config file."""
    entries = []
    for line in conf_text.splitlines():
        m = re.match(r"\s*([a-z][a-z0-9-]*)\s*=\s*(.*?)\s*$", line)
        if not m:
            continue
        value = m.group(2)
        if value.startswith("["):
            values = re.findall(r'"([^"]*)"', value)
        else:
            values = [value[1:-1] if value[:1] in "\"'" and value[-1:] == value[:1] else value]
        entries.append((m.group(1), values))
    return entries


class TempDirMixin:
    def tempdir(self):
        path = tempfile.mkdtemp(prefix="ssehub-man-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def check_config(self, *args, tmp=None):
        """`ssehub serve ARGS --check-config`, on a throwaway port and state dir, so a binary
        that wrongly starts does not take a fixed port or litter the tree."""
        tmp = tmp or self.tempdir()
        safe = []
        if "--listen" not in args:
            safe += ["--listen", "127.0.0.1:0"]
        if "--state-dir" not in args:
            safe += ["--state-dir", os.path.join(tmp, "state")]
        return run(["serve"] + safe + list(args) + ["--check-config"])


class MandocLint(unittest.TestCase):
    def lint(self, page):
        require(shutil.which("mandoc"), "mandoc is not installed (Debian package mandoc)")
        r = subprocess.run(["mandoc", "-Tlint", os.path.relpath(page, REPO)], cwd=REPO,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((r.stdout + r.stderr).strip(), "",
                         "mandoc -Tlint %s reported problems" % os.path.relpath(page, REPO))
        self.assertEqual(r.returncode, 0)

    def test_ssehub_1_lints_clean(self):
        self.lint(MAN1)

    def test_ssehub_conf_5_lints_clean(self):
        self.lint(MAN5)


class ManPageOptions(TempDirMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.man1 = read(MAN1)
        cls.serve = help_options("serve")
        cls.clients = {c: help_options(*c.split()) for c in CLIENT_COMMANDS}
        cls.top = help_options()

    def test_every_serve_option_of_help_is_in_ssehub_1(self):
        documented = man_fl_options(self.man1)
        missing = sorted(set(self.serve) - documented)
        self.assertEqual(missing, [], "serve --help lists options ssehub.1 lacks")

    def test_every_serve_option_of_help_has_its_own_entry(self):
        items = {name for name, _, _ in
                 tagged_items(subsection(self.man1, "Options of serve"), "Fl")}
        missing = sorted(set(self.serve) - COMMAND_LINE_ONLY.union({"help"}) - items)
        missing += sorted({"config", "check-config"} - items)
        self.assertEqual(missing, [], "serve options without an entry in 'Options of serve'")

    def test_every_client_option_of_help_is_in_ssehub_1(self):
        documented = man_fl_options(self.man1)
        for command, options in self.clients.items():
            with self.subTest(command=command):
                self.assertEqual(sorted(set(options) - documented), [],
                                 "%s --help lists options ssehub.1 lacks" % command)

    def test_options_render_with_two_dashes(self):
        require(shutil.which("mandoc"), "mandoc is not installed (Debian package mandoc)")
        text = subprocess.run(["mandoc", "-Tascii", "-Owidth=200", MAN1], capture_output=True,
                              text=True, timeout=60).stdout
        text = re.sub(".\b", "", text)  # overstrike (bold, underline)
        for name in sorted(set(self.serve).union(*self.clients.values())):
            self.assertIn("--" + name, text)

    def test_every_option_in_ssehub_1_is_known_to_the_binary(self):
        known = set(self.serve).union(self.top, *self.clients.values())
        unknown = sorted(man_fl_options(self.man1) - known)
        self.assertEqual(unknown, [], "ssehub.1 documents options the binary does not have")

    def test_every_documented_serve_option_is_accepted(self):
        tmp = self.tempdir()
        items = tagged_items(subsection(self.man1, "Options of serve"), "Fl")
        self.assertGreaterEqual(len(items), len(self.serve) - 1)
        for name, head, _ in items:
            if name == "check-config":
                continue
            arg = re.search(r"\bAr (\w+)", head)
            args = ["--" + name]
            if name in ("tls-cert", "tls-key"):
                # Only accepted as a pair, with a real certificate.
                if not have_tls(binary()):
                    note_missing("ssehub built without OpenSSL: --tls-cert/--tls-key not tried")
                    continue
                cert = Certificate()
                self.addCleanup(cert.cleanup)
                with self.subTest(option=name):
                    r = self.check_config(*cert.args(), tmp=tmp)
                    self.assertEqual(r.returncode, 0, r.stderr)
                continue
            if arg:
                value = sample_value(arg.group(1), tmp)
                if name == "config":
                    value = os.path.join(tmp, "empty.conf")
                elif name == "token-file":
                    value = os.path.join(tmp, "tokens")
                elif name == "redis-password-file":
                    value = os.path.join(tmp, "redis.pw")
                elif name == "jwt-key":
                    value = os.path.join(tmp, "jwt.secret")
                    with open(value, "w") as f:
                        f.write("k" * 32 + "\n")
                self.assertIsNotNone(value, "no sample value for %s %s" % (name, arg.group(1)))
                args.append(value)
            with self.subTest(option=name):
                r = self.check_config(*args, tmp=tmp)
                self.assertEqual(r.returncode, 0, "serve %s --check-config: %s" %
                                 (" ".join(args), r.stderr))

    def test_serve_option_ranges_stated_in_ssehub_1_are_enforced(self):
        # "1 to 86400." and the like: the bounds pass, one past them is a usage error.
        items = tagged_items(subsection(self.man1, "Options of serve"), "Fl")
        checked = 0
        for name, _, body in items:
            m = re.search(r"^(\d+) to (\d+)\.$", body, re.M)
            if not m:
                continue
            low, high = int(m.group(1)), int(m.group(2))
            with self.subTest(option=name):
                for value, status in ((low, 0), (high, 0), (high + 1, 2)):
                    r = self.check_config("--" + name, str(value))
                    self.assertEqual(r.returncode, status, "--%s %d: %s" % (name, value,
                                                                            r.stderr))
                if low > 0:
                    self.assertEqual(self.check_config("--" + name, str(low - 1)).returncode, 2)
                checked += 1
        self.assertGreaterEqual(checked, 4)

    def test_serve_defaults_stated_in_ssehub_1_match_help(self):
        items = {name: body for name, _, body in
                 tagged_items(subsection(self.man1, "Options of serve"), "Fl")}
        for name, default in self.serve.items():
            if name in COMMAND_LINE_ONLY:
                continue
            with self.subTest(option=name):
                self.assertIn(name, items, "--%s has no entry in 'Options of serve'" % name)
                stated = stated_default(items[name])
                self.assertIsNotNone(stated, "--%s has no 'Default:' in ssehub.1" % name)
                values = help_default_values(default)
                if not values:
                    self.assertIn("none", stated)
                for value in values:
                    self.assertRegex(stated, r"(^|[\s`'(\"])%s($|[\s,.')\"])" % re.escape(value))

    def test_client_defaults_stated_in_ssehub_1_match_help(self):
        items = {}
        for title in CLIENT_SUBSECTIONS:
            items.update((name, body) for name, _, body in
                         tagged_items(subsection(self.man1, title), "Fl"))
        for command, options in self.clients.items():
            for name, default in options.items():
                if default is None or name == "help":
                    continue
                with self.subTest(command=command, option=name):
                    stated = stated_default(items.get(name, ""))
                    self.assertIsNotNone(stated, "--%s has no 'Default:' in ssehub.1" % name)
                    self.assertIn(default, stated)


class ConfigPage(TempDirMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.man5 = read(MAN5)
        cls.serve = help_options("serve")

    def keys_section(self):
        m = re.search(r"^\.Sh KEYS\n(.*?)(?=^\.Sh )", self.man5, re.M | re.S)
        self.assertIsNotNone(m, "ssehub.conf.5 has no KEYS section")
        return m.group(1)

    def test_every_key_in_ssehub_conf_5_is_a_serve_option_and_none_is_missing(self):
        keys = {name for name, _, _ in tagged_items(self.keys_section(), "Cm")}
        self.assertEqual(sorted(keys - set(self.serve)), [], "keys that are not serve options")
        self.assertEqual(sorted(set(self.serve) - COMMAND_LINE_ONLY - keys), [],
                         "serve options missing from KEYS")

    def test_every_option_in_ssehub_conf_5_is_a_serve_option(self):
        self.assertEqual(sorted(man_fl_options(self.man5) - set(self.serve)), [])

    def test_key_defaults_in_ssehub_conf_5_match_help(self):
        for name, _, body in tagged_items(self.keys_section(), "Cm"):
            with self.subTest(key=name):
                stated = stated_default(body)
                self.assertIsNotNone(stated, "key %s has no 'Default:'" % name)
                values = help_default_values(self.serve[name])
                if not values:
                    self.assertIn("none", stated)
                for value in values:
                    self.assertIn(value, stated)


class DefaultConfigFile(TempDirMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = read(DEFAULT_CONF)
        cls.serve = help_options("serve")
        cls.entries = config_entries(uncommented(cls.text))

    def test_as_shipped_every_key_is_commented_out(self):
        self.assertEqual(config_entries(self.text), [],
                         "packaging/ssehub.conf must change nothing as shipped")

    def test_every_serve_option_is_in_the_default_file_once(self):
        keys = [k for k, _ in self.entries]
        self.assertEqual(len(keys), len(set(keys)), "a key is listed twice")
        self.assertEqual(sorted(set(self.serve) - COMMAND_LINE_ONLY - set(keys)), [],
                         "serve options missing from packaging/ssehub.conf")

    def test_every_key_is_a_serve_option_at_its_default(self):
        for key, values in self.entries:
            with self.subTest(key=key):
                self.assertIn(key, self.serve, "not an option of ssehub serve")
                self.assertNotIn(key, COMMAND_LINE_ONLY)
                expected = help_default_values(self.serve[key])
                self.assertEqual([v for v in values if v], expected,
                                 "%s is not commented out at its default" % key)

    def test_every_key_has_a_one_line_explanation_above_it(self):
        lines = self.text.splitlines()
        for i, line in enumerate(lines):
            if re.match(r"#[a-z][a-z0-9-]*\s*=", line):
                with self.subTest(line=line):
                    self.assertRegex(lines[i - 1], r"^# \S", "no explanation above %r" % line)

    def test_every_key_value_is_accepted_on_the_command_line(self):
        tmp = self.tempdir()
        for key, values in self.entries:
            if key == "token-file" and values == [""]:
                continue  # "" means none; the option itself wants a file
            if key == "state-dir":
                values = [os.path.join(tmp, "state")]
            with self.subTest(key=key):
                args = []
                for v in values:
                    args += ["--" + key, v]
                r = self.check_config(*args, tmp=tmp)
                self.assertEqual(r.returncode, 0, "serve %s --check-config: %s" %
                                 (" ".join(args), r.stderr))

    def test_default_file_passes_check_config_as_shipped(self):
        r = self.check_config("--config", DEFAULT_CONF)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration is valid", r.stdout)

    def test_default_file_passes_check_config_uncommented(self):
        tmp = self.tempdir()
        path = os.path.join(tmp, "ssehub.conf")
        with open(path, "w") as f:
            f.write(uncommented(self.text))
        r = self.check_config("--config", path, tmp=tmp)
        self.assertEqual(r.returncode, 0, r.stderr)


class ConfigFileSyntax(TempDirMixin, unittest.TestCase):
    """What ssehub.conf(5) says about the format, tried on the real binary."""

    def write(self, text):
        path = os.path.join(self.tempdir(), "ssehub.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_documented_syntax_is_accepted(self):
        tmp = self.tempdir()
        with open(os.path.join(tmp, "tokens"), "w") as f:
            f.write("3b9f0c1e5a7d4c2b8e6f\n")
        path = self.write(
            "# comment\n"
            "; another comment\n"
            "\n"
            'listen = ["127.0.0.1:0", "[::1]:0", "unix:%s/hub.sock"]\n'
            'publish-allow = "127.0.0.0/8"\n'
            "publish-allow = 10.0.0.0/8\n"
            "token-file = %s/tokens\n"
            "history-bytes = 64M\n"
            "max-event-bytes = 128k\n"
            "heartbeat = 30  # a trailing comment\n"
            'cors-origin = "https://intranet.example.com"\n'
            "log-level = warn\n" % (tmp, tmp))
        r = self.check_config("--config", path, tmp=tmp)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_bad_value_in_the_file_is_a_usage_error_naming_the_option(self):
        for text, option in (("heartbeat = 0\n", "heartbeat"),
                             ("history-bytes = 12 apples\n", "history-bytes"),
                             ("publish-allow = not-an-address\n", "publish-allow"),
                             ("log-level = loud\n", "log-level"),
                             ("heartbeat = 5\nheartbeat = 6\n", "heartbeat")):
            with self.subTest(text=text):
                r = self.check_config("--config", self.write(text))
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)  # --check-config: 0 or 1
                self.assertIn(option, r.stderr)

    def test_a_missing_config_file_is_an_error(self):
        tmp = self.tempdir()
        r = self.check_config("--config", os.path.join(tmp, "nope.conf"), tmp=tmp)
        self.assertNotEqual(r.returncode, 0)

    def test_listen_array_is_used_and_the_command_line_beats_it(self):
        tmp = self.tempdir()
        sock = os.path.join(tmp, "hub.sock")
        path = self.write('listen = ["127.0.0.1:0", "unix:%s"]\n' % sock)
        log = self.serve_until_listening(["--config", path, "--state-dir", tmp], 2)
        self.assertIn("listening on unix:%s" % sock, log)
        log = self.serve_until_listening(
            ["--config", path, "--state-dir", tmp, "--listen", "127.0.0.1:0"], 1)
        self.assertNotIn("unix:", log)

    def serve_until_listening(self, args, listeners):
        """Starts `ssehub serve ARGS`, waits for LISTENERS 'listening on' lines, stops it
        with SIGTERM; returns its log."""
        env = {k: v for k, v in os.environ.items() if k not in _SYSTEMD_VARS}
        errlog = os.path.join(self.tempdir(), "stderr")
        with open(errlog, "w") as err:
            proc = subprocess.Popen([binary(), "serve"] + args, stdout=subprocess.DEVNULL,
                                    stderr=err, env=env)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if read(errlog).count("listening on") >= listeners or proc.poll() is not None:
                    break
                time.sleep(0.05)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log = read(errlog)
        self.assertEqual(log.count("listening on"), listeners, log)
        return log


if __name__ == "__main__":
    unittest.main()
