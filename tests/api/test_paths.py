"""AllowedFolders.check_file: the kernel's resolution and realpath's give the same answers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docproc_gui.api import paths
from docproc_gui.api.errors import ApiError
from docproc_gui.api.paths import AllowedFolders


@pytest.fixture(params=["kernel", "realpath"])
def allowed(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    if request.param == "realpath":  # as on a system without O_PATH or /proc
        monkeypatch.setattr(paths, "_resolve_existing", lambda raw: None)
    (tmp_path / "allowed" / "sub").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "allowed" / "sub" / "doc.txt").write_text("twelve bytes")
    (tmp_path / "outside" / "secret.txt").write_text("secret")
    (tmp_path / "allowed" / "to-secret.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    (tmp_path / "allowed" / "to-doc.txt").symlink_to(tmp_path / "allowed" / "sub" / "doc.txt")
    (tmp_path / "allowed" / "linked-dir").symlink_to(tmp_path / "allowed" / "sub")
    (tmp_path / "outside" / "into-allowed").symlink_to(tmp_path / "allowed" / "sub")
    return AllowedFolders([tmp_path / "allowed"], include_home=False)


def error(allowed: AllowedFolders, raw: str) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        allowed.check_file(raw, "file_path")
    return caught.value.status, caught.value.code


def test_a_file_resolves_to_its_real_path_and_size(allowed: AllowedFolders, tmp_path: Path):
    real = str((tmp_path / "allowed" / "sub" / "doc.txt").resolve())
    for raw in ("allowed/sub/doc.txt", "allowed/to-doc.txt", "allowed/linked-dir/doc.txt",
                "allowed/sub/../sub/doc.txt", "outside/into-allowed/doc.txt"):
        assert allowed.check_file(str(tmp_path / raw), "file_path") == (real, 12), raw


def test_links_and_dots_out_of_the_allowed_folder_are_refused(
    allowed: AllowedFolders, tmp_path: Path
):
    for raw in ("allowed/to-secret.txt", "allowed/../outside/secret.txt", "outside/secret.txt",
                "outside/missing.txt"):
        assert error(allowed, str(tmp_path / raw)) == (403, "path_not_allowed"), raw


def test_missing_folders_and_relative_paths_are_422(allowed: AllowedFolders, tmp_path: Path):
    assert error(allowed, str(tmp_path / "allowed" / "absent.pdf")) == (422, "file_not_found")
    assert error(allowed, str(tmp_path / "allowed" / "sub")) == (422, "unsupported")
    assert error(allowed, "allowed/sub/doc.txt") == (422, "invalid_path")
    assert error(allowed, str(tmp_path / "allowed" / "nul\x00.txt"))[0] == 422


def test_a_fifo_is_looked_at_without_blocking(allowed: AllowedFolders, tmp_path: Path):
    fifo = tmp_path / "allowed" / "pipe"
    os.mkfifo(fifo)
    real, size = allowed.check_file(str(fifo), "file_path")  # would hang if opened to read
    assert (real, size) == (str(fifo.resolve()), 0)
