"""Serialization (load, save, savez, savez_compressed, save_safetensors):
round trips of every dtype and layout, interop with NumPy-written and
hand-written files, file objects, errors, malformed files, mapped loads."""

import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest

import ember.core as mx

# (ember dtype, numpy dtype of the reference values, value range)
DTYPES = [
    (mx.bool_, np.bool_, (0, 2)),
    (mx.uint8, np.uint8, (0, 250)),
    (mx.uint16, np.uint16, (0, 60000)),
    (mx.uint32, np.uint32, (0, 4_000_000_000)),
    (mx.uint64, np.uint64, (0, 2**62)),
    (mx.int8, np.int8, (-128, 127)),
    (mx.int16, np.int16, (-30000, 30000)),
    (mx.int32, np.int32, (-(2**31), 2**31 - 1)),
    (mx.int64, np.int64, (-(2**62), 2**62)),
    (mx.float16, np.float16, (-1000, 1000)),
    (mx.float32, np.float32, (-(2**20), 2**20)),
    (mx.float64, np.float64, (-(2**40), 2**40)),
    (mx.bfloat16, None, (-256, 256)),  # integers exact in bfloat16
    (mx.complex64, np.complex64, (-(2**20), 2**20)),
]
DTYPE_IDS = [str(d[0]) for d in DTYPES]


def reference(shape, np_dtype, lo_hi, seed):
    """Random reference values (float64/complex128/int) exactly representable
    in the target dtype."""
    rng = np.random.default_rng(seed)
    lo, hi = lo_hi
    v = rng.integers(lo, hi, size=shape, dtype=np.int64)
    if np_dtype is None:  # bfloat16
        return v.astype(np.float64)
    if np_dtype == np.complex64:
        return v.astype(np.float64) + 1j * rng.integers(lo, hi, size=shape)
    if np_dtype in (np.float16, np.float32, np.float64):
        return v.astype(np.float64) + rng.integers(0, 2, size=shape) * 0.5
    return v.astype(np_dtype)


def to_ember(ref, dtype, np_dtype):
    if np_dtype is None:
        return mx.array(ref.astype(np.float32)).astype(mx.bfloat16)
    return mx.array(ref.astype(np_dtype), dtype=dtype)


def layouts(dtype, np_dtype, lo_hi, seed=0):
    """(name, ember array, NumPy reference of its logical values)."""
    out = []
    for name, shape in [
        ("scalar", ()),
        ("empty", (0,)),
        ("empty3d", (2, 0, 3)),
        ("vector", (7,)),
        ("cube", (2, 3, 4)),
    ]:
        ref = reference(shape, np_dtype, lo_hi, seed)
        out.append((name, to_ember(ref, dtype, np_dtype), ref))
        seed += 1
    m = reference((4, 6), np_dtype, lo_hi, seed)
    em = to_ember(m, dtype, np_dtype)
    out.append(("transposed", em.T, m.T))
    out.append(("strided", em[:, 1::2], m[:, 1::2]))
    out.append(("reversed", em[::-1], m[::-1]))
    row = reference((1, 3), np_dtype, lo_hi, seed + 1)
    out.append(("broadcast", mx.broadcast_to(to_ember(row, dtype, np_dtype), (4, 3)),
                np.broadcast_to(row, (4, 3))))
    c = reference((2, 3, 4), np_dtype, lo_hi, seed + 2)
    out.append(("permuted", mx.transpose(to_ember(c, dtype, np_dtype), (1, 0, 2)),
                c.transpose(1, 0, 2)))
    return out


def check(got, ref, dtype):
    assert isinstance(got, mx.array)
    assert got.dtype == dtype
    assert got.shape == ref.shape
    np.testing.assert_array_equal(np.array(got).astype(ref.dtype), ref)


