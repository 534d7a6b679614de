"""How fast is nnlessons' convolution layer? Forward + backward on an MNIST-shaped batch, against PyTorch.

    python benchmarks/bench_conv.py [--reps 20] [--batch 64] [--filters 16] [--kernel 5]

One convolution layer, 64 images 1 x 28 x 28, 16 filters 5 x 5, stride 1, no padding
(the first layer of notebook 09's network), timed as

* forward + backward, dX too  the layer inside a network: Z, then dW, db and dX from dZ;
* forward + backward, no dX   the layer as the first of a network, whose input needs no gradient;

for the package (``conv.forward`` / ``conv.backward``, im2col and one matrix product each way)
in float64 and float32, and for PyTorch's ``torch.nn.functional.conv2d`` on the CPU in the same
precisions (autograd's backward; for "dX too" the input requires a gradient), in one process
with one thread each (OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1, torch.set_num_threads(1),
set before numpy and torch load), repetitions alternating between contenders. Reported: the
median and the minimum time, their ratios to PyTorch's in the same precision, and the share of
the matrix-product peak (the best time of 2048 x 2048 products in that precision, measured in
the same run) that the useful FLOPs reach at the minimum time: 2 F C kh kw Ho Wo m for each of
Z, dW and dX. Times are CPU times of this one-thread process (``time.process_time``), which a
machine shared with other jobs inflates far less than wall-clock times; the minimum is the
steadier figure.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from nnlessons import conv  # noqa: E402


def matmul_peak(dtype, n=2048, reps=10):
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
    best = np.inf
    for _ in range(reps):
        start = time.process_time()
        A @ B
        best = min(best, time.process_time() - start)
    return 2 * n ** 3 / best / 1e9


def package_step(X, W, b, need_dX):
    def step():
        Z, cache = conv.forward(X, W, b)
        conv.backward(Z, cache, need_dX=need_dX)  # dZ = Z: any array of the output's shape
    return step


def torch_step(torch, X, W, b, need_dX):
    Xt = torch.from_numpy(np.ascontiguousarray(X.transpose(3, 0, 1, 2)))   # (N, C, H, W)
    Xt.requires_grad_(need_dX)
    Wt = torch.from_numpy(W.copy()).requires_grad_(True)
    bt = torch.from_numpy(b.ravel().copy()).requires_grad_(True)

    def step():
        Wt.grad = bt.grad = Xt.grad = None
        Z = torch.nn.functional.conv2d(Xt, Wt, bt)
        Z.backward(Z.detach())
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--filters", type=int, default=16)
    parser.add_argument("--kernel", type=int, default=5)
    args = parser.parse_args()
    m, F, k = args.batch, args.filters, args.kernel
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
        print("PyTorch is not installed: the package alone is timed (pip install torch for the comparison)")
    rng = np.random.default_rng(0)
    X64 = rng.random((1, 28, 28, m))
    W64 = rng.standard_normal((F, 1, k, k)) * 0.2
    b64 = np.zeros((F, 1))
    Ho = 28 - k + 1
    flops = 2 * F * 1 * k * k * Ho * Ho * m
    steps = {}
    for dtype, tag in ((np.float64, "f64"), (np.float32, "f32")):
        X, W, b = X64.astype(dtype), W64.astype(dtype), b64.astype(dtype)
        for need_dX in (True, False):
            variant = "dX too" if need_dX else "no dX"
            steps[("package", tag, variant)] = package_step(X, W, b, need_dX)
            if torch is not None:
                steps[("torch", tag, variant)] = torch_step(torch, X, W, b, need_dX)
    times = {key: [] for key in steps}
    for step in steps.values():  # warm-up
        step()
    for _ in range(args.reps):
        for key, step in steps.items():
            start = time.process_time()
            step()
            times[key].append(time.process_time() - start)
    peak = {"f64": matmul_peak(np.float64), "f32": matmul_peak(np.float32)}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"convolution layer, {m} images 1x28x28, {F} filters {k}x{k}, one thread, median of {args.reps} "
          f"alternating repetitions; 1-minute load average {load:.2f}")
    print(f"matrix-product peak (2048 x 2048): float64 {peak['f64']:.1f} GFLOP/s, float32 {peak['f32']:.1f} GFLOP/s")
    print(f"{'contender':<10}{'precision':>10}{'backward':>9}{'median ms':>11}{'min ms':>9}"
          f"{'x PyTorch (median, min)':>25}{'GFLOP/s':>9}{'% of peak':>11}")
    for (who, tag, variant), samples in times.items():
        med, low = float(np.median(samples)), float(np.min(samples))
        useful = flops * (3 if variant == "dX too" else 2)
        ratio = ""
        if who == "package" and ("torch", tag, variant) in times:
            other = times[("torch", tag, variant)]
            ratio = f"{med / float(np.median(other)):.2f}, {low / float(np.min(other)):.2f}"
        gflops = useful / low / 1e9
        print(f"{who:<10}{tag:>10}{variant:>9}{1000 * med:>11.2f}{1000 * low:>9.2f}{ratio:>25}{gflops:>9.1f}"
              f"{100 * gflops / peak[tag]:>10.0f}%")
    print(f"1-minute load average at the end: {os.getloadavg()[0]:.2f}")

if __name__ == "__main__":
    main()
