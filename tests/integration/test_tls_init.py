"""`ssehub tls init` (issue 21): a local CA and a server certificate in one command, checked
by tools other than ssehub: `openssl verify` and `openssl x509` read the files, a TLS hub
started with them is reached by curl over HTTP/2 with verification on (no -k) and by nghttp
trusting only the new CA, and running the command again keeps the CA (same fingerprint) while
the server certificate is new, which a running hub serves after SIGHUP (the serial seen by
`openssl s_client`). Stdlib, the openssl command, curl and nghttp."""

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import unittest

from harness import HubTestCase, hub_binary, hub_env, require, requires
from tls_support import have_tls

NGHTTP = shutil.which("nghttp")
CURL = shutil.which("curl")
FILES = ("ca.key", "ca.pem", "server.key", "server.pem")


def run(args, timeout=60, **kwargs):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)
    return r


def openssl(*args, input=None):
    r = run(["openssl"] + list(args), input=input)
    if r.returncode != 0:
        raise AssertionError("openssl %s failed: %s" % (" ".join(args), r.stderr))
    return r.stdout


def pem_blocks(text):
    return re.findall(r"-----BEGIN CERTIFICATE-----\n.*?-----END CERTIFICATE-----\n", text,
                      re.S)


def fingerprint(path):
    return openssl("x509", "-noout", "-fingerprint", "-sha256", "-in", path).strip()


def serial(path_or_pem):
    if path_or_pem.startswith("-----"):
        return openssl("x509", "-noout", "-serial", input=path_or_pem).strip()
    return openssl("x509", "-noout", "-serial", "-in", path_or_pem).strip()


def curl_available():
    if not CURL:
        return False
    return "HTTP2" in run([CURL, "--version"]).stdout


