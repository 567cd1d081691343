"""Interop for Python: two-way sync between a data tool and a customer's dbt repository.

A vendor opens a :class:`Session` on the customer's repo with its name and category scope,
then plans and applies syncs of its objects, pulls the customer's edits and resolves
conflicts. Objects cross as typed classes that also accept and give back plain dicts
(``Desired.from_dict``, ``to_dict()``); every error is an :class:`InteropError`.

    import interop_sync as ix

    session = ix.Session("path/to/repo", vendor="acme-bi", scope="bi")
    plan = session.plan([ix.Desired("bi-42", "metric", "revenue", {...})])
    record = session.apply(plan)
    for change in session.pull():
        ...
"""

from ._native import (
    RECORD_SCHEMA,
    Annotation,
    Conflict,
    ConflictError,
    Credentials,
    Dashboard,
    Description,
    Desired,
    Dimension,
    Entity,
    FileChange,
    GitError,
    InitReport,
    InputError,
    Inspection,
    InteropError,
    Metric,
    Monitor,
    Plan,
    Pulled,
    ReadError,
    RepoMovedError,
    Resource,
    ResourceChange,
    SavedQuery,
    Scope,
    ScopeError,
    SemanticModel,
    Session,
    Status,
    SyncRecord,
    Transform,
    VendorChange,
    __version__,
    conformance_scenarios,
    init,
    inspect,
    load_desired,
    run_conformance,
)

__all__ = [
    "RECORD_SCHEMA",
    "Annotation",
    "Conflict",
    "ConflictError",
    "Credentials",
    "Dashboard",
    "Description",
    "Desired",
    "Dimension",
    "Entity",
    "FileChange",
    "GitError",
    "InitReport",
    "InputError",
    "Inspection",
    "InteropError",
    "Metric",
    "Monitor",
    "Plan",
    "Pulled",
    "ReadError",
    "RepoMovedError",
    "Resource",
    "ResourceChange",
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
