#!/usr/bin/env python3
"""The peer for ragdesk-bench --embed: the same all-MiniLM-L6-v2 weights and
texts through ONNX Runtime (a widely used inference engine, from PyPI).

The graph is ragdesk's own (scripts/lib/minilm_onnx.py builds it from the
model's safetensors: no fp32 ONNX export of this model can be installed from
a package registry here); mean pooling over the attention mask and L2
normalisation are done here in numpy, as sentence-transformers does. The vectors are checked against the reference
of shared/notes/minilm-reference.json before any timing counts.

    minilm_onnxruntime.py MODEL_DIR TEXTS.json REFERENCE.json [--batch 32] [--threads 2]

Prints one JSON object: tokens, seconds, tokens_per_s, min_cosine_vs_reference.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from minilm_onnx import load_model  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("texts")
    ap.add_argument("reference")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    model = load_model(args.model_dir)
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(f"{args.model_dir}/tokenizer.json")
    tok.enable_truncation(256)
    tok.enable_padding()  # to the longest of each batch, as sentence-transformers

    def embed(texts):
        enc = tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        (h,) = sess.run(None, {"input_ids": ids, "attention_mask": mask})
        m = mask[:, :, None].astype(np.float32)
        v = (h * m).sum(1) / m.sum(1)
        return v / np.linalg.norm(v, axis=1, keepdims=True), int(mask.sum())

    ref = json.load(open(args.reference))
    items = ref["items"] if isinstance(ref, dict) and "items" in ref else ref
    ref_texts = [it["text"] for it in items]
    ref_vecs = np.array([it["embedding"] if "embedding" in it else it["vector"] for it in items], dtype=np.float32)
    got, _ = embed(ref_texts)
    min_cos = float(min((got * (ref_vecs / np.linalg.norm(ref_vecs, axis=1, keepdims=True))).sum(1)))

    texts = json.load(open(args.texts))
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    embed([texts[i] for i in order[: args.batch]])  # warm-up
    start = time.perf_counter()
    tokens = 0
    for b in range(0, len(order), args.batch):
        _, n = embed([texts[i] for i in order[b : b + args.batch]])
        tokens += n
    secs = time.perf_counter() - start
    print(json.dumps({"engine": f"onnxruntime {ort.__version__}", "batch": args.batch, "threads": args.threads,
                      "tokens": tokens, "seconds": secs, "tokens_per_s": tokens / secs,
                      "min_cosine_vs_reference": min_cos}))


main()
