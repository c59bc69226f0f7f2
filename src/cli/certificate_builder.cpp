#include "cli/certificate_builder.hpp"

#include "cli/tls_hosts.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <stdexcept>

namespace ssehub::cli {

namespace {

template <typename T, void (*Release)(T*)> struct Free {
    void operator()(T* p) const { Release(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Free<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;
using Bignum = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
using Names = std::unique_ptr<GENERAL_NAMES, Free<GENERAL_NAMES, GENERAL_NAMES_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION, X509_EXTENSION_free>>;

constexpr int64_t day_s = 86400;
// A CA that ends within this time is refused: a certificate it signed now would be worthless.
constexpr int64_t ca_margin_s = 3600;
constexpr size_t max_common_name = 64; // RFC 5280's ub-common-name

[[noreturn]] void fail(const std::string& what) {
    std::string detail;
    if (unsigned long code = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        detail = std::string(" (") + buf + ")";
    }
    ERR_clear_error();
    throw std::runtime_error(what + detail);
}

// Never ask for a passphrase: an encrypted CA key is refused with one line instead of a prompt.
int no_passphrase(char*, int, int, void*) {
    return -1;
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

Bio memory_bio() {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio) fail("out of memory");
    return bio;
}

Bio read_bio(const std::string& pem) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) fail("out of memory");
    return bio;
}

Key new_key() {
    Key key(EVP_EC_gen("P-256"));
    if (!key) fail("cannot make an EC P-256 key");
    return key;
}

std::string key_pem(EVP_PKEY* key) {
    Bio bio = memory_bio();
    if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        fail("cannot write the private key as PEM");
    return bio_text(bio.get());
}

std::string certificate_pem(X509* cert) {
    Bio bio = memory_bio();
    if (PEM_write_bio_X509(bio.get(), cert) != 1) fail("cannot write the certificate as PEM");
    return bio_text(bio.get());
}

Cert read_certificate(const std::string& pem, const char* what) {
    Bio bio = read_bio(pem);
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
    if (!cert) fail(std::string(what) + " is not a PEM certificate");
    return cert;
}

Key read_key(const std::string& pem, const char* what) {
    if (pem.find("ENCRYPTED") != std::string::npos)
        throw std::runtime_error(std::string(what) + " is encrypted; ssehub needs it unencrypted");
    Bio bio = read_bio(pem);
    Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    if (!key) fail(std::string(what) + " is not a PEM private key");
    return key;
}

int64_t unix_time(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) fail("unreadable certificate validity");
    return static_cast<int64_t>(timegm(&tm));
}

void set_names(X509_NAME* name, const std::string& common_name) {
    auto add = [name](const char* field, const std::string& value) {
        if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.data()),
                                       static_cast<int>(value.size()), -1, 0) != 1)
            fail(std::string("cannot set the certificate's ") + field);
    };
    add("CN", common_name);
    add("O", "ssehub");
}

// Version 3, a random positive serial of 159 bits (RFC 5280 allows 20 octets; browsers want
// at least 64 random bits), validity and subject, the public key of `key`.
Cert new_certificate(EVP_PKEY* key, const std::string& common_name, int64_t not_before_s,
                     int64_t not_after_s) {
    Cert cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) fail("out of memory");
    Bignum serial(BN_new());
    if (!serial || BN_rand(serial.get(), 159, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
        !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
        fail("cannot make a random serial number");
    if (!ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before_s)) ||
        !ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after_s)))
        fail("cannot set the certificate's validity");
    set_names(X509_get_subject_name(cert.get()), common_name);
    if (X509_set_pubkey(cert.get(), key) != 1) fail("cannot set the certificate's key");
    return cert;
}

// One extension written as in an openssl config file ("critical,CA:TRUE"); the issuer is
// needed for the authority key identifier.
void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    Extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
        fail(std::string("cannot add the extension ") + OBJ_nid2sn(nid) + " = " + value);
}

