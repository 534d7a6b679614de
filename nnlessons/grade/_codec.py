"""Values as plain JSON data, for crossing between the grader and a student's kernel.

Only data crosses: None, bools, numbers, strings, numeric numpy arrays and
scalars, and tuples, lists and dicts of them; and, within a ``Graph``, the
nodes of ``nnlessons.autodiff`` graphs (``Value``, ``Tensor``) as a table of
their fields, so that a node that goes to the kernel and comes back is the same
object again. Two more of the package's objects cross as their data: a
``Network`` (exactly that class: its configuration and parameters) and a numpy
random ``Generator`` (its bit generator's state). One checker's own ``Network``
subclass crosses too: notebook 06's ``train_sgd`` checker hands the learner's
loop a recorder (``nnlessons.check.digits._Recorder``) that notes each step of
``forward``/``backward``; it goes as its configuration, parameters and
recording (``steps``, ``used_fit``), is rebuilt from the package's class in the
kernel, records there, and comes back validated (shapes, types, counts).
Anything else is sent as an opaque stand-in that keeps only its
type name, so a checker can say "expected numbers, got a Foo" but can never
call back into the student's code. No pickle: decoding never runs code.
"""

import base64
import math

import numpy as np

#: numpy dtype kinds that travel as raw bytes: bool, signed, unsigned, float, complex
_KINDS = "biufc"
#: nesting deeper than this is refused (a student's value could be arbitrarily deep)
MAX_DEPTH = 64
#: steps a recorder may bring back (the checker's small problem takes 15; one example per batch, 69)
MAX_STEPS = 10_000
#: items of an array of Python objects (sent as its shape alone) that the grader makes a stand-in of
MAX_OPAQUE_ITEMS = 10**6


class CodecError(ValueError):
    """A value that cannot be sent (on the grader's side) or a malformed message."""


class Opaque:
    """A student's value of a type that does not travel: only its type name and a short repr."""

    def __init__(self, type_name, text):
        self.type_name, self.text = type_name, text

    def __repr__(self):
        return self.text


def _opaque(type_name, text):
    # A class named like the student's type, so that type(x).__name__ in a
    # checker's message reads as it would have in the notebook.
    cls = type(type_name, (Opaque,), {})
    return cls(type_name, text)


def _node_types():
    from nnlessons import autodiff

    return {"Value": autodiff.Value, "Tensor": autodiff.Tensor}


class Graph:
    """The autodiff nodes that cross in one call, by index, on either side.

    The grader refers to its nodes by index and sends their table; the kernel
    rebuilds them, in the same order, and when it answers the nodes it was
    sent keep their indices (nodes the learner made get new ones). Reading the
    answer, the grader updates its own nodes (``grad``, ``data``, ``label``), as
    the call would have in the notebook, and returns them, not copies.
    """

    def __init__(self):
        self.nodes, self._index = [], {}

    def ref(self, node):
        """The index of ``node``, adding it and every node it was computed from."""
        stack = [node]
        while stack:
            current = stack.pop()
            if id(current) in self._index:
                continue
            self._index[id(current)] = len(self.nodes)
            self.nodes.append(current)
            stack.extend(p for p in getattr(current, "parents", ()) if type(p) in _node_types().values())
        return self._index[id(node)]

    def table(self, strict=True):
        """Every node's fields as JSON-ready data (nodes added while encoding them included)."""
        from nnlessons import autodiff

        entries, i = [], 0
        while i < len(self.nodes):
            node = self.nodes[i]
            rule = getattr(node, "rule", None)
            rule_name = getattr(rule, "__name__", None)
            known_rule = rule is not None and getattr(autodiff, str(rule_name), None) is rule
            parents = tuple(getattr(node, "parents", ()))
            entries.append({
                "kind": type(node).__name__, "label": str(getattr(node, "label", ""))[:200],
                "op": str(getattr(node, "op", ""))[:50], "rule": rule_name if known_rule else None,
                "data": encode(getattr(node, "data", None), strict, graph=self),
                "grad": encode(getattr(node, "grad", None), strict, graph=self),
                "saved": encode(tuple(getattr(node, "saved", ())), strict, graph=self),
                "parents": [self.ref(p) for p in parents if type(p) in _node_types().values()]})
            i += 1
        return entries

    def load(self, table):
        """Take the nodes of ``table``: the first ``len(self.nodes)`` are updated, the others made."""
        from nnlessons import autodiff

        if not isinstance(table, list):
            raise CodecError("malformed graph")
        kinds = _node_types()
        known = len(self.nodes)
        for i, entry in enumerate(table):
            if not isinstance(entry, dict) or entry.get("kind") not in kinds:
                raise CodecError("malformed graph node")
            if i >= known:
                cls = kinds[entry["kind"]]
                node = cls.__new__(cls)
                self._index[id(node)] = len(self.nodes)
                self.nodes.append(node)
        for i, entry in enumerate(table):
            node = self.nodes[i]
            node.data = decode(entry.get("data"), graph=self)
            node.grad = decode(entry.get("grad"), graph=self)
            node.label = str(entry.get("label", ""))[:200]
            if i < known:
                continue  # the grader's own node: its structure stays as it was
            parents = entry.get("parents", [])
            if not isinstance(parents, list) or not all(isinstance(p, int) and 0 <= p < len(self.nodes)
                                                        for p in parents):
                raise CodecError("malformed graph node parents")
            node.parents = tuple(self.nodes[p] for p in parents)
            saved = decode(entry.get("saved", {"__tuple__": []}), graph=self)
            node.saved = saved if isinstance(saved, tuple) else ()
            node.op = str(entry.get("op", ""))[:50]
            rule = entry.get("rule")
            # Only the package's own backward rules, by name: decoding never makes a function.
            rule = getattr(autodiff, rule, None) if isinstance(rule, str) and rule.endswith("_backward") else None
            node.rule = rule if getattr(rule, "__module__", None) == autodiff.__name__ else None

    def node(self, index):
        if not isinstance(index, int) or not 0 <= index < len(self.nodes):
            raise CodecError("reference to an unknown graph node")
        return self.nodes[index]


