"""Build and write an export in a process of its own, never on the loop's GIL.

Rendering an hour's session as JSON and a Chrome trace is seconds of Python
and of C that never lets go of the GIL (``json.dumps``, sorting the trace):
in a thread of the app it starved the loop the app measures, and ``w`` drew
a red spike of its own during the Q&A. So the app hands the session to a
child process (``python -m tui.output.export_process``) and only waits for it:

* what the monitor and the probe hold goes down the child's stdin, pickled
  (a few hundred runs and a minute of busy periods); pickling runs in a
  thread and lets go of the GIL between objects;
* the whole session's ticks, pings and stalls stay where they are, in the
  archive's temporary files: the child inherits their descriptors and reads
  them up to the cut, so they are never copied through this process;
* the child runs at a lower priority, so on a two-core laptop the loop is
  not the one that waits for a CPU; it prints the paths it wrote, or the
  sentence of an ``ExportError`` on stderr with exit status 1.

Standard library and the project's own modules only: no Textual, no Django.
"""

import asyncio
import contextlib
import json
import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

from tui.engine.session import Session
from tui.instrument.archive import ArchiveCut
from tui.output.export import ExportError, export_session

NICENESS = 10
"""How much lower the child's priority is than the app's."""


@dataclass(frozen=True)
class ExportJob:
    """Everything the child needs: picklable, with the archive by descriptor."""

    session: Session
    cut: ArchiveCut | None
    directory: Path
    stem: str


async def export_in_process(job: ExportJob) -> list[Path]:
    """Write ``job`` in a child process; returns the paths it wrote.

    Raises:
        ExportError: The child could not write (its sentence), or died.
    """
    payload = await asyncio.to_thread(pickle.dumps, job, pickle.HIGHEST_PROTOCOL)
    # Found from anywhere: the child's working directory stays the app's.
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tui.output.export_process",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        pass_fds=job.cut.descriptors if job.cut is not None else (),
        env=env,
    )
    try:
        out, err = await child.communicate(payload)
    except BaseException:  # cancelled (the app quits): no orphan left behind
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        raise
    if child.returncode != 0:
        problem = err.decode(errors="replace").strip().splitlines()
        raise ExportError(
            problem[-1] if problem else f"the export ended with {child.returncode}"
        )
    return [Path(path) for path in json.loads(out)]


def run_job(job: ExportJob) -> list[Path]:
    """Read the archive up to the cut, render and write; in the child."""
    session = job.session if job.cut is None else job.session.with_archive(job.cut)
    return export_session(session, job.directory, job.stem)


def main() -> int:
    """The child: a pickled ``ExportJob`` on stdin, the paths on stdout."""
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    job = pickle.loads(sys.stdin.buffer.read())
    try:
        paths = run_job(job)
    except ExportError as error:
        print(error, file=sys.stderr)
        return 1
    except OSError as error:  # the archive went away: the app is quitting
        print(f"cannot read the session: {error}", file=sys.stderr)
        return 1
    print(json.dumps([str(path) for path in paths]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
