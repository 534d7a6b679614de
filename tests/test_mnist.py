"""Tests for nnlessons.mnist: the IDX reader, the embedded set, the cached/downloaded full set."""

import gzip
import hashlib
import http.client
import io
import os
import struct
import tracemalloc
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from nnlessons import mnist

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared" / "data" / "mnist"
needs_shared = pytest.mark.skipif(
    not all((SHARED / name).is_file() for name in mnist.OFFICIAL_FILES),
    reason=f"official MNIST files not found in {SHARED}",
)

# Published checksums (SHA256SUMS of the official distribution), written out here as the
# independent reference for the module's constants and the shipped files.
PUBLISHED = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def idx_bytes(code, dims, body):
    """An IDX file built by hand: magic 00 00 code ndim, big-endian uint32 dims, then body."""
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + body


# --------------------------------------------------------------------------- IDX reader
def test_read_idx_plain_gz_and_file_object(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    data = idx_bytes(0x08, (2, 3, 4), arr.tobytes())
    (tmp_path / "a.idx").write_bytes(data)
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(data))
    for source in (tmp_path / "a.idx", str(tmp_path / "a.idx.gz"), io.BytesIO(data)):
        out = mnist.read_idx(source)
        assert out.dtype == np.uint8 and out.shape == (2, 3, 4)
        np.testing.assert_array_equal(out, arr)
        out[0, 0, 0] = 99  # the result is an ordinary writable array
    with gzip.open(tmp_path / "a.idx.gz", "rb") as f:
        np.testing.assert_array_equal(mnist.read_idx(f), arr)


def test_read_idx_big_endian_types():
    vals = np.array([[-2, 300], [7, -4000]])
    for code, dtype in ((0x09, ">i1"), (0x0B, ">i2"), (0x0C, ">i4"), (0x0D, ">f4"), (0x0E, ">f8")):
        v = np.clip(vals, -128, 127) if dtype == ">i1" else vals
        out = mnist.read_idx(io.BytesIO(idx_bytes(code, (2, 2), v.astype(dtype).tobytes())))
        assert out.dtype.isnative and out.dtype.kind == np.dtype(dtype).kind
        np.testing.assert_array_equal(out, v)


def test_write_idx_round_trip_and_deterministic(tmp_path):
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    mnist.write_idx(tmp_path / "x.idx", arr)
    assert (tmp_path / "x.idx").read_bytes() == idx_bytes(0x08, (5, 7, 3), arr.tobytes())
    mnist.write_idx(tmp_path / "x.gz", arr)
    first = (tmp_path / "x.gz").read_bytes()
    # gzip header: no flags (so no file name stored) and a zero time stamp (bytes 4..7).
    assert first[:2] == b"\x1f\x8b" and first[3] == 0 and first[4:8] == bytes(4)
    mnist.write_idx(tmp_path / "x.gz", arr)
    assert (tmp_path / "x.gz").read_bytes() == first
    np.testing.assert_array_equal(mnist.read_idx(tmp_path / "x.gz"), arr)
    with pytest.raises(TypeError, match="uint8"):
        mnist.write_idx(tmp_path / "y.idx", arr.astype(np.int64))


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x01\x00\x08\x01" + struct.pack(">I", 3) + b"abc", "magic number"),
        (b"\x00\x07\x08\x01" + struct.pack(">I", 3) + b"abc", "magic number"),
        (idx_bytes(0x07, (3,), b"abc"), "unknown IDX data type code 0x07"),
        (idx_bytes(0x0A, (3,), b"abc"), "unknown IDX data type code 0x0A"),
        (idx_bytes(0x08, (3, 4), bytes(11)), "truncated"),
        (idx_bytes(0x0C, (3,), bytes(11)), "truncated"),
        (idx_bytes(0x08, (3,), bytes(4)), "beyond"),
        (b"\x00\x00\x08\x03" + struct.pack(">I", 3), "truncated IDX header"),
        (b"\x00\x00", "truncated"),
        (b"", "truncated"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (gzip.compress(idx_bytes(0x08, (3,), b"abc"), mtime=0), "gzip"),
    ],
)
def test_read_idx_rejects_malformed(data, message):
    with pytest.raises(ValueError, match=message):
        mnist.read_idx(io.BytesIO(data))


def test_read_idx_rejects_damaged_gzip_and_bad_source(tmp_path):
    good = gzip.compress(idx_bytes(0x08, (100,), bytes(range(100))))
    (tmp_path / "bad.gz").write_bytes(good[:-12])  # cut inside the stream
    with pytest.raises(ValueError, match="bad.gz"):
        mnist.read_idx(tmp_path / "bad.gz")
    (tmp_path / "junk.gz").write_bytes(b"this is not gzip at all")
    with pytest.raises(ValueError, match="junk.gz"):
        mnist.read_idx(tmp_path / "junk.gz")
    with pytest.raises(TypeError, match="source"):
        mnist.read_idx(123)


