"""Imports go one way: views and the CLI -> jobs -> services, the worker -> services, services never back up."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "classroom"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every classroom module and the classroom modules it imports, inside functions too (a lazy import is still
    a dependency)."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                module = node.module if not node.level else ".".join(p for p in (base, node.module) if p)
                targets.add(module)
                targets.update(f"{module}.{a.name}" for a in node.names)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def reaches(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """A chain of imports from `start` to `goal`, not passing through the app factory (`classroom`, which imports
    every blueprint and is only called by entry points)."""
    seen, todo = {start}, [[start]]
    while todo:
        chain = todo.pop()
        for nxt in graph[chain[-1]]:
            if nxt == goal:
                return chain + [nxt]
            if nxt not in seen and nxt != "classroom":
                seen.add(nxt)
                todo.append(chain + [nxt])
    return None


def test_runs_jobs_and_the_worker_import_one_way():
    graph = import_graph()
    for service in ("classroom.services.runs", "classroom.services.review", "classroom.services.publishing"):
        for upper in ("classroom.jobs", "classroom.worker"):
            assert reaches(graph, service, upper) is None, reaches(graph, service, upper)
        assert reaches(graph, service, service) is None, reaches(graph, service, service)
    assert reaches(graph, "classroom.jobs", "classroom.worker") is None  # the web process never loads the solver
    assert reaches(graph, "classroom.services.runs", "classroom.services.review") is None
    assert reaches(graph, "classroom.services.runs", "classroom.services.publishing") is None


EDGES = ("classroom.auth.views", "classroom.main.views", "classroom.teachers.views", "classroom.schools.views",
         "classroom.coordinator.views", "classroom.coordinator.runs", "classroom.coordinator.calendar",
         "classroom.rooms.views", "classroom.rooms.recordings", "classroom.api")


def _edge_modules(graph) -> list[str]:
    return [m for m in graph if any(m == e or m.startswith(e + ".") for e in EDGES)]


def test_no_view_imports_another_area_and_nothing_below_imports_an_edge():
    """What two edges share lives below them (docs/architecture.md): a view or API module never imports another
    area's views, and services, schemas and models import no edge at all."""
    graph = import_graph()
    edges = _edge_modules(graph)
    for module in edges:
        area = module.rsplit(".", 1)[0] if not module.startswith("classroom.api") else "classroom.api"
        for target in graph[module]:
            if target in edges and not target.startswith(area):
                raise AssertionError(f"{module} imports {target}")
    for lower in [m for m in graph if m.startswith(("classroom.services", "classroom.schemas", "classroom.models"))]:
        for edge in edges:
            assert reaches(graph, lower, edge) is None, reaches(graph, lower, edge)
