"""The real lean CLI (PyPI `lean`, pinned in requirements-lean-cli.txt) takes the project the way the
README says: from a workspace laid out as `lean init` makes it, with this project copied in as a
sub-folder, `lean backtest`, `lean optimize` and `lean live deploy` pass every check up to starting
Docker, and `lean cloud push` up to calling QuantConnect's API. The README's lean commands use only
options the CLI has.

The CLI runs offline: a stub modules file stands in for the one it fetches from QuantConnect's CDN
(lean/models/__init__.py reads `lean/modules-<version>.json` and fetches it only when it is missing or
a day old), every web request goes to a closed local port, and DOCKER_HOST names a socket that does
not exist, so no image is ever pulled. It is installed once into .venv/lean-cli; where that fails
the tests skip, naming the reason.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REQUIREMENTS = ROOT / "requirements-lean-cli.txt"
VENV = ROOT / ".venv" / "lean-cli"
PROJECT = "atomic-options"  # the README's folder name for this project inside the workspace
ORGANIZATION = "0123456789abcdef0123456789abcdef"  # what `lean init` writes: the organization's id
# The modules the commands below need offline: the default historical data provider ("Local") and,
# for `lean live deploy`, QuantConnect's paper brokerage and live data.
STUB_MODULES = {"modules": [
    {"id": "local", "display-id": "Local", "type": ["data-downloader"], "platform": ["cli"],
     "configurations": [{"id": "data-provider", "type": "info",
                         "value": "QuantConnect.Lean.Engine.DataFeeds.DefaultDataProvider"}]},
    {"id": "QuantConnectBrokerage", "display-id": "Paper Trading", "type": ["brokerage"], "platform": ["cli"],
     "configurations": [{"id": "live-mode-brokerage", "type": "info", "value": "PaperBrokerage"}]},
    {"id": "QuantConnectDataQueueHandler", "display-id": "QuantConnect", "type": ["data-queue-handler"],
     "platform": ["cli"], "configurations": [{"id": "data-queue-handler", "type": "info",
                                              "value": '["QuantConnect.Lean.Engine.DataFeeds.Queues.LiveDataQueue"]'}]},
]}
DOCKER_ERROR = "Error: Please make sure Docker is installed and running"
# The LEAN project as LEAN imports it; everything else the CLI uploads is tooling LEAN never imports.
PRODUCT = {"main.py", "config.py", "parameters.py", "chaos.py", "atomic", "recovery", "strategies"}
TOOLING = {"leansim", "tests", "bench"}
GROUPS = ("cloud", "data", "live")  # lean commands with sub-commands


@dataclass
class Cli:
    """The installed CLI and the environment that keeps it offline."""

    lean: Path
    python: Path
    env: dict[str, str]

    def run(self, *arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.lean), *arguments], cwd=cwd, env=self.env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)


def _install() -> Path:
    """The CLI's venv, installed from requirements-lean-cli.txt unless it already holds that set."""
    stamp = VENV / ".requirements-installed"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / ".lean-cli.lock", "w") as lock:  # worktrees may share one .venv
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = REQUIREMENTS.read_text()
        if stamp.is_file() and stamp.read_text() == wanted:
            return VENV
        shutil.rmtree(VENV, ignore_errors=True)
        steps = [[sys.executable, "-m", "venv", str(VENV)],
                 [str(VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "-r", str(REQUIREMENTS)]]
        for step in steps:
            try:
                done = subprocess.run(step, capture_output=True, text=True, timeout=600)
            except subprocess.TimeoutExpired:
                pytest.skip(f"the lean CLI could not be installed: {' '.join(step[:3])} took over 10 minutes")
            if done.returncode != 0:
                reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
                pytest.skip(f"the lean CLI could not be installed from the package index: {reason}")
        stamp.write_text(wanted)
    return VENV


def _stub_modules_file(python: Path) -> None:
    """Write the stub where the CLI looks for its modules file, with a fresh time (no CDN fetch)."""
    found = subprocess.run([str(python), "-c", "import lean, pathlib; print(pathlib.Path(lean.__file__).parent)"],
                           capture_output=True, text=True, check=True)
    package = Path(found.stdout.strip())
    match = re.search(r'file_name = "(modules-[\w.]+\.json)"', (package / "models" / "__init__.py").read_text())
    assert match, "lean/models/__init__.py no longer names its modules file: the offline stub needs a new home"
    (package / match[1]).write_text(json.dumps(STUB_MODULES))


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    venv = _install()
    python = venv / "bin" / "python"
    _stub_modules_file(python)
    home = tmp_path_factory.mktemp("home")  # the CLI's ~/.lean: credentials, cache, settings
    (home / ".lean").mkdir()
    (home / ".lean" / "config").write_text(json.dumps({"default-language": "python"}))
    env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
    offline = "http://127.0.0.1:9"  # a closed port: every web request fails at once
    env.update(HOME=str(home), HTTP_PROXY=offline, HTTPS_PROXY=offline, NO_PROXY="",
               DOCKER_HOST=f"unix://{home}/no-docker.sock")
    return Cli(venv / "bin" / "lean", python, env)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Path]:
    """A workspace as `lean init` leaves it (lean.json with the organization id, data/), with the
    project's tracked files copied in as the sub-folder the README names."""
    (tmp_path / "data").mkdir()
    (tmp_path / "lean.json").write_text(json.dumps({
        "data-folder": "data", "job-organization-id": ORGANIZATION, "organization-id": ORGANIZATION}, indent=4))
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip(f"the project is not a git checkout: {listed.stderr.strip()}")
    for name in filter(None, listed.stdout.split("\0")):
        source, target = ROOT / name, tmp_path / PROJECT / name
        if source.is_file():  # a tracked file deleted in the work tree is not part of the clone
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    yield tmp_path


