"""Render router intent to IOS configuration text with the Jinja2 templates in templates/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import jinja2

from greios.errors import TemplateError
from greios.intent import RouterIntent
from greios.secrets import REDACTED, Secret

SecretMode = Literal["redact", "reveal", "ref"]


def templates_dir() -> Path:
    """``$GREIOS_TEMPLATES``, else the project's ``templates/`` next to the package."""
    env = os.environ.get("GREIOS_TEMPLATES")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "templates", here / "templates"):
        if (cand / "ios" / "router.j2").is_file():
            return cand
    raise TemplateError("templates/ios/router.j2 not found (set GREIOS_TEMPLATES)")


def _environment(mode: SecretMode) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - renders IOS config text, not HTML
    )

    def secret(value: object) -> str:
        if not isinstance(value, Secret):
            raise TemplateError("the secret filter only takes Secret values")
        if mode == "reveal":
            return value.reveal()
        if mode == "ref":
            return value.ref
        return REDACTED

    env.filters["secret"] = secret
    return env


def tidy(text: str) -> str:
    """Drop blank lines and repeated ``!`` separators; end with one newline."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            continue
        if line == "!" and out and out[-1] == "!":
            continue
        out.append(line)
    while out and out[-1] == "!":
        out.pop()
    return "\n".join(out) + "\n"


def render_router(intent: RouterIntent, *, secrets: SecretMode = "redact") -> str:
    """Intended greios configuration of one router (``secrets`` decides how PSKs print)."""
    try:
        template = _environment(secrets).get_template("ios/router.j2")
        return tidy(template.render(intent=intent))
    except jinja2.TemplateError as exc:
        where = f"{exc.filename}:{exc.lineno}" if isinstance(
            exc, jinja2.TemplateSyntaxError) else "templates/ios"
        raise TemplateError(f"{where}: {exc.message or exc}") from None
