"""Train the GPT-2 default model on the encoded token stream (CPU, 2 threads).

The machine is shared, so the schedule is set by wall-clock time rather than a step count:
the learning rate follows linear warmup then a cosine over the fraction of the time budget used,
and the last `long_fraction` of the time trains at the full context so every row of the learned
position table is trained. Short-sequence batches read the token stream from the front, long
ones from the back, each region in a seeded random chunk order, so no token is seen twice.
AdamW, weight tying (in the model), gradient clipping. Same seed and budget on an equally loaded
machine give the same number of steps; the steps actually taken are reported.
"""
from __future__ import annotations

import dataclasses
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.gpt2 import Gpt2Config, Gpt2LMHeadModel  # noqa: E402


@dataclasses.dataclass(frozen=True)
class Schedule:
    minutes: float = 30.0
    short_seq: int = 256
    short_batch: int = 8
    long_seq: int = 1024
    long_batch: int = 2
    long_fraction: float = 0.2
    peak_lr: float = 2e-3
    warmup_steps: int = 50
    final_lr_fraction: float = 0.1
    weight_decay: float = 0.1
    clip: float = 1.0

    def lr(self, step: int, time_fraction: float) -> float:
        cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, time_fraction)))
        decayed = self.final_lr_fraction + (1 - self.final_lr_fraction) * cosine
        return self.peak_lr * min(1.0, (step + 1) / self.warmup_steps) * decayed


def make_model(config: Gpt2Config, seed: int) -> Gpt2LMHeadModel:
    torch.manual_seed(seed)
    model = Gpt2LMHeadModel(config)
    # GPT-2's scaled init of residual projections keeps the residual stream's scale with depth.
    for name, param in model.named_parameters():
        if name.endswith("c_proj.weight"):
            torch.nn.init.normal_(param, std=0.02 / math.sqrt(2 * config.n_layer))
    return model


def param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    """Decay matrices only; LayerNorm gains and biases are left alone."""
    decay, no_decay = [], []
    for _name, param in model.named_parameters():
        (decay if param.dim() >= 2 else no_decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0}]


class ChunkReader:
    """Hands out [batch, width] chunks of one stream region in a seeded random order."""

    def __init__(self, region: np.ndarray, width: int, seed: int):
        count = region.size // width
        self.chunks = region[:count * width].reshape(count, width)
        self.order = np.random.default_rng(seed).permutation(count)
        self.next = 0

    def take(self, batch: int) -> torch.Tensor:
        assert self.next + batch <= len(self.order), "token stream exhausted"
        rows = self.order[self.next:self.next + batch]
        self.next += batch
        return torch.from_numpy(self.chunks[rows].astype(np.int64))


def train(stream_path: str, config: Gpt2Config, schedule: Schedule, seed: int, out_path: str,
          log=print) -> dict:
    torch.set_num_threads(2)
    stream = np.fromfile(stream_path, dtype=np.uint16)
    half = stream.size // 2
    short = ChunkReader(stream[:half], schedule.short_seq + 1, seed + 1)
    long = ChunkReader(stream[half:], schedule.long_seq + 1, seed + 2)
    model = make_model(config, seed)
    model.train()
    optimizer = torch.optim.AdamW(param_groups(model, schedule.weight_decay),
                                  lr=schedule.peak_lr, betas=(0.9, 0.95), eps=1e-8)
    budget = schedule.minutes * 60
    start = time.time()
    step, tokens_seen, long_steps = 0, 0, 0
    history = []
    smoothed = None
    while True:
        fraction = (time.time() - start) / budget
        if fraction >= 1.0:
            break
        is_long = fraction >= 1.0 - schedule.long_fraction
        batch = long.take(schedule.long_batch) if is_long else short.take(schedule.short_batch)
        lr = schedule.lr(step, fraction)
        for group in optimizer.param_groups:
            group["lr"] = lr
        logits, _ = model(batch[:, :-1])
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, config.vocab_size), batch[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), schedule.clip)
        optimizer.step()
        step += 1
        long_steps += is_long
        tokens_seen += batch.shape[0] * (batch.shape[1] - 1)
        value = loss.item()
        smoothed = value if smoothed is None else 0.95 * smoothed + 0.05 * value
        if step % 25 == 0:
            elapsed = time.time() - start
            log(f"step {step} seq {batch.shape[1] - 1} loss {value:.3f} (avg {smoothed:.3f}) "
                f"lr {lr:.2e} {tokens_seen / elapsed:.0f} tok/s {elapsed / 60:.1f} min")
            history.append({"step": step, "loss": round(smoothed, 4),
                            "minutes": round(elapsed / 60, 2)})
        if step % 200 == 0:
            torch.save({"config": dataclasses.asdict(config), "state": model.state_dict(),
                        "step": step}, out_path + ".partial")
    seconds = time.time() - start
    torch.save({"config": dataclasses.asdict(config), "state": model.state_dict(),
                "step": step}, out_path)
    if os.path.exists(out_path + ".partial"):
        os.remove(out_path + ".partial")
    log(f"trained {step} steps ({long_steps} at full context), {tokens_seen} tokens "
        f"in {seconds / 60:.1f} min")
    return {"seconds": seconds, "tokens_seen": tokens_seen, "steps": step,
            "long_steps": long_steps, "final_train_loss": smoothed, "history": history}


def load_model(path: str) -> Gpt2LMHeadModel:
    saved = torch.load(path)
    model = Gpt2LMHeadModel(Gpt2Config(**saved["config"]))
    model.load_state_dict(saved["state"])
    return model.eval()
