#!/usr/bin/python3
"""torch_ddp.py — the PyTorch side of bench/throughput.sh.

Trains the same models as dsgd (MLP 784-128-10; CNN conv5x5(32)-ReLU-pool-
conv5x5(64)-ReLU-pool-fc128-ReLU-fc10) with synchronous data-parallel SGD
(DistributedDataParallel, gloo backend) on Fashion-MNIST, each rank on its
own shard with per-epoch shuffling, the same per-rank batch, learning rate
and momentum, one thread per rank.  Prints one JSON line like dsgd-run's
--json: global samples per second over the timed iterations.

usage: torch_ddp.py --model mlp|cnn --ranks N --batch B --iters K [--warmup W]
"""
import argparse
import gzip
import json
import os
import socket
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.nn.parallel import DistributedDataParallel as DDP  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndims = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndims)]
    data = torch.frombuffer(bytearray(raw), dtype=torch.uint8, offset=4 + 4 * ndims)
    return data.reshape(dims)


def load_train():
    x = read_idx(f"{DATA}/train-images-idx3-ubyte.gz").float() / 255.0
    y = read_idx(f"{DATA}/train-labels-idx1-ubyte.gz").long()
    x = (x - x.mean()) / x.std()  # the normalisation dsgd applies
    return x.unsqueeze(1).contiguous(), y


def make_model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def worker(rank, args, port, result):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}",
                            rank=rank, world_size=args.ranks)
    torch.manual_seed(1)
    x, y = load_train()
    n = x.shape[0]
    begin, end = n * rank // args.ranks, n * (rank + 1) // args.ranks
    xs, ys = x[begin:end].contiguous(), y[begin:end].contiguous()
    model = DDP(make_model(args.model))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    per_epoch = (len(xs) + args.batch - 1) // args.batch
    gen = torch.Generator().manual_seed(1)
    order = None
    t0 = None
    for it in range(args.warmup + args.iters):
        if it == args.warmup:
            dist.barrier()
            t0 = time.perf_counter()
        if it % per_epoch == 0:
            order = torch.randperm(len(xs), generator=gen)
        idx = order[(it % per_epoch) * args.batch:][:args.batch]
        if len(idx) < args.batch:  # wrap like dsgd's sampler
            idx = torch.cat([idx, order[:args.batch - len(idx)]])
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xs[idx]), ys[idx])
        loss.backward()
        opt.step()
    dist.barrier()
    elapsed = time.perf_counter() - t0
    if rank == 0:
        result.put({"backend": "torch-ddp-gloo", "torch": torch.__version__, "model": args.model,
                    "nodes": args.ranks, "iters": args.iters, "batch": args.batch,
                    "time_s": elapsed, "loss": float(loss),
                    "samples_per_s": args.iters * args.batch * args.ranks / elapsed})
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["mlp", "cnn"], required=True)
    p.add_argument("--ranks", type=int, default=1)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--iters", type=int, default=200)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--lr", type=float, default=0.05)
    args = p.parse_args()
    ctx = mp.get_context("spawn")
    result = ctx.SimpleQueue()
    mp.spawn(worker, args=(args, free_port(), result), nprocs=args.ranks, join=True)
    print(json.dumps(result.get()))


if __name__ == "__main__":
    main()
