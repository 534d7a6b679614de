"""Train nnlessons.Network on full MNIST: validation accuracy per epoch, the test set once at the end.

    python benchmarks/train_full_mnist.py [--data-dir DIR] [--download] [--small]
        [--val-size 5000] [--hidden 256] [--epochs 8] [--batch-size 64] [--optimizer momentum]
        [--learning-rate 0.05] [--constant-epochs 4] [--seed 0] [--dtype float64]

Reads the four official files from the MNIST cache (``--data-dir``, else the
``NNLESSONS_DATA`` environment variable, else ``~/.cache/nnlessons/mnist``); with
``--download`` it fetches them first (see nnlessons.mnist.load_mnist). ``--small`` uses
the embedded set instead (10,000 training images, no download), to try the script.

``--val-size`` images (chosen at random with ``--seed``) are held out of the training
images as a validation split: every choice of recipe is to be made on them. The network
is [784, hidden, 10], ReLU then softmax, categorical cross-entropy, trained on the rest
with ``Network.fit`` one epoch at a time (mini-batches reshuffled every epoch), so that
the learning rate can follow a schedule: constant for ``--constant-epochs`` epochs, then
halved after every epoch. After each epoch one line reports the validation loss and
accuracy and the time so far. The official 10,000 test images are scored once, after
the last epoch. ``--dtype float32`` trains a float32 network, the images converted
once. The BLAS thread count follows OPENBLAS_NUM_THREADS.
"""

import argparse
import os
import sys
import time

import numpy as np

import nnlessons as nl
from nnlessons import mnist
from nnlessons.datasets import train_test_split
from nnlessons.optim import SGD, Adam, Momentum


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="MNIST cache directory")
    parser.add_argument("--download", action="store_true", help="download the official files if missing")
    parser.add_argument("--small", action="store_true", help="use the embedded 10,000 training images")
    parser.add_argument("--val-size", type=int, default=None,
                        help="training images held out for validation (default 5000, 1000 with --small)")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default="momentum")
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--constant-epochs", type=int, default=4,
                        help="epochs at the initial learning rate before it is halved after every epoch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                        help="precision of the network (float32 is faster)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    try:
        loaded_sets = mnist.load_mnist_small() if args.small else mnist.load_mnist(args.data_dir, args.download)
    except (mnist.MNISTNotFoundError, mnist.ChecksumError) as exc:
        print(exc, file=sys.stderr)
        return 1
    (train_images, train_labels), (test_images, test_labels) = loaded_sets
    val_size = args.val_size if args.val_size is not None else (1000 if args.small else 5000)
    if not 0 < val_size < train_labels.size:
        print(f"--val-size must be between 1 and {train_labels.size - 1}, got {val_size}", file=sys.stderr)
        return 2
    X_fit, X_val, y_fit, y_val = train_test_split(mnist.to_columns(train_images), train_labels,
                                                  test_fraction=val_size / train_labels.size, rng=args.seed)
    # Converted once here: the network would otherwise convert float64 inputs to a float32
    # network's dtype at every call.
    X_fit, X_val = X_fit.astype(args.dtype, copy=False), X_val.astype(args.dtype, copy=False)
    loaded = time.perf_counter()

    optimizer = {"sgd": SGD, "momentum": Momentum, "adam": Adam}[args.optimizer](args.learning_rate)
    net = nl.Network([784, args.hidden, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=args.seed,
                     dtype=args.dtype)
    print(f"{net} in {args.dtype}, {args.optimizer} lr={args.learning_rate}, batch {args.batch_size}, "
          f"{args.epochs} epochs; {y_fit.size:,} training and {y_val.size:,} validation images; "
          f"BLAS threads (OPENBLAS_NUM_THREADS) = {os.environ.get('OPENBLAS_NUM_THREADS', 'not set')}")
    rng = np.random.default_rng(args.seed + 1)  # one generator: a fresh shuffle every epoch
    for epoch in range(1, args.epochs + 1):
        optimizer.learning_rate = args.learning_rate * 0.5 ** max(0, epoch - args.constant_epochs)
        net.fit(X_fit, y_fit, epochs=1, batch_size=args.batch_size, optimizer=optimizer, rng=rng)
        # measured here, on the validation split, whatever fit records in its history
        print(f"epoch {epoch}/{args.epochs}: learning rate {optimizer.learning_rate:.4g}, "
              f"validation loss {net.cost(X_val, y_val):.4f} accuracy {100 * net.accuracy(X_val, y_val):.2f}%, "
              f"{time.perf_counter() - loaded:.1f} s", flush=True)
    trained = time.perf_counter()

    # the test set, once
    accuracy = net.accuracy(mnist.to_columns(test_images).astype(args.dtype, copy=False), test_labels)
    errors = int(round((1.0 - accuracy) * test_labels.size))
    print(f"test accuracy {100 * accuracy:.2f}% ({errors} of {test_labels.size} test images wrong)")
    print(f"wall time: {trained - start:.1f} s in all ({loaded - start:.1f} s loading and checking the data, "
          f"{trained - loaded:.1f} s training, including the validation after every epoch)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