def assert_stops_at_docker(done: subprocess.CompletedProcess[str]) -> None:
    output = done.stdout + done.stderr
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert done.returncode != 0 and errors == [DOCKER_ERROR], output


def test_backtest_from_the_workspace_reaches_docker(cli: Cli, workspace: Path) -> None:
    done = cli.run("backtest", PROJECT, "--parameter", "chaos", "true", cwd=workspace)
    assert_stops_at_docker(done)
    written = json.loads((workspace / PROJECT / "config.json").read_text())
    assert "local-id" in written  # the id the README says not to commit


def test_backtest_from_inside_the_project_reaches_docker(cli: Cli, workspace: Path) -> None:
    """The project ships no lean.json: the CLI walks up to the workspace's, which has the organization."""
    assert_stops_at_docker(cli.run("backtest", ".", cwd=workspace / PROJECT))


def test_optimize_reaches_docker(cli: Cli, workspace: Path) -> None:
    done = cli.run("optimize", PROJECT, "--strategy", "Grid Search", "--target", "Sharpe Ratio",
                   "--target-direction", "max", "--parameter", "wing-width", "5", "10", "5", cwd=workspace)
    assert_stops_at_docker(done)


def test_live_deploy_reaches_docker(cli: Cli, workspace: Path) -> None:
    done = cli.run("live", "deploy", PROJECT, "--brokerage", "Paper Trading", "--data-provider-live", "QuantConnect",
                   cwd=workspace)
    assert_stops_at_docker(done)


def test_cloud_push_gets_as_far_as_quantconnect_s_api(cli: Cli, workspace: Path) -> None:
    done = cli.run("cloud", "push", "--project", PROJECT, cwd=workspace)
    output = done.stdout + done.stderr
    assert f"Pushing '{PROJECT}'" in output and "/api/v2/projects/create" in output, output


def test_lean_s_container_installs_nothing_and_the_upload_is_the_project_and_its_tooling(cli: Cli, workspace: Path) -> None:
    """What the CLI itself makes of the project folder: the requirements it pip-installs into
    LEAN's container (lean_runner.py) and the files `lean cloud push` uploads and each run compiles."""
    script = (
        "import json, sys, pathlib\n"
        "from lean.components.docker.lean_runner import LeanRunner\n"
        "from lean.container import container\n"
        "project = pathlib.Path(sys.argv[1])\n"
        "requirements = LeanRunner._concat_python_requirements(None, [project / 'requirements.txt'])\n"
        "files = [p.relative_to(project).as_posix() for p in container.project_manager.get_source_files(project)]\n"
        "print(json.dumps({'requirements': requirements, 'files': files}))\n"
    )
    done = subprocess.run([str(cli.python), "-c", script, str(workspace / PROJECT)], cwd=workspace, env=cli.env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["requirements"] == ""
    tops = {name.split("/")[0] for name in seen["files"]}
    assert tops == PRODUCT | TOOLING
    assert "main.py" in seen["files"]


def _readme_lean_commands() -> list[list[str]]:
    """The lean CLI command lines of the README's LEAN section, as words."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running main.py with LEAN", 1)[1].split("\n## ", 1)[0]
    lines = [line.split(" #")[0].strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)
             for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line.startswith("lean ")]


def _command(words: list[str]) -> list[str]:
    """`lean cloud push --project x` -> ["cloud", "push"]: the command without its arguments."""
    return words[1:3] if words[1] in GROUPS else words[1:2]


def test_the_readme_s_lean_commands_use_only_options_the_cli_has(cli: Cli, tmp_path: Path) -> None:
    commands = _readme_lean_commands()
    shown = {" ".join(_command(words)) for words in commands}
    assert shown >= {"init", "backtest", "optimize", "data download", "live deploy", "cloud push"}, shown
    for words in commands:
        command = _command(words)
        helped = cli.run(*command, "--help", cwd=tmp_path)
        assert helped.returncode == 0, helped.stdout + helped.stderr
        for option in (word.split("=")[0] for word in words if word.startswith("--")):
            assert re.search(rf"(^|\s){re.escape(option)}\b", helped.stdout), \
                f"README: `{' '.join(words)}`: lean {' '.join(command)} has no {option}"