@pytest.mark.parametrize("compressed", [False, True])
def test_read_idx_hostile_header_fails_fast_without_allocating(tmp_path, compressed):
    # The header claims 1000 x 1000 x 1000 = 10^9 uint8 items; only 16 bytes follow.
    data = idx_bytes(0x08, (1000, 1000, 1000), bytes(16))
    path = tmp_path / ("hostile.gz" if compressed else "hostile.idx")
    path.write_bytes(gzip.compress(data) if compressed else data)
    tracemalloc.start()
    try:
        # Default limit: refused from the header alone.
        with pytest.raises(ValueError, match="max_bytes"):
            mnist.read_idx(path)
        # Limit lifted: still refused as truncated, reading only what is really there.
        with pytest.raises(ValueError, match="truncated"):
            mnist.read_idx(path, max_bytes=10**12)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"peak traced memory {peak:,} bytes"


def test_read_idx_header_product_does_not_overflow():
    # 2^32-1 in each of 3 dims would overflow int64 if multiplied naively.
    data = idx_bytes(0x08, (2**32 - 1,) * 3, bytes(8))
    with pytest.raises(ValueError, match="max_bytes"):
        mnist.read_idx(io.BytesIO(data))


# ------------------------------------------------------------------------ embedded set
def test_embedded_set_shapes_dtypes_counts():
    (Xtr, ytr), (Xte, yte) = mnist.load_mnist_small()
    assert Xtr.shape == (10000, 28, 28) and Xte.shape == (10000, 28, 28)
    assert ytr.shape == (10000,) and yte.shape == (10000,)
    for arr in (Xtr, ytr, Xte, yte):
        assert arr.dtype == np.uint8
    assert np.bincount(ytr, minlength=10).tolist() == [1000] * 10
    assert np.bincount(yte, minlength=10).tolist() == TEST_COUNTS
    # Official order: the first training digits are 5 0 4 1 9 2, the first test digits 7 2 1 0 4.
    assert ytr[:6].tolist() == [5, 0, 4, 1, 9, 2]
    assert yte[:5].tolist() == [7, 2, 1, 0, 4]
    # Real pixels: MNIST's mean intensity is about 33 of 255, borders are blank.
    for X in (Xtr, Xte):
        assert 25 < X.mean() < 40 and X.max() == 255
        assert X[:, 0, :].max() == 0


def test_shipped_test_files_are_the_official_ones():
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        digest = hashlib.sha256((mnist.DATA_DIR / name).read_bytes()).hexdigest()
        assert digest == PUBLISHED[name]
        assert mnist.EMBEDDED_SHA256[name] == PUBLISHED[name]
    assert mnist.OFFICIAL_SHA256 == PUBLISHED
    for name in mnist.EMBEDDED_FILES:
        assert hashlib.sha256((mnist.DATA_DIR / name).read_bytes()).hexdigest() == mnist.EMBEDDED_SHA256[name]


def test_licence_sits_beside_the_data():
    text = (mnist.DATA_DIR / "LICENSE-MNIST.md").read_text()
    for phrase in ("LeCun", "Cortes", "CC BY-SA 3.0", "NIST Special Database"):
        assert phrase in text
    for name in mnist.EMBEDDED_FILES:
        assert f"{mnist.EMBEDDED_SHA256[name]}  {name}" in text


