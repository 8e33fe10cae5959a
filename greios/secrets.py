"""Pre-shared keys: generation, storage outside the YAML, references and redaction.

Each pair gets its own PSK (40 random letters and digits). Keys are looked up, in order,
in the environment (``GREIOS_PSK_<PAIR>``, e.g. ``GREIOS_PSK_HONGKONG_RTR1__TOKYO_RTR1``)
and in the git-ignored secrets file ``sites/.greios-secrets.yaml`` (mode 0600). Missing
keys are generated into that file on first use. Anything printed or saved carries either
``<redacted>`` or a reference ``<secret:psk/PAIR>``; only the final push resolves it.
"""

from __future__ import annotations

import os
import re
import secrets as _random
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from greios.errors import SecretError, SecretFileError
from greios.files import replace_file, write_private
from greios.inventory.yamlsrc import display_path, load_yaml
from greios.redact import REDACTED

PSK_LENGTH = 40
PSK_MIN = 32
PSK_MAX = 128  # IOS keyring / isakmp key length limit
#: a key IOS takes: printable ASCII without space or '?', PSK_MIN..PSK_MAX long
_PSK_OK = re.compile(f"[\\x21-\\x3e\\x40-\\x7e]{{{PSK_MIN},{PSK_MAX}}}")
_ALPHABET = string.ascii_letters + string.digits
REF_RE = re.compile(r"<secret:([a-z]+)/([A-Za-z0-9_.-]+(?:--[A-Za-z0-9_.-]+)?)>")
PAIR_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*--[A-Za-z][A-Za-z0-9_.-]*$")
ENV_PREFIX = "GREIOS_PSK_"
_FILE_HEADER = "# greios pre-shared keys, one per pair. NEVER commit this file.\n"


def env_name(pair: str) -> str:
    """Environment variable that overrides the PSK of ``pair``.

    >>> env_name("hongkong-rtr1--tokyo-rtr1")
    'GREIOS_PSK_HONGKONG_RTR1__TOKYO_RTR1'
    """
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", pair).upper()


def generate_psk(length: int = PSK_LENGTH) -> str:
    return "".join(_random.choice(_ALPHABET) for _ in range(length))


def psk_problem(value: str) -> str | None:
    """Why IOS cannot take ``value`` as a pre-shared key (None when it can). Never quotes
    the value.

    >>> psk_problem("x" * 40) is None
    True
    >>> psk_problem("short")
    'is shorter than 32 characters'
    """
    if _PSK_OK.fullmatch(value):  # the common case, one scan: printable, no space or '?'
        return None
    if not value:
        return "is empty"
    if any(ord(c) > 0x7E for c in value):
        return "contains a non-ASCII character (IOS keys are printable ASCII)"
    if any(c.isspace() for c in value):
        return "contains a space, tab or line break, which IOS cannot take"
    if any(ord(c) < 0x20 for c in value):
        return "contains a control character, which IOS cannot take"
    if "?" in value:
        return "contains '?', which IOS cannot take"
    if len(value) < PSK_MIN:
        return f"is shorter than {PSK_MIN} characters"
    if len(value) > PSK_MAX:
        return f"is longer than {PSK_MAX} characters (the IOS limit)"
    return None


@dataclass(frozen=True)
class Secret:
    """A secret value that never prints itself."""

    kind: str  # "psk"
    name: str  # pair key
    _value: str = field(repr=False)

    def __str__(self) -> str:
        return REDACTED

    def __repr__(self) -> str:
        return f"Secret({self.kind}/{self.name}, {REDACTED})"

    def reveal(self) -> str:
        return self._value

    @property
    def ref(self) -> str:
        return f"<secret:{self.kind}/{self.name}>"


def read_secrets_file(path: Path) -> tuple[dict[str, str], str]:
    """The keys of a secrets file and a digest of its bytes ("" when there is no file).

    Anything greios would lose by rewriting the file (another top-level key, a non-text
    value) or that IOS cannot take is refused with a located ``SecretFileError``; no
    message quotes a key value.
    """
    if not path.exists() and not path.is_symlink():
        return {}, ""
    doc = load_yaml(path, secret=True)
    if doc.problems:
        raise SecretFileError(doc.problems)
    data = doc.data
    shown = display_path(path)
    if not isinstance(data, dict):
        raise SecretFileError(f"{shown}:{doc.line_of(())}: expected 'psk:' with one key per "
                              "pair (refusing to touch this file)")
    problems: list[str] = []
    for key in data:
        if key != "psk":
            problems.append(f"{doc.where((key,))}: unknown key '{key}': a greios secrets file "
                            "holds only 'psk:' (refusing to touch this file)")
    psk = data.get("psk")
    if psk is None:
        psk = {}
    if not isinstance(psk, dict):
        raise SecretFileError([*problems, f"{doc.where(('psk',))}: expected a mapping "
                               "'<pair key>: <key>' (refusing to touch this file)"])
    out: dict[str, str] = {}
    for pair, value in psk.items():
        # the located message is made only for a problem (a path per key costs at 5,000 keys)
        if not PAIR_KEY_RE.match(pair):
            problems.append(f"{doc.where(('psk', pair))}: not a pair key (two router names "
                            "joined by '--')")
            continue
        if not isinstance(value, str):
            problems.append(f"{doc.where(('psk', pair))}: the pre-shared key must be text "
                            "(quote it)")
            continue
        bad = psk_problem(value)
        if bad:
            problems.append(f"{doc.where(('psk', pair))}: the pre-shared key of pair {pair} "
                            f"{bad}")
            continue
        out[pair] = value
    if problems:
        raise SecretFileError(problems)
    return out, doc.digest


