"""Hygiene of the committed notebooks: what nbval alone does not enforce.

nbval re-runs each notebook and compares outputs. These tests read the committed files and check
that they were saved from one clean run, carry no stray errors, are mostly compared by nbval,
teach in the collection's shape (title, objectives, navigation) and never reach off the machine.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers import programs
from helpers.website.build import figure_summaries, figures_of

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
IGNORED = ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")
IGNORED_TAGS = {"nbval-ignore-output", "nbval-skip"}
RAISES_TAGS = {"raises-exception", "nbval-raises-exception"}
MIN_COMPARED_SHARE = 0.8
# A measured number is printed after "≈" and masked by tests/sanitize.cfg; a figure's summary must
# say something that stays compared once those are masked.
MEASURED = re.compile(r"≈\s?-?\d[\d,]*(\.\d+)?")
MIN_SUMMARY_WORDS = 5
NOTEBOOK_LINK = re.compile(r"\]\((\d\d_[a-z0-9_]+\.ipynb)\)")
HTTP_HOST = re.compile(r"https?://([A-Za-z0-9.\-\[\]:]+)")
LOOPBACK_HOST = re.compile(r"^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$")
# Names reserved for examples and tests (RFC 2606, RFC 6761): they resolve nowhere.
RESERVED_NAME = re.compile(r"(^|\.)(example(\.(com|net|org))?|test|invalid)(:\d+)?$")
# Calls that open a connection: in a cell with one of these, every host must be on this machine.
CONTACT = re.compile(
    r"\brequests\.|\burlopen\(|HTTPS?Connection\(|create_connection\(|\.connect\(|"
    r"\bSession\(|\bsession\.|\bwebbrowser\.|\bpage\.goto\("
)
# Calls that start a system program's server, by the program `helpers.programs` knows it as.
STARTS_PROGRAM = {
    "postgresql": re.compile(r"\bstart_postgres\("),
    "redis": re.compile(r"\bstart_redis\("),
    "nginx": re.compile(r"\b(check_nginx_config|run_nginx)\("),
}
FORBIDDEN_CODE = {
    "binds every interface (0.0.0.0); bind 127.0.0.1": re.compile(r"0\.0\.0\.0"),
    "uses port 5000, taken by macOS's AirPlay": re.compile(r"port\s*=\s*5000\b|:5000\b"),
    "calls run(debug=True), which blocks the kernel": re.compile(r"\.run\([^)]*debug\s*=\s*True"),
}


def committed_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def code_cells(nb: NotebookNode) -> list[NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def has_marker(cell: NotebookNode, comments: tuple[str, ...], tags: set[str]) -> bool:
    lines = {line.strip() for line in cell.source.splitlines()}
    return bool(lines & set(comments)) or bool(set(cell.metadata.get("tags", [])) & tags)


def execution_problems(nb: NotebookNode) -> list[str]:
    """Counts must be 1..n (one clean run); errors only where a cell is marked to raise."""
    problems = []
    counts = [cell.execution_count for cell in code_cells(nb)]
    if counts != list(range(1, len(counts) + 1)):
        problems.append(
            f"execution counts are {counts}, not 1..{len(counts)}: "
            "run `make execute NB=...` to save it from a fresh kernel"
        )
    for index, cell in enumerate(code_cells(nb)):
        errors = [out for out in cell.outputs if out.output_type == "error"]
        if errors and not has_marker(cell, ("# NBVAL_RAISES_EXCEPTION",), RAISES_TAGS):
            problems.append(
                f"code cell {index} stores a {errors[0].ename} but is not tagged raises-exception"
            )
    return problems


def comparison_problems(nb: NotebookNode) -> list[str]:
    """At least 80% of the code cells must have their output compared by nbval."""
    cells = code_cells(nb)
    if not cells:
        return []
    ignored = sum(has_marker(cell, IGNORED, IGNORED_TAGS) for cell in cells)
    share = 1 - ignored / len(cells)
    if share < MIN_COMPARED_SHARE:
        return [
            f"only {share:.0%} of code cells are compared by nbval "
            f"(at least {MIN_COMPARED_SHARE:.0%} must be)"
        ]
    return []


def shape_problems(nb: NotebookNode, neighbours: tuple[str | None, str | None]) -> list[str]:
    """A title and objectives first; links to the previous and next notebook at top and bottom."""
    problems = []
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append("the kernel is not `python3`")
    markdown = [cell for cell in nb.cells if cell.cell_type == "markdown"]
    if not markdown or nb.cells[0].cell_type != "markdown":
        return [*problems, "the first cell must be markdown with the title"]
    first, last = nb.cells[0].source, nb.cells[-1].source
    if not re.search(r"^# \S", first, re.MULTILINE):
        problems.append("the first cell has no `# Title`")
    if "what you will learn" not in first.lower():
        problems.append("the first cell does not say what you will learn")
    for where, text in (("first", first), ("last", last)):
        for neighbour in neighbours:
            if neighbour and f"]({neighbour})" not in text:
                problems.append(f"the {where} cell has no link to {neighbour}")
    for cell in markdown:
        for target in NOTEBOOK_LINK.findall(cell.source):
            if not (NOTEBOOKS / target).exists():
                problems.append(f"a link points to {target}, which does not exist")
    return problems


def figure_problems(nb: NotebookNode) -> list[str]:
    """A figure never stands alone: its cell, compared by nbval, prints a `Figure: ` summary.

    One summary per figure, each saying in compared words (the measured numbers masked) what the
    figure shows; the site uses it as the image's alt text.
    """
    problems = []
    for index, cell in enumerate(code_cells(nb)):
        figures = len(figures_of(cell))
        if not figures:
            continue
        if has_marker(cell, IGNORED, IGNORED_TAGS):
            problems.append(f"code cell {index} stores a figure but nbval does not compare it")
        summaries = figure_summaries(cell)
        if len(summaries) < figures:
            problems.append(
                f"code cell {index} stores {figures} figure(s) and prints {len(summaries)} "
                "`Figure: ` summary line(s): say what each figure shows"
            )
        for summary in summaries:
            if len(MEASURED.sub("", summary).split()) < MIN_SUMMARY_WORDS:
                problems.append(f"code cell {index}'s summary says too little: {summary!r}")
    return problems


def network_problems(nb: NotebookNode) -> list[str]:
    """Code stays on loopback: no 0.0.0.0, no port 5000, no contact with a host off this machine.

    A URL is only data until something opens it, so off-machine hosts are allowed in cells that
    contact nothing (a list of URLs to validate, say) and refused in cells that make connections.
    """
    problems = []
    for index, cell in enumerate(code_cells(nb)):
        for why, pattern in FORBIDDEN_CODE.items():
            if pattern.search(cell.source):
                problems.append(f"code cell {index} {why}")
        if not CONTACT.search(cell.source):
            continue
        for host in (found.rstrip(":") for found in HTTP_HOST.findall(cell.source)):
            if not (LOOPBACK_HOST.match(host) or RESERVED_NAME.search(host)):
                problems.append(f"code cell {index} contacts {host}, which is not on this machine")
    return problems


def needs_problems(nb: NotebookNode) -> list[str]:
    """The system programs a notebook uses are named in its metadata and checked by its first cell.

    The metadata is what the test run reads to skip the notebook where a program is missing; the
    first code cell, `programs.require(...)` with the same names, is what stops it in JupyterLab.
    """
    needs = nb.metadata.get(programs.METADATA_KEY, {}).get("needs", [])
    problems = [
        f"the metadata names {key!r}, unknown to helpers.programs"
        for key in needs
        if key not in programs.PROGRAMS
    ]
    source = "\n".join(cell.source for cell in code_cells(nb))
    for key, starts in STARTS_PROGRAM.items():
        if starts.search(source) and key not in needs:
            problems.append(f"the code starts {key} but the metadata does not say it needs it")
    cells = code_cells(nb)
    if needs:
        call = "programs.require(" + ", ".join(f'"{key}"' for key in needs) + ")"
        if not cells or call not in cells[0].source:
            problems.append(f"the first code cell does not check the programs it needs: {call}")
    elif "programs.require(" in source:
        problems.append("a cell calls programs.require() but the metadata names no program")
    return problems


def notebook_problems(nb: NotebookNode, neighbours: tuple[str | None, str | None]) -> list[str]:
    return (
        execution_problems(nb)
        + comparison_problems(nb)
        + shape_problems(nb, neighbours)
        + figure_problems(nb)
        + network_problems(nb)
        + needs_problems(nb)
    )


def neighbours_of(path: Path, paths: list[Path]) -> tuple[str | None, str | None]:
    index = paths.index(path)
    previous = paths[index - 1].name if index > 0 else None
    following = paths[index + 1].name if index + 1 < len(paths) else None
    return previous, following


def test_notebooks_are_numbered_contiguously_from_00() -> None:
    names = [path.name for path in committed_notebooks()]
    assert names, "no notebooks committed"
    assert all(NAME.match(name) for name in names), names
    assert [int(name[:2]) for name in names] == list(range(len(names))), names


@pytest.mark.parametrize("path", committed_notebooks(), ids=lambda path: path.name)
def test_committed_notebook_is_clean(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert notebook_problems(nb, neighbours_of(path, committed_notebooks())) == []


# The rules themselves must be able to fail: each is shown catching a broken notebook.


def good_notebook() -> NotebookNode:
    nb = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        }
    )
    nb.cells = [
        new_markdown_cell("# A title\n\n[next](00_start_here.ipynb)\n\nWhat you will learn: x"),
        new_code_cell(
            "1 + 1",
            execution_count=1,
            outputs=[new_output("execute_result", {"text/plain": "2"}, execution_count=1)],
        ),
        new_code_cell(
            "print('hi')",
            execution_count=2,
            outputs=[new_output("stream", name="stdout", text="hi\n")],
        ),
        new_markdown_cell("The end. [next](00_start_here.ipynb)"),
    ]
    return nb


NEIGHBOURS = (None, "00_start_here.ipynb")


def test_a_good_notebook_has_no_problems() -> None:
    assert notebook_problems(good_notebook(), NEIGHBOURS) == []


def test_a_notebook_saved_out_of_order_is_caught() -> None:
    nb = good_notebook()
    nb.cells[2].execution_count = 5
    assert any("execution counts are [1, 5]" in p for p in notebook_problems(nb, NEIGHBOURS))


def test_a_stray_error_is_caught_unless_the_cell_is_marked() -> None:
    nb = good_notebook()
    nb.cells[1].outputs = [
        new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])
    ]
    assert any("ZeroDivisionError" in p for p in notebook_problems(nb, NEIGHBOURS))
    nb.cells[1].metadata["tags"] = ["raises-exception"]
    assert notebook_problems(nb, NEIGHBOURS) == []


def test_too_many_ignored_outputs_are_caught() -> None:
    nb = good_notebook()
    nb.cells[1].source = "# NBVAL_IGNORE_OUTPUT\n1 + 1"
    assert any("compared by nbval" in p for p in notebook_problems(nb, NEIGHBOURS))


def test_missing_title_objectives_and_navigation_are_caught() -> None:
    nb = good_notebook()
    nb.cells[0].source = "Some text"
    nb.cells[-1].source = "The end."
    problems = " | ".join(notebook_problems(nb, NEIGHBOURS))
    assert "no `# Title`" in problems
    assert "what you will learn" in problems
    assert "first cell has no link to 00_start_here.ipynb" in problems
    assert "last cell has no link to 00_start_here.ipynb" in problems


def test_a_dead_notebook_link_is_caught() -> None:
    nb = good_notebook()
    nb.cells[-1].source += " [later](99_not_written.ipynb)"
    assert any("99_not_written.ipynb" in p for p in notebook_problems(nb, NEIGHBOURS))


PNG = (  # one transparent pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def with_figure(nb: NotebookNode, printed: str) -> NotebookNode:
    nb.cells[2].outputs = [
        new_output("stream", name="stdout", text=printed),
        new_output("display_data", {"image/png": PNG, "text/plain": "<Figure size 640x480>"}),
    ]
    return nb


def test_a_figure_needs_a_compared_summary_of_what_it_shows() -> None:
    alone = with_figure(good_notebook(), "done\n")
    assert figure_problems(alone) == [
        "code cell 1 stores 1 figure(s) and prints 0 `Figure: ` summary line(s): "
        "say what each figure shows"
    ]
    only_numbers = with_figure(good_notebook(), "Figure: ≈2,870 ≈3,100 redirects/s\n")
    assert figure_problems(only_numbers) == [
        "code cell 1's summary says too little: '≈2,870 ≈3,100 redirects/s'"
    ]
    summary = "Figure: redirects/s by workers (≈2,870 at 2); flat past the 2 cores: True\n"
    described = with_figure(good_notebook(), summary)
    assert figure_problems(described) == []
    described.cells[2].source = "# NBVAL_IGNORE_OUTPUT\n" + described.cells[2].source
    assert figure_problems(described) == [
        "code cell 1 stores a figure but nbval does not compare it"
    ]


@pytest.mark.parametrize(
    "source",
    [
        "server.bind(('0.0.0.0', 8080))",
        "app.run(port=5000)",
        "requests.get('http://127.0.0.1:5000/')",
        "app.run(debug=True)",
        "requests.get('https://www.python.org/')",
        "url = 'http://10.0.0.5/admin'\nurllib.request.urlopen(url)",
        "session.get('http://169.254.169.254/latest/meta-data/')",
    ],
)
def test_code_that_leaves_loopback_is_caught(source: str) -> None:
    nb = good_notebook()
    nb.cells[1].source = source
    assert network_problems(nb)


@pytest.mark.parametrize(
    "source",
    [
        "requests.get(f'http://127.0.0.1:{port}/')",
        "requests.get('http://localhost:8123/')",
        "requests.post(server.url, json={'url': 'https://docs.example/page'})",
        "requests.post(server.url, json={'url': 'https://www.example.com/a'})",
        "normalize_url('http://169.254.169.254/latest/meta-data/')  # data, never opened",
    ],
)
def test_loopback_example_hosts_and_mere_data_are_allowed(source: str) -> None:
    nb = good_notebook()
    nb.cells[1].source = source
    assert network_problems(nb) == []


def with_first_code_cell(nb: NotebookNode, source: str) -> NotebookNode:
    nb.cells[1].source = source
    return nb


def test_a_notebook_that_starts_a_program_it_does_not_declare_is_caught() -> None:
    nb = with_first_code_cell(good_notebook(), "server = services.start_redis()")
    assert needs_problems(nb) == ["the code starts redis but the metadata does not say it needs it"]


def test_a_declared_need_without_its_check_in_the_first_cell_is_caught() -> None:
    nb = good_notebook()
    nb.metadata[programs.METADATA_KEY] = {"needs": ["postgresql", "redis"]}
    nb.cells[2].source = 'programs.require("postgresql", "redis")'  # the second cell: too late
    assert needs_problems(nb) == [
        "the first code cell does not check the programs it needs: "
        'programs.require("postgresql", "redis")'
    ]
    with_first_code_cell(
        nb, 'from helpers import programs\n\nprograms.require("postgresql", "redis")'
    )
    assert needs_problems(nb) == []


def test_an_unknown_program_and_a_check_without_metadata_are_caught() -> None:
    nb = good_notebook()
    nb.metadata[programs.METADATA_KEY] = {"needs": ["mysql"]}
    with_first_code_cell(nb, 'programs.require("mysql")')
    assert needs_problems(nb) == ["the metadata names 'mysql', unknown to helpers.programs"]
    undeclared = with_first_code_cell(good_notebook(), 'programs.require("nginx")')
    assert needs_problems(undeclared) == [
        "a cell calls programs.require() but the metadata names no program"
    ]
