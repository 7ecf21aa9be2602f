"""newsclean's hypothesis plugin: registers ``st.from_type(newsclean.Options)`` and
``st.from_type(newsclean.strategies.Example)``.

Hypothesis imports this module, through the ``hypothesis`` entry point, whenever it is
imported itself. It lives outside the ``newsclean`` package on purpose: importing anything
inside it runs ``newsclean/__init__`` (numpy, the credit patterns: some 100 ms), which a
test suite that never uses newsclean should not pay. So this hook imports nothing: it
registers the types of the newsclean modules already imported, and ``newsclean._options``
and ``newsclean.strategies`` register their own when they are imported after hypothesis.
The strategies themselves are built when ``from_type`` first draws from them.
"""

from __future__ import annotations

import sys


def _hypothesis_setup_hook() -> None:
    for name, hook in (
        ("newsclean._options", "_register_with_hypothesis"),
        ("newsclean.strategies", "_hypothesis_setup_hook"),
    ):
        register = getattr(sys.modules.get(name), hook, None)
        if register is not None:
            register()
