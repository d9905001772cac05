"""Sphinx configuration of ganac's documentation.

Build: ``pip install -e ".[docs]"`` then ``python -m sphinx -W -b html docs docs/_build/html``.
The build is offline: no intersphinx, no CDN; formulas become MathML at build time
(``_ext/ganac_mathml.py``), which browsers render without scripts.  The claims table, the
paper map, the figure gallery, the command-line pages and the API reference's module pages are
generated from ganac's registries and source tree on every build (``_ext/ganac_docs.py``).
"""

import os
import sys
from importlib import metadata
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(1, str(DOCS.parent))  # the package, when the docs are built from a checkout
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("GANAC_NO_PLUGINS", "1")  # document ganac, not the builder's plugins

project = "ganac"
author = "the ganac authors"
copyright = "ganac authors, MIT license"
try:
    release = metadata.version("ganac")
except metadata.PackageNotFoundError:  # a checkout that is not installed
    release = "unknown"
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "ganac_plaintext",
    "ganac_mathml",
    "ganac_docs",
]

# Math as MathML generated at build time: no MathJax, no CDN, no LaTeX installation.
html_math_renderer = "mathml"

# autodoc / autosummary: module pages are written by ganac_docs, not by autosummary's stubs.
autosummary_generate = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types
autodoc_inherit_docstrings = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False
numpydoc_xref_param_type = False

templates_path = []
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
language = "en"
pygments_style = "sphinx"
highlight_language = "none"  # literal blocks are commands and output; Python blocks say so
suppress_warnings = []

html_theme = "alabaster"
html_title = f"ganac {release}"
html_theme_options = {
    "description": "Theory verification for GANs, actor-critic RL, MaxEnt IRL and EBMs",
    "fixed_sidebar": False,
    "page_width": "1100px",
    "sidebar_width": "230px",
}
html_static_path = ["_static"]
html_css_files = ["ganac.css"]
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = False

# numpydoc re-reads each class's raw docstring when it looks for a "Signature" section
# (mangle_signature) and warns there about sections it does not know, such as ganac's
# "Fields"; the docstrings it renders are first read by ganac_plaintext ("Fields" ->
# "Attributes"), and tests/test_docs.py checks that none of them has an unknown section.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="Unknown section", category=UserWarning,
                        module=r"numpydoc\.docscrape")
