"""The production-shaped stack (docker-compose.yml and the Dockerfile) stays runnable.

No Docker is needed: the Compose file is validated against the Compose Specification's
JSON schema (bundled with check-jsonschema, so this works offline), and the invariants a
schema cannot see are checked here: app commands name programs this project provides,
long-running services are health-checked and restarted, one beat, pinned images,
declared volumes, a non-root image.

YAML is read with ruamel.yaml, which check-jsonschema depends on (PyYAML is not a
dependency of this project).
"""

import importlib
import json
import re
import shlex
import subprocess
import sys
import tomllib
import warnings
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from celery import Celery
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from django.core.management import get_commands
from django.urls import Resolver404, resolve
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

# Celery beat has no liveness endpoint to probe; its restart policy covers crashes.
# Every other long-running service must have a health check.
SERVICES_WITHOUT_HEALTHCHECK = {"beat"}


def _load_compose() -> dict:
    return YAML(typ="safe", pure=True).load(COMPOSE_FILE.read_text())


COMPOSE = _load_compose()
SERVICES: dict[str, dict] = COMPOSE["services"]
APP_SERVICES = sorted(name for name, service in SERVICES.items() if "build" in service)


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuations joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _dockerfile_cmd() -> list[str]:
    cmds = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "CMD"]
    assert cmds, "the Dockerfile has no CMD"
    return json.loads(cmds[-1])


def _argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def _service_argv(service: dict) -> list[str]:
    return _argv(service["command"]) if "command" in service else _dockerfile_cmd()


def _healthcheck_argv(healthcheck: dict) -> list[str] | None:
    test = healthcheck.get("test")
    if test is None or healthcheck.get("disable"):
        return None
    if isinstance(test, str):  # the string form runs through the shell, like CMD-SHELL
        return shlex.split(test)
    kind, *rest = test
    if kind == "NONE":
        return None
    if kind == "CMD-SHELL":
        return shlex.split(rest[0])
    assert kind == "CMD", f"unknown healthcheck test form {kind!r}"
    return rest


def _one_shot_services() -> set[str]:
    """Services that others wait on to *finish* (migrations): not long-running."""
    return {
        name
        for service in SERVICES.values()
        for name, dependency in (service.get("depends_on") or {}).items()
        if isinstance(dependency, dict)
        and dependency.get("condition") == "service_completed_successfully"
    }


def _option_value(argv: list[str], *names: str) -> str | None:
    for index, arg in enumerate(argv):
        for name in names:
            if arg == name and index + 1 < len(argv):
                return argv[index + 1]
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _assert_program_exists(argv: list[str]) -> None:
    """The command runs a program this project (or its pinned dependencies) provides."""
    program, *args = argv
    if program == "python":
        if args[:1] == ["manage.py"]:
            assert len(args) >= 2, f"{argv}: no management command"
            assert args[1] in get_commands(), f"{argv}: no management command {args[1]!r}"
        elif args[:1] == ["-c"]:
            compile(args[1], "<compose command>", "exec")
        else:
            pytest.fail(f"{argv}: unrecognised python invocation")
    elif program == "gunicorn":
        config = _option_value(args, "-c", "--config")
        if config:  # the settings module, config/gunicorn.py
            assert config.startswith("python:"), f"{argv}: name the settings as a module"
            importlib.import_module(config.removeprefix("python:"))
        options = {_option_value(args, "--bind", "-b"), config}
        targets = [arg for arg in args if ":" in arg and not arg.startswith("-")]
        targets = [arg for arg in targets if arg not in options]
        assert targets, f"{argv}: no WSGI application named"
        module_name, _, attribute = targets[0].partition(":")
        with warnings.catch_warnings():
            # WhiteNoise warns when STATIC_ROOT is missing; the image runs collectstatic
            # at build time, a test run need not have.
            warnings.filterwarnings("ignore", "No directory at: ", UserWarning)
            module = importlib.import_module(module_name)
        assert callable(getattr(module, attribute, None)), f"{argv}: no {targets[0]}"
    elif program == "celery":
        app_name = _option_value(args, "-A", "--app")
        assert app_name, f"{argv}: no -A/--app"
        assert isinstance(find_app(app_name), Celery), f"{argv}: -A {app_name} is not a Celery app"
        assert isinstance(importlib.import_module(f"{app_name}.celery").app, Celery)
        rest = [arg for arg in args if arg not in {"-A", "--app", app_name}]
        subcommand = next((arg for arg in rest if not arg.startswith("-")), None)
        assert subcommand in celery_cli.commands, f"{argv}: no celery command {subcommand!r}"
    else:
        pytest.fail(f"{argv}: {program!r} is not a program this project provides")