@requires(shutil.which("openssl"), "the openssl command is not installed (Debian package openssl)")
@requires(have_tls(hub_binary()), "ssehub built without OpenSSL: no tls init")
class TlsInit(HubTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ssehub-tls-init-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def init(self, *args, dir=None, status=0):
        r = run([hub_binary(), "tls", "init", "--dir", dir or self.dir] + list(args),
                env=hub_env())
        self.assertEqual(r.returncode, status, "tls init %s: %s%s" % (args, r.stdout, r.stderr))
        return r

    def mode(self, name):
        return stat.S_IMODE(os.stat(self.path(name)).st_mode)

    def tls_hub(self):
        return self.start_hub("--tls-cert", self.path("server.pem"),
                              "--tls-key", self.path("server.key"),
                              listen=("tls:127.0.0.1:0",))

    def served_serial(self, port, name="hub.test"):
        """The serial of the certificate the hub presents now, as `openssl s_client` sees it
        with verification on (the CA only, the host name checked)."""
        check = "-verify_ip" if re.fullmatch(r"[\d.]+", name) else "-verify_hostname"
        r = run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", name,
                 check, name, "-CAfile", self.path("ca.pem"), "-verify_return_error"],
                input="", timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Verify return code: 0 (ok)", r.stdout)
        return serial(pem_blocks(r.stdout)[0])

    def test_files_modes_chain_and_extensions(self):
        r = self.init("--host", "127.0.0.1", "--host", "hub.test")
        self.assertEqual(sorted(os.listdir(self.dir)), sorted(FILES),
                         "only the four files, no temporary ones left")
        self.assertEqual(self.mode("ca.key"), 0o600)
        self.assertEqual(self.mode("server.key"), 0o600)
        self.assertEqual(self.mode("ca.pem"), 0o644)
        self.assertEqual(self.mode("server.pem"), 0o644)

        v = run(["openssl", "verify", "-CAfile", self.path("ca.pem"), self.path("server.pem")])
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertIn("server.pem: OK", v.stdout)
        # The chain: the server certificate, then the CA as in ca.pem.
        with open(self.path("server.pem")) as f:
            chain = pem_blocks(f.read())
        with open(self.path("ca.pem")) as f:
            self.assertEqual(chain[1:], pem_blocks(f.read()))
        self.assertEqual(len(chain), 2)

        ext = openssl("x509", "-noout", "-in", self.path("server.pem"), "-ext",
                      "subjectAltName,basicConstraints,keyUsage,extendedKeyUsage,"
                      "subjectKeyIdentifier,authorityKeyIdentifier")
        san = re.search(r"X509v3 Subject Alternative Name: *\n\s*(.*)", ext).group(1)
        self.assertEqual(sorted(san.split(", ")), ["DNS:hub.test", "IP Address:127.0.0.1"])
        self.assertRegex(ext, r"X509v3 Basic Constraints: critical\n\s*CA:FALSE")
        self.assertRegex(ext, r"X509v3 Key Usage: critical\n\s*Digital Signature\n")
        self.assertRegex(ext, r"X509v3 Extended Key Usage: *\n\s*TLS Web Server Authentication\n")
        ca_ext = openssl("x509", "-noout", "-in", self.path("ca.pem"), "-ext",
                         "basicConstraints,keyUsage,subjectKeyIdentifier")
        self.assertRegex(ca_ext, r"X509v3 Basic Constraints: critical\n\s*CA:TRUE, pathlen:0")
        self.assertRegex(ca_ext, r"X509v3 Key Usage: critical\n\s*Certificate Sign, CRL Sign")
        ca_ski = re.search(r"Subject Key Identifier: *\n\s*(\S+)", ca_ext).group(1)
        aki = re.search(r"Authority Key Identifier: *\n\s*(?:keyid:)?(\S+)", ext).group(1)
        self.assertEqual(aki, ca_ski)
        for key in ("ca.key", "server.key"):
            text = openssl("pkey", "-in", self.path(key), "-noout", "-text")
            self.assertIn("NIST CURVE: P-256", text)
        # Validity: the server 397 days by default, the CA ten years.
        dates = openssl("x509", "-noout", "-startdate", "-enddate", "-in",
                        self.path("server.pem"))
        self.assertNotIn("notAfter", openssl("x509", "-noout", "-checkend",
                                             str(396 * 86400), "-in", self.path("server.pem")))
        r398 = run(["openssl", "x509", "-noout", "-checkend", str(398 * 86400), "-in",
                    self.path("server.pem")])
        self.assertEqual(r398.returncode, 1, dates)  # expires within 398 days
        self.assertEqual(run(["openssl", "x509", "-noout", "-checkend", str(3649 * 86400),
                              "-in", self.path("ca.pem")]).returncode, 0)

        # What it prints: the two ways to turn the listener on and how to trust the CA.
        out = r.stdout
        self.assertIn("--listen tls:0.0.0.0:8443 --tls-cert %s --tls-key %s"
                      % (self.path("server.pem"), self.path("server.key")), out)
        self.assertIn('tls-cert = "%s"' % self.path("server.pem"), out)
        self.assertIn('tls-key = "%s"' % self.path("server.key"), out)
        self.assertIn("certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n ssehub -i %s"
                      % self.path("ca.pem"), out)
        self.assertIn("sudo cp %s /usr/local/share/ca-certificates/ssehub.crt\n"
                      "    sudo update-ca-certificates\n" % self.path("ca.pem"), out)
        self.assertIn("Firefox", out)
        self.assertIn(fingerprint(self.path("ca.pem")).split("=", 1)[1], out)
        self.assertIn("Made a new certificate authority", out)
        self.assertEqual(r.stderr, "")

    def test_a_hub_with_them_serves_http2_that_curl_and_nghttp_verify(self):
        self.init("--host", "127.0.0.1", "--host", "hub.test", "--host", "localhost")
        hub = self.tls_hub()
        require(curl_available(), "curl with HTTP/2 is not installed (Debian package curl)")
        for url, extra in (("https://127.0.0.1:%d/healthz" % hub.port, []),
                           ("https://hub.test:%d/healthz" % hub.port,
                            ["--resolve", "hub.test:%d:127.0.0.1" % hub.port])):
            with self.subTest(url=url):
                r = run([CURL, "-sS", "--http2", "--cacert", self.path("ca.pem"),
                         "-w", "\\n%{http_version} %{ssl_verify_result}", url] + extra)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout.splitlines()[-1], "2 0")
        # A name the certificate is not for fails verification: the check above can fail.
        r = run([CURL, "-sS", "--http2", "--cacert", self.path("ca.pem"),
                 "--resolve", "other.test:%d:127.0.0.1" % hub.port,
                 "https://other.test:%d/healthz" % hub.port])
        self.assertNotEqual(r.returncode, 0)

        require(NGHTTP, "nghttp is not installed (Debian package nghttp2-client)")
        # nghttp trusts OpenSSL's default store, here the new CA alone (SSL_CERT_FILE); it
        # checks a host name, not an address (nghttp2 1.52 matches no IP: name).
        for ca, trusted in ((self.path("ca.pem"), True), (os.devnull, False)):
            with self.subTest(trusted=trusted):
                r = run([NGHTTP, "-v", "https://localhost:%d/healthz" % hub.port],
                        env=dict(hub_env(), SSL_CERT_FILE=ca, SSL_CERT_DIR=self.dir),
                        stdin=subprocess.DEVNULL)
                out = r.stdout + r.stderr
                self.assertEqual(r.returncode, 0, out)
                self.assertIn("The negotiated protocol: h2", out)
                self.assertRegex(out, r"recv \(stream_id=\d+\) :status: 200")
                self.assertEqual("Certificate verification failed" not in out, trusted, out)

    def test_running_it_again_renews_the_certificate_and_keeps_the_ca(self):
        self.init("--host", "127.0.0.1", "--host", "hub.test")
        ca_print = fingerprint(self.path("ca.pem"))
        with open(self.path("ca.key"), "rb") as f:
            ca_key = f.read()
        first = serial(self.path("server.pem"))
        hub = self.tls_hub()
        self.assertEqual(self.served_serial(hub.port), first)

        r = self.init("--host", "127.0.0.1", "--host", "hub.test", "--days", "30")
        self.assertIn("Kept the certificate authority", r.stdout)
        self.assertEqual(fingerprint(self.path("ca.pem")), ca_print)
        with open(self.path("ca.key"), "rb") as f:
            self.assertEqual(f.read(), ca_key)
        second = serial(self.path("server.pem"))
        self.assertNotEqual(second, first)
        self.assertEqual(self.mode("server.key"), 0o600)
        self.assertEqual(sorted(os.listdir(self.dir)), sorted(FILES))
        v = run(["openssl", "verify", "-CAfile", self.path("ca.pem"), self.path("server.pem")])
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertEqual(run(["openssl", "x509", "-noout", "-checkend", str(31 * 86400),
                              "-in", self.path("server.pem")]).returncode, 1)

        # The running hub keeps the old certificate until SIGHUP, then serves the new one.
        self.assertEqual(self.served_serial(hub.port), first)
        hub.signal(signal.SIGHUP)
        hub.wait_for_log(r"reloaded configuration")
        self.assertEqual(self.served_serial(hub.port), second)
        self.assertEqual(self.served_serial(hub.port, "127.0.0.1"), second)

    def test_new_ca_replaces_the_ca(self):
        self.init("--host", "hub.test")
        old = fingerprint(self.path("ca.pem"))
        shutil.copy(self.path("ca.pem"), self.path("old-ca.pem.keep"))
        r = self.init("--host", "hub.test", "--new-ca")
        self.assertNotEqual(fingerprint(self.path("ca.pem")), old)
        self.assertIn("Made a new certificate authority", r.stdout)
        self.assertIn("The old CA is no longer used: remove it first", r.stdout)
        v = run(["openssl", "verify", "-CAfile", self.path("old-ca.pem.keep"),
                 self.path("server.pem")])
        self.assertNotEqual(v.returncode, 0, "the old CA must not verify the new certificate")
        v = run(["openssl", "verify", "-CAfile", self.path("ca.pem"), self.path("server.pem")])
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)

    def test_default_hosts_and_a_new_folder(self):
        target = os.path.join(self.dir, "tls")
        r = self.init(dir=target)
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o700)
        ext = openssl("x509", "-noout", "-ext", "subjectAltName", "-in",
                      os.path.join(target, "server.pem"))
        names = re.search(r"Alternative Name: *\n\s*(.*)", ext).group(1).split(", ")
        self.assertEqual(names[:3], ["DNS:localhost", "IP Address:127.0.0.1",
                                     "IP Address:0:0:0:0:0:0:0:1"])
        machine = socket.gethostname().lower()
        if re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*",
                        machine) and machine != "localhost":
            self.assertEqual(names[3:], ["DNS:" + machine])
        self.assertIn("for localhost, 127.0.0.1, ::1", r.stdout)
        # A relative --dir is printed as an absolute path, usable from anywhere.
        r = run([os.path.abspath(hub_binary()), "tls", "init", "--dir", "tls"], cwd=self.dir,
                env=hub_env())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--tls-cert %s/server.pem" % target, r.stdout)
        self.assertIn("Kept the certificate authority", r.stdout)

    def test_as_root_the_files_go_to_the_owner_of_the_folder(self):
        # As for /var/lib/ssehub: root runs the command, the hub's user must read the key.
        require(os.geteuid() == 0, "not run as root: cannot check the files' owner")
        target = os.path.join(self.dir, "hub")
        os.mkdir(target, 0o750)
        os.chown(target, 65534, 65534)  # nobody, nogroup
        self.init("--host", "hub.test", dir=target)
        for name in FILES:
            st = os.stat(os.path.join(target, name))
            self.assertEqual((st.st_uid, st.st_gid), (65534, 65534), name)
        # Root's own folder keeps root's files.
        self.init("--host", "hub.test")
        self.assertEqual(os.stat(self.path("server.key")).st_uid, 0)

    def test_refusals(self):
        for args, message in ((["--host", "https://hub.test"], "scheme"),
                              (["--host", "hub.test:8443"], "no port"),
                              (["--host", "hub_1.test"], "not a host name"),
                              (["--days", "0"], "from 1 to 825"),
                              (["--days", "826"], "from 1 to 825")):
            with self.subTest(args=args):
                r = self.init(*args, status=2)
                self.assertIn(message, r.stderr)
                self.assertEqual(os.listdir(self.dir), [])
        r = run([hub_binary(), "tls"], env=hub_env())
        self.assertEqual(r.returncode, 2, r.stderr)
        # Half a CA is not silently replaced: browsers trust the one that was there.
        self.init("--host", "hub.test")
        os.unlink(self.path("ca.key"))
        os.unlink(self.path("server.pem"))
        r = self.init("--host", "hub.test", status=1)
        self.assertRegex(r.stderr, r"^ssehub: tls init: .* has ca.pem but no ca.key; .*--new-ca")
        self.assertNotIn("server.pem", os.listdir(self.dir))
        # A CA key that is not the CA's.
        self.init("--host", "hub.test", "--new-ca")
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", self.path("ca.key"))
        r = self.init("--host", "hub.test", status=1)
        self.assertIn("the CA key does not belong to the CA certificate", r.stderr)


class TlsInitWithoutOpenSSL(unittest.TestCase):
    # Runs in every build: without OpenSSL the command says it is unavailable (exit 1); with
    # it, it makes the files.
    def test_unavailable_exactly_without_openssl(self):
        tmp = tempfile.mkdtemp(prefix="ssehub-tls-init-")
        self.addCleanup(shutil.rmtree, tmp, True)
        r = run([hub_binary(), "tls", "init", "--dir", tmp, "--host", "hub.test"],
                env=hub_env())
        if have_tls(hub_binary()):
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(sorted(os.listdir(tmp)), sorted(FILES))
        else:
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertEqual(r.stderr, "ssehub: tls init: unavailable: this ssehub was built "
                                       "without OpenSSL\n")


if __name__ == "__main__":
    unittest.main()
