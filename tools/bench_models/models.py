"""The two real-size shapes, randomly initialised (the weights' values do not change the cost):
GPT-2 small (124M) and SmolLM2-135M (Llama, GQA, RoPE, tied embeddings)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import torch  # noqa: E402

from lib.export import export_onnx  # noqa: E402
from lib.gpt2 import Gpt2Config, Gpt2LMHeadModel  # noqa: E402
from lib.hf_files import write_model_folder_files  # noqa: E402
from lib.llama import LlamaConfig, LlamaForCausalLM  # noqa: E402

from tokenizer import EOT  # noqa: E402

SPECIALS = {"bos_token": EOT, "eos_token": EOT, "unk_token": EOT}


class Shape:
    """One model folder: its name, vocabulary size, config, module and export options."""

    def __init__(self, name, vocab_size, config, external_data, tokenizer_class, max_length):
        self.name, self.vocab_size, self.config = name, vocab_size, config
        self.external_data, self.tokenizer_class, self.max_length = external_data, tokenizer_class, max_length

    def module(self) -> torch.nn.Module:
        if isinstance(self.config, Gpt2Config):
            return Gpt2LMHeadModel(self.config)
        model = LlamaForCausalLM(self.config)
        model.lm_head.weight = model.embed_tokens.weight  # tied, as SmolLM2
        return model

    def hf_config(self) -> dict:
        config = self.config.hf_config()
        if isinstance(self.config, LlamaConfig):
            config["tie_word_embeddings"] = True
        return config

    def describe(self) -> dict:
        return {"name": self.name, "config": self.hf_config(), "external_data": self.external_data}


def gpt2_small() -> Shape:
    eot = 50_256
    config = Gpt2Config(vocab_size=50_257, n_positions=1024, n_embd=768, n_layer=12, n_head=12,
                        bos_token_id=eot, eos_token_id=eot)
    return Shape("gpt2-small-shape", 50_257, config, False, "GPT2Tokenizer", 1024)


def smollm2_135m() -> Shape:
    eot = 49_151
    config = LlamaConfig(vocab_size=49_152, hidden_size=576, intermediate_size=1536,
                         num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3,
                         head_dim=64, max_position_embeddings=8192, rms_norm_eps=1e-5,
                         rope_theta=100_000.0, bos_token_id=eot, eos_token_id=eot)
    return Shape("smollm2-135m-shape", 49_152, config, True, "GPT2Tokenizer", 8192)


SHAPES = (gpt2_small, smollm2_135m)


def build(shape: Shape, folder: str, tokenizer_json: dict, seed: int) -> None:
    """Writes the HF JSON files and model.onnx (+ model.onnx_data) of shape into folder."""
    torch.manual_seed(seed)
    model = shape.module()
    params = sum(p.numel() for p in model.parameters())
    print(f"  {shape.name}: {params / 1e6:.1f}M parameters, exporting", flush=True)
    write_model_folder_files(folder, shape.hf_config(), tokenizer_json, SPECIALS,
                             shape.tokenizer_class, shape.max_length)
    export_onnx(model, os.path.join(folder, "model.onnx"), external_data=shape.external_data)
