"""Write a model folder in the Optimum layout: model.onnx, config.json, tokenizer files,
generation_config.json. Used for the trained model and for the --random-init twin."""
from __future__ import annotations

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.export import export_onnx  # noqa: E402

EOT = "<|endoftext|>"


def write_json(path: str, document: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=2, ensure_ascii=False)
        f.write("\n")


def tokenizer_config(eot_id: int, max_length: int) -> dict:
    """What transformers' GPT2TokenizerFast writes: no BOS added, <|endoftext|> for bos/eos/unk."""
    return {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": {str(eot_id): {
            "content": EOT, "lstrip": False, "normalized": False, "rstrip": False,
            "single_word": False, "special": True}},
        "bos_token": EOT,
        "clean_up_tokenization_spaces": False,
        "eos_token": EOT,
        "errors": "replace",
        "model_max_length": max_length,
        "tokenizer_class": "GPT2Tokenizer",
        "unk_token": EOT,
    }


def context_length(config) -> int:
    return getattr(config, "n_positions", None) or config.max_position_embeddings


def write_model_folder(model, tokenizer_json: str, out_dir: str,
                       name: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    config = model.config
    export_onnx(model, os.path.join(out_dir, "model.onnx"))
    hf = config.hf_config()
    hf["_name_or_path"] = name
    write_json(os.path.join(out_dir, "config.json"), hf)
    if os.path.abspath(tokenizer_json) != os.path.abspath(os.path.join(out_dir, "tokenizer.json")):
        shutil.copyfile(tokenizer_json, os.path.join(out_dir, "tokenizer.json"))
    write_json(os.path.join(out_dir, "tokenizer_config.json"),
               tokenizer_config(config.eos_token_id, context_length(config)))
    write_json(os.path.join(out_dir, "special_tokens_map.json"),
               {"bos_token": EOT, "eos_token": EOT, "unk_token": EOT})
    write_json(os.path.join(out_dir, "generation_config.json"),
               {"_from_model_config": True, "bos_token_id": config.bos_token_id,
                "eos_token_id": config.eos_token_id})
