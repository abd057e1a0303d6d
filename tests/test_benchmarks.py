"""The benchmark scripts run (short versions): CI keeps them from rotting."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(
    path.relative_to(ROOT).as_posix()
    for path in (ROOT / "benchmarks").glob("*.py")
    if 'if __name__ == "__main__":' in path.read_text()
)
"""Every benchmark that runs as a program (``ptyrun.py`` is a helper)."""


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def test_short_soak_keeps_every_buffer_bounded(demo_db: Path) -> None:
    result = run(
        "soak.py", "--minutes", "0.15", "--report-every", "3", "--db", str(demo_db)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "buffers within bounds: True" in result.stdout
    assert result.stdout.count("\n") >= 4  # a header and several reports


def test_ui_idle_benchmark_prints_its_figures(demo_db: Path) -> None:
    result = run("ui_idle.py", "--quick", "--db", str(demo_db))
    assert result.returncode == 0, result.stderr
    assert "lag p50 / p99" in result.stdout
    assert "process CPU" in result.stdout


def test_frame_cost_benchmark_measures_the_live_app(demo_db: Path) -> None:
    result = run(
        "frame_cost.py", "--seconds", "1.5", "--sizes", "80x24", "--db", str(demo_db)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "80x24" in result.stdout and "ms/s" in result.stdout


def test_verdict_stability_benchmark_runs_both_modes(demo_db: Path) -> None:
    result = run(
        "verdict_stability.py",
        *("--runs", "1", "--hogs", "0", "--patterns", "sleep-await"),
        *("--db", str(demo_db)),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "headless, 0 CPU hog(s)" in result.stdout
    assert "live, 0 CPU hog(s)" in result.stdout
    assert "sleep-await kept beating 1/1" in result.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_benchmark_has_a_quick_mode(script: str) -> None:
    result = run(Path(script).name, "--help")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--quick" in result.stdout


def test_ci_runs_every_benchmark_in_its_quick_mode() -> None:
    # The list is the one .ci/benchmarks runs, and .ci/run runs that after
    # the tests: a new script is run by CI, or this fails.
    listed = subprocess.run(
        [str(ROOT / ".ci" / "benchmarks"), "--list"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    assert listed == SCRIPTS
    assert len(SCRIPTS) >= 10
    ci = (ROOT / ".ci" / "run").read_text()
    assert "\n.ci/benchmarks\n" in ci
    assert '"$script" --quick' in (ROOT / ".ci" / "benchmarks").read_text()