def encode(value, strict=True, _depth=0, graph=None):
    """``value`` as JSON-ready data; ``strict`` raises CodecError on other types instead of an opaque.

    With a ``graph``, autodiff nodes are sent by reference to it (see ``Graph``).
    """
    if _depth > MAX_DEPTH:
        raise CodecError("value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if graph is not None and type(value) in _node_types().values():
        return {"__node__": graph.ref(value)}
    if type(value) is _network_class():
        return {"__network__": {"sizes": [int(n) for n in value.sizes], "activations": list(value.activations),
                                "loss": str(value.loss), "dtype": np.dtype(value.dtype).str,
                                "params": encode(dict(value.params), strict, _depth + 1)}}
    if isinstance(value, _network_class()) and type(value) is _recorder_class():
        return {"__recorder__": _encode_recorder(value, strict, _depth)}
    if type(value) is np.random.Generator:
        bit_generator = value.bit_generator
        if type(bit_generator).__name__ in _BIT_GENERATORS:
            return {"__generator__": {"bit_generator": type(bit_generator).__name__,
                                      "state": encode(bit_generator.state, strict, _depth + 1)}}
    if isinstance(value, np.generic):
        arr = np.asarray(value)
        if arr.dtype.kind not in _KINDS:
            return _encode_other(value, strict)
        return {"__scalar__": _array_payload(arr)}
    if isinstance(value, int):
        return {"__int__": str(int(value))}  # exact, whatever its size
    if isinstance(value, float):
        return {"__float__": float(value).hex()}  # exact, including inf and nan
    if isinstance(value, complex):
        return {"__complex__": [value.real.hex(), value.imag.hex()]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _KINDS:
            if strict:
                raise CodecError(f"an array of dtype {value.dtype} cannot be sent")
            return {"__opaque__": "ndarray", "text": f"an array of shape {value.shape} and dtype {value.dtype}",
                    "shape": list(value.shape)}
        return {"__array__": _array_payload(np.asarray(value))}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, strict, _depth + 1, graph) for v in value]}
    if isinstance(value, list):
        return [encode(v, strict, _depth + 1, graph) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, strict, _depth + 1, graph), encode(v, strict, _depth + 1, graph)]
                             for k, v in value.items()]}
    return _encode_other(value, strict)


#: the numpy bit generators a Generator may be rebuilt with
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def _network_class():
    from nnlessons.network import Network

    return Network


def _recorder_class():
    from nnlessons.check.digits import _Recorder

    return _Recorder


def _sizes(data):
    sizes = data["sizes"]
    if not isinstance(sizes, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in sizes):
        raise CodecError("malformed network sizes")
    return sizes


def _params(data, sizes, depth, graph, what="network parameters", real=False):
    """The parameter dict in ``data``, checked to fit ``sizes`` (so sizes are bounded by the data received)."""
    return _checked_params(decode(data, depth + 1, graph), sizes, what, real)


def _checked_params(params, sizes, what, real=False):
    if not isinstance(params, dict) or not all(isinstance(v, np.ndarray) for v in params.values()):
        raise CodecError(f"malformed {what}")
    shapes = {}
    for l in range(1, len(sizes)):
        shapes[f"W{l}"], shapes[f"b{l}"] = (sizes[l], sizes[l - 1]), (sizes[l], 1)
    if {k: v.shape for k, v in params.items()} != shapes:
        raise CodecError(f"{what} that do not fit the network's sizes")
    if real and not all(v.dtype.kind in "iuf" for v in params.values()):
        raise CodecError(f"{what} that are not arrays of real numbers")
    return params


