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
    Conflict,
    ConflictError,
    Credentials,
    Desired,
    FileChange,
    GitError,
    InitReport,
    InputError,
    Inspection,
    InteropError,
    Plan,
    ReadError,
    RepoMovedError,
    Resource,
    ResourceChange,
    Scope,
    ScopeError,
    Session,
    Status,
    SyncRecord,
    VendorChange,
    __version__,
    init,
    inspect,
    load_desired,
)

__all__ = [
    "RECORD_SCHEMA",
    "Conflict",
    "ConflictError",
    "Credentials",
    "Desired",
    "FileChange",
    "GitError",
    "InitReport",
    "InputError",
    "Inspection",
    "InteropError",
    "Plan",
    "ReadError",
    "RepoMovedError",
    "Resource",
    "ResourceChange",
    "Scope",
    "ScopeError",
    "Session",
    "Status",
    "SyncRecord",
    "VendorChange",
    "__version__",
    "init",
    "inspect",
    "load_desired",
]
