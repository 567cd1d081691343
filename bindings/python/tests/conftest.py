"""Shared fixtures: a git copy of the engine's shop fixture project, and git as the customer
runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import interop_sync as ix

ROOT = Path(__file__).resolve().parents[3]
SHOP = ROOT / "interop-sync" / "tests" / "fixtures" / "projects" / "shop"

CUSTOMER = {
    "GIT_AUTHOR_NAME": "Customer",
    "GIT_AUTHOR_EMAIL": "ae@customer.test",
    "GIT_COMMITTER_NAME": "Customer",
    "GIT_COMMITTER_EMAIL": "ae@customer.test",
}


def git(repo: Path, *args: str) -> str:
    """Runs git in `repo` as the customer and returns its output."""
    out = subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**os.environ, **CUSTOMER},
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def make_repo(path: Path, source: Path = SHOP) -> Path:
    """A git repository (branch main, one commit) holding a copy of `source`."""
    shutil.copytree(source, path)
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "shop")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fresh git copy of the shop project."""
    return make_repo(tmp_path / "repo")


def edit_file(repo: Path, path: str, old: str, new: str) -> None:
    """The customer edits one file on main and commits."""
    file = repo / path
    text = file.read_text()
    assert old in text, f"{path} has no {old!r}"
    file.write_text(text.replace(old, new, 1))
    git(repo, "commit", "-qam", f"edit {path}")


def merge_pr(repo: Path, vendor: str) -> None:
    """The customer merges the vendor's sync branch (a merge commit, as a PR merge does)."""
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge PR", f"interop/{vendor}")


def mine(changes: list[ix.VendorChange]) -> list[ix.VendorChange]:
    """The changes about the vendor's own objects (the repo's others arrive as created)."""
    return [c for c in changes if c.change != "created"]