def eval_all(result):
    """Evaluates every loaded array (lazy reads raise here)."""
    if isinstance(result, tuple):
        result = result[0]
    arrays = list(result.values()) if isinstance(result, dict) else [result]
    mx.eval(arrays)
    return result


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("dtype,np_dtype,lo_hi", DTYPES, ids=DTYPE_IDS)
def test_npy_round_trip(tmp_path, dtype, np_dtype, lo_hi):
    for name, a, ref in layouts(dtype, np_dtype, lo_hi):
        path = tmp_path / f"{name}.npy"
        mx.save(path, a)
        check(mx.load(path), ref, dtype)


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("dtype,np_dtype,lo_hi", DTYPES, ids=DTYPE_IDS)
def test_npz_round_trip(tmp_path, dtype, np_dtype, lo_hi, compressed):
    items = layouts(dtype, np_dtype, lo_hi, seed=5)
    path = tmp_path / "a.npz"
    save = mx.savez_compressed if compressed else mx.savez
    save(path, items[0][1], items[1][1], **{n: a for n, a, _ in items[2:]})
    out = mx.load(path)
    expect = {"arr_0": items[0][2], "arr_1": items[1][2]}
    expect.update({n: r for n, _, r in items[2:]})
    assert sorted(out) == sorted(expect)
    for k, ref in expect.items():
        check(out[k], ref, dtype)


@pytest.mark.parametrize("dtype,np_dtype,lo_hi", DTYPES, ids=DTYPE_IDS)
def test_safetensors_round_trip(tmp_path, dtype, np_dtype, lo_hi):
    items = layouts(dtype, np_dtype, lo_hi, seed=9)
    path = tmp_path / "m.safetensors"
    if dtype == mx.float64:  # as in MLX
        with pytest.raises(ValueError, match="float64"):
            mx.save_safetensors(path, {"a": items[0][1]})
        return
    mx.save_safetensors(path, {n: a for n, a, _ in items}, {"dtype": str(dtype)})
    out, meta = mx.load(path, return_metadata=True)
    assert meta == {"dtype": str(dtype)}
    assert list(out) == [n for n, _, _ in items]
    for n, _, ref in items:
        check(out[n], ref, dtype)


def test_metadata_round_trip(tmp_path):
    meta = {
        "config": json.dumps({"layers": [1, 2], "name": "x"}),
        "unicode ключ": "значение ✓ \u00e9\U0001f600",
        "escapes": 'quote " backslash \\ newline \n tab \t nul \x00 ctrl \x1f',
        "empty": "",
    }
    path = tmp_path / "meta.safetensors"
    mx.save_safetensors(str(path), {"w": mx.ones((2,))}, meta)
    _, got = mx.load(path, return_metadata=True)
    assert got == meta
    # The header is standard JSON that Python's json module reads.
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0
    header = json.loads(raw[8 : 8 + n])
    assert header["__metadata__"] == meta
    # No metadata: return_metadata gives an empty dict.
    mx.save_safetensors(path, {"w": mx.ones((2,))})
    assert mx.load(path, return_metadata=True)[1] == {}
    assert "__metadata__" not in json.loads(path.read_bytes()[8:].split(b"\0")[0].strip())


# -------------------------------------------------------------- NumPy interop

NUMPY_ARRAYS = {
    "f4": np.arange(12, dtype=np.float32).reshape(3, 4) / 4,
    "f8": np.linspace(-1, 1, 7),
    "f2": np.array([0.5, -2, 65504], np.float16),
    "i1": np.array([-128, 0, 127], np.int8),
    "i2": np.array([[-3, 4]], np.int16),
    "i4": np.arange(-5, 5, dtype=np.int32),
    "i8": np.array([-(2**62), 2**62], np.int64),
    "u1": np.array([0, 255], np.uint8),
    "u2": np.array([65535], np.uint16),
    "u4": np.array([2**32 - 1], np.uint32),
    "u8": np.array([2**64 - 1], np.uint64),
    "b": np.array([True, False, True]),
    "c8": np.array([1 + 2j, -3.5j], np.complex64),
    "scalar": np.array(3.25, np.float32),
    "empty": np.zeros((0, 5), np.int16),
    "big_endian_f4": np.arange(6, dtype=">f4").reshape(2, 3),
    "big_endian_i8": np.array([-1, 2**40], dtype=">i8"),
    "big_endian_u2": np.array([1, 513], dtype=">u2"),
    "big_endian_c8": np.array([1 - 1j, 2.5 + 3j], dtype=">c8"),
    "big_endian_f2": np.array([1.5, -0.25], dtype=">f2"),
    "fortran": np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4)),
    "fortran_be": np.asfortranarray(np.arange(6, dtype=">i4").reshape(2, 3)),
    "noncontig": np.arange(20, dtype=np.float64)[::3],
}


def assert_matches_numpy(got, ref):
    assert got.shape == ref.shape
    assert np.dtype(str(got.dtype).split(".")[-1]) == ref.dtype.newbyteorder("=")
    np.testing.assert_array_equal(np.array(got), ref)