def _network(data, depth, graph):
    """A ``Network`` made from its configuration, with the parameters sent (not drawn, not re-validated:
    a diverged training's non-finite parameters are the answer too)."""
    activations = data["activations"]
    if not isinstance(activations, list) or not all(isinstance(a, str) for a in activations):
        raise CodecError("malformed network activations")
    sizes = _sizes(data)
    # Checked before the network is made: its sizes are then bounded by the data received.
    params = _params(data["params"], sizes, depth, graph)
    net = _network_class()(sizes, activations, str(data["loss"]), rng=0, dtype=np.dtype(str(data["dtype"])))
    net.params = {k: np.array(v, dtype=net.dtype) for k, v in params.items()}
    return net


def _encode_recorder(rec, strict, depth):
    """The checker's recorder: sizes, the column keys it names training examples by, parameters, recording."""
    column = rec._column
    steps = list(rec.steps)
    if len(steps) > MAX_STEPS:
        raise CodecError(f"the loop took {len(steps)} steps, more than the {MAX_STEPS} the grader reads back")
    return {"sizes": [int(n) for n in rec.sizes],
            "columns": encode(np.array(sorted(column, key=column.get), dtype=np.float64), strict, depth + 1),
            "params": encode(dict(rec.params), strict, depth + 1),
            "steps": encode(steps, strict, depth + 1), "used_fit": rec.used_fit is True}


def _recorder(data, depth, graph):
    """The checker's recorder rebuilt from the package's class, its recording validated.

    Each step must be ``{"batch": column indices (1-D integers in range),
    "params", "grads": float arrays of the network's shapes}``; at most
    ``MAX_STEPS`` of them.
    """
    sizes = _sizes(data)
    params = _params(data["params"], sizes, depth, graph, "recorder parameters", real=True)
    columns = decode(data["columns"], depth + 1, graph)
    if not isinstance(columns, np.ndarray) or columns.ndim != 1 or columns.dtype != np.float64:
        raise CodecError("malformed recorder columns")
    steps = decode(data["steps"], depth + 1, graph)
    if not isinstance(steps, list) or len(steps) > MAX_STEPS:
        raise CodecError(f"recorder steps that are not a list of at most {MAX_STEPS}")
    checked = []
    for step in steps:
        if not isinstance(step, dict) or set(step) - {"targets"} != {"batch", "params", "grads"}:
            raise CodecError("malformed recorder step")
        batch = step["batch"]
        if not (isinstance(batch, np.ndarray) and batch.ndim == 1 and batch.dtype.kind in "iu"
                and np.all((batch >= 0) & (batch < columns.size))):
            raise CodecError("recorder step with a malformed batch")
        for key in ("params", "grads"):
            _checked_params(step[key], sizes, f"recorder step {key}", real=True)
        checked.append({"batch": batch.astype(np.int64),
                        "params": {k: np.array(v, dtype=np.float64) for k, v in step["params"].items()},
                        "grads": {k: np.array(v, dtype=np.float64) for k, v in step["grads"].items()}})
        if "targets" in step:  # the targets given to backward (one-hot), for the checker's pairing check
            targets = step["targets"]
            if not (isinstance(targets, np.ndarray) and targets.dtype == np.float64
                    and targets.shape == (sizes[-1], batch.size) and np.all(np.isfinite(targets))):
                raise CodecError("recorder step with malformed targets")
            checked[-1]["targets"] = targets
    used_fit = data["used_fit"]
    if not isinstance(used_fit, bool):
        raise CodecError("malformed recorder used_fit")
    rec = _recorder_class()(sizes, columns[None, :], rng=0)
    rec.params = {k: np.array(v, dtype=rec.dtype) for k, v in params.items()}
    rec.steps, rec.used_fit = checked, used_fit
    return rec


def _generator(data, depth, graph):
    name = data["bit_generator"]
    if name not in _BIT_GENERATORS:
        raise CodecError(f"refused bit generator {name!r}")
    bit_generator = getattr(np.random, name)()
    bit_generator.state = decode(data["state"], depth + 1, graph)
    return np.random.Generator(bit_generator)


def _encode_other(value, strict):
    if strict:
        raise CodecError(f"a value of type {type(value).__name__} cannot be sent to the student's kernel")
    try:
        text = repr(value)[:200]
    except Exception:  # a student's __repr__ may raise
        text = f"<{type(value).__name__}>"
    return {"__opaque__": type(value).__name__, "text": text}


def _array_payload(arr):
    arr = np.array(arr, order="C")  # (ascontiguousarray would make a 0-d array 1-d)
    return {"dtype": arr.dtype.str, "shape": list(arr.shape),
            "data": base64.b64encode(arr.tobytes()).decode("ascii")}


