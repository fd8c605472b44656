#!/usr/bin/python3
"""Logit-lens references (issue 17), schema markov-lens/lens-reference@1, and the model folders
the lens must handle or refuse.

Layer 0 is the residual stream after the embedding (GPT-2: token + position embeddings; Llama:
the token embedding), layer l (1..L) the stream after block l, before the final norm; each layer
is decoded with the model's own final norm and head, logits_l = head(final_norm(r_l)), so layer L
gives the model's logits exactly. Scoring convention and window plan as fixture-reference@1.

Folders written to test/fixtures/models/:
  gpt2-decomposed-ln/   gpt2-bytelevel's weights exported at opset 16: every LayerNorm is
                        ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add (no LayerNormalization)
  gpt2-lens-ambiguous/  gpt2-bytelevel with block 1's attention residual split: r/2 + (r/2 + attn)
                        (two Mul by 0.5 and an extra Add), so its residual Add has two computed
                        inputs neither of which is an ancestor of the other; it scores like
                        gpt2-bytelevel (float32 rounding apart) and the lens must turn itself off
test/fixtures/reference/lens/chains.json: tools/lens_chain.py's walk of every fixture graph.
References in test/fixtures/reference/lens/: gpt2-bytelevel, gpt2-decomposed-ln, gpt2-fp16
(float16-rounded weights in float64), llama-metaspace (texts english, code, unicode, long), and
default (models/default; english, code).

  /usr/bin/python3 tools/fixtures_lens.py            everything (a minute)
  /usr/bin/python3 tools/fixtures_lens.py --default  only the default model's reference
  --measure  also runs each graph in onnxruntime-node with its layer tensors exposed as extra
             outputs (found by tools/lens_chain.py) and decodes them in float64
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402

import fixtures_metrics as fm  # noqa: E402
from fixtures_corpus import CODE, ENGLISH, reference_texts  # noqa: E402
from fixtures_reference import window_bounds  # noqa: E402
import lens_chain  # noqa: E402
from lens_chain import walk  # noqa: E402
from lib.export import export_onnx, save_onnx  # noqa: E402
from lib.gpt2 import Gpt2LMHeadModel  # noqa: E402
from lib.onnx_weights import read_config, torch_model_from_onnx  # noqa: E402
from lib.ort_run import ort_scored_logits  # noqa: E402
from lib.tokenizer_load import FolderTokenizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "test", "fixtures", "models")
DEFAULT = os.path.join(ROOT, "models", "default")
REFERENCE = os.path.join(ROOT, "test", "fixtures", "reference", "lens")
JSON_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
              "special_tokens_map.json")

CONVENTION = __doc__.split("Folders written")[0].strip() + """
Per case: window L = the model's context, stride S = L/2; "context" per scored token as in
fixture-reference@1. layers[l] holds, per scored token (same order as ids), with P_l = softmax of
logits_l (float64, natural logs): nll = -log P_l(actual); entropy = -sum P_l log P_l;
rank = 1 + #{v: z_l[v] > z_l[actual]}; top1 = argmax z_l (ties: lower id);
klToFinal = KL(P_l || P_L) = sum P_l (log P_l - log P_L) (0 at l = L);
rankMargin = min over v != actual of |z_l[v] - z_l[actual]| and top1Margin = the largest logit
minus the second largest (logit units): how far the float64 rank and top1 are from a tie, so a
test can demand them exactly wherever the graph's own rounding cannot flip them.
depth per token = the smallest l such that top1 at every layer l' >= l equals the top1 at L."""


# ---------------------------------------------------------------- folders

def copy_json_files(source: str, target: str) -> None:
    os.makedirs(target, exist_ok=True)
    for name in JSON_FILES:
        shutil.copyfile(os.path.join(source, name), os.path.join(target, name))


def write_decomposed(source: str, target: str) -> None:
    copy_json_files(source, target)
    export_onnx(torch_model_from_onnx(source), os.path.join(target, "model.onnx"), opset=16)


