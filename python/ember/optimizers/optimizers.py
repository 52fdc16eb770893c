"""Optimizers over trees of arrays (``mlx.optimizers`` API).

Every optimizer keeps a plain ``dict`` state: ``"step"`` (0-d ``uint64``),
its schedulable hyper-parameters as 0-d arrays, and one sub-dict per
parameter mirroring the parameter tree. Subclasses implement
``init_single`` and ``apply_single`` for one parameter; the base class maps
them over the trees.
"""

import math
from typing import Callable, List, Optional, Tuple, Union

import ember.core as mx
from ember.utils import tree_flatten, tree_map, tree_merge, tree_reduce, tree_unflatten


def _as_array(value):
    return value if isinstance(value, mx.array) else mx.array(value)


def _check_betas(name, betas, upper_inclusive=False):
    for b in betas:
        ok = 0.0 <= b <= 1.0 if upper_inclusive else 0.0 <= b < 1.0
        if not ok:
            rng = "[0, 1]" if upper_inclusive else "[0, 1)"
            raise ValueError(f"[{name}] betas must be in {rng}; got betas={list(betas)}.")


def _check_nonnegative(name, **values):
    for key, value in values.items():
        if value < 0.0:
            raise ValueError(f"[{name}] {key} must be >= 0; got {key}={value}.")


