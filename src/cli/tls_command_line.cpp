// `ssehub tls init`'s options. `tls` is a command of its own with `init` under it, so that
// later certificate chores (`tls show`, say) have a place without crowding the top level.
#include "cli/client_commands.hpp"
#include "cli/tls_hosts.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>

namespace ssehub::cli {

namespace {

// The host as it goes into the certificate (see certificate_host()), or a usage error.
const CLI::Validator host_check(
    [](std::string& text) -> std::string {
        std::string why;
        auto host = certificate_host(text, why);
        if (!host) return why;
        text = *host;
        return {};
    },
    "");

const CLI::Validator days_check(
    [](std::string& text) -> std::string {
        bool digits = !text.empty() && text.size() <= 4 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
        unsigned long v = digits ? std::stoul(text) : 0;
        if (v < 1 || v > max_server_certificate_days)
            return "'" + text + "' is not a whole number of days from 1 to " +
                   std::to_string(max_server_certificate_days);
        text = std::to_string(v); // CLI11 would read a leading 0 as octal
        return {};
    },
    "");

} // namespace

void declare_tls_command(CLI::App& app, ClientOptions& o) {
    CLI::App* tls = app.add_subcommand("tls", "Certificates for the TLS listener (HTTP/2)");
    tls->require_subcommand(1);
    CLI::App* init = tls->add_subcommand(
        "init", "Make a local certificate authority and a server certificate it signs (run "
                "again to renew the certificate)");
    TlsInitRequest& t = o.tls_init;
    init->add_option("--dir", t.dir,
                     "Folder for ca.pem, ca.key, server.pem and server.key (made if missing)")
        ->type_name("DIR")
        ->capture_default_str();
    init->add_option("--host", t.hosts,
                     "A DNS name or IP address the certificate is for (repeatable; default: "
                     "localhost, 127.0.0.1, ::1 and this machine's name)")
        ->transform(host_check)
        ->type_name("NAME");
    init->add_option("--days", t.days, "Days the server certificate is valid")
        ->transform(days_check)
        ->type_name("N")
        ->capture_default_str();
    init->add_flag("--new-ca", t.new_ca,
                   "Make a new certificate authority even if DIR has one (browsers must then "
                   "trust the new one)");
    init->callback([&o] {
        o.command = ClientCommand::TlsInit;
        std::vector<std::string>& hosts = o.tls_init.hosts;
        std::vector<std::string> unique;
        for (const std::string& h : hosts)
            if (std::find(unique.begin(), unique.end(), h) == unique.end()) unique.push_back(h);
        hosts = unique;
    });
}

} // namespace ssehub::cli
