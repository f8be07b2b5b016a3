"""The site (`make site`) in a real browser: built from the committed notebooks, opened from disk.

Headless Chromium reads every page once, as a learner would, while every request that would
leave the machine is blocked and recorded. Then: the contents list every notebook, every link
lands on a page (and an anchor) that exists, plots show as images, diagrams and formulas are
drawn, and no traceback shows except in a cell whose text means to show one.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from playwright.sync_api import Browser, Page, Route

from helpers import programs
from helpers.website import assets, build

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
TIMEOUT_MS = 15_000
MATH = re.compile(r"\$[^$\n]+\$")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
# Diagrams that mermaid cannot parse, in JupyterLab as here. Strict: once a notebook is fixed,
# its test fails until its line here is removed.
# Everything the tests need from a page, read in one go once it has drawn what it draws.
READ_PAGE = """() => ({
  links: [...document.links].map(a => a.href),
  previous: [...document.querySelectorAll("nav.site-nav a[rel=prev]")]
    .map(a => a.getAttribute("href")),
  next: [...document.querySelectorAll("nav.site-nav a[rel=next]")]
    .map(a => a.getAttribute("href")),
  menu: [...document.querySelectorAll(".site-menu a")].map(a => a.getAttribute("href")),
  current: document.querySelector(".site-menu a[aria-current=page]")?.getAttribute("href"),
  runItYourself: [...document.querySelectorAll(".run-it-yourself")].map(n => n.innerText),
  images: [...document.images]
    .filter(i => i.src.startsWith("data:image/") && i.complete && i.naturalWidth > 0).length,
  altTexts: [...document.images].filter(i => i.src.startsWith("data:image/")).map(i => i.alt),
  diagramBlocks: document.querySelectorAll(".jp-Mermaid").length,
  diagrams: document.body.dataset.diagrams ?? null,
  drawnDiagrams: [...document.querySelectorAll(".jp-Mermaid svg")]
    .filter(s => s.getBoundingClientRect().width > 0).length,
  formulas: document.querySelectorAll("mjx-container svg").length,
  formulaErrors: document.querySelectorAll("mjx-merror").length,
  unintendedTracebacks: [...document.querySelectorAll(".jp-OutputArea-output")]
    .filter(o => o.classList.contains("site-error")
                 || o.textContent.includes("Traceback (most recent call last)"))
    .filter(o => !o.closest(".celltag_raises-exception, .celltag_nbval-raises-exception"))
    .map(o => o.textContent.trim().slice(0, 200)),
})"""


@dataclass(frozen=True)
class Site:
    root: Path
    pages: list[build.Page]

    @property
    def names(self) -> list[str]:
        return ["index.html", *(page.name for page in self.pages)]


@dataclass
class Browsing:
    """A browser tab that may read local files only; it records every other request."""

    tab: Page
    blocked: list[str]

    def read(self, path: Path) -> dict[str, Any]:
        """Open `path`, wait for its diagrams and formulas, and read it with READ_PAGE."""
        self.tab.goto(path.as_uri())
        if self.tab.evaluate("() => window.MathJax !== undefined"):
            self.tab.wait_for_function("document.body.dataset.diagrams !== undefined")
            self.tab.evaluate("() => window.MathJax.startup.promise.then(() => true)")
        return self.tab.evaluate(READ_PAGE)


Prerequisite = Callable[[bool, str], None]


def fetch_assets(prerequisite: Prerequisite) -> None:
    """mermaid and MathJax in the cache, fetched with npm (once) if they are not there yet.

    So `make test` needs no `make site` first. Without npm, or when npm cannot fetch them (offline,
    say), the site's tests are skipped with that reason (failed under CI, which installs npm).
    """
    if not assets.missing():
        return
    npm_missing = programs.missing(["npm"])
    prerequisite(
        not npm_missing,
        "mermaid and MathJax are not fetched yet and cannot be: " + "; ".join(npm_missing),
    )
    try:
        assets.fetch()
    except (OSError, subprocess.SubprocessError) as error:
        detail = (getattr(error, "stderr", None) or str(error)).strip()
        prerequisite(False, f"npm could not fetch mermaid and MathJax: {detail}")


def built_site(notebooks: Path, out: Path, prerequisite: Prerequisite) -> Site:
    fetch_assets(prerequisite)
    return Site(out, build.build(notebooks, out))


@pytest.fixture(scope="module")
def browsing(chromium: Browser) -> Iterator[Browsing]:
    context = chromium.new_context(viewport={"width": 1100, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    blocked: list[str] = []

    def only_local_files(route: Route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", only_local_files)
    yield Browsing(context.new_page(), blocked)
    context.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, prerequisite: Prerequisite) -> Site:
    return built_site(NOTEBOOKS, tmp_path_factory.mktemp("site"), prerequisite)


@pytest.fixture(scope="module")
def pages(site: Site, browsing: Browsing) -> dict[str, dict[str, Any]]:
    """What the browser read on each page of the site, by file name."""
    return {name: browsing.read(site.root / name) for name in site.names}


def has_anchor(page: Path, fragment: str) -> bool:
    """Whether `page` has an element the fragment names, as a browser looks: as is, then decoded."""
    text = page.read_text()
    return any(
        re.search(rf"""\b(id|name)=["']{re.escape(name)}["']""", text)
        for name in (fragment, unquote(fragment))
    )


def stored_images(notebook: nbformat.NotebookNode) -> int:
    return sum(len(build.figures_of(cell)) for cell in notebook.cells if cell.cell_type == "code")


