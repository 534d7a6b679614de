"""How fast does nnlessons train? One epoch of [784, 128, 10] ReLU/softmax, mini-batch 64.

    python benchmarks/bench_training.py [--threads 1 2] [--reps 5] [--data-dir DIR] [--json FILE]

Compares, in one run with the repetitions alternating between contenders:

* fit           Network.fit as a user calls it, once per epoch:
                ``net.fit(X, labels, epochs=1, batch_size=64, learning_rate=0.1, rng=rng)``,
                the whole call timed: its argument checks (a scan of X for nan/inf), the
                shuffle, every training step and the per-epoch history (running means);
* fit f32       the same with Network(..., dtype=np.float32), X converted to float32 once
                beforehand as benchmarks/train_full_mnist.py does;
* package       the bare training step: forward, backward and an SGD step per mini-batch
                (shuffle, gather the batch's columns, forward, backward, step), timing only
                the steps, as a reference for what fit adds;
* package f32   the same with Network(..., dtype=np.float32); the inputs and one-hot
                targets are converted to float32 once, before anything is timed;
* floor f32     a lower bound for any numpy version of fit's float32 epoch: the same maths
                with as few numpy calls as could be written (no checks, buffers allocated
                once, one flat parameter array so that keeping the last good parameters
                is one copy and the SGD step one subtraction, the learning rate folded
                into dZ), still keeping the running loss and accuracy;
* products f32  only the part no implementation avoids: gathering each batch and the two
                large matrix products per step, W1 @ X and dZ1 @ X.T;
* per-example   the loop many tutorials write: within each mini-batch, run forward and
                backward one example (one column) at a time and accumulate the gradients,
                here carefully (plain numpy, no validation, gradients summed in place);
                also timed in float32 ("per-example f32"), for a like-for-like
                comparison with "package f32";
* textbook      the same loop as the best-known from-scratch book writes it: backprop(x, y)
                returns fresh gradient arrays, summed into new arrays per example.
                Both loops are slow, so a fraction of the epoch is timed and the figure
                is EXTRAPOLATED to the whole epoch (labelled as such);
* torch f64 / torch f32   the same network in PyTorch on the CPU (nn.Linear, ReLU,
                cross_entropy, torch.optim.SGD), in float64 like the package and in
                float32, PyTorch's default; only when torch is importable.

The data are full MNIST (60,000 training images) when the loader finds them in the
cache (``--data-dir`` or the default cache, see nnlessons.mnist), otherwise random
data of the same shape (60,000 x 784, 10 classes): the time per epoch does not depend
on the values.

For each thread count, numpy and PyTorch run in two separate worker processes started
with OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS set before numpy loads
(and torch.set_num_threads set to the same number); this script asks them for one
epoch at a time, in turn. Separate processes matter: in one process, PyTorch's OpenMP
threads and OpenBLAS's threads compete for the same two cores and slow each other down.
The achieved GFLOP/s are compared with the machine's measured peak: the best time of a
2048 x 2048 matrix product, in float64 for the float64 contenders and in float32 for the
float32 ones. Only the matrix products a training step needs are counted (see
useful_flops_per_example); every contender executes exactly those: Network.backward skips
the gradient with respect to the input images, the loops never compute it, and PyTorch's
autograd does not either because the inputs do not require gradients.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

N_IN, N_HIDDEN, N_OUT, BATCH, LR = 784, 128, 10, 64, 0.1


def useful_flops_per_example():
    """Matrix-product FLOPs one example needs in a training step (elementwise work ignored).

    Forward 2(n0 n1 + n1 n2); weight gradients 2(n0 n1 + n1 n2); the hidden layer's input
    gradient 2 n1 n2. The gradient with respect to the input X is not needed, and no
    contender computes it (Network.backward asks the first layer for need_dA_prev=False).
    """
    return 4 * N_IN * N_HIDDEN + 6 * N_HIDDEN * N_OUT


def blas_threads_note(threads):
    try:
        from threadpoolctl import threadpool_info

        info = threadpool_info()
        pools = [f"{d['internal_api']} {d.get('version')} {d['num_threads']} threads" for d in info]
        return ", ".join(pools) + " (threadpoolctl)"
    except ImportError:
        names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
        env = ", ".join(f"{k}={os.environ.get(k)}" for k in names)
        return f"{threads} (threadpoolctl not installed; environment: {env})"


def blas_name():
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # show_config's layout differs between numpy versions
        return "unknown"


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- workers
def load_data(data_dir):
    """``(X (784, m) float64 column-contiguous, y (m,) int64, description)``."""
    import numpy as np

    from nnlessons import mnist

    if mnist.mnist_available(data_dir):
        (images, labels), _ = mnist.load_mnist(data_dir)
        return mnist.to_columns(images), labels.astype(np.int64), "full MNIST (60,000 images)"
    rng = np.random.default_rng(1)
    X = np.asfortranarray(rng.random((N_IN, 60000)))
    note = "random data of MNIST's shape (60,000 x 784, 10 classes); MNIST not in the cache"
    return X, rng.integers(0, N_OUT, 60000), note


def new_network(dtype="float64"):
    import nnlessons as nl

    return nl.Network([N_IN, N_HIDDEN, N_OUT], ["relu", "softmax"], "categorical_cross_entropy", rng=0,
                      dtype=dtype)


def matmul_peak(rng, dtype, n=2048):
    """GFLOP/s of the best of three n x n matrix products in ``dtype``."""
    A, B = rng.random((n, n)).astype(dtype), rng.random((n, n)).astype(dtype)
    A @ B
    return 2 * n**3 / min(_timed(lambda: A @ B) for _ in range(3)) / 1e9


def reference_gradients(X, y):
    """The package's gradients on the first mini-batch, for checking the other contenders."""
    net = new_network()
    _, cache = net.forward(X[:, :BATCH])
    return net.params, net.backward(y[:BATCH], cache)


