"""Running derivations: in worker processes, with a cache, returning :class:`Result` values.

A result is cached under a key made of the derivation's source, the proof
helpers' source, the versions of Python, torch, numpy and sympy, the device and
the scale — change any of them and the derivation runs again.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import json
import math
import os
import random
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path

from dlstudy import __version__
from dlstudy.derivation import DerivationInfo
from dlstudy.evidence import Result

_HELPERS = [Path(__file__).with_name(n) for n in ("proof.py", "evidence.py", "lab.py")]


def _versions() -> str:
    parts = [f"python={sys.version_info[:3]}", f"dlstudy={__version__}"]
    for name in ("torch", "numpy", "sympy"):
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=none")
    return ";".join(parts)


def cache_key(info: DerivationInfo, device: str, scale: str) -> str:
    h = hashlib.sha256()
    h.update(info.path.read_bytes())
    for helper in _HELPERS:
        if helper.exists():
            h.update(helper.read_bytes())
    h.update(f"{_versions()};device={device};scale={scale}".encode())
    return h.hexdigest()


class ProofCache:
    """One JSON file per (derivation, device, scale); a new key overwrites the old entry."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problem: str | None = None  # why the last failed write failed

    def _file(self, info: DerivationInfo, device: str, scale: str) -> Path:
        return self.folder / f"{info.id}.{device}.{scale}.json"

    def get(self, info: DerivationInfo, device: str, scale: str) -> Result | None:
        """The cached result, or None: missing, stale or unreadable entries are all misses
        (a damaged file is rewritten by the next :meth:`put`)."""
        try:
            entry = json.loads(self._file(info, device, scale).read_text(encoding="utf-8"))
            if not isinstance(entry, dict) or entry.get("key") != cache_key(info, device, scale):
                return None
            result = Result.from_dict(entry["result"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        result.cached = True
        return result

    def put(self, info: DerivationInfo, result: Result) -> bool:
        """Store ``result``; False (and the reason in :attr:`problem`) when it cannot be written."""
        if result.verdict == "error":
            return False  # errors are often environmental; always retry them
        target = self._file(info, result.device, result.scale)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        entry = {"key": cache_key(info, result.device, result.scale), "result": result.to_dict()}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, target)
        except OSError as exc:
            self.problem = f"cannot write the proof cache in {self.folder}: {exc.strerror or exc}"
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            return False
        return True


def _load_module(info_id: str, path: str) -> object:
    spec = importlib.util.spec_from_file_location(f"dlstudy_derivations.{info_id}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _seed_everything(seed: int) -> None:
    """Seed the global generators from a value *derived* from ``seed``.

    Derivations build their data from ``torch.Generator().manual_seed(p.seed)``; if the
    global generator (used by dropout masks, nn.Module init) started from the same seed,
    the two streams would be identical and the masks correlated with the data.
    """
    seed = seed + 1_000_003
    random.seed(seed)
    import numpy as np

    np.random.seed(seed)
    import torch

    torch.manual_seed(seed)


class DerivationTimeout(Exception):
    """A derivation ran past its time limit."""


TIMEOUT_ERROR = {"en": "stopped after {seconds:g} s (--timeout)",
                 "zh": "运行 {seconds:g} 秒后被停止（--timeout）"}


NO_EVIDENCE = {"en": "the derivation recorded no evidence", "zh": "该推导没有记录任何证据"}


def error_in(error: str, lang: str) -> str:
    """A result's ``error`` as shown in ``lang``: the time limit's own message is translated
    (an exception's text, the derivation's own, is shown as it is)."""
    if error.strip() == NO_EVIDENCE["en"]:
        return NO_EVIDENCE.get(lang, error)
    m = re.fullmatch(r"stopped after (\S+) s \(--timeout\)", error.strip())
    if m is None or lang not in TIMEOUT_ERROR:
        return error
    return TIMEOUT_ERROR[lang].format(seconds=float(m.group(1)))


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`DerivationTimeout` in this thread after ``seconds`` (Unix main thread only)."""
    usable = 0 < seconds < math.inf and hasattr(signal, "setitimer") and _main_thread()
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise DerivationTimeout(TIMEOUT_ERROR["en"].format(seconds=seconds))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_one(info_id: str, path: str, title: str, device: str, scale: str,
            seed: int = 0, threads: int = 0, timeout: float = 0,
            interactive: bool = False, myth: bool = False) -> dict[str, object]:
    """Run one derivation here and now; returns ``Result.to_dict()`` (picklable).

    ``interactive``: the run owns the terminal, so long experiments may draw a progress bar.
    ``myth``: the counterfactual run of the tests (see :attr:`dlstudy.proof.Proof.myth`).
    """
    from dlstudy.device import confirm
    from dlstudy.proof import Proof

    proof = Proof(device=device, scale=scale, seed=seed)
    proof.interactive = interactive
    proof.myth = myth
    error: str | None = None
    started = time.perf_counter()
    try:
        import torch

        if not threads and device == "cpu" and scale == "quick":
            threads = 1  # quick experiments are many tiny ops: extra threads only spin
        if threads:
            torch.set_num_threads(threads)
        proof.device = confirm(device)
        try:  # the first optimizer step imports torch._dynamo (~2 s): charge it to no derivation
            import torch._dynamo
        except ImportError:
            pass
        started = time.perf_counter()  # the time of the derivation, not of importing torch
        # what a derivation prints goes to stderr: stdout is the command's own (`--json`, a pipe)
        with contextlib.redirect_stdout(sys.stderr):
            module = _load_module(info_id, path)
        with _time_limit(timeout), contextlib.redirect_stdout(sys.stderr):
            _seed_everything(seed)
            module.derive(proof)  # type: ignore[attr-defined]
            _seed_everything(seed)
            module.experiment(proof)  # type: ignore[attr-defined]
    except DerivationTimeout as exc:
        error = str(exc)
    except (Exception, SystemExit) as exc:  # sys.exit() in a derivation is its error, not prove's exit
        if proof.device == "mps" and "float64" in str(exc):
            # Apple GPUs have no float64, which exact checks need: run this one on the CPU.
            return run_one(info_id, path, title, "cpu", scale, seed, threads, timeout, interactive,
                           myth)
        frames = traceback.format_exception(exc)
        error = "".join(frames[-3:]).strip()
    if error is not None:
        verdict = "error"
    elif not proof.evidence:
        verdict, error = "error", NO_EVIDENCE["en"]
    else:
        verdict = "pass" if all(e.passed for e in proof.evidence) else "fail"
    result = Result(info_id, title, verdict, proof.device, scale,  # type: ignore[arg-type]
                    round(time.perf_counter() - started, 3), proof.steps, proof.evidence,
                    proof.plots, error)
    return result.to_dict()


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped :func:`prove`; ``finished`` holds what completed (and was cached).

    A KeyboardInterrupt still, so callers that handle Ctrl-C already handle this."""

    def __init__(self, finished: list[Result], total: int) -> None:
        super().__init__(f"interrupted: {len(finished)} of {total} finished")
        self.finished = finished
        self.total = total


WORKER_MEMORY = 300 * 2**20  # a worker that has imported torch and sympy holds about this much


def available_memory() -> int | None:
    """Bytes of memory available to new processes now, or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def worker_cap() -> tuple[int, str]:
    """How many worker processes this machine can hold, and why: one per core, and no more
    than the available memory holds at ~300 MB each."""
    cores = os.cpu_count() or 1
    memory = available_memory()
    if memory is None:
        return cores, f"{cores} cores"
    by_memory = max(1, memory // WORKER_MEMORY)
    reason = f"{cores} cores, {memory / 2**30:.1f} GB available at ~300 MB per worker"
    return max(1, min(cores, by_memory)), reason


def _ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C in a terminal reaches the whole process group; the parent
    alone decides what happens (it stops the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _leave_now(signum: int, frame: object) -> None:
    """A second Ctrl-C while the first one is being handled: leave at once."""
    os.write(2, b"\ninterrupted again: leaving now\n")
    try:  # release the pool's semaphores (no joins), so no "leaked semaphore" warning follows
        from multiprocessing import util

        util._run_finalizers(0)  # type: ignore[attr-defined]
    except Exception:
        pass
    os._exit(130)


_LEAVING = False


def leave_on_second_interrupt() -> None:
    """After a first Ctrl-C: a second one leaves at once (exit 130) instead of interrupting the
    clean-up; once the interpreter runs its exit handlers, further ones are ignored (so the
    process never dies by the signal, which would lose the exit status 130)."""
    global _LEAVING
    if not _main_thread():
        return
    signal.signal(signal.SIGINT, _leave_now)
    if not _LEAVING:
        _LEAVING = True
        atexit.register(signal.signal, signal.SIGINT, signal.SIG_IGN)


def prove(
    infos: Sequence[DerivationInfo],
    device: str,
    scale: str,
    lang: str = "en",
    jobs: int = 1,
    cache: ProofCache | None = None,
    refresh: bool = False,
    timeout: float = 0,
    on_result: Callable[[Result], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """Run (or fetch from the cache) every derivation in ``infos``, in order of ``infos``.

    With ``refresh`` the cache is not read, but fresh results are still written to it.
    ``on_start(workers, to_run)`` is called once the cached results are out, before anything
    runs. Ctrl-C raises :class:`Interrupted` within moments: worker processes are killed, not
    waited for, and what finished is already in the cache.
    """
    results: dict[str, Result] = {}
    todo: list[DerivationInfo] = []
    for info in infos:
        hit = cache.get(info, device, scale) if cache and not refresh else None
        if hit is not None:
            hit.title = info.title.get(lang)
            results[info.id] = hit
            if on_result:
                on_result(hit)
        else:
            todo.append(info)

    def finish(info: DerivationInfo, payload: dict[str, object]) -> None:
        result = Result.from_dict(payload)
        if cache:
            cache.put(info, result)
        results[info.id] = result
        if on_result:
            on_result(result)

    jobs = max(1, min(jobs, len(todo)))
    if on_start and todo:
        on_start(jobs, len(todo))
    try:
        if jobs == 1:
            # A lone derivation owns the terminal and may show its own progress bar; with
            # several, the caller's bar over derivations is on screen and a second live
            # display would fight it.
            interactive = len(todo) == 1 and sys.stderr.isatty()
            for info in todo:
                finish(info, run_one(info.id, str(info.path), info.title.get(lang), device, scale,
                                     timeout=timeout, interactive=interactive))
        elif todo:
            _run_pool(todo, jobs, device, scale, lang, timeout, finish)
    except KeyboardInterrupt:
        raise Interrupted([results[i.id] for i in infos if i.id in results], len(infos)) from None
    return [results[i.id] for i in infos]


def _run_pool(todo: Sequence[DerivationInfo], jobs: int, device: str, scale: str, lang: str,
              timeout: float, finish: Callable[[DerivationInfo, dict[str, object]], None]) -> None:
    """Run ``todo`` in ``jobs`` worker processes; Ctrl-C kills them and raises KeyboardInterrupt."""
    threads = max(1, (os.cpu_count() or 1) // jobs)
    # spawn, not fork: the parent may run a progress-bar thread, and CUDA dislikes forks.
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                               initializer=_ignore_interrupts)
    try:
        # The workers start during submit; they inherit an ignored SIGINT (so a Ctrl-C in
        # the terminal never prints a traceback from a half-started worker). Submitting takes
        # milliseconds; a Ctrl-C in them is lost, the next one is not.
        ignoring = _main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if ignoring else None
        try:
            futures = {
                pool.submit(run_one, info.id, str(info.path), info.title.get(lang),
                            device, scale, 0, threads, timeout): info
                for info in todo
            }
        finally:
            if ignoring:
                signal.signal(signal.SIGINT, signal.default_int_handler if previous is None
                              else previous)
        for future in as_completed(futures):
            info = futures[future]
            try:
                payload = future.result()
            except Exception as exc:  # the worker died (out of memory, a crash in C code)
                payload = Result(info.id, info.title.get(lang), "error", device, scale, 0.0,
                                 error=f"worker process failed: {exc!r}").to_dict()
            finish(info, payload)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            leave_on_second_interrupt()  # stopping the workers never waits on them, but be sure
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` now: cancel what has not started and kill the workers (never wait)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        try:
            worker.kill()
        except (OSError, ValueError, AttributeError):
            pass
