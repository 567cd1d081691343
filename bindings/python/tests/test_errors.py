"""Bad input gets a clear, typed error: file, line, column and YAML path for what is read;
the path inside the value for what comes from Python; and never a bare RuntimeError."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import git, make_repo


def test_the_hierarchy() -> None:
    for cls in (ix.ReadError, ix.InputError, ix.ConflictError, ix.ScopeError, ix.RepoMovedError, ix.GitError):
        assert issubclass(cls, ix.InteropError) and not issubclass(cls, RuntimeError)
    assert issubclass(ix.InteropError, Exception)


def test_a_duplicate_key_is_listed_with_file_line_column_and_yaml_path(repo: Path) -> None:
    path = repo / "models" / "marts" / "finance" / "_finance__models.yml"
    lines = path.read_text().splitlines(keepends=True)
    # A second `description:` in the orders entry, right after the first one (line 5).
    assert lines[4].startswith("    description:")
    lines.insert(5, "    description: Orders again.\n")
    path.write_text("".join(lines))

    project = ix.inspect(repo)
    assert len(project.errors) == 1
    [error] = project.errors
    assert isinstance(error, ix.ReadError)
    assert (error.kind, error.file, error.line, error.column) == (
        "syntax",
        "models/marts/finance/_finance__models.yml",
        6,
        5,
    )
    assert error.yaml_path == "models[0].description"
    assert "duplicate key 'description'" in error.message
    assert str(error).startswith("models/marts/finance/_finance__models.yml:6:5: models[0].description: ")
    with pytest.raises(ix.ReadError) as raised:
        project.raise_for_errors()
    assert (raised.value.line, raised.value.yaml_path) == (6, "models[0].description")
    # The rest of the project is still read.
    assert project.get("model.shop.stg_shop_db__orders") is not None


def test_inspect_reads_a_commit_and_says_where_each_resource_is(repo: Path) -> None:
    project = ix.inspect(repo, rev="main")
    assert project.name == "shop" and project.errors == [] and len(project) > 100
    orders = project.get("model.shop.orders")
    assert orders is not None
    assert (orders.kind, orders.file, orders.line) == ("model", "models/marts/finance/orders.sql", 1)
    assert orders.properties_file == "models/marts/finance/_finance__models.yml"
    assert orders.description == "{{ doc('finance_orders') }}"
    test = next(r for r in project.resources if r.kind == "generic_test" and r.parent == "model.shop.orders")
    assert test.yaml_path.startswith("models[0]")
    assert repr(orders) == "Resource(model model.shop.orders at models/marts/finance/orders.sql:1)"
    with pytest.raises(ix.ReadError, match="no such folder"):
        ix.inspect(repo / "nowhere")


def test_a_broken_dbt_project_file_stops_a_session_with_its_position(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "dbt_project.yml").write_text("name: shop\nversion: '1.0'\nprofile: [unclosed\n")
    git(repo, "commit", "-qam", "break it")
    session = ix.Session(repo, "acme-bi", "bi")
    with pytest.raises(ix.ReadError) as raised:
        session.plan([])
    error = raised.value
    assert error.file == "dbt_project.yml"
    assert error.line >= 3 and error.column >= 1
    assert error.kind == "syntax"


def test_a_state_file_error_names_the_line_column_and_path(tmp_path: Path) -> None:
    good = tmp_path / "metrics.yml"
    good.write_text(
        "objects:\n"
        "  - id: bi-42\n"
        "    kind: metric\n"
        "    name: revenue_per_order\n"
        "    value:\n"
        "      type: derived\n"
        "      expr: revenue / nullif(order_count, 0)\n"
    )
    [desired] = ix.load_desired(good)
    assert (desired.id, desired.kind, desired.value["type"]) == ("bi-42", "metric", "derived")

    bad_kind = tmp_path / "bad_kind.yml"
    bad_kind.write_text(good.read_text().replace("kind: metric", "kind: metrc"))
    with pytest.raises(ix.ReadError) as raised:
        ix.load_desired(bad_kind)
    assert (raised.value.file, raised.value.line, raised.value.column) == (str(bad_kind), 3, 11)
    assert raised.value.yaml_path == "objects[0].kind"
    assert "'metrc' is not a resource kind" in raised.value.message

    bad_value = tmp_path / "bad_value.yml"
    bad_value.write_text(good.read_text().split("    value:")[0] + "    value: [1, 2]\n")
    with pytest.raises(ix.ReadError) as raised:
        ix.load_desired(bad_value)
    assert (raised.value.line, raised.value.column, raised.value.yaml_path) == (5, 12, "objects[0].value")

    syntax = tmp_path / "syntax.yml"
    syntax.write_text("objects:\n  - id: a\n    id: b\n")
    with pytest.raises(ix.ReadError) as raised:
        ix.load_desired(syntax)
    assert (raised.value.line, raised.value.column) == (3, 5)
    assert raised.value.yaml_path == "objects[0].id"


def test_values_from_python_are_checked_with_their_path(repo: Path) -> None:
    session = ix.Session(repo, "acme-bi", "bi")
    with pytest.raises(ix.InputError) as raised:
        session.plan([{"id": "a", "kind": "metric", "name": "m", "value": {"tags": [{1, 2}]}}])
    assert raised.value.yaml_path == "[0].value.tags[0]"
    assert "set is not a JSON value" in str(raised.value)
    with pytest.raises(ix.InputError) as raised:
        ix.Desired("a", "metric", "m", {"ratio": float("nan")})
    assert raised.value.yaml_path == "value.ratio"
    with pytest.raises(ix.InputError) as raised:
        ix.Desired.from_dict({"id": "a", "kind": "metric", "name": "m", "vaule": {}})
    assert raised.value.yaml_path == "vaule"
    with pytest.raises(ix.InputError) as raised:
        ix.Desired("a", "metric", "m", {"name": "other"})
    assert raised.value.yaml_path == "value.name"
    with pytest.raises(ix.InputError, match="the id is used twice"):
        session.plan([ix.Desired("a", "metric", "m1"), ix.Desired("a", "metric", "m2")])


def test_git_problems_are_git_errors(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(ix.GitError) as raised:
        ix.Session(tmp_path / "plain", "acme-bi", "bi")
    assert raised.value.kind == "git"
    with pytest.raises(ix.GitError) as raised:
        ix.Session(make_repo(tmp_path / "repo"), "acme bi", "bi")
    assert raised.value.kind == "refused_ref"


def test_credentials_never_show_their_secret() -> None:
    token = ix.Credentials.token("ghp_secret123")
    assert "ghp_secret123" not in repr(token)
    assert repr(token) == "Credentials.token(username='x-access-token', token=<hidden>)"
    key = ix.Credentials.ssh_key("/keys/id_ed25519", passphrase="hunter2")
    assert "hunter2" not in repr(key)


def test_a_push_to_a_remote_with_credentials(tmp_path: Path) -> None:
    source = make_repo(tmp_path / "source")
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(source), str(remote))
    session = ix.Session(
        f"file://{remote}",
        "acme-bi",
        "bi",
        credentials=ix.Credentials.none(),
        cache_dir=tmp_path / "cache",
    )
    desired = ix.Desired("bi-42", "metric", "revenue_per_order", {"type": "derived", "expr": "revenue / nullif(order_count, 0)", "input_metrics": [{"name": "revenue"}, {"name": "order_count"}], "label": "Revenue per order"})
    record = session.sync([desired], push=True)
    assert record.pushed and record.commit is not None
    assert git(remote, "rev-parse", "refs/heads/interop/acme-bi").strip() == record.commit


def test_init_scaffolds_a_project_that_reads_cleanly(tmp_path: Path) -> None:
    report = ix.init(tmp_path / "analytics", adapter="postgres")
    assert report.branch == "main" and report.commit is not None
    assert "dbt_project.yml" in report.files
    project = ix.inspect(tmp_path / "analytics")
    assert project.name == "analytics" and project.errors == []
    assert "init" in repr(report) or "InitReport" in repr(report)
    with pytest.raises(ix.InteropError, match="not empty"):
        ix.init(tmp_path / "analytics")
    with pytest.raises(ix.InputError) as raised:
        ix.init(tmp_path / "x", name="Bad Name")
    assert raised.value.yaml_path == "name"
