"""The collection as a static website: every notebook as a page, with its stored outputs.

`python -m helpers.website fetch-assets` fetches the two JavaScript libraries the pages need
(mermaid for diagrams, MathJax for formulas) once, with npm; `python -m helpers.website build
_site` then builds the site from the committed notebooks with no network at all. `make site` does
both.
"""