def _image_is_pinned(reference: str) -> bool:
    if "@sha256:" in reference:
        return True
    name_end = reference.rfind("/") + 1
    _, colon, tag = reference[name_end:].partition(":")
    return bool(colon) and tag != "latest" and bool(re.search(r"\d", tag))


def _named_volume(entry: str | dict) -> str | None:
    if isinstance(entry, dict):
        return entry.get("source") if entry.get("type", "volume") == "volume" else None
    parts = entry.split(":")
    if len(parts) < 2:  # an anonymous volume
        return None
    source = parts[0]
    return None if source.startswith(("/", ".", "~", "$")) else source


def _volume_target(entry: str | dict) -> str:
    return entry["target"] if isinstance(entry, dict) else entry.split(":")[1]


def test_compose_file_matches_the_compose_specification():
    check_jsonschema = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(check_jsonschema), "--builtin-schema", "vendor.compose-spec", COMPOSE_FILE.name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    print(result.stdout, result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_has_no_obsolete_version_key():
    assert "version" not in COMPOSE


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_commands_run_programs_the_project_provides(name):
    service = SERVICES[name]
    _assert_program_exists(_service_argv(service))
    argv = _healthcheck_argv(service.get("healthcheck") or {})
    if argv is not None:
        _assert_program_exists(argv)


def test_the_image_default_command_runs_a_program_the_project_provides():
    _assert_program_exists(_dockerfile_cmd())


def test_app_services_share_the_app_environment():
    environments = [SERVICES[name].get("environment") for name in APP_SERVICES]
    assert environments[0], "app services have no environment"
    assert all(environment == environments[0] for environment in environments)
    environment = environments[0]
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?"), "SECRET_KEY must be required"
    for required in ("DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS", "SITE_URL"):
        assert environment.get(required), f"{required} is not set for the app services"


def test_long_running_services_restart_and_are_health_checked():
    one_shot = _one_shot_services()
    assert one_shot, "nothing runs the migrations before the app starts"
    long_running = set(SERVICES) - one_shot
    for name in sorted(long_running):
        assert SERVICES[name].get("restart") == "unless-stopped", f"{name}: restart policy"
    without_healthcheck = {
        name
        for name in long_running
        if _healthcheck_argv(SERVICES[name].get("healthcheck") or {}) is None
    }
    assert without_healthcheck == SERVICES_WITHOUT_HEALTHCHECK
    for name in sorted(one_shot):
        assert SERVICES[name].get("restart", "no") == "no", f"{name} runs once; do not restart it"


def test_services_waited_on_provide_the_state_they_are_waited_for():
    for name, service in SERVICES.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in SERVICES, f"{name} depends on unknown service {dependency}"
            condition = spec.get("condition") if isinstance(spec, dict) else None
            if condition == "service_healthy":
                healthcheck = SERVICES[dependency].get("healthcheck") or {}
                assert _healthcheck_argv(healthcheck), f"{name} waits on {dependency}'s health"


def test_migrations_run_once_before_the_app_starts():
    migrate = SERVICES["migrate"]
    assert _service_argv(migrate)[:3] == ["python", "manage.py", "migrate"]
    for name in APP_SERVICES:
        if name != "migrate":
            condition = SERVICES[name]["depends_on"]["migrate"]["condition"]
            assert condition == "service_completed_successfully", name


def test_exactly_one_celery_beat_runs():
    beats = [
        name
        for name in APP_SERVICES
        if _service_argv(SERVICES[name])[:1] == ["celery"]
        and "beat" in _service_argv(SERVICES[name])
    ]
    assert beats == ["beat"]
    beat = SERVICES["beat"]
    assert beat["deploy"]["replicas"] == 1
    assert beat.get("scale", 1) == 1


def test_celery_beat_keeps_its_schedule_on_a_named_volume():
    beat = SERVICES["beat"]
    schedule = _option_value(_service_argv(beat), "--schedule", "-s")
    assert schedule, "beat has no --schedule file"
    targets = [_volume_target(entry) for entry in beat.get("volumes", []) if _named_volume(entry)]
    assert any(schedule.startswith(target.rstrip("/") + "/") for target in targets), targets


def test_web_health_check_fetches_a_public_url_the_project_serves():
    web = SERVICES["web"]
    argv = _healthcheck_argv(web["healthcheck"])
    urls = re.findall(r"https?://[^'\"\s]+", " ".join(argv or []))
    assert urls, "the web health check fetches no URL"
    url = urlsplit(urls[0])
    assert str(url.port) == _option_value(_service_argv(web), "--bind", "-b").rsplit(":", 1)[1]
    try:
        match = resolve(url.path)
    except Resolver404:
        pytest.fail(f"the project serves no {url.path}")
    # LoginRequiredMiddleware would redirect it to the login page, which answers 200.
    assert getattr(match.func, "login_required", True) is False, f"{url.path} needs a login"


def test_service_images_are_pinned_to_a_version():
    for name, service in SERVICES.items():
        if "image" in service and "build" not in service:
            assert _image_is_pinned(service["image"]), f"{name}: {service['image']} is not pinned"


def test_named_volumes_are_declared_and_used():
    declared = set(COMPOSE.get("volumes") or {})
    used = {
        volume
        for service in SERVICES.values()
        for entry in service.get("volumes", [])
        if (volume := _named_volume(entry))
    }
    assert used == declared


def test_dockerfile_base_images_are_pinned():
    stages: set[str] = set()
    froms = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "FROM"]
    assert froms
    for arguments in froms:
        words = [word for word in arguments.split() if not word.startswith("--")]
        image = words[0]
        if image not in stages and image != "scratch":
            assert _image_is_pinned(image), f"FROM {image} is not pinned"
        if len(words) == 3 and words[1].upper() == "AS":
            stages.add(words[2])


