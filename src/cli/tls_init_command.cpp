// `ssehub tls init`: a local certificate authority and a server certificate it signs, in one
// folder, so that an intranet hub gets a TLS listener (and with it HTTP/2) that browsers
// trust once the CA is. Running it again renews the server certificate with the CA it finds,
// so browsers that trust the CA keep trusting the hub; --new-ca replaces the CA too. Talks to
// no hub; a running one picks the new files up on SIGHUP.
#include "cli/commands.hpp"

#ifdef SSEHUB_HAVE_TLS
#include "cli/atomic_file.hpp"
#include "cli/certificate_builder.hpp"
#include "cli/tls_hosts.hpp"

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace ssehub::cli {

#ifdef SSEHUB_HAVE_TLS
namespace {

constexpr size_t max_pem_bytes = 64 * 1024;
constexpr mode_t public_mode = 0644;
constexpr mode_t private_mode = 0600;
constexpr size_t max_common_name = 64;

struct Paths {
    std::string dir, ca_cert, ca_key, server_cert, server_key;
};

bool exists(const std::string& path) {
    struct stat st {};
    return lstat(path.c_str(), &st) == 0;
}

// DIR made absolute (the printed options must work from any directory), created with mode
// 0700 when it is missing (it will hold private keys).
std::string prepare_dir(const std::string& given) {
    if (!exists(given) && mkdir(given.c_str(), 0700) != 0)
        throw std::runtime_error("cannot create the folder " + given + ": " + std::strerror(errno));
    char resolved[PATH_MAX];
    if (!realpath(given.c_str(), resolved))
        throw std::runtime_error("cannot use the folder " + given + ": " + std::strerror(errno));
    struct stat st {};
    if (stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode))
        throw std::runtime_error(given + " is not a folder");
    return resolved;
}

// Run as root in a folder that belongs to someone else (the hub's user, as /var/lib/ssehub
// does), the files go to that owner: the hub must be able to read its key.
std::optional<FileOwner> owner_for(const std::string& dir) {
    struct stat st {};
    if (geteuid() != 0 || stat(dir.c_str(), &st) != 0 || st.st_uid == 0) return std::nullopt;
    return FileOwner{st.st_uid, st.st_gid};
}

// "ssehub local CA on NAME YYYY-MM-DD": the name a person finds in a browser's list of
// authorities, unique enough to tell this CA from one made elsewhere or earlier.
std::string ca_common_name(int64_t now_s) {
    std::string date = date_text(now_s).substr(0, 10);
    std::string head = "ssehub local CA on ";
    std::string name = machine_name();
    if (name.empty()) name = "this machine";
    size_t room = max_common_name - head.size() - 1 - date.size();
    if (name.size() > room) name.resize(room);
    return head + name + " " + date;
}

// Single quotes for a shell where a path needs them.
std::string shell_word(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789/._-+:,=@") == std::string::npos)
        return s;
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// A config-file value: TOML's basic string.
std::string config_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& s : items)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::string instructions(const Paths& p, const IssuedPem& ca, bool made_ca, bool replaced_ca,
                         const std::vector<std::string>& hosts, const IssuedPem& server) {
    CertificateFacts ca_facts = certificate_facts(ca.certificate);
    CertificateFacts cert = certificate_facts(server.certificate);
    std::string ca_pem = shell_word(p.ca_cert);
    std::string out;
    out += std::string(made_ca ? "Made a new" : "Kept the") + " certificate authority " +
           p.ca_cert + " (key " + p.ca_key + "):\n";
    out += "  " + ca_facts.subject + ", valid until " + date_text(ca_facts.not_after_s) + "\n";
    out += "  SHA-256 fingerprint " + ca_facts.fingerprint + "\n";
    if (!made_ca)
        out += "  Browsers that trust it trust the new server certificate too (--new-ca "
               "replaces it).\n";
    out += "Made the server certificate " + p.server_cert + " (key " + p.server_key + "):\n";
    out += "  for " + joined(hosts) + "\n";
    out += "  valid until " + date_text(cert.not_after_s) + ", serial " + cert.serial_hex + "\n";
    out += "\nTurn on the TLS listener (HTTP/2) with these options of ssehub serve:\n";
    out += "  --listen tls:0.0.0.0:8443 --tls-cert " + shell_word(p.server_cert) + " --tls-key " +
           shell_word(p.server_key) + "\n";
    out += "or these lines in its config file:\n";
    out += "  listen = \"tls:0.0.0.0:8443\"\n";
    out += "  tls-cert = " + config_string(p.server_cert) + "\n";
    out += "  tls-key = " + config_string(p.server_key) + "\n";
    out += "A hub that already uses these files serves the new certificate after SIGHUP\n"
           "(systemctl reload ssehub). Run this command again to renew it.\n";
    out += "\nTrust the CA once on each machine whose browser connects (copy ca.pem there,\n"
           "never ca.key):\n";
    if (replaced_ca)
        out += "  The old CA is no longer used: remove it first (for Chromium: certutil -d\n"
               "  sql:$HOME/.pki/nssdb -D -n ssehub).\n";
    out += "  Chromium and Chrome on Linux (certutil: Debian package libnss3-tools):\n";
    out += "    certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n ssehub -i " + ca_pem + "\n";
    out += "  Firefox: Settings > Privacy & Security > Certificates > View Certificates >\n"
           "    Authorities > Import, and tick \"Trust this CA to identify websites\"; or,\n"
           "    for every user, in /etc/firefox/policies/policies.json:\n";
    out += "    {\"policies\": {\"Certificates\": {\"Install\": [" + config_string(p.ca_cert) +
           "]}}}\n";
    out += "  The system store (Debian; curl, wget, Python):\n";
    out += "    sudo cp " + ca_pem + " /usr/local/share/ca-certificates/ssehub.crt\n";
    out += "    sudo update-ca-certificates\n";
    out += "  (Chrome and Edge on Windows and macOS use their system's store.)\n";
    return out;
}

} // namespace
#endif

