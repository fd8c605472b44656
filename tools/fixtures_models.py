"""The working fixture model folders: tokenizer + trained tiny model + ONNX export + HF files."""
import json
import os
import shutil

import torch

from lib.bpe import ByteLevelBpeTokenizer, train_bytelevel_bpe
from lib.export import export_onnx
from lib.gpt2 import Gpt2Config, Gpt2LMHeadModel
from lib.hf_files import write_model_folder_files
from lib.llama import LlamaConfig, LlamaForCausalLM
from lib.sentencepiece import (SentencePieceBpeTokenizer, UnigramTokenizer,
                               sentencepiece_bpe_tokenizer_json, train_sentencepiece_bpe,
                               unigram_from_bpe, unigram_tokenizer_json)
from lib.tokenizer_json import bytelevel_tokenizer_json
from fixtures_train import train_lm

EOT = "<|endoftext|>"
GPT2_SPECIALS = {"bos_token": EOT, "eos_token": EOT, "unk_token": EOT}
LLAMA_SPECIALS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
TRAIN_TOKENS = 400_000


def encode_lines(encode, corpus: str) -> list:
    """Training ids line by line: the Metaspace tokenizers treat a whole text as one word, and
    BPE over a 2 MB word is quadratic."""
    ids = []
    for line in corpus.splitlines(keepends=True):
        ids.extend(encode(line))
        if len(ids) >= TRAIN_TOKENS:
            break
    return ids[:TRAIN_TOKENS]


class Built:
    """A built model: its folder, float32 module, encoder, prefix token and context length."""

    def __init__(self, folder, model, encode, prefix_id, context, tokenizer_json):
        self.folder, self.model, self.encode = folder, model, encode
        self.prefix_id, self.context, self.tokenizer_json = prefix_id, context, tokenizer_json


def build_gpt2(folder: str, corpus: str, steps: int) -> Built:
    vocab, merges = train_bytelevel_bpe(corpus, 512, special_tokens=(EOT,), processes=1)
    tokenizer = ByteLevelBpeTokenizer(vocab, merges)
    eot = vocab[EOT]
    config = Gpt2Config(vocab_size=len(vocab), n_positions=64, n_embd=64, n_layer=2, n_head=4,
                        bos_token_id=eot, eos_token_id=eot)
    torch.manual_seed(1)
    model = Gpt2LMHeadModel(config)
    ids = tokenizer.encode(corpus)[:TRAIN_TOKENS]
    print(f"  gpt2: vocab {len(vocab)}, {len(ids)} training tokens", flush=True)
    print(f"  gpt2: final loss {train_lm(model, ids, steps, seq_len=64):.3f}")
    tokenizer_json = bytelevel_tokenizer_json(vocab, merges, (EOT,))
    write_model_folder_files(folder, config.hf_config(), tokenizer_json, GPT2_SPECIALS,
                             "GPT2Tokenizer", config.n_positions)
    export_onnx(model, os.path.join(folder, "model.onnx"))
    return Built(folder, model, tokenizer.encode, eot, config.n_positions, tokenizer_json)


def export_gpt2_variant(source: Built, folder: str, fp16: bool = False, wrapper=None) -> None:
    """Same tokenizer and config as source; the graph is fp16, or source.model wrapped."""
    os.makedirs(folder, exist_ok=True)
    for name in ("config.json", "generation_config.json", "tokenizer.json",
                 "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copyfile(os.path.join(source.folder, name), os.path.join(folder, name))
    model = wrapper(source.model) if wrapper else source.model
    export_onnx(model, os.path.join(folder, "model.onnx"), fp16=fp16)
    if fp16:
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as handle:
            config = json.load(handle)
        config["torch_dtype"] = "float16"
        with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as handle:
            json.dump(config, handle, indent=1)
            handle.write("\n")


def write_tjs_layout(folder: str, fp32_folder: str, fp16_folder: str) -> None:
    """transformers.js layout: JSON files at the top, graphs under onnx/."""
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    for name in ("config.json", "generation_config.json", "tokenizer.json",
                 "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copyfile(os.path.join(fp32_folder, name), os.path.join(folder, name))
    shutil.copyfile(os.path.join(fp32_folder, "model.onnx"), os.path.join(folder, "onnx", "model.onnx"))
    shutil.copyfile(os.path.join(fp16_folder, "model.onnx"), os.path.join(folder, "onnx", "model_fp16.onnx"))


def _llama(folder, corpus, steps, vocab_size, tokenizer_json, encode, external_data, label, seed):
    config = LlamaConfig(vocab_size=vocab_size, hidden_size=48, intermediate_size=96,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         head_dim=16, max_position_embeddings=128, bos_token_id=1, eos_token_id=2)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    ids = encode_lines(encode, corpus)
    print(f"  {label}: vocab {vocab_size}, {len(ids)} training tokens", flush=True)
    print(f"  {label}: final loss {train_lm(model, ids, steps, seq_len=64, seed=seed):.3f}")
    write_model_folder_files(folder, config.hf_config(), tokenizer_json, LLAMA_SPECIALS,
                             "LlamaTokenizerFast", config.max_position_embeddings, add_bos_token=True)
    export_onnx(model, os.path.join(folder, "model.onnx"), external_data=external_data)
    return Built(folder, model, encode, 1, config.max_position_embeddings, tokenizer_json)


def build_llamas(metaspace_folder: str, unigram_folder: str, corpus: str, steps: int):
    vocab, merges = train_sentencepiece_bpe(corpus, 600)
    bpe = SentencePieceBpeTokenizer(vocab, merges)
    metaspace = _llama(metaspace_folder, corpus, steps, len(vocab),
                       sentencepiece_bpe_tokenizer_json(vocab, merges), bpe.encode, True,
                       "llama-metaspace", seed=2)
    pieces = unigram_from_bpe(corpus, vocab, merges)
    unigram = UnigramTokenizer(pieces)
    unigram_built = _llama(unigram_folder, corpus, steps, len(pieces), unigram_tokenizer_json(pieces),
                           unigram.encode, False, "llama-unigram", seed=3)
    return metaspace, unigram_built


class NonFiniteLogits(torch.nn.Module):
    """Wraps a causal LM: the logits row at a position whose input id is nan_id is all NaN, and
    where it is inf_id the entry for token 0 is +Inf (the rest finite)."""

    def __init__(self, model, nan_id: int, inf_id: int):
        super().__init__()
        self.model, self.nan_id, self.inf_id = model, nan_id, inf_id
        self.config, self.takes_position_ids = model.config, False

    num_layers = property(lambda self: self.model.num_layers)
    kv_shape = property(lambda self: self.model.kv_shape)

    def forward(self, input_ids, attention_mask=None, past_key_values=None, return_hidden=False):
        logits, presents, hidden = self.model(input_ids, attention_mask, past_key_values, return_hidden=True)
        nan_rows = (input_ids == self.nan_id).unsqueeze(-1)
        logits = torch.where(nan_rows, torch.full_like(logits, float("nan")), logits)
        inf_entry = torch.zeros(logits.shape[-1], dtype=logits.dtype)
        inf_entry[0] = float("inf")
        logits = torch.where((input_ids == self.inf_id).unsqueeze(-1), logits + inf_entry, logits)
        return (logits, presents, hidden) if return_hidden else (logits, presents)
