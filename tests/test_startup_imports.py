"""Start-up cost: opening an existing data folder does not import SQLAlchemy's ORM or
Alembic (together about 0.3 s of a start on this machine); only creating or upgrading a
database does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OPEN_AND_REPORT = """
import sys
from pathlib import Path
from docproc_gui.config import Settings
from docproc_gui.engine import create_background_processor
processor = create_background_processor(Settings(data_dir=Path(sys.argv[1])))
processor.queue_status()
processor.shutdown(wait=False)
print(sorted(name for name in ("sqlalchemy.orm", "alembic") if name in sys.modules))
"""


def run(data_dir: Path) -> str:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DOCPROC_CONFIG": os.devnull}
    done = subprocess.run(
        [sys.executable, "-c", OPEN_AND_REPORT, str(data_dir)],
        capture_output=True, text=True, timeout=120, env=env, check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_opening_an_existing_data_folder_skips_the_orm_and_migrations(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert run(data_dir) == "['alembic', 'sqlalchemy.orm']"  # the first start creates it
    assert run(data_dir) == "[]"
