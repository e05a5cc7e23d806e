"""Settings: defaults < TOML file < environment < flags, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from docproc_gui.config import Settings, SettingsError, load_settings, save_settings


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("max_workers = 3\nmax_queue_size = 50\njob_timeout = 60\n")
    environ = {"DOCPROC_MAX_QUEUE_SIZE": "70", "JOB_TIMEOUT": "90"}
    settings = load_settings({"job_timeout": 120}, config_path=config, environ=environ)
    assert settings.max_workers == 3  # file
    assert settings.max_queue_size == 70  # environment beats file
    assert settings.job_timeout == 120.0  # flag beats environment
    assert load_settings(config_path=tmp_path / "absent.toml", environ={}).max_queue_size == (
        Settings().max_queue_size
    )


def test_plain_and_prefixed_environment_names(tmp_path: Path) -> None:
    absent = tmp_path / "none.toml"
    plain = load_settings(
        config_path=absent, environ={"MAX_WORKERS": "5", "MAX_QUEUE_SIZE": "9", "JOB_TIMEOUT": "7"}
    )
    assert (plain.max_workers, plain.max_queue_size, plain.job_timeout) == (5, 9, 7.0)
    both = load_settings(
        config_path=absent, environ={"MAX_WORKERS": "5", "DOCPROC_MAX_WORKERS": "6"}
    )
    assert both.max_workers == 6


def test_data_dir_flag_moves_the_database(tmp_path: Path) -> None:
    settings = load_settings(
        {"data_dir": str(tmp_path / "elsewhere")}, config_path=tmp_path / "x", environ={}
    )
    assert settings.database_path == tmp_path / "elsewhere" / "docproc.sqlite3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_workers = 'many'", "max_workers"),
        ("no_such_setting = 1", "unknown settings no_such_setting"),
        ("max_workers = [", "not valid TOML"),
        ("max_queue_size = 0", "max_queue_size must be at least 1"),
    ],
)
def test_bad_config_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(SettingsError, match=message):
        load_settings(config_path=config, environ={})


def test_saved_settings_read_back(tmp_path: Path) -> None:
    config = tmp_path / "sub" / "config.toml"
    original = Settings(
        data_dir=tmp_path / "d",
        max_workers=7,
        api_allowed_paths=["/srv/in"],
        type_preferences={"pdf": 30.0},
        notifications=False,
    )
    save_settings(original, config)
    loaded = load_settings(config_path=config, environ={})
    assert loaded.max_workers == 7
    assert loaded.api_allowed_paths == ["/srv/in"]
    assert loaded.type_preferences == {"pdf": 30.0}
    assert loaded.notifications is False
    assert loaded.data_dir == tmp_path / "d"
