#!/usr/bin/python3
"""Long-context fixture (issue 15): a tiny GPT-2 whose context is 2,048 tokens and a held-out text
of about 1,900 tokens, with float64 references of that text scored in one window (the model's
true conditionals) and with window 1024 / stride 512 (tokens after 1,024 then have less context).

  test/fixtures/models/gpt2-long-context/   gpt2-bytelevel's tokenizer (vocab 512), n_positions
                                            2048, 2 layers x 64, trained on 256-token sequences at
                                            random positions 0..2047
  test/fixtures/reference/gpt2-long-context.json   markov-lens/fixture-reference@1, one case
                                            "long_context", windows (2048, 1024) and (1024, 512)

The text is the held-out continuation of the training corpus (the rest of the stdlib module the
corpus is cut in, from the first line after the cut), cut at a line end to at most 1,900 tokens.

Standalone (after make_fixtures.py has built gpt2-bytelevel):
    /usr/bin/python3 tools/fixtures_long_context.py        (about 2 minutes, one torch thread)
"""
import copy
import glob
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.nn import functional  # noqa: E402

from fixtures_corpus import CORPUS_CHARS, training_corpus  # noqa: E402
from fixtures_reference import dump_reference, reference_document  # noqa: E402
from lib.attention import causal_mask  # noqa: E402
from lib.export import export_onnx  # noqa: E402
from lib.gpt2 import Gpt2Config, Gpt2LMHeadModel  # noqa: E402
from lib.tokenizer_json import write_json  # noqa: E402
from lib.tokenizer_load import FolderTokenizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "test", "fixtures", "models")
REFERENCE = os.path.join(ROOT, "test", "fixtures", "reference")
NAME = "gpt2-long-context"
CONTEXT = 2048
MAX_TOKENS = 1900
STEPS = 400
SEQ_LEN = 256
JSON_FILES = ("generation_config.json", "tokenizer.json", "tokenizer_config.json",
              "special_tokens_map.json")


def held_out_text(encode, max_tokens: int = MAX_TOKENS) -> str:
    """The source files after the corpus cut, from the first line start after it, cut at a line
    end so the text has at most max_tokens tokens (and as many as fit)."""
    paths = sorted(glob.glob("/usr/share/common-licenses/*")) + sorted(glob.glob("/usr/lib/python3.11/*.py"))
    parts, size = [], 0
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as handle:
            parts.append(handle.read())
        size += len(parts[-1])
        if size >= CORPUS_CHARS + 200_000:
            break
    rest = "".join(parts)[CORPUS_CHARS:]
    rest = rest[rest.index("\n") + 1:]
    lines = rest.splitlines(keepends=True)
    low, high = 0, len(lines)  # largest line count whose text fits
    while low < high:
        middle = (low + high + 1) // 2
        if len(encode("".join(lines[:middle]))) <= max_tokens:
            low = middle
        else:
            high = middle - 1
    return "".join(lines[:low])


def forward_at(model, input_ids, offset: int):
    """Logits of a GPT-2 (lib/gpt2.py) for input_ids placed at positions offset, offset + 1, ...
    (no past): training on random offsets teaches every row of the 2,048-row position table
    without 2,048-token sequences, whose plain-op attention is slow on this CPU."""
    batch, seq_len = input_ids.shape
    x = model.wte(input_ids) + model.wpe(torch.arange(seq_len) + offset).unsqueeze(0)
    mask = causal_mask(torch.ones(batch, seq_len, dtype=torch.long), seq_len, 0)
    heads, head_dim = model.kv_shape
    empty = torch.zeros(batch, heads, 0, head_dim)
    for block in model.h:
        x, _, _ = block(x, mask, empty, empty)
    return torch.matmul(model.ln_f(x), model.wte.weight.t())


def train_with_offsets(model, token_ids: list, steps: int, seq_len: int, batch: int = 8,
                       lr: float = 3e-3, seed: int = 0) -> float:
    """fixtures_train.train_lm's loop (seeded AdamW, clipping), each step at a random offset."""
    torch.manual_seed(seed)
    data = torch.tensor(token_ids, dtype=torch.long)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    model.train()
    loss = torch.tensor(float("nan"))
    for _ in range(steps):
        starts = torch.randint(0, len(data) - seq_len - 1, (batch,), generator=generator)
        offset = int(torch.randint(0, CONTEXT - seq_len + 1, (1,), generator=generator))
        x = torch.stack([data[s:s + seq_len] for s in starts])
        y = torch.stack([data[s + 1:s + seq_len + 1] for s in starts])
        logits = forward_at(model, x, offset)
        loss = functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    model.eval()
    return float(loss)


def build_long_context(corpus: str, tokenizer_folder: str):
    """Trains and exports the model folder; returns (model, tokenizer, text)."""
    tokenizer = FolderTokenizer(tokenizer_folder)
    vocab_size = len(tokenizer.id_to_token)
    eot = vocab_size - 1
    config = Gpt2Config(vocab_size=vocab_size, n_positions=CONTEXT, n_embd=64, n_layer=2, n_head=4,
                        bos_token_id=eot, eos_token_id=eot)
    torch.manual_seed(5)
    model = Gpt2LMHeadModel(config)
    ids = tokenizer.encode(corpus)[:400_000]
    loss = train_with_offsets(model, ids, STEPS, SEQ_LEN, seed=5)
    print(f"  {NAME}: {len(ids)} training tokens, final loss {loss:.3f}", flush=True)
    folder = os.path.join(MODELS, NAME)
    os.makedirs(folder, exist_ok=True)
    for name in JSON_FILES:
        shutil.copyfile(os.path.join(tokenizer_folder, name), os.path.join(folder, name))
    write_json(os.path.join(folder, "config.json"), config.hf_config())
    tokenizer_config = os.path.join(folder, "tokenizer_config.json")
    with open(tokenizer_config, encoding="utf-8") as handle:
        settings = json.load(handle)
    settings["model_max_length"] = CONTEXT
    write_json(tokenizer_config, settings)
    export_onnx(model, os.path.join(folder, "model.onnx"))
    return model, tokenizer, held_out_text(tokenizer.encode)


def write_long_context(corpus: str, tokenizer_folder: str) -> dict:
    model, tokenizer, text = build_long_context(corpus, tokenizer_folder)
    eot = model.config.eos_token_id
    document = reference_document(
        copy.deepcopy(model).double().eval(), NAME, "float32 weights, computed in float64", eot,
        CONTEXT, {"long_context": text}, tokenizer.encode,
        lambda n_ids: [(CONTEXT, CONTEXT // 2), (CONTEXT // 2, CONTEXT // 4)])
    with open(os.path.join(REFERENCE, f"{NAME}.json"), "w", encoding="utf-8") as handle:
        handle.write(dump_reference(document))
    case = document["cases"][0]
    full, short = case["windows"][0]["tokens"], case["windows"][1]["tokens"]
    late = [abs(a["nll"] - b["nll"]) for a, b in zip(full, short) if a["index"] >= CONTEXT // 2]
    print(f"  {NAME}: {len(case['ids'])} tokens, {len(text)} chars; tokens >= 1024: mean |nll(2048) - "
          f"nll(1024/512)| {sum(late) / len(late):.4f}, max {max(late):.4f}", flush=True)
    return document


def main():
    torch.set_num_threads(1)
    write_long_context(training_corpus(), os.path.join(MODELS, "gpt2-bytelevel"))


if __name__ == "__main__":
    main()
