"""The durations and sizes a user reads in the table and the details panel."""

from __future__ import annotations

import pytest

from docproc_gui.ui.formatting import format_seconds, format_size


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, ""),
        (0.0, "0 ms"),
        (0.0042, "4 ms"),
        (0.035, "35 ms"),
        (0.099, "99 ms"),
        (0.1, "0.1 s"),
        (0.44, "0.4 s"),
        (9.94, "9.9 s"),
        (12.4, "12 s"),
        (185, "3 min 05 s"),
        (7_800, "2 h 10 min"),
    ],
)
def test_durations_read_naturally_from_milliseconds_to_hours(
    seconds: float | None, shown: str
) -> None:
    assert format_seconds(seconds) == shown


@pytest.mark.parametrize(
    ("size", "shown"),
    [(None, ""), (0, "0 B"), (909, "909 B"), (1_130, "1.1 KB"), (5 * 1024**2, "5.0 MB")],
)
def test_sizes_use_binary_units(size: int | None, shown: str) -> None:
    assert format_size(size) == shown
