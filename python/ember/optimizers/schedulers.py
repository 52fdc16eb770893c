"""Learning-rate schedules (``mlx.optimizers`` schedulers API).

Each function returns ``schedule(step) -> value``. Optimizers call schedules
with the step counter, a 0-d ``uint64`` array, so every schedule works on
arrays as well as on Python numbers.
"""

import math

import ember.core as mx


def _check_positive_int(name, value, fn):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"[{fn}] {name} must be an integer >= 1; got {name}={value!r}.")


def exponential_decay(init, decay_rate):
    """Exponential decay: ``init * decay_rate ** step``.

    Args:
        init (float): Initial value.
        decay_rate (float): Multiplicative factor applied each step.

    Returns:
        Callable: ``schedule(step)``.

    Example:
        >>> import ember.optimizers as optim
        >>> lr = optim.exponential_decay(1e-1, 0.9)
        >>> round(float(lr(2)), 6)
        0.081
    """

    def schedule(step):
        return init * decay_rate**step

    return schedule


def step_decay(init, decay_rate, step_size):
    """Step decay: ``init * decay_rate ** (step // step_size)``.

    Args:
        init (float): Initial value.
        decay_rate (float): Factor applied every ``step_size`` steps.
        step_size (int): Steps between decays (``>= 1``).

    Returns:
        Callable: ``schedule(step)``.

    Example:
        >>> import ember.optimizers as optim
        >>> lr = optim.step_decay(1e-1, 0.9, 10)
        >>> round(float(lr(21)), 6)
        0.081
    """
    _check_positive_int("step_size", step_size, "step_decay")

    def schedule(step):
        return init * decay_rate ** (step // step_size)

    return schedule


def cosine_decay(init, decay_steps, end=0.0):
    """Cosine decay from ``init`` to ``end`` over ``decay_steps`` steps.

    ``end + 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) * (init - end)``.

    Args:
        init (float): Initial value.
        decay_steps (int): Steps to reach ``end`` (``>= 1``).
        end (float): Final value. Default: ``0.0``.

    Returns:
        Callable: ``schedule(step)`` returning an array.

    Example:
        >>> import ember.optimizers as optim
        >>> lr = optim.cosine_decay(1e-1, 100)
        >>> round(float(lr(50)), 6)
        0.05
    """
    _check_positive_int("decay_steps", decay_steps, "cosine_decay")

    def schedule(step):
        s = mx.minimum(step, decay_steps)
        decay = 0.5 * (1.0 + mx.cos((math.pi / decay_steps) * s))
        return end + decay * (init - end)

    return schedule


def linear_schedule(init, end, steps):
    """Linear interpolation from ``init`` to ``end`` over ``steps``, then ``end``.

    Args:
        init (float): Initial value.
        end (float): Final value.
        steps (int): Steps of the ramp (``>= 1``).

    Returns:
        Callable: ``schedule(step)`` returning an array.

    Example:
        >>> import ember.optimizers as optim
        >>> warmup = optim.linear_schedule(0.0, 1e-1, 100)
        >>> round(float(warmup(10)), 6)
        0.01
    """
    _check_positive_int("steps", steps, "linear_schedule")

    def schedule(step):
        s = mx.minimum(step, steps)
        return s * ((end - init) / steps) + init

    return schedule


def join_schedules(schedules, boundaries):
    """Chains schedules: after ``boundaries[i]`` steps, ``schedules[i + 1]`` runs.

    Each later schedule is evaluated at ``step - boundary``.

    Args:
        schedules (list[Callable]): ``len(boundaries) + 1`` schedules.
        boundaries (list[int]): Steps at which to switch.

    Returns:
        Callable: ``schedule(step)`` returning an array.

    Example:
        >>> import ember.optimizers as optim
        >>> warmup = optim.linear_schedule(0.0, 1e-1, 10)
        >>> cosine = optim.cosine_decay(1e-1, 200)
        >>> lr = optim.join_schedules([warmup, cosine], [10])
        >>> round(float(lr(5)), 6), round(float(lr(10)), 6)
        (0.05, 0.1)
    """
    if len(schedules) == 0:
        raise ValueError("[join_schedules] Must provide at least 1 schedule; got 0.")
    if len(schedules) != len(boundaries) + 1:
        raise ValueError(
            f"[join_schedules] Expected len(schedules) == len(boundaries) + 1; "
            f"got {len(schedules)} schedules and {len(boundaries)} boundaries."
        )

    def schedule(step):
        step = mx.array(step) if not isinstance(step, mx.array) else step
        out = mx.array(schedules[0](step))
        for boundary, fn in zip(boundaries, schedules[1:]):
            # Clamp before subtracting: uint64 steps would wrap around below the boundary.
            shifted = mx.maximum(step, boundary) - boundary
            out = mx.where(step < boundary, out, fn(shifted))
        return out

    return schedule
