"""GPT-2 architecture (learned absolute positions, pre-LN blocks, tanh-GELU MLP, final ln_f,
LM head tied to the token embedding) with a KV-cache forward suitable for ONNX export."""
import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

from .attention import attend, causal_mask, merge_heads, split_heads


@dataclass
class Gpt2Config:
    vocab_size: int
    n_positions: int = 64
    n_embd: int = 32
    n_layer: int = 2
    n_head: int = 2
    layer_norm_epsilon: float = 1e-5
    dropout: float = 0.0
    bos_token_id: int = 0
    eos_token_id: int = 0

    def hf_config(self) -> dict:
        """config.json with the field names transformers uses for model_type gpt2."""
        fields = asdict(self)
        dropout = fields.pop("dropout")
        return {
            "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
            **fields, "n_ctx": self.n_positions, "n_inner": None,
            "activation_function": "gelu_new", "resid_pdrop": dropout, "embd_pdrop": dropout,
            "attn_pdrop": dropout, "initializer_range": 0.02, "tie_word_embeddings": True,
            "use_cache": True, "torch_dtype": "float32",
        }


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    """GPT-2's "gelu_new" (tanh approximation), spelled out so every exporter agrees."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


class Gpt2Attention(nn.Module):
    def __init__(self, config: Gpt2Config):
        super().__init__()
        self.heads = config.n_head
        self.head_dim = config.n_embd // config.n_head
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x, mask, past_key, past_value):
        q, k, v = self.c_attn(x).split(x.shape[-1], dim=2)
        q = split_heads(q, self.heads, self.head_dim)
        k = torch.cat([past_key, split_heads(k, self.heads, self.head_dim)], dim=2)
        v = torch.cat([past_value, split_heads(v, self.heads, self.head_dim)], dim=2)
        out = merge_heads(attend(q, k, v, mask))
        return self.dropout(self.c_proj(out)), k, v


class Gpt2Block(nn.Module):
    def __init__(self, config: Gpt2Config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.attn = Gpt2Attention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x, mask, past_key, past_value):
        attn_out, key, value = self.attn(self.ln_1(x), mask, past_key, past_value)
        x = x + attn_out
        x = x + self.dropout(self.c_proj(gelu_tanh(self.c_fc(self.ln_2(x)))))
        return x, key, value


class Gpt2LMHeadModel(nn.Module):
    takes_position_ids = False

    def __init__(self, config: Gpt2Config):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.n_positions, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.h = nn.ModuleList(Gpt2Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    # Shapes the exporter needs to build past inputs.
    @property
    def num_layers(self) -> int:
        return self.config.n_layer

    @property
    def kv_shape(self) -> tuple:
        """(num_kv_heads, head_dim) of one past key/value."""
        return self.config.n_head, self.config.n_embd // self.config.n_head

    def empty_past(self, batch: int = 1, dtype=None):
        heads, head_dim = self.kv_shape
        dtype = dtype or self.wte.weight.dtype
        return tuple(torch.zeros(batch, heads, 0, head_dim, dtype=dtype)
                     for _ in range(2 * self.num_layers))

    def forward(self, input_ids, attention_mask=None, past_key_values=None, return_hidden=False):
        """past_key_values: flat tuple (key0, value0, key1, value1, ...), each [b, heads, past, d].
        Returns (logits, presents) or (logits, presents, final hidden state)."""
        if past_key_values is None:
            past_key_values = self.empty_past(input_ids.shape[0])
        seq_len = input_ids.shape[1]
        past_len = past_key_values[0].shape[2]
        if attention_mask is None:
            attention_mask = torch.ones(input_ids.shape[0], past_len + seq_len, dtype=torch.long)
        positions = torch.arange(seq_len, device=input_ids.device) + past_len
        x = self.drop(self.wte(input_ids) + self.wpe(positions).unsqueeze(0))
        mask = causal_mask(attention_mask, seq_len, past_len)
        presents = []
        for i, block in enumerate(self.h):
            x, key, value = block(x, mask, past_key_values[2 * i], past_key_values[2 * i + 1])
            presents += [key, value]
        hidden = self.ln_f(x)
        logits = torch.matmul(hidden, self.wte.weight.t())
        if return_hidden:
            return logits, tuple(presents), hidden
        return logits, tuple(presents)
