"""`python -m bench`: build company-sized databases, run the rhythm and commands, print a table.

    python -m bench                       rhythm at N=1,000/10,000 x W=13/104, latency at N=100/10,000
    python -m bench --smoke               a tiny run (seconds) that proves the benchmark still works
    python -m bench --postgres URL        the same on PostgreSQL (URL of a server to create databases on)
    python -m bench --fanout 10000        the Monday DMs through the outbox to rate-limiting fakes
                                          (part of the full run; --fanout 0 leaves it out,
                                          --fanout-only runs nothing else)
    python -m bench --http-samples 0      without the HTTP command latency (okrbot run vs bare Bolt)
    python -m bench --scale 10000         1 x 10,000 members beside 1,000 workspaces x 10, on SQLite
                                          and (with --postgres) PostgreSQL side by side, with the
                                          HTTP acks on each (part of the full run; 0 leaves it out,
                                          --scale-only runs nothing else)

Generated databases are kept in .bench/ (SQLite) or as okrbot_bench_* databases
(PostgreSQL) and reused by later runs; --fresh builds them again.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench import fanout, generate, scale
from bench.progress import Bar
from storage import migrate
from storage.db import analyze, make_engine

# Bump when the generator changes what it writes, so kept databases are rebuilt.
GENERATOR_VERSION = "1"


@dataclass(frozen=True, slots=True)
class Plan:
    sizes: tuple[int, ...]
    weeks: tuple[int, ...]
    latency_sizes: tuple[int, ...]
    samples: int
    data_dir: Path
    postgres: str | None
    fresh: bool
    timeout: float | None = None
    fanout: int = 0  # members whose Monday DMs go through the outbox (0: no fan-out)
    fanout_before: int = 1000  # rows the one-worker sender is timed on
    fanout_speed: float = 1.0  # Feishu's clock compression
    fanout_only: bool = False  # leave the rhythm and latency runs out
    http_samples: int = 0  # signed HTTP commands per kind to `okrbot run` and the bare Bolt floor
    scale: int = 0  # members of the SQLite/PostgreSQL, one/many workspaces comparison (0: none)
    scale_weeks: int = 13
    scale_only: bool = False  # leave every other part out
    smoke: bool = False


def _database(
    plan: Plan, members: int, weeks: int, bar: Bar, *, copy: str = "", workspaces: int = 1
) -> str:
    """The URL of a generated company (built now unless kept from an earlier run); with
    `workspaces`, that many companies of `members` each in the one database."""
    shape = f"_x{workspaces}" if workspaces > 1 else ""
    name = f"okrbot_bench_n{members}{shape}_w{weeks}_v{GENERATOR_VERSION}"
    label = f"generate {workspaces:,} x N={members:,} W={weeks}"
    if plan.postgres is None:
        plan.data_dir.mkdir(parents=True, exist_ok=True)
        path = plan.data_dir / f"{name}.db"
        done = path.with_suffix(".ok")
        if plan.fresh or not done.exists():
            path.unlink(missing_ok=True)
            done.unlink(missing_ok=True)
            _build(f"sqlite:///{path}", members, weeks, bar, label, workspaces)
            done.write_text(GENERATOR_VERSION)
        url = f"sqlite:///{path}"
        if copy:
            target = plan.data_dir / f"{name}-{copy}.db"
            shutil.copyfile(path, target)
            url = f"sqlite:///{target}"
        _upgrade(url)
        return url
    admin = make_engine(plan.postgres)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if plan.fresh and exists:
                connection.execute(text(f'DROP DATABASE "{name}"'))
                exists = None
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
                try:
                    _build(_pg_url(plan.postgres, name), members, weeks, bar, label, workspaces)
                except BaseException:
                    connection.execute(text(f'DROP DATABASE "{name}"'))
                    raise
            if copy:
                original, name = name, f"{name}_{copy}"
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{original}"'))
    finally:
        admin.dispose()
    url = _pg_url(plan.postgres, name)
    _upgrade(url)
    return url


def _pg_url(server: str, database: str) -> str:
    return make_url(server).set(database=database).render_as_string(hide_password=False)


def _build(url: str, members: int, weeks: int, bar: Bar, label: str, workspaces: int = 1) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine=engine)
        generate.generate(
            engine=engine,
            members=members,
            weeks=weeks,
            workspaces=workspaces,
            progress=lambda what, fraction: bar.show(f"{label}: {what}", fraction),
        )
        # A running bot's database has statistics (ANALYZE at upgrade, PRAGMA optimize,
        # autovacuum); one bulk-loaded a moment ago has none yet.
        analyze(engine)
    finally:
        engine.dispose()


def _upgrade(url: str) -> None:
    # A kept database may predate this code's migrations: bring it up as an operator would.
    engine = make_engine(url)
    try:
        if migrate.pending(engine=engine):
            migrate.upgrade(engine=engine)
    finally:
        engine.dispose()


def _probe(plan: Plan, *args: str) -> dict[str, Any] | None:
    """One measurement in its own process; None when it ran past the plan's timeout."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.probe", *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=plan.timeout,
        )
    except subprocess.TimeoutExpired:
        result = None
    else:
        result = json.loads(done.stdout.strip().splitlines()[-1])
    # Each result is logged as it comes, so a long run that is stopped still tells.
    sys.stderr.write(f"\n  {' '.join(args[::2])} {args[-1]}: {json.dumps(result)}\n")
    return result


