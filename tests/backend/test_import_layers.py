"""Imports between backend apps follow the graph drawn in backend/README.md ("Layers").

The README's mermaid block is the only copy of the graph: `a --> b` lets app `a` import app `b`
and whatever `b` may import; `a <--> b` marks two apps that import each other. Every import
statement of every backend module is checked, including those inside functions.
"""

import ast
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BACKEND = REPO_ROOT / "backend"
README = BACKEND / "README.md"
# The project package (settings, URL root, Celery app, error types), not an app: any app may
# import it, and its URL root includes every app.
PROJECT = "config"

EDGE = re.compile(r"^\s*(\w+)\s*(-->|<-->)\s*(\w+)\s*$")


def graph_from_readme(text: str) -> tuple[set[str], set[tuple[str, str]], set[frozenset[str]]]:
    """The apps, the allowed direct imports (importer, imported) and the mutual pairs of the Layers block."""
    section = text.split("\n## Layers", 1)[1].split("\n## ", 1)[0]
    block = section.split("```mermaid", 1)[1].split("```", 1)[0]
    apps, edges, mutual = set(), set(), set()
    for line in block.splitlines():
        match = EDGE.match(line)
        if not match:
            continue
        source, arrow, target = match.groups()
        apps |= {source, target}
        edges.add((source, target))
        if arrow == "<-->":
            edges.add((target, source))
            mutual.add(frozenset((source, target)))
    return apps, edges, mutual


def reachable(edges: set[tuple[str, str]]) -> dict[str, set[str]]:
    """For each app, every app it may import: those its arrows lead to, directly or through others."""
    direct: dict[str, set[str]] = {}
    for source, target in edges:
        direct.setdefault(source, set()).add(target)
    reach = {}
    for app in direct:
        seen, todo = set(), [app]
        while todo:
            for nxt in direct.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[app] = seen - {app}
    return reach


def backend_apps() -> set[str]:
    return {p.name for p in BACKEND.iterdir() if (p / "__init__.py").is_file()} - {PROJECT}


def imported_apps(source: str, apps: set[str]) -> list[tuple[int, str]]:
    """(line, module) of each absolute import of one of `apps` in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found += [(node.lineno, module) for module in modules if module.split(".")[0] in apps]
    return found


def forbidden_imports(*, path: str, app: str, source: str, apps: set[str], allowed: dict[str, set[str]]) -> list[str]:
    """A readable line for each import in `source` (a module of `app`) that the graph does not allow."""
    problems = []
    for line, module in imported_apps(source, apps):
        target = module.split(".")[0]
        if target != app and target not in allowed.get(app, set()):
            problems.append(f"{path}:{line}: imports {module}, but {app} -> {target} is not in the graph")
    return problems


def test_every_backend_app_is_in_the_graph():
    apps, _, _ = graph_from_readme(README.read_text())
    assert apps == backend_apps(), "draw each backend app in backend/README.md, section Layers"


def test_the_graph_runs_one_way():
    """No cycles, apart from the pairs drawn as importing each other."""
    apps, edges, mutual = graph_from_readme(README.read_text())
    one_way = {(a, b) for a, b in edges if frozenset((a, b)) not in mutual}
    cycles = sorted(app for app, reach in reachable(one_way).items() if app in reach)
    assert not cycles, f"these apps import themselves through others: {', '.join(cycles)}"


def test_imports_between_apps_follow_the_graph():
    apps, edges, _ = graph_from_readme(README.read_text())
    allowed = reachable(edges)
    problems = []
    for path in sorted(BACKEND.rglob("*.py")):
        app = path.relative_to(BACKEND).parts[0]
        if app in apps:
            relative = str(path.relative_to(REPO_ROOT))
            problems += forbidden_imports(path=relative, app=app, source=path.read_text(), apps=apps, allowed=allowed)
    assert not problems, "imports against backend/README.md (Layers):\n" + "\n".join(problems)


def test_the_checker_names_file_line_and_edge_of_a_forbidden_import():
    apps, edges, _ = graph_from_readme(README.read_text())
    source = "import logging\n\n\ndef run():\n    from readings.models import Reading\n    return Reading\n"
    problems = forbidden_imports(
        path="backend/inference/example.py", app="inference", source=source, apps=apps, allowed=reachable(edges)
    )
    assert problems == [
        "backend/inference/example.py:5: imports readings.models, but inference -> readings is not in the graph"
    ]


def test_the_checker_allows_what_the_graph_draws():
    apps, edges, _ = graph_from_readme(README.read_text())
    source = "from inference.registry import package_get\nfrom cases.models import Case\nfrom readings import tasks\n"
    assert ("readings", "inference") in edges
    assert not forbidden_imports(
        path="backend/readings/example.py", app="readings", source=source, apps=apps, allowed=reachable(edges)
    )
