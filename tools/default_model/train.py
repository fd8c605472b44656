"""Train the GPT-2 default model on the encoded token stream (CPU, 2 threads).

Sequence length grows in phases (256, then 512, then the full 1024 context) at a constant
2048 tokens per step: short sequences learn the local statistics fastest early on (a run at
1024 from the start was 1.4 nats/token behind at the same token count), and the last phases
train every row of the learned position table with long contexts.
The schedule is a fixed number of steps, not a wall-clock budget, so a rebuild on a busy machine
takes longer but trains the same model (same data order, same steps): phases end at fixed fractions
of the steps, and the learning rate follows a linear warmup, then a cosine over the steps. Each phase reads its own region of the head
of the (weighted, shuffled) token stream in a seeded random chunk order, so no token is seen
twice. AdamW, weight tying (in the model), gradient clipping. The steps taken are reported.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.gpt2 import Gpt2Config, Gpt2LMHeadModel  # noqa: E402
from lib.llama import LlamaConfig, LlamaForCausalLM  # noqa: E402


@dataclasses.dataclass(frozen=True)
class Schedule:
    steps: int = 3000  # ~45 min on an idle 2-core machine (84, 81, 57 steps/min in the three phases)
    # (end as a fraction of the steps, sequence length, batch)
    phases: tuple = ((0.35, 256, 8), (0.6, 512, 4), (1.0, 1024, 2))
    stream_fraction: float = 1.0  # the head of the stream that is cut into training chunks
    peak_lr: float = 2e-3
    warmup_steps: int = 50
    final_lr_fraction: float = 0.1
    weight_decay: float = 0.1
    clip: float = 1.0
    # A share of the training rows gets repeated spans: a span of repeat_min..repeat_max tokens of
    # the row is copied over a later part of the same row (1..repeat_spans times), so the model
    # sees text that recurs within its context and learns to copy it (induction heads).
    repeat_share: float = 0.0
    repeat_min: int = 8
    repeat_max: int = 64
    repeat_spans: int = 3

    def lr(self, step: int, time_fraction: float) -> float:
        cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, time_fraction)))
        decayed = self.final_lr_fraction + (1 - self.final_lr_fraction) * cosine
        return self.peak_lr * min(1.0, (step + 1) / self.warmup_steps) * decayed


def model_class(config):
    return LlamaForCausalLM if isinstance(config, LlamaConfig) else Gpt2LMHeadModel


def make_model(config, seed: int):
    torch.manual_seed(seed)
    model = model_class(config)(config)
    # GPT-2's scaled init of residual projections keeps the residual stream's scale with depth.
    residual = ("c_proj.weight",) if isinstance(config, Gpt2Config) else ("o_proj.weight",
                                                                          "down_proj.weight")
    for name, param in model.named_parameters():
        if name.endswith(residual):
            torch.nn.init.normal_(param, std=0.02 / math.sqrt(2 * model.num_layers))
    return model


def param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    """Decay matrices only; LayerNorm gains and biases are left alone."""
    decay, no_decay = [], []
    for _name, param in model.named_parameters():
        (decay if param.dim() >= 2 else no_decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0}]


class ChunkReader:
    """Hands out [batch, width] chunks of one phase's region in a seeded random order. The region
    is the phase's blocks of the stream, concatenated (see phase_readers)."""

    def __init__(self, stream: np.ndarray, blocks: np.ndarray, width: int, seed: int):
        self.blocks = blocks
        region = np.concatenate([stream[b * BLOCK:(b + 1) * BLOCK] for b in blocks])
        count = region.size // width
        self.chunks = region[:count * width].reshape(count, width)
        self.seed = seed
        self.order = np.random.default_rng(seed).permutation(count)
        self.next = 0
        self.passes = 1

    def stream_positions(self, rows: np.ndarray, length: int) -> np.ndarray:
        """Stream index of the first `length` tokens of each chunk in rows."""
        within = rows[:, None] * self.chunks.shape[1] + np.arange(length)[None, :]
        return self.blocks[within // BLOCK] * BLOCK + within % BLOCK

    def take(self, batch: int) -> np.ndarray:
        if self.next + batch > len(self.order):
            # A faster machine than the stream was sized for: start another seeded pass over this
            # phase's region rather than stop (the run's stats report how many passes there were).
            assert batch <= len(self.order), "a phase's region holds fewer chunks than one batch"
            self.passes += 1
            self.order = np.random.default_rng(self.seed + self.passes).permutation(len(self.order))
            self.next = 0
        rows = self.order[self.next:self.next + batch]
        self.next += batch
        return self.chunks[rows].astype(np.int64)


def add_repeats(rows: np.ndarray, schedule: Schedule, rng: np.random.Generator) -> np.ndarray:
    """rows [batch, width] with repeated spans in a seeded share of them (see Schedule)."""
    rows = rows.copy()
    width = rows.shape[1]
    for row in np.flatnonzero(rng.random(rows.shape[0]) < schedule.repeat_share):
        for _ in range(int(rng.integers(1, schedule.repeat_spans + 1))):
            length = int(rng.integers(schedule.repeat_min, schedule.repeat_max + 1))
            source = int(rng.integers(0, width - 2 * length))
            target = int(rng.integers(source + length, width - length + 1))
            rows[row, target:target + length] = rows[row, source:source + length]
    return rows


BLOCK = 1 << 16  # tokens: the unit in which the stream's head is dealt out to the phases


def phase_readers(stream: np.ndarray, schedule: Schedule, seed: int) -> list[ChunkReader]:
    """One reader per phase. The head of the stream is cut into blocks of BLOCK tokens, dealt out
    to the phases in a seeded random order in proportion to their steps, so every phase reads the
    same mix of sources (the weighted document order puts more Python near the head of the stream
    and more man pages near its tail)."""
    blocks = int(stream.size * schedule.stream_fraction) // BLOCK
    dealt = np.random.default_rng(seed).permutation(blocks)
    readers, start = [], 0
    for index, (end, seq_len, _batch) in enumerate(schedule.phases):
        stop = int(round(blocks * end))
        readers.append(ChunkReader(stream, np.sort(dealt[start:stop]), seq_len + 1,
                                   seed + 1 + index))
        start = stop
    return readers


def train(stream_path: str, config: Gpt2Config, schedule: Schedule, seed: int, out_path: str,
          log=print, workers: int = 1, log_file: str | None = None) -> dict:
    """Trains and saves the model; returns the run's statistics. workers > 1: that many processes of
    one thread each split every batch's rows and average their gradients (gloo all-reduce) before
    the same optimiser step: the same data and schedule, deterministic for a given worker count,
    but not bit-identical to one worker (the gradient sums round differently). On this 2-core
    machine two one-thread processes took 39 + 38 steps a minute where one took 54 alone."""
    if workers <= 1:
        return _train(0, 1, stream_path, config, schedule, seed, out_path, log)
    import socket
    import torch.multiprocessing as mp
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log(f"training with {workers} worker processes of one thread each")
    mp.spawn(_worker, args=(workers, port, stream_path, config, schedule, seed, out_path, log_file),
             nprocs=workers, join=True)
    with open(out_path + ".stats.json", encoding="utf-8") as f:
        stats = json.load(f)
    os.remove(out_path + ".stats.json")
    return {**stats, "workers": workers}


def _worker(rank: int, world: int, port: int, stream_path: str, config, schedule: Schedule, seed: int,
            out_path: str, log_file: str | None) -> None:
    import torch.distributed as dist
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)

    def log(message: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {message}"
        print(line, flush=True)
        if log_file:
            with open(log_file, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
    stats = _train(rank, world, stream_path, config, schedule, seed, out_path,
                   log if rank == 0 else (lambda _m: None))
    if rank == 0:
        with open(out_path + ".stats.json", "w", encoding="utf-8") as f:
            json.dump(stats, f)
    dist.destroy_process_group()


def _all_mean(values: torch.Tensor, world: int) -> torch.Tensor:
    """values averaged over the worker processes (in place; one worker: unchanged)."""
    if world > 1:
        import torch.distributed as dist
        dist.all_reduce(values)
        values /= world
    return values


def _average_gradients(model: torch.nn.Module, world: int) -> None:
    """Every worker's gradients replaced by their mean, through one flat all-reduce."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    flat = _all_mean(torch.cat([g.reshape(-1) for g in grads]), world)
    offset = 0
    for g in grads:
        g.copy_(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def _train(rank: int, world: int, stream_path: str, config, schedule: Schedule, seed: int,
           out_path: str, log) -> dict:
    stream = np.fromfile(stream_path, dtype=np.uint16)
    readers = phase_readers(stream, schedule, seed)
    phase_steps = [0] * len(schedule.phases)
    model = make_model(config, seed)
    model.train()
    optimizer = torch.optim.AdamW(param_groups(model, schedule.weight_decay),
                                  lr=schedule.peak_lr, betas=(0.9, 0.95), eps=1e-8)
    start, cpu_start = time.time(), time.process_time()
    step, tokens_seen = 0, 0
    history = []
    smoothed = None
    while step < schedule.steps:
        fraction = step / schedule.steps
        phase = next(i for i, p in enumerate(schedule.phases) if fraction < p[0])
        rows = readers[phase].take(schedule.phases[phase][2])
        if schedule.repeat_share > 0:
            rows = add_repeats(rows, schedule, np.random.default_rng([seed, 7, step]))
        tokens_seen += rows.shape[0] * (rows.shape[1] - 1)
        batch = torch.from_numpy(rows[rank::world])  # every worker its share of the same rows
        phase_steps[phase] += 1
        lr = schedule.lr(step, fraction)
        for group in optimizer.param_groups:
            group["lr"] = lr
        logits, _ = model(batch[:, :-1])
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, config.vocab_size), batch[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        _average_gradients(model, world)
        torch.nn.utils.clip_grad_norm_(model.parameters(), schedule.clip)
        optimizer.step()
        step += 1
        value = _all_mean(loss.detach().clone(), world).item()
        smoothed = value if smoothed is None else 0.95 * smoothed + 0.05 * value
        if step % 25 == 0:
            elapsed = time.time() - start
            log(f"step {step} seq {batch.shape[1] - 1} loss {value:.3f} (avg {smoothed:.3f}) "
                f"lr {lr:.2e} {tokens_seen / elapsed:.0f} tok/s {elapsed / 60:.1f} min")
            history.append({"step": step, "loss": round(smoothed, 4),
                            "minutes": round(elapsed / 60, 2),
                            "cpu_minutes": round((time.process_time() - cpu_start) / 60, 2)})
        if step % 200 == 0 and rank == 0:
            torch.save({"config": dataclasses.asdict(config), "state": model.state_dict(),
                        "step": step}, out_path + ".partial")
    seconds = time.time() - start
    # All threads of all workers: what the steps cost on any load.
    cpu_seconds = _all_mean(torch.tensor([time.process_time() - cpu_start], dtype=torch.float64), world).item() * world
    if rank != 0:
        return {}
    torch.save({"config": dataclasses.asdict(config), "state": model.state_dict(),
                "step": step}, out_path)
    if os.path.exists(out_path + ".partial"):
        os.remove(out_path + ".partial")
    log(f"trained {step} steps {phase_steps}, {tokens_seen} tokens in {seconds / 60:.1f} min")
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "tokens_seen": tokens_seen,
            "steps": step,
            "phase_steps": phase_steps, "phase_passes": [r.passes for r in readers],
            "final_train_loss": smoothed, "history": history}


def config_of(fields: dict):
    """The saved dataclass fields back as a Gpt2Config or LlamaConfig."""
    return LlamaConfig(**fields) if "hidden_size" in fields else Gpt2Config(**fields)


def load_model(path: str):
    saved = torch.load(path)
    config = config_of(saved["config"])
    model = model_class(config)(config)
    model.load_state_dict(saved["state"])
    return model.eval()
