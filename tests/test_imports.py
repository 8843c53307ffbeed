"""Imports flow downhill, read from the source with the standard library alone.

Every import counts, also one inside a function: a lazy import is still a dependency, and a
cycle hidden in a function is still a cycle. Only imports under `if TYPE_CHECKING:` are left
out, since they never run.

Run as a script (`python tests/test_imports.py`) to print the import graph's cycles and what
`app/auth/` reaches.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "workflows", "policies")

# The packages of `app` that every feature may use and that use no feature themselves.
# Everything else under `app/` is a feature. (`app.models` imports every feature's models
# for the metadata, and audit's own pages use handovers and the page helpers: auth reaches
# neither, which `test_auth_reaches_no_feature` checks module by module.)
INFRASTRUCTURE = frozenset({
    "app.api_base", "app.audit", "app.config", "app.db", "app.errors",
    "app.extensions", "app.i18n", "app.input_rules", "app.lifecycle", "app.models",
    "app.pagination", "app.security", "app.tracing", "app.unit_of_work", "app.validation",
})


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    return {module_name(path): path
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(node: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement under `node`, at any depth, except the type checker's."""
    found: list[ast.Import | ast.ImportFrom] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for branch_child in child.orelse:
                found.extend(_imports(ast.Module(body=[branch_child], type_ignores=[])))
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            found.append(child)
        found.extend(_imports(child))
    return found


def _absolute(module: str, statement: ast.ImportFrom, is_package: bool) -> str:
    if not statement.level:
        return statement.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[:len(base) - (statement.level - 1)]
    return ".".join([*base, *([statement.module] if statement.module else [])])


def imported_modules(module: str, path: Path, known: set[str]) -> set[str]:
    """The modules of `known` that `module` imports: `from app.x import y` names the module
    `app.x.y` when that is a module, else `app.x`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    targets: set[str] = set()
    for statement in _imports(tree):
        if isinstance(statement, ast.Import):
            names = [alias.name for alias in statement.names]
        else:
            parent = _absolute(module, statement, path.name == "__init__.py")
            names = [f"{parent}.{alias.name}" if f"{parent}.{alias.name}" in known else parent
                     for alias in statement.names]
        for name in names:
            # `import app.x.y` imports app.x.y; a name inside a module resolves to the module.
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
    return targets


def import_graph() -> dict[str, set[str]]:
    modules = source_modules()
    known = set(modules)
    return {module: imported_modules(module, path, known) for module, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each given as
    one closed path through it, so that the message shows where to cut."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so that a long chain of imports cannot exhaust the recursion limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [_closed_path(graph, set(component)) for component in components]


def _closed_path(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, inside it."""
    start = min(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & component):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start] if node != start else [start]
                if target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    return sorted(component)


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def is_feature(module: str) -> bool:
    return module.startswith("app.") and package_of(module) not in INFRASTRUCTURE | {"app.auth"}


def reached_from(graph: dict[str, set[str]], starts: set[str]) -> dict[str, str]:
    """Every module the `starts` import, directly or through others: module -> importer."""
    importer: dict[str, str] = {}
    frontier = sorted(starts)
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node]):
                if target not in importer and target not in starts:
                    importer[target] = node
                    following.append(target)
        frontier = following
    return importer


def _chain(importer: dict[str, str], module: str) -> str:
    chain = [module]
    while chain[-1] in importer:
        chain.append(importer[chain[-1]])
    return " -> ".join(reversed(chain))


GRAPH = import_graph()


def test_the_graph_is_read():
    # A guard for the test itself: an import it fails to see would hide a cycle.
    assert "app.auth.models" in GRAPH["app.auth.access"]
    assert "app.db" in GRAPH["app.auth.models"]
    assert len(GRAPH) > 100
    missing = sorted(INFRASTRUCTURE - set(GRAPH))
    assert not missing, f"INFRASTRUCTURE names modules that do not exist: {missing}"


def test_imports_in_functions_count_and_those_for_the_type_checker_do_not(tmp_path):
    source = tmp_path / "module.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from app.typed import Only\n"
        "else:\n"
        "    import app.runtime\n"
        "def later():\n"
        "    from app import lazy\n"
        "    from app.package.module import name\n"
        "    from . import sibling\n")
    known = {"app", "app.typed", "app.runtime", "app.lazy", "app.package",
             "app.package.module", "app.here", "app.here.module", "app.here.sibling"}
    assert imported_modules("app.here.module", source, known) == {
        "app.runtime", "app.lazy", "app.package.module", "app.here.sibling"}


def test_a_cycle_is_reported_as_a_path():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


def test_no_import_cycles():
    found = cycles(GRAPH)
    assert not found, (
        "Modules import each other (counting imports inside functions; only those under "
        "`if TYPE_CHECKING:` are left out). Move the code to the module that owns it, or let "
        "the lower module take what it needs as an argument:\n"
        + "\n".join("  " + " -> ".join(path) for path in found))


def test_auth_reaches_no_feature():
    """`app/auth/` imports only itself and the shared infrastructure, and the infrastructure
    it imports leads to no feature either (so auth cannot reach one the long way round)."""
    auth = {module for module in GRAPH if package_of(module) == "app.auth"}
    importer = reached_from(GRAPH, auth)
    features = sorted(module for module in importer if is_feature(module))
    assert not features, (
        "app/auth/ reaches feature modules; a feature imports auth, never the other way. "
        f"Allowed for auth: {sorted(INFRASTRUCTURE)}, workflows, policies and libraries.\n"
        + "\n".join("  " + _chain(importer, module) for module in features))


def test_workflows_and_policies_are_plain_python():
    """The state machines and the policies can be read without the application: they import
    no `app` and no Flask."""
    offending = []
    for module, path in source_modules().items():
        if module.split(".")[0] not in ("workflows", "policies"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for statement in _imports(tree):
            names = ([alias.name for alias in statement.names]
                     if isinstance(statement, ast.Import)
                     else [_absolute(module, statement, path.name == "__init__.py")])
            offending += [f"  {module} (line {statement.lineno}) imports {name}"
                          for name in names if name.split(".")[0] in ("app", "flask")]
    assert not offending, "workflows/ and policies/ must not import app or flask:\n" + "\n".join(
        offending)


if __name__ == "__main__":
    for path in cycles(GRAPH):
        print("cycle:", " -> ".join(path))
    auth_modules = {module for module in GRAPH if package_of(module) == "app.auth"}
    reached = reached_from(GRAPH, auth_modules)
    for module in sorted(reached):
        if is_feature(module):
            print("auth reaches:", _chain(reached, module))