def split_residual(proto, config_layers: int, add_index: int = 2) -> str:
    """Replaces residual Add #add_index (0-based from the embedding; #2 = block 1's attention
    residual) Add(r, f) by Add(r * 0.5, Add(r * 0.5, f)). Returns the Add's name."""
    step = walk(proto, config_layers)["residualAdds"][add_index]
    node = next(n for n in proto.graph.node if n.name == step["add"])
    prefix = node.name.rsplit("/", 1)[0] + "/split"
    half = prefix + "/half"
    proto.graph.initializer.append(numpy_helper.from_array(np.array(0.5, dtype=np.float32), half))
    residual, branch = step["residual"], step["branch"]
    extra = [helper.make_node("Mul", [residual, half], [prefix + "/Mul_output_0"], name=prefix + "/Mul"),
             helper.make_node("Mul", [residual, half], [prefix + "/Mul_1_output_0"], name=prefix + "/Mul_1"),
             helper.make_node("Add", [prefix + "/Mul_1_output_0", branch], [prefix + "/Add_output_0"],
                              name=prefix + "/Add")]
    node.input[:] = [prefix + "/Mul_output_0", prefix + "/Add_output_0"]
    nodes = []
    for n in proto.graph.node:
        if n is node:
            nodes.extend(extra)
        nodes.append(n)
    del proto.graph.node[:]
    proto.graph.node.extend(nodes)
    return node.name


def write_ambiguous(source: str, target: str) -> str:
    copy_json_files(source, target)
    proto = onnx.load(os.path.join(source, "model.onnx"))
    name = split_residual(proto, read_config(source)["n_layer"])
    onnx.checker.check_model(proto)
    save_onnx(proto, os.path.join(target, "model.onnx"))
    return name


# ---------------------------------------------------------------- lens in float64

def parts(model):
    """(module whose output is layer 0, blocks, final norm, head function)."""
    if isinstance(model, Gpt2LMHeadModel):
        return model.drop, model.h, model.ln_f, lambda h: torch.matmul(h, model.wte.weight.t())
    return model.embed_tokens, model.layers, model.norm, model.lm_head


def lens_logits(model, ids: list) -> list:
    """[L+1] float64 logits [T, V] of one forward pass from an empty past; the last one is checked
    to equal the model's own logits exactly."""
    first, blocks, norm, head = parts(model)
    captured = []
    hooks = [first.register_forward_hook(lambda m, i, o: captured.append(o))]
    hooks += [b.register_forward_hook(lambda m, i, o: captured.append(o[0])) for b in blocks]
    try:
        with torch.no_grad():
            logits, _ = model(torch.tensor([ids], dtype=torch.long))
            layers = [head(norm(x))[0] for x in captured]
    finally:
        for hook in hooks:
            hook.remove()
    if not torch.equal(layers[-1], logits[0]):
        raise AssertionError("the last lens layer does not reproduce the logits")
    return [x.numpy() for x in layers], [x[0].numpy() for x in captured]


def lens_rows(model, prefix: int, ids: list, window: int, stride: int):
    """Per layer, the logits rows of the scored tokens [n_ids, V]; plus context and targets."""
    t = [prefix] + list(ids)
    layers, contexts = None, []
    for start, end, first in window_bounds(len(t), window, stride):
        logits, _ = lens_logits(model, t[start:end])
        rows = [[layer[m - 1 - start] for m in range(first, end + 1)] for layer in logits]
        layers = rows if layers is None else [a + b for a, b in zip(layers, rows)]
        contexts += [m - start for m in range(first, end + 1)]
    return [np.array(rows) for rows in layers], contexts


def lens_metrics(layer_logits: list, targets: list) -> dict:
    final_log_p = fm.log_softmax(layer_logits[-1])
    layers = []
    for index, z in enumerate(layer_logits):
        log_p = fm.log_softmax(z)
        layers.append({"layer": index,
                       "nll": [float(-log_p[i][t]) for i, t in enumerate(targets)],
                       "entropy": [fm.entropy(row) for row in log_p],
                       "rank": [fm.rank(z[i], t) for i, t in enumerate(targets)],
                       "top1": [fm.top1(row) for row in z],
                       "klToFinal": [fm.kl(p, q) for p, q in zip(log_p, final_log_p)],
                       "rankMargin": [rank_margin(z[i], t) for i, t in enumerate(targets)],
                       "top1Margin": [top1_margin(row) for row in z]})
    depth = []
    for i in range(len(targets)):
        final = layers[-1]["top1"][i]
        d = len(layers) - 1
        while d > 0 and layers[d - 1]["top1"][i] == final:
            d -= 1
        depth.append(d)
    return {"layers": layers, "depth": depth}