@pytest.mark.parametrize("name", list(NUMPY_ARRAYS))
def test_load_numpy_npy(tmp_path, name):
    ref = NUMPY_ARRAYS[name]
    np.save(tmp_path / "a.npy", ref)
    assert_matches_numpy(mx.load(str(tmp_path / "a.npy")), ref)


@pytest.mark.parametrize("compressed", [False, True])
def test_load_numpy_npz(tmp_path, compressed):
    save = np.savez_compressed if compressed else np.savez
    save(tmp_path / "a.npz", np.arange(3), **NUMPY_ARRAYS)
    out = mx.load(tmp_path / "a.npz")
    assert sorted(out) == sorted(["arr_0", *NUMPY_ARRAYS])
    assert_matches_numpy(out["arr_0"], np.arange(3))
    for name, ref in NUMPY_ARRAYS.items():
        assert_matches_numpy(out[name], ref)


def test_numpy_loads_ember_files(tmp_path):
    arrays = {
        "f32": mx.array(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "t": mx.array(np.arange(6, dtype=np.int16).reshape(2, 3)).T,
        "s": mx.array(np.arange(10, dtype=np.uint8))[::2],
        "c": mx.array(np.array([1 + 1j], np.complex64)),
        "b": mx.array([True, False]),
        "z": mx.zeros((0, 2)),
        "scalar": mx.array(7, dtype=mx.int64),
        "f64": mx.array(np.array([1e-300, 2.0])),
    }
    for name, a in arrays.items():
        mx.save(tmp_path / name, a)
        got = np.load(tmp_path / f"{name}.npy")
        np.testing.assert_array_equal(got, np.array(a))
        assert got.dtype == np.array(a).dtype
    # A transposed (column-contiguous) array is written in Fortran order.
    assert np.load(tmp_path / "t.npy").flags.f_contiguous
    for save in (mx.savez, mx.savez_compressed):
        save(tmp_path / "all.npz", **arrays)
        with np.load(tmp_path / "all.npz") as z:
            assert sorted(z.files) == sorted(arrays)
            for name, a in arrays.items():
                np.testing.assert_array_equal(z[name], np.array(a))
        with zipfile.ZipFile(tmp_path / "all.npz") as zf:
            assert zf.testzip() is None
            kinds = {i.compress_type for i in zf.infolist()}
            assert kinds == {zipfile.ZIP_DEFLATED if save is mx.savez_compressed
                             else zipfile.ZIP_STORED}


def test_bfloat16_npy_is_v2(tmp_path):
    vals = np.array([1.0, -2.5, 3.0, 256.0], np.float32)
    mx.save(tmp_path / "bf", mx.array(vals).astype(mx.bfloat16))
    got = np.load(tmp_path / "bf.npy")
    assert got.dtype == np.dtype("V2")
    # bfloat16 bits are the top 16 bits of float32 for these exact values.
    expect = (vals.view(np.uint32) >> 16).astype("<u2")
    np.testing.assert_array_equal(got.view("<u2"), expect)
    back = mx.load(tmp_path / "bf.npy")
    assert back.dtype == mx.bfloat16
    np.testing.assert_array_equal(np.array(back), vals)


# ------------------------------------------------- hand-written safetensors


def safetensors_bytes(tensors, metadata=None, pad=True):
    """tensors: name -> (dtype string, shape, raw bytes)."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dt, shape, raw) in tensors.items():
        header[name] = {"dtype": dt, "shape": list(shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def test_load_hand_written_safetensors(tmp_path):
    f32 = np.array([[1.5, -2], [3, 4.25]], "<f4")
    f64 = np.array([np.pi, -1e300], "<f8")
    i64 = np.array([-(2**63), 2**63 - 1], "<i8")
    c64 = np.array([1 - 2j], "<c8")
    tensors = {
        "u8": ("U8", (3,), bytes([0, 128, 255])),
        "f32": ("F32", f32.shape, f32.tobytes()),  # unaligned: after 3 bytes
        "f64": ("F64", f64.shape, f64.tobytes()),
        "i64": ("I64", i64.shape, i64.tobytes()),
        "bool": ("BOOL", (2, 2), bytes([1, 0, 0, 1])),
        "bf16": ("BF16", (2,), np.array([0x3F80, 0xC020], "<u2").tobytes()),
        "f16": ("F16", (), np.array([0.5], "<f2").tobytes()),
        "i8": ("I8", (1,), bytes([0x80])),
        "i16": ("I16", (1,), np.array([-2], "<i2").tobytes()),
        "u16": ("U16", (1,), np.array([65535], "<u2").tobytes()),
        "i32": ("I32", (1,), np.array([-7], "<i4").tobytes()),
        "u32": ("U32", (1,), np.array([2**32 - 1], "<u4").tobytes()),
        "u64": ("U64", (1,), np.array([2**64 - 1], "<u8").tobytes()),
        "c64": ("C64", (1,), c64.tobytes()),
        "fp8": ("F8_E4M3", (2,), bytes([0x38, 0xC0])),
        "e8m0": ("F8_E8M0", (1,), bytes([127])),
        "empty": ("F32", (0, 4), b""),
    }
    path = tmp_path / "hand.safetensors"
    path.write_bytes(safetensors_bytes(tensors, {"format": "pt", "n": "1"}))
    out, meta = mx.load(path, return_metadata=True)
    assert meta == {"format": "pt", "n": "1"}
    assert list(out) == list(tensors)
    np.testing.assert_array_equal(np.array(out["u8"]), [0, 128, 255])
    np.testing.assert_array_equal(np.array(out["f32"]), f32)
    assert out["f64"].dtype == mx.float64
    np.testing.assert_array_equal(np.array(out["f64"]), f64)
    np.testing.assert_array_equal(np.array(out["i64"]), i64)
    np.testing.assert_array_equal(np.array(out["bool"]), [[True, False], [False, True]])
    assert out["bf16"].dtype == mx.bfloat16
    np.testing.assert_array_equal(np.array(out["bf16"]), [1.0, -2.5])
    assert out["f16"].shape == () and out["f16"].item() == 0.5
    assert out["i8"].item() == -128 and out["i16"].item() == -2
    assert out["u16"].item() == 65535 and out["i32"].item() == -7
    assert out["u32"].item() == 2**32 - 1 and out["u64"].item() == 2**64 - 1
    assert out["c64"].item() == 1 - 2j
    assert out["fp8"].dtype == mx.uint8 and out["fp8"].tolist() == [0x38, 0xC0]
    assert out["e8m0"].dtype == mx.uint8
    assert out["empty"].shape == (0, 4)
    # Unpadded header, no metadata.
    path.write_bytes(safetensors_bytes({"x": ("I32", (1,), b"\x05\0\0\0")}, pad=False))
    assert mx.load(path)["x"].tolist() == [5]


def test_ember_safetensors_layout(tmp_path):
    """Reads ember's output with json/struct only: dtype names, shapes,
    contiguous offsets, data bytes in row-major order."""
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    b = np.array([1, -2, 3], np.int8)
    c = np.arange(4, dtype=np.int64)
    path = tmp_path / "lay.safetensors"
    mx.save_safetensors(path, {"a": mx.array(a).T, "b": mx.array(b), "c": mx.array(c)})
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    assert header["a"]["dtype"] == "F32" and header["a"]["shape"] == [4, 3]
    assert header["b"]["dtype"] == "I8" and header["c"]["dtype"] == "I64"
    spans = sorted(tuple(v["data_offsets"]) for v in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(data)
    assert all(x[1] == y[0] for x, y in zip(spans, spans[1:]))  # no holes
    for name, ref in [("a", a.T), ("b", b), ("c", c)]:
        lo, hi = header[name]["data_offsets"]
        assert data[lo:hi] == np.ascontiguousarray(ref).astype(ref.dtype.newbyteorder("<")).tobytes()
        assert lo % ref.dtype.itemsize == 0  # aligned, so loads are mapped


def test_safetensors_package_interop(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    ref = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "i": np.array([1, 2], np.int64)}
    st.save_file(ref, str(tmp_path / "a.safetensors"), metadata={"k": "v"})
    out, meta = mx.load(tmp_path / "a.safetensors", return_metadata=True)
    assert meta == {"k": "v"}
    for k, v in ref.items():
        np.testing.assert_array_equal(np.array(out[k]), v)
    mx.save_safetensors(tmp_path / "b.safetensors", {k: mx.array(v) for k, v in ref.items()})
    back = st.load_file(str(tmp_path / "b.safetensors"))
    for k, v in ref.items():
        np.testing.assert_array_equal(back[k], v)


# ---------------------------------------------------------- zip variants


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_load_zip64_and_data_descriptors(tmp_path, compression):
    a = np.arange(10, dtype=np.float32)
    b = np.array([[1, 2], [3, 4]], np.int64)

    def npy_bytes(x):
        buf = io.BytesIO()
        np.save(buf, x)
        return buf.getvalue()

    # zip64 extra fields in every header.
    path = tmp_path / "z64.npz"
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, x in [("a.npy", a), ("b.npy", b)]:
            with zf.open(name, "w", force_zip64=True) as f:
                f.write(npy_bytes(x))
    out = mx.load(path)
    np.testing.assert_array_equal(np.array(out["a"]), a)
    np.testing.assert_array_equal(np.array(out["b"]), b)

    # Written to an unseekable stream: sizes and CRC in data descriptors.
    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.buf = bytearray()

        def writable(self):
            return True

        def write(self, data):
            self.buf += data
            return len(data)

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", compression=compression) as zf:
        zf.writestr("a.npy", npy_bytes(a))
        zf.writestr("dir/", b"")
        zf.writestr("notes.txt", b"not an array")
    out = mx.load(io.BytesIO(bytes(sink.buf)), format="npz")
    assert list(out) == ["a"]  # only .npy members are arrays
    np.testing.assert_array_equal(np.array(out["a"]), a)


def test_stored_npz_members_map(tmp_path):
    """ember's stored members start aligned, so loading maps them."""
    a = mx.array(np.arange(1 << 16, dtype=np.float32))
    mx.savez(tmp_path / "m.npz", a=a, bb=a[:5], ccc=a.astype(mx.int8))
    with zipfile.ZipFile(tmp_path / "m.npz") as zf:
        for info in zf.infolist():
            with open(tmp_path / "m.npz", "rb") as f:
                f.seek(info.header_offset + 26)
                nlen, xlen = struct.unpack("<HH", f.read(4))
            start = info.header_offset + 30 + nlen + xlen
            with zf.open(info) as m:
                major = m.read(8)[6]
                hlen = struct.unpack("<H" if major == 1 else "<I", m.read(2 if major == 1 else 4))[0]
            assert (start + (10 if major == 1 else 12) + hlen) % 64 == 0


# ---------------------------------------------------- paths and file objects


def test_paths_and_extensions(tmp_path):
    a = mx.arange(4)
    mx.save(str(tmp_path / "p"), a)
    mx.savez(tmp_path / "q", a)
    mx.savez_compressed(tmp_path / "r.npz", x=a)
    mx.save_safetensors(tmp_path / "s", {"x": a})
    mx.save(tmp_path / "t.npy", a)
    names = sorted(os.listdir(tmp_path))
    assert names == ["p.npy", "q.npz", "r.npz", "s.safetensors", "t.npy"]
    assert mx.load(str(tmp_path / "p.npy")).tolist() == [0, 1, 2, 3]
    assert mx.load(os.fsencode(tmp_path / "q.npz"))["arr_0"].tolist() == [0, 1, 2, 3]
    # An explicit format overrides the extension.
    os.rename(tmp_path / "s.safetensors", tmp_path / "s.bin")
    assert mx.load(tmp_path / "s.bin", format="safetensors")["x"].tolist() == [0, 1, 2, 3]


def test_file_objects(tmp_path):
    a = mx.array(np.arange(6, dtype=np.float32).reshape(2, 3))
    buf = io.BytesIO()
    mx.save(buf, a)
    buf.seek(0)
    np.testing.assert_array_equal(np.load(buf), np.array(a))
    buf.seek(0)
    np.testing.assert_array_equal(np.array(mx.load(buf, format="npy")), np.array(a))
    for save in (mx.savez, mx.savez_compressed):
        buf = io.BytesIO()
        save(buf, a, b=a.T)
        buf.seek(0)
        out = mx.load(buf, format="npz")
        np.testing.assert_array_equal(np.array(out["b"]), np.array(a).T)
    buf = io.BytesIO()
    mx.save_safetensors(buf, {"w": a}, {"k": "v"})
    buf.seek(0)
    out, meta = mx.load(buf, format="safetensors", return_metadata=True)
    assert meta == {"k": "v"}
    # Real files: the format comes from file.name.
    with open(tmp_path / "f.safetensors", "wb") as f:
        mx.save_safetensors(f, {"w": a})
    with open(tmp_path / "f.safetensors", "rb") as f:
        np.testing.assert_array_equal(np.array(mx.load(f)["w"]), np.array(a))
        assert f.tell() == os.path.getsize(tmp_path / "f.safetensors")
    # Not at the start: read from the current position, as NumPy does.
    with open(tmp_path / "g.bin", "wb") as f:
        f.write(b"junk")
        mx.save(f, a)
    with open(tmp_path / "g.bin", "rb") as f:
        f.read(4)
        np.testing.assert_array_equal(np.array(mx.load(f, format="npy")), np.array(a))
    with pytest.raises(ValueError, match="format"):
        mx.load(io.BytesIO(b"x"))
    with open(tmp_path / "f.safetensors", "r", encoding="latin-1") as f:
        with pytest.raises(TypeError, match="binary"):
            mx.load(f)

    class TextReader:
        name = "x.npy"

        def read(self):
            return "text"

    with pytest.raises(TypeError, match="binary"):
        mx.load(TextReader())
    with pytest.raises(TypeError):
        mx.load(123)
    with pytest.raises(TypeError):
        mx.save(123, a)


def test_writer_errors_propagate():
    class Broken(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        mx.savez(Broken(), mx.zeros((10,)))


def test_overwrite_loaded_file(tmp_path):
    path = tmp_path / "w.safetensors"
    mx.save_safetensors(path, {"w": mx.arange(1000, dtype=mx.float32)})
    w = mx.load(path)["w"]
    mx.save_safetensors(path, {"w": mx.zeros((3,))})
    assert w.tolist() == list(range(1000))
    assert mx.load(path)["w"].tolist() == [0, 0, 0]
    assert sorted(os.listdir(tmp_path)) == ["w.safetensors"]  # no temp file left


# ----------------------------------------------------------------- errors


def test_argument_errors(tmp_path):
    a = mx.ones((2,))
    mx.save(tmp_path / "a.npy", a)
    mx.savez(tmp_path / "a.npz", a)
    with pytest.raises(ValueError, match="metadata"):
        mx.load(tmp_path / "a.npy", return_metadata=True)
    with pytest.raises(ValueError, match="metadata"):
        mx.load(tmp_path / "a.npz", return_metadata=True)
    with pytest.raises(ValueError, match="format"):
        mx.load(tmp_path / "a.npy", format="pickle")
    with pytest.raises(ValueError, match="GGUF"):
        mx.load(tmp_path / "a.gguf")
    with pytest.raises(ValueError, match="format"):
        mx.load(tmp_path / "noext")
    with pytest.raises(ValueError, match="open"):
        mx.load(tmp_path / "missing.npy")
    with pytest.raises(ValueError, match="arr_0"):
        mx.savez(tmp_path / "b.npz", a, arr_0=a)
    with pytest.raises(ValueError, match="arr_1"):
        mx.savez_compressed(tmp_path / "b.npz", a, a, arr_1=a)
    with pytest.raises(ValueError):
        mx.save_safetensors(tmp_path / "c", {"w": a}, {"k": 1})
    with pytest.raises(ValueError):
        mx.save_safetensors(tmp_path / "c", {"w": a}, {1: "v"})
    with pytest.raises(ValueError):
        mx.save_safetensors(tmp_path / "c", {"w": a}, ["k"])
    with pytest.raises(ValueError):
        mx.save_safetensors(tmp_path / "c", {1: a})
    with pytest.raises(ValueError, match="reserved"):
        mx.save_safetensors(tmp_path / "c", {"__metadata__": a})
    with pytest.raises(TypeError):
        mx.save_safetensors(tmp_path / "c", [a])
    with pytest.raises(ValueError, match="float64"):
        mx.save_safetensors(tmp_path / "c", {"w": a.astype(mx.float64)})
    assert not (tmp_path / "c.safetensors").exists()  # failed saves leave nothing


# ---------------------------------------------------------- malformed files


def valid_files():
    arrays = {"w": mx.array(np.arange(12, dtype=np.float32).reshape(3, 4)),
              "b": mx.array(np.array([1, -2], np.int64)),
              "m": mx.array([True, False])}
    out = {}
    buf = io.BytesIO()
    mx.save(buf, arrays["w"])
    out["npy"] = ("npy", buf.getvalue())
    for name, save in [("npz", mx.savez), ("npz_deflated", mx.savez_compressed)]:
        buf = io.BytesIO()
        save(buf, **arrays)
        out[name] = ("npz", buf.getvalue())
    buf = io.BytesIO()
    np.savez_compressed(buf, x=np.arange(5.0), y=np.ones((2, 2), bool))
    out["numpy_npz"] = ("npz", buf.getvalue())
    buf = io.BytesIO()
    mx.save_safetensors(buf, arrays, {"k": "v"})
    out["safetensors"] = ("safetensors", buf.getvalue())
    return out


@pytest.mark.parametrize("name", list(valid_files()))
def test_truncated_files_raise(name):
    fmt, data = valid_files()[name]
    eval_all(mx.load(io.BytesIO(data), format=fmt))
    for cut in sorted(set(range(0, len(data), max(1, len(data) // 97))) | {len(data) - 1}):
        with pytest.raises(ValueError):
            eval_all(mx.load(io.BytesIO(data[:cut]), format=fmt))


@pytest.mark.parametrize("name", list(valid_files()))
def test_flipped_bytes_never_crash(name):
    fmt, data = valid_files()[name]
    good = eval_all(mx.load(io.BytesIO(data), format=fmt))
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 0xFF
        try:
            out = eval_all(mx.load(io.BytesIO(bytes(bad)), format=fmt))
        except ValueError as e:
            assert str(e).startswith("[load"), str(e)
            continue
        if fmt == "npz":  # CRC-checked: whatever loads is intact
            assert list(out) == list(good)
            for k in out:
                np.testing.assert_array_equal(np.array(out[k]), np.array(good[k]))


def npy_with_header(header, data=b"\0" * 24, version=1):
    h = header.encode()
    pre = 10 if version == 1 else 12
    h += b" " * (-(pre + len(h) + 1) % 64) + b"\n"
    ln = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([version, 0]) + ln + h + data


NPY_CORRUPTIONS = {
    "bad magic": b"\x93NUMPX\x01\x00" + b"\0" * 100,
    "bad version": b"\x93NUMPY\x07\x00" + b"\0" * 100,
    "header beyond file": b"\x93NUMPY\x01\x00\xff\xff{}",
    "v2 header beyond file": b"\x93NUMPY\x02\x00\xff\xff\xff\x00{}",
    "unknown dtype": npy_with_header("{'descr': '<U2', 'fortran_order': False, 'shape': (3,), }"),
    "object dtype": npy_with_header("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }"),
    "complex128": npy_with_header("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }"),
    "structured": npy_with_header("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }"),
    "negative dim": npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 6), }"),
    "huge dim": npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648,), }"),
    "overflowing dims": npy_with_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }"),
    "data too short": npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }"),
    "missing key": npy_with_header("{'descr': '<f4', 'shape': (6,), }"),
    "bad literal": npy_with_header("{'descr': '<f4', 'fortran_order': maybe, 'shape': (6,), }"),
    "not a dict": npy_with_header("'descr'"),
}


