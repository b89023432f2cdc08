"""Running derivations: in worker processes, with a cache, returning :class:`Result` values.

A result is cached under a key made of the derivation's source, the proof
helpers' source, the versions of Python, torch, numpy and sympy, the device and
the scale — change any of them and the derivation runs again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
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

    def _file(self, info: DerivationInfo, device: str, scale: str) -> Path:
        return self.folder / f"{info.id}.{device}.{scale}.json"

    def get(self, info: DerivationInfo, device: str, scale: str) -> Result | None:
        try:
            entry = json.loads(self._file(info, device, scale).read_text(encoding="utf-8"))
            if entry.get("key") != cache_key(info, device, scale):
                return None
            result = Result.from_dict(entry["result"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        result.cached = True
        return result

    def put(self, info: DerivationInfo, result: Result) -> None:
        if result.verdict == "error":
            return  # errors are often environmental; always retry them
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._file(info, result.device, result.scale)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        entry = {"key": cache_key(info, result.device, result.scale), "result": result.to_dict()}
        tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)


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


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`DerivationTimeout` in this thread after ``seconds`` (Unix main thread only)."""
    usable = seconds > 0 and hasattr(signal, "setitimer") \
        and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise DerivationTimeout(f"stopped after {seconds:g} s (--timeout)")

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
        module = _load_module(info_id, path)
        with _time_limit(timeout):
            _seed_everything(seed)
            module.derive(proof)  # type: ignore[attr-defined]
            _seed_everything(seed)
            module.experiment(proof)  # type: ignore[attr-defined]
    except DerivationTimeout as exc:
        error = str(exc)
    except Exception as exc:
        if proof.device == "mps" and "float64" in str(exc):
            # Apple GPUs have no float64, which exact checks need: run this one on the CPU.
            return run_one(info_id, path, title, "cpu", scale, seed, threads, timeout, interactive,
                           myth)
        frames = traceback.format_exception(exc)
        error = "".join(frames[-3:]).strip()
    if error is not None:
        verdict = "error"
    elif not proof.evidence:
        verdict, error = "error", "the derivation recorded no evidence"
    else:
        verdict = "pass" if all(e.passed for e in proof.evidence) else "fail"
    result = Result(info_id, title, verdict, proof.device, scale,  # type: ignore[arg-type]
                    round(time.perf_counter() - started, 3), proof.steps, proof.evidence,
                    proof.plots, error)
    return result.to_dict()


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
) -> list[Result]:
    """Run (or fetch from the cache) every derivation in ``infos``, in order of ``infos``.

    With ``refresh`` the cache is not read, but fresh results are still written to it.
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
    if jobs == 1:
        # A lone derivation owns the terminal and may show its own progress bar; with several,
        # the caller's bar over derivations is on screen and a second live display would fight it.
        interactive = len(todo) == 1 and sys.stderr.isatty()
        for info in todo:
            finish(info, run_one(info.id, str(info.path), info.title.get(lang), device, scale,
                                 timeout=timeout, interactive=interactive))
    elif todo:
        threads = max(1, (os.cpu_count() or 1) // jobs)
        # spawn, not fork: the parent may run a progress-bar thread, and CUDA dislikes forks.
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = {
                pool.submit(run_one, info.id, str(info.path), info.title.get(lang),
                            device, scale, 0, threads, timeout): info
                for info in todo
            }
            for future in as_completed(futures):
                info = futures[future]
                try:
                    payload = future.result()
                except Exception as exc:  # the worker died (out of memory, a crash in C code)
                    payload = Result(info.id, info.title.get(lang), "error", device, scale, 0.0,
                                     error=f"worker process failed: {exc!r}").to_dict()
                finish(info, payload)
    return [results[i.id] for i in infos]
