#!/usr/bin/env python3
"""all-MiniLM-L6-v2 as an ONNX graph, built from the model's own safetensors.

No fp32 ONNX export of this model can be installed from a package registry
here, so the graph is built with the `onnx` package: BERT as in the model's
config (embeddings, 6 encoder layers, erf GELU), output `last_hidden_state`
[batch, seq, 384] for inputs `input_ids` and `attention_mask` (int64); mean
pooling and L2 normalisation are left to the caller, as sentence-transformers
does them.

    minilm_onnx.py MODEL_DIR OUT.onnx      # writes the graph (atomically)

Used by scripts/lib/provision.sh (ragdesk's ONNX Runtime backend reads
MODEL_DIR/model.onnx) and by the benchmark's peer (the same graph through
Python's onnxruntime).
"""
import json
import os
import struct
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            continue  # e.g. the position_ids buffer: not a weight
        a, b = meta["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=np.float32).reshape(meta["shape"])
    return out


def build_graph(w, cfg):
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in w else ""
    W = lambda n: w[prefix + n]
    hidden, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    head_dim = hidden // heads
    eps = cfg.get("layer_norm_eps", 1e-12)
    nodes, inits = [], []
    counter = [0]

    def name(base):
        counter[0] += 1
        return f"{base}_{counter[0]}"

    def const(arr, base="c"):
        n = name(base)
        inits.append(numpy_helper.from_array(np.asarray(arr), n))
        return n

    def node(op, inputs, **attrs):
        out = name(op.lower())
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def linear(x, wname, bname):
        # torch Linear: y = x @ W^T + b
        return node("Add", [node("MatMul", [x, const(W(wname).T.copy())]), const(W(bname))])

    def layer_norm(x, wname, bname):
        return node("LayerNormalization", [x, const(W(wname)), const(W(bname))], axis=-1, epsilon=eps)

    ids, mask = "input_ids", "attention_mask"
    seq_len = node("Gather", [node("Shape", [ids]), const(np.array(1, dtype=np.int64))], axis=0)
    positions = node("Range", [const(np.array(0, dtype=np.int64)), seq_len, const(np.array(1, dtype=np.int64))])
    x = node("Gather", [const(W("embeddings.word_embeddings.weight")), ids], axis=0)
    x = node("Add", [x, node("Gather", [const(W("embeddings.position_embeddings.weight")), positions], axis=0)])
    x = node("Add", [x, const(W("embeddings.token_type_embeddings.weight")[0])])
    x = layer_norm(x, "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias")
    # Additive attention mask: 0 for tokens, a large negative for padding. [B, 1, 1, S]
    maskf = node("Cast", [mask], to=TensorProto.FLOAT)
    bias = node("Mul", [node("Sub", [const(np.array(1.0, dtype=np.float32)), maskf]), const(np.array(-1e9, dtype=np.float32))])
    bias = node("Unsqueeze", [bias, const(np.array([1, 2], dtype=np.int64))])
    split_shape = const(np.array([0, 0, heads, head_dim], dtype=np.int64))
    merge_shape = const(np.array([0, 0, hidden], dtype=np.int64))
    scale = const(np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        def heads_of(t):
            return node("Transpose", [node("Reshape", [t, split_shape])], perm=[0, 2, 1, 3])
        q = heads_of(linear(x, p + "attention.self.query.weight", p + "attention.self.query.bias"))
        k = heads_of(linear(x, p + "attention.self.key.weight", p + "attention.self.key.bias"))
        v = heads_of(linear(x, p + "attention.self.value.weight", p + "attention.self.value.bias"))
        scores = node("Mul", [node("MatMul", [q, node("Transpose", [k], perm=[0, 1, 3, 2])]), scale])
        probs = node("Softmax", [node("Add", [scores, bias])], axis=-1)
        ctx = node("Reshape", [node("Transpose", [node("MatMul", [probs, v])], perm=[0, 2, 1, 3]), merge_shape])
        attn = linear(ctx, p + "attention.output.dense.weight", p + "attention.output.dense.bias")
        x = layer_norm(node("Add", [attn, x]), p + "attention.output.LayerNorm.weight", p + "attention.output.LayerNorm.bias")
        h = linear(x, p + "intermediate.dense.weight", p + "intermediate.dense.bias")
        # erf GELU: 0.5 * h * (1 + erf(h / sqrt(2)))
        h = node("Mul", [node("Mul", [h, const(np.array(0.5, dtype=np.float32))]),
                         node("Add", [const(np.array(1.0, dtype=np.float32)),
                                      node("Erf", [node("Div", [h, const(np.array(np.sqrt(2.0), dtype=np.float32))])])])])
        out = linear(h, p + "output.dense.weight", p + "output.dense.bias")
        x = layer_norm(node("Add", [out, x]), p + "output.LayerNorm.weight", p + "output.LayerNorm.bias")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    graph = helper.make_graph(
        nodes,
        "minilm",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["B", "S"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["B", "S"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["B", "S", hidden])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def load_model(model_dir):
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    return build_graph(load_safetensors(os.path.join(model_dir, "model.safetensors")), cfg)


if __name__ == "__main__":
    model_dir, out = sys.argv[1], sys.argv[2]
    tmp = out + ".partial"
    with open(tmp, "wb") as f:
        f.write(load_model(model_dir).SerializeToString())
    os.replace(tmp, out)
