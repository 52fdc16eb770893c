"""Dtypes, promotion, weak scalars, devices, streams, memory."""

import numpy as np
import pytest

import ember.core as mx

ALL = [mx.bool_, mx.uint8, mx.uint16, mx.uint32, mx.uint64, mx.int8, mx.int16,
       mx.int32, mx.int64, mx.float16, mx.float32, mx.float64, mx.bfloat16,
       mx.complex64]


def test_promotion_table_samples():
    assert mx.result_type(mx.uint64, mx.int8) == mx.float32
    assert mx.result_type(mx.float16, mx.bfloat16) == mx.float32
    assert mx.result_type(mx.int64, mx.float16) == mx.float16
    assert mx.result_type(mx.float64, mx.complex64) == mx.complex64
    assert mx.result_type(mx.uint8, mx.int8) == mx.int16
    assert mx.result_type(mx.array([1]), mx.float32) == mx.float32
    assert mx.can_cast(mx.int8, mx.int32) and not mx.can_cast(mx.float32, mx.int32)
    for d in ALL:
        assert mx.result_type(d, d) == d


def test_categories():
    assert mx.issubdtype(mx.float32, mx.floating)
    assert mx.issubdtype(mx.int8, mx.signedinteger)
    assert mx.issubdtype(mx.uint8, mx.integer)
    assert not mx.issubdtype(mx.bool_, mx.number)
    assert mx.issubdtype(mx.bool_, mx.generic)
    assert mx.issubdtype(mx.floating, mx.inexact)
    assert not mx.issubdtype(mx.floating, mx.float32)
    assert mx.issubdtype(mx.float32, mx.float32)
    assert mx.isdtype(mx.int8, "integral") and mx.isdtype(mx.float16, ("bool", "real floating"))
    with pytest.raises(ValueError):
        mx.isdtype(mx.int8, "nope")


def test_finfo_iinfo():
    assert mx.finfo(mx.float32).eps == pytest.approx(np.finfo(np.float32).eps)
    assert mx.finfo(mx.float16).max == 65504.0
    assert mx.finfo(mx.bfloat16).eps == 2.0 ** -7
    assert mx.iinfo(mx.int8).min == -128 and mx.iinfo(mx.uint64).max == 2**64 - 1
    with pytest.raises(ValueError):
        mx.finfo(mx.int32)
    with pytest.raises(ValueError):
        mx.iinfo(mx.float32)


def test_weak_scalars():
    f16 = mx.array([1.0], dtype=mx.float16)
    assert (f16 * 2.0).dtype == mx.float16
    assert (mx.array([1]) * 1.5).dtype == mx.float32
    assert (mx.array([1], dtype=mx.int8) + 1).dtype == mx.int8
    assert (mx.array([True]) + 1).dtype == mx.int32
    assert (mx.array([1], dtype=mx.bfloat16) * 2.0).dtype == mx.bfloat16
    assert (mx.array([1]) + 1j).dtype == mx.complex64
    assert (2 - mx.array([1], dtype=mx.uint16)).dtype == mx.uint16
    assert (f16 + np.array([1.0])).dtype == mx.float16
    assert mx.add(1, 2.5).dtype == mx.float32
    with pytest.raises(ValueError):
        mx.array([1], dtype=mx.uint8) + 256
    with pytest.raises(ValueError):
        mx.array([1], dtype=mx.uint32) - (-1)
    # 8-byte ints wrap instead of raising
    assert (mx.array([1], dtype=mx.int64) + 2**40).item() == 2**40 + 1


def test_eq_with_foreign_objects():
    a = mx.array([1, 2])
    assert (a == None) is False  # noqa: E711
    assert (a != "x") is True
    assert (a == 1).tolist() == [True, False]


def test_devices_streams():
    assert mx.default_device() == mx.cpu or mx.default_device() == mx.gpu
    d = mx.Device(mx.cpu)
    assert repr(d) == "Device(cpu, 0)" and d == mx.cpu
    s = mx.default_stream(mx.cpu)
    assert s.device == mx.cpu
    s2 = mx.new_stream(mx.cpu)
    assert s2 != s
    with mx.stream(s2):
        x = mx.array([1.0]) + 1
    mx.eval(x)
    assert x.item() == 2.0
    y = mx.add(mx.array(1), 2, stream=mx.cpu)
    assert y.item() == 3
    mx.synchronize()
    mx.synchronize(s2)
    assert mx.is_available(mx.cpu) and mx.device_count(mx.cpu) == 1
    assert "device_name" in mx.device_info(mx.cpu)
    with pytest.raises(RuntimeError):
        mx.stream(None)
    assert mx.metal.is_available() is False
    assert isinstance(mx.cuda.is_available(), bool)


