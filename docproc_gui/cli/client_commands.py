"""Commands that talk to a running DocProc (the app, or ``docproc serve``) over its API.

``serve`` runs the engine and the API headless. The others are clients: they find the
server of the data folder through its discovery file and token file (the same user's,
no configuration), and exit with 0 on success, 1 when a job failed, 2 for a request the
server refused (or that changed nothing: cancelling a finished job), and 3 when no
DocProc is running.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from docproc_gui.cli.common import add_data_dir, fail, print_json, settings_from
from docproc_gui.cli.job_text import MAX_LISTED, duration, print_job, print_outcome

EXIT_FAILED, EXIT_REFUSED, EXIT_UNAVAILABLE = 1, 2, 3
TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")
ClientCall = Callable[[Any, argparse.Namespace], Awaitable[int]]
EXIT_CODES = (
    "exit codes: 0 done, 1 a job failed, 2 the request was refused (unknown job, bad "
    "value, nothing to cancel), 3 no DocProc running for the data folder"
)


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the engine and the local API without a window",
        description="Process the data folder's queue and serve the local REST API until "
        "Ctrl+C or SIGTERM (running jobs are put back in the queue, none is lost).",
    )
    add_data_dir(serve)
    serve.add_argument("--host", help="address to bind (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, help="port (default 8765; 0 picks a free one)")
    serve.add_argument(
        "--allow-path",
        action="append",
        default=[],
        metavar="DIR",
        help="also accept files from DIR (repeatable; home is allowed)",
    )
    serve.add_argument("--workers", type=int, help="worker threads (default: two per CPU core)")
    serve.set_defaults(handler=run_serve)

    submit = _client(
        subparsers, "submit", "queue files or folders in the running DocProc", _submit, read=True
    )
    submit.add_argument("paths", nargs="+", metavar="PATH")
    submit.add_argument(
        "--priority", default="NORMAL", help="CRITICAL, HIGH, NORMAL, LOW, BACKGROUND or 0-4"
    )
    submit.add_argument(
        "--wait",
        action="store_true",
        help="show progress until done, then each job's id and outcome (only the failed "
        f"ones beyond {MAX_LISTED} documents); exit 1 if any job failed",
    )
    submit.add_argument(
        "--upload", action="store_true", help="send the files' bytes instead of their paths"
    )
    submit.add_argument(
        "--dedupe", action="store_true", help="reuse the job of a file with the same content"
    )

    status = _client(subparsers, "status", "the queue, or one job", _status, read=True)
    status.add_argument("job", nargs="?", metavar="JOB")
    _client(
        subparsers,
        "cancel",
        "cancel a waiting or running job",
        _cancel,
        details="Exit code 2 when the job had already finished: nothing was cancelled.",
    ).add_argument("job", metavar="JOB")
    _client(subparsers, "retry", "retry a failed or cancelled job", _retry).add_argument(
        "job", metavar="JOB"
    )
    _client(subparsers, "pause", "stop starting jobs (running ones finish)", _pause)
    _client(subparsers, "resume", "start jobs again", _resume)
    _client(subparsers, "stats", "throughput and success statistics", _stats, read=True)
    search = _client(subparsers, "search", "search the processed documents", _search, read=True)
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--type", dest="file_type", help="only this file type (pdf, docx...)")
    search.add_argument("--category", help="only this category (invoice, letter...)")

    token = subparsers.add_parser(
        "token",
        help="print the API token",
        description="Print the token other programs send as "
        "'Authorization: Bearer <token>' (made at first use).",
    )
    add_data_dir(token)
    token.add_argument("--json", action="store_true", help="token, token file and URL as JSON")
    token.set_defaults(handler=run_token)


def _client(
    subparsers: Any,
    name: str,
    help_text: str,
    call: ClientCall,
    read: bool = False,
    details: str = "",
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help_text,
        description=f"{help_text[0].upper()}{help_text[1:]}. {details}".strip(),
        epilog=EXIT_CODES,
    )
    add_data_dir(parser)
    if read:
        parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=lambda args: run_client(args, call))
    return parser


# ------------------------------------------------------------------ serve and token


def run_serve(args: argparse.Namespace) -> int:
    from docproc_gui.api.auth import token_path
    from docproc_gui.api.headless import run_headless
    from docproc_gui.api.server import ApiServer
    from docproc_gui.engine import EngineBusyError

    settings = settings_from(args, api_host=args.host, api_port=args.port, max_workers=args.workers)
    logging.getLogger().setLevel(logging.INFO)  # a server logs its life: start, stop, recovery
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its set-up chatter, not ours

    def ready(server: ApiServer) -> None:
        print(f"DocProc API on {server.url} (data folder {settings.data_dir})", flush=True)
        print(f"token: `docproc token` or {token_path(settings.data_dir)}", flush=True)
        print("Ctrl+C stops; unfinished jobs stay queued.", flush=True)

    try:
        return run_headless(settings, extra_allowed_paths=args.allow_path, on_ready=ready)
    except EngineBusyError as error:
        return fail(str(error))
    except OSError as error:  # the port is taken, say
        return fail(f"cannot serve: {error}")


def run_token(args: argparse.Namespace) -> int:
    from docproc_gui.api.auth import load_or_create_token, token_path
    from docproc_gui.api.discovery import read_endpoint

    settings = settings_from(args)
    token = load_or_create_token(settings.data_dir)
    if args.json:
        endpoint = read_endpoint(settings.data_dir)
        print_json(
            {
                "token": token,
                "token_file": str(token_path(settings.data_dir)),
                "url": endpoint.url if endpoint and endpoint.alive else None,
            }
        )
    else:
        print(token)
    return 0


# ------------------------------------------------------------------ the client commands


def run_client(args: argparse.Namespace, call: ClientCall) -> int:
    from docproc_gui.api.client import ApiClient, ApiRequestError, ApiUnavailableError

    settings = settings_from(args)

    async def main() -> int:
        async with ApiClient.for_data_dir(settings.data_dir) as client:
            return await call(client, args)

    try:
        return _run(main())
    except ApiUnavailableError as error:
        return fail(str(error), EXIT_UNAVAILABLE)
    except ApiRequestError as error:
        return fail(str(error), EXIT_REFUSED if error.status < 500 else EXIT_FAILED)
    except KeyboardInterrupt:
        return 130


def _run(coroutine: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coroutine)


async def _submit(client: Any, args: argparse.Namespace) -> int:
    from docproc_gui.discovery import collect_files

    files = collect_files(args.paths)
    if not files:
        return fail("no supported files found in the given paths", EXIT_REFUSED)
    if args.upload:
        try:
            answer = await client.upload(files, args.priority, dedupe=args.dedupe)
        except OSError as error:  # the same words and code as the server's for a path
            return fail(_unreadable(error), EXIT_REFUSED)
    elif len(files) == 1:
        answer = await client.submit(files[0], args.priority, {"source": "cli"}, dedupe=args.dedupe)
    else:
        answer = await client.submit_batch(
            files, args.priority, {"source": "cli"}, dedupe=args.dedupe
        )
    job_ids = answer.get("job_ids") or [answer["job_id"]]
    batch_id = answer.get("batch_id")
    if not args.wait:
        if args.json:
            print_json(answer)
        elif batch_id:
            print(f"queued {len(job_ids)} documents as batch {batch_id}")
        else:
            note = " (already queued before)" if answer.get("existing") else ""
            print(f"queued {os.path.basename(files[0])} as job {job_ids[0]}{note}")
        return 0
    from docproc_gui.api.client import watch_jobs

    existing = answer.get("existing") or answer.get("existing_job_ids")
    bar = _ProgressBar(len(job_ids)) if not args.json and sys.stderr.isatty() else None
    try:
        jobs = await watch_jobs(
            client, job_ids, None if existing else batch_id, bar.update if bar else None
        )
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print_json(jobs)
    else:
        print_outcome(jobs, batch_id)
    return 0 if all(job["status"] == "COMPLETED" for job in jobs) else EXIT_FAILED


def _unreadable(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return f"file not found: {error.filename}"
    return f"cannot read {error.filename}: {error.strerror or error}"


class _ProgressBar:
    """A tqdm bar over the jobs: whole jobs done plus the fractions of running ones."""

    def __init__(self, total: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=total,
            unit="doc",
            desc="processing",
            file=sys.stderr,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total} "
            "[{elapsed}<{remaining}{postfix}]",
        )

    def update(self, states: dict[str, tuple[str, float]]) -> None:
        done = sum(status in TERMINAL for status, _ in states.values())
        failed = sum(status in ("FAILED", "CANCELLED") for status, _ in states.values())
        partial = sum(progress for status, progress in states.values() if status not in TERMINAL)
        self.bar.n = round(done + partial, 2)
        self.bar.set_postfix_str(
            f"{done} done" + (f", {failed} failed" if failed else ""), refresh=False
        )
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


async def _status(client: Any, args: argparse.Namespace) -> int:
    if args.job:
        job = await client.job(args.job)
        if args.json:
            print_json(job)
        else:
            print_job(job)
        return 0
    queue = await client.get("queue/status")
    health = await client.get("queue/health")
    if args.json:
        print_json({"url": client.url, "queue": queue, "health": health})
        return 0
    state = "paused" if queue["paused"] else "running"
    print(f"DocProc at {client.url}: {health['status']}, {state}")
    counts = queue["counts"]
    print(
        "  "
        + " · ".join(
            f"{name.lower()} {counts[name]}"
            for name in ("QUEUED", "RETRYING", "COMPLETED", "FAILED", "CANCELLED")
            if name in counts
        )
        + f" · running {queue['processing_jobs']}"
    )
    print(f"  workers {queue['active_workers']} of {queue['max_workers']} busy")
    if health["oldest_job_age"]:
        print(f"  oldest waiting job: {duration(health['oldest_job_age'])}")
    for alert in health["alerts"]:
        print(f"  {alert['level'].upper()}: {alert['message']}")
    return 0


async def _cancel(client: Any, args: argparse.Namespace) -> int:
    answer = await client.cancel(args.job)
    if not answer["cancelled"]:
        return fail(f"{args.job} had already finished ({answer['status']})", EXIT_REFUSED)
    print(f"cancelled {args.job}")
    return 0


async def _retry(client: Any, args: argparse.Namespace) -> int:
    job = await client.retry(args.job)
    print(f"{args.job} is queued again ({job['priority']})")
    return 0


async def _pause(client: Any, args: argparse.Namespace) -> int:
    await client.pause()
    print("queue paused: running jobs finish, no new ones start")
    return 0


async def _resume(client: Any, args: argparse.Namespace) -> int:
    status = await client.resume()
    print(f"queue resumed ({status['queued_jobs']} waiting)")
    return 0


async def _stats(client: Any, args: argparse.Namespace) -> int:
    stats = await client.get("statistics")
    if args.json:
        print_json(stats)
        return 0
    week = stats["weekly_summary"]
    rate = f"{week['success_rate']:.1f} %" if week["success_rate"] is not None else "—"
    average = week["average_processing_time"]
    print(
        f"last 7 days: {week['total_jobs']} jobs, {week['successful_jobs']} completed, "
        f"{week['failed_jobs']} failed, {week['cancelled_jobs']} cancelled; "
        f"success {rate}"
    )
    if average is not None:
        p95 = stats["p95_processing_time"]
        print(
            f"processing time: average {duration(average)}"
            + (f", p95 {duration(p95)}" if p95 is not None else "")
        )
    print("date          jobs   jobs/hour")
    for day in stats["daily_throughput"]:
        print(f"{day['date']}  {day['jobs']:>6}  {day['jobs_per_hour']:>10.1f}")
    print(
        f"waiting {stats['waiting_jobs']}, running {stats['running_jobs']}, "
        f"total {stats['total_jobs']}"
    )
    return 0


async def _search(client: Any, args: argparse.Namespace) -> int:
    result = await client.get(
        "search", q=args.query, limit=args.limit, file_type=args.file_type, category=args.category
    )
    if args.json:
        print_json(result)
        return 0
    if not result["hits"]:
        print(f"nothing found for {args.query!r}")
        return 0
    for hit in result["hits"]:
        title = hit["title"] or os.path.basename(hit["path"])
        print(f"{hit['rank']:>3}. {title}  [{hit['file_type']}, {hit['category']}]")
        print(f"     {hit['path']}")
        if hit["snippet"]:
            snippet = (
                hit["snippet"].replace("⟦", "\033[1m").replace("⟧", "\033[0m")
                if sys.stdout.isatty()
                else hit["snippet"]
            )
            print(f"     {snippet}")
    return 0