MOMENTS = ("friday", "monday", "review", "cycle-end")


def run(plan: Plan) -> str:
    if plan.scale_only:
        bar = Bar(2 * 2 * (1 + len(MOMENTS)) + 2)
        done = _scale(plan, bar)
        bar.close()
        return done
    cases = [] if plan.fanout_only else [(n, w) for n in plan.sizes for w in plan.weeks]
    latency_sizes = () if plan.fanout_only else plan.latency_sizes
    http = bool(plan.http_samples and latency_sizes)
    steps = len(cases) * (1 + len(MOMENTS)) + len(latency_sizes) * 2 + (4 if plan.fanout else 0)
    if plan.scale:
        steps += (2 if plan.postgres else 1) * (2 * len(MOMENTS) + 1)
    bar = Bar(steps + (2 if http else 0))
    rhythm_rows: list[tuple[int, int, dict[str, Result]]] = []
    for members, weeks in cases:
        url = _database(plan, members, weeks, bar)
        bar.step()
        results: dict[str, Result] = {}
        for moment in MOMENTS:
            bar.show(f"{moment} run N={members:,} W={weeks}")
            results[moment] = _probe(plan, "rhythm", url, moment)
            bar.step()
        rhythm_rows.append((members, weeks, results))
    latency_rows: list[tuple[int, Result]] = []
    for members in latency_sizes:
        weeks = min(plan.weeks)
        url = _database(plan, members, weeks, bar, copy="latency")
        bar.step()
        bar.show(f"commands N={members:,} ({plan.samples} each)")
        latency_rows.append((members, _probe(plan, "latency", url, str(plan.samples))))
        bar.step()
    parts = [] if plan.fanout_only else [_report(plan, rhythm_rows, latency_rows)]
    if not plan.fanout_only:
        parts.append(_tree(plan, bar))
    if http:
        parts.append("\n".join(_http(plan, bar)))
    if plan.fanout:
        parts.append(_fanout(plan, bar))
    if plan.scale:
        parts.append(_scale(plan, bar))
    bar.close()
    return "\n\n".join(parts)


def _tree(plan: Plan, bar: Bar) -> str:
    """The web view's company tree (GET /tree) at each size, measured side by side."""
    weeks = min(plan.weeks)
    rows: list[tuple[int, Result]] = []
    for members in plan.sizes:
        url = _database(plan, members, weeks, bar)
        bar.show(f"tree page N={members:,}")
        rows.append((members, _probe(plan, "tree", url, "3")))
    lines = [f"Web view: the company tree, GET /tree (W={weeks}, median of 3)"]
    lines.append(f"{'members':>10} {'seconds':>9} {'queries':>8} {'page KB':>9} {'peak MB':>8}")
    for members, result in rows:
        if result is None:
            lines.append(f"{members:>10,} {'too slow':>9}")
            continue
        lines.append(
            f"{members:>10,} {result['seconds']:>9.3f} {result['queries']:>8} "
            f"{result['kilobytes']:>9,.1f} {result['peak_mb']:>8.0f}"
        )
    (small, first), (large, last) = rows[0], rows[-1]
    if len(rows) > 1 and first is not None and last is not None:
        lines.append(
            f"N={large:,} vs N={small:,}: {last['seconds'] / first['seconds']:.2f}x the time, "
            f"{last['queries']} vs {first['queries']} queries"
        )
    return "\n".join(lines)


