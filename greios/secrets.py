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
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from greios.errors import SecretError
from greios.files import write_private
from greios.inventory.yamlsrc import display_path

PSK_LENGTH = 40
REDACTED = "<redacted>"
_ALPHABET = string.ascii_letters + string.digits
REF_RE = re.compile(r"<secret:([a-z]+)/([A-Za-z0-9_.-]+(?:--[A-Za-z0-9_.-]+)?)>")


def env_name(pair: str) -> str:
    """Environment variable that overrides the PSK of ``pair``.

    >>> env_name("hongkong-rtr1--tokyo-rtr1")
    'GREIOS_PSK_HONGKONG_RTR1__TOKYO_RTR1'
    """
    return "GREIOS_PSK_" + re.sub(r"[^A-Za-z0-9]", "_", pair).upper()


def generate_psk(length: int = PSK_LENGTH) -> str:
    return "".join(_random.choice(_ALPHABET) for _ in range(length))


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


class SecretStore:
    """PSKs of one inventory."""

    def __init__(self, path: Path, *, environ: dict[str, str] | None = None) -> None:
        self.path = path
        self.environ = dict(os.environ) if environ is None else environ
        self._file: dict[str, str] = self._read()
        self.generated: list[str] = []

    def _read(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            # never echo file content: it holds secrets
            raise SecretError(f"{display_path(self.path)}: unreadable secrets file "
                              f"({type(exc).__name__})") from None
        psk = data.get("psk", {}) if isinstance(data, dict) else None
        if not isinstance(psk, dict):
            raise SecretError(f"{display_path(self.path)}: expected a 'psk:' mapping")
        return {str(k): str(v) for k, v in psk.items()}

    def psk(self, pair: str, *, create: bool = True) -> Secret:
        value = self.environ.get(env_name(pair)) or self._file.get(pair)
        if value is None:
            if not create:
                raise SecretError(
                    f"no pre-shared key for pair {pair}: set {env_name(pair)} or add it to "
                    f"{display_path(self.path)}"
                )
            value = generate_psk()
            self._file[pair] = value
            self.generated.append(pair)
        if len(value) < 32:
            raise SecretError(f"pre-shared key of pair {pair} is shorter than 32 characters")
        if any(c.isspace() for c in value) or "?" in value:
            raise SecretError(f"pre-shared key of pair {pair} contains spaces or '?', which "
                              "IOS cannot take")
        return Secret("psk", pair, value)

    def resolve(self, ref_kind: str, name: str) -> str:
        if ref_kind != "psk":
            raise SecretError(f"unknown secret kind '{ref_kind}'")
        return self.psk(name, create=False).reveal()

    def save(self) -> bool:
        """Write generated keys; returns True when the file changed."""
        if not self.generated:
            return False
        body = "# greios pre-shared keys, one per pair. NEVER commit this file.\n" + \
            yaml.safe_dump({"psk": dict(sorted(self._file.items()))}, sort_keys=False)
        write_private(self.path, body)
        self.generated = []
        return True

    def known_values(self) -> list[str]:
        """Every PSK value this store knows (for redaction safety nets)."""
        vals = set(self._file.values())
        vals |= {v for k, v in self.environ.items() if k.startswith("GREIOS_PSK_")}
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
