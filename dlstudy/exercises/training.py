"""Data loading: how many batches a torch DataLoader yields, and how big the last one is."""

from __future__ import annotations

import random

from dlstudy.exercises import Drawing, Exercise, generator, n, text


@generator("train_dataloader_batches")
def dataloader_batches(rng: random.Random) -> Drawing:
    size = rng.choice([rng.randint(10, 999), rng.randint(1000, 20000)])
    batch = rng.choice([8, 16, 32, 50, 64, 100, 128, 256])
    drop_last = rng.random() < 0.5
    ask = rng.choice(["len", "len", "last", "steps"])
    epochs = rng.choice([2, 3, 5, 10])
    if drop_last and size < batch and ask == "last":
        ask = "len"  # no batch at all: "the last batch" does not exist, ask for len(loader) = 0 instead
    call = f"DataLoader(dataset, batch_size={batch}" + (", drop_last=True)" if drop_last else ")")
    question = {"len": ("What is len(loader)?", "len(loader) 是多少？"),
                "last": ("How many samples are in the last batch of an epoch?",
                         "一个 epoch 的最后一个批次有多少个样本？"),
                "steps": (f"How many optimizer steps do {epochs} epochs take (one per batch)?",
                          f"{epochs} 个 epoch 一共执行多少次优化器更新（每个批次一次）？")}[ask]
    prompt = text(f"A dataset of {n(size)} samples, loader = {call}. {question[0]}",
                  f"数据集有 {n(size)} 个样本，loader = {call}。{question[1]}")
    yield prompt

    from torch.utils.data import DataLoader

    loader: DataLoader[int] = DataLoader(range(size), batch_size=batch,  # type: ignore[arg-type]
                                         drop_last=drop_last)
    if ask == "last":
        last = 0
        for indices in loader.batch_sampler or []:
            last = len(indices)
        expected = last
    elif ask == "steps":
        expected = epochs * len(loader)
    else:
        expected = len(loader)

    full, rest = divmod(size, batch)
    batches = full if drop_last or rest == 0 else full + 1
    work = f"N = {n(size)} = {batch}·{full} + {rest}"
    if drop_last and full == 0:
        rule_en = (f"drop_last=True and N < B: ⌊N/B⌋ = 0 — the loader yields no batch at all, all {rest} samples "
                   "are dropped (a silent bug: an epoch does nothing)")
        rule_zh = f"drop_last=True 且 N < B：⌊N/B⌋ = 0——loader 一个批次也不产生，全部 {rest} 个样本被丢弃（静默的 bug：一个 epoch 什么也不做）"
    elif drop_last:
        rule_en = f"drop_last=True: ⌊N/B⌋ = {full} batches, all full; the last {rest} sample{' is' if rest == 1 else 's are'} dropped"
        rule_zh = f"drop_last=True：⌊N/B⌋ = {full} 个批次，全满；最后 {rest} 个样本被丢弃"
    elif rest:
        rule_en = f"⌈N/B⌉ = {full} + 1 = {batches} batches; the last holds the remainder {rest}"
        rule_zh = f"⌈N/B⌉ = {full} + 1 = {batches} 个批次；最后一个装余数 {rest} 个"
    else:
        rule_en = f"B divides N: {batches} full batches"
        rule_zh = f"B 整除 N：{batches} 个满批次"
    answer = {"len": f"len(loader) = {n(batches)}",
              "last": f"last batch: {batch if drop_last or rest == 0 else rest}",
              "steps": f"{epochs}·{n(batches)} = {n(epochs * batches)} steps"}[ask]
    answer_zh = {"len": f"len(loader) = {n(batches)}",
                 "last": f"最后一个批次：{batch if drop_last or rest == 0 else rest}",
                 "steps": f"{epochs}·{n(batches)} = {n(epochs * batches)} 步"}[ask]
    return Exercise(
        params={"size": size, "batch_size": batch, "drop_last": drop_last, "ask": ask,
                "epochs": epochs}, prompt=prompt,
        expected=expected, answer_type="integer",
        solution=text(f"{work}; {rule_en}.\n{answer}", f"{work}；{rule_zh}。\n{answer_zh}"),
    )
