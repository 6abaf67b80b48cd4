#!/usr/bin/env python3
"""Write a corpus of model files, malicious and benign, for aimap's model audit.

Usage: gen_model_corpus.py OUT_DIR

Every file is made by real Python (pickle, numpy, joblib, h5py, onnx, gguf,
safetensors) or assembled by hand where the real library would be too heavy
(torch: a torch.save zip is a zip of a pickle and raw storages, written here
with zipfile and a pickler that emits the same persistent ids). Nothing in
the corpus is ever loaded: payloads name commands but the files are only
written. OUT_DIR/manifest.json lists each file with the verdict aimap must
give and the imports its findings must name.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import tarfile
import types
import zipfile

import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else "corpus"
MANIFEST = []


def put(name, data, verdict, imports=(), note=""):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    MANIFEST.append({"file": name, "verdict": verdict, "imports": list(imports), "note": note})


def expect(name, verdict, imports=(), note=""):
    """Record a file some library already wrote."""
    MANIFEST.append({"file": name, "verdict": verdict, "imports": list(imports), "note": note})


# --- Malicious __reduce__ payloads, every protocol -------------------------

def reducer(fn, args):
    class Payload:
        def __reduce__(self):
            return (fn, args)
    return Payload()


import code  # noqa: E402
import runpy  # noqa: E402
import subprocess  # noqa: E402
import webbrowser  # noqa: E402

PAYLOADS = {
    "os_system": (os.system, ("echo pwned",), f"{os.system.__module__}.system"),
    "subprocess_popen": (subprocess.Popen, (["id"],), "subprocess.Popen"),
    "builtins_eval": (eval, ("1+1",), "builtins.eval"),
    "builtins_exec": (exec, ("x=1",), "builtins.exec"),
    "code_interact": (code.interact, (), "code.interact"),
    "runpy_run_path": (runpy.run_path, ("/nonexistent.py",), "runpy.run_path"),
    "webbrowser_open": (webbrowser.open, ("http://127.0.0.1:1/",), "webbrowser.open"),
}
for label, (fn, args, imp) in PAYLOADS.items():
    for proto in range(6):
        put(f"malicious/reduce_{label}_p{proto}.pkl", pickle.dumps(reducer(fn, args), protocol=proto),
            "unsafe", [imp])

# A payload hidden inside a benign-looking state dict.
state = {"weights": [0.1, 0.2], "meta": {"epoch": 3, "hook": reducer(os.system, ("id",))}}
put("malicious/nested_in_dict.pkl", pickle.dumps(state, protocol=4), "unsafe", ["posix.system"])

# --- Hand-assembled opcode sequences ---------------------------------------

# INST (protocol 0): MARK, arg, INST module name.
put("malicious/inst_os_system.pkl", b"(S'id'\nios\nsystem\n.", "unsafe", ["os.system"])
# OBJ with a GLOBAL class.
put("malicious/obj_subprocess.pkl", b"(csubprocess\ncheck_output\n(S'id'\nlo.", "unsafe",
    ["subprocess.check_output"])
# Names built through the memo: push strings, memoize, drop, fetch back, STACK_GLOBAL.
memo = (b"\x80\x04" + b"\x8c\x02os\x94" + b"\x8c\x06system\x94" + b"00"
        + b"h\x00h\x01\x93" + b"\x8c\x02id\x85R.")
put("malicious/memo_stack_global.pkl", memo, "unsafe", ["os.system"])
# Names spelled with escapes (protocol-0 UNICODE and STRING), stored with PUT, read with GET.
escaped = (b"V\\u006fs\np0\n0S'\\x73ystem'\np1\n0g0\ng1\n\x93(S'id'\ntR.")
put("malicious/escaped_memo_names.pkl", escaped, "unsafe", ["os.system"])
# LONG_BINPUT / LONG_BINGET memo keys.
longmemo = (b"\x80\x04\x8c\x08builtins\x72\x39\x30\x00\x00\x8c\x04eval\x72\x3a\x30\x00\x00"
            b"00j\x39\x30\x00\x00j\x3a\x30\x00\x00\x93\x8c\x031+1\x85R.")
put("malicious/long_memo_eval.pkl", longmemo, "unsafe", ["builtins.eval"])
# Nested pickle.loads of a second, malicious pickle.
inner = pickle.dumps(reducer(os.system, ("id",)), protocol=2)
put("malicious/nested_pickle_loads.pkl", pickle.dumps(reducer(pickle.loads, (inner,)), protocol=2),
    "unsafe", ["pickle.loads"])
# getattr chain: getattr(__import__('os'), 'system')('id').
chain = (b"c__builtin__\ngetattr\n(c__builtin__\n__import__\n(S'os'\ntRS'system'\ntR(S'id'\ntR.")
put("malicious/getattr_chain.pkl", chain, "unsafe", ["builtins.getattr", "builtins.__import__"])
# operator.methodcaller / attrgetter reach methods without naming them.
put("malicious/methodcaller.pkl", b"\x80\x02coperator\nmethodcaller\nX\x06\x00\x00\x00systemX\x02\x00\x00\x00id\x86R.",
    "unsafe", ["operator.methodcaller"])
# Dunder attribute chain in a protocol-4 dotted name.
def sbu(text):
    """SHORT_BINUNICODE: one length byte, then UTF-8."""
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


put("malicious/dunder_chain.pkl",
    b"\x80\x04" + sbu("collections") + sbu("OrderedDict.__init__.__globals__") + b"\x93.", "unsafe",
    ["collections.OrderedDict.__init__.__globals__"])
# A second pickle after a benign first one.
put("malicious/second_pickle.pkl", pickle.dumps([1, 2, 3], protocol=2) + pickle.dumps(reducer(os.system, ("id",)), protocol=2),
    "unsafe", ["posix.system"])
# Extension registry (EXT1): the import is hidden in copyreg's table.
put("suspicious/ext1.pkl", b"\x80\x02\x82\x01)R.", "suspicious", [])
# STACK_GLOBAL whose module name is computed (str.join at load time).
computed = (b"\x80\x04\x8c\x08builtins\x8c\x03str\x93\x8c\x02os\x85R\x8c\x06system\x93.")
put("suspicious/computed_stack_global.pkl", computed, "suspicious", [])


# Unknown (neither allowed nor denied) import.
class Custom:
    pass


Custom.__module__ = "mylib.models"
Custom.__qualname__ = "Custom"
sys.modules["mylib"] = types.ModuleType("mylib")
sys.modules["mylib.models"] = types.ModuleType("mylib.models")
sys.modules["mylib.models"].Custom = Custom
put("suspicious/unknown_class.pkl", pickle.dumps(Custom(), protocol=2), "suspicious", ["mylib.models.Custom"])

# --- Benign plain data ------------------------------------------------------

plain = {"ints": [1, -2, 2**70], "floats": (1.5, float("inf")), "text": "héllo", "bytes": b"\x00\x01",
         "set": {1, 2}, "frozen": frozenset({3}), "none": None, "bools": [True, False],
         "nested": {"a": [{"b": ()}]}, "od": collections.OrderedDict(a=1, b=2)}
for proto in range(6):
    put(f"benign/plain_p{proto}.pkl", pickle.dumps(plain, protocol=proto), "safe")
    put(f"benign/numpy_array_p{proto}.pkl", pickle.dumps(np.arange(12, dtype=np.float32).reshape(3, 4), protocol=proto), "safe")
put("benign/list_of_numbers.pickle", pickle.dumps(list(range(1000)), protocol=4), "safe")
put("benign/many_pickles.dat", b"".join(pickle.dumps(i, protocol=3) for i in range(5)), "safe")

# --- Torch-style zips: what torch.save writes ------------------------------
# torch.save: a zip (stored, not compressed) with ARCHIVE/data.pkl (the
# object, tensors as _rebuild_tensor_v2 with BINPERSID storage ids),
# ARCHIVE/data/<key> (raw storage bytes), ARCHIVE/version, ARCHIVE/byteorder.

torch = types.ModuleType("torch")
torch_utils = types.ModuleType("torch._utils")
sys.modules["torch"] = torch
sys.modules["torch._utils"] = torch_utils


class FloatStorage:
    def __init__(self, key, data):
        self.key, self.data = key, data


FloatStorage.__module__ = "torch"
torch.FloatStorage = FloatStorage


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks):
    raise RuntimeError("never called")


_rebuild_tensor_v2.__module__ = "torch._utils"
torch_utils._rebuild_tensor_v2 = _rebuild_tensor_v2


class Tensor:
    def __init__(self, storage, shape):
        self.storage, self.shape = storage, shape

    def __reduce_ex__(self, proto):
        stride = (self.shape[1], 1) if len(self.shape) == 2 else (1,)
        return (_rebuild_tensor_v2, (self.storage, 0, self.shape, stride, False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FloatStorage):
            return ("storage", FloatStorage, obj.key, "cpu", len(obj.data) // 4)
        return None


def torch_zip(obj, storages, archive="archive"):
    buf = io.BytesIO()
    TorchPickler(buf, protocol=2).dump(obj)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{archive}/data.pkl", buf.getvalue())
        z.writestr(f"{archive}/byteorder", "little")
        for s in storages:
            z.writestr(f"{archive}/data/{s.key}", s.data)
        z.writestr(f"{archive}/version", "3\n")
    return out.getvalue()


s0 = FloatStorage("0", struct.pack("<4f", 1, 2, 3, 4))
s1 = FloatStorage("1", struct.pack("<2f", 5, 6))
sd = collections.OrderedDict([("layer.weight", Tensor(s0, (2, 2))), ("layer.bias", Tensor(s1, (2,)))])
for ext in ("pt", "pth", "bin", "ckpt"):
    put(f"benign/state_dict.{ext}", torch_zip(sd, [s0, s1]), "safe")
evil = collections.OrderedDict([("w", Tensor(s0, (2, 2))), ("x", reducer(os.system, ("id",)))])
put("malicious/torch_model.bin", torch_zip(evil, [s0], archive="pytorch_model"), "unsafe", ["posix.system"])
put("malicious/torch_checkpoint.pt", torch_zip({"model": sd, "opt": reducer(eval, ("1",))}, [s0, s1]), "unsafe", ["builtins.eval"])


# Legacy (pre-1.6) torch.save: five pickles back to back, then storages.
def torch_legacy(obj, storages):
    out = io.BytesIO()
    pickle.dump(0x1950A86A20F9469CFC6C, out, protocol=2)
    pickle.dump(1001, out, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": True,
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, out, protocol=2)
    TorchPickler(out, protocol=2).dump(obj)
    pickle.dump([s.key for s in storages], out, protocol=2)
    for s in storages:
        out.write(struct.pack("<q", len(s.data) // 4) + s.data)
    return out.getvalue()


put("benign/legacy_state_dict.pt", torch_legacy(sd, [s0, s1]), "safe")
put("malicious/legacy_model.pt", torch_legacy(evil, [s0]), "unsafe", ["posix.system"])


# Legacy tar (PyTorch < 0.4): sys_info, pickle, storages, tensors.
def torch_tar(obj):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        add("sys_info", pickle.dumps({"protocol_version": 1000}, protocol=2))
        storages = pickle.dumps(1, protocol=2) + pickle.dumps(("0", "cpu", FloatStorage), protocol=2) \
            + struct.pack("<q", 4) + s0.data
        add("storages", storages)
        tensors = pickle.dumps(1, protocol=2) + pickle.dumps(("t0", "0", FloatStorage), protocol=2) \
            + struct.pack("<i", 2) + struct.pack("<4q", 2, 2, 2, 1) + struct.pack("<q", 0)
        add("tensors", tensors)
        add("pickle", pickle.dumps(obj, protocol=2))
    return out.getvalue()


put("benign/legacy.tar", torch_tar({"w": 1}), "safe")
put("malicious/legacy_tar.tar", torch_tar(reducer(os.system, ("id",))), "unsafe", ["posix.system"])

# --- NumPy -------------------------------------------------------------------

def npy(arr, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


put("benign/weights.npy", npy(np.ones((4, 4), dtype=np.float64)), "safe")
put("benign/object_strings.npy", npy(np.array(["a", {"k": 1}, None], dtype=object), True), "safe")
put("malicious/object_array.npy", npy(np.array([reducer(os.system, ("id",))], dtype=object), True), "unsafe", ["posix.system"])
buf = io.BytesIO()
np.savez(buf, a=np.arange(3), b=np.zeros(2))
put("benign/arrays.npz", buf.getvalue(), "safe")
buf = io.BytesIO()
np.savez_compressed(buf, a=np.arange(3), evil=np.array([reducer(eval, ("1",))], dtype=object))
put("malicious/arrays.npz", buf.getvalue(), "unsafe", ["builtins.eval"])

# --- joblib ------------------------------------------------------------------
import joblib  # noqa: E402

os.makedirs(os.path.join(OUT, "benign"), exist_ok=True)
os.makedirs(os.path.join(OUT, "malicious"), exist_ok=True)
model = {"coef": np.arange(10, dtype=np.float64), "ints": np.arange(7, dtype=np.int32), "name": "ridge",
         "obj": np.array(["x", "y"], dtype=object), "bools": np.array([True, False])}
joblib.dump(model, os.path.join(OUT, "benign/model.joblib"))
expect("benign/model.joblib", "safe")
joblib.dump(model, os.path.join(OUT, "benign/model_z.joblib"), compress=3)
expect("benign/model_z.joblib", "safe")
joblib.dump({"coef": np.ones(3), "hook": reducer(os.system, ("id",))}, os.path.join(OUT, "malicious/model.joblib"))
expect("malicious/model.joblib", "unsafe", ["posix.system"])

# --- Keras -------------------------------------------------------------------

def layer(cls, name, **config):
    return {"module": "keras.layers", "class_name": cls, "config": {"name": name, **config}, "registered_name": None}


def keras_zip(layers):
    cfg = {"module": "keras", "class_name": "Sequential", "config": {"name": "seq", "layers": layers},
           "registered_name": None}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
        z.writestr("config.json", json.dumps(cfg))
        z.writestr("model.weights.h5", b"")
    return out.getvalue()


dense = layer("Dense", "d", units=2, activation={"module": "keras.activations", "class_name": "function",
                                                 "config": "relu", "registered_name": "function"})
put("benign/model.keras", keras_zip([dense]), "safe")
lam = layer("Lambda", "lam", function={"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA", "defaults": None, "closure": None}},
            function_type="lambda")
put("malicious/lambda.keras", keras_zip([dense, lam]), "unsafe", [])
osfn = layer("Dense", "d2", units=1, activation={"module": "os", "class_name": "function", "config": "system",
                                                  "registered_name": "function"})
put("malicious/function_os_system.keras", keras_zip([osfn]), "unsafe", ["os.system"])
custom = {"module": "mylib.layers", "class_name": "Fancy", "config": {"name": "f"}, "registered_name": "mylib>Fancy"}
put("suspicious/custom_layer.keras", keras_zip([dense, custom]), "suspicious", ["mylib.layers.Fancy"])

import h5py  # noqa: E402

legacy_cfg = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}}
with h5py.File(os.path.join(OUT, "benign/model.h5"), "w") as f:
    f.attrs["model_config"] = json.dumps(legacy_cfg).encode()
    f.create_dataset("w", data=np.ones(4))
expect("benign/model.h5", "safe")
legacy_cfg["config"]["layers"].append({"class_name": "Lambda", "config": {
    "name": "lam", "function": ["4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMEAAAAfABTACkBTqkAKQHaAXhyAQAAAHIBAAAA", None, None],
    "function_type": "lambda"}})
with h5py.File(os.path.join(OUT, "malicious/lambda.h5"), "w") as f:
    f.attrs["model_config"] = json.dumps(legacy_cfg).encode()
expect("malicious/lambda.h5", "unsafe")
with h5py.File(os.path.join(OUT, "benign/weights_only.h5"), "w") as f:
    f.create_dataset("dense/kernel", data=np.ones((2, 2)))
expect("benign/weights_only.h5", "safe")

# --- ONNX --------------------------------------------------------------------
import onnx  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402


def onnx_model(nodes, initializers=(), extra_opsets=()):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    graph = helper.make_graph(nodes, "g", [x], [y], initializer=list(initializers))
    opsets = [helper.make_opsetid("", 17)] + [helper.make_opsetid(d, 1) for d in extra_opsets]
    return helper.make_model(graph, opset_imports=opsets).SerializeToString()


w = helper.make_tensor("w", TensorProto.FLOAT, [2], [1.0, 2.0])
put("benign/add.onnx", onnx_model([helper.make_node("Add", ["x", "w"], ["y"])], [w]), "safe")
ext = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2], data_location=TensorProto.EXTERNAL)
ext.external_data.add(key="location", value="../../../../etc/passwd")
put("malicious/external_traversal.onnx", onnx_model([helper.make_node("Add", ["x", "w"], ["y"])], [ext]), "unsafe")
ext2 = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2], data_location=TensorProto.EXTERNAL)
ext2.external_data.add(key="location", value="/etc/shadow")
put("malicious/external_absolute.onnx", onnx_model([helper.make_node("Add", ["x", "w"], ["y"])], [ext2]), "unsafe")
ext3 = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2], data_location=TensorProto.EXTERNAL)
ext3.external_data.add(key="location", value="weights.bin")
put("benign/external_ok.onnx", onnx_model([helper.make_node("Add", ["x", "w"], ["y"])], [ext3]), "safe")
put("suspicious/custom_domain.onnx",
    onnx_model([helper.make_node("Evil", ["x"], ["y"], domain="com.example.custom")], extra_opsets=["com.example.custom"]),
    "suspicious")

# --- GGUF --------------------------------------------------------------------
import gguf  # noqa: E402

CVE_TEMPLATE = ("{% for x in ().__class__.__base__.__subclasses__() %}{% if \"warning\" in x.__name__ %}"
                "{{ x()._module.__builtins__['__import__']('os').popen('touch /tmp/pwned') }}{% endif %}{% endfor %}")
GOOD_TEMPLATE = ("{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] }}"
                 "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}")


def gguf_file(name, template):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("tiny")
    w.add_chat_template(template)
    w.add_tensor("tok_embd.weight", np.ones((4, 8), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


gguf_file("benign/tiny.gguf", GOOD_TEMPLATE)
expect("benign/tiny.gguf", "safe")
gguf_file("malicious/chat_template.gguf", CVE_TEMPLATE)
expect("malicious/chat_template.gguf", "unsafe")

# --- safetensors -------------------------------------------------------------
from safetensors.numpy import save  # noqa: E402

put("benign/model.safetensors", save({"a": np.ones((2, 3), dtype=np.float32), "b": np.zeros(4, dtype=np.int64)}), "safe")


def raw_safetensors(header, data):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


put("suspicious/overlap.safetensors", raw_safetensors({
    "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
    "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\x00" * 12), "suspicious")
put("suspicious/out_of_bounds.safetensors", raw_safetensors({
    "a": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}, b"\x00" * 16), "suspicious")
put("error/header_too_long.safetensors", struct.pack("<Q", 10**9) + b"{}", "error")

# --- Hostile or broken -------------------------------------------------------
put("error/truncated.pkl", pickle.dumps(plain, protocol=4)[:40], "error")
put("error/garbage.pkl", b"(\xff\xfe\xfd" * 16, "error")
put("error/bad_zip.pt", b"PK\x03\x04" + b"\x00" * 60, "error")
put("error/bad.gguf", b"GGUF\x03\x00\x00\x00" + struct.pack("<QQ", 1, 2**60), "error")
put("error/underflow.pkl", b"\x80\x02R.", "error")

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(MANIFEST, f, indent=1)
print(f"{len(MANIFEST)} files in {OUT}")
