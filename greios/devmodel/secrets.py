"""Pre-shared keys are kept only as a salted HMAC-SHA256 digest plus metadata.

The salt is random per process (:func:`salt` / :func:`set_salt` let a process pool share the
parent's salt so digests computed in workers compare equal). The clear key never lives in
the model; :class:`Psk` also redacts itself in ``repr``/``str``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# os.urandom is what secrets.token_bytes returns; hashlib/hmac (OpenSSL) are imported when a
# key is hashed or compared: an audit of configs without keys never loads them (#13)
_SALT = os.urandom(32)


def salt() -> bytes:
    return _SALT


def set_salt(value: bytes) -> None:
    """Install the parent's salt in a worker process (ProcessPoolExecutor initializer)."""
    global _SALT
    _SALT = value


@dataclass(frozen=True, slots=True)
class Psk:
    """A pre-shared key: storage type (0 clear, 6 AES, 7 Vigenere), length, salted digest."""

    kind: int
    length: int
    digest: str
    comparable: bool = True  # False for type 6 (encrypted with a device-local master key)

    def __repr__(self) -> str:
        return f"Psk(type={self.kind}, length={self.length}, <redacted>)"

    __str__ = __repr__

    def same_key(self, other: Psk | None) -> bool:
        import hmac

        return other is not None and hmac.compare_digest(self.digest, other.digest)


_XLAT = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"


def _decode_type7(enc: str) -> str | None:
    try:
        seed = int(enc[:2])
        out = []
        for i in range(2, len(enc) - 1, 2):
            out.append(chr(int(enc[i : i + 2], 16) ^ ord(_XLAT[(seed + i // 2 - 1) % len(_XLAT)])))
        return "".join(out)
    except (ValueError, IndexError):
        return None


def make_psk(key: str, kind: int = 0) -> Psk:
    """Hash ``key``. Type 7 is decoded first so equal keys compare equal across devices;
    type 6 ciphertext depends on each router's master key, so it is marked not comparable."""
    clear: str | None = key
    comparable = True
    if kind == 7:
        clear = _decode_type7(key)
    elif kind == 6:
        clear = None
    if clear is None:
        clear, comparable = f"{kind}:{key}", False
    import hashlib
    import hmac

    digest = hmac.new(_SALT, clear.encode(), hashlib.sha256).hexdigest()
    return Psk(kind=kind, length=len(clear) if comparable else 0, digest=digest,
               comparable=comparable)
