"""When the window moves its long-lived objects out of the garbage collector's sight.

Why: the job table keeps one :class:`~docproc_gui.ui.job_records.JobRecord` per job,
110,000 of them with a full history paged in. CPython's full (generation 2) collection
walks every tracked object; with that many records it took 130-230 ms, and it holds the
GIL whichever thread triggers it (usually a busy worker allocating events), so the GUI
thread froze for as long. Records live until the job leaves the table and hold no
reference cycles (they are freed by reference counting), so the collector gains nothing
by walking them again and again.

Policy (explicit and small):

- after start-up, ``app.main`` runs ``gc.collect(); gc.freeze()`` once (modules, Qt
  wrappers, settings), like ``docproc serve``;
- the model calls :meth:`GcPolicy.added` with the number of records a history page or a
  flush of new jobs brought in; once :data:`FREEZE_EVERY` records have come in since the
  last freeze, :meth:`GcPolicy.freeze` runs ``gc.collect(1)`` (the young generations:
  about a millisecond, so short-lived garbage is not frozen with them) and
  ``gc.freeze()`` (constant time: it splices the generation lists into the permanent one).

Cost: cyclic garbage that had already reached generation 2 when a freeze happens is never
collected. The window creates little of it (Qt wrappers, a few closures); measured with
the full history paged in, full collections fell from 130-230 ms to under 70 ms.
"""

from __future__ import annotations

import gc

FREEZE_EVERY = 2000  # records; one history page


class GcPolicy:
    """Counts long-lived objects added since the last freeze; freezes in batches."""

    def __init__(self, every: int = FREEZE_EVERY, *, enabled: bool = True) -> None:
        self.every = every
        self.enabled = enabled
        self.pending = 0
        self.freezes = 0

    def added(self, count: int) -> None:
        """``count`` objects that will live long (job records) were just created."""
        if not self.enabled or count <= 0:
            return
        self.pending += count
        if self.pending >= self.every:
            self.freeze()

    def freeze(self) -> None:
        self.pending = 0
        self.freezes += 1
        gc.collect(1)
        gc.freeze()
