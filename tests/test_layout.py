"""The package layout holds: the core knows no HTTP, and no module imports its way back to itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "auth"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Modules imported at run time (``TYPE_CHECKING`` blocks excluded)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def test_the_core_knows_no_http() -> None:
    for name, path in MODULES.items():
        if not name.startswith("auth.core"):
            continue
        imported = _imports(path)
        assert not any(m.startswith(("auth.web", "auth.ops", "werkzeug")) for m in imported), name
        assert "flask.request" not in imported and "flask.Response" not in imported, name


def test_no_import_cycles() -> None:
    graph = {name: {m for m in _imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}
    # A package's __init__ importing its own submodules is how it exports them, not a cycle.
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError(" -> ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


def test_capabilities_are_subpackages() -> None:
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} >= {"core", "web", "ops"}
    assert not [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"], "modules belong in a subpackage"


LAYERS = ("auth.core", "auth.web", "auth.ops")
"""The packages that are not capabilities; every other auth.* package is one."""


def test_the_web_layer_imports_no_capability() -> None:
    """auth/web uses the core (and the ops layer, for /readyz and /metrics), never a capability
    (auth.mail, auth.mfa, auth.oidc, or any auth.* package to come): capabilities plug into
    the web layer (signals in auth.core.events, principal checks, extension slots)."""
    for name, path in MODULES.items():
        if not name.startswith("auth.web"):
            continue
        reaching = sorted(m for m in _imports(path) if m.startswith("auth.") and not m.startswith(LAYERS))
        assert not reaching, f"{name} imports {reaching}"
