"""Train a convolutional network built from nnlessons.conv on full MNIST; the test set once at the end.

    python benchmarks/train_conv_mnist.py [--data-dir DIR] [--download] [--small] [--val-size 5000]
        [--epochs 10] [--batch-size 64] [--learning-rate 0.1] [--decay-epochs 4] [--seed 0]
        [--dtype float32] [--skip-test]

Reads the four official files as ``nnlessons.mnist.load_mnist`` finds them (``--data-dir``,
else ``NNLESSONS_DATA``, else ``~/.cache/nnlessons/mnist``); ``--download`` fetches them
first; ``--small`` uses the embedded 10,000 training images instead, to try the script.
``--val-size`` training images (drawn with ``--seed``) are held out as a validation split, on
which every choice of recipe is made (``--skip-test`` leaves the test set alone while recipes
are compared); the official 10,000 test images are scored once, after the last epoch.

The network (two convolution layers, as in Nielsen's chapter 6, with ReLU):
conv 20 filters 5x5 -> ReLU -> 2x2 max-pool -> conv 40 filters 5x5 -> ReLU -> 2x2 max-pool
-> dense 100 -> ReLU -> dense 10, softmax with cross-entropy. Plain mini-batch SGD (no
momentum): the learning rate stays constant for ``--decay-epochs`` epochs and is then halved
after every epoch. A progress bar runs through each epoch; one line per epoch reports
the validation accuracy and the time so far (wall clock, and the process's CPU time, which a
busy machine inflates far less). The BLAS thread count follows OPENBLAS_NUM_THREADS
(set it to 1 for the figures in benchmarks/RESULTS.md).
"""

import argparse
import sys
import time

import numpy as np

from nnlessons import conv, mnist
from nnlessons.datasets import train_test_split
from nnlessons.losses import one_hot


def network(rng, dtype):
    """The two-convolution network of the module docstring: 28x28 -> 24 -> 12 -> 8 -> 4, 40 * 4 * 4 = 640 features."""
    return conv.Sequential([
        conv.Conv2D(1, 20, 5, rng=rng, dtype=dtype), conv.ReLU(), conv.MaxPool2D(2),
        conv.Conv2D(20, 40, 5, rng=rng, dtype=dtype), conv.ReLU(), conv.MaxPool2D(2),
        conv.Flatten(),
        conv.Dense(640, 100, rng=rng, dtype=dtype), conv.ReLU(),
        conv.Dense(100, 10, rng=rng, scale=1.0, dtype=dtype),
    ])


def progress(done, total, start, width=30):
    filled = int(width * done / total)
    sys.stdout.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done:6,}/{total:,} images, "
                     f"{time.perf_counter() - start:6.1f} s")
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="MNIST cache directory")
    parser.add_argument("--download", action="store_true", help="download the official files if missing")
    parser.add_argument("--small", action="store_true", help="use the embedded 10,000 training images")
    parser.add_argument("--val-size", type=int, default=None, help="held out for validation (5000; 1000 with --small)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--decay-epochs", type=int, default=4,
                        help="epochs at the initial learning rate before it is halved after every epoch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float32")
    parser.add_argument("--skip-test", action="store_true",
                        help="do not score the test set (for comparing recipes on the validation split)")
    args = parser.parse_args(argv)

    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        (train_images, train_labels), (test_images, test_labels) = (
            mnist.load_mnist_small() if args.small else mnist.load_mnist(args.data_dir, args.download))
    except (mnist.MNISTNotFoundError, mnist.ChecksumError) as exc:
        print(exc, file=sys.stderr)
        return 1
    dtype = np.dtype(args.dtype)
    val_size = args.val_size if args.val_size is not None else (1000 if args.small else 5000)
    X_fit, X_val, y_fit, y_val = train_test_split(mnist.to_columns(train_images), train_labels,
                                                  test_fraction=val_size / train_labels.size, rng=args.seed)
    images = lambda cols: np.ascontiguousarray(cols.astype(dtype)).reshape(1, 28, 28, cols.shape[1])  # noqa: E731
    X_fit, X_val = images(X_fit), images(X_val)
    Y_fit = one_hot(y_fit, 10).astype(dtype)
    m = y_fit.size
    rng = np.random.default_rng(args.seed)
    net = network(rng, dtype)
    print(f"{m:,} training images, {y_val.size:,} validation images; {net}; {net.n_params():,} parameters; "
          f"{args.dtype}, batches of {args.batch_size}")
    lr = args.learning_rate
    for epoch in range(1, args.epochs + 1):
        if epoch > args.decay_epochs:
            lr /= 2
        epoch_start = time.perf_counter()
        order = rng.permutation(m)
        for k, s in enumerate(range(0, m, args.batch_size)):
            batch = order[s:s + args.batch_size]
            _, cache = net.forward(X_fit[..., batch])
            grads = net.backward(Y_fit[:, batch], cache)
            for name in net.params:
                net.params[name] -= lr * grads[name]
            if k % 50 == 0:
                progress(s, m, epoch_start)
        progress(m, m, epoch_start)
        val = net.accuracy(X_val, y_val)
        print(f"\repoch {epoch:2d}: learning rate {lr:.4f}, validation accuracy {100 * val:.2f}%, "
              f"epoch {time.perf_counter() - epoch_start:.0f} s, {time.perf_counter() - start:.0f} s so far "
              f"({time.process_time() - cpu_start:.0f} s of CPU time)" + " " * 10)
    if args.skip_test:
        print(f"test set not scored (--skip-test); total {time.perf_counter() - start:.0f} s "
              f"({time.process_time() - cpu_start:.0f} s of CPU time)")
        return 0
    test = net.accuracy(images(mnist.to_columns(test_images)), test_labels)
    print(f"test accuracy (10,000 official test images, scored once): {100 * test:.2f}%; "
          f"total {time.perf_counter() - start:.0f} s ({time.process_time() - cpu_start:.0f} s of CPU time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
