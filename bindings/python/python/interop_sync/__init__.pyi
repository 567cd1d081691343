"""Interop for Python: two-way sync between a data tool and a customer's dbt repository."""

from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from typing import Any, Literal, Protocol, final

__all__ = [
    "RECORD_SCHEMA",
    "ActivityStream",
    "Annotation",
    "Conflict",
    "ConflictError",
    "Connector",
    "Credentials",
    "Dashboard",
    "Description",
    "Desired",
    "Dimension",
    "EltTransform",
    "Entity",
    "FeatureSet",
    "FileChange",
    "GitError",
    "InitReport",
    "InputError",
    "Inspection",
    "InteropError",
    "Job",
    "Metric",
    "Monitor",
    "Plan",
    "Prediction",
    "Publication",
    "Pulled",
    "ReadError",
    "RepoMovedError",
    "Resource",
    "ResourceChange",
    "ReverseEtlSync",
    "SavedQuery",
    "Scope",
    "ScopeError",
    "SemanticModel",
    "Session",
    "Status",
    "SyncRecord",
    "Transform",
    "VendorChange",
    "__version__",
    "conformance_scenarios",
    "init",
    "inspect",
    "load_desired",
    "run_conformance",
]

__version__: str
RECORD_SCHEMA: str

_Kind = str
_Side = Literal["vendor", "repo"]
_PolicyName = Literal["manual", "prefer-repo", "prefer-vendor"]
_Category = Literal[
    "bi",
    "observability",
    "catalog",
    "elt",
    "orchestration",
    "reverse_etl",
    "notebook",
    "ml",
    "product_analytics",
    "everything",
]
_StrPath = str | PathLike[str]

class _HasToDesired(Protocol):
    def to_desired(self) -> Desired | Mapping[str, Any]: ...

_DesiredLike = Desired | Mapping[str, Any] | _HasToDesired
_MetricType = Literal["simple", "ratio", "derived", "cumulative", "conversion"]
_BiObject = Metric | SemanticModel | SavedQuery | Dashboard | Transform
_Dialect = Literal["duckdb", "snowflake", "bigquery", "postgres", "redshift", "databricks"]
_Changes = Iterable[VendorChange | Mapping[str, Any]] | None

# Errors

class InteropError(Exception):
    """Base class of every error raised by interop_sync."""

class ReadError(InteropError):
    """A file could not be read; says what and where."""

    kind: str
    file: str
    line: int
    column: int
    yaml_path: str
    message: str

class InputError(InteropError):
    """A value given from Python is not what the call takes."""

    yaml_path: str

class ConflictError(InteropError):
    """A sync has conflicts a person must resolve."""

    conflicts: list[Conflict]

class ScopeError(InteropError):
    """A desired object reaches outside the session's scope."""

    object: str
    what: str

class RepoMovedError(InteropError):
    """A ref moved between the read and the write: plan again and retry."""

    reference: str
    expected: str
    actual: str

class GitError(InteropError):
    """A git operation failed."""

    kind: str
    reference: str

# Objects

