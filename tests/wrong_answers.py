"""One realistic wrong answer per exercise of the series, as a learner would type it into the stub.

``WRONG[notebook stem]`` lists, for each exercise cell in order, the bodies that replace its
stubs (one per solution block). Each is a slip the lessons warn about (a sum for a mean, a
missing 1/m or factor 2, a swapped pair, an uphill step, a transposed count, a layer count off
by one...) and fails its checker. Those of ``RAISING`` raise inside it, as the most common wrong
answers do (here a KeyError on a key that does not exist; a shape that does not fit is named by
the checkers' square cases first): the checker reports a failed verdict with the learner's
traceback, and the notebook runs on.
Shared by tests/test_fallback.py (in-process) and tests/test_student_states.py (in a kernel).
"""

from tools import handouts

WRONG = {
    "01_regression": [
        ["return np.sum((w * x + b - y) ** 2)"],  # a sum, not a mean
        ["e = w * x + b - y\nreturn np.mean(e * x), np.mean(e)"],  # the factor 2 lost
        ["costs = []\nfor _ in range(n_steps):\n    dw, db = mse_gradient(w, b, x, y)\n"
         "    w, b = w - learning_rate * dw, b - learning_rate * db\n    costs.append(mse_cost(w, b, x, y))\n"
         "return costs"],  # the cost before the first step missing
        ["return 1 / np.mean(x ** 2)"],  # 2 / curvature along w alone
    ],
    "02_cost_functions": [
        ["return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))"],  # overflows at z = -1000
        ["return -np.sum(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))"],  # the 1/m missing
        ["dz = y - nl.sigmoid(w * x + b)\nreturn np.mean(dz * x), np.mean(dz)"],  # the sign
        ["w, b = 0.0, 0.0\nfor _ in range(n_steps):\n    w = w - learning_rate * log_loss_gradient(w, b, x, y)[0]\n"
         "    b = b - learning_rate * log_loss_gradient(w, b, x, y)[1]\nreturn w, b"],  # b stepped at the new w
    ],
    "03_linear_collapse": [
        ["W, b = layers[0]\nfor W_l, b_l in layers[1:]:\n    W = W_l @ W\n    b = b + b_l\nreturn W, b"],
        ["W1 = np.array([[1.0], [-1.0]])\nb1 = np.zeros((2, 1))\nW2 = np.array([[1.0, -1.0]])\n"
         "return W1, b1, W2, np.zeros((1, 1))"],  # relu(x) - relu(-x) = x: the left unit's sign
        ["W1 = np.ones((2, 1))\nb1 = np.array([[-1.0], [-2.0]])\nW2 = np.array([[1.0, -1.0]])\n"
         "return W1, b1, W2, np.zeros((1, 1))"],  # no unit at x = 3: the bump never returns to 0
        ["w, c = W1[:, 0], b1[:, 0]\nreturn np.unique(c[w != 0] / w[w != 0])"],  # the sign of -b/w
    ],
    "04_forward_prop": [
        ["A = X\ncache = {\"A0\": X}\nfor l, name in enumerate(activations):\n"
         "    Z = params[f\"W{l}\"] @ A + params[f\"b{l}\"]\n    A = activation_functions[name](Z)\n"
         "    cache[f\"Z{l}\"], cache[f\"A{l}\"] = Z, A\nreturn A, cache"],  # layers counted from 0: KeyError
        ["W1 = np.array([[1, 0], [-1, 0], [0, 1], [0, -1]])\nb1 = -r * np.ones((4, 1))\nW2 = -np.ones((1, 4))\n"
         "b2 = np.zeros((1, 1))\nreturn W1, b1, W2, b2"],  # z2 = 0 inside the square: a = 0.5, not above it
    ],
    "05_backprop": [
        ["dW = dZ @ A_prev.T\ndb = dZ.sum(axis=1, keepdims=True)\nreturn W.T @ dZ, dW, db"],  # no 1/m
        ["L = len(activations)\ngrads = {}\ndZ = cache[f\"A{L}\"] - Y\nfor l in range(L, -1, -1):\n"
         "    layer_cache = (cache[f\"A{l - 1}\"], params[f\"W{l}\"], params[f\"b{l}\"])\n"
         "    dA_prev, grads[f\"dW{l}\"], grads[f\"db{l}\"] = dense_backward(dZ, layer_cache)\n"
         "    if l > 1:\n        dZ = dA_prev * (cache[f\"Z{l - 1}\"] > 0)\nreturn grads"],  # l reaches 0: KeyError
        ["for step in range(steps):\n    A, cache = forward(X, params, activations)\n"
         "    grads = backward(Y, cache, params, activations)\n    for name in params:\n"
         "        params[name] -= learning_rate * grads[\"d\" + name] / X.shape[1]\nreturn params"],  # 1/m twice
    ],
    "06_digits": [
        ["Y = nl.one_hot(y, 10)\nm = X.shape[1]\nval_accuracy = []\nfor epoch in range(epochs):\n"
         "    for start in range(0, m, batch_size):\n        batch = np.arange(start, min(start + batch_size, m))\n"
         "        A, cache = net.forward(X[:, batch])\n        grads = net.backward(Y[:, batch], cache)\n"
         "        for name in net.params:\n            net.params[name] -= learning_rate * grads[name]\n"
         "    val_accuracy.append(net.accuracy(X_val, y_val))\nreturn val_accuracy"],  # never shuffled
        ["return {\"learning_rate\": 3.0, \"batch_size\": 32, \"epochs\": 4}"],  # the classic rate: diverges
    ],
    "07_training_well": [
        ["return {name: g + lam * params[name] if name.startswith(\"W\") else g for name, g in grads.items()}"],
        ["mask = rng.random(A.shape) < keep_prob\nreturn A * mask, mask", "return dA_drop * mask"],  # not scaled
        ["new_velocity = {name: beta * velocity[name] + grads[name] for name in params}\n"
         "new_params = {name: params[name] - learning_rate * velocity[name] for name in params}\n"
         "return new_params, new_velocity"],  # steps with the old velocity
        ["beta1, beta2, eps = 0.9, 0.999, 1e-8\nv = {name: np.zeros_like(p) for name, p in net.params.items()}\n"
         "s = {name: np.zeros_like(p) for name, p in net.params.items()}\ncosts = []\nm = X.shape[1]\n"
         "for epoch in range(epochs):\n    order = rng.permutation(m)\n    for start in range(0, m, batch_size):\n"
         "        idx = order[start:start + batch_size]\n        cost, grads = net.loss_and_grads(X[:, idx], y[idx])\n"
         "        for name, g in grads.items():\n            v[name] = beta1 * v[name] + (1 - beta1) * g\n"
         "            s[name] = beta2 * s[name] + (1 - beta2) * g**2\n"
         "            net.params[name] = net.params[name] - learning_rate * v[name] / (np.sqrt(s[name]) + eps)\n"
         "        costs.append(cost)\nreturn costs"],  # no bias correction
        ["return {\"lam\": 10.0, \"keep_prob\": 1.0}"],  # L2 alone, strong: underfits, no gain on validation
    ],
    "08_autodiff": [
        ["return grad, grad", "return grad * a, grad * b",  # mul's inputs swapped
         "return grad * n * a ** (n - 1)", "return grad * out", "return grad / a", "return grad * (1 - out ** 2)",
         "return grad * (a > 0)"],
        ["order, visited = [], set()\n\ndef visit(node):\n    if node not in visited:\n        visited.add(node)\n"
         "        order.append(node)\n        for parent in node.parents:\n            visit(parent)\n\n"
         "visit(root)\nreturn order"],  # each node before its inputs
        ["order = topological_order(root)\nroot.grad = 1.0\nfor node in reversed(order):\n"
         "    grads = RULES[node.op](node.grad, *node.saved)\n"
         "    if len(node.parents) == 1:\n        grads = (grads,)\n    for parent, grad in zip(node.parents, grads):\n"
         "        parent.grad += grad\nreturn [w.grad for w in wrt]"],  # leaves have no rule: KeyError
        ["while grad.ndim > len(shape):\n    grad = grad.sum(axis=0)\nfor axis, size in enumerate(shape):\n"
         "    if size == 1 and grad.shape[axis] != 1:\n        grad = grad.sum(axis=axis)\nreturn grad"],  # no keepdims
    ],
}


#: (notebook stem, exercise index): the exception its wrong answer above raises in the checker
RAISING = {
    ("04_forward_prop", 0): "KeyError",  # params["W0"]: enumerate without start=1
    ("05_backprop", 1): "KeyError",  # the loop reaches l = 0: cache["A-1"]
    ("08_autodiff", 2): "KeyError",  # RULES[''] for a leaf
}


def with_answers(student_source, bodies):
    """``student_source`` (an exercise cell as handed out) with its stubs replaced by ``bodies``, in order."""
    lines, out, used = student_source.split("\n"), [], 0
    for line in lines:
        if line.strip() == handouts.STUB:
            indent = line[:len(line) - len(line.lstrip())]
            out.extend(indent + body_line if body_line else "" for body_line in bodies[used].split("\n"))
            used += 1
        else:
            out.append(line)
    if used != len(bodies):
        raise ValueError(f"the cell has {used} stubs, {len(bodies)} bodies were given")
    return "\n".join(out)
