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
    steps: int = 3000  # ~45 min on an idle 2-core machine (84, 81, 57 steps/min in the three phases)
    # (end as a fraction of the steps, sequence length, batch)
    phases: tuple = ((0.35, 256, 8), (0.6, 512, 4), (1.0, 1024, 2))
    stream_fraction: float = 1.0  # the head of the stream that is cut into training chunks
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
        self.seed = seed
        self.order = np.random.default_rng(seed).permutation(count)
        self.next = 0
        self.passes = 1

    def take(self, batch: int) -> torch.Tensor:
        if self.next + batch > len(self.order):
            # A faster machine than the stream was sized for: start another seeded pass over this
            # phase's region rather than stop (the run's stats report how many passes there were).
            assert batch <= len(self.order), "a phase's region holds fewer chunks than one batch"
            self.passes += 1
            self.order = np.random.default_rng(self.seed + self.passes).permutation(len(self.order))
            self.next = 0
        rows = self.order[self.next:self.next + batch]
        self.next += batch
        return torch.from_numpy(self.chunks[rows].astype(np.int64))


def phase_readers(stream: np.ndarray, schedule: Schedule, seed: int) -> list[ChunkReader]:
    """One reader per phase over consecutive parts of the stream's head, sized by phase time."""
    head = int(stream.size * schedule.stream_fraction)
    readers, start, previous_end = [], 0, 0.0
    for index, (end, seq_len, _batch) in enumerate(schedule.phases):
        stop = start + int(head * (end - previous_end))
        readers.append(ChunkReader(stream[start:stop], seq_len + 1, seed + 1 + index))
        start, previous_end = stop, end
    return readers


def train(stream_path: str, config: Gpt2Config, schedule: Schedule, seed: int, out_path: str,
          log=print) -> dict:
    stream = np.fromfile(stream_path, dtype=np.uint16)
    readers = phase_readers(stream, schedule, seed)
    phase_steps = [0] * len(schedule.phases)
    model = make_model(config, seed)
    model.train()
    optimizer = torch.optim.AdamW(param_groups(model, schedule.weight_decay),
                                  lr=schedule.peak_lr, betas=(0.9, 0.95), eps=1e-8)
    start = time.time()
    step, tokens_seen = 0, 0
    history = []
    smoothed = None
    while step < schedule.steps:
        fraction = step / schedule.steps
        phase = next(i for i, p in enumerate(schedule.phases) if fraction < p[0])
        batch = readers[phase].take(schedule.phases[phase][2])
        phase_steps[phase] += 1
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
    log(f"trained {step} steps {phase_steps}, {tokens_seen} tokens in {seconds / 60:.1f} min")
    return {"seconds": seconds, "tokens_seen": tokens_seen, "steps": step,
            "phase_steps": phase_steps, "phase_passes": [r.passes for r in readers],
            "final_train_loss": smoothed, "history": history}


def load_model(path: str) -> Gpt2LMHeadModel:
    saved = torch.load(path)
    model = Gpt2LMHeadModel(Gpt2Config(**saved["config"]))
    model.load_state_dict(saved["state"])
    return model.eval()
