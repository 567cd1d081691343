"""The README's Python tour runs as written."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT


def readme_block(language: str) -> str:
    """The one fenced block of `language` in the README."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)
    assert len(blocks) == 1, f"expected one {language} block, found {len(blocks)}"
    return str(blocks[0])


def test_the_python_tour_runs() -> None:
    code = readme_block("python")
    assert len(code.strip().splitlines()) <= 12, "the tour promises ten lines"
    namespace: dict[str, object] = {"__name__": "readme_tour"}
    exec(compile(code, "README.md", "exec"), namespace)
    repo = Path(str(namespace["repo"]))
    assert (repo / "dbt_project.yml").is_file()