def copy_data_dir(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    copy.mkdir()
    for name in mnist.EMBEDDED_FILES:
        (copy / name).write_bytes((mnist.DATA_DIR / name).read_bytes())
    monkeypatch.setattr(mnist, "DATA_DIR", copy)
    return copy


def test_embedded_set_rejects_tampered_file(tmp_path, monkeypatch):
    copy = copy_data_dir(tmp_path, monkeypatch)
    mnist.load_mnist_small()  # the untouched copy loads
    path = copy / "train-subset-images-idx3-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(mnist.ChecksumError, match="train-subset-images-idx3-ubyte.gz"):
        mnist.load_mnist_small()
    path.unlink()
    with pytest.raises(FileNotFoundError, match="train-subset-images"):
        mnist.load_mnist_small()


# --------------------------------------------------------------------------- full set
def fake_official_files(directory, n_train=60000, n_test=10000):
    """Files shaped like the official ones (mostly blank images, each marked by its index)."""
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for prefix, m in (("train", n_train), ("t10k", n_test)):
        images = np.zeros((m, 28, 28), dtype=np.uint8)
        idx = np.arange(m)
        images[idx, 14, 14] = idx % 251 + 1
        images[idx, 3, 5] = idx // 251 % 256
        labels = (idx * 7 % 10).astype(np.uint8)
        mnist.write_idx(directory / f"{prefix}-images-idx3-ubyte.gz", images)
        mnist.write_idx(directory / f"{prefix}-labels-idx1-ubyte.gz", labels)
        arrays[prefix] = (images, labels)
    return arrays


@pytest.fixture(scope="module")
def fake_mirror(tmp_path_factory):
    directory = tmp_path_factory.mktemp("mirror")
    arrays = fake_official_files(directory)
    digests = {name: mnist.sha256_file(directory / name) for name in mnist.OFFICIAL_FILES}
    sizes = {name: (directory / name).stat().st_size for name in mnist.OFFICIAL_FILES}
    return directory, arrays, digests, sizes


@pytest.fixture
def fake_checksums(fake_mirror, monkeypatch):
    """Make the module accept the fake files as if they were the official ones."""
    directory, arrays, digests, sizes = fake_mirror
    for name in mnist.OFFICIAL_FILES:
        monkeypatch.setitem(mnist.OFFICIAL_SHA256, name, digests[name])
        monkeypatch.setitem(mnist.OFFICIAL_SIZES, name, sizes[name])
    return directory, arrays


def no_network(*args, **kwargs):
    raise AssertionError("the loader must not touch the network here")


def assert_loaded(result, arrays):
    (Xtr, ytr), (Xte, yte) = result
    np.testing.assert_array_equal(Xtr, arrays["train"][0])
    np.testing.assert_array_equal(ytr, arrays["train"][1])
    np.testing.assert_array_equal(Xte, arrays["t10k"][0])
    np.testing.assert_array_equal(yte, arrays["t10k"][1])
    assert Xtr.dtype == np.uint8 and Xtr.shape == (60000, 28, 28) and yte.shape == (10000,)


def filled_cache(tmp_path, mirror, names=mnist.OFFICIAL_FILES):
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in names:
        (cache / name).write_bytes((mirror / name).read_bytes())
    return cache


def test_load_mnist_from_filled_cache(tmp_path, fake_checksums, monkeypatch):
    mirror, arrays = fake_checksums
    cache = filled_cache(tmp_path, mirror)
    monkeypatch.setattr(mnist.urllib.request, "urlopen", no_network)
    assert mnist.mnist_available(cache)
    assert_loaded(mnist.load_mnist(cache), arrays)
    # Found through the environment variable as well.
    monkeypatch.setenv("NNLESSONS_DATA", str(cache))
    assert mnist.default_cache_dir() == cache
    assert_loaded(mnist.load_mnist(), arrays)


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("NNLESSONS_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert mnist.default_cache_dir() == tmp_path / ".cache" / "nnlessons" / "mnist"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert mnist.default_cache_dir() == tmp_path / "xdg" / "nnlessons" / "mnist"
    monkeypatch.setenv("NNLESSONS_DATA", str(tmp_path / "mine"))
    assert mnist.default_cache_dir() == tmp_path / "mine"


def test_missing_files_without_download_explain_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(mnist.urllib.request, "urlopen", no_network)
    cache = tmp_path / "empty"
    assert not mnist.mnist_available(cache)
    with pytest.raises(mnist.MNISTNotFoundError) as info:
        mnist.load_mnist(cache)
    msg = str(info.value)
    assert str(cache) in msg and mnist.MIRRORS[0] in msg and "download=True" in msg
    for name in mnist.OFFICIAL_FILES:
        assert name in msg and PUBLISHED[name] in msg
    assert not cache.exists()  # nothing created without download=True


def test_download_from_local_mirror(tmp_path, fake_checksums):
    mirror, arrays = fake_checksums
    cache = tmp_path / "new" / "cache"
    result = mnist.load_mnist(cache, download=True, mirrors=[mirror.as_uri() + "/"])
    assert_loaded(result, arrays)
    assert sorted(os.listdir(cache)) == sorted(mnist.OFFICIAL_FILES)  # no temporary file left
    for name in mnist.OFFICIAL_FILES:
        assert (cache / name).read_bytes() == (mirror / name).read_bytes()


def test_corrupted_download_is_rejected_and_leaves_nothing(tmp_path, fake_checksums):
    mirror, arrays = fake_checksums
    bad = tmp_path / "bad_mirror"
    bad.mkdir()
    for name in mnist.OFFICIAL_FILES:
        data = bytearray((mirror / name).read_bytes())
        if name == "t10k-labels-idx1-ubyte.gz":
            data[len(data) // 2] ^= 0xFF
        (bad / name).write_bytes(bytes(data))
    cache = tmp_path / "cache"
    with pytest.raises(mnist.ChecksumError) as info:
        mnist.load_mnist(cache, download=True, mirrors=[bad.as_uri()])
    msg = str(info.value)
    assert "t10k-labels-idx1-ubyte.gz" in msg and "checksum mismatch" in msg and str(cache) in msg
    # The three good files were kept; the corrupted one left no file, not even a temporary one.
    assert sorted(os.listdir(cache)) == sorted(mnist.OFFICIAL_FILES[:3])
    # With a good mirror after the bad one, the loader falls back to it.
    assert_loaded(mnist.load_mnist(cache, download=True, mirrors=[bad.as_uri(), mirror.as_uri()]), arrays)
    assert sorted(os.listdir(cache)) == sorted(mnist.OFFICIAL_FILES)


def test_oversized_download_is_rejected(tmp_path, fake_checksums):
    mirror, _ = fake_checksums
    big = tmp_path / "big_mirror"
    big.mkdir()
    name = "t10k-labels-idx1-ubyte.gz"
    (big / name).write_bytes((mirror / name).read_bytes() + bytes(3 * 2**20))
    cache = filled_cache(tmp_path, mirror, mnist.OFFICIAL_FILES[:3])
    with pytest.raises(mnist.ChecksumError, match=name):
        mnist.load_mnist(cache, download=True, mirrors=[big.as_uri()])
    assert sorted(os.listdir(cache)) == sorted(mnist.OFFICIAL_FILES[:3])


def test_offline_download_fails_with_instructions(tmp_path, monkeypatch):
    calls = []

    def offline(url, timeout=None):
        calls.append(url)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(mnist.urllib.request, "urlopen", offline)
    cache = tmp_path / "cache"
    with pytest.raises(mnist.MNISTNotFoundError) as info:
        mnist.load_mnist(cache, download=True)
    msg = str(info.value)
    assert "name resolution" in msg and str(cache) in msg
    for name in mnist.OFFICIAL_FILES:
        assert name in msg
    for url in mnist.MIRRORS:
        assert url in msg
    assert len(calls) == 4 * len(mnist.MIRRORS)
    assert os.listdir(cache) == []  # no half-written file


def test_interrupted_download_leaves_nothing(tmp_path, fake_checksums, monkeypatch):
    mirror, _ = fake_checksums
    name = "train-images-idx3-ubyte.gz"
    served = (mirror / name).read_bytes()

    class Dropped(io.BytesIO):
        """A response that delivers the first 100,000 bytes, then the connection breaks."""

        def read(self, n=-1):
            if self.tell() >= 100_000:
                raise http.client.IncompleteRead(b"", 5)
            return super().read(min(n, 100_000 - self.tell()))

    monkeypatch.setattr(mnist.urllib.request, "urlopen", lambda url, timeout=None: Dropped(served))
    cache = filled_cache(tmp_path, mirror, mnist.OFFICIAL_FILES[1:])
    with pytest.raises(mnist.MNISTNotFoundError, match="IncompleteRead") as info:
        mnist.load_mnist(cache, download=True)
    assert name in str(info.value)
    assert sorted(os.listdir(cache)) == sorted(mnist.OFFICIAL_FILES[1:])


def test_tampered_cache_file(tmp_path, fake_checksums, monkeypatch):
    mirror, arrays = fake_checksums
    cache = filled_cache(tmp_path, mirror)
    (cache / "train-labels-idx1-ubyte.gz").write_bytes(b"not the right bytes")
    assert not mnist.mnist_available(cache)
    monkeypatch.setattr(mnist.urllib.request, "urlopen", no_network)
    with pytest.raises(mnist.ChecksumError, match="train-labels-idx1-ubyte.gz") as info:
        mnist.load_mnist(cache)
    assert str(cache) in str(info.value)
    monkeypatch.undo()
    for name in mnist.OFFICIAL_FILES:  # undo() dropped the fake checksums too
        monkeypatch.setitem(mnist.OFFICIAL_SHA256, name, mnist.sha256_file(mirror / name))
        monkeypatch.setitem(mnist.OFFICIAL_SIZES, name, (mirror / name).stat().st_size)
    # Asked to download, the loader replaces the damaged file.
    assert_loaded(mnist.load_mnist(cache, download=True, mirrors=[mirror.as_uri()]), arrays)


# ------------------------------------------------------------- real files, when present
@needs_shared
def test_real_official_files():
    arrays = {name: mnist.read_idx(SHARED / name) for name in mnist.OFFICIAL_FILES}
    assert arrays["train-images-idx3-ubyte.gz"].shape == (60000, 28, 28)
    assert arrays["t10k-images-idx3-ubyte.gz"].shape == (10000, 28, 28)
    assert np.bincount(arrays["train-labels-idx1-ubyte.gz"]).tolist() == TRAIN_COUNTS
    assert np.bincount(arrays["t10k-labels-idx1-ubyte.gz"]).tolist() == TEST_COUNTS
    # The shared folder has the cache layout, so the full loader reads it directly.
    assert mnist.mnist_available(SHARED)
    (Xtr, ytr), (Xte, yte) = mnist.load_mnist(SHARED)
    np.testing.assert_array_equal(Xtr, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(yte, arrays["t10k-labels-idx1-ubyte.gz"])

    # The embedded subset is the first 1,000 of each digit, in official order.
    labels = arrays["train-labels-idx1-ubyte.gz"]
    seen, keep = [0] * 10, []
    for i, d in enumerate(labels):
        if seen[d] < 1000:
            seen[d] += 1
            keep.append(i)
    (Str, sy), (Ste, sye) = mnist.load_mnist_small()
    np.testing.assert_array_equal(Str, Xtr[keep])
    np.testing.assert_array_equal(sy, labels[keep])
    np.testing.assert_array_equal(Ste, Xte)
    np.testing.assert_array_equal(sye, yte)


@needs_shared
def test_build_script_reproduces_shipped_files(tmp_path):
    from tools import build_mnist_subset as script

    assert script.DEFAULT_SOURCE == SHARED
    digests = script.build(SHARED, tmp_path)
    for name in mnist.EMBEDDED_FILES:
        assert (tmp_path / name).read_bytes() == (mnist.DATA_DIR / name).read_bytes(), name
        assert digests[name] == mnist.EMBEDDED_SHA256[name]
    # A source whose files are not the official ones is refused before anything is written.
    bad = tmp_path / "bad"
    fake_official_files(bad, n_train=20000, n_test=10)
    with pytest.raises(ValueError, match="SHA-256"):
        script.build(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- to_columns
def test_to_columns():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    before = images.copy()
    X = mnist.to_columns(images)
    assert X.shape == (784, 6) and X.dtype == np.float64
    for j in range(6):
        np.testing.assert_array_equal(X[:, j], images[j].ravel().astype(np.float64) / 255.0)
    np.testing.assert_array_equal(images, before)
    assert mnist.to_columns(np.full((2, 3, 4), 255, dtype=np.uint8)).tolist() == [[1.0, 1.0]] * 12
    assert mnist.to_columns(np.zeros((0, 28, 28), dtype=np.uint8)).shape == (784, 0)
    with pytest.raises(ValueError, match=r"\(m, h, w\).*\(28, 28\)"):
        mnist.to_columns(images[0])
    with pytest.raises(ValueError, match="images"):
        mnist.to_columns(images.reshape(6, 784))
    with pytest.raises(TypeError, match="uint8"):
        mnist.to_columns(images / 255.0)


def test_to_columns_feeds_the_network():
    import nnlessons as nl

    (Xtr, ytr), _ = mnist.load_mnist_small()
    X = mnist.to_columns(Xtr[:50])
    net = nl.Network([784, 8, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=0)
    assert net(X).shape == (10, 50)


def test_read_idx_names_a_text_mode_file_and_reads_an_upper_case_gz(tmp_path):
    data = idx_bytes(0x08, (3,), b"abc")
    (tmp_path / "plain.idx").write_bytes(data)
    # A text-mode file gave AttributeError: 'str' object has no attribute 'hex'.
    with open(tmp_path / "plain.idx", encoding="latin-1") as f:
        with pytest.raises(TypeError, match=r"plain.idx: read_idx needs a file opened in binary mode \('rb'\), "
                                            r"got one that reads str$"):
            mnist.read_idx(f)
    # "A.GZ" was read as plain IDX, then refused as "a gzip file; give read_idx a path ending in .gz".
    (tmp_path / "A.GZ").write_bytes(gzip.compress(data, mtime=0))
    assert mnist.read_idx(tmp_path / "A.GZ").tolist() == list(b"abc")
    # ... and write_idx compresses what read_idx decompresses.
    mnist.write_idx(tmp_path / "B.GZ", np.frombuffer(b"xyz", np.uint8))
    assert (tmp_path / "B.GZ").read_bytes()[:2] == b"\x1f\x8b"
    assert mnist.read_idx(tmp_path / "B.GZ").tolist() == list(b"xyz")