@pytest.mark.parametrize("what", list(NPY_CORRUPTIONS))
def test_malformed_npy(what):
    with pytest.raises(ValueError, match=r"^\[load\]"):
        eval_all(mx.load(io.BytesIO(NPY_CORRUPTIONS[what]), format="npy"))


def st(header_obj_or_text, data=b"\0" * 16):
    h = header_obj_or_text if isinstance(header_obj_or_text, bytes) else json.dumps(header_obj_or_text).encode()
    return struct.pack("<Q", len(h)) + h + data


def tensor(dtype="F32", shape=(2, 2), offsets=(0, 16)):
    return {"t": {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}}


ST_CORRUPTIONS = {
    "empty": b"",
    "short length": b"\x01\x02",
    "length beyond file": struct.pack("<Q", 1 << 40) + b"{}",
    "length wrong": struct.pack("<Q", 100) + b"{}" + b"\0" * 20,
    "not json": st(b"{this is not json}"),
    "truncated json": st(b'{"t": {"dtype": "F32"'),
    "json list": st(b"[1, 2, 3]"),
    "duplicate keys": st(b'{"a": {}, "a": {}}'),
    "nested too deep": st(b"[" * 5000 + b"]" * 5000),
    "invalid utf8": st(b'{"\xc3\x28": 1}'),
    "unknown dtype": st(tensor(dtype="F128")),
    "dtype int": st({"t": {"dtype": 3, "shape": [2, 2], "data_offsets": [0, 16]}}),
    "missing shape": st({"t": {"dtype": "F32", "data_offsets": [0, 16]}}),
    "negative dim": st(tensor(shape=(-2, -2))),
    "float dim": st({"t": {"dtype": "F32", "shape": [2.5, 2], "data_offsets": [0, 16]}}),
    "dim too big": st(tensor(shape=(2**31, 1))),
    "overflowing dims": st(tensor(dtype="F64", shape=(2**31 - 1,) * 3)),
    "size mismatch": st(tensor(shape=(3, 2))),
    "offsets reversed": st(tensor(shape=(0,), offsets=(16, 0))),
    "offsets beyond data": st(tensor(offsets=(8, 24))),
    "offsets huge": st(tensor(offsets=(2**64 - 16, 2**64))),
    "offsets negative": st(tensor(offsets=(-16, 0))),
    "offsets one": st({"t": {"dtype": "F32", "shape": [2, 2], "data_offsets": [16]}}),
    "tensor not object": st({"t": "F32"}),
    "metadata not strings": st({"__metadata__": {"a": 1}}),
    "metadata not object": st({"__metadata__": "a"}),
}


