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
