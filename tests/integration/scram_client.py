"""A SCRAM-SHA-256(-PLUS) and CRAM-MD5 client for the tests, written from RFC 5802, 7677
and 2195 (Debian has no python3-scramp): hashlib and hmac do the crypto, the caller the
IMAP lines. Also Dovecot's {SCRAM-SHA-256} form of a password, as `doveadm pw` writes it."""

import base64
import hashlib
import hmac
import os


def b64(data):
    return base64.b64encode(data).decode()


def dovecot_scram(password, salt=None, iterations=4096):
    """{SCRAM-SHA-256}ITER,SALT,STOREDKEY,SERVERKEY"""
    salt = salt or os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return "{SCRAM-SHA-256}%d,%s,%s,%s" % (iterations, b64(salt),
                                            b64(hashlib.sha256(client_key).digest()), b64(server_key))


class ScramClient:
    """client_first() -> server_first(msg) -> client_final() -> verify(server_final)."""

    def __init__(self, user, password, cb_type=None, cb_data=b"", gs2_flag=None, authzid=""):
        self.user, self.password = user, password
        self.cb_type, self.cb_data = cb_type, cb_data
        flag = gs2_flag or ("p=" + cb_type if cb_type else "n")
        self.gs2 = "%s,%s," % (flag, "a=" + authzid if authzid else "")
        self.nonce = b64(os.urandom(18))
        self.first_bare = "n=%s,r=%s" % (user.replace("=", "=3D").replace(",", "=2C"), self.nonce)

    def client_first(self):
        return (self.gs2 + self.first_bare).encode()

    def client_final(self, server_first, proof_password=None, nonce=None, cb_data=None):
        self.server_first = server_first.decode()
        attrs = dict(a.split("=", 1) for a in self.server_first.split(","))
        assert attrs["r"].startswith(self.nonce), attrs
        salt, iterations = base64.b64decode(attrs["s"]), int(attrs["i"])
        password = (proof_password if proof_password is not None else self.password).encode()
        salted = hashlib.pbkdf2_hmac("sha256", password, salt, iterations)
        cb = self.gs2.encode() + (self.cb_data if cb_data is None else cb_data)
        without_proof = "c=%s,r=%s" % (b64(cb), nonce or attrs["r"])
        self.auth_message = ",".join([self.first_bare, self.server_first, without_proof]).encode()
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        stored = hashlib.sha256(client_key).digest()
        signature = hmac.new(stored, self.auth_message, hashlib.sha256).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        self.server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
        return (without_proof + ",p=" + b64(proof)).encode()

    def verify(self, server_final):
        expected = hmac.new(self.server_key, self.auth_message, hashlib.sha256).digest()
        return server_final.decode() == "v=" + b64(expected)


def cram_md5_response(user, password, challenge):
    digest = hmac.new(password.encode(), challenge, hashlib.md5).hexdigest()
    return ("%s %s" % (user, digest)).encode()


def tls_server_end_point(ssl_socket):
    """RFC 5929's data for a certificate signed with SHA-256 (what make_certificate makes)."""
    return hashlib.sha256(ssl_socket.getpeercert(binary_form=True)).digest()
