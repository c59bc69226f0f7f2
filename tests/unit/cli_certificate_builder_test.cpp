// `ssehub tls init`'s certificates (src/cli/certificate_builder.hpp), checked with OpenSSL's own
// verifier: the server certificate chains to the CA for exactly its hosts, carries the
// extensions a browser requires, never outlives the CA, and a CA that cannot sign is refused.
#include "cli/certificate_builder.hpp"

#include <doctest/doctest.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace ssehub::cli;

namespace {

constexpr int64_t now = 1800000000; // 2027-01-15
constexpr int64_t day = 86400;

using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

Cert parse(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    REQUIRE(cert);
    return cert;
}

int64_t seconds(const ASN1_TIME* t) {
    std::tm tm{};
    REQUIRE(ASN1_TIME_to_tm(t, &tm) == 1);
    return static_cast<int64_t>(timegm(&tm));
}

// OpenSSL's chain verification at `at`, for `host` when given: 0 (X509_V_OK) or the error.
int verify(const std::string& ca_pem, const std::string& server_pem, int64_t at,
           const std::string& host = "") {
    Cert ca = parse(ca_pem), server = parse(server_pem);
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                  X509_STORE_free);
    REQUIRE(X509_STORE_add_cert(store.get(), ca.get()) == 1);
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        X509_STORE_CTX_free);
    REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), server.get(), nullptr) == 1);
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at));
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    if (!host.empty()) {
        if (host.find_first_not_of("0123456789.:abcdef") == std::string::npos)
            X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
        else
            X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    }
    int ok = X509_verify_cert(ctx.get());
    return ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx.get());
}

std::vector<std::string> alt_names(X509* cert) {
    std::vector<std::string> out;
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    REQUIRE(names);
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) {
            out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(
                                                   ASN1_STRING_get0_data(name->d.dNSName)),
                                               ASN1_STRING_length(name->d.dNSName)));
        } else if (name->type == GEN_IPADD) {
            out.push_back("IP:" + std::to_string(ASN1_STRING_length(name->d.iPAddress)) + " bytes");
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

const std::vector<std::string> hosts = {"hub.test", "127.0.0.1", "::1", "*.intranet.test"};

} // namespace

TEST_CASE("tls init: the server certificate verifies against the CA for each of its hosts") {
    IssuedPem ca = make_certificate_authority("ssehub local CA on test", now, 3650);
    IssuedPem server = make_server_certificate(ca, hosts, now, 397);
    CHECK(verify(ca.certificate, server.certificate, now) == X509_V_OK);
    for (const char* host : {"hub.test", "127.0.0.1", "::1", "a.intranet.test"}) {
        CAPTURE(host);
        CHECK(verify(ca.certificate, server.certificate, now, host) == X509_V_OK);
    }
    CHECK(verify(ca.certificate, server.certificate, now, "other.test") ==
          X509_V_ERR_HOSTNAME_MISMATCH);
    CHECK(verify(ca.certificate, server.certificate, now, "10.0.0.1") ==
          X509_V_ERR_IP_ADDRESS_MISMATCH);
    // Valid from an hour back, for clients whose clocks lag, to `days` ahead.
    CHECK(verify(ca.certificate, server.certificate, now - backdate_s + 60) == X509_V_OK);
    CHECK(verify(ca.certificate, server.certificate, now + 397 * day + 60) ==
          X509_V_ERR_CERT_HAS_EXPIRED);
    // Another CA's certificate does not chain.
    IssuedPem other = make_certificate_authority("another", now, 3650);
    CHECK(verify(other.certificate, server.certificate, now) != X509_V_OK);
}