def markdown_of(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def test_nothing_is_loaded_from_off_the_machine(
    pages: dict[str, dict[str, Any]], browsing: Browsing
) -> None:
    assert pages and browsing.blocked == []


def test_the_contents_list_every_notebook_in_order(site: Site, browsing: Browsing) -> None:
    browsing.read(site.root / "index.html")
    entries = browsing.tab.locator("#contents + ul.site-toc > li > a")
    hrefs = [entries.nth(i).get_attribute("href") for i in range(entries.count())]
    assert hrefs == [path.with_suffix(".html").name for path in NOTEBOOK_PATHS]
    titles = entries.all_inner_texts()
    assert [title[:5] for title in titles] == [f"{path.name[:2]} · " for path in NOTEBOOK_PATHS]


def test_previous_and_next_follow_the_order_of_the_notebooks(
    site: Site, pages: dict[str, dict[str, Any]]
) -> None:
    names = [page.name for page in site.pages]
    for number, name in enumerate(names):
        previous = [names[number - 1]] * 2 if number > 0 else []
        following = [names[number + 1]] * 2 if number + 1 < len(names) else []
        assert (pages[name]["previous"], pages[name]["next"]) == (previous, following), name
    assert pages["index.html"]["next"] == [names[0]]


def test_every_page_offers_the_whole_contents(site: Site, pages: dict[str, dict[str, Any]]) -> None:
    names = [page.name for page in site.pages]
    for name in names:
        assert (pages[name]["menu"], pages[name]["current"]) == (names, name)


def test_every_link_between_pages_resolves(site: Site, pages: dict[str, dict[str, Any]]) -> None:
    broken = []
    for name, page in pages.items():
        for href in page["links"]:
            url = urlsplit(href)
            if url.scheme != "file":
                continue
            target = Path(unquote(url.path))
            if not target.is_file():
                broken.append(f"{name} -> {target.name}: no such page")
            elif url.fragment and not has_anchor(target, url.fragment):
                broken.append(f"{name} -> {target.name}#{url.fragment}: no such anchor")
    assert broken == []


def test_every_page_says_how_to_run_it_yourself(pages: dict[str, dict[str, Any]]) -> None:
    for name, page in pages.items():
        [note] = page["runItYourself"]
        assert "make lab" in note and "make test" in note, name


@pytest.mark.parametrize("notebook", NOTEBOOK_PATHS, ids=lambda path: path.stem)
def test_every_page_shows_its_plots_diagrams_and_formulas(
    notebook: Path, pages: dict[str, dict[str, Any]]
) -> None:
    stored = nbformat.read(notebook, as_version=4)
    page = pages[notebook.with_suffix(".html").name]
    markdown = markdown_of(stored)

    assert page["images"] == stored_images(stored)
    summaries = {summary for cell in stored.cells for summary in build.figure_summaries(cell)}
    assert all(alt in summaries for alt in page["altTexts"]), "a figure's alt text is its summary"
    assert page["diagramBlocks"] == markdown.count("```mermaid")
    assert page["diagrams"] == "drawn"
    assert page["drawnDiagrams"] == page["diagramBlocks"]
    if MATH.search(CODE.sub("", markdown)):
        assert page["formulas"] > 0
    assert page["formulaErrors"] == 0


def test_no_page_shows_a_traceback_its_text_does_not_mean_to_show(
    pages: dict[str, dict[str, Any]],
) -> None:
    shown = {name: page["unintendedTracebacks"] for name, page in pages.items()}
    assert shown == {name: [] for name in pages}


def test_the_traceback_check_tells_a_stray_error_from_an_intended_one(
    tmp_path: Path, browsing: Browsing, prerequisite: Prerequisite
) -> None:
    def failing_cell(code: str, tags: list[str]) -> nbformat.NotebookNode:
        error = new_output("error", ename="ZeroDivisionError", evalue="division by zero")
        error.traceback = ["ZeroDivisionError: division by zero"]
        return new_code_cell(code, outputs=[error], metadata={"tags": tags})

    notebook = new_notebook(
        cells=[
            new_markdown_cell("# 00 · Demo"),
            failing_cell("1 / 0  # meant", ["raises-exception"]),
            failing_cell("2 / 0  # a slip", []),
        ]
    )
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nbformat.write(notebook, notebooks / "00_demo.ipynb")
    demo = built_site(notebooks, tmp_path / "site", prerequisite)

    page = browsing.read(demo.root / "00_demo.html")
    assert page["unintendedTracebacks"] == ["ZeroDivisionError: division by zero"]


def test_the_gate_blocks_and_records_a_request_off_the_machine(
    tmp_path: Path, browsing: Browsing
) -> None:
    page = tmp_path / "cdn.html"
    page.write_text('<script src="https://cdn.example.com/library.js"></script><p>text</p>')
    before = len(browsing.blocked)
    browsing.read(page)
    assert browsing.blocked[before:] == ["https://cdn.example.com/library.js"]
    del browsing.blocked[before:]


def test_links_point_at_pages_and_diagram_text_stays_text() -> None:
    markdown = (
        "[⬅ 04 · Gotchas](04_gotchas.ipynb) | [Contents](../README.md#contents) | "
        "[06](06_http_by_hand.ipynb#a-request)\n\n"
        "```mermaid\nsequenceDiagram\n    A->>B: <port> & more\n```"
    )
    assert build.escaped_diagrams(build.site_links(markdown)) == (
        "[⬅ 04 · Gotchas](04_gotchas.html) | [Contents](index.html#contents) | "
        "[06](06_http_by_hand.html#a-request)\n\n"
        "```mermaid\nsequenceDiagram\n    A-&gt;&gt;B: &lt;port&gt; &amp; more\n```"
    )