@final
class Desired:
    """One object the vendor wants in the repo."""

    def __new__(
        cls,
        id: str,
        kind: _Kind,
        name: str,
        value: Mapping[str, Any] | None = None,
        file: str | None = None,
    ) -> Desired: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Desired:
        """Builds one from a dict ``{"id", "kind", "name", "value", "file"}``."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    @property
    def id(self) -> str:
        """The vendor's id."""
    @property
    def kind(self) -> _Kind:
        """The dbt resource kind."""
    @property
    def name(self) -> str:
        """The dbt name."""
    @property
    def value(self) -> dict[str, Any]:
        """The YAML entry as a dict."""
    @property
    def file(self) -> str | None:
        """The properties (or SQL) file."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class VendorChange:
    """What the vendor should change on its side because the repo changed."""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> VendorChange:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    @property
    def change(self) -> Literal["created", "updated", "deleted"]:
        """What happened."""
    @property
    def id(self) -> str:
        """The vendor's id."""
    @property
    def unique_id(self) -> str:
        """dbt's unique id."""
    @property
    def fields(self) -> list[str]:
        """The fields that changed."""
    @property
    def kind(self) -> _Kind | None:
        """The resource kind."""
    @property
    def name(self) -> str | None:
        """The dbt name after the change."""
    @property
    def value(self) -> dict[str, Any] | None:
        """The whole entry after the change."""
    @property
    def file(self) -> str | None:
        """The file it is declared in."""
    def to_desired(self) -> Desired | None:
        """The object as the vendor now holds it."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Conflict:
    """A field both sides changed differently."""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Conflict:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    @property
    def id(self) -> str:
        """The vendor's id."""
    @property
    def unique_id(self) -> str:
        """dbt's unique id."""
    @property
    def path(self) -> str:
        """The field."""
    @property
    def base(self) -> Any:
        """The value both sides last agreed on."""
    @property
    def vendor(self) -> Any:
        """The vendor's value."""
    @property
    def repo(self) -> Any:
        """The repo's value."""
    @property
    def sides(self) -> list[Literal["base", "vendor", "repo"]]:
        """The sides that hold a value."""
    @property
    def is_deletion(self) -> bool:
        """Whether one side deleted the field while the other edited it."""
    def summary(self, vendor: str) -> str:
        """One line for a PR or a log."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class ResourceChange:
    """One resource's change in the repo."""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> ResourceChange:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    @property
    def resource(self) -> str:
        """The resource's unique id."""
    @property
    def change(self) -> Literal["added", "modified", "removed", "renamed", "moved"]:
        """What happened."""
    @property
    def previous(self) -> str | None:
        """The old unique id or file."""
    @property
    def fields(self) -> list[str]:
        """The fields that changed."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class FileChange:
    """One file a plan changes."""

    @property
    def path(self) -> str:
        """The path, relative to the project root."""
    @property
    def before(self) -> str | None:
        """The text before."""
    @property
    def after(self) -> str:
        """The text after."""

@final
class SyncRecord:
    """What an apply did (schema ``interop.sync-record/v1``)."""

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> SyncRecord:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The record as a dict."""
    def to_json(self) -> str:
        """The record as JSON text."""
    @property
    def vendor(self) -> str:
        """The vendor."""
    @property
    def branch(self) -> str:
        """The sync branch."""
    @property
    def main_commit(self) -> str:
        """The main branch commit the sync started from."""
    @property
    def commit(self) -> str | None:
        """The sync branch's commit."""
    @property
    def created_commit(self) -> bool:
        """Whether this apply wrote a new commit."""
    @property
    def pushed(self) -> bool:
        """Whether the branch and the base were pushed."""
    @property
    def base_version(self) -> str | None:
        """The base version after the sync."""
    @property
    def changes(self) -> list[ResourceChange]:
        """The repo changes."""
    @property
    def vendor_changes(self) -> list[VendorChange]:
        """What the vendor should change on its side."""
    @property
    def conflicts(self) -> list[Conflict]:
        """The open conflicts."""
    @property
    def timings_ms(self) -> dict[str, int]:
        """Milliseconds spent reading, merging and writing."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Status:
    """Where a session stands."""

    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    @property
    def vendor(self) -> str:
        """The vendor."""
    @property
    def branch(self) -> str:
        """The sync branch."""
    @property
    def branch_commit(self) -> str | None:
        """The sync branch's commit."""
    @property
    def agreed(self) -> int:
        """Resources both sides agree on."""
    @property
    def proposed(self) -> int:
        """Resources the sync branch proposes."""
    @property
    def resolutions(self) -> int:
        """Conflict resolutions waiting for the next sync."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Scope:
    """What a session may write."""

    kinds: list[_Kind]
    fields: list[str]
    create: list[_Kind]
    delete: list[_Kind]

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Scope: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Scope:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

# Category objects (interop_sdk::bi, observability, catalog)

@final
class Metric:
    """A BI metric: ``type`` simple, ratio, derived, cumulative or conversion, with its keys."""

    id: str
    name: str
    type: _MetricType
    label: str | None
    description: str | None
    filter: str | None
    semantic_model: str | None
    agg: str | None
    expr: str | None
    percentile: float | None
    discrete_percentile: bool
    fill_nulls_with: int | None
    join_to_timespine: bool
    measure: str | None
    numerator: dict[str, Any] | None
    denominator: dict[str, Any] | None
    inputs: list[dict[str, Any]] | None
    input: str | None
    window: str | None
    grain_to_date: str | None
    period_agg: str | None
    entity: str | None
    calculation: str | None
    base: str | None
    conversion: str | None

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Metric: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Metric:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Dimension:
    """A dimension of a semantic model: ``categorical``, or ``time`` with a granularity."""

    id: str
    name: str
    type: Literal["categorical", "time"]
    granularity: str | None
    expr: str | None
    label: str | None
    description: str | None

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Dimension: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Dimension:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Entity:
    """A join key of a semantic model."""

    id: str
    name: str
    type: Literal["primary", "foreign", "unique", "natural"]
    expr: str | None
    description: str | None

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Entity: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Entity:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class SemanticModel:
    """A table the BI tool models: a dbt model with its entities and dimensions."""

    id: str
    name: str
    model: str
    description: str | None
    label: str | None
    agg_time_dimension: str | None
    entities: list[dict[str, Any]]
    dimensions: list[dict[str, Any]]

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> SemanticModel: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> SemanticModel:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class SavedQuery:
    """A saved query: metrics grouped by dimensions, with filters."""

    id: str
    name: str
    label: str | None
    description: str | None
    metrics: list[str]
    group_by: list[str]
    filters: list[str]

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> SavedQuery: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> SavedQuery:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Dashboard:
    """A dashboard: an exposure depending on what it reads."""

    id: str
    name: str
    label: str | None
    description: str | None
    url: str | None
    maturity: str | None
    owner: dict[str, Any]
    depends_on: list[dict[str, Any]]

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Dashboard: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Dashboard:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Transform:
    """A table the BI tool models itself: a dbt model with the tool's SQL."""

    id: str
    name: str
    folder: str
    sql: str
    description: str | None
    columns: list[dict[str, Any]]
    owner: str | None

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Transform: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Transform:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Monitor:
    """A monitor: one ``check`` on a resource or one of its columns, with its parameters."""

    id: str
    check: str
    target: dict[str, Any] | None
    column: str | None
    severity: Literal["warn", "error"] | None
    where: str | None
    warn_if: str | None
    error_if: str | None
    owner: str | None
    description: str | None
    name: str | None
    config: dict[str, Any]
    values: list[Any] | None
    quote: bool | None
    to: dict[str, Any] | None
    field: str | None
    expression: str | None
    min: Any
    max: Any
    inclusive: bool | None
    warn_after: dict[str, Any] | None
    error_after: dict[str, Any] | None
    loaded_at_field: str | None
    filter: str | None
    sql: str | None
    test: str | None
    arguments: dict[str, Any]
    entry: Any

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Monitor: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Monitor:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Description:
    """The description of a monitored resource or of one of its columns."""

    target: dict[str, Any]
    column: str | None
    text: str

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Description: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Description:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Annotation:
    """What a catalog says about one resource or column."""

    target: dict[str, Any]
    column: str | None
    description: str | None
    owner: dict[str, Any] | None
    tags: list[str]
    terms: list[str]
    meta: dict[str, Any]

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Annotation: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Annotation:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

