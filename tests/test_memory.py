"""The malloc arena cap that keeps a long session's memory flat."""

import os
import platform
import subprocess
import sys

import pytest

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"

PROBE = (
    "from tui.instrument.memory import limit_malloc_arenas; "
    "print(limit_malloc_arenas())"
)


def cap_set_in_a_fresh_process(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=30,
    )
    return result.stdout.strip()


@pytest.mark.skipif(not GLIBC, reason="mallopt's arena cap is glibc's")
def test_the_cap_is_set_on_glibc() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert cap_set_in_a_fresh_process(env) == "True"


def test_a_users_own_limit_is_left_alone() -> None:
    env = {**os.environ, "MALLOC_ARENA_MAX": "4"}
    assert cap_set_in_a_fresh_process(env) == "False"


def test_freezing_leaves_only_new_objects_to_collect() -> None:
    import gc

    from tui.instrument.memory import freeze_survivors

    survivor = [object()]
    try:
        freeze_survivors()
        assert gc.get_freeze_count() > 0
        assert not any(o is survivor for o in gc.get_objects())  # out of reach
        newcomer = [object()]
        assert any(o is newcomer for o in gc.get_objects())
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
