"""Settings: defaults < TOML file in the user config folder < environment < command-line flags.

Every setting is a field of :class:`Settings`. The TOML file uses the field names as keys;
the environment uses ``DOCPROC_<NAME>`` (and, for the three names of the original design,
the plain ``MAX_WORKERS``, ``MAX_QUEUE_SIZE`` and ``JOB_TIMEOUT``). Flags are passed to
:func:`load_settings` as a mapping of field names to values.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

APP_NAME = "docproc"
CONFIG_FILE_NAME = "config.toml"
PLAIN_ENV_NAMES = ("max_workers", "max_queue_size", "job_timeout")


def default_data_dir() -> Path:
    return Path(os.environ.get("DOCPROC_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def default_config_path() -> Path:
    explicit = os.environ.get("DOCPROC_CONFIG")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE_NAME


def _cpu_count() -> int:
    return max(1, os.cpu_count() or 1)


def _default_workers() -> int:
    # Two worker threads per core: while one waits for its sandboxed extraction, the
    # other integrates a finished document (measured: 1,060 -> 1,460-2,400 docs/min).
    return 2 * _cpu_count()


@dataclass(slots=True)
class Settings:
    """All tunables of DocProc in one place. Durations are seconds, sizes MB."""

    data_dir: Path = field(default_factory=default_data_dir)

    # Engine
    max_workers: int = field(default_factory=_default_workers)
    min_workers: int = 1
    max_queue_size: int = 100_000
    job_timeout: float = 300.0
    max_retries: int = 3
    retry_backoff_base: float = 2.0
    retry_backoff_max: float = 300.0
    sandbox_processes: int = field(default_factory=_cpu_count)
    memory_limit_mb: int = 2048
    throughput_limit_per_min: float = 0.0  # 0 = unlimited
    durable_commits: bool = True  # fsync the WAL at every group commit

    # Effective priority (see docproc_gui.store.priority for the formula)
    aging_seconds_per_level: float = 300.0
    failure_penalty_seconds: float = 60.0
    retry_boost_seconds: float = 120.0
    size_penalty_seconds_per_mb: float = 0.5
    size_penalty_max_seconds: float = 600.0
    type_preferences: dict[str, float] = field(default_factory=dict)  # type -> seconds earlier

    # Health thresholds
    health_window_minutes: float = 60.0
    failure_rate_warning: float = 0.10
    failure_rate_critical: float = 0.25
    oldest_queued_warning_seconds: float = 3600.0
    oldest_queued_critical_seconds: float = 6 * 3600.0
    disk_free_warning_mb: float = 1024.0
    disk_free_critical_mb: float = 200.0
    queue_nearly_full_ratio: float = 0.9

    # History
    history_retention_days: float = 90.0

    # Pipeline
    max_file_size_mb: float = 512.0
    max_text_chars: int = 20_000_000
    quality_threshold: float = 0.5
    ocr: bool = True  # use tesseract for scans and images when it is installed
    ocr_languages: str = "eng"  # tesseract language codes, e.g. "eng+deu"
    category_rules: dict[str, list[str]] = field(default_factory=dict)  # category -> words

    # REST API
    api_enabled: bool = False
    api_host: str = "127.0.0.1"
    api_port: int = 8765
    api_allowed_paths: list[str] = field(default_factory=list)
    api_max_upload_mb: float = 512.0
    api_rate_limit_per_min: float = 0.0  # 0 = unlimited

    # Desktop
    notifications: bool = True
    close_to_tray: bool = False

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "docproc.sqlite3"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


_FIELD_TYPES: dict[str, Any] = typing.get_type_hints(Settings)
FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Settings))


class SettingsError(ValueError):
    """A setting has a value of the wrong kind; names the setting and the source."""


def coerce(name: str, value: Any, source: str) -> Any:
    """Convert a raw value (string from the environment, TOML value, flag) to the field's type."""
    kind = _FIELD_TYPES[name]
    origin = typing.get_origin(kind)
    try:
        if kind is Path:
            return Path(os.path.expanduser(str(value)))
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(value)
        if kind is int:
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if kind is float:
            return float(value)
        if kind is str:
            return str(value)
        if origin in (list, dict):
            if isinstance(value, str):
                value = json.loads(value) if value.strip()[:1] in "[{" else value.split(os.pathsep)
            expected = list if origin is list else dict
            if not isinstance(value, expected):
                raise ValueError(value)
            return value
        if isinstance(kind, types.UnionType):  # pragma: no cover - no such field today
            return value
    except (TypeError, ValueError, json.JSONDecodeError):
        raise SettingsError(f"setting {name!r} from {source}: cannot use {value!r}") from None
    raise SettingsError(f"setting {name!r} has an unsupported type")  # pragma: no cover


def read_config_file(path: Path) -> dict[str, Any]:
    """The settings a TOML file sets; an absent file sets nothing."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"config file {path} is not valid TOML: {error}") from None
    unknown = sorted(set(raw) - set(FIELD_NAMES))
    if unknown:
        raise SettingsError(f"config file {path}: unknown settings {', '.join(unknown)}")
    return {name: coerce(name, value, str(path)) for name, value in raw.items()}


def read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings from ``DOCPROC_<NAME>`` variables (and the three plain legacy names)."""
    values: dict[str, Any] = {}
    for name in PLAIN_ENV_NAMES:
        plain = environ.get(name.upper())
        if plain:
            values[name] = coerce(name, plain, f"${name.upper()}")
    for name in FIELD_NAMES:
        variable = f"DOCPROC_{name.upper()}"
        if environ.get(variable):
            values[name] = coerce(name, environ[variable], f"${variable}")
    return values


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the four layers; flags whose value is None are ignored."""
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    merged.update(read_config_file(config_path or default_config_path()))
    merged.update(read_environment(environ))
    for name, value in (flags or {}).items():
        if value is not None:
            merged[name] = coerce(name, value, f"--{name.replace('_', '-')}")
    settings = Settings(**merged)
    if settings.min_workers < 1 or settings.max_workers < settings.min_workers:
        raise SettingsError("need 1 <= min_workers <= max_workers")
    if settings.max_queue_size < 1:
        raise SettingsError("max_queue_size must be at least 1")
    if settings.job_timeout <= 0:
        raise SettingsError("job_timeout must be positive")
    return settings


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings that differ from the defaults to the TOML file (atomically)."""
    path = path or default_config_path()
    defaults = Settings()
    changed: dict[str, Any] = {}
    for name in FIELD_NAMES:
        value = getattr(settings, name)
        if value != getattr(defaults, name):
            changed[name] = str(value) if isinstance(value, Path) else value
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".toml.tmp")
    temporary.write_text(tomli_w.dumps(changed), encoding="utf-8")
    os.replace(temporary, path)
    return path