class Optimizer:
    """Base class of all optimizers.

    Args:
        schedulers (dict[str, Callable] | None): Hyper-parameter name to
            ``schedule(step)``; evaluated before every update.

    Example:
        >>> import ember.core as mx
        >>> import ember.optimizers as optim
        >>> opt = optim.SGD(learning_rate=0.1)
        >>> new = opt.apply_gradients({"w": mx.array([1.0])}, {"w": mx.array([2.0])})
        >>> round(new["w"].item(), 6)
        1.9
    """

    def __init__(self, schedulers=None):
        self._initialized = False
        self._state = {"step": mx.array(0, dtype=mx.uint64)}
        self._schedulers = {k: v for k, v in (schedulers or {}).items()}

    # -- state ------------------------------------------------------------

    @property
    def state(self):
        """The optimizer state: a plain dict tree of arrays."""
        return self._state

    @state.setter
    def state(self, state):
        if not isinstance(state, dict):
            raise TypeError(
                f"[Optimizer.state] state must be a dict; got {type(state).__name__}."
            )
        self._state = state
        self._initialized = False

    @property
    def step(self):
        """The number of updates applied so far (0-d ``uint64`` array)."""
        return self.state["step"]

    @property
    def learning_rate(self):
        """The current learning rate (0-d array)."""
        return self.state["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.state["learning_rate"] = _as_array(learning_rate)

    def _maybe_schedule(self, name, param):
        """Stores ``param`` in the state, registering it as a schedule if callable."""
        if callable(param):
            self._schedulers[name] = param
            value = param(self.step)
        else:
            value = param
        self.state[name] = _as_array(value)

    # -- initialization ---------------------------------------------------

    def init(self, parameters):
        """Creates the per-parameter state for entries missing from ``state``.

        Args:
            parameters: A tree of arrays (e.g. ``model.trainable_parameters()``).

        Example:
            >>> import ember.core as mx
            >>> import ember.optimizers as optim
            >>> opt = optim.Adam(learning_rate=1e-3)
            >>> opt.init({"w": mx.zeros((2,))})
            >>> sorted(opt.state["w"])
            ['m', 'v']
        """

        def mirror(params, state):
            # Fill the containers of `state` so they have the layout of `params`;
            # leaves get an empty dict that init_single fills in.
            if isinstance(params, (list, tuple)):
                state = list(state) if isinstance(state, (list, tuple)) else []
                for i, p in enumerate(params):
                    if i < len(state):
                        state[i] = mirror(p, state[i])
                    else:
                        state.append(mirror(p, {}))
                return state
            if isinstance(params, dict):
                if not isinstance(state, dict):
                    state = {}
                for k, v in params.items():
                    state[k] = mirror(v, state.get(k, {}))
                return state
            return state if isinstance(state, dict) else {}

        def fill(p, s):
            if not s and isinstance(p, mx.array):
                self.init_single(p, s)
            return s

        self._state = mirror(parameters, self._state)
        tree_map(fill, parameters, self._state)
        self._initialized = True

    def init_single(self, parameter, state):
        """Fills ``state`` (a dict) for one parameter; subclasses override."""

    # -- updates ----------------------------------------------------------

    def update(self, model, gradients):
        """Applies ``gradients`` to ``model`` (an ``nn.Module``) in place.

        Args:
            model: The module; updated with ``model.update``.
            gradients: A tree of gradients matching ``model.trainable_parameters()``.
        """
        params = model if isinstance(model, dict) else model.parameters()
        model.update(self.apply_gradients(gradients, params))

    def apply_gradients(self, gradients, parameters):
        """Returns the parameters after one update with ``gradients``.

        The gradient tree drives the traversal: parameters without a gradient
        are left out of the result.

        Args:
            gradients: A tree of gradients.
            parameters: A tree containing the structure of ``gradients``.

        Returns:
            The tree of updated parameters (same structure as ``gradients``).
        """
        if not self._initialized:
            self.init(gradients)
        for name, schedule in self._schedulers.items():
            self.state[name] = _as_array(schedule(self.step))
        self.state["step"] = self.step + 1
        return tree_map(self.apply_single, gradients, parameters, self.state)

    def apply_single(self, gradient, parameter, state):
        """Returns the updated ``parameter``; mutates ``state`` in place."""
        raise NotImplementedError(
            f"[{type(self).__name__}] apply_single is not implemented."
        )

    def _lr(self, gradient):
        return self.learning_rate.astype(gradient.dtype)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening and Nesterov.

    ``v = momentum * v + (1 - dampening) * g``;
    ``p -= lr * (g + momentum * v if nesterov else v)``.

    Args:
        learning_rate (float | Callable): The learning rate.
        momentum (float): Momentum strength. Default: ``0``.
        weight_decay (float): L2 penalty added to the gradient. Default: ``0``.
        dampening (float): Dampening of the momentum. Default: ``0``.
        nesterov (bool): Nesterov momentum. Default: ``False``.

    Example:
        >>> import ember.core as mx
        >>> import ember.optimizers as optim
        >>> opt = optim.SGD(learning_rate=0.1, momentum=0.9)
        >>> p = opt.apply_gradients({"w": mx.array([1.0])}, {"w": mx.array([0.0])})
        >>> round(p["w"].item(), 6)
        -0.1
    """

    def __init__(
        self,
        learning_rate: Union[float, Callable],
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
    ):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                "[SGD] Nesterov momentum requires momentum > 0 and zero dampening; "
                f"got momentum={momentum}, dampening={dampening}."
            )
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.dampening = dampening
        self.nesterov = nesterov

    def init_single(self, parameter, state):
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient, parameter, state):
        if self.weight_decay != 0:
            gradient = gradient + self.weight_decay * parameter
        lr = self._lr(gradient)
        if self.momentum <= 0:
            return parameter - lr * gradient
        v = self.momentum * state["v"]
        if self.dampening > 0:
            v = v + (1 - self.dampening) * gradient
        else:
            v = v + gradient
        state["v"] = v
        update = gradient + self.momentum * v if self.nesterov else v
        return parameter - lr * update


class RMSprop(Optimizer):
    """RMSprop: ``v = alpha * v + (1 - alpha) * g**2``; ``p -= lr * g / (sqrt(v) + eps)``.

    Args:
        learning_rate (float | Callable): The learning rate.
        alpha (float): Smoothing constant. Default: ``0.99``.
        eps (float): Added to the denominator. Default: ``1e-8``.

    Example:
        >>> import ember.optimizers as optim
        >>> opt = optim.RMSprop(learning_rate=1e-2)
        >>> opt.state["learning_rate"].item() == float(__import__("numpy").float32(1e-2))
        True
    """

    def __init__(self, learning_rate, alpha: float = 0.99, eps: float = 1e-8):
        _check_nonnegative("RMSprop", alpha=alpha, eps=eps)
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.alpha = alpha
        self.eps = eps

    def init_single(self, parameter, state):
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient, parameter, state):
        lr = self._lr(gradient)
        v = self.alpha * state["v"] + (1 - self.alpha) * mx.square(gradient)
        state["v"] = v
        return parameter - lr * gradient / (mx.sqrt(v) + self.eps)


class Adagrad(Optimizer):
    """Adagrad: ``v += g**2``; ``p -= lr * g / (sqrt(v) + eps)``.

    Args:
        learning_rate (float | Callable): The learning rate.
        eps (float): Added to the denominator. Default: ``1e-8``.

    Example:
        >>> import ember.core as mx
        >>> import ember.optimizers as optim
        >>> opt = optim.Adagrad(learning_rate=0.1)
        >>> p = opt.apply_gradients({"w": mx.array([2.0])}, {"w": mx.array([0.0])})
        >>> round(p["w"].item(), 6)
        -0.1
    """

    def __init__(self, learning_rate, eps: float = 1e-8):
        _check_nonnegative("Adagrad", eps=eps)
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.eps = eps

    def init_single(self, parameter, state):
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient, parameter, state):
        lr = self._lr(gradient)
        v = state["v"] + mx.square(gradient)
        state["v"] = v
        return parameter - lr * gradient / (mx.sqrt(v) + self.eps)


class AdaDelta(Optimizer):
    """AdaDelta: ``v = rho v + (1-rho) g**2``; ``d = sqrt(u+eps)/sqrt(v+eps) g``;
    ``u = rho u + (1-rho) d**2``; ``p -= lr * d``.

    Args:
        learning_rate (float | Callable): The learning rate.
        rho (float): Decay of the running averages. Default: ``0.9``.
        eps (float): Added inside the square roots. Default: ``1e-6``.

    Example:
        >>> import ember.optimizers as optim
        >>> sorted(optim.AdaDelta(learning_rate=1.0).state)
        ['learning_rate', 'step']
    """

    def __init__(self, learning_rate, rho: float = 0.9, eps: float = 1e-6):
        _check_nonnegative("AdaDelta", rho=rho, eps=eps)
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.rho = rho
        self.eps = eps

    def init_single(self, parameter, state):
        state["v"] = mx.zeros_like(parameter)
        state["u"] = mx.zeros_like(parameter)

    def apply_single(self, gradient, parameter, state):
        lr = self._lr(gradient)
        rho, eps = self.rho, self.eps
        v = rho * state["v"] + (1 - rho) * mx.square(gradient)
        d = mx.sqrt(state["u"] + eps) / mx.sqrt(v + eps) * gradient
        u = rho * state["u"] + (1 - rho) * mx.square(d)
        state["v"] = v
        state["u"] = u
        return parameter - lr * d


class Adam(Optimizer):
    """Adam: ``m = b1 m + (1-b1) g``; ``v = b2 v + (1-b2) g**2``;
    ``p -= lr * m / (sqrt(v) + eps)`` (no bias correction unless asked).

    Args:
        learning_rate (float | Callable): The learning rate.
        betas (tuple[float, float]): Decay rates of ``m`` and ``v``.
            Default: ``(0.9, 0.999)``.
        eps (float): Added to the denominator. Default: ``1e-8``.
        bias_correction (bool): Divide by ``1 - b**t``. Default: ``False``.

    Example:
        >>> import ember.core as mx
        >>> import ember.optimizers as optim
        >>> opt = optim.Adam(learning_rate=1e-3, bias_correction=True)
        >>> p = opt.apply_gradients({"w": mx.array([0.5])}, {"w": mx.array([1.0])})
        >>> round(p["w"].item(), 5)
        0.999
    """

    def __init__(
        self,
        learning_rate,
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
        bias_correction: bool = False,
    ):
        _check_betas(type(self).__name__, betas)
        _check_nonnegative(type(self).__name__, eps=eps)
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.betas = betas
        self.eps = eps
        self.bias_correction = bias_correction

    def init_single(self, parameter, state):
        state["m"] = mx.zeros_like(parameter)
        state["v"] = mx.zeros_like(parameter)

    def apply_single(self, gradient, parameter, state):
        lr = self._lr(gradient)
        b1, b2 = self.betas
        m = b1 * state["m"] + (1 - b1) * gradient
        v = b2 * state["v"] + (1 - b2) * mx.square(gradient)
        state["m"] = m
        state["v"] = v
        if not self.bias_correction:
            return parameter - lr * m / (mx.sqrt(v) + self.eps)
        t = self.step.astype(mx.float32)
        c1 = (lr / (1 - mx.power(b1, t))).astype(gradient.dtype)
        c2 = mx.rsqrt(1 - mx.power(b2, t)).astype(gradient.dtype)
        return parameter - c1 * m / (mx.sqrt(v) * c2 + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p *= 1 - lr * weight_decay``, then Adam.

    Args:
        learning_rate (float | Callable): The learning rate.
        betas (tuple[float, float]): Default: ``(0.9, 0.999)``.
        eps (float): Default: ``1e-8``.
        weight_decay (float): Default: ``0.01``.
        bias_correction (bool): Default: ``False``.

    Example:
        >>> import ember.optimizers as optim
        >>> optim.AdamW(learning_rate=1e-3).weight_decay
        0.01
    """

    def __init__(
        self,
        learning_rate,
        betas: List[float] = [0.9, 0.999],
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        bias_correction: bool = False,
    ):
        super().__init__(learning_rate, betas, eps, bias_correction)
        self.weight_decay = weight_decay

    def apply_single(self, gradient, parameter, state):
        lr = self._lr(gradient)
        return super().apply_single(
            gradient, parameter * (1 - lr * self.weight_decay), state
        )


class Adamax(Adam):
    """Adamax: ``m`` as Adam, ``v = max(b2 v, |g|)``, ``p -= lr * m / (v + eps)``.

    Args:
        learning_rate (float | Callable): The learning rate.
        betas (tuple[float, float]): Default: ``(0.9, 0.999)``.
        eps (float): Default: ``1e-8``.

    Example:
        >>> import ember.core as mx
        >>> import ember.optimizers as optim
        >>> opt = optim.Adamax(learning_rate=0.1)
        >>> p = opt.apply_gradients({"w": mx.array([2.0])}, {"w": mx.array([0.0])})
        >>> round(p["w"].item(), 6)
        -0.01
    """

    def __init__(self, learning_rate, betas: List[float] = [0.9, 0.999], eps: float = 1e-8):
        super().__init__(learning_rate, betas, eps)

    def apply_single(self, gradient, parameter, state):
        lr = self._lr(gradient)
        b1, b2 = self.betas
        m = b1 * state["m"] + (1 - b1) * gradient
        v = mx.maximum(b2 * state["v"], mx.abs(gradient))
        state["m"] = m
        state["v"] = v
        return parameter - lr * m / (v + self.eps)


class Lion(Optimizer):
    """Lion: ``c = b1 m + (1-b1) g``; ``m = b2 m + (1-b2) g``; ``p -= lr * sign(c)``
    (after ``p *= 1 - lr * weight_decay``).

    Args:
        learning_rate (float | Callable): The learning rate.
        betas (tuple[float, float]): Default: ``(0.9, 0.99)``.
        weight_decay (float): Decoupled weight decay. Default: ``0``.

    Example:
        >>> import ember.core as mx
        >>> import ember.optimizers as optim
        >>> opt = optim.Lion(learning_rate=0.1)
        >>> p = opt.apply_gradients({"w": mx.array([-3.0])}, {"w": mx.array([0.0])})
        >>> round(p["w"].item(), 6)
        0.1
    """

    def __init__(self, learning_rate, betas: List[float] = [0.9, 0.99], weight_decay: float = 0.0):
        _check_betas("Lion", betas, upper_inclusive=True)
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.betas = betas
        self.weight_decay = weight_decay

    def init_single(self, parameter, state):
        state["m"] = mx.zeros_like(parameter)

    def apply_single(self, gradient, parameter, state):
        lr = self._lr(gradient)
        b1, b2 = self.betas
        m = state["m"]
        c = b1 * m + (1 - b1) * gradient
        state["m"] = b2 * m + (1 - b2) * gradient
        if self.weight_decay > 0:
            parameter = (1 - lr * self.weight_decay) * parameter
        return parameter - lr * mx.sign(c)


class Adafactor(Optimizer):
    """Adafactor: factored second moments with relative step sizes.

    Args:
        learning_rate (float | Callable | None): Used only when
            ``relative_step`` is False. Default: ``None``.
        eps (tuple[float, float]): Added to ``g**2``, and the minimum
            parameter scale. Default: ``(1e-30, 1e-3)``.
        clip_threshold (float): Clips the update RMS. Default: ``1.0``.
        decay_rate (float): ``beta_2 = 1 - t**decay_rate``. Default: ``-0.8``.
        beta_1 (float | None): First-moment decay, if any. Default: ``None``.
        weight_decay (float): Default: ``0``.
        scale_parameter (bool): Scale the step by the parameter RMS. Default: ``True``.
        relative_step (bool): Use ``min(1e-2, 1/sqrt(t))`` as the step. Default: ``True``.
        warmup_init (bool): Use ``1e-6 t`` instead of ``1e-2``. Default: ``False``.

    Example:
        >>> import ember.core as mx
        >>> import ember.optimizers as optim
        >>> opt = optim.Adafactor()
        >>> opt.init({"w": mx.zeros((3, 4))})
        >>> opt.state["w"]["exp_avg_sq_row"].shape, opt.state["w"]["exp_avg_sq_col"].shape
        ((3,), (4,))
    """

    def __init__(
        self,
        learning_rate: Optional[Union[float, Callable]] = None,
        eps: Tuple[float, float] = (1e-30, 1e-3),
        clip_threshold: float = 1.0,
        decay_rate: float = -0.8,
        beta_1: Optional[float] = None,
        weight_decay: float = 0.0,
        scale_parameter: bool = True,
        relative_step: bool = True,
        warmup_init: bool = False,
    ):
        if learning_rate is None and not relative_step:
            raise ValueError(
                "[Adafactor] learning_rate is required when relative_step=False; "
                "got learning_rate=None."
            )
        super().__init__()
        if learning_rate is not None:
            self._maybe_schedule("learning_rate", learning_rate)
        self.eps = eps
        self.clip_threshold = clip_threshold
        self.decay_rate = decay_rate
        self.beta_1 = beta_1
        self.weight_decay = weight_decay
        self.scale_parameter = scale_parameter
        self.relative_step = relative_step
        self.warmup_init = warmup_init

    def init_single(self, parameter, state):
        if parameter.ndim >= 2:
            shape = tuple(parameter.shape)
            state["exp_avg_sq_row"] = mx.zeros(shape[:-1], dtype=parameter.dtype)
            state["exp_avg_sq_col"] = mx.zeros(shape[:-2] + shape[-1:], dtype=parameter.dtype)
        else:
            state["exp_avg_sq"] = mx.zeros_like(parameter)
        if self.beta_1 is not None:
            state["exp_avg"] = mx.zeros_like(parameter)

    @staticmethod
    def _rms(x):
        return mx.sqrt(mx.mean(mx.square(x)))

    def _step_size(self, t, parameter_rms):
        if self.relative_step:
            start = 1e-6 * t if self.warmup_init else 1e-2
            rel = mx.minimum(start, mx.rsqrt(t))
        else:
            rel = self.learning_rate
        rel = rel.astype(parameter_rms.dtype)
        if self.scale_parameter:
            return mx.maximum(self.eps[1], parameter_rms) * rel
        return rel

    def apply_single(self, gradient, parameter, state):
        t = self.step.astype(mx.float32)
        parameter_rms = self._rms(parameter)
        lr = self._step_size(t, parameter_rms)
        beta_2 = (1.0 - mx.power(t, self.decay_rate)).astype(parameter_rms.dtype)
        sq = mx.square(gradient) + self.eps[0]
        if gradient.ndim >= 2:
            row = beta_2 * state["exp_avg_sq_row"] + (1 - beta_2) * mx.mean(sq, axis=-1)
            col = beta_2 * state["exp_avg_sq_col"] + (1 - beta_2) * mx.mean(sq, axis=-2)
            state["exp_avg_sq_row"] = row
            state["exp_avg_sq_col"] = col
            # v ~ row (x) col / mean(row): the rank-1 estimate of the second moment.
            r = mx.rsqrt(row / mx.mean(row, axis=-1, keepdims=True))
            c = mx.rsqrt(col)
            update = mx.expand_dims(r, -1) * mx.expand_dims(c, -2) * gradient
        else:
            v = beta_2 * state["exp_avg_sq"] + (1 - beta_2) * sq
            state["exp_avg_sq"] = v
            update = mx.rsqrt(v) * gradient
        update = update / mx.maximum(1.0, self._rms(update) / self.clip_threshold)
        update = lr * update
        if self.beta_1 is not None:
            update = self.beta_1 * state["exp_avg"] + (1 - self.beta_1) * update
            state["exp_avg"] = update
        if self.weight_decay != 0:
            parameter = parameter + parameter * (-self.weight_decay * lr)
        return (parameter - update).astype(parameter.dtype)


class Muon(Optimizer):
    """Muon: momentum SGD whose matrix updates are orthogonalized.

    ``v = mu v + (1-mu) g``; ``update = g (1-mu) + mu v`` (Nesterov) or ``v``;
    updates of arrays with ``ndim >= 2`` go through ``ns_steps`` Newton–Schulz
    iterations (in bfloat16, as in MLX) and ``lr`` is scaled by
    ``sqrt(max(1, rows / cols))``.

    Args:
        learning_rate (float | Callable): The learning rate.
        momentum (float): Default: ``0.95``.
        weight_decay (float): L2 penalty added to the gradient. Default: ``0.01``.
        nesterov (bool): Default: ``True``.
        ns_steps (int): Newton–Schulz iterations. Default: ``5``.

    Example:
        >>> import ember.optimizers as optim
        >>> optim.Muon(learning_rate=0.02).ns_steps
        5
    """

    _NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)

    def __init__(
        self,
        learning_rate,
        momentum: float = 0.95,
        weight_decay: float = 0.01,
        nesterov: bool = True,
        ns_steps: int = 5,
    ):
        if not isinstance(ns_steps, int) or ns_steps < 0:
            raise ValueError(f"[Muon] ns_steps must be a non-negative integer; got {ns_steps=}.")
        super().__init__()
        self._maybe_schedule("learning_rate", learning_rate)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.ns_steps = ns_steps

    def init_single(self, parameter, state):
        state["v"] = mx.zeros_like(parameter)

    def _orthogonalize(self, x):
        a, b, c = self._NS_COEFFICIENTS
        x = x.astype(mx.bfloat16)
        transpose = x.shape[0] > x.shape[1]
        if transpose:
            x = x.T
        x = x / (mx.sqrt(mx.sum(mx.square(x))) + 1e-7)
        for _ in range(self.ns_steps):
            gram = x @ x.T
            poly = b * gram + c * (gram @ gram)
            x = a * x + poly @ x
        return x.T if transpose else x

    def apply_single(self, gradient, parameter, state):
        if self.weight_decay != 0:
            gradient = gradient + self.weight_decay * parameter
        mu = self.momentum
        v = mu * state["v"] + (1 - mu) * gradient
        state["v"] = v
        update = gradient * (1 - mu) + mu * v if self.nesterov else v
        lr = self._lr(gradient)
        if update.ndim >= 2:
            shape = update.shape
            matrix = update.reshape(shape[0], -1)
            rows, cols = matrix.shape
            update = self._orthogonalize(matrix).reshape(shape)
            lr = lr * math.sqrt(max(1.0, rows / cols))
        return parameter - lr * update.astype(gradient.dtype)


