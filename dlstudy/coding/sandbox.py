"""Run the user's code in a child process, under a time and a memory limit, and grade it there.

The parent (the study session) never imports or runs the user's code. It starts
``python -m dlstudy.coding.sandbox TASK SEED CODE OUT LIMITS`` with stdin closed and the
child's output going to a file, waits, and reads the child's JSON outcome. In the child:

1. the task's cases are drawn and the expected outputs computed with torch (before any
   limit, so the reference itself is never starved);
2. limits are set for what follows: ``RLIMIT_AS`` — the address space so far plus
   ``memory_mb`` (a huge allocation fails with MemoryError instead of swapping the machine),
   ``RLIMIT_CPU`` — the CPU time so far plus ``seconds`` (an infinite loop is killed by
   SIGXCPU), ``alarm(seconds)`` for a wall-clock limit (a ``sleep`` or a blocked call), and
   ``RLIMIT_FSIZE`` for what it prints;
3. the code is compiled under its own file name (its traceback shows the user's lines), run,
   and graded case by case (:mod:`dlstudy.coding.grade`).

Whatever the child does — a crash, ``os._exit``, a segmentation fault, a kill — the parent
turns into an outcome with ``kind`` ``timeout``, ``memory`` or ``crash`` and the tail of the
child's output; the parent also kills a child that outlives ``seconds`` plus a start-up
allowance. Nothing is ever raised into the session.

Nothing the user's code starts outlives the attempt, even a process that leaves the process
group (``setsid``, ``start_new_session=True``) or whose parent has died: the child is a small
*supervisor* that marks itself a child subreaper (orphaned descendants become its children),
forks the *runner* that does steps 1–3, waits for it, then kills every process still below it
and ends as the runner did (the same exit status or signal). The parent asks the supervisor to
do the same (SIGTERM) when it stops an attempt early, and kills the whole process group after.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SECONDS = 10.0        # the user's code: CPU and wall-clock seconds for all cases together
MEMORY_MB = 1024      # … and memory on top of what the child holds after computing the reference
START_ALLOWANCE = 90.0  # importing torch and computing the reference, on a busy machine
OUTPUT_BYTES = 16 * 2**20  # what the user's code may print


@dataclass(frozen=True)
class Limits:
    """What the user's code may use: ``seconds`` of CPU and of wall-clock time (all cases
    together), and ``memory_mb`` of memory beyond what the child holds before running it."""

    seconds: float = SECONDS
    memory_mb: int = MEMORY_MB

    @classmethod
    def from_env(cls) -> Limits:
        """From ``DLSTUDY_CODE_SECONDS`` and ``DLSTUDY_CODE_MEMORY_MB`` (else the defaults)."""
        values: dict[str, Any] = {}
        for name, key, kind in (("DLSTUDY_CODE_SECONDS", "seconds", float),
                                ("DLSTUDY_CODE_MEMORY_MB", "memory_mb", int)):
            raw = os.environ.get(name)
            if raw:
                try:
                    value = kind(raw)
                except ValueError:
                    value = 0
                if not 0 < value < 10**6:
                    raise ValueError(f"{name}={raw!r}: give a positive number "
                                     f"({'seconds' if kind is float else 'megabytes'})")
                values[key] = value
        return cls(**values)


def run(task: str, code: str, seed: int, limits: Limits | None = None,
        filename: str | None = None) -> dict[str, Any]:
    """Grade ``code`` on task ``task``'s cases for ``seed`` in a child process; the outcome
    (see :func:`dlstudy.coding.grade.grade`) with ``seconds`` (wall time) added. ``filename``
    is the name tracebacks give the code (the file the user wrote)."""
    limits = limits or Limits()
    root = str(Path(__file__).resolve().parent.parent.parent)  # the child imports this dlstudy
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p), OMP_NUM_THREADS="1")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dlstudy-code-") as folder:
        source = Path(folder) / "attempt.py"
        source.write_text(code, encoding="utf-8")
        out, log = Path(folder) / "outcome.json", Path(folder) / "output.txt"
        with open(log, "wb") as output:
            child = subprocess.Popen(
                [sys.executable, "-m", "dlstudy.coding.sandbox", task, str(seed), str(source),
                 str(out), str(limits.seconds), str(limits.memory_mb), filename or "attempt.py"],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=env,
                cwd=folder, start_new_session=True)  # its own process group: see _kill
            try:
                code_ = child.wait(limits.seconds + START_ALLOWANCE)
            except subprocess.TimeoutExpired:
                code_ = -signal.SIGKILL
                timed_out = True
            else:
                timed_out = False
            finally:  # also on Ctrl-C while waiting: the child goes too
                _kill(child)
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:].strip()
        seconds = round(time.monotonic() - started, 2)
        if not timed_out and code_ == 0 and out.exists():
            try:
                outcome: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
            except ValueError:
                outcome = _died(1, tail, limits)
        else:
            outcome = _died(code_, tail, limits, timed_out)
    outcome["seconds"] = seconds
    outcome["limits"] = {"seconds": limits.seconds, "memory_mb": limits.memory_mb}
    from dlstudy import coding

    if task in coding.names():  # the cases this seed drew (an unknown task: the child said so)
        outcome["cases_version"] = coding.get(task).cases_version
    return outcome


def _kill(child: subprocess.Popen[bytes]) -> None:
    """End the child and whatever the user's code started: a supervisor still running is asked
    to end its descendants (SIGTERM, see :func:`_supervise`); then the process group is killed."""
    try:
        if child.poll() is None:
            child.terminate()
            child.wait(5)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        pass
    finally:  # a second Ctrl-C while the supervisor cleans up still ends the group
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if child.poll() is None:
            child.kill()
        child.wait()


def _died(code: int, tail: str, limits: Limits, timed_out: bool = False) -> dict[str, Any]:
    """The outcome of a child that wrote none: why it died, and what it printed last."""
    if timed_out or code in (-signal.SIGXCPU, -signal.SIGALRM):
        kind = "timeout"
    elif code == -signal.SIGKILL or "MemoryError" in tail:
        kind = "memory"
    else:
        kind = "crash"
    name = signal.Signals(-code).name if code < 0 and -code in signal.valid_signals() else None
    failure = {"kind": kind, "status": name or f"exit status {code}", "printed": tail,
               "seconds": limits.seconds, "memory_mb": limits.memory_mb}
    return {"passed": False, "cases": [], "failure": {"case": None, **failure}}


# --- the child -----------------------------------------------------------------------------

def _address_space() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 * 4  # a rough stand-in


def _child(task_name: str, seed: int, source: Path, out: Path, seconds: float,
           memory_mb: int, filename: str) -> None:
    import resource

    from dlstudy import coding
    from dlstudy.coding.grade import cases_for, error_kind, grade, load, user_traceback

    task = coding.get(task_name)
    try:
        import torch

        torch.set_num_threads(1)  # tiny tensors; and one thread is what the CPU limit counts
    except ImportError:
        pass
    cases = cases_for(task, seed)
    code = source.read_text(encoding="utf-8")

    # The limits hold from here on: the user's code and the grading of its outputs.
    _, hard_as = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + memory_mb * 2**20
    if hard_as == resource.RLIM_INFINITY or limit < hard_as:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard_as))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime + seconds) + 1
    _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    if hard_cpu == resource.RLIM_INFINITY or cpu < hard_cpu:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard_cpu))
    # Printing in a loop fills a file, not the disk: a write past this size fails (EFBIG).
    _, hard_fsize = resource.getrlimit(resource.RLIMIT_FSIZE)
    if hard_fsize == resource.RLIM_INFINITY or hard_fsize > OUTPUT_BYTES:
        resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_BYTES, hard_fsize))
    signal.alarm(max(1, int(seconds + 0.999)))

    try:
        function = load(code, task.function, filename)
    except BaseException as exc:  # SyntaxError, a NameError at import, SystemExit…
        kind = "missing" if isinstance(exc, LookupError) else error_kind(exc)
        failure = {"case": None, "kind": kind, "function": task.function}
        if kind != "missing":
            failure["traceback"] = user_traceback(exc, filename)
        outcome: dict[str, Any] = {"passed": False, "cases": [], "total": len(cases),
                                   "failure": failure}
    else:
        try:
            outcome = grade(task, function, cases, filename)
        except MemoryError as exc:
            outcome = {"passed": False, "cases": [], "failure": {
                "case": None, "kind": "memory", "traceback": user_traceback(exc, filename)}}
    signal.alarm(0)
    resource.setrlimit(resource.RLIMIT_AS, (hard_as, hard_as))  # room to write the outcome
    out.write_text(json.dumps(outcome), encoding="utf-8")


# --- the supervisor: nothing the user's code starts outlives the attempt ----------------------

PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> None:
    """Orphaned descendants (their parent died, or they double-forked) become our children
    instead of init's, so :func:`_end_descendants` finds them (Linux; elsewhere a no-op)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _descendants(root: int) -> list[int]:
    """Every live process below ``root`` (from each process's parent in /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for pid in parents.get(todo.pop(), []):
            found.append(pid)
            todo.append(pid)
    return found


def _end_descendants() -> None:
    """SIGKILL every process below this one and reap them (orphans come to us as they die)."""
    while True:
        for pid in _descendants(os.getpid()):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def _supervise(work: Any) -> None:
    """Fork a runner for ``work``, wait for it, end whatever it left behind, and end as it did."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    _become_subreaper()
    runner = os.fork()
    if runner == 0:
        status = 1
        try:
            work()
            sys.stdout.flush()
            status = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(status)  # the user's code may have left threads or atexit hooks behind

    def stop(signum: int, frame: Any) -> None:  # the parent stops the attempt early
        _end_descendants()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    while True:
        try:
            _, status = os.waitpid(runner, 0)
            break
        except InterruptedError:
            continue
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _end_descendants()
    if os.WIFSIGNALED(status):  # end as the runner did: the parent reads the signal
        number = os.WTERMSIG(status)
        if number not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


if __name__ == "__main__":
    task_arg, seed_arg, source_arg, out_arg, seconds_arg, memory_arg, name_arg = sys.argv[1:8]
    _supervise(lambda: _child(task_arg, int(seed_arg), Path(source_arg), Path(out_arg),
                              float(seconds_arg), int(memory_arg), name_arg))
