"""requires-python says 3.8: nothing the package runs at import or call time may need a newer
Python. Annotations are never evaluated (every module starts with ``from __future__ import
annotations``), so ``dict[str, Any]`` or ``int | None`` may appear there; elsewhere (an alias,
a cast, a base class) they would raise TypeError on 3.8. vermin (``make test-python-install``)
checks the standard library calls the same way (no ``asyncio.to_thread``, ``str.removeprefix``)."""

import ast
from pathlib import Path

import tccall

PACKAGE = Path(tccall.__file__).resolve().parent
BUILTIN_GENERICS = {"dict", "list", "tuple", "set", "frozenset", "type"}


def _annotations(tree):
    """The nodes of every annotation in the module (never evaluated under the __future__ import)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign):
            yield node.annotation
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.returns is not None:
                yield node.returns
            a = node.args
            for arg in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
                if arg is not None and arg.annotation is not None:
                    yield arg.annotation


def test_no_runtime_syntax_newer_than_3_8():
    problems = []
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
                     and any(a.name == "annotations" for a in n.names) for n in tree.body)
        if not future and path.name != "__init__.py":
            problems.append(f"{path.name}: no `from __future__ import annotations`")
        in_annotation = {id(n) for ann in _annotations(tree) for n in ast.walk(ann)}
        for node in ast.walk(tree):
            if id(node) in in_annotation:
                continue
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                    and node.value.id in BUILTIN_GENERICS:
                problems.append(f"{path.name}:{node.lineno}: {node.value.id}[...] outside an annotation (3.9+)")
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr) and any(
                    isinstance(side, ast.Constant) and side.value is None for side in (node.left, node.right)):
                problems.append(f"{path.name}:{node.lineno}: `X | None` outside an annotation (3.10+)")
            if isinstance(node, ast.Match if hasattr(ast, "Match") else ()):
                problems.append(f"{path.name}:{node.lineno}: match statement (3.10+)")
        ast.parse(path.read_text(), feature_version=(3, 8))  # no walrus-in-comprehension-iterable etc.
    assert not problems, "\n".join(problems)
