"""The apps import one another in one direction only (issue 16).

Every module of every first-party app (a top-level directory with an `apps.py`) is parsed, not
imported, and each `import` / `from … import` naming another app is an arrow, wherever it is:
at the top, inside a function (a late import hides a cycle from Python, not from a reader), in
a migration or a command. Settings name apps by string (INSTALLED_APPS, ROOT_URLCONF, a job's
runner), which is no arrow. A relative import stays inside its app.

LAYERS is the order ARCHITECTURE.md draws: an app imports only apps of the layers below it.
An app below that shows what an app above adds reads a slot or a registry the app above fills
in its `AppConfig.ready()`.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Bottom first. Apps of one layer import none of each other.
LAYERS = (
    ("jobs",),  # background jobs; knows no app
    ("pipeline_crm",),  # settings and the core every app shares
    ("accounts",),
    ("opportunities",),
    ("activities",),
    ("forecasting",),
    ("quotes",),  # adds a saved report kind to forecasting's registry
    ("home", "demo"),  # the site (root URLconf, dashboards) and the demo data
)


def first_party_apps() -> set[str]:
    return {path.parent.name for path in ROOT.glob("*/apps.py")}


def imported_modules(tree: ast.AST):
    """(absolute module name, line) of every import in `tree`, at any depth."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno


def app_arrows(apps: set[str]) -> dict[tuple[str, str], list[str]]:
    """{(app, imported app): ["module.py:line", …]} over every module of `apps`."""
    arrows = defaultdict(list)
    for app in sorted(apps):
        for path in sorted((ROOT / app).rglob("*.py")):
            tree = ast.parse(path.read_bytes(), filename=str(path))
            for module, line in imported_modules(tree):
                target = module.partition(".")[0]
                if target in apps and target != app:
                    arrows[app, target].append(f"{path.relative_to(ROOT)}:{line}")
    return arrows


def cycles(arrows) -> list[list[str]]:
    """The strongly connected components of more than one app (Tarjan's algorithm)."""
    graph = defaultdict(set)
    for source, target in arrows:
        graph[source].add(target)
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(app):
        index[app] = low[app] = len(index)
        stack.append(app)
        on_stack.add(app)
        for target in sorted(graph[app]):
            if target not in index:
                visit(target)
                low[app] = min(low[app], low[target])
            elif target in on_stack:
                low[app] = min(low[app], index[target])
        if low[app] == index[app]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == app:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for app in sorted(graph):
        if app not in index:
            visit(app)
    return found


def describe(arrows, pairs) -> str:
    return "\n".join(
        f"  {source} -> {target}: {', '.join(arrows[source, target])}" for source, target in pairs
    )


def test_the_layers_name_every_app_once():
    listed = [app for layer in LAYERS for app in layer]
    assert len(listed) == len(set(listed))
    assert set(listed) == first_party_apps(), "place each new app in LAYERS"


def test_no_cycle_between_apps():
    arrows = app_arrows(first_party_apps())
    found = cycles(arrows)
    pairs = sorted(
        (source, target)
        for component in found
        for source, target in arrows
        if source in component and target in component
    )
    assert not found, f"cycles between apps {found}:\n{describe(arrows, pairs)}"


def test_apps_import_only_the_layers_below():
    level = {app: number for number, layer in enumerate(LAYERS) for app in layer}
    arrows = app_arrows(first_party_apps())
    upward = sorted((source, target) for source, target in arrows if level[target] >= level[source])
    assert not upward, f"imports of an app at or above the importer:\n{describe(arrows, upward)}"


def test_the_arrows_are_found_at_any_depth():
    """The parser's own check: a late import inside a function is an arrow too."""
    tree = ast.parse("def f():\n    from accounts.models import Account\nimport jobs.models\n")
    assert sorted(imported_modules(tree)) == [("accounts.models", 2), ("jobs.models", 3)]
    assert cycles({("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}) == [
        ["a", "b", "c"]
    ]