def _scale(plan: Plan, bar: Bar) -> str:
    """SQLite beside PostgreSQL (given a server), one big workspace beside many small ones,
    then the HTTP acks against the bare Bolt floor on each database's big workspace."""
    databases = ("SQLite", "PostgreSQL") if plan.postgres else ("SQLite",)
    on = {"SQLite": replace(plan, postgres=None), "PostgreSQL": plan}

    urls: dict[tuple[str, scale.Shape, str], str] = {}

    def url(database: str, shape: scale.Shape, copy: str = "") -> str:
        key = (database, shape, copy)
        if key not in urls:
            urls[key] = _database(
                on[database],
                shape.members,
                plan.scale_weeks,
                bar,
                copy=copy,
                workspaces=shape.workspaces,
            )
        return urls[key]

    def measure(database: str, shape: scale.Shape, day: str) -> Result:
        where = url(database, shape)
        bar.show(f"scale: {day} on {database}, {shape.label}")
        done = _probe(plan, "rhythm", where, day)
        bar.step()
        return done

    # The smoke only proves the comparison runs: one day.
    days = ("friday",) if plan.smoke else MOMENTS
    found = scale.run(databases=databases, members=plan.scale, days=days, measure=measure)
    lines = scale.report(
        found,
        databases=databases,
        members=plan.scale,
        weeks=plan.scale_weeks,
        days=days,
        late=f"> {plan.timeout:.0f} s" if plan.timeout else "-",
    )
    if plan.http_samples and not plan.smoke:
        from bench import http

        big = scale.shapes(plan.scale)[0]
        for database in databases:
            where = url(database, big, copy="http")  # the commands write check-ins
            label = f"scale: HTTP acks on {database} ({plan.http_samples} each)"

            def shown(fraction: float, label: str = label) -> None:
                bar.show(label, fraction)

            result = http.measure(
                where, plan.http_samples, warmup=min(10, plan.http_samples), progress=shown
            )
            bar.step()
            lines += http.report(result, database=database, late="-")
    return "\n".join(lines)


def _fanout(plan: Plan, bar: Bar) -> str:
    weeks = min(plan.weeks)

    def step(label: str) -> None:
        bar.step()
        bar.show(label)

    done = fanout.run(
        database=lambda copy: _database(plan, plan.fanout, weeks, bar, copy=copy),
        rows=plan.fanout,
        before_rows=plan.fanout_before,
        speed=plan.fanout_speed,
        probe=fanout.probe(plan.timeout),
        progress=step,
    )
    database = "PostgreSQL" if plan.postgres else "SQLite"
    return fanout.report(done, members=plan.fanout, database=database)


def _http(plan: Plan, bar: Bar) -> list[str]:
    """The HTTP command latency on the largest latency size: okrbot run beside a bare Bolt app."""
    from bench import http

    members, weeks = max(plan.latency_sizes), min(plan.weeks)
    url = _database(plan, members, weeks, bar, copy="http")
    bar.step()
    label = f"HTTP commands N={members:,} ({plan.http_samples} each, okrbot and floor)"
    result: dict[str, Any] | None = http.measure(
        url,
        plan.http_samples,
        warmup=min(10, plan.http_samples),
        progress=lambda fraction: bar.show(label, fraction),
    )
    bar.step()
    database = "PostgreSQL" if plan.postgres else "SQLite"
    return http.report(result, database=database, late="-")


Result = dict[str, Any] | None


def _report(
    plan: Plan,
    rhythm_rows: Sequence[tuple[int, int, dict[str, Result]]],
    latency_rows: Sequence[tuple[int, Result]],
) -> str:
    database = "PostgreSQL" if plan.postgres else "SQLite"
    late = f"> {plan.timeout:.0f} s" if plan.timeout else "-"

    def run_cells(result: Result) -> str:
        if result is None:
            return f"{late} | - | - | -"
        # Statements are round trips: the build's, then its outbox write's.
        return (
            f"{result['seconds']:.2f} s ({result['cpu_seconds']:.2f} s) | "
            f"{result['deliveries']:,} | "
            f"{result['statements']:,} + {result['write']['statements']:,} | "
            f"{result['rss_mb']:.0f} MB"
        )

    def table(moments: tuple[str, str], names: tuple[str, str]) -> list[str]:
        header = " | ".join(
            f"{name} wall (CPU) | deliveries | statements (build + write) | peak RSS"
            for name in names
        )
        rows = [f"| N | W | {header} |", "|---:|---:|" + "---:|" * 8]
        for members, weeks, results in rhythm_rows:
            cells = " | ".join(run_cells(results[m]) for m in moments)
            rows.append(f"| {members:,} | {weeks} | {cells} |")
        return rows

    lines = [
        f"Rhythm cost ({database}; one process per run, peak RSS of that process; "
        "CPU is the process's own time, steadier than wall time on a shared machine)",
        "",
        *table(("friday", "monday"), ("Friday", "Monday")),
        "",
        *table(
            ("review", "cycle-end"),
            ("First Monday of the month (reviews)", "Cycle's last Monday (self-scores)"),
        ),
    ]
    low, high = min(plan.weeks), max(plan.weeks)
    small, large = min(plan.sizes), max(plan.sizes)
    ratios: list[str] = []
    for moment in MOMENTS:
        measured = {(n, w): r[moment] for n, w, r in rhythm_rows if r.get(moment) is not None}
        for members in plan.sizes:
            if low != high and (members, low) in measured and (members, high) in measured:
                ratios.append(
                    f"{moment} W={high} / W={low} at N={members:,}: "
                    + _ratio(measured[(members, low)], measured[(members, high)])
                )
        for weeks in plan.weeks:
            if small != large and (small, weeks) in measured and (large, weeks) in measured:
                ratios.append(
                    f"{moment} N={large:,} / N={small:,} at W={weeks}: "
                    + _ratio(measured[(small, weeks)], measured[(large, weeks)])
                )
    if ratios:
        lines += ["", *(f"- {r}" for r in ratios)]
    if latency_rows:
        kinds = ("okr", "checkin", "rollup")
        lines += [
            "",
            f"Command latency in-process through OkrApp.handle ({database}, "
            f"W={min(plan.weeks)}, {plan.samples} samples each, ms)",
            "",
            "| N | `/okr` p50 / p95 / p99 | `/okr checkin` p50 / p95 / p99 "
            "| team rollup p50 / p95 / p99 |",
            "|---:|---:|---:|---:|",
        ]
        for members, result in latency_rows:
            if result is None:
                lines.append(f"| {members:,} | {late} | {late} | {late} |")
                continue
            cells = [
                " / ".join(f"{result[kind][p]:.1f}" for p in ("p50", "p95", "p99"))
                for kind in kinds
            ]
            lines.append(f"| {members:,} | " + " | ".join(cells) + " |")
        done = [(n, r) for n, r in latency_rows if r is not None]
        if len(done) > 1:
            (fewest, first), (most, last) = done[0], done[-1]
            ratio = ", ".join(
                f"{kind} {last[kind]['p50'] / first[kind]['p50']:.2f}x" for kind in kinds
            )
            lines += ["", f"- p50 at N={most:,} / N={fewest:,}: {ratio}"]
    return "\n".join(lines)


