"""The README snippets marked `<!-- test_readme.py runs this block -->` run as written (against
the sandbox): bindings/python/README.md and the Python snippet of the repository's README."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MARK = "<!-- test_readme.py runs this block -->"
READMES = [ROOT / "bindings" / "python" / "README.md", ROOT / "README.md"]


def blocks():
    for readme in READMES:
        text = readme.read_text()
        for m in re.finditer(re.escape(MARK) + r"\n```python\n(.*?)```", text, re.S):
            line = text.count("\n", 0, m.start()) + 1
            yield pytest.param(m.group(1), id=f"{readme.relative_to(ROOT)}:{line}")


BLOCKS = list(blocks())


def test_every_readme_has_runnable_python():
    found = {b.id.split(":")[0] for b in BLOCKS}
    assert found == {str(r.relative_to(ROOT)) for r in READMES}, found
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("code", BLOCKS)
def test_readme_block_runs(code):
    exec(compile(code, "<README block>", "exec"), {"__name__": "__readme__"})
