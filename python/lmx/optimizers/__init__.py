"""lmx.optimizers: the C++ optimizers and schedules with mlx.optimizers'
Python interface.

``state`` is a live dict (what ``mx.eval`` and ``mx.compile`` see, and what
``tree_flatten`` saves); the C++ optimizer reads it before each step and
writes its new state back into the same dict.
"""

from lmx._core import _optim
from lmx._core._optim import (  # noqa: F401
    clip_grad_norm,
    cosine_decay,
    exponential_decay,
    join_schedules,
    linear_schedule,
    step_decay,
)


class Optimizer:
    """The base of the optimizers: state, step and learning rate."""

    def __init__(self, impl):
        self._impl = impl
        self._state = impl.get_state()

    def _push(self):
        self._impl.set_state(self._state)

    def _pull(self):
        new = self._impl.get_state()
        self._state.clear()
        self._state.update(new)

    def _lmx_state_dict(self):
        return self._state

    @property
    def state(self):
        return self._state

    @state.setter
    def state(self, state):
        self._state = state
        self._push()

    @property
    def step(self):
        return self._state["step"]

    @property
    def learning_rate(self):
        return self._state["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self._push()
        self._impl.set_learning_rate(learning_rate)
        self._pull()

    def init(self, parameters):
        """Creates the state of every parameter that has none yet."""
        self._push()
        self._impl.init(parameters)
        self._pull()

    def apply_gradients(self, gradients, parameters):
        """The parameters after one step with ``gradients``."""
        self._push()
        out = self._impl.apply_gradients(gradients, parameters)
        self._pull()
        return out

    def update(self, model, gradients):
        """One step: ``update(model, grads)`` changes the module in place (MLX);
        ``params = update(params, grads)`` returns new parameters (the seeds)."""
        from lmx.nn import Module

        self._push()
        try:
            if isinstance(model, Module):
                self._impl.update_model(model, gradients)
                return None
            return self._impl.update_tree(model, gradients)
        finally:
            self._pull()


def _optimizer(name, doc):
    impl_cls = getattr(_optim, name)

    def __init__(self, *args, **kwargs):
        Optimizer.__init__(self, impl_cls(*args, **kwargs))

    return type(name, (Optimizer,), {"__init__": __init__, "__doc__": doc})


SGD = _optimizer("SGD", "Stochastic gradient descent with optional momentum and Nesterov.")
RMSprop = _optimizer("RMSprop", "RMSprop.")
Adagrad = _optimizer("Adagrad", "Adagrad.")
AdaDelta = _optimizer("AdaDelta", "AdaDelta.")
Adam = _optimizer("Adam", "Adam.")
AdamW = _optimizer("AdamW", "Adam with decoupled weight decay.")
Adamax = _optimizer("Adamax", "Adamax.")
Lion = _optimizer("Lion", "Lion.")
Adafactor = _optimizer("Adafactor", "Adafactor.")
Muon = _optimizer("Muon", "Momentum orthogonalised by Newton-Schulz.")


class MultiOptimizer(Optimizer):
    """Routes each parameter to the first optimizer whose filter(path, array)
    accepts it; the last optimizer takes the rest."""

    def __init__(self, optimizers, filters=[]):
        self.optimizers = list(optimizers)
        Optimizer.__init__(self, _optim.MultiOptimizer([o._impl for o in self.optimizers], list(filters)))
