"""Reading the deployment files as Docker and Compose would, and the names the app knows.

`tests/test_deploy_files.py` checks each name found here against the code: this machine
builds no container, so what the files run and set is compared with what exists instead.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = ROOT / "campaigns"


# --- the Dockerfile ---


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        """The arguments as a command: a JSON array as it is, a shell form split as sh would."""
        text = self.arguments.strip()
        if self.keyword == "HEALTHCHECK":
            text = text.partition("CMD")[2].strip()
        if text.startswith("["):
            return json.loads(text)
        return shlex.split(text)


def dockerfile(path: Path = ROOT / "Dockerfile") -> list[Instruction]:
    """The instructions in order, continuation lines joined and comments left out."""
    instructions, pending = [], ""
    for line in path.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
    return instructions


def env_assignments(arguments: str) -> dict[str, str]:
    """`ENV A=1 B=2` (or the old `ENV A 1`) as a mapping."""
    words = shlex.split(arguments)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


def dockerignore(path: Path = ROOT / ".dockerignore") -> list[str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


# --- compose.yaml ---

INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolated_names(text: str) -> set[str]:
    return {match.group(1) for match in INTERPOLATION.finditer(text)}


def resolve(value: str) -> str:
    """A value as compose makes it with nothing set: defaults taken, a required variable
    standing for itself as `<NAME>`."""

    def one(match: re.Match) -> str:
        name, operator, word = match.groups()
        if operator and operator.endswith("-"):
            return word
        return f"<{name}>"

    return INTERPOLATION.sub(one, str(value)).replace("$$", "$")


def depends_on(service: dict) -> dict[str, str]:
    """Each service this one waits for, with its condition (a bare list waits for a start)."""
    found = service.get("depends_on") or {}
    if isinstance(found, list):
        return {name: "service_started" for name in found}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in found.items()}


# --- commands in any of the files ---

SHELL_OPERATORS = {"&&", "||", ";", "|", ">", "<", "2>&1"}
# Options of `docker compose exec` and `run` that take a value: the service name follows them.
DOCKER_VALUE_OPTIONS = {"-e", "--env", "-u", "--user", "-w", "--workdir", "--index", "--name"}


def commands_in(line: str) -> list[list[str]]:
    """The commands a line of shell, a Procfile or a systemd unit runs, each as its words,
    with wrappers (`docker compose exec web …`, `ExecStart=`) taken off."""
    line = line.strip()
    if line.startswith("$ "):
        line = line[2:]
    unit = re.match(r"ExecStart(?:Pre|Post)?=(.*)", line)
    if unit:
        line = unit.group(1)
    procfile = re.match(r"([a-z]+): (.*)", line)
    if procfile:
        line = procfile.group(2)
    try:
        # shlex keeps a `;` on the word before it.
        words = shlex.split(re.sub(r";(\s|$)", r" ;\1", line))
    except ValueError:
        return []
    found, current = [], []
    for word in [*words, ";"]:
        if word in SHELL_OPERATORS:
            if current:
                found.append(unwrapped(current))
            current = []
        else:
            current.append(word)
    commands = []
    for command in found:
        if command[:1] in (["sh"], ["bash"]) and command[1:2] == ["-c"] and len(command) > 2:
            commands += commands_in(command[2])
        elif command:
            commands.append(command)
    return commands


def unwrapped(words: list[str]) -> list[str]:
    # Variables set for the command, and a unit's `Key=value` lines.
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        words = words[1:]
    if words[:1] == ["sudo"]:
        words = words[3:] if words[1:2] == ["-u"] else words[1:]
    if words[:2] == ["docker", "compose"] and len(words) > 2:
        rest = words[2:]
        while rest and rest[0] not in ("exec", "run"):
            rest = rest[1:]
        rest = rest[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[2:] if rest[0] in DOCKER_VALUE_OPTIONS else rest[1:]
        return rest[1:]  # after the service's name
    return words


def markdown_commands(path: Path) -> list[list[str]]:
    """Every command in the code blocks and in the inline code of a Markdown file."""
    text = path.read_text()
    found = []
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.M | re.S):
        for line in block.splitlines():
            found += commands_in(line)
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.M | re.S)
    for span in re.findall(r"`([^`\n]+)`", prose):
        if span.startswith(("campaigns ", "gunicorn ")):
            found += commands_in(span)
    return found


def markdown_code(path: Path) -> str:
    return "\n".join(re.findall(r"^```[^\n]*\n(.*?)^```", path.read_text(), flags=re.M | re.S))


def program(words: list[str]) -> str:
    return Path(words[0]).name if words else ""


# --- what the app knows ---


@functools.cache
def variables_read() -> dict[str, str]:
    """Every environment variable the package reads, with where: `os.environ.get("X")`,
    `os.environ["X"]`, `os.getenv("X")` and config.py's `_int("X", …)` family."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            name = _read_name(node)
            if name:
                found.setdefault(name, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _is_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _read_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        key = node.slice
    elif isinstance(node, ast.Call) and node.args:
        func = node.func
        getter = isinstance(func, ast.Attribute) and (
            (func.attr == "get" and _is_environ(func.value))
            or (func.attr == "getenv" and isinstance(func.value, ast.Name))
        )
        helper = isinstance(func, ast.Name) and func.id in ("_int", "_float", "_bool")
        if not (getter or helper):
            return None
        key = node.args[0]
    else:
        return None
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    return None


def top_level_names(module_path: Path) -> set[str]:
    """What a module defines at its top level, read without importing it (importing wsgi.py
    would build an app from this machine's environment)."""
    tree = ast.parse(module_path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def cli_command(app: Flask, words: list[str]) -> tuple[click.Command, list[str]]:
    """The command `campaigns WORDS…` runs, as `campaigns.cli.main` builds the group, and the
    words left for it; an AssertionError names a word that is no command."""
    group = FlaskGroup(create_app=lambda: app)
    context = click.Context(group, info_name="campaigns", obj=ScriptInfo(create_app=lambda: app))
    command, rest, path = group, list(words), ["campaigns"]
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        found = command.get_command(context, rest[0])
        path.append(rest[0])
        assert found is not None, f"`{' '.join(path)}` is not a command of the CLI"
        command, rest = found, rest[1:]
    assert not isinstance(command, click.Group), f"`{' '.join(path)}` needs a subcommand"
    return command, rest


def check_arguments(command: click.Command, words: list[str], shown: str) -> None:
    """Every option in `words` is one of `command`'s, and positional words only where it
    takes arguments."""
    options = {"--help": False}
    for param in command.params:
        if isinstance(param, click.Option):
            for name in [*param.opts, *param.secondary_opts]:
                options[name] = not param.is_flag
    takes_arguments = any(isinstance(param, click.Argument) for param in command.params)
    rest = list(words)
    while rest:
        word = rest.pop(0)
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            assert name in options, f"`{shown}`: {command.name} has no option {name}"
            if options[name] and "=" not in word:
                rest = rest[1:]
        else:
            assert takes_arguments, f"`{shown}`: {command.name} takes no argument {word!r}"
