"""A minimal GGUF version 3 writer (F32 tensors only), enough for the demo model.

Layout (ggml's gguf.cpp): magic "GGUF", u32 version 3, u64 n_tensors, u64 n_kv; each key/value as
(string key, u32 type, value); each tensor info as (string name, u32 n_dims, u64 ne[n_dims], u32 type,
u64 offset from the start of the data section); padding to general.alignment (32); tensor data, each
tensor starting at a multiple of the alignment. Strings are u64 length + UTF-8 bytes, little-endian.
"""
import struct

import numpy as np

ALIGNMENT = 32
T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY = 4, 5, 6, 7, 8, 9
GGML_TYPE_F32 = 0


def _str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _value(vtype, v):
    if vtype == T_UINT32:
        return struct.pack("<I", v)
    if vtype == T_INT32:
        return struct.pack("<i", v)
    if vtype == T_FLOAT32:
        return struct.pack("<f", v)
    if vtype == T_BOOL:
        return struct.pack("<B", 1 if v else 0)
    if vtype == T_STRING:
        return _str(v)
    raise ValueError(vtype)


class GgufWriter:
    def __init__(self):
        self.kv = []       # (key, bytes)
        self.tensors = []  # (name, np.float32 array)

    def add(self, key, vtype, value):
        self.kv.append((key, _str(key) + struct.pack("<I", vtype) + _value(vtype, value)))

    def add_array(self, key, elem_type, values):
        body = struct.pack("<IQ", elem_type, len(values)) + b"".join(_value(elem_type, v) for v in values)
        self.kv.append((key, _str(key) + struct.pack("<I", T_ARRAY) + body))

    def add_tensor(self, name, array):
        """array in C order: its LAST axis is GGUF's ne[0] (the row length)."""
        a = np.ascontiguousarray(array, dtype=np.float32)
        self.tensors.append((name, a))

    def write(self, path):
        out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(self.tensors), len(self.kv)))
        for _, b in self.kv:
            out += b
        offset = 0
        offsets = []
        for name, a in self.tensors:
            ne = list(reversed(a.shape))
            out += _str(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
            out += struct.pack("<IQ", GGML_TYPE_F32, offset)
            offsets.append(offset)
            offset += (a.nbytes + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT
        out += b"\0" * ((-len(out)) % ALIGNMENT)
        data_start = len(out)
        for (name, a), off in zip(self.tensors, offsets):
            out += b"\0" * (data_start + off - len(out))
            out += a.tobytes()
        out += b"\0" * ((-len(out)) % ALIGNMENT)
        with open(path + ".tmp", "wb") as f:
            f.write(out)
        import os
        os.replace(path + ".tmp", path)
