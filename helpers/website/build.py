"""Build the site from the committed notebooks: one page each, a front page, and the assets.

Each notebook becomes a page through nbconvert's JupyterLab template, with its stored outputs
(plots included, as images inside the page) and the site's navigation. Links between notebooks
are turned into links between pages, and the README's contents into the front page's.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode

from helpers.website import assets

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
NOTEBOOK_LINK = re.compile(r"\]\((\d\d_[a-z0-9_]+)\.ipynb(#[^)\s]*)?\)")
README_LINK = re.compile(r"\]\(\.\./README\.md(#[^)\s]*)?\)")
TITLE = re.compile(r"^# (.+)$", re.MULTILINE)
MERMAID_BLOCK = re.compile(r"^```mermaid\n(.*?)^```", re.MULTILINE | re.DOTALL)
FIGURE_SUMMARY = re.compile(r"^Figure: (.+)$", re.MULTILINE)
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
SITE = {
    "title": "Python and the Web",
    "description": (
        "A course in runnable Jupyter notebooks, from what Python does with your source code to a "
        "URL shortener you build, scale and monitor yourself. These pages show every notebook "
        "with the outputs of one clean run."
    ),
}


@dataclass(frozen=True)
class Page:
    """One notebook as a page: where it comes from, its title and what it teaches."""

    source: Path
    title: str
    objectives: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.source.with_suffix(".html").name


def read_page(path: Path) -> Page:
    """Title and learning objectives from the notebook's first cell."""
    first = nbformat.read(path, as_version=4).cells[0].source
    title = match.group(1).strip() if (match := TITLE.search(first)) else path.stem
    return Page(path, title, learning_objectives(first))


def learning_objectives(markdown: str) -> tuple[str, ...]:
    """The bullet list under "What you will learn", or nothing."""
    _, found, rest = markdown.partition("What you will learn")
    if not found:
        return ()
    bullets = []
    for line in rest.splitlines()[1:]:
        if line.startswith("- "):
            bullets.append(line[2:].strip())
        elif line.startswith("  ") and bullets:
            bullets[-1] += " " + line.strip()
        else:
            break
    return tuple(bullets)


def markdown_inline(text: str) -> Markup:
    """One line of markdown (`code`, *emphasis*) as HTML, without the paragraph around it."""
    rendered = markdown2html_mistune(text).strip().removeprefix("<p>").removesuffix("</p>")
    return Markup(rendered)


def site_links(markdown: str) -> str:
    """Point links at pages: `05_sockets.ipynb` to `05_sockets.html`, the README to the index."""
    markdown = NOTEBOOK_LINK.sub(lambda m: f"]({m.group(1)}.html{m.group(2) or ''})", markdown)
    return README_LINK.sub(lambda m: f"](index.html{m.group(1) or ''})", markdown)


def escaped_diagrams(markdown: str) -> str:
    """HTML-escape the text of mermaid blocks, which nbconvert 7.17 pastes into the page as is.

    Unescaped, `A->>B: connect to <free port>` turns `<free port>` into an HTML element, and the
    diagram loses that text or fails to parse. mermaid reads the block back with entities decoded.
    """
    return MERMAID_BLOCK.sub(
        lambda m: f"```mermaid\n{html.escape(m.group(1), quote=False)}```", markdown
    )


def figures_of(cell: NotebookNode) -> list[NotebookNode]:
    """The outputs of a code cell that are images (its figures)."""
    return [
        output
        for output in cell.get("outputs", [])
        if any(kind in output.get("data", {}) for kind in IMAGE_TYPES)
    ]


def figure_summaries(cell: NotebookNode) -> list[str]:
    """What a code cell says its figures show: the text after each `Figure: ` line it printed.

    The course's rule: a cell that draws a figure also prints, as compared text, what the figure
    shows. The site uses that line as the image's alt text.
    """
    texts = [
        output.get("text", "")
        if output.output_type == "stream"
        else output.get("data", {}).get("text/plain", "")
        for output in cell.get("outputs", [])
    ]
    return [found.strip() for text in texts for found in FIGURE_SUMMARY.findall(text)]


class ForTheSite(Preprocessor):  # type: ignore[misc]
    """Prepare each cell for the site.

    Markdown: `site_links`, then `escaped_diagrams`. Code: each figure gets its cell's summary
    (`figure_summaries`, in order) as `alt` in its metadata, which the page template writes out.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        if cell.cell_type == "markdown":
            cell.source = escaped_diagrams(site_links(cell.source))
        elif summaries := figure_summaries(cell):
            for number, figure in enumerate(figures_of(cell)):
                figure.setdefault("metadata", {})["alt"] = summaries[
                    min(number, len(summaries) - 1)
                ]
        return cell, resources


def build(notebooks: Path, out: Path, cache: Path = assets.CACHE) -> list[Page]:
    """Write the site for every `NN_*.ipynb` in `notebooks` into `out`; return its pages."""
    pages = [read_page(path) for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))]
    out.mkdir(parents=True, exist_ok=True)
    assets.install(out / "assets", cache)
    for static in STATIC.iterdir():
        shutil.copyfile(static, out / "assets" / static.name)

    exporter = HTMLExporter(
        template_name="page",
        extra_template_basedirs=[str(TEMPLATES)],
        extra_template_paths=[str(TEMPLATES)],
    )
    exporter.register_preprocessor(ForTheSite(), enabled=True)
    for number, page in enumerate(pages):
        site = {
            **SITE,
            "pages": pages,
            "page": page,
            "previous": pages[number - 1] if number > 0 else None,
            "next": pages[number + 1] if number + 1 < len(pages) else None,
        }
        resources = {"site": site, "metadata": {"name": f"{page.title} · {SITE['title']}"}}
        notebook = nbformat.read(page.source, as_version=4)
        body, _ = exporter.from_notebook_node(notebook, resources=resources)
        (out / page.name).write_text(body, encoding="utf-8")

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    environment.filters["markdown_inline"] = markdown_inline
    front = environment.get_template("contents.html.j2").render(site=SITE, pages=pages)
    (out / "index.html").write_text(front, encoding="utf-8")
    return pages