def numpy_worker(args, X, y, rng):
    """The package (float64 and float32) and the two per-example loops. Returns ``(contenders, info)``."""
    import numpy as np

    import nnlessons as nl
    from nnlessons.optim import SGD

    m = X.shape[1]
    n_batches, k = -(-m // BATCH), args.example_batches
    Y = np.asfortranarray(nl.one_hot(y, N_OUT))
    # Converted once, column-contiguous like X, so the timed float32 epoch gathers and
    # trains on float32 batches without any conversion inside the loop.
    X32, Y32 = np.asfortranarray(X, dtype=np.float32), np.asfortranarray(Y, dtype=np.float32)

    def package_epoch_fn(dtype, Xd, Yd):
        net, opt = new_network(dtype), SGD(LR)

        def epoch():
            order = rng.permutation(m)
            start = time.perf_counter()
            for s in range(0, m, BATCH):
                idx = order[s:s + BATCH]
                _, cache = net.forward(Xd[:, idx])
                opt.step(net.params, net.backward(Yd[:, idx], cache))
            return time.perf_counter() - start

        return net, epoch

    _, package_epoch = package_epoch_fn("float64", X, Y)
    net32, package_epoch32 = package_epoch_fn("float32", X32, Y32)

    def fit_epoch_fn(dtype, Xd):
        net = new_network(dtype)

        def epoch():
            start = time.perf_counter()
            net.fit(Xd, y, epochs=1, batch_size=BATCH, learning_rate=LR, rng=rng)
            return time.perf_counter() - start

        return epoch

    def floor_epoch_fn(params, products_only=False):
        """Fit's work in float32 with as few numpy calls as I could write, as a lower bound
        for any numpy implementation of it: no argument checks, every buffer allocated
        once, all parameters in one flat array (one copy keeps the last good ones, one
        subtraction is the SGD step), and the learning rate and 1/m folded into dZ2 so the
        products already give lr * dW. It still keeps fit's running loss and accuracy.
        With ``products_only`` it only gathers each batch and runs the two large products
        (W1 @ X and dZ1 @ X.T), which no implementation can avoid."""
        shapes = [params["W1"].shape, params["W2"].shape]
        sizes = [a * b + a for a, b in shapes]
        flat, gflat, keep = (np.zeros(sum(sizes), np.float32) for _ in range(3))

        def views(buf):
            out, o = [], 0
            for (a, b), size in zip(shapes, sizes):
                out += [buf[o:o + a * b].reshape(a, b), buf[o + a * b:o + size].reshape(a, 1)]
                o += size
            return out

        W1, b1, W2, b2 = views(flat)
        dW1, db1, dW2, db2 = views(gflat)
        for v, name in zip((W1, b1, W2, b2), ("W1", "b1", "W2", "b2")):
            v[...] = params[name]
        rows = X32.T  # (m, 784) C-contiguous: one batch is 64 contiguous rows
        bufs = {}

        def step(idx):
            b = len(idx)
            if b not in bufs:
                bufs[b] = (np.zeros((N_HIDDEN, b), np.float32), np.zeros((N_HIDDEN, b), np.float32),
                           np.zeros((N_OUT, b), np.float32), np.zeros((N_HIDDEN, b), bool),
                           np.zeros((1, b), np.float32), np.arange(b))
            Z1, dZ1, Z2, mask, s, cols = bufs[b]
            Xb, yb = rows[idx].T, y[idx]
            np.matmul(W1, Xb, out=Z1)
            if products_only:
                np.matmul(dZ1, Xb.T, out=dW1)
                return 0.0, 0
            np.add(Z1, b1, out=Z1)
            np.greater(Z1, 0, out=mask)
            np.maximum(Z1, 0, out=Z1)  # Z1 now holds A1
            np.matmul(W2, Z1, out=Z2)
            np.add(Z2, b2, out=Z2)
            correct = np.count_nonzero(Z2.argmax(axis=0) == yb)
            np.subtract(Z2, Z2.max(axis=0, keepdims=True), out=Z2)
            z_true = Z2[yb, cols]
            np.exp(Z2, out=Z2)
            np.sum(Z2, axis=0, keepdims=True, out=s)
            loss = float(np.log(s).sum() - z_true.sum()) / b
            np.multiply(s, b / LR, out=s)
            np.divide(Z2, s, out=Z2)
            Z2[yb, cols] -= LR / b  # Z2 now holds lr * dZ2 = lr / m * (P - Y)
            np.matmul(Z2, Z1.T, out=dW2)
            np.sum(Z2, axis=1, keepdims=True, out=db2)
            np.matmul(W2.T, Z2, out=dZ1)
            np.multiply(dZ1, mask, out=dZ1)
            np.matmul(dZ1, Xb.T, out=dW1)
            np.sum(dZ1, axis=1, keepdims=True, out=db1)
            np.copyto(keep, flat)
            np.subtract(flat, gflat, out=flat)
            return loss, correct

        def epoch():
            order = rng.permutation(m)
            start = time.perf_counter()
            total_loss, total_correct = 0.0, 0
            for s in range(0, m, BATCH):
                loss, correct = step(order[s:s + BATCH])
                total_loss, total_correct = total_loss + loss, total_correct + correct
            return time.perf_counter() - start

        return step, views(gflat), epoch

    P, P32 = {}, {}  # the per-example loops' own weights, float64 and float32

    def example_grads(P, x, t, G):
        z1 = P["W1"] @ x + P["b1"]
        a1 = np.maximum(z1, 0.0)
        z2 = P["W2"] @ a1 + P["b2"]
        e = np.exp(z2 - z2.max())
        dz2 = e / e.sum() - t
        G["W2"] += dz2 @ a1.T
        G["b2"] += dz2
        dz1 = (P["W2"].T @ dz2) * (z1 > 0)
        G["W1"] += dz1 @ x.T
        G["b1"] += dz1

    # The textbook version: backprop(x, y) returns fresh arrays for one example.
    def backprop(x, t):
        z1 = P["W1"] @ x + P["b1"]
        a1 = np.maximum(z1, 0.0)
        z2 = P["W2"] @ a1 + P["b2"]
        e = np.exp(z2 - z2.max())
        dz2 = e / e.sum() - t
        dz1 = (P["W2"].T @ dz2) * (z1 > 0)
        return {"W1": dz1 @ x.T, "b1": dz1, "W2": dz2 @ a1.T, "b2": dz2}

    def per_example_batches(n, textbook=False, f32=False):
        P_, Xd, Yd = (P32, X32, Y32) if f32 else (P, X, Y)
        order = rng.permutation(m)
        start = time.perf_counter()
        for s in range(0, n * BATCH, BATCH):
            idx = order[s:s + BATCH]
            G = {name: np.zeros_like(v) for name, v in P_.items()}
            for i in idx:
                x, t = Xd[:, i:i + 1], Yd[:, i:i + 1]
                if textbook:
                    delta = backprop(x, t)
                    G = {name: G[name] + delta[name] for name in G}
                else:
                    example_grads(P_, x, t, G)
            for name in P_:
                if textbook:
                    P_[name] = P_[name] - LR / len(idx) * G[name]
                else:
                    P_[name] -= LR * G[name] / len(idx)
        return time.perf_counter() - start

    # Same gradients as the package on the first mini-batch, before anything is timed.
    params, ref = reference_gradients(X, y)
    P.update({name: v.copy() for name, v in params.items()})
    G = {name: np.zeros_like(v) for name, v in P.items()}
    for i in range(BATCH):
        example_grads(P, X[:, i:i + 1], Y[:, i:i + 1], G)
    deltas = [backprop(X[:, i:i + 1], Y[:, i:i + 1]) for i in range(BATCH)]
    agree = {
        "per-example": max(nl.relative_error(G[name] / BATCH, ref[name]) for name in ref),
        "textbook": max(nl.relative_error(sum(d[name] for d in deltas) / BATCH, ref[name]) for name in ref),
    }
    # float32: compared with float64 gradients from the same float32-rounded weights and
    # inputs, so the error is that of float32 arithmetic alone (about 1e-7 to 1e-6).
    _, cache32 = net32.forward(X32[:, :BATCH])
    grads32 = net32.backward(Y32[:, :BATCH], cache32)
    net64 = new_network()
    net64.set_params({name: v.astype(np.float64) for name, v in net32.params.items()})
    _, cache64 = net64.forward(X32[:, :BATCH].astype(np.float64))
    ref32 = net64.backward(Y[:, :BATCH], cache64)
    agree["package f32 vs float64"] = max(nl.relative_error(grads32[name], ref32[name]) for name in ref32)
    P32.update({name: v.copy() for name, v in net32.params.items()})
    G = {name: np.zeros_like(v) for name, v in P32.items()}
    for i in range(BATCH):
        example_grads(P32, X32[:, i:i + 1], Y32[:, i:i + 1], G)
    agree["per-example f32 vs float64"] = max(nl.relative_error(G[name] / BATCH, ref32[name]) for name in ref32)

    # The floor's first step, from the float32 weights, gives lr * the float32 gradients.
    floor_step, floor_grads, floor_epoch = floor_epoch_fn(net32.params)
    floor_step(np.arange(BATCH))
    agree["floor f32 vs float64"] = max(nl.relative_error(g / np.float32(LR), ref32[name])
                                        for g, name in zip(floor_grads, ("W1", "b1", "W2", "b2")))
    _, _, products_epoch = floor_epoch_fn(net32.params, products_only=True)

    contenders = {
        "fit": fit_epoch_fn("float64", X),
        "fit f32": fit_epoch_fn("float32", X32),
        "package": package_epoch,
        "package f32": package_epoch32,
        "per-example": lambda: per_example_batches(k) * n_batches / k,
        "textbook": lambda: per_example_batches(k, textbook=True) * n_batches / k,
        "per-example f32": lambda: per_example_batches(k, f32=True) * n_batches / k,
        "floor f32": floor_epoch,
        "products f32": products_epoch,
    }
    info = {"numpy": np.__version__, "blas": blas_name(), "blas_threads": blas_threads_note(args.threads),
            "peak_gflops": matmul_peak(rng, np.float64), "peak_gflops_f32": matmul_peak(rng, np.float32),
            "gradient_agreement": agree, "example_batches": k, "n_batches": n_batches, "m": m}
    return contenders, info


def torch_worker(args, X, y, rng):
    """The same network in PyTorch, float64 and float32. Returns ``(contenders, info)``."""
    import torch

    import nnlessons as nl

    torch.set_num_threads(args.threads)
    m = X.shape[1]
    Xt, yt = torch.from_numpy(X.T.copy()), torch.from_numpy(y)

    def make(dtype):
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(N_IN, N_HIDDEN), torch.nn.ReLU(), torch.nn.Linear(N_HIDDEN, N_OUT)
        ).to(dtype)
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        data = Xt.to(dtype)

        def epoch():
            perm = torch.from_numpy(rng.permutation(m))
            start = time.perf_counter()
            for s in range(0, m, BATCH):
                idx = perm[s:s + BATCH]
                loss = torch.nn.functional.cross_entropy(model(data[idx]), yt[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            return time.perf_counter() - start

        return model, epoch

    model64, epoch64 = make(torch.float64)
    _, epoch32 = make(torch.float32)

    # Same gradients as the package on the first mini-batch, from the same weights.
    params, ref = reference_gradients(X, y)
    lin1, lin2 = model64[0], model64[2]
    with torch.no_grad():
        for lin, l in ((lin1, 1), (lin2, 2)):
            lin.weight.copy_(torch.from_numpy(params[f"W{l}"]))
            lin.bias.copy_(torch.from_numpy(params[f"b{l}"][:, 0]))
    torch.nn.functional.cross_entropy(model64(Xt[:BATCH]), yt[:BATCH]).backward()
    grads = {"W1": lin1.weight.grad.numpy(), "b1": lin1.bias.grad.numpy()[:, None],
             "W2": lin2.weight.grad.numpy(), "b2": lin2.bias.grad.numpy()[:, None]}
    model64.zero_grad(set_to_none=True)
    agree = {"torch f64": max(nl.relative_error(grads[name], ref[name]) for name in ref)}
    info = {"torch": torch.__version__, "torch_threads": torch.get_num_threads(), "gradient_agreement": agree}
    return {"torch f64": epoch64, "torch f32": epoch32}, info


def serve(args):
    """Worker process: set up, say READY with the facts, then time one contender per request."""
    import numpy as np

    X, y, note = load_data(args.data_dir)
    rng = np.random.default_rng(0)
    contenders, info = (numpy_worker if args.worker == "numpy" else torch_worker)(args, X, y, rng)
    info["data"] = note
    print("READY " + json.dumps(info), flush=True)
    for line in sys.stdin:
        name = line.strip()
        if name == "quit":
            break
        print(json.dumps(contenders[name]()), flush=True)


# ------------------------------------------------------------------------ the driver
class Worker:
    def __init__(self, group, threads, args):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads))
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", group, "--threads", str(threads),
               "--example-batches", str(args.example_batches)]
        if args.data_dir:
            cmd += ["--data-dir", args.data_dir]
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            self.proc.kill()
            raise RuntimeError(f"the {group} worker failed to start (see its error output above)")
        self.info = json.loads(line[6:])

    def time(self, name):
        self.proc.stdin.write(name + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait()


def measure(threads, args, with_torch):
    workers = {"numpy": Worker("numpy", threads, args)}
    order = [("numpy", "fit"), ("numpy", "fit f32"), ("numpy", "package"), ("numpy", "package f32"),
             ("numpy", "floor f32"), ("numpy", "products f32"),
             ("numpy", "per-example"), ("numpy", "textbook"), ("numpy", "per-example f32")]
    if with_torch:
        workers["torch"] = Worker("torch", threads, args)
        order[6:6] = [("torch", "torch f64"), ("torch", "torch f32")]
    try:
        for group, name in order:  # warm-up: caches, allocator, torch's first call
            if not name.startswith(("per-example", "textbook")):
                workers[group].time(name)
        load_before = os.getloadavg()[0]
        times = {name: [] for _, name in order}
        for _ in range(args.reps):
            for group, name in order:
                times[name].append(workers[group].time(name))
        load_after = os.getloadavg()[0]
    finally:
        for w in workers.values():
            w.close()
    result = dict(workers["numpy"].info, threads=threads, times=times, load_average=[load_before, load_after])
    result["torch"] = workers["torch"].info["torch"] if with_torch else None
    if with_torch:
        result["gradient_agreement"].update(workers["torch"].info["gradient_agreement"])
        result["torch_threads"] = workers["torch"].info["torch_threads"]
    m = result["m"]
    result["gflop_per_epoch"] = m * useful_flops_per_example() / 1e9
    return result


def median(values):
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else 0.5 * (s[mid - 1] + s[mid])


def report(r):
    t = {name: median(v) for name, v in r["times"].items()}
    print(f"\n=== {r['threads']} thread(s) ===")
    print(f"BLAS threads in use: {r['blas_threads']}"
          + (f"; torch.get_num_threads() = {r['torch_threads']}" if r["torch"] else ""))
    print(f"numpy {r['numpy']}, BLAS {r['blas']}, torch {r['torch'] or 'not installed'}")
    print(f"data: {r['data']}")
    print(f"1-minute load average before/after the timed runs: {r['load_average'][0]:.1f} / {r['load_average'][1]:.1f} "
          f"on {os.cpu_count()} logical CPUs (other work on the machine slows every contender)")
    print("gradients agree with the package's float64 gradients on one batch (max relative error): "
          + ", ".join(f"{k} {v:.1e}" for k, v in r["gradient_agreement"].items()))
    print(f"{'contender':<18}{'s/epoch (median)':>18}{'min':>9}{'samples/s':>12}{'GFLOP/s':>9}{'% of peak':>11}")
    for name, secs in t.items():
        label = name + (" *" if name.startswith(("per-example", "textbook")) else "")
        peak = r["peak_gflops_f32"] if name.endswith("f32") else r["peak_gflops"]
        gflops = r["gflop_per_epoch"] / secs
        print(f"{label:<18}{secs:>18.3f}{min(r['times'][name]):>9.3f}{r['m'] / secs:>12,.0f}"
              f"{gflops:>9.1f}{100 * gflops / peak:>10.0f}%")
    print(f"* per-example loops: {r['example_batches']} of {r['n_batches']} mini-batches timed per repetition, "
          "EXTRAPOLATED to the whole epoch")
    print(f"GFLOP/s count the {r['gflop_per_epoch']:.1f} GFLOP of matrix products an epoch needs (the only ones "
          "any contender executes); peak = best 2048 x 2048 matrix product: "
          f"float64 {r['peak_gflops']:.1f} GFLOP/s, float32 {r['peak_gflops_f32']:.1f} GFLOP/s "
          "(f32 contenders are compared with the float32 peak)")
    for pkg, loops in (("package", ("per-example", "textbook")),
                       ("package f32", ("per-example", "textbook", "per-example f32"))):
        for name in loops:
            print(f"{name} / {pkg}: {t[name] / t[pkg]:.1f}x  (the package is faster by this factor)")
    for pkg in ("fit", "fit f32", "package", "package f32", "floor f32", "products f32"):
        for name in ("torch f64", "torch f32"):
            if name in t:
                print(f"{name} / {pkg}: {t[name] / t[pkg]:.2f}  (> 1 means the package is faster)")
    print(f"fit / bare step: float64 {t['fit'] / t['package']:.2f}, float32 {t['fit f32'] / t['package f32']:.2f} "
          "(what fit's checks and history cost on top of the training steps)")
    # On a busy machine the medians carry other jobs' work; the minima come closer to the
    # machine's own speed. Both are printed, and the peak is measured in the same run.
    best = {name: min(v) for name, v in r["times"].items()}
    for label, d in (("median", t), ("min", best)):
        share = r["gflop_per_epoch"] / d["fit"] / r["peak_gflops"]
        line = f"targets ({label} times): fit float64 at {100 * share:.0f}% of the float64 peak (target >= 45%)"
        if "torch f32" in d:
            line += (f"; fit float32 / PyTorch float32 = {d['fit f32'] / d['torch f32']:.2f} (target <= 0.6; "
                     f"the numpy floor {d['floor f32'] / d['torch f32']:.2f}, the two large products and "
                     f"the gather alone {d['products f32'] / d['torch f32']:.2f})")
        print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="BLAS thread counts to measure")
    parser.add_argument("--reps", type=int, default=5, help="alternating repetitions per contender")
    parser.add_argument("--example-batches", type=int, default=40,
                        help="mini-batches timed for the per-example loops (then extrapolated)")
    parser.add_argument("--data-dir", default=None, help="MNIST cache directory (default: nnlessons' cache)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even when it is installed")
    parser.add_argument("--json", default=None, help="also write the raw results to this file")
    parser.add_argument("--worker", choices=["numpy", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        args.threads = args.threads[0]
        serve(args)
        return
    with_torch = not args.no_torch and importlib.util.find_spec("torch") is not None
    results = []
    for threads in args.threads:
        results.append(measure(threads, args, with_torch))
        report(results[-1])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
