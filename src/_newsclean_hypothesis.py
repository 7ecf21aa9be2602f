"""newsclean's hypothesis plugin: registers ``st.from_type(newsclean.Options)`` and
``st.from_type(newsclean.strategies.Example)``.

Hypothesis imports this module, through the ``hypothesis`` entry point, whenever it is
imported itself. It lives outside the ``newsclean`` package on purpose: importing anything
inside it runs ``newsclean/__init__`` (numpy, the credit patterns: some 100 ms), which a
test suite that never uses newsclean should not pay. So this hook imports nothing: it
registers the types of the newsclean modules already imported, and ``newsclean._options``
and ``newsclean.strategies`` register theirs when they are imported after hypothesis. The
strategies themselves are built when ``from_type`` first draws from them.
"""

from __future__ import annotations

import sys
from typing import Any


def _hypothesis_setup_hook() -> None:
    options = getattr(sys.modules.get("newsclean._options"), "Options", None)
    if options is not None:
        register_options(options)
    strategies = getattr(sys.modules.get("newsclean.strategies"), "_hypothesis_setup_hook", None)
    if strategies is not None:  # (it registers Example, which is defined there)
        strategies()


def register_options(cls: type) -> None:
    """Have ``st.from_type(cls)`` (``newsclean.Options``) draw ``newsclean.strategies.options()``,
    made when first drawn."""
    from hypothesis import strategies as st

    st.register_type_strategy(cls, _options)


def _options(_: type) -> Any:
    from newsclean.strategies import options

    return options()
