"""The deployment files against the app: Dockerfile, .dockerignore, compose.yaml and
docs/deploy.md run only commands the CLI has, set only variables the app reads (and
configuration.md describes), and probe only routes that exist.

No container is built on this machine; the files are read as Docker and Compose read them, so
a command or a variable renamed in the code fails here rather than in a volunteer's terminal.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import inspect
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import gunicorn.config
import pytest
import yaml
from packaging.specifiers import SpecifierSet
from sqlalchemy.engine import make_url

from campaigns import create_app
from campaigns.core import storage
from tests.support import deploy_files as files
from tests.support.deploy_files import ROOT

APP_SERVICES = ("migrate", "web", "worker", "cron")
SHARED = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "STORAGE_URL")
# Read by gunicorn itself, not by the app: its default bind and number of workers.
GUNICORN_VARIABLES = ("PORT", "WEB_CONCURRENCY")
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()
DEPLOY = ROOT / "docs" / "deploy.md"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deploy-instance")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSTANCE_PATH", str(folder))
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "the deployment files' test",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'campaigns.db'}",
                "REDIS_URL": "redis://127.0.0.1:9/0",
            }
        )
    return app


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def image_env():
    env = {}
    for instruction in files.dockerfile():
        if instruction.keyword == "ENV":
            env.update(files.env_assignments(instruction.arguments))
    return env


def the(keyword: str) -> files.Instruction:
    found = [i for i in files.dockerfile() if i.keyword == keyword]
    assert found, f"the Dockerfile has no {keyword}"
    return found[-1]


def check_command(app, words: list[str], shown: str | None = None) -> None:
    """`words` runs something that exists: a command of the CLI, or gunicorn serving the app."""
    shown = shown or " ".join(words)
    if files.program(words) == "campaigns":
        command, rest = files.cli_command(app, words[1:])
        files.check_arguments(command, rest, shown)
    elif files.program(words) == "gunicorn":
        check_gunicorn(words[1:], shown)
    else:
        pytest.fail(f"`{shown}` runs neither campaigns nor gunicorn")


def check_gunicorn(words: list[str], shown: str) -> None:
    settings = {flag: s for s in gunicorn.config.KNOWN_SETTINGS for flag in s.cli or ()}
    positional, rest = [], list(words)
    while rest:
        word = rest.pop(0)
        if not word.startswith("-"):
            positional.append(word)
            continue
        name, _, value = word.partition("=")
        assert name in settings, f"`{shown}`: gunicorn has no option {name}"
        if settings[name].action not in ("store_true", "store_const") and not value:
            value = rest.pop(0)
        if settings[name].name == "config":
            assert value.startswith("python:"), f"`{shown}`: the config is a module"
            module = value.removeprefix("python:")
            # Found, not imported: importing it points prometheus_client at a folder.
            assert importlib.util.find_spec(module), f"`{shown}`: no module {module}"
            assert module == "campaigns.monitoring.gunicorn_config", shown
    assert len(positional) == 1, f"`{shown}`: gunicorn serves one app"
    module, _, expression = positional[0].partition(":")
    spec = importlib.util.find_spec(module)
    assert spec and spec.origin, f"`{shown}`: no module {module}"
    name = expression.removesuffix("()")
    assert name in files.top_level_names(Path(spec.origin)), f"`{shown}`: {module} has no {name}"


def assert_route(app, path: str, where: str) -> None:
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(path, method="GET")
    assert endpoint.startswith("operate."), f"{where}: {path} is not a probe"


def health_paths(words: list[str]) -> list[str]:
    return [urlsplit(u).path for w in words for u in re.findall(r"https?://[^\s'\"]+", w)]


# --- the variables ---


def test_the_app_reads_what_configuration_md_describes():
    """The scan of the source finds the settings (so the checks below compare with something)."""
    read = files.variables_read()
    for name in ("SECRET_KEY", "DATABASE_URL", "STORAGE_URL", "PROMETHEUS_MULTIPROC_DIR"):
        assert name in read
    assert "werkzeug.proxy_fix.orig" not in read  # a request's environ is not the process's


def app_variable(name: str) -> bool:
    return name in files.variables_read() and f"`{name}`" in CONFIGURATION


def test_gunicorn_reads_its_variables():
    source = inspect.getsource(gunicorn.config)
    for name in GUNICORN_VARIABLES:
        assert f"'{name}'" in source or f'"{name}"' in source, name


def test_the_image_sets_only_variables_something_reads(image_env):
    python_help = subprocess.run(
        [sys.executable, "--help-env"], capture_output=True, text=True, check=True
    ).stdout
    pip_help = subprocess.run(
        [sys.executable, "-m", "pip", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for name in image_env:
        if name.startswith("PIP_"):
            option = "--" + name.removeprefix("PIP_").lower().replace("_", "-")
            assert option in pip_help, f"pip has no option {option} for {name}"
        elif name.startswith("PYTHON"):
            assert f"{name}:" in python_help or f"{name} " in python_help, name
        else:
            assert app_variable(name) or name in GUNICORN_VARIABLES, f"nothing reads {name}"


def test_compose_sets_only_variables_the_app_reads(compose):
    for service in APP_SERVICES:
        for name in compose["services"][service]["environment"]:
            assert app_variable(name) or name in GUNICORN_VARIABLES, f"{service}: {name}"


def test_every_compose_variable_is_documented_in_deploy_md():
    """Each `${NAME}` compose takes from .env is in deploy.md's tables."""
    names = files.interpolated_names((ROOT / "compose.yaml").read_text())
    assert "SECRET_KEY" in names
    deploy = DEPLOY.read_text()
    missing = sorted(name for name in names if f"`{name}`" not in deploy)
    assert not missing, f"not in docs/deploy.md: {missing}"


