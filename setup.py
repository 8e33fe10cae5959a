"""Build hook: ship the top-level ``templates/`` inside the package as ``greios/templates/``.

``templates/`` stays the single source of truth in the repository; wheels (and wheels built
from the sdist, which carries ``templates/`` through MANIFEST.in) get a copy inside the
package so an installed greios finds its templates without any environment variable.
Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithTemplates(build_py):
    """``build_py`` that also copies ``templates/**/*.j2`` into ``<build>/greios/templates``."""

    def run(self) -> None:
        super().run()
        source = HERE / "templates"
        if not source.is_dir():
            raise RuntimeError(f"{source} is missing: cannot build greios without its templates")
        target = Path(self.build_lib) / "greios" / "templates"
        if target.exists():
            shutil.rmtree(target)
        for template in sorted(source.rglob("*.j2")):
            dest = target / template.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, dest)


setup(cmdclass={"build_py": BuildPyWithTemplates})