def test_dockerfile_runs_the_app_as_a_non_root_user():
    instructions = _dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    users = [arguments for keyword, arguments in instructions[last_from:] if keyword == "USER"]
    assert users, "the final stage sets no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_copies_files_that_exist_and_are_not_docker_ignored():
    ignored = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for keyword, arguments in _dockerfile_instructions():
        if keyword not in {"COPY", "ADD"} or "--from=" in arguments:
            continue
        words = [word for word in arguments.split() if not word.startswith("--")]
        for source in words[:-1]:
            assert (ROOT / source).exists(), f"{keyword} {source}: no such file in the repo"
            for pattern in ignored:
                assert not fnmatch(source.rstrip("/"), pattern.rstrip("/")), (
                    f"{keyword} {source} is excluded by .dockerignore ({pattern})"
                )


def test_both_stages_copy_every_package_the_project_installs():
    """Settings and Celery import every package (lib/, audit/ too): an image missing one
    fails at start-up. The packages are pyproject's list; each is copied in the build
    stage (which installs them) and in the runtime stage (which runs them)."""
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in include}
    stages = re.split(r"^FROM ", DOCKERFILE.read_text(), flags=re.M)[1:]
    assert len(stages) == 2
    for stage in stages:
        copied = set(re.findall(r"^COPY (\w+) \./\1$", stage, flags=re.M))
        assert packages <= copied, f"not copied: {packages - copied}"