def test_deploy_md_sets_only_variables_something_reads():
    code = files.markdown_code(DEPLOY)
    compose_names = files.interpolated_names((ROOT / "compose.yaml").read_text())
    names = set(re.findall(r"^(?:Environment=)?([A-Z][A-Z0-9_]*)=", code, flags=re.M))
    assert names, "deploy.md shows no settings"
    for name in names:
        known = app_variable(name) or name in GUNICORN_VARIABLES or name in compose_names
        assert known, f"docs/deploy.md sets {name}, which nothing reads"


# --- the commands ---


def test_the_console_script_is_the_cli():
    (script,) = importlib.metadata.entry_points(group="console_scripts", name="campaigns")
    assert script.value == "campaigns.cli:main" and callable(script.load())


def test_a_command_that_does_not_exist_is_refused(app):
    """The checker itself refuses what the CLI would (else every check below passes)."""
    for wrong in (["campaigns", "serve"], ["campaigns", "db", "upgrad"], ["campaigns", "db"]):
        with pytest.raises(AssertionError):
            check_command(app, wrong)
    with pytest.raises(AssertionError):
        check_command(app, ["campaigns", "worker", "--bursts"])
    with pytest.raises(AssertionError):
        check_command(app, ["gunicorn", "--wrokers", "2", "campaigns:served_app()"])
    with pytest.raises(AssertionError):
        check_command(app, ["gunicorn", "campaigns:no_such_app"])


def test_the_image_runs_the_web_server(app):
    check_command(app, the("CMD").exec_form(), "Dockerfile CMD")


def test_compose_runs_real_commands(app, compose):
    for name in APP_SERVICES:
        command = compose["services"][name].get("command") or the("CMD").exec_form()
        check_command(app, command, f"{name}: {' '.join(command)}")
    commands = {tuple(compose["services"][n].get("command") or ()) for n in APP_SERVICES}
    assert {("campaigns", "worker"), ("campaigns", "cron"), ("campaigns", "db", "upgrade")} <= (
        commands
    )


def test_every_command_in_deploy_md_exists(app):
    commands = [
        c for c in files.markdown_commands(DEPLOY) if files.program(c) in ("campaigns", "gunicorn")
    ]
    shown = {" ".join(c[:3]) for c in commands}
    assert {"campaigns db upgrade", "campaigns worker", "campaigns cron"} <= shown
    for command in commands:
        check_command(app, command)


def test_deploy_md_probes_real_routes(app):
    spans = set(re.findall(r"`(/[a-z]+)`", DEPLOY.read_text()))
    urls = health_paths(files.markdown_code(DEPLOY).split())
    assert {"/healthz", "/readyz"} <= spans
    for path in spans | {url for url in urls if url.strip("/")}:
        assert_route(app, path, "docs/deploy.md")


# --- the image ---


def test_the_image_runs_as_an_unprivileged_user():
    instructions = files.dockerfile()
    users = [i for i in instructions if i.keyword == "USER"]
    assert users, "no USER: the container would run as root"
    user = users[-1].arguments.split(":")[0]
    assert user not in ("root", "0")
    assert instructions.index(users[-1]) < instructions.index(the("CMD"))
    made = " ".join(i.arguments for i in instructions if i.keyword == "RUN")
    assert re.search(rf"useradd .*--uid {user}\b", made), f"no user {user} is made"


def test_the_base_image_is_a_slim_python_the_package_supports():
    image = the("FROM").arguments.split()[0]
    match = re.fullmatch(r"python:(\d+\.\d+)-slim(-\w+)?", image)
    assert match, image
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert match.group(1) + ".0" in SpecifierSet(project["requires-python"])


