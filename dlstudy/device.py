"""The one place that decides where experiments run: auto → cuda → mps → cpu.

``resolve`` answers without importing torch (so a fully cached ``prove`` stays
fast); the worker that runs an experiment confirms the answer with torch itself.
"""

from __future__ import annotations

import ctypes
import platform
from functools import lru_cache
from importlib import metadata

DEVICES = ("auto", "cpu", "cuda", "mps")


class DeviceUnavailable(RuntimeError):
    """The device asked for is not present on this machine."""


@lru_cache(maxsize=1)
def _cuda_device_count() -> int:
    """CUDA devices the driver reports, via libcuda (what torch asks too), without torch."""
    try:
        version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        return 0
    if "+cpu" in version:
        return 0
    for name in ("libcuda.so.1", "libcuda.so", "nvcuda.dll"):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        count = ctypes.c_int(0)
        if lib.cuInit(0) != 0 or lib.cuDeviceGetCount(ctypes.byref(count)) != 0:
            return 0
        return count.value
    return 0


def _mps_possible() -> bool:
    return platform.system() == "Darwin" and platform.machine() == "arm64"


def resolve(requested: str) -> str:
    """``auto`` becomes the best device present; an explicit device must exist."""
    if requested not in DEVICES:
        raise DeviceUnavailable(f"unknown device {requested!r}; choose one of {', '.join(DEVICES)}")
    if requested == "auto":
        if _cuda_device_count() > 0:
            return "cuda"
        return "mps" if _mps_possible() else "cpu"
    if requested == "cuda" and _cuda_device_count() == 0:
        raise DeviceUnavailable("--device cuda: no CUDA GPU is visible (or torch is a CPU build); "
                                "use --device auto or cpu")
    if requested == "mps" and not _mps_possible():
        raise DeviceUnavailable("--device mps: Apple-silicon GPUs only; use --device auto or cpu")
    return requested


def confirm(device: str) -> str:
    """Inside a worker, with torch imported: the device that will really be used."""
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("CUDA was expected but torch.cuda.is_available() is False")
    if device == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        return "cpu"
    return device
