"""Llama architecture: RoPE (rotate-half, as transformers), RMSNorm, grouped-query attention with an
explicit head_dim, SwiGLU MLP, untied LM head, and a position_ids input. Past keys are stored
after RoPE, as transformers does, so a cached step only rotates the new keys."""
from dataclasses import asdict, dataclass

import torch
from torch import nn

from .attention import attend, causal_mask, merge_heads, split_heads


@dataclass
class LlamaConfig:
    vocab_size: int
    hidden_size: int = 48
    intermediate_size: int = 96
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    head_dim: int = 16
    max_position_embeddings: int = 128
    rms_norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    bos_token_id: int = 1
    eos_token_id: int = 2
    tie_word_embeddings: bool = False  # LM head = the token embedding (as GPT-2)

    def hf_config(self) -> dict:
        fields = asdict(self)
        tied = fields.pop("tie_word_embeddings")  # written where it always was (fixture files)
        return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", **fields,
                "hidden_act": "silu", "tie_word_embeddings": tied, "attention_bias": False,
                "mlp_bias": False, "rope_scaling": None, "pretraining_tp": 1,
                "initializer_range": 0.02, "use_cache": True, "torch_dtype": "float32"}


class RmsNorm(nn.Module):
    def __init__(self, size: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def rope_cos_sin(position_ids, head_dim: int, theta: float, dtype):
    """cos, sin of shape [batch, 1, seq, head_dim] for the given integer positions."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    angles = position_ids.unsqueeze(-1).to(inv_freq.dtype) * inv_freq
    angles = torch.cat([angles, angles], dim=-1).to(dtype)
    return angles.cos().unsqueeze(1), angles.sin().unsqueeze(1)


def repeat_kv(x, group: int):
    """[b, kv, t, d] -> [b, kv*group, t, d], each kv head shared by `group` query heads.
    expand+reshape (as transformers) exports with a symbolic t; repeat_interleave did not."""
    batch, kv_heads, length, head_dim = x.shape
    x = x.unsqueeze(2).expand(batch, kv_heads, group, length, head_dim)
    return x.reshape(batch, kv_heads * group, length, head_dim)


class LlamaAttention(nn.Module):
    def __init__(self, config: LlamaConfig):
        super().__init__()
        self.heads = config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.head_dim = config.head_dim
        self.q_proj = nn.Linear(config.hidden_size, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(config.hidden_size, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(config.hidden_size, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, config.hidden_size, bias=False)

    def forward(self, x, mask, cos, sin, past_key, past_value):
        q = split_heads(self.q_proj(x), self.heads, self.head_dim)
        k = split_heads(self.k_proj(x), self.kv_heads, self.head_dim)
        v = split_heads(self.v_proj(x), self.kv_heads, self.head_dim)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = torch.cat([past_key, k], dim=2)
        v = torch.cat([past_value, v], dim=2)
        group = self.heads // self.kv_heads
        out = attend(q, repeat_kv(k, group), repeat_kv(v, group), mask)
        return self.o_proj(merge_heads(out)), k, v


class LlamaBlock(nn.Module):
    def __init__(self, config: LlamaConfig):
        super().__init__()
        self.input_layernorm = RmsNorm(config.hidden_size, config.rms_norm_eps)
        self.self_attn = LlamaAttention(config)
        self.post_attention_layernorm = RmsNorm(config.hidden_size, config.rms_norm_eps)
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)

    def forward(self, x, mask, cos, sin, past_key, past_value):
        attn_out, key, value = self.self_attn(self.input_layernorm(x), mask, cos, sin, past_key, past_value)
        x = x + attn_out
        h = self.post_attention_layernorm(x)
        x = x + self.down_proj(nn.functional.silu(self.gate_proj(h)) * self.up_proj(h))
        return x, key, value


class LlamaForCausalLM(nn.Module):
    takes_position_ids = True

    def __init__(self, config: LlamaConfig):
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(LlamaBlock(config) for _ in range(config.num_hidden_layers))
        self.norm = RmsNorm(config.hidden_size, config.rms_norm_eps)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.embed_tokens.weight

    @property
    def num_layers(self) -> int:
        return self.config.num_hidden_layers

    @property
    def kv_shape(self) -> tuple:
        return self.config.num_key_value_heads, self.config.head_dim

    def empty_past(self, batch: int = 1, dtype=None):
        heads, head_dim = self.kv_shape
        dtype = dtype or self.embed_tokens.weight.dtype
        return tuple(torch.zeros(batch, heads, 0, head_dim, dtype=dtype)
                     for _ in range(2 * self.num_layers))

    def forward(self, input_ids, attention_mask=None, past_key_values=None, position_ids=None,
                return_hidden=False):
        if past_key_values is None:
            past_key_values = self.empty_past(input_ids.shape[0])
        seq_len = input_ids.shape[1]
        past_len = past_key_values[0].shape[2]
        if attention_mask is None:
            attention_mask = torch.ones(input_ids.shape[0], past_len + seq_len, dtype=torch.long)
        if position_ids is None:
            position_ids = (torch.arange(seq_len) + past_len).unsqueeze(0)
        x = self.embed_tokens(input_ids)
        cos, sin = rope_cos_sin(position_ids, self.config.head_dim, self.config.rope_theta, x.dtype)
        mask = causal_mask(attention_mask, seq_len, past_len)
        presents = []
        for i, layer in enumerate(self.layers):
            x, key, value = layer(x, mask, cos, sin, past_key_values[2 * i], past_key_values[2 * i + 1])
            presents += [key, value]
        hidden = self.norm(x)
        logits = self.lm_head(hidden)
        if return_hidden:
            return logits, tuple(presents), hidden
        return logits, tuple(presents)
