"""Find and read the configuration file, without validating all of it (no pydantic).

:mod:`remediate.config` validates the whole file into typed settings; that import alone costs
a third of a second, as long as sanitizing a megabyte. ``remediate sanitize`` needs only the
``sanitizer`` section, so it reads that here, with the same lookup order and the same checks
(a mapping with ``allow`` and ``internal_domains``, each a list of strings, nothing else).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from remediate.errors import ConfigError

SANITIZER_DEFAULTS: dict[str, list[str]] = {
    "allow": [],
    "internal_domains": ["internal", "local", "lan", "corp", "example.com"],
}


def find(path: Path | str | None, env: Mapping[str, str] | None = None) -> Path | None:
    """An explicit path, ``$REMEDIATE_CONFIG``, then ``./remediate.yaml``; None without one."""
    env = os.environ if env is None else env
    if path:
        return Path(path)
    if env.get("REMEDIATE_CONFIG"):
        return Path(env["REMEDIATE_CONFIG"])
    if Path("remediate.yaml").is_file():
        return Path("remediate.yaml")
    return None


def read(file: Path) -> dict[str, object]:
    """The file's top-level mapping."""
    import yaml

    try:
        loaded = yaml.safe_load(file.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read configuration {file}: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"configuration {file} must be a mapping")
    return loaded


def sanitizer_options(path: Path | str | None = None) -> dict[str, list[str]]:
    """The ``sanitizer`` section (defaults filled in), checked as the full settings check it."""
    file = find(path)
    options = {key: list(value) for key, value in SANITIZER_DEFAULTS.items()}
    if file is None:
        return options
    section = read(file).get("sanitizer")
    if section is None:
        return options
    if not isinstance(section, dict):
        raise ConfigError("invalid configuration: sanitizer must be a mapping")
    for key, value in section.items():
        if key not in options:
            raise ConfigError(f"invalid configuration: sanitizer.{key} is not a setting")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"invalid configuration: sanitizer.{key} must be a list of strings")
        options[key] = value
    return options