def test_the_image_holds_what_the_app_reads_beside_the_package(app):
    """templates/ and static/ sit beside the package: copied next to it, installed in place."""
    workdir = the("WORKDIR").arguments
    copied = set()
    for instruction in files.dockerfile():
        if instruction.keyword == "COPY":
            *sources, target = instruction.arguments.split()
            copied |= {s.rstrip("/") for s in sources if target.rstrip("/") in (".", "")}
            copied |= {s.rstrip("/") for s in sources if target.rstrip("/") == s.rstrip("/")}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = {"campaigns", "pyproject.toml", project["readme"]}
    for folder in (app.template_folder, app.static_folder):
        needed.add(str(Path(folder).relative_to(ROOT)))
    assert needed <= copied, f"not copied into {workdir}: {sorted(needed - copied)}"
    installs = " ".join(i.arguments for i in files.dockerfile() if i.keyword == "RUN")
    outside = not Path(app.template_folder).is_relative_to(ROOT / "campaigns")
    assert not outside or re.search(r"pip install (--editable|-e) \.", installs)
    ignored = files.dockerignore()
    for path in needed:
        assert not any(Path(path).match(pattern) for pattern in ignored), path
    for private in (".env", ".git", ".venv", "instance"):
        assert private in ignored, f".dockerignore lets {private} into the image"


def test_the_image_has_a_writable_instance_folder_and_a_liveness_check(app, image_env):
    made = " ".join(i.arguments for i in files.dockerfile() if i.keyword == "RUN")
    folder = image_env["INSTANCE_PATH"]
    assert f"mkdir -p {folder}" in made and re.search(rf"chown \S+ {folder}", made)
    check = the("HEALTHCHECK").exec_form()
    (path,) = health_paths(check)
    assert path == "/healthz"  # liveness: a database outage must not restart every web server
    assert_route(app, path, "HEALTHCHECK")
    assert "PORT" in " ".join(check) and the("EXPOSE").arguments == image_env["PORT"]


# --- compose ---


def test_compose_has_every_part(compose):
    services = compose["services"]
    assert set(APP_SERVICES) | {"postgres", "redis", "storage"} <= set(services)
    for name in APP_SERVICES:
        assert "build" in services[name] and services[name]["image"] == services["web"]["image"]


def test_every_process_shares_the_key_the_database_redis_and_the_bucket(compose):
    services = compose["services"]
    for name in SHARED:
        values = {services[s]["environment"].get(name) for s in APP_SERVICES}
        assert len(values) == 1 and None not in values, f"{name} differs: {values}"
    key = services["web"]["environment"]["SECRET_KEY"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", key), "compose must refuse to run without it"


def test_the_urls_point_at_the_services_compose_runs(compose):
    services = compose["services"]
    env = {k: files.resolve(v) for k, v in services["web"]["environment"].items()}
    database = make_url(env["DATABASE_URL"])
    database.get_dialect()  # the driver it names is installed
    postgres = {k: files.resolve(v) for k, v in services["postgres"]["environment"].items()}
    assert services[database.host]["image"].startswith("postgres:")
    assert database.port == 5432
    assert (database.username, database.password, database.database) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        postgres["POSTGRES_DB"],
    )
    assert urlsplit(env["REDIS_URL"]).hostname in services
    bucket, _ = storage.parse_url(env["STORAGE_URL"])
    store = services[urlsplit(env["STORAGE_ENDPOINT_URL"]).hostname]
    assert f"-bucket={bucket}" in store["command"], "the store does not create the bucket"
    keys = {k: files.resolve(v) for k, v in store["environment"].items()}
    assert keys["AWS_ACCESS_KEY_ID"] == env["STORAGE_ACCESS_KEY_ID"]
    assert keys["AWS_SECRET_ACCESS_KEY"] == env["STORAGE_SECRET_ACCESS_KEY"]


def waits_for(compose, name: str, seen=None) -> dict[str, str]:
    """Everything `name` waits for, directly or through what it waits for."""
    seen = {} if seen is None else seen
    for other, condition in files.depends_on(compose["services"][name]).items():
        if other not in seen:
            seen[other] = condition
            waits_for(compose, other, seen)
    return seen


def test_the_app_starts_after_its_servers_are_healthy_and_migrated(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        waited = waits_for(compose, name)
        # The migrations need the database alone; everything else needs all three.
        for server in ("postgres",) if name == "migrate" else ("postgres", "redis", "storage"):
            assert waited.get(server) == "service_healthy", f"{name} does not wait for {server}"
            assert services[server]["healthcheck"]["test"], server
        if name != "migrate":
            assert waited.get("migrate") == "service_completed_successfully", name
    assert services["migrate"]["restart"] == "no"


def test_only_the_web_server_inherits_the_web_health_check(app, compose, image_env):
    services = compose["services"]
    for name in APP_SERVICES:
        check = services[name].get("healthcheck")
        if name == "web":
            assert check is None or all(
                assert_route(app, p, "web") is None for p in health_paths(check["test"])
            )
        else:
            assert check == {"disable": True}, f"{name} would be probed on the web port"
    published = services["web"]["ports"][0].rsplit(":", 1)[1]
    assert published == image_env["PORT"]
    proxy = services["proxy"]["command"]
    assert proxy[proxy.index("--to") + 1] == f"web:{image_env['PORT']}"