def _ratio(first: Result, second: Result) -> str:
    assert first is not None and second is not None
    wall = second["seconds"] / first["seconds"]
    cpu = second["cpu_seconds"] / first["cpu_seconds"]
    return f"{wall:.2f}x ({cpu:.2f}x CPU)"


def _ints(value: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "").replace(",", "")) for part in value.split("/"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: seconds, for CI")
    parser.add_argument(
        "--sizes", type=_ints, default=(1000, 10000), help="members, e.g. 1000/10000"
    )
    parser.add_argument("--weeks", type=_ints, default=(13, 104), help="history, e.g. 13/104")
    parser.add_argument("--latency-sizes", type=_ints, default=(100, 10000))
    parser.add_argument("--samples", type=int, default=200, help="commands timed per kind")
    parser.add_argument(
        "--http-samples", type=int, default=300, help="HTTP commands per kind (0: skip)"
    )
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL at this server")
    parser.add_argument("--data-dir", type=Path, default=Path(".bench"))
    parser.add_argument("--fresh", action="store_true", help="rebuild kept databases")
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds before a run is reported as too slow"
    )
    parser.add_argument(
        "--fanout", type=int, default=10000, help="members whose Monday DMs fan out (0: skip)"
    )
    parser.add_argument(
        "--fanout-before", type=int, default=1000, help="rows the one-worker sender is timed on"
    )
    parser.add_argument(
        "--fanout-speed",
        type=float,
        default=2.0,
        help="run Feishu's fake and the sender on a clock this many times faster",
    )
    parser.add_argument(
        "--fanout-only", action="store_true", help="only the fan-out (at --fanout members)"
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=10000,
        help="members of the SQLite/PostgreSQL, 1 vs many workspaces comparison (0: skip)",
    )
    parser.add_argument("--scale-weeks", type=int, default=13, help="history of that comparison")
    parser.add_argument("--scale-only", action="store_true", help="only that comparison")
    args = parser.parse_args(argv)
    if args.smoke:
        plan = Plan(
            sizes=(40,),
            weeks=(2, 4),
            latency_sizes=(20,),
            samples=10,
            data_dir=args.data_dir / "smoke",
            postgres=args.postgres,
            fresh=True,
            fanout=40 if args.fanout else 0,
            fanout_before=20,
            http_samples=10,
            scale=40 if args.scale else 0,
            scale_weeks=2,
            scale_only=args.scale_only,
            smoke=True,
        )
    else:
        plan = Plan(
            sizes=args.sizes,
            weeks=args.weeks,
            latency_sizes=args.latency_sizes,
            samples=args.samples,
            data_dir=args.data_dir,
            postgres=args.postgres,
            fresh=args.fresh,
            timeout=args.timeout,
            fanout=args.fanout,
            fanout_before=args.fanout_before,
            fanout_speed=args.fanout_speed,
            fanout_only=args.fanout_only,
            http_samples=args.http_samples,
            scale=args.scale,
            scale_weeks=args.scale_weeks,
            scale_only=args.scale_only,
        )
    started = time.monotonic()
    table = run(plan)
    print(table)
    print(f"\n(benchmark took {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
