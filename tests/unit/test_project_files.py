"""The LEAN project's own files say what the lean CLI and LEAN need: config.json lists every
parameter main.py reads at its default and carries none of the ids the CLI writes, requirements.txt
gives LEAN's container nothing to install, and the algorithm never imports the local tooling that
`lean cloud push` uploads with it."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from parameters import PARAMETERS

ROOT = Path(__file__).resolve().parents[2]
ALGORITHM = ["main.py", "config.py", "parameters.py", "chaos.py", "atomic", "recovery", "strategies"]
TOOLING = {"leansim", "tests", "bench"}


def test_config_json_lists_every_parameter_at_its_default() -> None:
    parameters = json.loads((ROOT / "config.json").read_text())["parameters"]
    assert parameters == {p.name: p.default for p in PARAMETERS}


def test_config_json_holds_none_of_the_ids_the_cli_writes() -> None:
    project = json.loads((ROOT / "config.json").read_text())
    assert project["algorithm-language"] == "Python"
    assert not {"local-id", "cloud-id", "organization-id"} & set(project)


def test_requirements_txt_installs_nothing_into_lean_s_container() -> None:
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert all(not line or line.startswith("#") for line in lines), lines


def test_the_algorithm_never_imports_the_tooling() -> None:
    files = [path for name in ALGORITHM for path in ([ROOT / name] if name.endswith(".py") else (ROOT / name).rglob("*.py"))]
    imported: dict[str, set[str]] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            imported.setdefault(path.relative_to(ROOT).as_posix(), set()).update(n.split(".")[0] for n in names)
    assert len(files) > 20
    assert {file: found & TOOLING for file, found in imported.items() if found & TOOLING} == {}
