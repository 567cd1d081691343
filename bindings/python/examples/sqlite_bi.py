"""A small BI tool that keeps its metrics in a SQLite file and syncs them with a customer's
dbt repository through interop_sync.

    python sqlite_bi.py --db bi.sqlite define revenue_per_order \\
        --label "Revenue per order" --expr "revenue / nullif(order_count, 0)" \\
        --inputs revenue order_count
    python sqlite_bi.py --db bi.sqlite sync --repo path/to/dbt-repo
    python sqlite_bi.py --db bi.sqlite list
    python sqlite_bi.py --db bi.sqlite resolve --repo path/to/dbt-repo bi-1 description vendor

Each metric is a derived dbt metric; its id (``bi-<n>``) is the tool's own and survives
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
    input_metrics text not null default '[]',
    file text
)
"""

METRICS_FILE = "models/marts/_metrics.yml"


@dataclass
class Metric:
    """A metric as the tool stores it."""

    id: str
    name: str
    label: str
    expr: str
    description: str = ""
    input_metrics: list[str] = field(default_factory=list)
    file: str | None = METRICS_FILE

    def to_desired(self) -> ix.Desired:
        """The dbt metric this maps to (a derived metric over its input metrics)."""
        value: dict[str, Any] = {"label": self.label, "type": "derived", "expr": self.expr}
        if self.description:
            value["description"] = self.description
        value["input_metrics"] = [{"name": n} for n in self.input_metrics]
        return ix.Desired(self.id, "metric", self.name, value, file=self.file)

    @classmethod
    def from_change(cls, change: ix.VendorChange) -> Metric | None:
        """The metric a vendor change describes (None for a deletion or another kind)."""
        if change.kind != "metric" or change.value is None or change.name is None:
            return None
        value = change.value
        inputs = [i["name"] for i in value.get("input_metrics", []) if isinstance(i, dict) and "name" in i]
        return cls(
            id=change.id,
            name=change.name,
            label=str(value.get("label", change.name)),
            expr=str(value.get("expr", "")),
            description=str(value.get("description", "")),
            input_metrics=inputs,
            file=change.file,
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
            "select id, name, label, expr, description, input_metrics, file from metrics order by id"
        ):
            yield Metric(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), row[6])

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
                "insert or replace into metrics values (?, ?, ?, ?, ?, ?, ?)",
                (
                    metric.id,
                    metric.name,
                    metric.label,
                    metric.description,
                    metric.expr,
                    json.dumps(metric.input_metrics),
                    metric.file,
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
    With ``adopt_new``, metrics written by hand in the repo are imported as well."""
    plan = session.plan([m.to_desired() for m in store.all()])
    record = session.apply(plan)
    report = SyncReport(record, conflicts=record.conflicts)
    conflicted = {c.id for c in record.conflicts}
    changes = record.vendor_changes + (session.pull() if adopt_new else [])
    for change in changes:
        if change.change == "deleted":
            store.delete(change.id)
            report.taken.append(f"- {change.id}")
            continue
        if change.change == "created" and (not adopt_new or store.get(change.id)):
            continue
        if change.id in conflicted:
            continue
        metric = Metric.from_change(change)
        if metric is not None:
            store.save(metric)
            report.taken.append(f"~ {change.id}: {', '.join(change.fields) or 'new'}")
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