# Category objects (interop_sdk::elt, orchestration, reverse_etl, notebook, ml,
# product_analytics)

@final
class Connector:
    """An ELT connector: the tables one loader writes into one schema, as a dbt source."""

    id: str
    name: str
    loader: str | None
    database: str | None
    schema: str | None
    description: str | None
    loaded_at: str | None
    freshness: dict[str, Any] | None
    tables: list[dict[str, Any]]
    staging: bool

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Connector: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Connector:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class EltTransform:
    """An ELT tool's SQL transform over warehouse tables, as a model with import CTEs."""

    id: str
    name: str
    folder: str | None
    sql: str
    description: str | None
    owner: str | None
    materialization: Literal["view", "table", "ephemeral"] | None

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> EltTransform: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> EltTransform:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Job:
    """An orchestrator's job: a named selection of models and its schedule, as a selector."""

    id: str
    name: str
    description: str | None
    schedule: str | None
    select: dict[str, Any]

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Job: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Job:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class ReverseEtlSync:
    """A reverse-ETL sync of a model's rows to a destination, as an application exposure."""

    id: str
    name: str
    label: str | None
    description: str | None
    model: str
    destination: str
    mapping: list[dict[str, str]]
    owner: dict[str, Any]
    schedule: str | None
    url: str | None
    post_hook: str | None

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> ReverseEtlSync: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> ReverseEtlSync:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Publication:
    """A published notebook: ordered cells of SQL, as one analysis."""

    id: str
    name: str
    description: str | None
    cells: list[dict[str, str]]

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Publication: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Publication:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class FeatureSet:
    """An ML feature set: features of one entity aggregated from one model."""

    id: str
    name: str
    description: str | None
    entity: str
    key: str
    model: str
    features: list[dict[str, Any]]
    metrics: list[str]
    folder: str

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> FeatureSet: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> FeatureSet:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Prediction:
    """An ML model's output table, as a flagged model."""

    id: str
    name: str
    description: str | None
    upstream: list[str]
    columns: list[dict[str, Any]]
    sql: str | None
    folder: str

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> Prediction: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Prediction:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class ActivityStream:
    """A product-analytics activity stream over one model, in the activity schema."""

    id: str
    name: str
    description: str | None
    model: str
    activity_id: str
    ts: str
    customer: str
    activity: str
    feature_json: str | None
    revenue_impact: str | None
    link: str | None
    folder: str

    def __new__(cls, data: Mapping[str, Any] | None = None, **fields: Any) -> ActivityStream: ...
    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> ActivityStream:
        """Builds one from its dict form."""
    def to_dict(self) -> dict[str, Any]:
        """The dict form."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Pulled:
    """A category pull: the vendor's objects after the repo's changes, and those changes."""

    @property
    def objects(self) -> list[Any]:
        """The objects the vendor should now hold (typed category objects)."""
    @property
    def changes(self) -> list[dict[str, Any]]:
        """What changed, as the category's change dicts."""
    @property
    def vendor_changes(self) -> list[VendorChange]:
        """The session's changes these come from."""
    @property
    def errors(self) -> list[str]:
        """What the repo holds that could not be read as the category's objects."""

