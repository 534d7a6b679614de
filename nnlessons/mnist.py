"""MNIST handwritten digits: an embedded set that works offline, and the full set from a cache.

Two loaders, one format. Both return ``(train_images, train_labels), (test_images, test_labels)``
with images ``(m, 28, 28)`` uint8 (0 = background, 255 = ink) for looking at, and labels
``(m,)`` uint8 holding the digits 0..9.

* ``load_mnist_small()`` needs no network and no download. It reads files that ship inside
  the package (``nnlessons/data/``): the official MNIST test set (the original
  ``t10k-*.gz`` files, byte for byte, 10,000 images) and a training subset of 10,000
  images, the first 1,000 of each digit in the official training files, kept in their
  official order (sorted by their index in ``train-images-idx3-ubyte``).
  ``python -m tools.build_mnist_subset`` (in the repository) rebuilds the subset from the official files.
* ``load_mnist()`` reads the four official files (60,000 training and 10,000 test images)
  from a cache directory, and downloads them into it only when asked (``download=True``).
  The directory is the ``cache_dir`` argument, else the ``NNLESSONS_DATA`` environment
  variable, else ``$XDG_CACHE_HOME/nnlessons/mnist`` (``~/.cache/nnlessons/mnist`` when
  ``XDG_CACHE_HOME`` is unset); the four ``.gz`` files sit directly in it.

Every file is checked against its SHA-256 before it is read, so a damaged or altered file
is never taken for data. ``to_columns`` turns images into the network's input format, one
example per column ``(784, m)`` in [0, 1].

MNIST is (c) Yann LeCun and Corinna Cortes, a derivative of NIST Special Databases 1 and 3,
under CC BY-SA 3.0; see ``nnlessons/data/LICENSE-MNIST.md``.
"""

import gzip
import hashlib
import http.client
import os
import struct
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "read_idx", "write_idx", "load_mnist_small", "load_mnist", "mnist_available",
    "to_columns", "default_cache_dir", "sha256_file", "ChecksumError", "MNISTNotFoundError",
    "OFFICIAL_FILES", "OFFICIAL_SHA256", "EMBEDDED_SHA256", "MIRRORS", "DATA_DIR",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

# The four official files, in the order (train images, train labels, test images, test labels).
OFFICIAL_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
# Published checksums of the official files (the same bytes on every mirror below).
OFFICIAL_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
OFFICIAL_SIZES = {
    "train-images-idx3-ubyte.gz": 9912422,
    "train-labels-idx1-ubyte.gz": 28881,
    "t10k-images-idx3-ubyte.gz": 1648877,
    "t10k-labels-idx1-ubyte.gz": 4542,
}

