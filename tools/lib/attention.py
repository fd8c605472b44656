"""Attention pieces shared by the model definitions: causal mask over a past, softmax attention.

Written with plain ops (no scaled_dot_product_attention, not in torch 1.13) so the TorchScript
ONNX exporter emits MatMul/Softmax/Where that onnxruntime runs, with symbolic past length that
may be 0.
"""
import torch


def causal_mask(attention_mask: torch.Tensor, seq_len: int, past_len) -> torch.Tensor:
    """Boolean [batch, 1, seq, past+seq]: query i (absolute position past+i) sees key j when
    j <= past+i and attention_mask[:, j] is 1."""
    total = attention_mask.shape[1]
    key_pos = torch.arange(total, device=attention_mask.device)
    query_pos = torch.arange(seq_len, device=attention_mask.device) + past_len
    causal = key_pos.unsqueeze(0) <= query_pos.unsqueeze(1)
    padding = attention_mask.bool().unsqueeze(1).unsqueeze(2)
    return causal.unsqueeze(0).unsqueeze(0) & padding


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """softmax(q k^T / sqrt(d), masked) v for q [b, h, s, d] and k, v [b, h, t, d]."""
    scale = 1.0 / (q.shape[-1] ** 0.5)
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    return torch.matmul(torch.softmax(scores, dim=-1), v)


def split_heads(x: torch.Tensor, heads: int, head_dim: int) -> torch.Tensor:
    batch, seq = x.shape[0], x.shape[1]
    return x.view(batch, seq, heads, head_dim).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    batch, heads, seq, head_dim = x.shape
    return x.transpose(1, 2).reshape(batch, seq, heads * head_dim)
