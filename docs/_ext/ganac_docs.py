"""Sphinx glue for the pages generated from ganac's registries (see :mod:`ganac_tables`).

Directives (no content):

- ``.. ganac-claims:: [GLOB]``  every registered claim (whose id matches GLOB), by paper;
- ``.. ganac-where::``   the paper -> modules / derivations / figures / tests map;
- ``.. ganac-gallery::`` every registered figure with its claims and command;
- ``.. ganac-cli::``     the command line's ``--help`` texts;
- ``.. ganac-modules:: PAGE``  an API page's module table and its (hidden) toctree.

On ``builder-inited`` the API reference's module pages are written to ``api/generated/``
(ignored by git), one per public module of each pillar.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.util.docutils import SphinxDirective

import ganac_tables


class _Generated(SphinxDirective):
    has_content = False
    required_arguments = 0
    optional_arguments = 0
    make = staticmethod(lambda: "")

    def run(self):
        return self.parse_text_to_nodes(self.make(), allow_section_headings=True)


class ClaimsDirective(SphinxDirective):
    """``.. ganac-claims:: [GLOB]`` -- the registered claims whose id matches GLOB (all)."""

    has_content = False
    optional_arguments = 1

    def run(self):
        pattern = self.arguments[0] if self.arguments else None
        return self.parse_text_to_nodes(ganac_tables.claims_rst(pattern), allow_section_headings=True)


class WhereDirective(_Generated):
    make = staticmethod(ganac_tables.where_rst)


class GalleryDirective(_Generated):
    make = staticmethod(ganac_tables.gallery_rst)


class CliDirective(_Generated):
    make = staticmethod(ganac_tables.cli_rst)


class ModulesDirective(SphinxDirective):
    has_content = False
    required_arguments = 1

    def run(self):
        page = self.arguments[0]
        if page not in ganac_tables.PILLARS:
            raise self.error(f"unknown API page {page!r}; one of {sorted(ganac_tables.PILLARS)}")
        return self.parse_text_to_nodes(ganac_tables.modules_rst(page))


def _write_module_pages(app) -> None:
    ganac_tables.write_module_pages(Path(app.srcdir) / "api" / "generated")


def _outdated(app, env, added, changed, removed) -> list[str]:
    """Pages holding a ganac directive are re-read on every build: a new claim, figure or module
    changes them although their source did not change."""
    pages = []
    for docname in env.found_docs - set(removed):
        path = Path(env.doc2path(docname))
        if path.is_file() and ".. ganac-" in path.read_text(encoding="utf-8"):
            pages.append(docname)
    return pages


def setup(app):
    app.add_directive("ganac-claims", ClaimsDirective)
    app.add_directive("ganac-where", WhereDirective)
    app.add_directive("ganac-gallery", GalleryDirective)
    app.add_directive("ganac-cli", CliDirective)
    app.add_directive("ganac-modules", ModulesDirective)
    app.connect("builder-inited", _write_module_pages)
    app.connect("env-get-outdated", _outdated)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
