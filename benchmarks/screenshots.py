"""Screenshots of every tab with a demo data set (for the README and for looking at).

    xvfb-run -s "-screen 0 1400x900x24" python benchmarks/screenshots.py [--out /tmp/shots]

Builds a temporary data folder, processes a few generated documents with the real
document pipeline (so search, quality and statistics have content), adds some history
and a queue held by a paused engine, then grabs the Jobs, Statistics and Knowledge tabs,
the details panel and the settings dialog as PNGs.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code

os.environ.setdefault("DOCPROC_CONFIG", os.devnull)

TOPICS = {
    "invoice": "Invoice number {n}. Amount due: {a} EUR. Payment within 30 days to account "
               "DE89 3704. VAT included. Thank you for your order of office supplies.",
    "letter": "Dear Ms Novak, thank you for your letter of {n} March about the heron colony "
              "near the river. We will visit the nesting site next week. Kind regards.",
    "manual": "Installation manual, chapter {n}. Connect the pump to the inlet valve, tighten "
              "the anchorages and check the pressure gauge before starting the motor.",
    "report": "Quarterly report {n}: revenue grew by {a} percent; the suspension bridge "
              "project finished its inspection of cables and anchorages on schedule.",
}


def make_documents(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(4)
    paths = []
    for n in range(count):
        topic = list(TOPICS)[n % len(TOPICS)]
        text = TOPICS[topic].format(n=n + 1, a=rng.randint(5, 900))
        if n % 3 == 0:
            path = folder / f"{topic}-{n + 1:03d}.html"
            path.write_text(f"<html><head><title>{topic.title()} {n + 1}</title></head><body>"
                            f"<p>{text * 6}</p></body></html>", encoding="utf-8")
        else:
            path = folder / f"{topic}-{n + 1:03d}.txt"
            path.write_text((text + "\n") * 8, encoding="utf-8")
        paths.append(path)
    (folder / "broken-scan.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    paths.append(folder / "broken-scan.pdf")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/shots"))
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from docproc_gui.app import build_window
    from docproc_gui.config import Settings
    from docproc_gui.engine import create_background_processor
    from docproc_gui.ui.theme import apply_theme

    apply_theme(app, dark=args.dark)
    tmp = Path(tempfile.mkdtemp(prefix="docproc-shots-"))
    settings = Settings(data_dir=tmp / "data", max_workers=2, durable_commits=False,
                        sandbox_processes=1)
    processor = create_background_processor(settings)
    window = build_window(processor, settings, config_path=tmp / "config.toml",
                          tray_available=False)
    window.resize(1380, 860)
    window.show()
    window.start()

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    documents = make_documents(tmp / "Documents", 36)
    window.add_paths([str(tmp / "Documents")])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        counts = processor.store.counts()
        if counts["COMPLETED"] + counts["FAILED"] >= len(documents):
            break
        pump(0.2)
    # A queue waiting behind a paused engine, with a few documents of high priority.
    processor.pause()
    waiting = make_documents(tmp / "Inbox", 24)
    window.controls.priority_selector.setCurrentIndex(1)
    window.add_paths([str(p) for p in waiting[:4]])
    pump(1.0)
    window.controls.priority_selector.setCurrentIndex(2)
    window.add_paths([str(p) for p in waiting[4:]])
    pump(2.5)

    window.tabs.setCurrentIndex(0)
    completed = next(j for j in processor.store.list_jobs(["COMPLETED"], limit=50)
                     if j.file_path.endswith(".html"))
    window.table.select_job(completed.job_id)
    window.details.setCurrentWidget(window.details.quality)
    pump(1.5)
    suffix = "-dark" if args.dark else ""
    window.grab().save(str(args.out / f"jobs{suffix}.png"))
    window.details.setCurrentWidget(window.details.steps)
    pump(0.5)
    window.details.grab().save(str(args.out / f"details-steps{suffix}.png"))

    window.tabs.setCurrentWidget(window.statistics)
    pump(7.0)
    window.grab().save(str(args.out / f"statistics{suffix}.png"))

    window.tabs.setCurrentWidget(window.knowledge)
    window.knowledge.search_box.setText("anchorages")
    pump(1.5)
    if window.knowledge.hits:
        window.knowledge.open_document(window.knowledge.hits[0].document_id)
    pump(1.0)
    window.grab().save(str(args.out / f"knowledge{suffix}.png"))

    dialog = window.open_settings()
    pump(0.5)
    dialog.grab().save(str(args.out / f"settings{suffix}.png"))
    dialog.reject()

    window._quitting = True
    window.shut_down_views()
    processor.shutdown(wait=False)
    print("\n".join(str(p) for p in sorted(args.out.glob("*.png"))))


if __name__ == "__main__":
    main()