@pytest.mark.parametrize("what", list(ST_CORRUPTIONS))
def test_malformed_safetensors(what):
    with pytest.raises(ValueError, match=r"^\[load_safetensors\]"):
        eval_all(mx.load(io.BytesIO(ST_CORRUPTIONS[what]), format="safetensors"))


def zip_corruptions():
    arrays = {"w": mx.arange(12, dtype=mx.float32), "b": mx.array([1, 2])}
    out = {}
    for kind, save in [("stored", mx.savez), ("deflated", mx.savez_compressed)]:
        buf = io.BytesIO()
        save(buf, **arrays)
        z = buf.getvalue()
        cd = z.find(b"PK\x01\x02")
        end = z.rfind(b"PK\x05\x06")

        def patch(at, fmt, value):
            b = bytearray(z)
            struct.pack_into(fmt, b, at, value)
            return bytes(b)

        out[f"{kind} bad crc"] = patch(cd + 16, "<I", 0x12345678)
        out[f"{kind} bad size"] = patch(cd + 24, "<I", 7)
        out[f"{kind} bad compressed size"] = patch(cd + 20, "<I", 0xFFFFFF)
        out[f"{kind} bad local offset"] = patch(cd + 42, "<I", 0xFFFFFF)
        out[f"{kind} bad method"] = patch(cd + 10, "<H", 14)
        out[f"{kind} bad cd offset"] = patch(end + 16, "<I", len(z) + 5)
        out[f"{kind} bad cd size"] = patch(end + 12, "<I", len(z))
        out[f"{kind} bad entry count"] = patch(end + 10, "<H", 1)
        out[f"{kind} no end record"] = z[:end]
        out[f"{kind} corrupted data"] = z[:60] + bytes(b ^ 0x5A for b in z[60:100]) + z[100:]
    out["not a zip"] = b"PK but not really a zip archive at all" * 3
    out["empty"] = b""
    return out