class MultiOptimizer(Optimizer):
    """Routes each parameter to one of several optimizers.

    A gradient with path ``k`` goes to the first optimizer whose
    ``filters[i](k, g)`` is True; the last optimizer takes the rest.

    Args:
        optimizers (list[Optimizer]): The optimizers.
        filters (list[Callable]): ``len(optimizers) - 1`` predicates
            ``fn(path, gradient) -> bool``.

    Example:
        >>> import ember.core as mx
        >>> import ember.optimizers as optim
        >>> opt = optim.MultiOptimizer(
        ...     [optim.SGD(learning_rate=1.0), optim.SGD(learning_rate=0.0)],
        ...     [lambda path, g: path.endswith("bias")])
        >>> g = {"weight": mx.array([1.0]), "bias": mx.array([1.0])}
        >>> p = opt.apply_gradients(g, {"weight": mx.array([1.0]), "bias": mx.array([1.0])})
        >>> p["weight"].item(), p["bias"].item()
        (1.0, 0.0)
    """

    def __init__(self, optimizers, filters: list = []):
        super().__init__()
        self._state = {}
        if len(optimizers) == 0:
            raise ValueError("[MultiOptimizer] At least one optimizer is required; got 0.")
        if len(filters) != len(optimizers) - 1:
            raise ValueError(
                f"[MultiOptimizer] Expected len(filters) == len(optimizers) - 1; "
                f"got {len(filters)} filters for {len(optimizers)} optimizers."
            )
        self.optimizers = list(optimizers)
        self.filters = list(filters) + [lambda *args, **kwargs: True]

    def _split(self, tree):
        if len(self.optimizers) == 1:
            return [tree]
        parts = [[] for _ in self.optimizers]
        for path, leaf in tree_flatten(tree):
            for i, fn in enumerate(self.filters):
                if fn(path, leaf):
                    parts[i].append((path, leaf))
                    break
        return [tree_unflatten(p) for p in parts]

    def init(self, parameters):
        for opt, part in zip(self.optimizers, self._split(parameters)):
            opt.init(part)

    def apply_gradients(self, gradients, parameters):
        out = {}
        for opt, part in zip(self.optimizers, self._split(gradients)):
            out = tree_merge(out, opt.apply_gradients(part, parameters))
        return out

    @property
    def state(self):
        return {"states": [opt.state for opt in self.optimizers]}

    @state.setter
    def state(self, state):
        if (
            not isinstance(state, dict)
            or "states" not in state
            or len(state["states"]) != len(self.optimizers)
        ):
            got = len(state["states"]) if isinstance(state, dict) and "states" in state else None
            raise ValueError(
                f"[MultiOptimizer] state must be {{'states': [...]}} with one entry per "
                f"optimizer ({len(self.optimizers)}); got {got} entries."
            )
        for opt, s in zip(self.optimizers, state["states"]):
            opt.state = s

    @property
    def step(self):
        return self.optimizers[0].step

    @property
    def learning_rate(self):
        return self.optimizers[0].learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        for opt in self.optimizers:
            opt.learning_rate = learning_rate


