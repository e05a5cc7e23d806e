"""ETA from measured durations per file type and size."""

from __future__ import annotations

from docproc_gui.engine.eta import EtaEstimator


def test_no_estimate_before_anything_finished() -> None:
    assert EtaEstimator().remaining("pdf", 1000, 0.5, 1.0) is None


def test_estimates_follow_type_and_size() -> None:
    eta = EtaEstimator()
    for _ in range(20):
        eta.learn("pdf", 1_000_000, 4.0)
        eta.learn("txt", 1_000, 0.1)
    assert abs(eta.expected_duration("pdf", 1_000_000) - 4.0) < 0.01
    assert abs(eta.expected_duration("pdf", 2_000_000) - 8.0) < 0.01  # twice the size
    assert abs(eta.expected_duration("txt", 1_000) - 0.1) < 0.01
    # An unknown type borrows the overall average rather than a constant.
    assert 0.1 < eta.expected_duration("epub", None) < 4.0


def test_remaining_counts_down_with_progress_and_time() -> None:
    eta = EtaEstimator()
    eta.learn("pdf", 100, 10.0)
    assert eta.remaining("pdf", 100, 0.0, 0.0) == 10.0
    assert eta.remaining("pdf", 100, 0.5, 2.0) == 8.0  # the time not yet spent is longer
    assert eta.remaining("pdf", 100, 0.5, 6.0) == 5.0  # the work left is longer
    assert abs(eta.remaining("pdf", 100, 0.9, 30.0) - 1.0) < 1e-9  # overdue, yet not zero