@final
class Credentials:
    """How to authenticate to a remote."""

    @staticmethod
    def token(token: str, username: str = "x-access-token") -> Credentials:
        """HTTPS with a token."""
    @staticmethod
    def ssh_key(
        private_key: _StrPath, username: str = "git", passphrase: str | None = None
    ) -> Credentials:
        """ssh with a private key file."""
    @staticmethod
    def ssh_agent(username: str = "git") -> Credentials:
        """ssh through the running ssh agent."""
    @staticmethod
    def none() -> Credentials:
        """No credentials."""

@final
class Plan:
    """What a sync would do; nothing is written until ``Session.apply``."""

    @property
    def main_commit(self) -> str:
        """The main branch head the plan was made from."""
    @property
    def branch(self) -> str:
        """The sync branch."""
    @property
    def changes(self) -> list[ResourceChange]:
        """Per-resource changes to the repo."""
    @property
    def files(self) -> list[FileChange]:
        """The files written."""
    @property
    def deleted(self) -> list[str]:
        """The files deleted."""
    @property
    def vendor_changes(self) -> list[VendorChange]:
        """What the vendor should change on its side."""
    @property
    def conflicts(self) -> list[Conflict]:
        """Conflicts a person must resolve."""
    @property
    def auto_resolved(self) -> list[Conflict]:
        """Conflicts a policy resolved."""
    @property
    def errors(self) -> list[str]:
        """Edits that could not be made safely."""
    @property
    def unmapped(self) -> list[str]:
        """Objects the category mapping left out of the plan, with why."""
    @property
    def pr_title(self) -> str:
        """The pull request title."""
    @property
    def pr_body(self) -> str:
        """The pull request body (markdown)."""
    @property
    def commit_message(self) -> str:
        """The sync commit's message."""
    @property
    def over_budget(self) -> bool:
        """Whether the diff is over the budget."""
    @property
    def insertions(self) -> int:
        """Lines added."""
    @property
    def deletions(self) -> int:
        """Lines removed."""
    @property
    def is_noop(self) -> bool:
        """Whether the repo side changes nothing."""
    def check_conflicts(self) -> None:
        """Raises ``ConflictError`` when the plan has conflicts."""
    def to_dict(self) -> dict[str, Any]:
        """The plan as a dict."""

