#!/usr/bin/python3
"""Makes tokens.txt (the JWTs tests/unit/auth_token_test.cpp verifies) and the fuzz_token seeds
with PyJWT (Debian's python3-jwt), so our verifier is checked against tokens another
implementation signed, not only against its own idea of the format. Run once; the output is
committed. The keys here are test keys made for this folder and used nowhere else.

Usage: tests/unit/data/jwt/make_tokens.py   (writes tokens.txt beside it and
tests/fuzz/corpus/fuzz_token/*)
"""

import base64
import hashlib
import hmac
import json
import os

import jwt  # python3-jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "..", "..", "..", "fuzz", "corpus", "fuzz_token")
NOW = 1800000000  # the "now" of the unit tests


def read(name):
    with open(os.path.join(HERE, name), "rb") as f:
        return f.read()


SECRET = read("hs256.secret").rstrip(b"\r\n")
RS_KEY = read("rs256.key.pem")
ES_KEY = read("es256.key.pem")
ES_OTHER = read("es256_other.key.pem")
RS_PUB = read("rs256.pub.pem")
RIGHTS = {"ssehub": {"subscribe": ["todo/*", "alerts"], "publish": ["todo/alice"]},
          "exp": NOW + 3600}


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def js(value):
    return json.dumps(value, separators=(",", ":")).encode()


def hs256_by_hand(header, payload_bytes, key):
    signing_input = b64(js(header)) + "." + b64(payload_bytes)
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(mac)


def nested(depth):
    value = "deep"
    for _ in range(depth):
        value = [value]
    return value


def es256_der(payload):
    """ES256 with the signature left in DER (what OpenSSL emits), not JOSE's raw R||S."""
    key = serialization.load_pem_private_key(ES_KEY, None)
    signing_input = b64(js({"alg": "ES256", "kid": "es-1"})) + "." + b64(js(payload))
    der = key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    return signing_input + "." + b64(der)


def tokens():
    t = {}
    t["hs256"] = jwt.encode(RIGHTS, SECRET, "HS256")
    t["hs256_kid"] = jwt.encode(RIGHTS, SECRET, "HS256", headers={"kid": "hs-1"})
    t["rs256"] = jwt.encode(RIGHTS, RS_KEY, "RS256")
    t["rs256_kid"] = jwt.encode(RIGHTS, RS_KEY, "RS256", headers={"kid": "rs-1"})
    t["es256"] = jwt.encode(RIGHTS, ES_KEY, "ES256")
    t["es256_kid"] = jwt.encode(RIGHTS, ES_KEY, "ES256", headers={"kid": "es-1"})
    t["no_exp"] = jwt.encode({"ssehub": {"subscribe": ["a"]}}, SECRET, "HS256")
    t["mercure"] = jwt.encode({"mercure": {"subscribe": ["https://example.com/books/{id}"],
                                           "publish": ["https://example.com/books/1"],
                                           "payload": {"user": "alice"}}}, SECRET, "HS256")
    t["both_layouts"] = jwt.encode({"ssehub": {"subscribe": ["a"]},
                                    "mercure": {"subscribe": ["b"], "publish": ["*"]}},
                                   SECRET, "HS256")
    t["timed"] = jwt.encode({"ssehub": {"subscribe": ["a"]}, "exp": NOW + 100,
                             "nbf": NOW - 100}, SECRET, "HS256")
    t["exp_fraction"] = jwt.encode({"exp": NOW + 0.5}, SECRET, "HS256")
    # Refused ones.
    t["es256_resigned"] = jwt.encode(RIGHTS, ES_OTHER, "ES256", headers={"kid": "es-1"})
    t["hs256_resigned"] = jwt.encode(RIGHTS, b"another-secret-of-at-least-32-bytes!", "HS256")
    t["es256_der"] = es256_der(RIGHTS)
    none_head = b64(js({"alg": "none", "typ": "JWT"}))
    t["alg_none"] = none_head + "." + b64(js(RIGHTS)) + "."
    t["alg_None_signed"] = (b64(js({"alg": "None"})) + "." + b64(js(RIGHTS)) + "." +
                            t["hs256"].split(".")[2])
    t["alg_rs512"] = jwt.encode(RIGHTS, RS_KEY, "RS512")
    t["alg_hs384"] = jwt.encode(RIGHTS, SECRET, "HS384")
    # Algorithm confusion: HS256 keyed with the RSA public key's PEM bytes (PyJWT refuses to do
    # it, which is the point, so by hand), without a kid and with the RSA key's kid.
    t["confusion"] = hs256_by_hand({"alg": "HS256", "typ": "JWT"}, js(RIGHTS), RS_PUB)
    t["confusion_kid"] = hs256_by_hand({"alg": "HS256", "kid": "rs-1"}, js(RIGHTS), RS_PUB)
    t["kid_unknown"] = jwt.encode(RIGHTS, SECRET, "HS256", headers={"kid": "nope"})
    t["kid_number"] = hs256_by_hand({"alg": "HS256", "kid": 7}, js(RIGHTS), SECRET)
    t["crit"] = hs256_by_hand({"alg": "HS256", "crit": ["exp"]}, js(RIGHTS), SECRET)
    t["nested_header"] = hs256_by_hand({"alg": "HS256", "x": nested(100)}, js(RIGHTS), SECRET)
    t["nested_payload"] = jwt.encode({"ssehub": {"subscribe": ["a"]}, "x": nested(100)},
                                     SECRET, "HS256")
    t["nested_64"] = jwt.encode({"x": nested(63)}, SECRET, "HS256")  # the bound, object included
    t["claim_not_array"] = jwt.encode({"ssehub": {"subscribe": "todo/*"}}, SECRET, "HS256")
    t["claim_not_string"] = jwt.encode({"mercure": {"publish": ["a", 7]}}, SECRET, "HS256")
    t["exp_string"] = jwt.encode({"exp": "soon"}, SECRET, "HS256")
    t["payload_array"] = hs256_by_hand({"alg": "HS256"}, js(["a"]), SECRET)
    t["payload_not_json"] = hs256_by_hand({"alg": "HS256"}, b"{not json", SECRET)
    return t


def main():
    t = tokens()
    with open(os.path.join(HERE, "tokens.txt"), "w") as f:
        f.write("# name token: made by make_tokens.py (PyJWT); now = %d in the tests\n" % NOW)
        for name, token in t.items():
            f.write("%s %s\n" % (name, token))
    os.makedirs(SEEDS, exist_ok=True)
    for name in ("hs256_kid", "es256_kid", "rs256", "mercure", "alg_none", "confusion",
                 "nested_header", "timed"):
        with open(os.path.join(SEEDS, name), "w") as f:
            f.write(t[name])
    for name, text in (("pattern_star", "todo/*\ntodo/alice"),
                       ("pattern_template", "https://example.com/books/{id}\n"
                                            "https://example.com/books/1"),
                       ("pattern_all", "*\na/b/c"),
                       ("pattern_many_stars", "a*b*c*d\naxxbyyczzd")):
        with open(os.path.join(SEEDS, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
