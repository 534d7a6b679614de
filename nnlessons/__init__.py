"""nnlessons: the helper package of a course on neural networks from first principles.

Shape contract (the one convention, followed by every function here)
-------------------------------------------------------------------
* A batch of ``m`` examples is stacked as **columns**: ``X`` has shape
  ``(n_features, m)``.
* A layer with ``n_in`` inputs and ``n_out`` neurons has weights ``W`` of shape
  ``(n_out, n_in)`` (one row per neuron, one column per input) and a bias ``b``
  of shape ``(n_out, 1)``.
* So a layer computes ``Z = W @ X + b`` with ``Z`` of shape ``(n_out, m)``,
  reading exactly like the maths in the notes; ``b`` is added to every column.
* Class labels are integers ``y`` of shape ``(m,)``; one-hot targets ``Y`` are
  ``(n_classes, m)``. Images may be ``(m, 28, 28)`` for looking at;
  ``nnlessons.mnist.to_columns`` flattens them to ``(784, m)``.

Other habits: float64 throughout (gradient checks need it); randomness only
through an explicit ``rng`` argument (a ``np.random.default_rng(seed)`` or an
int seed), never a global seed; a wrong shape raises ``ValueError`` naming the
argument, the expected shape and the one received, never broadcasting silently.

Layout
------
* The core, one module per concept: ``activations``, ``losses``, ``layers``,
  ``network``, ``optim``, ``regularization``, ``gradcheck``, ``datasets``, ``mnist``,
  ``plotting``, ``autodiff`` (backpropagation as one algorithm over a recorded graph).
* ``nnlessons.lessons``: the helpers of each notebook, one module per notebook,
  named after its topic (``lessons.backprop`` serves ``05_backprop.ipynb``).
* ``nnlessons.check``: the exercise checkers, one module per notebook with the
  same names.
"""

from . import activations, autodiff, datasets, gradcheck, layers, losses, mnist, optim, plotting, regularization  # noqa: F401
from .activations import relu, sigmoid, softmax, tanh  # noqa: F401
from .gradcheck import gradient_check, numerical_gradient, relative_error  # noqa: F401
from .losses import one_hot  # noqa: F401
from .network import Network  # noqa: F401

__version__ = "0.2.0"
