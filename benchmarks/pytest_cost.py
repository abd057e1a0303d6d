"""What the pytest plugin adds to a test suite's wall time.

Run: ``python benchmarks/pytest_cost.py`` (about a minute; ``--quick`` for a
few seconds). A suite of small async tests (pytest-asyncio, each awaiting and
doing a little work, as a Django suite's async tests do) is run in a fresh
process without the plugin asked for and with ``--loop-budget 50``, pair
after pair, and the median of each pair's ratio is printed against the
target of 10 % extra wall time.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

TARGET = 0.10
INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""
TEST = """
import asyncio
import json


async def test_{n}():
    await asyncio.sleep(0)
    payload = json.dumps({{"n": {n}, "items": list(range(50))}})
    await asyncio.sleep(0)
    assert json.loads(payload)["n"] == {n}
"""


def write_suite(directory: Path, tests: int) -> None:
    """``tests`` small async tests, in files of 50."""
    (directory / "pytest.ini").write_text(INI)
    for first in range(0, tests, 50):
        body = "".join(TEST.format(n=n) for n in range(first, min(tests, first + 50)))
        (directory / f"test_suite_{first // 50}.py").write_text(textwrap.dedent(body))


def wall(directory: Path, *options: str) -> float:
    """Seconds one run of the suite took, in a process of its own."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options],
        cwd=directory,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stdout[-2000:] + result.stderr[-2000:])
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds")
    args = parser.parse_args()
    tests, pairs = (50, 1) if args.quick else (200, 7)
    with tempfile.TemporaryDirectory(prefix="loopbeat-pytest-cost-") as name:
        directory = Path(name)
        write_suite(directory, tests)
        wall(directory)  # warm the bytecode caches of both runs alike
        without, with_plugin = [], []
        for _ in range(pairs):
            without.append(wall(directory, "-p", "no:loopbeat"))
            with_plugin.append(wall(directory, "--loop-budget", "50"))
    ratios = [w / o for o, w in zip(without, with_plugin, strict=True)]
    extra = statistics.median(ratios) - 1
    print(f"{tests} async tests, {pairs} pairs of runs")
    print(f"without the plugin: median {statistics.median(without):.2f} s")
    print(f"with --loop-budget: median {statistics.median(with_plugin):.2f} s")
    verdict = "PASS" if extra <= TARGET else "MISS"
    print(
        f"extra wall time: {extra:+.1%} (median of pairs; "
        f"target <= {TARGET:.0%}): {verdict}"
    )


if __name__ == "__main__":
    main()