@pytest.mark.parametrize("what", list(zip_corruptions()))
def test_malformed_npz(what):
    with pytest.raises(ValueError, match=r"^\[load\]"):
        eval_all(mx.load(io.BytesIO(zip_corruptions()[what]), format="npz"))


# ------------------------------------------------------------- mapped loads


@pytest.mark.parametrize("fmt", ["npy", "npz", "safetensors"])
def test_mapped_load_does_not_use_active_memory(tmp_path, fmt):
    n = 16 << 20  # 64 MiB of float32
    ref = np.arange(n, dtype=np.float32) % 1000
    path = tmp_path / f"big.{fmt}"
    if fmt == "npy":
        np.save(path, ref)  # NumPy's header is 64-aligned too
    elif fmt == "npz":
        mx.savez(path, big=mx.array(ref))
    else:
        mx.save_safetensors(path, {"big": mx.array(ref)})
    mx.clear_cache()
    before = mx.get_active_memory()
    # Reads on the CPU: a GPU op would copy the array to the device, and
    # device bytes count as active memory.
    with mx.stream(mx.cpu):
        out = mx.load(path)
        big = out if fmt == "npy" else out["big"]
        assert big.shape == (n,)
        for i in (0, 1, 12345, n // 2, n - 1):
            assert big[i].item() == ref[i]
    assert mx.get_active_memory() - before < (1 << 20)
    del out, big
