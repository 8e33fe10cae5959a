"""The inventory's file names (a leaf module: naming them loads nothing else)."""

from __future__ import annotations

PROJECT_FILE = "greios.yaml"
LOCK_FILE = "greios.lock"
SECRETS_FILE = ".greios-secrets.yaml"
