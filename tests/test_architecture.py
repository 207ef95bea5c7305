"""The layout docs/architecture.md describes, checked: imports run one way, tasks are named.

These read the source, not the running app: a circle or a hidden import fails here with the
file and line, before it fails at import time in some worker.
"""

from __future__ import annotations

import ast
import importlib
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "campaigns"

# Lowest first: a package may import those before it, never one after. Shared pieces first,
# then the features in the order docs/architecture.md gives, then what serves them to people.
LAYERS = [
    {
        "config",
        "database",
        "extensions",
        "queues",
        "redis_connection",
        "headers",
        "session_cookies",
        "data",
    },
    {"models"},
    {"core", "urls", "embedded_redis"},
    {"mail", "congress", "monitoring"},
    {"accounts"},
    {"directories"},
    {"tracking"},
    {"integrity"},
    {"webhooks"},
    {"submissions"},
    {"partners"},
    {"letters"},
    {"events"},
    {"actions"},
    {"supporters"},
    {"demo"},
    {"public", "organize", "api", "operate"},
    {"scheduler", "worker", "cli", "__main__", "(app)"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}

# Modules that may import the project inside a function, and why. The app factory imports
# the blueprints (which import every feature) only once the extensions are bound, and the CLI
# builds the app before it imports what a command needs.
FUNCTION_IMPORTS_ALLOWED = {
    "campaigns/__init__.py": "the application factory wires the blueprints and extensions",
    "campaigns/cli.py": "each command imports what it runs after the app is built",
}

# Old homes of the tasks, re-exported for jobs already in Redis (docs/queue.md).
ALIASES = ROOT / "jobs"


def modules():
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(), filename=str(path))


def package_of(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "(app)"


def project_imports(tree: ast.Module):
    """(node, imported module) for every `from campaigns… import` in `tree`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("campaigns"):
            if node.module == "campaigns":
                for alias in node.names:
                    yield node, f"campaigns.{alias.name}"
            else:
                yield node, node.module


def test_every_package_has_a_layer():
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    packages |= {p.stem for p in ROOT.glob("*.py") if p.stem != "__init__"}
    packages -= {"jobs", "migrations"}
    assert packages <= set(RANK), f"give these a layer: {sorted(packages - set(RANK))}"


def test_imports_run_one_way():
    wrong = []
    for path, tree in modules():
        if ALIASES in path.parents:
            continue
        relative = path.relative_to(ROOT.parent)
        here = "(app)" if relative.as_posix() == "campaigns/__init__.py" else relative.parts[1]
        here = here.removesuffix(".py")
        for node, module in project_imports(tree):
            there = package_of(module)
            if there == here or there not in RANK:
                continue
            if RANK[there] > RANK[here]:
                wrong.append(f"{relative}:{node.lineno} {here} imports {module}")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_project_import_hides_in_a_function():
    hidden = []
    for path, tree in modules():
        relative = path.relative_to(ROOT.parent).as_posix()
        if relative in FUNCTION_IMPORTS_ALLOWED:
            continue
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                for node, module in project_imports(func):
                    hidden.append(f"{relative}:{node.lineno} {func.name} imports {module}")
    assert not hidden, "imports inside functions:\n" + "\n".join(sorted(set(hidden)))


def enqueued_names() -> list[tuple[str, str]]:
    """(where, dotted name) of every task the application enqueues by a literal name."""
    found = []
    for path, tree in modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "enqueue"
                and node.args
            ):
                first = node.args[0]
                where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
                assert isinstance(first, ast.Constant), f"{where}: enqueue a dotted name"
                found.append((where, first.value))
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                value = node.value.value
                if isinstance(value, str) and value.startswith("campaigns.") and ".tasks." in value:
                    found.append((f"{path.relative_to(ROOT.parent)}:{node.lineno}", value))
    return found


def resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def every_task() -> set[str]:
    """The dotted name of every function defined in a feature's tasks module."""
    names = set()
    for path, tree in modules():
        if path.name == "tasks.py":
            module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
            names |= {
                f"{module}.{node.name}"
                for node in tree.body
                if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
            }
    return names


def test_every_enqueued_name_resolves_to_a_task():
    names = enqueued_names()
    for where, dotted in names:
        assert ".tasks." in dotted, f"{where}: {dotted} is not in a tasks module"
        assert callable(resolve(dotted)), f"{where}: {dotted}"


def test_every_task_is_enqueued_or_scheduled():
    """No task is left that nothing runs, and nothing runs that is not a task."""
    from campaigns import worker

    used = {dotted for _, dotted in enqueued_names()}
    used |= {task for task, *_ in worker.PERIODIC_TASKS + worker.SCHEDULED_TASKS}
    assert used == every_task()


def test_every_periodic_task_resolves():
    from campaigns import worker

    for task, queue, _ in worker.PERIODIC_TASKS:
        assert callable(resolve(task)) and queue in ("counts", "mail", "exports", "default")
    for task, *_ in worker.SCHEDULED_TASKS:
        assert callable(resolve(task))


def test_tasks_modules_import_no_tasks_module_and_are_entry_points():
    """A tasks module calls services; nothing but the worker's table names it."""
    for path, tree in modules():
        for _, module in project_imports(tree):
            if module.endswith(".tasks"):
                assert ALIASES in path.parents, f"{path} imports {module}"


@pytest.mark.parametrize(
    "old",
    sorted(p.stem for p in ALIASES.glob("*.py") if p.stem != "__init__"),
)
def test_old_task_names_still_run_the_same_functions(old):
    """A job queued under its old name (a delayed retry) finds the task it meant."""
    alias = importlib.import_module(f"campaigns.jobs.{old}")
    assert alias.__all__
    for name in alias.__all__:
        task = getattr(alias, name)
        assert task.__module__.endswith(".tasks") and task.__name__ == name


def test_no_module_is_much_over_four_hundred_lines():
    long = [
        f"{path.relative_to(ROOT.parent)}: {n}"
        for path, _ in modules()
        if (n := len(path.read_text().splitlines())) > 420
    ]
    assert not long, long