def test_eval_trees_and_memory():
    a = mx.array([1.0]) * 2
    b = {"x": [a, (a + 1, 3)], "y": "leaf"}
    mx.eval(b)
    mx.async_eval(a + 5)
    mx.eval()
    assert mx.get_active_memory() >= 0 and mx.get_peak_memory() >= 0
    mx.reset_peak_memory()
    assert mx.get_cache_memory() >= 0
    old = mx.set_cache_limit(1 << 20)
    mx.set_cache_limit(old)
    old = mx.set_memory_limit(1 << 40)
    mx.set_memory_limit(old)
    mx.clear_cache()
    assert isinstance(mx.set_wired_limit(0), int)


def _resolved(s):
    # The stream a handle stands for on this thread.
    with mx.stream(s):
        return mx.default_stream(mx.cpu)


def test_thread_local_streams():
    import threading

    s = mx.new_thread_local_stream(mx.cpu)
    assert s.device == mx.cpu and repr(s) == "ThreadLocalStream(Device(cpu, 0))"
    assert s == s and s != mx.new_thread_local_stream(mx.cpu)
    assert mx.add(mx.array(1), 2, stream=s).item() == 3
    main1, main2 = _resolved(s), _resolved(s)
    assert main1 == main2 and main1 != mx.default_stream(mx.cpu)
    seen = []

    def worker():
        a, b = _resolved(s), _resolved(s)
        seen.append((a, b, mx.add(mx.arange(4), 1, stream=s).tolist()))

    for _ in range(2):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    (a1, b1, r1), (a2, b2, r2) = seen
    assert a1 == b1 and a2 == b2
    assert len({a1.index, a2.index, main1.index}) == 3
    assert r1 == r2 == [1, 2, 3, 4]

    # Several threads at once, each on its own stream of the same handle.
    out = {}

    def compute(i):
        x = mx.full((64, 64), float(i), stream=s)
        out[i] = mx.sum(x @ x, stream=s).item()

    threads = [threading.Thread(target=compute, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == {i: float(64 * 64 * 64 * i * i) for i in range(4)}
    with pytest.raises(TypeError):
        mx.add(1, 2, stream="cpu")


def test_clear_streams():
    import threading

    original = mx.default_stream(mx.cpu)
    s = mx.new_stream(mx.cpu)
    tls = mx.new_thread_local_stream(mx.cpu)
    before = _resolved(tls)
    mx.set_default_stream(s)
    x = mx.add(mx.array(1), 1)  # queued on s
    mx.random.seed(5)
    mx.clear_streams()
    assert mx.default_stream(mx.cpu) == original
    assert x.item() == 2  # work queued before the drop still completes
    assert _resolved(tls) != before  # a fresh stream on next use
    # The implicit key restarts from the process-start key, as a new thread's.
    fresh = []
    t = threading.Thread(target=lambda: fresh.append(mx.random.state[0].tolist()))
    t.start()
    t.join()
    assert mx.random.state[0].tolist() == fresh[0] != mx.random.key(5).tolist()
    mx.clear_streams()  # nothing left to drop
    assert (mx.array([1.0]) + 1).item() == 2.0


def test_python_scalars_reused_as_operands_are_never_overwritten():
    # Python scalars in binary ops become 0-d arrays that are cached per
    # thread and reused; an op may write its result into a donated input
    # buffer, which a cached scalar must never be.
    for dev in [mx.cpu] + ([mx.gpu] if mx.is_available(mx.gpu) else []):
        with mx.stream(dev):
            z = mx.zeros(())
            mx.eval(z)
            for _ in range(3):
                r = z - 1.5  # the scalar is the only input free to donate
                mx.eval(r)
                assert r.item() == -1.5
                assert (z + 1.5).item() == 1.5
                r = mx.add(z, 2) * 3
                assert r.item() == 6
                assert (z + 2).item() == 2
    # Weak typing still follows the array's dtype for each cached value.
    a = mx.array([1, 2], dtype=mx.int8)
    assert (a + 1).dtype == mx.int8
    assert (a + 1.0).dtype == mx.float32
    h = mx.array([1.0], dtype=mx.float16)
    assert (h + 1).dtype == mx.float16
    assert (h + 1.0).dtype == mx.float16
    assert (mx.array([True]) + True).dtype == mx.bool_
    assert (mx.array([True]) + 1).dtype == mx.int32
    # Many distinct values (more than the cache holds) stay correct.
    x = mx.zeros((4,))
    for v in range(300):
        assert (x + v).tolist() == [float(v)] * 4