def clip_grad_norm(grads, max_norm):
    """Scales a gradient tree so that its global L2 norm is at most ``max_norm``.

    ``scale = min(max_norm / (total_norm + 1e-6), 1)``.

    Args:
        grads: A tree of gradient arrays.
        max_norm (float): The largest allowed norm (``>= 0``).

    Returns:
        tuple: ``(clipped_grads, total_norm)``.

    Example:
        >>> import ember.core as mx
        >>> from ember.optimizers import clip_grad_norm
        >>> g, n = clip_grad_norm({"w": mx.array([3.0, 4.0])}, max_norm=1.0)
        >>> round(n.item(), 4), [round(x, 4) for x in g["w"].tolist()]
        (5.0, [0.6, 0.8])
    """
    if max_norm < 0:
        raise ValueError(f"[clip_grad_norm] max_norm must be >= 0; got {max_norm=}.")
    def sum_sq(g):
        # Half-precision squares overflow quickly; accumulate them in float32.
        if g.dtype in (mx.float16, mx.bfloat16):
            g = g.astype(mx.float32)
        return mx.sum(mx.square(g))

    sq = tree_reduce(lambda acc, g: acc + sum_sq(g), grads, mx.array(0.0))
    total_norm = mx.sqrt(sq)
    scale = mx.minimum(max_norm / (total_norm + 1e-6), 1.0)
    clipped = tree_map(lambda g: g * scale.astype(g.dtype), grads)
    return clipped, total_norm
