"""Values as plain JSON data, for crossing between the grader and a student's kernel.

Only data crosses: None, bools, numbers, strings, numeric numpy arrays and
scalars, and tuples, lists and dicts of them. Anything else is sent as an
opaque stand-in that keeps only its type name, so a checker can say "expected
numbers, got a Foo" but can never call back into the student's code. No
pickle: decoding never runs code.
"""

import base64

import numpy as np

#: numpy dtype kinds that travel as raw bytes: bool, signed, unsigned, float, complex
_KINDS = "biufc"
#: nesting deeper than this is refused (a student's value could be arbitrarily deep)
MAX_DEPTH = 64


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


def encode(value, strict=True, _depth=0):
    """``value`` as JSON-ready data; ``strict`` raises CodecError on other types instead of an opaque."""
    if _depth > MAX_DEPTH:
        raise CodecError("value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
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
        return {"__tuple__": [encode(v, strict, _depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, strict, _depth + 1) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, strict, _depth + 1), encode(v, strict, _depth + 1)]
                             for k, v in value.items()]}
    return _encode_other(value, strict)


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


def decode(data, _depth=0):
    """The value that ``encode`` turned into ``data``; CodecError on anything malformed."""
    if _depth > MAX_DEPTH:
        raise CodecError("value nested too deeply")
    if data is None or isinstance(data, (bool, str)):
        return data
    if isinstance(data, list):
        return [decode(v, _depth + 1) for v in data]
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
            return tuple(decode(v, _depth + 1) for v in data["__tuple__"])
        if "__dict__" in data:
            return {decode(k, _depth + 1): decode(v, _depth + 1) for k, v in data["__dict__"]}
        if "__opaque__" in data:
            name = str(data["__opaque__"])
            if not name.isidentifier():
                name = "object"
            if name == "ndarray":
                # An array of Python objects: an object array of Nones of that shape.
                shape = tuple(int(n) for n in data.get("shape", ()))
                return np.empty(shape, dtype=object)
            return _opaque(name, str(data.get("text", ""))[:200])
    except CodecError:
        raise
    except (TypeError, ValueError, OverflowError) as exc:
        raise CodecError(f"malformed value: {exc}") from None
    raise CodecError(f"malformed value with keys {sorted(data)[:3]}")


def write_back(original, changed):
    """Copy ``changed`` (a decoded argument after the student's call) into ``original`` in place.

    The checker compares its arguments before and after the call to catch a
    function that modifies its input; the call happened in another process,
    so its effect on mutable arguments is replayed here.
    """
    if isinstance(original, np.ndarray) and isinstance(changed, np.ndarray):
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
