"""Time the `--scale full` training experiments on the CPU and on a CUDA GPU.

Budget (DESIGN.md): each full experiment ≥ 10× faster on the GPU than on the CPU,
and the whole full suite ≤ 2 min on one GPU.

    python benchmarks/gpu.py                  # CPU and CUDA, every experiment
    python benchmarks/gpu.py --cpu-only       # no GPU here: CPU times only
    python benchmarks/gpu.py --gpu-only       # just the GPU suite against the 2-minute budget
    python benchmarks/gpu.py --only rnn_adding_problem --cpu-limit 300

With --cpu-limit N a CPU run is stopped after N seconds; its time is then shown as
"> N" and the speed-up as a lower bound (nothing is extrapolated).

What the experiments do for the GPU: whole sequences through cuDNN's nn.RNN/LSTM/GRU;
every variant that can share a loop trained as one batched model (nets × depths,
optimizer × λ grid, batch size × replicates, with padding masked out); data made on
the device by a device generator; losses collected in a device tensor and read once;
fused Adam on CUDA, and where a step is still a few dozen tiny kernels (reg_adamw_training's
stacked nets) the step is captured once as a CUDA graph and replayed. They stay in float32: the models are small, so a step costs kernel
launches rather than arithmetic, and autocast would add cast kernels without saving time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, cast

from _interpreter import HEAVY, LIGHT, require  # benchmarks/ is sys.path[0] when run as a script

require(LIGHT + HEAVY)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dlstudy import paths  # noqa: E402 -- after require()
from dlstudy.derivation import discover  # noqa: E402 -- after require()
from dlstudy.runner import run_one  # noqa: E402 -- after require()

EXPERIMENTS = ["rnn_adding_problem", "residual_degradation", "reg_adamw_training", "norm_small_batch_training"]
GPU_SUITE_BUDGET_S = 120.0
SPEEDUP_BUDGET = 10.0


def cuda_ready() -> bool:
    """CUDA present, with its context and libraries started outside any timed run."""
    import torch

    if not torch.cuda.is_available():
        return False
    x = torch.randn(256, 256, device="cuda")
    (x @ x).sum().item()
    rnn = torch.nn.LSTM(2, 8, batch_first=True).to("cuda")  # cuDNN's first call loads its kernels
    rnn(torch.randn(4, 5, 2, device="cuda"))[0].sum().backward()
    torch.cuda.synchronize()
    return True


def timed(info_id: str, device: str, limit: float, record: bool = False) -> dict[str, object]:
    info = CATALOGUE[info_id]
    started = time.perf_counter()
    result = run_one(info.id, str(info.path), info.title.en, device, "full", timeout=limit)
    wall = time.perf_counter() - started
    if record and result["verdict"] != "error":
        record_snapshot(info_id, result)
    stopped = result["verdict"] == "error" and "stopped after" in str(result.get("error") or "")
    failed = [str(e["quantity"]) for e in cast(list[dict[str, Any]], result["evidence"]) if not e["passed"]]
    return {"seconds": float(cast(float, result["seconds"])), "wall": round(wall, 2),
            "verdict": "stopped" if stopped else result["verdict"], "device": result["device"],
            "error": result.get("error"), "failed": failed}


def record_snapshot(info_id: str, payload: dict[str, object]) -> None:
    """Keep a full-scale run as the snapshot cards quote, with the machine it ran on."""
    import datetime
    import platform

    import torch

    from dlstudy import bind
    from dlstudy.evidence import Result
    from dlstudy.runner import _versions

    result = Result.from_dict(payload)
    gpu = torch.cuda.get_device_name(0) if result.device == "cuda" else platform.processor()
    target = bind.write_snapshot(CATALOGUE[info_id].path, result, {
        "recorded": datetime.date.today().isoformat(), "versions": _versions(),
        "machine": gpu, "seconds": result.seconds})
    print(f"    recorded {target}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=EXPERIMENTS, help="time just this one (repeatable)")
    parser.add_argument("--cpu-only", action="store_true", help="skip the GPU runs")
    parser.add_argument("--gpu-only", action="store_true", help="skip the CPU runs")
    parser.add_argument("--cpu-limit", type=float, default=0.0,
                        help="stop a CPU run after this many seconds (0: never); the speed-up is then a lower bound")
    parser.add_argument("--json", metavar="PATH", help="also write the figures to this JSON file")
    parser.add_argument("--record", action="store_true",
                        help="record each CUDA run as the derivation's full-scale evidence snapshot "
                             "(derivations/_evidence/full/ID.json), which cards quote as {{full/ID.row}}")
    args = parser.parse_args()

    chosen = args.only or EXPERIMENTS
    gpu = False
    if not args.cpu_only:
        gpu = cuda_ready()
        if not gpu:
            print("CUDA is not available (no GPU, or a CPU build of torch): timing the CPU only.")
    if args.gpu_only and not gpu:
        sys.exit("--gpu-only: no CUDA GPU here")

    import torch

    print(f"torch {torch.__version__}; CPU: {os.cpu_count()} cores, {torch.get_num_threads()} threads"
          + (f"; GPU: {torch.cuda.get_device_name(0)}" if gpu else ""))
    rows: dict[str, dict[str, dict[str, object]]] = {}
    for name in chosen:
        rows[name] = {}
        if gpu:
            rows[name]["cuda"] = timed(name, "cuda", 0.0, args.record)
            print(f"  {name:28s} cuda {rows[name]['cuda']['seconds']:8.2f} s  {rows[name]['cuda']['verdict']}",
                  flush=True)
        if not args.gpu_only:
            rows[name]["cpu"] = timed(name, "cpu", args.cpu_limit)
            print(f"  {name:28s} cpu  {rows[name]['cpu']['seconds']:8.2f} s  {rows[name]['cpu']['verdict']}",
                  flush=True)

    print()
    print(f"{'experiment (--scale full)':28s} {'CPU s':>10s} {'CUDA s':>8s} {'speed-up':>9s}  verdicts")
    gpu_total, speedups = 0.0, []
    for name, row in rows.items():
        cpu, cuda = row.get("cpu"), row.get("cuda")
        cpu_text = "—" if cpu is None else (f"> {args.cpu_limit:.0f}" if cpu["verdict"] == "stopped"
                                            else f"{cpu['seconds']:.2f}")
        cuda_text = "—" if cuda is None else f"{cuda['seconds']:.2f}"
        speed = "—"
        if cpu is not None and cuda is not None and float(cuda["seconds"]) > 0:  # type: ignore[arg-type]
            ratio = float(cpu["seconds"]) / float(cuda["seconds"])  # type: ignore[arg-type]
            speed = f"{'≥ ' if cpu['verdict'] == 'stopped' else ''}{ratio:.1f}×"
            speedups.append(ratio)
        if cuda is not None:
            gpu_total += float(cuda["seconds"])  # type: ignore[arg-type]
        verdicts = ", ".join(f"{dev} {r['verdict']}" for dev, r in row.items())
        print(f"{name:28s} {cpu_text:>10s} {cuda_text:>8s} {speed:>9s}  {verdicts}")
        for dev, r in row.items():
            if r["verdict"] not in ("pass", "stopped"):
                print(f"    {dev}: {r['error'] or 'failed: ' + '; '.join(cast(list[str], r['failed']))}")
    if gpu:
        within = "within" if gpu_total <= GPU_SUITE_BUDGET_S else "OVER"
        print(f"\nfull suite on the GPU: {gpu_total:.1f} s ({within} the {GPU_SUITE_BUDGET_S:.0f} s budget)")
        if speedups:
            low = min(speedups)
            print(f"smallest speed-up: {low:.1f}× ({'meets' if low >= SPEEDUP_BUDGET else 'BELOW'} "
                  f"the {SPEEDUP_BUDGET:.0f}× budget)")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")


CATALOGUE, _ = discover([paths.bundled_derivations()])

if __name__ == "__main__":
    main()