TEST_CASE("tls init: what a browser requires of the two certificates") {
    IssuedPem ca = make_certificate_authority("ssehub local CA on test", now, 3650);
    IssuedPem server = make_server_certificate(ca, hosts, now, 30);
    Cert c = parse(ca.certificate), s = parse(server.certificate);

    CHECK(X509_check_ca(c.get()) == 1);
    CHECK(X509_get_pathlen(c.get()) == 0);
    CHECK((X509_get_key_usage(c.get()) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) ==
          (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    CHECK(X509_get0_subject_key_id(c.get()) != nullptr);
    CHECK(seconds(X509_get0_notAfter(c.get())) == now + 3650 * day);

    CHECK(X509_check_ca(s.get()) == 0);
    CHECK(X509_get_key_usage(s.get()) == KU_DIGITAL_SIGNATURE);
    CHECK(X509_get_extended_key_usage(s.get()) == XKU_SSL_SERVER);
    CHECK(X509_get0_subject_key_id(s.get()) != nullptr);
    REQUIRE(X509_get0_authority_key_id(s.get()) != nullptr);
    CHECK(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(s.get()),
                                X509_get0_subject_key_id(c.get())) == 0);
    CHECK(alt_names(s.get()) == std::vector<std::string>{"DNS:hub.test", "IP:4 bytes",
                                                         "IP:16 bytes", "DNS:*.intranet.test"});
    CHECK(X509_get_version(s.get()) == X509_VERSION_3);
    // EC P-256 keys, signed with SHA-256.
    CHECK(EVP_PKEY_is_a(X509_get0_pubkey(s.get()), "EC"));
    CHECK(X509_get_signature_nid(s.get()) == NID_ecdsa_with_SHA256);

    CertificateFacts facts = certificate_facts(server.certificate);
    CHECK(facts.subject == "CN = hub.test, O = ssehub");
    CHECK(facts.not_after_s == now + 30 * day);
    CHECK(facts.fingerprint.size() == 32 * 3 - 1);
    CHECK(facts.serial_hex.size() >= 38); // 159 random bits
    CHECK(certificate_facts(ca.certificate).subject == "CN = ssehub local CA on test, O = ssehub");
}

TEST_CASE("tls init: each renewal has a new key and serial; the CA signs them all") {
    IssuedPem ca = make_certificate_authority("ca", now, 3650);
    IssuedPem first = make_server_certificate(ca, hosts, now, 397);
    IssuedPem second = make_server_certificate(ca, hosts, now + day, 397);
    CHECK(first.private_key != second.private_key);
    CHECK(certificate_facts(first.certificate).serial_hex !=
          certificate_facts(second.certificate).serial_hex);
    CHECK(verify(ca.certificate, second.certificate, now + day) == X509_V_OK);
    CHECK(second.private_key.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
}

TEST_CASE("tls init: a server certificate never outlives its CA") {
    IssuedPem ca = make_certificate_authority("ca", now, 100);
    IssuedPem server = make_server_certificate(ca, hosts, now, 397);
    CHECK(certificate_facts(server.certificate).not_after_s == now + 100 * day);
}

TEST_CASE("tls init: a CA that cannot sign is refused with the reason") {
    IssuedPem ca = make_certificate_authority("ca", now, 10);
    IssuedPem other = make_certificate_authority("other", now, 10);
    auto refusal = [](const IssuedPem& bad) {
        try {
            make_server_certificate(bad, hosts, now, 397);
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(refusal({ca.certificate, other.private_key}).find("does not belong") !=
          std::string::npos);
    IssuedPem server = make_server_certificate(ca, hosts, now, 1);
    CHECK(refusal(server).find("not a certificate authority") != std::string::npos);
    CHECK(refusal({"junk", ca.private_key}).find("not a PEM certificate") != std::string::npos);
    CHECK(refusal({ca.certificate, "junk"}).find("not a PEM private key") != std::string::npos);
    try {
        make_server_certificate(ca, hosts, now + 11 * day, 397);
        FAIL("an expired CA signed");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("expired on") != std::string::npos);
    }
    CHECK_THROWS(make_server_certificate(ca, {}, now, 397));
}
