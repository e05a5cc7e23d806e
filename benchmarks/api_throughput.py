"""Submit throughput of the local API: N submits, one request each, C connections at once.

The server runs as in the app: engine + ApiServer on a qasync loop in the main thread,
workers processing the jobs (a no-op in-process pipeline by default, so the queue moves
while we submit). The load comes from a separate process: an aiohttp client by default,
or ApacheBench (``--client ab``, apt package apache2-utils), which costs the two cores a
tenth of the CPU and so leaves more of them to the server. Prints one JSON object:

    submits_per_s, latency_p50_ms, latency_p99_ms, latency_max_ms, errors,
    loop_stall_p50_ms, loop_stall_p99_ms, loop_stall_max_ms (a 5 ms timer's lateness on
    the server's loop during the run), completed_during_run, drain_s,
    engine_submit_ms (submit_job called directly, one thread: the engine's own cost),
    gc_max_ms (longest garbage collection during the run), server_cpu_s, client_cpu_s,
    server_cpu_ms_per_request (all the server's threads: with one interpreter lock the
    server runs at about one core, so submits_per_s is close to 1000 / this figure),
    context_switches_per_request (the server's, voluntary and involuntary),
    thread_cpu_s (the server's CPU seconds by thread)

Usage: python benchmarks/api_throughput.py [--requests 5000] [--concurrency 8]
       [--pipeline noop|real] [--durable/--no-durable] [--paused] [--trivial]
       [--no-gc-freeze] [--plain-qasync] [--client python|ab] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code

FILES = 200


def note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# ------------------------------------------------------------------ the load (child process)


async def load(url: str, token: str, docs: Path, requests: int, concurrency: int,
               endpoint: str) -> dict:
    import aiohttp

    paths = sorted(str(path) for path in docs.iterdir())
    latencies: list[float] = []
    errors: dict[str, int] = {}
    next_index = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(url, connector=connector, headers=headers) as session:
        async def worker() -> None:
            nonlocal next_index
            while next_index < requests:
                index = next_index
                next_index += 1
                body = {"file_path": paths[index % len(paths)], "priority": index % 5}
                started = time.perf_counter()
                async with session.post(endpoint, json=body) as response:
                    await response.read()
                    status = response.status
                latencies.append(time.perf_counter() - started)
                if status not in (200, 202):
                    errors[str(status)] = errors.get(str(status), 0) + 1

        # One warm-up request (connection set-up, first-use costs) outside the timing.
        async with session.get("/api/background/queue/status") as response:
            await response.read()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "client": "python",
        "requests": requests,
        "concurrency": concurrency,
        "elapsed_s": round(elapsed, 3),
        "submits_per_s": round(requests / elapsed, 1),
        "latency_p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "latency_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "latency_max_ms": round(max(latencies) * 1000, 2),
        "errors": errors,
    }


# ------------------------------------------------------------------ the server (this process)


def thread_cpu() -> dict[str, float]:
    """CPU seconds of every thread of this process, by name (Python's name when the thread
    is a Python thread, the kernel's otherwise: Qt names its pooled threads)."""
    import threading

    names = {thread.native_id: thread.name for thread in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            comm = (task / "comm").read_text().strip()
        except OSError:
            continue  # the thread ended meanwhile
        name = re.sub(r"[_-]?\d+$", "", names.get(int(task.name), comm))
        totals[name] = totals.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return totals


def noop_pipeline() -> Any:
    from docproc_gui.domain import Pipeline, PipelineStep, ProcessingStatus

    return Pipeline("noop", (PipelineStep("work", ProcessingStatus.EXTRACTING,
                                          run=lambda context: {}),))


async def watch_stalls(stalls: list[float], stop: asyncio.Event) -> None:
    """A 5 ms timer on the loop; how late it fires is how long the loop was busy."""
    while not stop.is_set():
        planned = time.perf_counter() + 0.005
        await asyncio.sleep(0.005)
        stalls.append(max(0.0, time.perf_counter() - planned))


def engine_submit_cost(pipeline_name: str, durable: bool, samples: int = 2000) -> float:
    """Milliseconds per ``submit_job`` called directly on one thread (no HTTP)."""
    from docproc_gui.config import Settings
    from docproc_gui.engine import create_background_processor

    with tempfile.TemporaryDirectory() as folder:
        document = Path(folder) / "doc.txt"
        document.write_text("x")
        settings = Settings(data_dir=Path(folder) / "data", durable_commits=durable)
        processor = create_background_processor(
            settings, pipeline=noop_pipeline() if pipeline_name == "noop" else None, start=False
        )
        try:
            processor.pause()
            started = time.perf_counter()
            for _ in range(samples):
                processor.submit_job(document)
            return (time.perf_counter() - started) / samples * 1000
        finally:
            processor.shutdown(wait=False)


async def run_ab(url: str, token: str, docs: Path, args: argparse.Namespace) -> bytes:
    """The same load from ApacheBench (C, keep-alive): a client that costs the machine
    far less CPU than the Python one, so more of the two cores serve. ab posts one body,
    so every request submits the same file (allowed: no dedupe asked)."""
    body = docs.parent / "body.json"
    body.write_text(json.dumps({"file_path": str(next(docs.iterdir())), "priority": "HIGH"}))
    started = time.perf_counter()
    child = await asyncio.create_subprocess_exec(
        "ab", "-q", "-k", "-n", str(args.requests), "-c", str(args.concurrency),
        "-p", str(body), "-T", "application/json", "-H", f"Authorization: Bearer {token}",
        url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    text = (await child.communicate())[0].decode()
    elapsed = time.perf_counter() - started

    def number(pattern: str) -> float:
        match = re.search(pattern, text, re.MULTILINE)
        return float(match.group(1)) if match else float("nan")

    failed = number(r"^Non-2xx responses:\s+(\d+)")
    return json.dumps({
        "client": "ab",
        "requests": args.requests,
        "concurrency": args.concurrency,
        "elapsed_s": round(elapsed, 3),
        "submits_per_s": number(r"^Requests per second:\s+([\d.]+)"),
        "latency_p50_ms": number(r"^\s+50%\s+(\d+)"),
        "latency_p99_ms": number(r"^\s+99%\s+(\d+)"),
        "latency_max_ms": number(r"^\s+100%\s+(\d+)"),
        "errors": {} if failed != failed else {"non_2xx": int(failed)},
    }).encode()


def TrivialApiServer(base: Any) -> Any:
    """The ApiServer plus ``POST /bench/noop`` (same middlewares, no engine): the
    ceiling of aiohttp on this loop, for comparison with real submits."""
    from aiohttp import web

    async def noop(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"ok": True}, status=202)

    class Trivial(base):  # type: ignore[misc, valid-type]
        def build_app(self, loop: Any) -> Any:
            app = super().build_app(loop)
            app.router.add_post("/bench/noop", noop)
            return app

    return Trivial


def serve_and_measure(args: argparse.Namespace) -> dict[str, Any]:
    import qasync
    from PySide6.QtCore import QCoreApplication

    from docproc_gui.api.auth import AuthFailureLimiter
    from docproc_gui.api.server import ApiServer
    from docproc_gui.config import Settings
    from docproc_gui.engine import create_background_processor
    from docproc_gui.event_loop import BatchingQEventLoop

    app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    loop = qasync.QEventLoop(app) if args.plain_qasync else BatchingQEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        docs = root / "docs"
        docs.mkdir()
        for index in range(FILES):
            (docs / f"doc{index:04d}.txt").write_text(f"document {index}\n" * 20)
        settings = Settings(data_dir=root / "data", api_port=0, durable_commits=args.durable,
                            max_queue_size=max(100_000, args.requests * 2))
        pipeline = noop_pipeline() if args.pipeline == "noop" else None
        processor = create_background_processor(settings, pipeline=pipeline)
        server_class = TrivialApiServer(ApiServer) if args.trivial else ApiServer
        server = server_class(processor, settings, extra_allowed_paths=[docs],
                              auth_failures=AuthFailureLimiter(), write_discovery=False)

        async def run() -> dict[str, Any]:
            await server.start()
            if args.gc_freeze:
                gc.collect()
                gc.freeze()  # what `docproc serve` does after start-up
            if args.paused:
                processor.pause()
            stalls: list[float] = []
            stop = asyncio.Event()
            watcher = asyncio.ensure_future(watch_stalls(stalls, stop))
            cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            threads_before = thread_cpu()
            gc_pauses: list[float] = []
            gc_started = [0.0]

            def on_gc(phase: str, info: dict[str, int]) -> None:
                if phase == "start":
                    gc_started[0] = time.perf_counter()
                else:
                    gc_pauses.append(time.perf_counter() - gc_started[0])

            gc.callbacks.append(on_gc)
            endpoint = "/bench/noop" if args.trivial else "/api/background/submit"
            if args.client == "ab":
                output = await run_ab(server.url + endpoint, server.token, docs, args)
            else:
                child = await asyncio.create_subprocess_exec(
                    sys.executable, __file__, "--load-child", server.url, server.token, str(docs),
                    str(args.requests), str(args.concurrency), endpoint,
                    stdout=asyncio.subprocess.PIPE,
                )
                output, _ = await child.communicate()
            note(f"load done: {output[:80]!r}")
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
            threads_after = thread_cpu()
            client_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)  # ab's, or ours
            stop.set()
            await watcher
            gc.callbacks.remove(on_gc)
            result = json.loads(output)
            result["server_cpu_s"] = round(cpu_after.ru_utime + cpu_after.ru_stime
                                           - cpu_before.ru_utime - cpu_before.ru_stime, 2)
            result["client_cpu_s"] = round(client_cpu.ru_utime + client_cpu.ru_stime, 2)
            result["server_cpu_ms_per_request"] = round(
                result["server_cpu_s"] * 1000 / args.requests, 3)
            switches = (cpu_after.ru_nvcsw + cpu_after.ru_nivcsw
                        - cpu_before.ru_nvcsw - cpu_before.ru_nivcsw)
            result["context_switches_per_request"] = round(switches / args.requests, 2)
            result["thread_cpu_s"] = {
                name: round(seconds - threads_before.get(name, 0.0), 2)
                for name, seconds in sorted(threads_after.items())
                if seconds - threads_before.get(name, 0.0) >= 0.01
            }
            counts = processor.store.counts()
            result["completed_during_run"] = counts["COMPLETED"]
            note("draining")
            if args.paused:
                processor.resume()
            drain_started = time.perf_counter()
            while True:
                status = processor.queue_status()
                if status["queued_jobs"] + status["processing_jobs"] == 0:
                    break
                await asyncio.sleep(0.05)
            result["drain_s"] = round(time.perf_counter() - drain_started, 2)
            result["loop_stall_p50_ms"] = round(percentile(stalls, 0.5) * 1000, 2)
            result["loop_stall_p99_ms"] = round(percentile(stalls, 0.99) * 1000, 2)
            result["loop_stall_max_ms"] = round(max(stalls) * 1000, 2)
            result["gc_max_ms"] = round(max(gc_pauses, default=0.0) * 1000, 2)
            result["loop_stall_mean_ms"] = round(statistics.fmean(stalls) * 1000, 2)
            note("stopping")
            await server.stop()
            return result

        try:
            result = loop.run_until_complete(run())
        finally:
            processor.shutdown(wait=False)
            loop.close()
    result["pipeline"] = args.pipeline
    result["durable_commits"] = args.durable
    result["engine_submit_ms"] = round(engine_submit_cost(args.pipeline, args.durable), 3)
    return result


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--load-child":
        url, token, docs, requests, concurrency, endpoint = sys.argv[2:8]
        print(json.dumps(asyncio.run(load(url, token, Path(docs), int(requests),
                                          int(concurrency), endpoint))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--pipeline", choices=("noop", "real"), default="noop")
    parser.add_argument("--durable", action=argparse.BooleanOptionalAction, default=True,
                        help="fsync at every group commit (the default setting)")
    parser.add_argument("--client", choices=("python", "ab"), default="python",
                        help="load generator: aiohttp in a child process, or ApacheBench")
    parser.add_argument("--trivial", action="store_true",
                        help="POST a no-op endpoint instead of submit (the stack's ceiling)")
    parser.add_argument("--gc-freeze", action=argparse.BooleanOptionalAction, default=True,
                        help="freeze start-up objects out of the GC (as `docproc serve`)")
    parser.add_argument("--plain-qasync", action="store_true",
                        help="qasync's own loop (a Qt timer per callback) instead of the "
                             "app's BatchingQEventLoop, for comparison")
    parser.add_argument("--paused", action="store_true",
                        help="no workers while submitting: the API and queue alone")
    parser.add_argument("--profile", metavar="FILE",
                        help="cProfile the server process into FILE (all threads: no)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(serve_and_measure, args)
        profiler.dump_stats(args.profile)
    else:
        result = serve_and_measure(args)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
