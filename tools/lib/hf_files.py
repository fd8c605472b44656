"""The small JSON files of a Hugging Face model folder, next to model.onnx and tokenizer.json."""
import os

from .tokenizer_json import write_json


def write_model_folder_files(folder: str, config: dict, tokenizer_json: dict,
                             special_tokens: dict, tokenizer_class: str,
                             model_max_length: int, add_bos_token: bool = False) -> None:
    """Writes config.json, generation_config.json, tokenizer.json, tokenizer_config.json and
    special_tokens_map.json. special_tokens maps roles (bos_token, eos_token, unk_token,
    pad_token) to token strings."""
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), config)
    generation = {"_from_model_config": True, "transformers_version": "4.46.0"}
    for key in ("bos_token_id", "eos_token_id", "pad_token_id"):
        if config.get(key) is not None:
            generation[key] = config[key]
    write_json(os.path.join(folder, "generation_config.json"), generation)
    write_json(os.path.join(folder, "tokenizer.json"), tokenizer_json)
    tokenizer_config = {
        "tokenizer_class": tokenizer_class,
        "model_max_length": model_max_length,
        "clean_up_tokenization_spaces": False,
        "add_bos_token": add_bos_token,
        "add_eos_token": False,
        **special_tokens,
    }
    write_json(os.path.join(folder, "tokenizer_config.json"), tokenizer_config)
    write_json(os.path.join(folder, "special_tokens_map.json"), special_tokens)
