"""One sketch configuration: every options object checks its shingle and MinHash fields
through ``SketchConfig`` (one rule, one message) and takes its defaults from one table."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

import newsclean
from newsclean import IndexParams, Options, OptionsError, SketchConfig, SketchMismatchError
from newsclean._similarity.config import AFFINE32_SCHEME, DEFAULTS, OPH_SCHEME
from newsclean._similarity.engine import BatchParams

SHARED = ("shingle_kind", "shingle_size", "num_perm", "seed")


def test_each_path_takes_its_defaults_from_the_table() -> None:
    assert Options().sketch == DEFAULTS["paragraphs"] == SketchConfig()
    assert IndexParams().sketch == DEFAULTS["index"]
    assert BatchParams.of().sketch == DEFAULTS["batch"]
    assert newsclean.DedupIndex().params.sketch == DEFAULTS["index"]
    with pytest.raises(TypeError):
        DEFAULTS["index"] = SketchConfig()  # type: ignore[index]
    # What differs between the paths, and only that (docs/tuning.md says why).
    assert DEFAULTS["batch"] == dataclasses.replace(DEFAULTS["paragraphs"], scheme=OPH_SCHEME)
    assert (DEFAULTS["index"].shingle_kind, DEFAULTS["index"].shingle_size, DEFAULTS["index"].num_perm) == (
        "word",
        3,
        256,
    )


def test_the_sketch_carries_the_fields() -> None:
    options = Options(shingle_kind="word", shingle_size=2, num_perm=64, seed=9)
    assert options.sketch == SketchConfig("word", 2, 64, 9, AFFINE32_SCHEME)
    params = IndexParams(shingle_kind="char", shingle_size=5, num_perm=128, seed=4)
    assert params.sketch == SketchConfig("char", 5, 128, 4, OPH_SCHEME)
    batch = BatchParams.of(shingle_size=7, num_perm=32, seed=2)
    assert batch.sketch == SketchConfig("char", 7, 32, 2, OPH_SCHEME)
    assert {f: getattr(batch, f) for f in SHARED} == {f: getattr(batch.sketch, f) for f in SHARED}


def _errors(**bad: object) -> list[str]:
    """The message each path gives for the same bad value of a shared field."""
    found = []
    for make in (Options, IndexParams, lambda **kw: BatchParams.of(**kw), SketchConfig):
        with pytest.raises(OptionsError) as err:
            make(**bad)
        found.append(str(err.value))
    return found


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"shingle_size": 0}, "shingle_size must be an integer from 1 to 32, got 0"),
        ({"shingle_size": 2.0}, "shingle_size must be an integer from 1 to 32, got 2.0"),
        ({"seed": -1}, "seed must be an integer from 0 to 4294967295, got -1"),
        ({"seed": True}, "seed must be an integer from 0 to 4294967295, got True"),
        ({"num_perm": 2048}, "num_perm must be an integer from {low} to 1024, got 2048"),
    ],
)
def test_one_rule_one_message_for_every_path(bad: dict[str, object], message: str) -> None:
    lows = [8, 16, 8, 8]  # (an index needs 16 bins at least: IndexParams)
    assert _errors(**bad) == [message.format(low=low) for low in lows]


def test_num_perm_follows_the_scheme() -> None:
    assert SketchConfig(num_perm=24).num_perm == 24  # affine32: a multiple of 8
    with pytest.raises(OptionsError, match="num_perm must be a multiple of 8, got 12"):
        Options(num_perm=12)
    for make in (IndexParams, lambda num_perm: BatchParams.of(num_perm=num_perm)):
        with pytest.raises(OptionsError, match="num_perm must be a power of two for one-permutation hashing, got 24"):
            make(num_perm=24)
    with pytest.raises(OptionsError, match="num_perm must be an integer from 16 to 1024, got 8"):
        IndexParams(num_perm=8)
    assert BatchParams.of(num_perm=8).num_perm == 8
    with pytest.raises(OptionsError, match="scheme must be one of 'affine32', 'oph-optimal-densification-v1'"):
        SketchConfig(scheme="legacy")
    with pytest.raises(OptionsError, match="shingle_kind must be one of 'char', 'word', got 'line'"):
        IndexParams(shingle_kind="line")  # type: ignore[arg-type]


def test_thresholds_share_one_rule() -> None:
    for name in ("threshold", "containment", "min_ratio"):
        with pytest.raises(OptionsError, match=rf"^{name} must be a number in \(0, 1\], got 1.5$"):
            IndexParams(**{name: 1.5})
    with pytest.raises(OptionsError, match=r"^threshold must be a number in \(0, 1\], got nan$"):
        BatchParams.of(threshold=float("nan"))
    assert BatchParams.of(threshold=1).threshold == 1.0 == Options(threshold=1).threshold


def test_batch_params_are_checked_without_options(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Options) -> None:
        raise AssertionError("BatchParams.of built an Options")

    monkeypatch.setattr(Options, "__post_init__", refuse)
    assert BatchParams.of(threshold=0.7, shingle_size=4).to_dict() == {
        "threshold": 0.7,
        "shingle_kind": "char",
        "shingle_size": 4,
        "num_perm": 128,
        "seed": 1,
        "bands": 32,
        "rows": 4,
    }


def test_check_names_what_differs_and_the_config_pickles() -> None:
    config = SketchConfig(num_perm=64, seed=3)
    config.check(SketchConfig(num_perm=64, seed=3))
    with pytest.raises(SketchMismatchError, match=r"num_perm: 64 != 128; scheme: 'affine32' != "):
        config.check(SketchConfig(num_perm=128, seed=3, scheme=OPH_SCHEME))
    with pytest.raises(SketchMismatchError, match="seed: 3 != 4"):
        config.check({"seed": 4, "num_perm": 64})
    assert set(config.to_dict()) == {*SHARED, "scheme", "hash", "normalization"}
    assert pickle.loads(pickle.dumps(config)) == config
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 4  # type: ignore[misc]
