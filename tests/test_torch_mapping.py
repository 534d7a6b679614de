"""Notebook 08's PyTorch mapping, executed: the code shown in its last section, on the notebook's data.

The notebook shows the PyTorch version of its two-moons training loop as text (the course
depends on numpy and matplotlib only). This test runs that very code block whenever torch is
installed (CI installs its CPU build, see .ci/run) and compares, in float64, its gradients with
``Network``'s to 1e-12, and the network it trains with ``Network``'s plain gradient descent.
"""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import nnlessons as nl

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "08_autodiff.ipynb"

torch = pytest.importorskip("torch", reason="PyTorch is not installed here; CI installs its CPU build (.ci/run)")


def _notebook_parts():
    """(the code cell that makes the data and ``new_network``, the PyTorch block of the markdown)."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    data = [c.source for c in nb.cells if c.cell_type == "code" and "def new_network(" in c.source]
    blocks = [m.group(1) for c in nb.cells if c.cell_type == "markdown"
              for m in re.finditer(r"```python\n(.*?)```", c.source, re.S) if "import torch" in m.group(1)]
    assert len(data) == 1 and len(blocks) == 1, "notebook 08 must have one data cell and one PyTorch block"
    return data[0], blocks[0]


def _run(steps, learning_rate):
    """The namespace after the notebook's data cell and its PyTorch block, run for ``steps`` steps."""
    data, block = _notebook_parts()
    from nnlessons.autodiff import Tensor

    namespace = {"np": np, "nl": nl, "Tensor": Tensor}
    exec(compile(data, f"{NOTEBOOK.name}, data cell", "exec"), namespace)
    namespace.update(STEPS=steps, chosen=learning_rate)
    exec(compile(block, f"{NOTEBOOK.name}, PyTorch block", "exec"), namespace)
    return namespace


def test_pytorch_gradients_equal_network_s():
    ns = _run(0, 1.0)
    cost = ns["torch_cost"](ns["params"], ns["X"], ns["Y"])
    cost.backward()
    net = ns["new_network"](0)
    cost_network, grads = net.loss_and_grads(ns["X_train"], ns["y_train"])
    assert ns["params"]["W1"].dtype == torch.float64
    assert abs(float(cost.detach()) - cost_network) <= 1e-12 * abs(cost_network)
    for name, g in grads.items():
        got = ns["params"][name].grad.numpy()
        assert nl.relative_error(got, g) <= 1e-12, f"{name}: relative error {nl.relative_error(got, g):.1e}"


def test_pytorch_training_lands_where_network_s_does():
    steps, rate = 300, 1.0  # the notebook's STEPS and the learning rate it chooses on validation
    ns = _run(steps, rate)
    net = ns["new_network"](0)
    for _ in range(steps):
        _, grads = net.loss_and_grads(ns["X_train"], ns["y_train"])
        for name in net.params:
            net.params[name] -= rate * grads[name]
    for name, p in ns["params"].items():
        np.testing.assert_allclose(p.detach().numpy(), net.params[name], rtol=1e-10, atol=1e-12)
    trained = ns["new_network"](0)
    trained.set_params({name: p.detach().numpy() for name, p in ns["params"].items()})
    assert np.array_equal(trained.predict(ns["X_test"]), net.predict(ns["X_test"]))