def rank_margin(z: np.ndarray, target: int) -> float:
    """Distance from the target's logit to the nearest other logit (how close the rank is to a tie)."""
    others = np.delete(np.asarray(z, dtype=np.float64), target)
    return float(np.abs(others - z[target]).min())


def top1_margin(z: np.ndarray) -> float:
    """Largest logit minus the second largest (how close the top-1 is to a tie)."""
    two = np.sort(np.asarray(z, dtype=np.float64))[-2:]
    return float(two[1] - two[0])


def lens_document(name: str, path: str, model64, tokenizer, config: dict, texts: dict, weights: str) -> dict:
    context = config.get("n_positions") or config["max_position_embeddings"]
    prefix = config["bos_token_id"]
    num_layers = config.get("n_layer") or config["num_hidden_layers"]
    cases = []
    for case_name, text in texts.items():
        ids = tokenizer.encode(text)
        layer_logits, contexts = lens_rows(model64, prefix, ids, context, context // 2)
        cases.append({"name": case_name, "text": text, "ids": ids, "window": context,
                      "stride": context // 2, "context": contexts, **lens_metrics(layer_logits, ids)})
    return {"schema": "markov-lens/lens-reference@1", "model": name, "path": path, "weights": weights,
            "prefixTokenId": prefix, "contextLength": context, "numLayers": num_layers,
            "convention": CONVENTION, "cases": cases}


def save(document: dict) -> None:
    os.makedirs(REFERENCE, exist_ok=True)
    with open(os.path.join(REFERENCE, f"{document['model']}.json"), "w", encoding="utf-8") as handle:
        handle.write(fm.dump_compact(document))
    depths = [d for c in document["cases"] for d in c["depth"]]
    print(f"  lens {document['model']}: {len(depths)} tokens, depth histogram "
          f"{np.bincount(depths, minlength=document['numLayers'] + 1).tolist()}", flush=True)


# ---------------------------------------------------------------- measurement in onnxruntime-node

def measure(document: dict, onnx_path: str, model64) -> dict:
    """Exposes the walk's layer tensors as graph outputs, runs them in onnxruntime-node through the
    KV cache and decodes them in float64 with the reference model's norm and head."""
    proto = onnx.load(onnx_path)
    result = walk(proto, document["numLayers"])
    for tensor in result["layers"]:
        proto.graph.output.append(onnx.ValueInfoProto(name=tensor))
    _, _, norm, head = parts(model64)
    worst = {"nll": 0.0, "klToFinal": 0.0, "residual": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        onnx.save(proto, path)
        for case in document["cases"]:
            _, extra = ort_scored_logits(path, document["prefixTokenId"], case["ids"], case["window"],
                                         case["stride"], extra=result["layers"])
            with torch.no_grad():
                decoded = [head(norm(torch.from_numpy(extra[t]))).numpy() for t in result["layers"]]
            got = lens_metrics(decoded, case["ids"])
            for mine, ref in zip(got["layers"], case["layers"]):
                for key in ("nll", "klToFinal"):
                    worst[key] = max(worst[key], max(abs(a - b) for a, b in zip(mine[key], ref[key])))
    print(f"  ORT lens {document['model']}: max |dNLL| {worst['nll']:.2e}, max |dKL| {worst['klToFinal']:.2e}",
          flush=True)
    return worst


# ---------------------------------------------------------------- main

def fixture_documents() -> list:
    gpt2_folder = os.path.join(MODELS, "gpt2-bytelevel")
    write_decomposed(gpt2_folder, os.path.join(MODELS, "gpt2-decomposed-ln"))
    split = write_ambiguous(gpt2_folder, os.path.join(MODELS, "gpt2-lens-ambiguous"))
    ambiguous = walk(onnx.load(os.path.join(MODELS, "gpt2-lens-ambiguous", "model.onnx")), 2)
    print(f"  gpt2-lens-ambiguous: split {split}; walk ok={ambiguous['ok']} "
          f"({ambiguous['embedding']['kind']} at {ambiguous['embedding']['node']})", flush=True)
    documents = []
    for name, weights in (("gpt2-bytelevel", "float32 weights, computed in float64"),
                          ("gpt2-decomposed-ln", "float32 weights (gpt2-bytelevel's), computed in float64"),
                          ("gpt2-fp16", "float16-rounded weights, computed in float64 (the graph computes "
                           "in float16, its LayerNormalization in float32)"),
                          ("llama-metaspace", "float32 weights, computed in float64")):
        folder = os.path.join(MODELS, name)
        config = read_config(folder)
        tokenizer = FolderTokenizer(folder)
        context = config.get("n_positions") or config["max_position_embeddings"]
        texts = {k: v for k, v in reference_texts(tokenizer.encode, context).items()
                 if k in ("english", "code", "unicode", "long")}
        model64 = torch_model_from_onnx(folder).double().eval()
        document = lens_document(name, f"test/fixtures/models/{name}", model64, tokenizer, config, texts, weights)
        save(document)
        documents.append((document, os.path.join(folder, "model.onnx"), model64))
    return documents


def default_document():
    config = read_config(DEFAULT)
    model64 = torch_model_from_onnx(DEFAULT).double().eval()
    document = lens_document("default", "models/default", model64, FolderTokenizer(DEFAULT), config,
                             {"english": ENGLISH, "code": CODE}, "float32 weights, computed in float64")
    save(document)
    return document, os.path.join(DEFAULT, "model.onnx"), model64


def write_chains() -> None:
    """reference/lens/chains.json: what tools/lens_chain.py finds in every fixture graph (the
    TypeScript walk should agree), keyed by the graph's path under test/fixtures/models/."""
    chains = {}
    for folder in sorted(os.listdir(MODELS)):
        config_path = os.path.join(MODELS, folder, "config.json")
        graphs = [os.path.join(folder, "model.onnx")]
        onnx_dir = os.path.join(MODELS, folder, "onnx")
        if os.path.isdir(onnx_dir):
            graphs = [os.path.join(folder, "onnx", f) for f in sorted(os.listdir(onnx_dir)) if f.endswith(".onnx")]
        for graph in graphs:
            if not os.path.exists(config_path) or not os.path.exists(os.path.join(MODELS, graph)):
                continue
            config = read_config(os.path.join(MODELS, folder))
            layers = config.get("n_layer") or config.get("num_hidden_layers")
            try:
                result = walk(onnx.load(os.path.join(MODELS, graph), load_external_data=False), layers)
            except (KeyError, ValueError, StopIteration) as error:
                chains[graph] = {"ok": False, "error": str(error)}
                continue
            end = result["embedding"]
            chains[graph] = {"ok": result["ok"], "numLayers": layers,
                             "head": {"op": result["head"]["op"], "name": result["head"]["name"],
                                      "hidden": result["head"]["hidden"]},
                             "finalNormInput": result["finalNorm"]["input"],
                             "finalNormOps": [n.split(" ")[0] for n in result["finalNorm"]["nodes"]],
                             "embedding": {k: end[k] for k in ("kind", "tensor", "node", "reason") if k in end},
                             "residualAdds": [{"name": a["add"], "output": a["output"],
                                               "residualInput": a["residualIndex"], "residual": a["residual"],
                                               "branch": a["branch"]} for a in result["residualAdds"]],
                             "layers": result["layers"]}
    os.makedirs(REFERENCE, exist_ok=True)
    with open(os.path.join(REFERENCE, "chains.json"), "w", encoding="utf-8") as handle:
        json.dump({"schema": "markov-lens/lens-chains@1", "convention": lens_chain.__doc__.split("Usage:")[0].strip(),
                   "graphs": chains},
                  handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    print(f"  lens chains: {sum(c['ok'] for c in chains.values())} of {len(chains)} graphs walk to the "
          f"embedding", flush=True)


def write_lens(include_fixtures: bool = True, measured: bool = False) -> None:
    documents = fixture_documents() if include_fixtures else []
    if include_fixtures:
        write_chains()
    documents.append(default_document())
    if measured:
        for document, path, model64 in documents:
            measure(document, path, model64)


def main():
    torch.set_num_threads(1)
    write_lens("--default" not in sys.argv, "--measure" in sys.argv)


if __name__ == "__main__":
    main()
