"""The public surface, and the cost of importing it."""

from __future__ import annotations

import subprocess
import sys

import pytest

import newsclean


def test_all_names_exist_and_are_documented() -> None:
    assert sorted(newsclean.__all__) == sorted(set(newsclean.__all__))
    import types

    public = {
        n for n in dir(newsclean) if not n.startswith("_") and not isinstance(getattr(newsclean, n), types.ModuleType)
    }
    assert public <= set(newsclean.__all__)
    for name in newsclean.__all__:
        obj = getattr(newsclean, name)
        if name != "__version__":
            assert obj.__doc__, name


def test_errors_subclass_builtins() -> None:
    assert issubclass(newsclean.OptionsError, ValueError)
    assert issubclass(newsclean.DecodeError, newsclean.InputError)
    assert issubclass(newsclean.RecordError, ValueError)
    for name in newsclean.__all__:
        obj = getattr(newsclean, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, newsclean.NewscleanError)


def test_a_misspelt_option_is_named_as_an_option_of_clean_and_cleaner() -> None:
    for make in (lambda: newsclean.clean("x", thresold=0.5), lambda: newsclean.Cleaner(thresold=0.5)):
        with pytest.raises(newsclean.OptionsError, match="unknown option 'thresold'; options are: .*threshold"):
            make()


def test_py_typed_is_shipped() -> None:
    from importlib import resources

    assert resources.files("newsclean").joinpath("py.typed").is_file()


def test_import_is_light() -> None:
    code = (
        "import sys, newsclean; newsclean.clean('HANOI (VNA) — A b c.\\nA b c.-VNA');"
        "print(' '.join(sorted(m for m in ('scipy', 'redis', 'hypothesis', 'datasketch', 'pyarrow') if m in sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