class SecretStore:
    """PSKs of one inventory."""

    def __init__(self, path: Path, *, environ: dict[str, str] | None = None) -> None:
        self.path = path
        self.environ = dict(os.environ) if environ is None else environ
        self._file, self._origin = read_secrets_file(path)
        self.generated: list[str] = []

    def _env_value(self, pair: str) -> str | None:
        """The key of ``pair`` from its environment variable (None when unset)."""
        var = env_name(pair)
        if var not in self.environ:
            return None
        value = self.environ[var]
        bad = "is set but empty (unset it to use the secrets file)" if value == "" \
            else psk_problem(value)
        if bad:
            raise SecretError(f"environment variable {var}: the pre-shared key of pair {pair} "
                              f"{bad}")
        return value

    def psk(self, pair: str, *, create: bool = True) -> Secret:
        value = self._env_value(pair)
        if value is None:
            value = self._file.get(pair)
        if value is None:
            if not create:
                raise SecretError(
                    f"no pre-shared key for pair {pair}: set {env_name(pair)} or add it to "
                    f"{display_path(self.path)}"
                )
            value = generate_psk()
            self._file[pair] = value
            self.generated.append(pair)
        return Secret("psk", pair, value)

    def check(self, pairs: Iterable[str]) -> tuple[list[str], list[str]]:
        """(problems, warnings) of the environment for these pair keys: a ``GREIOS_PSK_*``
        variable IOS cannot take is a problem (naming the variable); one that matches no
        pair is a warning. The file itself was checked when it was read."""
        problems: list[str] = []
        names: set[str] = set()
        for pair in pairs:
            names.add(env_name(pair))
            try:
                self._env_value(pair)
            except SecretError as exc:
                problems.append(str(exc))
        warnings = [f"environment variable {var} matches no pair of the topology (ignored)"
                    for var in sorted(self.environ)
                    if var.startswith(ENV_PREFIX) and var not in names]
        return problems, warnings

    def resolve(self, ref_kind: str, name: str) -> str:
        if ref_kind != "psk":
            raise SecretError(f"unknown secret kind '{ref_kind}'")
        return self.psk(name, create=False).reveal()

    def save(self) -> bool:
        """Write generated keys; returns True when the file changed.

        Keys another greios run added meanwhile are kept; the previous file is backed up
        (``<state dir>/file-backups/``) before it is rewritten.
        """
        if not self.generated:
            return False
        on_disk, digest = read_secrets_file(self.path)
        if digest != self._origin:
            clash = [p for p in self.generated if p in on_disk and on_disk[p] != self._file[p]]
            if clash:
                raise SecretError(
                    f"{display_path(self.path)}: another greios run stored a key for pair "
                    f"{clash[0]} meanwhile; nothing was written: run the command again")
        merged = {**on_disk, **{p: self._file[p] for p in self.generated}}
        body = _FILE_HEADER + yaml.safe_dump({"psk": dict(sorted(merged.items()))},
                                             sort_keys=False)
        replace_file(self.path, body, mode=0o600)
        self._file = merged
        self._origin = read_secrets_file(self.path)[1]
        self.generated = []
        return True

    def known_values(self) -> list[str]:
        """Every PSK value this store knows (for redaction safety nets)."""
        vals = set(self._file.values())
        vals |= {v for k, v in self.environ.items() if k.startswith(ENV_PREFIX)}
        return sorted(vals)


def resolve_refs(text: str, store: SecretStore) -> str:
    """Replace ``<secret:psk/PAIR>`` references by the secret values (final push only)."""
    return REF_RE.sub(lambda m: store.resolve(m.group(1), m.group(2)), text)


def key_digest(value: str) -> str:
    """Digest of a PSK kept in the local applied-keys record (never the key itself)."""
    import hashlib

    return hashlib.sha256(("greios-psk-v1:" + value).encode()).hexdigest()


class AppliedKeys:
    """Which PSK version greios last pushed to each router, per pair.

    Routers that store keys encrypted (type 6) never show them again, so greios compares
    against this record to notice a rotated key: ``<state>/applied-keys.json`` (mode 0600),
    ``{router: {pair: digest}}``.
    """

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "applied-keys.json"

    def load(self) -> dict[str, dict[str, str]]:
        import json

        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def for_router(self, router: str) -> dict[str, str]:
        return dict(self.load().get(router, {}))

    def record(self, router: str, digests: dict[str, str]) -> None:
        import json

        data = self.load()
        data.setdefault(router, {}).update(digests)
        write_private(self.path, json.dumps(data, indent=2, sort_keys=True))