def _array(payload):
    try:
        dtype = np.dtype(payload["dtype"])
        shape = tuple(int(n) for n in payload["shape"])
        data = base64.b64decode(payload["data"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"malformed array: {exc}") from None
    if dtype.kind not in _KINDS or any(n < 0 for n in shape):
        raise CodecError(f"refused array of dtype {dtype} and shape {shape}")
    if len(data) != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
        raise CodecError("array data does not match its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def decode(data, _depth=0, graph=None):
    """The value that ``encode`` turned into ``data``; CodecError on anything malformed.

    Graph node references need the ``graph`` whose table came with the data.
    """
    if _depth > MAX_DEPTH:
        raise CodecError("value nested too deeply")
    if data is None or isinstance(data, (bool, str)):
        return data
    if isinstance(data, list):
        return [decode(v, _depth + 1, graph) for v in data]
    if not isinstance(data, dict) or len(data) not in (1, 2, 3):
        raise CodecError(f"malformed value of type {type(data).__name__}")
    try:
        if "__int__" in data:
            return int(data["__int__"])
        if "__float__" in data:
            return float.fromhex(data["__float__"])
        if "__complex__" in data:
            re_, im = data["__complex__"]
            return complex(float.fromhex(re_), float.fromhex(im))
        if "__scalar__" in data:
            return _array(data["__scalar__"])[()]
        if "__array__" in data:
            return _array(data["__array__"])
        if "__tuple__" in data:
            return tuple(decode(v, _depth + 1, graph) for v in data["__tuple__"])
        if "__dict__" in data:
            return {decode(k, _depth + 1, graph): decode(v, _depth + 1, graph) for k, v in data["__dict__"]}
        if "__network__" in data:
            return _network(data["__network__"], _depth, graph)
        if "__recorder__" in data:
            return _recorder(data["__recorder__"], _depth, graph)
        if "__generator__" in data:
            return _generator(data["__generator__"], _depth, graph)
        if "__node__" in data:
            if graph is None:
                raise CodecError("a graph node outside a graph")
            return graph.node(data["__node__"])
        if "__opaque__" in data:
            name = str(data["__opaque__"])
            if not name.isidentifier():
                name = "object"
            if name == "ndarray":
                # An array of Python objects: an object array of Nones of that shape, which
                # no bytes back, so its size is bounded here (a forged shape would take the memory).
                shape = tuple(int(n) for n in data.get("shape", ()))
                if any(n < 0 for n in shape) or len(shape) > 32 or \
                        math.prod(shape) > MAX_OPAQUE_ITEMS:
                    raise CodecError(f"refused stand-in array of shape {shape[:8]}")
                return np.empty(shape, dtype=object)
            return _opaque(name, str(data.get("text", ""))[:200])
    except CodecError:
        raise
    except (TypeError, ValueError, OverflowError, KeyError, AttributeError) as exc:
        raise CodecError(f"malformed value: {exc}") from None
    raise CodecError(f"malformed value with keys {sorted(data)[:3]}")


def write_back(original, changed):
    """Copy ``changed`` (a decoded argument after the student's call) into ``original`` in place.

    The checker compares its arguments before and after the call to catch a
    function that modifies its input; the call happened in another process,
    so its effect on mutable arguments is replayed here.
    """
    if type(original) is _network_class() and type(changed) is _network_class():
        if sorted(original.params) == sorted(changed.params):
            original.params = {k: np.array(v) for k, v in changed.params.items()}
    elif isinstance(original, _network_class()) and type(original) is _recorder_class() \
            and type(changed) is _recorder_class():
        if sorted(original.params) == sorted(changed.params):
            original.params = {k: np.array(v) for k, v in changed.params.items()}
        original.steps, original.used_fit = changed.steps, changed.used_fit
    elif isinstance(original, np.random.Generator) and isinstance(changed, np.random.Generator):
        if type(original.bit_generator) is type(changed.bit_generator):
            original.bit_generator.state = changed.bit_generator.state
    elif isinstance(original, np.ndarray) and isinstance(changed, np.ndarray):
        if original.shape == changed.shape:
            original[...] = changed
    elif isinstance(original, list) and isinstance(changed, list):
        if len(original) == len(changed):
            for i, (a, b) in enumerate(zip(original, changed)):
                if isinstance(a, (np.ndarray, list, dict, tuple)):
                    write_back(a, b)
                else:
                    original[i] = b
        else:
            original[:] = changed
    elif isinstance(original, dict) and isinstance(changed, dict):
        for key in list(original):
            if key not in changed:
                del original[key]
        for key, value in changed.items():
            if key in original and isinstance(original[key], (np.ndarray, list, dict, tuple)):
                write_back(original[key], value)
            else:
                original[key] = value
    elif isinstance(original, tuple) and isinstance(changed, tuple) and len(original) == len(changed):
        for a, b in zip(original, changed):
            write_back(a, b)
