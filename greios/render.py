"""Render router intent to configuration text with the Jinja2 templates in templates/
(``templates/<platform.templates>/router.j2``; IOS: ``templates/ios/``)."""

from __future__ import annotations

import functools
import os
import traceback
from pathlib import Path
from typing import Literal

import jinja2

from greios.errors import TemplateError
from greios.intent import RouterIntent
from greios.redact import REDACTED, comment_out_redacted
from greios.secrets import Secret

SecretMode = Literal["redact", "reveal", "ref"]


BUILTIN_TEMPLATES = "greios/templates"
"""Where the build puts the top-level ``templates/`` inside the installed package."""


def builtin_templates_dir() -> Path:
    """The templates that ship with greios.

    An installed wheel or sdist carries them as ``greios/templates/`` (setup.py copies the
    top-level ``templates/`` there at build time); a source checkout or editable install
    reads the top-level ``templates/`` itself.
    """
    here = Path(__file__).resolve().parent
    for cand in (here / "templates", here.parent / "templates"):
        if (cand / "ios" / "router.j2").is_file():
            return cand
    raise TemplateError(
        f"greios's own templates are missing (looked in {here / 'templates'} and "
        f"{here.parent / 'templates'}); reinstall greios"
    )


def template_search_path() -> tuple[Path, ...]:
    """User template directories from ``$GREIOS_TEMPLATES`` first, then the built-in ones.

    ``GREIOS_TEMPLATES`` holds one or more directories (separated by ``os.pathsep``) laid
    out like ``templates/`` (``ios/router.j2`` ...); a template found there overrides the
    built-in one of the same name, and every other template still comes from greios.
    """
    user: list[Path] = []
    for part in os.environ.get("GREIOS_TEMPLATES", "").split(os.pathsep):
        if not part:
            continue
        path = Path(part).expanduser()
        if not path.is_dir():
            raise TemplateError(f"GREIOS_TEMPLATES: {part} is not a directory")
        user.append(path)
    return (*user, builtin_templates_dir())


def templates_dir() -> Path:
    """The first template directory searched (kept for callers that show it)."""
    return template_search_path()[0]


@functools.lru_cache(maxsize=8)
def _cached_environment(mode: SecretMode, search: tuple[Path, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search]),
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


def _environment(mode: SecretMode) -> jinja2.Environment:
    """One compiled environment per secret mode and template path (templates compile once)."""
    return _cached_environment(mode, template_search_path())


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
    """Intended greios configuration of one router (``secrets`` decides how PSKs print),
    from its platform's templates: ``templates/<platform.templates>/router.j2``."""
    from greios.platforms import get

    platform = get(intent.router.model.platform)
    own = getattr(platform, "render_intent", None)
    if own is not None:  # a platform rendering without templates (VyOS set-commands)
        return str(own(intent, secrets=secrets))
    try:
        template = _environment(secrets).get_template(f"{platform.templates}/router.j2")
        text = tidy(template.render(intent=intent))
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{_template_location(exc)}: {exc.message or exc}") from None
    return comment_out_redacted(text) if secrets == "redact" else text


def _template_location(exc: jinja2.TemplateError) -> str:
    """``file:line`` of the template that failed (jinja2 puts template frames in tracebacks)."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if frames:
        return f"{frames[-1].filename}:{frames[-1].lineno}"
    return "templates/ios"
