"""A small BI tool that keeps its metrics in a SQLite file and syncs them with a customer's
dbt repository through interop_sync.

    python sqlite_bi.py --db bi.sqlite define revenue_per_order \\
        --label "Revenue per order" --expr "revenue / nullif(order_count, 0)" \\
        --inputs revenue order_count
    python sqlite_bi.py --db bi.sqlite sync --repo path/to/dbt-repo
    python sqlite_bi.py --db bi.sqlite list
    python sqlite_bi.py --db bi.sqlite resolve --repo path/to/dbt-repo bi-1 description vendor

Each metric is the BI category's ``interop_sync.Metric`` (a derived metric); its id (``bi-<n>``) is the tool's own and survives
renames on either side. A sync sends every metric, writes the repo side on the branch
``interop/<vendor>``, and takes what the customer changed in the repo back into the database.
Conflicts are printed with both sides and wait for ``resolve``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import interop_sync as ix

SCHEMA = """
create table if not exists metrics (
    id text primary key,
    name text not null unique,
    label text not null,
    description text not null default '',
    expr text not null,
    input_metrics text not null default '[]'
)
"""


@dataclass
class Metric:
    """A metric as the tool stores it."""

    id: str
    name: str
    label: str
    expr: str
    description: str = ""
    input_metrics: list[str] = field(default_factory=list)

    def to_metric(self) -> ix.Metric:
        """The BI category's metric: a derived metric over the tool's input metrics. The
        session writes it in the repo's own semantic-layer spec."""
        return ix.Metric(
            id=self.id,
            name=self.name,
            label=self.label,
            description=self.description or None,
            type="derived",
            expr=self.expr,
            inputs=[{"name": n} for n in self.input_metrics],
        )

    @classmethod
    def from_metric(cls, metric: ix.Metric) -> Metric | None:
        """The tool's metric for a BI metric (None for a kind the tool does not keep)."""
        if metric.type != "derived" or metric.expr is None:
            return None
        return cls(
            id=metric.id,
            name=metric.name,
            label=metric.label or metric.name,
            expr=metric.expr,
            description=metric.description or "",
            input_metrics=[i["name"] for i in metric.inputs or []],
        )


class MetricStore:
    """The tool's database."""

    def __init__(self, path: str | Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute(SCHEMA)

    def close(self) -> None:
        """Closes the database."""
        self.db.close()

    def all(self) -> Iterator[Metric]:
        """Every metric, by id."""
        for row in self.db.execute(
            "select id, name, label, expr, description, input_metrics from metrics order by id"
        ):
            yield Metric(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))

    def get(self, metric_id: str) -> Metric | None:
        """One metric."""
        return next((m for m in self.all() if m.id == metric_id), None)

    def next_id(self) -> str:
        """A new id: bi-<n>."""
        numbers = [int(m.id[3:]) for m in self.all() if m.id.startswith("bi-") and m.id[3:].isdigit()]
        return f"bi-{max(numbers, default=0) + 1}"

    def save(self, metric: Metric) -> None:
        """Inserts or replaces a metric."""
        with self.db:
            self.db.execute(
                "insert or replace into metrics values (?, ?, ?, ?, ?, ?)",
                (
                    metric.id,
                    metric.name,
                    metric.label,
                    metric.description,
                    metric.expr,
                    json.dumps(metric.input_metrics),
                ),
            )

    def delete(self, metric_id: str) -> None:
        """Removes a metric."""
        with self.db:
            self.db.execute("delete from metrics where id = ?", (metric_id,))


@dataclass
class SyncReport:
    """What one sync did, for the tool's UI."""

    record: ix.SyncRecord
    taken: list[str] = field(default_factory=list)
    conflicts: list[ix.Conflict] = field(default_factory=list)


def open_session(repo: str | Path, vendor: str) -> ix.Session:
    """The tool's session on a customer repo (the BI category's scope)."""
    return ix.Session(repo, vendor, "bi")


def sync(store: MetricStore, session: ix.Session, *, adopt_new: bool = False) -> SyncReport:
    """Sends every metric, writes the repo side, and applies the repo's changes to the store.
    With ``adopt_new``, derived metrics written by hand in the repo are imported as well."""
    held = [m.to_metric() for m in store.all()]
    plan = session.plan_bi(held)
    record = session.apply(plan)
    report = SyncReport(record, conflicts=record.conflicts)
    conflicted = {c.id for c in record.conflicts}
    # The plan's changes taken into the tool's metrics (and, with adopt_new, everything else
    # the repo holds): the metrics as the repo now has them.
    changes = plan.vendor_changes + (session.pull() if adopt_new else [])
    pulled = session.pull_bi(held, changes)
    now = {o.id: o for o in pulled.objects if isinstance(o, ix.Metric)}
    fields = {c.id: c.fields for c in changes}
    for before in held:
        if before.id not in now:
            store.delete(before.id)
            report.taken.append(f"- {before.id}")
    for metric_id, metric in now.items():
        known = store.get(metric_id)
        if metric_id in conflicted or (known is None and not adopt_new):
            continue
        kept = Metric.from_metric(metric)
        if kept is not None and kept != known:
            store.save(kept)
            report.taken.append(f"~ {metric_id}: {', '.join(fields.get(metric_id, [])) or 'new'}")
    return report


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="the SQLite file")
    parser.add_argument("--vendor", default="sqlite-bi")
    commands = parser.add_subparsers(dest="command", required=True)
    define = commands.add_parser("define", help="define or redefine a metric")
    define.add_argument("name")
    define.add_argument("--id")
    define.add_argument("--label", required=True)
    define.add_argument("--expr", required=True)
    define.add_argument("--description", default="")
    define.add_argument("--inputs", nargs="*", default=[])
    commands.add_parser("list", help="list the metrics")
    run = commands.add_parser("sync", help="sync with a customer repo")
    run.add_argument("--repo", required=True)
    run.add_argument("--adopt-new", action="store_true")
    resolve = commands.add_parser("resolve", help="settle a conflict")
    resolve.add_argument("--repo", required=True)
    resolve.add_argument("id")
    resolve.add_argument("field")
    resolve.add_argument("side", choices=["vendor", "repo"])
    args = parser.parse_args(argv)

    store = MetricStore(args.db)
    try:
        if args.command == "define":
            metric = Metric(
                id=args.id or store.next_id(),
                name=args.name,
                label=args.label,
                expr=args.expr,
                description=args.description,
                input_metrics=args.inputs,
            )
            store.save(metric)
            print(f"{metric.id} {metric.name}")
        elif args.command == "list":
            for m in store.all():
                print(f"{m.id}\t{m.name}\t{m.label}\t{m.expr}")
        elif args.command == "sync":
            report = sync(store, open_session(args.repo, args.vendor), adopt_new=args.adopt_new)
            print(report.record)
            for line in report.taken:
                print(f"  taken from the repo: {line}")
            for c in report.conflicts:
                print(f"  conflict {c.id} {c.path}: repo={c.repo!r} vendor={c.vendor!r}")
            return 2 if report.conflicts else 0
        elif args.command == "resolve":
            open_session(args.repo, args.vendor).resolve(args.id, args.field, args.side)
            print(f"{args.id} {args.field}: the {args.side} side wins on the next sync")
    except ix.InteropError as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
