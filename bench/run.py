"""Run the benchmarks and print their tables: ``python bench/run.py [--distributed] [...]``.

Embedded (default): a fresh SQLite database and media folder in a temporary directory, Celery
eager. ``--distributed``: PostgreSQL from ``DATABASE_URL`` (created and migrated if needed), Redis
from ``CELERY_BROKER_URL`` and a Celery worker started here and stopped at the end. Numbers are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # ``python bench/run.py`` puts bench/, not the repo, first
    sys.path.insert(0, str(REPO_ROOT))

BENCHMARKS = (
    "cases",
    "engine",
    "replay",
    "intake",
    "bundle",
    "drawings",
    "viewer",
    "photos",
    "media",
    "sandbox",
    "sweep",
    "history",
    "pages",
)
# Run only when asked for by name: it adds a million rows to its (dedicated) database.
ON_REQUEST = ("sweep",)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5, help="demo cases to run (default 5)")
    parser.add_argument(
        "--runs", type=int, default=5, help="measured runs of the engine path per side (default 5)"
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="unmeasured engine runs per side first (default 1)"
    )
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="use DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis) with a worker of our own",
    )
    parser.add_argument(
        "--cases-in-process",
        action="store_true",
        help="with --distributed, run the demo cases' jobs in the bench's own process (Celery "
        "eager) on PostgreSQL: one core's cases/s, file work split out (issue #19's figure)",
    )
    parser.add_argument(
        "--cases-profile",
        action="store_true",
        help="print a cProfile profile of the demo cases' rest (file work, waits and the demo's "
        "checks left out)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="run with Django DEBUG on, as the embedded default does (default: off)",
    )
    parser.add_argument(
        "--only", choices=BENCHMARKS, help="run one benchmark (default: all of them)"
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=120,
        help="seconds the demo waits for each worker result (default 120)",
    )
    parser.add_argument(
        "--intake-files",
        type=int,
        default=40,
        help="files the intake benchmark takes in, half PDFs, half photos (default 40)",
    )
    parser.add_argument(
        "--photos",
        type=int,
        default=40,
        help="24-megapixel photos per throughput run of the photo benchmark (default 40)",
    )
    parser.add_argument(
        "--media-chunk",
        type=int,
        default=0,
        help="photos per chunk job of the media scaling run (default: ACCEPTANCE_MEDIA_CHECK_CHUNK, "
        "smaller when --photos would give two workers fewer than 8 chunks)",
    )
    parser.add_argument(
        "--photo-pool",
        type=int,
        default=8,
        help="distinct 24-megapixel photos generated and cycled through (default 8)",
    )
    parser.add_argument(
        "--photo-memory",
        default="100,300,1000",
        help="cumulative photo counts at which one worker's peak RSS is read (default 100,300,1000)",
    )
    parser.add_argument(
        "--events",
        default="100,1000,10000",
        help="journal lengths the replay benchmark replays (default 100,1000,10000)",
    )
    parser.add_argument(
        "--commitments",
        type=int,
        default=1_000_000,
        help="commitments the sweep benchmark loads, 1,000 of them due (default 1,000,000)",
    )
    parser.add_argument(
        "--drawing-sizes",
        default="1,10,50",
        help="sizes in MB of the drawings the drawings benchmark reviews (default 1,10,50)",
    )
    parser.add_argument(
        "--viewer-runs",
        type=int,
        default=3,
        help="fresh browsers per drawing size in the viewer benchmark (default 3)",
    )
    parser.add_argument(
        "--viewer-preview-max-mb",
        type=float,
        default=10,
        help="the viewer benchmark times the server-side preview up to this size (default 10)",
    )
    parser.add_argument(
        "--page-cases",
        type=int,
        default=50,
        help="cases (without files) the page latency benchmark lists (default 50)",
    )
    parser.add_argument(
        "--page-clients",
        type=int,
        default=10,
        help="concurrent clients of the page latency benchmark (default 10)",
    )
    parser.add_argument(
        "--page-requests",
        type=int,
        default=200,
        help="requests per page in the page latency benchmark (default 200)",
    )
    parser.add_argument(
        "--sandbox-rounds",
        type=int,
        default=2000,
        help="evaluations of each expression per batch in the sandbox benchmark (default 2000)",
    )
    args = parser.parse_args(argv)
    if args.cases < 1 or args.runs < 1 or args.warmup < 0:
        parser.error("--cases and --runs must be at least 1, --warmup at least 0")
    return args


def say(text: str = "") -> None:
    print(text, flush=True)


def progress(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace, tmp: Path) -> int:
    """Run the selected benchmarks; 1 if a demo case failed, else 0."""
    from bench import stack

    notes = stack.configure_environment(
        distributed=args.distributed, data_dir=tmp / "data", debug=args.debug
    )
    extra = []
    if args.distributed:
        created = stack.ensure_database(os.environ["DATABASE_URL"])
        extra.append(("broker", stack.without_credentials(os.environ["CELERY_BROKER_URL"])))
        extra.append(("database created now", "yes" if created else "no (reused)"))
        if args.cases_in_process:
            extra.append(("demo cases' jobs", "run in the bench's process (--cases-in-process)"))

    import django

    django.setup()
    # kombu warns about the in-memory broker's missing hostname whenever Celery runs eagerly.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)

    from django.core.management import call_command
    from django.db import connections

    from bench import (
        bundle,
        cases,
        drawing_viewer,
        drawings,
        engine_steps,
        history,
        intake,
        media,
        pages,
        photos,
        replay,
        report,
        sandbox,
        sweep,
    )

    call_command("migrate", verbosity=0)
    status = 0
    worker = stack.Worker(tmp / "worker.log") if args.distributed else None
    try:
        if worker is not None:
            progress("starting the Celery worker")
            worker.start()
            extra.append(("worker", f"{worker.name} (--pool=solo --concurrency=1)"))
            if worker.others:
                notes.append(
                    "other workers answer on this broker and may take jobs: "
                    + ", ".join(worker.others)
                )
        mode = (
            "distributed: PostgreSQL + Redis + Celery worker"
            if args.distributed
            else "embedded: temporary SQLite, Celery eager"
        )
        say(report.environment(mode, extra))
        for note in notes:
            say(f"note: {note}")
        selected = [args.only] if args.only else [b for b in BENCHMARKS if b not in ON_REQUEST]
        if "cases" in selected:
            progress(f"running {args.cases} demo case(s)")
            cases_result = cases.run_cases(
                args.cases,
                workdir=tmp / "samples",
                wait_seconds=args.wait,
                in_process=args.cases_in_process,
                profile=args.cases_profile,
            )
            say()
            say(cases.report(cases_result))
            status = 1 if cases_result.failures else status
        if "replay" in selected:
            lengths = tuple(int(n) for n in args.events.split(","))
            progress(f"replaying journals of {args.events} events")
            say()
            say(replay.report(replay.measure(lengths, progress=progress)))
        if "intake" in selected:
            pdfs = args.intake_files // 2
            progress(f"taking in {pdfs} PDFs and {args.intake_files - pdfs} photos")
            say()
            say(
                intake.report(
                    intake.measure(pdfs, args.intake_files - pdfs, workdir=tmp / "intake")
                )
            )
        if "bundle" in selected:
            progress("exporting a demo case's evidence bundle")
            say()
            say(bundle.report(bundle.measure(tmp / "bundle-samples")))
        if "sweep" in selected:
            progress(f"loading {args.commitments:,} commitments and sweeping them")
            say()
            say(sweep.report(sweep.measure(args.commitments)))
        if "drawings" in selected:
            sizes = tuple(float(n) for n in args.drawing_sizes.split(","))
            progress(f"reviewing drawings of {args.drawing_sizes} MB")
            say()
            say(drawings.report(drawings.measure(tmp / "drawings", sizes, progress=progress)))
        if "viewer" in selected:
            sizes = tuple(float(n) for n in args.drawing_sizes.split(","))
            progress(f"opening drawings of {args.drawing_sizes} MB in the browser viewer")
            say()
            say(
                drawing_viewer.report(
                    drawing_viewer.measure(
                        tmp / "viewer",
                        sizes,
                        runs=args.viewer_runs,
                        preview_max_mb=args.viewer_preview_max_mb,
                        progress=progress,
                    )
                )
            )
        if "photos" in selected:
            points = tuple(int(n) for n in args.photo_memory.split(","))
            progress(f"photo intake: {args.photos} photos on 1 and 2 workers, memory at {points}")
            say()
            say(
                photos.report(
                    photos.measure(
                        tmp / "photos",
                        photos=args.photos,
                        pool_size=args.photo_pool,
                        memory_points=points,
                    )
                )
            )
        if "media" in selected:
            progress(f"media scaling: {args.photos} photos checked on 1 and 2 workers")
            say()
            say(
                media.report(
                    media.measure(
                        tmp / "media", photos=args.photos, chunk=args.media_chunk, progress=progress
                    )
                )
            )
        if "sandbox" in selected:
            progress("evaluating the process's expressions by five mechanisms")
            say()
            say(sandbox.report(sandbox.measure(args.sandbox_rounds)))
        if "history" in selected:
            progress(f"running {args.cases} demo case(s) to archive, then compacting them")
            history_result = history.measure(
                args.cases, workdir=tmp / "history-samples", wait_seconds=args.wait
            )
            say()
            say(history.report(history_result))
            status = 1 if history_result.failures else status
        if "pages" in selected:
            progress(f"page latency: {args.page_cases} cases, {args.page_clients} clients")
            say()
            say(
                pages.report(
                    pages.measure(
                        tmp,
                        cases=args.page_cases,
                        clients=args.page_clients,
                        requests=args.page_requests,
                    )
                )
            )
        if "engine" in selected:
            progress(f"running the engine path {args.warmup} + {args.runs} times per side")
            engine_result = engine_steps.measure(args.runs, args.warmup)
            say()
            say(engine_steps.report(engine_result))
    except Exception as exc:
        if worker is not None and not isinstance(exc, stack.StackError):
            progress(f"worker log (last lines):\n{worker.log_tail()}")
        raise
    finally:
        if worker is not None:
            progress("stopping the Celery worker")
            worker.stop()
        connections.close_all()
    return status


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from bench.stack import StackError

    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        try:
            return run(args, Path(tmp))
        except StackError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main())