@final
class Session:
    """A vendor's sync with one repository."""

    def __new__(
        cls,
        repo: _StrPath,
        vendor: str,
        scope: _Category | Scope | Mapping[str, Any] | None = None,
        *,
        policy: _PolicyName = "manual",
        policies: Mapping[str, _PolicyName] | None = None,
        credentials: Credentials | None = None,
        cache_dir: _StrPath | None = None,
        branch: str | None = None,
        main_branch: str | None = None,
        subdir: str = "",
        budget_lines: int = 400,
        author: tuple[str, str] | None = None,
    ) -> Session: ...
    @property
    def vendor(self) -> str:
        """The vendor's name."""
    @property
    def scope(self) -> Scope:
        """What the session owns."""
    def plan(self, desired: Iterable[_DesiredLike]) -> Plan:
        """Merges the vendor's objects with the repo; writes nothing."""
    def apply(self, plan: Plan, push: bool = False, *, allow_conflicts: bool = True) -> SyncRecord:
        """Writes the plan as one commit on the sync branch and stores the base."""
    def sync(
        self, desired: Iterable[_DesiredLike], push: bool = False, *, allow_conflicts: bool = True
    ) -> SyncRecord:
        """``plan`` then ``apply`` in one call."""
    def pull(self) -> list[VendorChange]:
        """What changed in the repo since the last sync."""
    def resolve(self, id: str, path: str, choice: _Side) -> None:
        """Settles a conflict: the chosen side wins on the next sync."""
    def status(self) -> Status:
        """Where the session stands."""
    def plan_bi(self, objects: Iterable[_BiObject] | Mapping[str, Any]) -> Plan:
        """Plans every BI object the tool has, in the repo's semantic-layer spec."""
    def pull_bi(
        self,
        objects: Iterable[_BiObject] | Mapping[str, Any],
        changes: Iterable[VendorChange | Mapping[str, Any]] | None = None,
    ) -> Pulled:
        """The BI objects after the customer's changes since the last sync."""
    def plan_monitors(self, objects: Iterable[Monitor | Description] | Mapping[str, Any]) -> Plan:
        """Plans every monitor (and description) the tool has, as the repo's tests."""
    def pull_monitors(
        self,
        objects: Iterable[Monitor | Description] | Mapping[str, Any],
        changes: Iterable[VendorChange | Mapping[str, Any]] | None = None,
    ) -> Pulled:
        """The monitors and descriptions after the customer's changes since the last sync."""
    def plan_annotations(
        self, objects: Iterable[Annotation | Mapping[str, Any]] | Mapping[str, Any]
    ) -> Plan:
        """Plans every annotation the catalog has."""
    def pull_annotations(
        self,
        objects: Iterable[Annotation | Mapping[str, Any]] | Mapping[str, Any],
        changes: Iterable[VendorChange | Mapping[str, Any]] | None = None,
    ) -> Pulled:
        """The annotations after the customer's changes since the last sync."""
    def plan_elt(
        self,
        objects: Iterable[Connector | EltTransform] | Mapping[str, Any],
        *,
        dialect: _Dialect | None = None,
        warehouse: Mapping[str, Any] | None = None,
    ) -> Plan:
        """Plans every connector and transform; unmappable transforms go to ``plan.unmapped``."""
    def pull_elt(
        self,
        objects: Iterable[Connector | EltTransform] | Mapping[str, Any],
        *,
        dialect: _Dialect | None = None,
        warehouse: Mapping[str, Any] | None = None,
    ) -> Pulled:
        """The connectors and transforms as the repo's main branch holds them."""
    def plan_jobs(self, objects: Iterable[Job | Mapping[str, Any]] | Mapping[str, Any]) -> Plan:
        """Plans every job the orchestrator has, as selectors."""
    def pull_jobs(
        self,
        objects: Iterable[Job | Mapping[str, Any]] | Mapping[str, Any],
        changes: _Changes = None,
    ) -> Pulled:
        """The jobs after the customer's changes since the last sync."""
    def plan_syncs(
        self, objects: Iterable[ReverseEtlSync | Mapping[str, Any]] | Mapping[str, Any]
    ) -> Plan:
        """Plans every reverse-ETL sync, as application exposures."""
    def pull_syncs(
        self,
        objects: Iterable[ReverseEtlSync | Mapping[str, Any]] | Mapping[str, Any],
        changes: _Changes = None,
    ) -> Pulled:
        """The syncs after the customer's changes since the last sync."""
    def plan_publications(
        self, objects: Iterable[Publication | Mapping[str, Any]] | Mapping[str, Any]
    ) -> Plan:
        """Plans every published notebook, as analyses."""
    def pull_publications(
        self,
        objects: Iterable[Publication | Mapping[str, Any]] | Mapping[str, Any],
        changes: _Changes = None,
    ) -> Pulled:
        """The publications after the customer's changes since the last sync."""
    def plan_ml(
        self,
        feature_sets: Iterable[FeatureSet | Mapping[str, Any]],
        predictions: Iterable[Prediction | Mapping[str, Any]] | None = None,
    ) -> Plan:
        """Plans every feature set and prediction, as models."""
    def pull_ml(
        self,
        feature_sets: Iterable[FeatureSet | Mapping[str, Any]],
        predictions: Iterable[Prediction | Mapping[str, Any]] | None = None,
        changes: _Changes = None,
    ) -> Pulled:
        """The feature sets and predictions after the customer's changes since the last sync."""
    def plan_streams(
        self,
        streams: Iterable[ActivityStream | Mapping[str, Any]],
        metrics: Iterable[Metric | SemanticModel] | Mapping[str, Any] | None = None,
    ) -> Plan:
        """Plans every activity stream, and the metrics on them through the BI mapping."""
    def pull_streams(
        self,
        streams: Iterable[ActivityStream | Mapping[str, Any]],
        metrics: Iterable[Metric | SemanticModel] | Mapping[str, Any] | None = None,
        changes: _Changes = None,
    ) -> Pulled:
        """The streams, semantic models and metrics after the customer's changes."""

