"""Publishing swaps `current` in one atomic step (#26 item 11: a mutant that removed the
old link and then made the new one passed the whole suite).

A reader that opens `out/current` at any moment must find either the old generation or the
new one, never nothing: the swap is a rename of a fresh link over the old one. The test
watches every call that could remove `current` while two generations are published.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cgtkg.graph import store as store_module
from cgtkg.graph.store import CURRENT, Generation


def test_current_is_never_removed_while_a_generation_is_published(tmp_path, monkeypatch):
    out = tmp_path / "out"
    removed: list[str] = []
    real_unlink, real_remove = Path.unlink, os.remove

    def watch_unlink(self, *args, **kwargs):
        if self.name == CURRENT:
            removed.append(str(self))
        return real_unlink(self, *args, **kwargs)

    def watch_remove(path, *args, **kwargs):
        if Path(path).name == CURRENT:
            removed.append(str(path))
        return real_remove(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", watch_unlink)
    monkeypatch.setattr(os, "remove", watch_remove)
    monkeypatch.setattr(os, "unlink", watch_remove)
    renamed: list[tuple[str, str]] = []
    real_replace = os.replace

    def watch_replace(src, dst, *args, **kwargs):
        renamed.append((Path(src).name, Path(dst).name))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(store_module.os, "replace", watch_replace)
    targets = []
    for _ in range(2):
        with Generation(out) as g:
            g.open_store(checkpoint=False)
            g.commit()
        targets.append(g.path.resolve())
        assert (out / CURRENT).resolve() == g.path.resolve()
    assert removed == [], "the published link was removed before the new one was in place"
    assert [dst for _, dst in renamed].count(CURRENT) == 2  # each publish: one rename onto it
    assert targets[0] != targets[1]


@pytest.mark.parametrize("left", ["link", "nothing"])
def test_publishing_over_a_missing_or_old_current_leaves_one_link(tmp_path, left):
    out = tmp_path / "out"
    with Generation(out) as first:
        first.open_store(checkpoint=False)
        first.commit()
    if left == "nothing":
        (out / CURRENT).unlink()
    with Generation(out) as second:
        second.open_store(checkpoint=False)
        second.commit()
    assert (out / CURRENT).is_symlink() and (out / CURRENT).resolve() == second.path.resolve()
    assert not list(out.glob(f".{CURRENT}.tmp-*"))