int run_tls_init(const ClientOptions& options) {
#ifdef SSEHUB_HAVE_TLS
    const TlsInitRequest& request = options.tls_init;
    std::vector<std::string> hosts = request.hosts;
    if (hosts.empty()) {
        std::string left_out;
        hosts = default_tls_hosts(machine_name(), left_out);
        if (!left_out.empty())
            report("tls init: " + left_out + "; it is left out of the certificate");
    }
    Paths p;
    p.dir = prepare_dir(request.dir);
    p.ca_cert = p.dir + "/ca.pem";
    p.ca_key = p.dir + "/ca.key";
    p.server_cert = p.dir + "/server.pem";
    p.server_key = p.dir + "/server.key";
    auto now = std::chrono::system_clock::now().time_since_epoch();
    int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now).count();

    bool have_cert = exists(p.ca_cert), have_key = exists(p.ca_key);
    bool make_ca = request.new_ca || (!have_cert && !have_key);
    IssuedPem ca;
    if (make_ca) {
        ca = make_certificate_authority(ca_common_name(now_s), now_s, certificate_authority_days);
    } else if (have_cert != have_key) {
        report("tls init: " + p.dir + " has " +
               (have_cert ? "ca.pem but no ca.key" : "ca.key but no ca.pem") +
               "; restore it, or make a new CA with --new-ca (browsers must then trust the new "
               "one)");
        return 1;
    } else {
        ca.certificate = read_small_file(p.ca_cert, max_pem_bytes);
        ca.private_key = read_small_file(p.ca_key, max_pem_bytes);
    }
    IssuedPem server;
    try {
        server = make_server_certificate(ca, hosts, now_s, request.days);
    } catch (const std::exception& e) {
        if (make_ca) throw;
        report("tls init: " + p.ca_cert + ", " + p.ca_key + ": " + e.what() +
               "; make a new CA with --new-ca (browsers must then trust the new one)");
        return 1;
    }
    std::optional<FileOwner> owner = owner_for(p.dir);
    // The keys first: a certificate is never on disk before the key it needs.
    if (make_ca) {
        write_file_atomically(p.dir, "ca.key", ca.private_key, private_mode, owner);
        write_file_atomically(p.dir, "ca.pem", ca.certificate, public_mode, owner);
    }
    write_file_atomically(p.dir, "server.key", server.private_key, private_mode, owner);
    write_file_atomically(p.dir, "server.pem", server.certificate + ca.certificate, public_mode,
                          owner);
    std::string text =
        instructions(p, ca, make_ca, make_ca && (have_cert || have_key), hosts, server);
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::fflush(stdout) != 0) {
        report(std::string("tls init: cannot write to standard output: ") + std::strerror(errno));
        return 1;
    }
    return 0;
#else
    (void)options;
    report("tls init: unavailable: this ssehub was built without OpenSSL");
    return 1;
#endif
}

} // namespace ssehub::cli