# Reading and scaffolding

@final
class Resource:
    """One resource of a project, with where it is declared."""

    @property
    def unique_id(self) -> str:
        """dbt's unique id."""
    @property
    def kind(self) -> str:
        """The kind."""
    @property
    def name(self) -> str:
        """The dbt name."""
    @property
    def version(self) -> str | None:
        """The version of a versioned model."""
    @property
    def enabled(self) -> bool:
        """Whether dbt enables it."""
    @property
    def file(self) -> str:
        """The file it is declared in."""
    @property
    def line(self) -> int:
        """1-based line."""
    @property
    def column(self) -> int:
        """1-based column."""
    @property
    def yaml_path(self) -> str:
        """The YAML path of its entry."""
    @property
    def properties_file(self) -> str | None:
        """The properties file that describes it."""
    @property
    def parent(self) -> str | None:
        """The resource a test belongs to."""
    @property
    def description(self) -> str | None:
        """Its description, as written."""

@final
class Inspection:
    """What ``inspect`` read."""

    @property
    def name(self) -> str:
        """The dbt project's name."""
    @property
    def profile(self) -> str | None:
        """The profile."""
    @property
    def require_dbt_version(self) -> list[str]:
        """``require-dbt-version``, as written."""
    @property
    def resources(self) -> list[Resource]:
        """Every resource."""
    @property
    def errors(self) -> list[ReadError]:
        """Every read problem."""
    @property
    def files(self) -> int:
        """How many files dbt would read."""
    def get(self, unique_id: str) -> Resource | None:
        """The resource with this unique id."""
    def raise_for_errors(self) -> None:
        """Raises the first read problem as a ``ReadError``."""
    def __len__(self) -> int: ...

@final
class InitReport:
    """What ``init`` created."""

    @property
    def dir(self) -> str:
        """The project folder."""
    @property
    def files(self) -> list[str]:
        """Every file written."""
    @property
    def commit(self) -> str | None:
        """The first commit."""
    @property
    def branch(self) -> str | None:
        """The branch holding it."""

def inspect(path: _StrPath, rev: str | None = None, subdir: str | None = None) -> Inspection:
    """Reads the dbt project at ``path`` (or at revision ``rev`` of its git repository)."""

def init(
    path: _StrPath,
    name: str | None = None,
    *,
    adapter: Literal["duckdb", "postgres", "snowflake", "bigquery"] = "duckdb",
    git: bool = True,
) -> InitReport:
    """Creates a new dbt project, with git initialised."""

def load_desired(path: _StrPath) -> list[Desired]:
    """Reads a state file of desired objects."""

def conformance_scenarios(directory: _StrPath | None = None) -> list[dict[str, str]]:
    """The conformance scenarios (id, category, level, requirement, file), sorted by id."""

def run_conformance(
    adapter: str | None,
    ids: Sequence[str] = ...,
    *,
    scenarios: _StrPath | None = None,
    fixtures: _StrPath | None = None,
    dbt: bool = True,
    keep: bool = False,
) -> dict[str, Any]:
    """Runs conformance scenarios against an adapter command; the report as a dict."""