// subjectAltName built name by name rather than from "DNS:a,IP:b" text, so that no host can
// change how the list is read.
void add_subject_alt_names(X509* cert, const std::vector<std::string>& hosts) {
    Names names(sk_GENERAL_NAME_new_null());
    if (!names) fail("out of memory");
    for (const std::string& host : hosts) {
        GENERAL_NAME* name = GENERAL_NAME_new();
        if (!name) fail("out of memory");
        if (is_ip_address(host)) {
            ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
            if (!ip) {
                GENERAL_NAME_free(name);
                fail("'" + host + "' is not an IP address");
            }
            GENERAL_NAME_set0_value(name, GEN_IPADD, ip);
        } else {
            ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
            if (!dns || ASN1_STRING_set(dns, host.data(), static_cast<int>(host.size())) != 1) {
                ASN1_IA5STRING_free(dns);
                GENERAL_NAME_free(name);
                fail("out of memory");
            }
            GENERAL_NAME_set0_value(name, GEN_DNS, dns);
        }
        if (sk_GENERAL_NAME_push(names.get(), name) <= 0) {
            GENERAL_NAME_free(name);
            fail("out of memory");
        }
    }
    // Not critical: the subject is not empty (RFC 5280 4.2.1.6).
    if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
        fail("cannot add the subjectAltName extension");
}

void sign(X509* cert, EVP_PKEY* key) {
    if (X509_sign(cert, key, EVP_sha256()) <= 0) fail("cannot sign the certificate");
}

} // namespace

IssuedPem make_certificate_authority(const std::string& common_name, int64_t now_s, uint32_t days) {
    Key key = new_key();
    Cert cert = new_certificate(key.get(), common_name, now_s - backdate_s,
                                now_s + static_cast<int64_t>(days) * day_s);
    if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1)
        fail("cannot set the CA's issuer");
    add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
    add_extension(cert.get(), cert.get(), NID_authority_key_identifier, "keyid:always");
    sign(cert.get(), key.get());
    return {certificate_pem(cert.get()), key_pem(key.get())};
}

IssuedPem make_server_certificate(const IssuedPem& ca, const std::vector<std::string>& hosts,
                                  int64_t now_s, uint32_t days) {
    if (hosts.empty()) throw std::runtime_error("a server certificate needs at least one host");
    Cert ca_cert = read_certificate(ca.certificate, "the CA certificate");
    Key ca_key = read_key(ca.private_key, "the CA key");
    if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1)
        fail("the CA key does not belong to the CA certificate");
    if (X509_check_ca(ca_cert.get()) == 0)
        throw std::runtime_error("the CA certificate is not a certificate authority (no "
                                 "basicConstraints CA:TRUE)");
    int64_t ca_end = unix_time(X509_get0_notAfter(ca_cert.get()));
    if (ca_end <= now_s + ca_margin_s)
        throw std::runtime_error("the CA certificate " +
                                 std::string(ca_end <= now_s ? "expired on " : "expires on ") +
                                 date_text(ca_end));
    Key key = new_key();
    int64_t end = std::min(now_s + static_cast<int64_t>(days) * day_s, ca_end);
    const std::string& first = hosts.front();
    Cert cert = new_certificate(key.get(), first.size() <= max_common_name ? first : "ssehub",
                                now_s - backdate_s, end);
    if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) != 1)
        fail("cannot set the certificate's issuer");
    add_extension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), ca_cert.get(), NID_subject_key_identifier, "hash");
    add_extension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always");
    add_subject_alt_names(cert.get(), hosts);
    sign(cert.get(), ca_key.get());
    return {certificate_pem(cert.get()), key_pem(key.get())};
}

CertificateFacts certificate_facts(const std::string& pem) {
    Cert cert = read_certificate(pem, "the file");
    CertificateFacts facts;
    Bio subject = memory_bio();
    if (X509_NAME_print_ex(subject.get(), X509_get_subject_name(cert.get()), 0,
                           XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) < 0)
        fail("cannot print the certificate's subject");
    facts.subject = bio_text(subject.get());
    Bignum serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr));
    char* hex = serial ? BN_bn2hex(serial.get()) : nullptr;
    if (!hex) fail("cannot read the certificate's serial number");
    facts.serial_hex = hex;
    OPENSSL_free(hex);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(cert.get(), EVP_sha256(), md, &n) != 1) fail("cannot hash the certificate");
    static const char digits[] = "0123456789ABCDEF";
    for (unsigned int i = 0; i < n; ++i) {
        if (i) facts.fingerprint += ':';
        facts.fingerprint += digits[md[i] >> 4];
        facts.fingerprint += digits[md[i] & 15];
    }
    facts.not_after_s = unix_time(X509_get0_notAfter(cert.get()));
    return facts;
}

std::string date_text(int64_t s) {
    std::time_t t = static_cast<std::time_t>(s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

} // namespace ssehub::cli