# What ships in nnlessons/data/, in the same order as OFFICIAL_FILES.
EMBEDDED_FILES = (
    "train-subset-images-idx3-ubyte.gz",
    "train-subset-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
EMBEDDED_SHA256 = {
    "train-subset-images-idx3-ubyte.gz": "26caff5ba6f746326c6d53a178f1e53b728f8a72f041746bd77f97880c8960b0",
    "train-subset-labels-idx1-ubyte.gz": "2c86dff031253db103804c4362d483d164f8981eb0add3f982af362ced9eba3b",
    "t10k-images-idx3-ubyte.gz": OFFICIAL_SHA256["t10k-images-idx3-ubyte.gz"],
    "t10k-labels-idx1-ubyte.gz": OFFICIAL_SHA256["t10k-labels-idx1-ubyte.gz"],
}
SUBSET_PER_DIGIT = 1000

# Public mirrors of the official files, tried in this order. The original site
# (yann.lecun.com) often refuses downloads now, so it comes last.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


class ChecksumError(ValueError):
    """A data file's SHA-256 differs from the published one."""


class MNISTNotFoundError(FileNotFoundError):
    """The full MNIST files are not in the cache and could not (or may not) be downloaded."""


# ---------------------------------------------------------------------------- IDX
# IDX format (LeCun's): two zero bytes, a type code, the number of dimensions, then one
# big-endian uint32 per dimension, then the values in C order, big-endian.
_IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CHUNK = 1 << 20
# Full MNIST's largest file holds 47 MB; a header asking for more than this is refused
# before a single data byte is read (raise it with max_bytes= for bigger IDX files).
MAX_IDX_BYTES = 1 << 28


def _read_exactly(f, n):
    """Read ``n`` bytes in modest chunks, so memory grows with the bytes really present,
    not with what a (possibly hostile) header claims."""
    buf = bytearray()
    while len(buf) < n:
        chunk = f.read(min(_CHUNK, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf


def _read_idx_stream(f, name, max_bytes):
    head = f.read(4)
    if not isinstance(head, (bytes, bytearray)):
        raise TypeError(f"{name}: read_idx needs a file opened in binary mode ('rb'), got one that reads "
                        f"{type(head).__name__}")
    if len(head) < 4:
        raise ValueError(f"{name}: truncated IDX file, {len(head)} bytes where the 4-byte magic number should be")
    if head[:2] == b"\x1f\x8b":
        raise ValueError(f"{name}: this is a gzip file; give read_idx a path ending in .gz, or a gzip.open() file")
    if head[0] != 0 or head[1] != 0:
        raise ValueError(f"{name}: not an IDX file, magic number starts with {head[:2].hex()} instead of 0000")
    code, ndim = head[2], head[3]
    if code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in _IDX_DTYPES)
        raise ValueError(f"{name}: unknown IDX data type code 0x{code:02X} (known codes: {known})")
    if ndim < 1:
        raise ValueError(f"{name}: IDX header declares {ndim} dimensions, expected at least 1")
    raw_dims = f.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise ValueError(
            f"{name}: truncated IDX header, {ndim} dimensions declared "
            f"but only {len(raw_dims)} of {4 * ndim} bytes follow"
        )
    dims = struct.unpack(f">{ndim}I", raw_dims)
    dtype = _IDX_DTYPES[code]
    n_bytes = int(np.prod(dims, dtype=object)) * dtype.itemsize
    if n_bytes > max_bytes:
        raise ValueError(
            f"{name}: IDX header declares shape {dims}, {n_bytes:,} bytes of data, more than "
            f"max_bytes={max_bytes:,}; refusing to read it"
        )
    data = _read_exactly(f, n_bytes)
    if len(data) < n_bytes:
        raise ValueError(
            f"{name}: truncated IDX file, header declares shape {dims} ({n_bytes:,} bytes of data) "
            f"but only {len(data):,} bytes follow"
        )
    if f.read(1):
        raise ValueError(f"{name}: IDX file has data beyond the {n_bytes:,} bytes its header declares (shape {dims})")
    # A bytearray makes a writable array without a copy; other types are swapped to native order.
    arr = np.frombuffer(data, dtype=dtype)
    if not dtype.isnative:
        arr = arr.astype(dtype.newbyteorder("="))
    return arr.reshape(dims)


def read_idx(source, *, max_bytes=MAX_IDX_BYTES):
    """Read an IDX file into a numpy array whose shape is the header's dimensions.

    ``source`` is a path (``str`` or ``Path``; a name ending in ``.gz`` is decompressed on
    the fly) or a binary file object already open (use ``gzip.open`` for compressed data).
    The header is checked before any data is read: magic number ``00 00 <type> <ndim>``,
    a known type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
    0x0E float64), a data size of at most ``max_bytes``; then the data must be exactly as
    long as the dimensions say. Anything else raises ``ValueError``.
    Returns a writable array in native byte order (uint8 for MNIST).
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = str(path)
        try:
            if path.suffix.lower() == ".gz":
                with gzip.open(path, "rb") as f:
                    return _read_idx_stream(f, name, max_bytes)
            with open(path, "rb") as f:
                return _read_idx_stream(f, name, max_bytes)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise ValueError(f"{name}: damaged gzip data ({exc})") from None
    if hasattr(source, "read"):
        name = getattr(source, "name", None) or type(source).__name__
        try:
            return _read_idx_stream(source, str(name), max_bytes)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise ValueError(f"{name}: damaged gzip data ({exc})") from None
    raise TypeError(f"source must be a path or a binary file object, got {type(source).__name__}")


def write_idx(path, array):
    """Write ``array`` (uint8, any number of dimensions) as an IDX file; gzip it if ``path`` ends in .gz.

    The gzip stream carries no file name and a zero time stamp, so the same array always
    gives the same bytes (with the same zlib), which lets a script reproduce shipped files exactly.
    """
    arr = np.asarray(array)
    if arr.dtype != np.uint8:
        raise TypeError(f"array must have dtype uint8, got {arr.dtype}")
    if arr.ndim < 1 or arr.ndim > 255:
        raise ValueError(f"array must have between 1 and 255 dimensions, got shape {arr.shape}")
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = header + np.ascontiguousarray(arr).tobytes()
    path = Path(path)
    with open(path, "wb") as raw:
        if path.suffix.lower() == ".gz":
            with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as gz:
                gz.write(payload)
        else:
            raw.write(payload)


# ---------------------------------------------------------------------- checksums
def sha256_file(path):
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _verify(path, expected, hint):
    actual = sha256_file(path)
    if actual != expected:
        raise ChecksumError(f"{path}: SHA-256 is {actual}, expected {expected}. {hint}")


def _load_pair(images_path, labels_path, n_expected=None):
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(
            f"{images_path}: expected uint8 images of shape (m, 28, 28), got {images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8 or labels.shape[0] != images.shape[0]:
        raise ValueError(
            f"{labels_path}: expected {images.shape[0]} uint8 labels of shape ({images.shape[0]},), "
            f"got {labels.dtype} {labels.shape}"
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path}: labels must be digits 0..9, found {labels.max()}")
    if n_expected is not None and images.shape[0] != n_expected:
        raise ValueError(f"{images_path}: expected {n_expected} images, got {images.shape[0]}")
    return images, labels


# ------------------------------------------------------------------ embedded set
def load_mnist_small():
    """The embedded MNIST set: 10,000 training images and the official 10,000 test images.

    Returns ``(train_images, train_labels), (test_images, test_labels)``: images
    ``(10000, 28, 28)`` uint8, labels ``(10000,)`` uint8. The training part holds the first
    1,000 examples of each digit from the official training files, in their official order;
    the test part is the official test set. Needs no network. Every file's SHA-256 is
    checked first (``ChecksumError`` if a shipped file was altered).
    """
    hint = "The file shipped with nnlessons was altered; reinstall the package (or run python -m tools.build_mnist_subset in the repository)."
    for name in EMBEDDED_FILES:
        path = DATA_DIR / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing from the nnlessons package; reinstall it")
        _verify(path, EMBEDDED_SHA256[name], hint)
    paths = [DATA_DIR / name for name in EMBEDDED_FILES]
    train = _load_pair(paths[0], paths[1], 10 * SUBSET_PER_DIGIT)
    test = _load_pair(paths[2], paths[3], 10000)
    return train, test


# ---------------------------------------------------------------------- full set
def default_cache_dir():
    """Where ``load_mnist`` looks when no ``cache_dir`` is given (see the module docstring)."""
    env = os.environ.get("NNLESSONS_DATA")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "nnlessons" / "mnist"


def _cache_dir(cache_dir):
    return default_cache_dir() if cache_dir is None else Path(cache_dir).expanduser()


def _instructions(directory, names):
    lines = "\n".join(f"  {name}  (SHA-256 {OFFICIAL_SHA256[name]})" for name in names)
    mirrors = "\n".join(f"  {url}" for url in MIRRORS)
    return (
        f"Download these MNIST files:\n{lines}\nfrom one of\n{mirrors}\n"
        f"and put them, still gzipped, into the directory\n  {directory}\n"
        "(or call load_mnist(download=True) when online; set NNLESSONS_DATA or pass cache_dir= "
        "to use another directory)."
    )


def _download(name, directory, mirrors, timeout):
    """Fetch one official file into ``directory``, trying each mirror; atomic and checksum-verified.

    The bytes go to a temporary file in the same directory, which is renamed over the final
    name only once its SHA-256 matches, so an interrupted or corrupted download never
    leaves a file that could be mistaken for data. Returns a list of failure notes.
    """
    failures = []
    expected, size = OFFICIAL_SHA256[name], OFFICIAL_SIZES[name]
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=directory)
        try:
            h, got = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                # Stop reading well past the known size: a misbehaving server cannot fill the disk.
                while got <= size:
                    chunk = resp.read(_CHUNK)
                    if not chunk:
                        break
                    h.update(chunk)
                    out.write(chunk)
                    got += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            if h.hexdigest() != expected:
                failures.append(f"{url}: checksum mismatch ({got:,} bytes, SHA-256 {h.hexdigest()})")
                continue
            os.replace(tmp, directory / name)
            return []
        except (OSError, http.client.HTTPException, ValueError) as exc:  # URLError is an OSError
            failures.append(f"{url}: {exc}")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    return failures


def load_mnist(cache_dir=None, download=False, *, mirrors=MIRRORS, timeout=60):
    """Full MNIST: 60,000 training and 10,000 test images from the four official files.

    Returns ``(train_images, train_labels), (test_images, test_labels)``: images
    ``(m, 28, 28)`` uint8, labels ``(m,)`` uint8, in the official order.
    Looks in ``cache_dir`` (default: ``default_cache_dir()``). Missing files are downloaded
    from ``mirrors`` only when ``download=True``, each verified against its published SHA-256
    and written atomically. Raises ``MNISTNotFoundError`` when files are missing (offline, or
    ``download=False``) and ``ChecksumError`` when a file in the cache or every download is
    corrupted; both messages say what to download, from where, and into which directory.
    """
    directory = _cache_dir(cache_dir)
    missing = [name for name in OFFICIAL_FILES if not (directory / name).is_file()]
    bad = [name for name in OFFICIAL_FILES if name not in missing
           and sha256_file(directory / name) != OFFICIAL_SHA256[name]]
    if (missing or bad) and download:
        directory.mkdir(parents=True, exist_ok=True)
        notes = []
        for name in missing + bad:
            notes += _download(name, directory, mirrors, timeout)
        missing = [name for name in OFFICIAL_FILES if not (directory / name).is_file()]
        bad = [name for name in OFFICIAL_FILES if name not in missing
               and sha256_file(directory / name) != OFFICIAL_SHA256[name]]
        if missing or bad:
            detail = "\n".join(f"  {note}" for note in notes)
            cls = ChecksumError if notes and all("checksum mismatch" in n for n in notes) else MNISTNotFoundError
            raise cls(f"Could not download MNIST:\n{detail}\n" + _instructions(directory, missing + bad))
    if bad:
        raise ChecksumError(
            "These files in the MNIST cache are damaged or not the official ones (SHA-256 differs): "
            f"{', '.join(bad)}. Delete them.\n" + _instructions(directory, bad)
        )
    if missing:
        raise MNISTNotFoundError(
            f"Full MNIST is not in {directory} (missing: {', '.join(missing)}).\n" + _instructions(directory, missing)
        )
    paths = [directory / name for name in OFFICIAL_FILES]
    return _load_pair(paths[0], paths[1], 60000), _load_pair(paths[2], paths[3], 10000)


def mnist_available(cache_dir=None):
    """True when the four official files are in the cache with the right checksums (no download)."""
    directory = _cache_dir(cache_dir)
    return all(
        (directory / name).is_file() and sha256_file(directory / name) == OFFICIAL_SHA256[name]
        for name in OFFICIAL_FILES
    )


# -------------------------------------------------------------------- for the network
def to_columns(images):
    """THE helper that turns images into network inputs: ``(m, h, w)`` uint8 -> ``(h*w, m)`` float64.

    Each image is flattened row by row into one column (the shape contract: examples are
    columns), and pixel values 0..255 are scaled to [0, 1]. For MNIST the result is
    ``(784, m)``. A single image needs a leading axis: ``to_columns(img[None])``.
    The labels ``(m,)`` go to ``Network.fit`` as they are; ``nl.one_hot(labels, 10)``
    gives the matching one-hot targets ``(10, m)``.
    """
    arr = np.asarray(images)
    if arr.dtype != np.uint8:
        raise TypeError(f"images must have dtype uint8 (pixel values 0..255), got {arr.dtype}")
    if arr.ndim != 3:
        raise ValueError(f"images must have shape (m, h, w), e.g. (m, 28, 28), got shape {arr.shape}")
    m = arr.shape[0]
    return arr.reshape(m, arr.shape[1] * arr.shape[2]).T / 255.0
