"""Brief, deterministic training of the tiny fixture models (so their distributions are not
uniform; quality is not the point). One CPU thread and a fixed step count keep it reproducible."""
import torch
from torch.nn import functional


def train_lm(model, token_ids: list, steps: int, seq_len: int, batch: int = 16,
             lr: float = 3e-3, seed: int = 0, log_every: int = 100) -> float:
    torch.manual_seed(seed)
    data = torch.tensor(token_ids, dtype=torch.long)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    model.train()
    loss_value = float("nan")
    for step in range(steps):
        starts = torch.randint(0, len(data) - seq_len - 1, (batch,), generator=generator)
        x = torch.stack([data[s:s + seq_len] for s in starts])
        y = torch.stack([data[s + 1:s + seq_len + 1] for s in starts])
        logits, _ = model(x)
        loss = functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        loss_value = float(loss)
        if log_every and (step + 1) % log_every == 0:
            print(f"    step {step + 1}/{steps} loss {loss_value:.3f}", flush=True)
    model.eval()
    return loss_value
