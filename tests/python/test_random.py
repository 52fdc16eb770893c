"""ember.core.random: keys, determinism, sampler shapes and ranges."""

import numpy as np
import pytest

import ember.core as mx


def test_keys_and_determinism():
    k = mx.random.key(3)
    assert k.dtype == mx.uint32 and k.tolist() == [0, 3]
    assert mx.random.split(k, 3).shape == (3, 2)
    a = mx.random.uniform(shape=(5,), key=k)
    b = mx.random.uniform(shape=(5,), key=k)
    assert a.tolist() == b.tolist()
    mx.random.seed(1)
    c = mx.random.normal((4,))
    mx.random.seed(1)
    assert mx.random.normal((4,)).tolist() == c.tolist()


def test_sampler_ranges():
    k = mx.random.key(0)
    u = np.array(mx.random.uniform(-2, 3, (1000,), key=k))
    assert u.min() >= -2 and u.max() < 3
    r = np.array(mx.random.randint(0, 5, (1000,), key=k))
    assert r.min() >= 0 and r.max() <= 4
    n = np.array(mx.random.normal((20000,), key=k))
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05
    assert mx.random.bernoulli(0.5, (3,)).dtype == mx.bool_
    t = np.array(mx.random.truncated_normal(-0.5, 0.5, (100,), key=k))
    assert t.min() > -0.5 - 1e-6 and t.max() < 0.5 + 1e-6
    assert mx.random.categorical(mx.zeros((2, 3)), num_samples=4).shape == (2, 4)
    assert sorted(mx.random.permutation(5, key=k).tolist()) == [0, 1, 2, 3, 4]
    assert mx.random.gumbel((2, 2)).shape == (2, 2)
    assert mx.random.laplace((3,)).shape == (3,)
    with pytest.raises(ValueError):
        mx.random.bernoulli(1, (2,))
    with pytest.raises(ValueError):
        mx.random.categorical(mx.zeros(3), shape=(2,), num_samples=2)


def test_random_state_sentinel():
    import threading

    st = mx.random.state
    assert st is mx.random.state and len(st) == 1
    mx.random.seed(7)
    k0 = st[0]
    assert k0.dtype == mx.uint32 and k0.tolist() == mx.random.key(7).tolist()
    assert st[-1].tolist() == k0.tolist()
    a = mx.random.uniform(shape=(3,))
    # Each implicit draw does (state, sub) = split(state) and samples with sub.
    keys = mx.random.split(mx.random.key(7))
    assert st[0].tolist() == keys[0].tolist()
    assert a.tolist() == mx.random.uniform(shape=(3,), key=keys[1]).tolist()
    # Writing the key back replays the same draw.
    st[0] = k0
    assert mx.random.uniform(shape=(3,)).tolist() == a.tolist()
    assert [k.tolist() for k in st] == [st[0].tolist()]
    assert repr(st).startswith("[array(")
    # eval sees it as a 1-element list (MLX: mx.eval(mx.random.state)).
    mx.eval(st)
    mx.eval([st, {"a": mx.array(1)}])
    with pytest.raises(IndexError):
        st[1]
    with pytest.raises(ValueError):
        st[0] = mx.array([1.0, 2.0])
    with pytest.raises(ValueError):
        st[0] = mx.array([1, 2, 3], dtype=mx.uint32)
    # One key per thread.
    mx.random.seed(1)
    other = []

    def worker():
        mx.random.seed(2)
        other.append(mx.random.state[0].tolist())

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert other[0] == mx.random.key(2).tolist()
    assert mx.random.state[0].tolist() == mx.random.key(1).tolist()
