"""Data parallelism is an all-reduce of gradients: two real torch.distributed processes (gloo, localhost)
give the same update as one process on the whole batch.

Symbolic: with a mean loss over B = n·b examples split into n equal shards, the full gradient is
the average of the shard gradients: ∇L = (1/n)·Σ_r ∇L_r. So all-reduce (sum) the gradients,
divide by n, and every replica takes the same step as one process on the whole batch.
Numeric: torch.multiprocessing.spawn starts two processes that join a gloo process group on
127.0.0.1; each takes half of the batch, calls dist.all_reduce on its gradients (and, separately,
trains a DistributedDataParallel copy), and takes one torch.optim.SGD step; the parent runs
the same model on the whole batch in one process. Process start-up costs seconds; if gloo or
process spawning is unavailable the derivation records a failing row rather than passing.
"""

TITLE = {
    "en": "Data parallel = all-reduce of gradients (real torch.distributed, gloo, two processes)",
    "zh": "数据并行 = 梯度的 all-reduce（真实 torch.distributed，gloo，两个进程）",
}
CLAIMS = [
    {
        "en": "Two gloo processes, each on half the batch, all-reducing (summing) their gradients and dividing by 2, "
              "take the same SGD step as one process on the whole batch; DistributedDataParallel does the same.",
        "zh": "两个 gloo 进程各处理半个 batch，把梯度 all-reduce（求和）后除以 2，所做的 SGD 更新与单进程处理整个 batch "
              "相同；DistributedDataParallel 也一样。",
    },
]

WORKER = '''
import datetime, os, sys
import torch
import torch.distributed as dist


def build(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).double()


def run(rank, world, port, seed, divide, out):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
                            timeout=datetime.timedelta(seconds=30))
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(8, 6, generator=g, dtype=torch.float64)
    y = torch.randn(8, 1, generator=g, dtype=torch.float64)
    xs, ys = x.chunk(world)[rank], y.chunk(world)[rank]
    model = build(seed)
    torch.nn.functional.mse_loss(model(xs), ys).backward()
    for q in model.parameters():
        dist.all_reduce(q.grad, op=dist.ReduceOp.SUM)
        if divide:
            q.grad /= world
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    ddp = torch.nn.parallel.DistributedDataParallel(build(seed))
    torch.nn.functional.mse_loss(ddp(xs), ys).backward()
    torch.optim.SGD(ddp.parameters(), lr=0.1).step()
    torch.save({"manual": [q.detach() for q in model.parameters()],
                "ddp": [q.detach() for q in ddp.module.parameters()]}, f"{out}/rank{rank}.pt")
    dist.destroy_process_group()
    sys.stdout.flush()
    os._exit(0)  # done, results on disk: skip exit handlers a forked child inherits (they can hang it)
'''


def derive(p):
    import sympy as sp

    n, b = 2, 4
    losses = sp.symbols(f"l1:{n * b + 1}")
    w = sp.Symbol("w")
    full = sum(li * w**2 for li in losses) / (n * b)  # any per-example loss; w² stands for the model
    shard = [sum(li * w**2 for li in losses[r * b:(r + 1) * b]) / b for r in range(n)]
    p.identity("∇ of the full-batch mean = (1/n)·Σ_r ∇ of shard r's mean (n = 2 shards of b = 4)",
               sp.diff(full, w), sum(sp.diff(s, w) for s in shard) / n, id="mean_of_shard_grads")
    p.identity("all-reduce SUM without /n: n × the full gradient", sum(sp.diff(s, w) for s in shard),
               n * sp.diff(full, w))


def experiment(p):
    import importlib
    import multiprocessing as mp
    import socket
    import sys
    import tempfile
    import time
    from pathlib import Path

    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_gloo_available()):
        p.holds("torch.distributed with the gloo backend is available", False, "unavailable", "available",
                id="dp_same_update", refutes="data parallelism changes the update")
        return

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "lm_dp_worker.py").write_text(WORKER)
        sys.path.insert(0, tmp)  # spawned children get the parent's sys.path and import the worker by name
        try:
            worker = importlib.import_module("lm_dp_worker")
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            error = ""
            try:
                # fork, not spawn, on the CPU: the children inherit the imported torch instead of paying seconds
                # to import it again; spawn where a CUDA context may exist (CUDA does not survive a fork)
                method = "fork" if p.device == "cpu" and "fork" in mp.get_all_start_methods() else "spawn"
                ctx = torch.multiprocessing.start_processes(worker.run, args=(2, port, p.seed, not p.myth, tmp),
                                                            nprocs=2, join=False, start_method=method)
                deadline = time.monotonic() + 20
                while not ctx.join(timeout=max(0.1, deadline - time.monotonic())):
                    if time.monotonic() > deadline:
                        for proc in ctx.processes:
                            proc.kill()
                        error = "timed out after 20 s"
                        break
            except Exception as exc:  # a failed start is a failed experiment, never a pass
                error = f"{type(exc).__name__}: {exc}"[:200]
            results = [] if error else [torch.load(Path(tmp, f"rank{r}.pt")) for r in range(2)]
            build = worker.build
        finally:
            sys.path.remove(tmp)
            sys.modules.pop("lm_dp_worker", None)

    if error:
        p.holds("two gloo processes ran to the end", False, error, "ran", id="dp_same_update",
                refutes="data parallelism changes the update")
        return
    g = torch.Generator().manual_seed(p.seed)
    x = torch.randn(8, 6, generator=g, dtype=torch.float64)
    y = torch.randn(8, 1, generator=g, dtype=torch.float64)
    model = build(p.seed)
    torch.nn.functional.mse_loss(model(x), y).backward()
    torch.optim.SGD(model.parameters(), lr=0.1).step()
    single = torch.cat([q.detach().flatten() for q in model.parameters()])
    manual = [torch.cat([q.flatten() for q in r["manual"]]) for r in results]
    ddp = [torch.cat([q.flatten() for q in r["ddp"]]) for r in results]
    p.allclose("rank 0, all_reduce(SUM)/2 then SGD, vs one process on the whole batch", manual[0], single, rtol=1e-12,
               atol=1e-14, id="dp_same_update", refutes="data parallelism changes the update")
    p.allclose("rank 1 ends with the same weights as rank 0", manual[1], manual[0], rtol=0, atol=0, id="replicas_agree")
    p.allclose("DistributedDataParallel (gloo), rank 0, vs one process", ddp[0], single, rtol=1e-12, atol=1e-14,
               id="ddp_same_update")
