"""A dense neural network's forward pass in numpy: CPU-bound and multi-threaded through BLAS.

At init (the cold start) it builds a 3-layer perceptron (784 -> 1024 -> 1024 -> 10, seeded
random weights: no download), the shape of a small embedding or classification model. Each
request runs a batch of ``{"batch": N}`` inputs (default 512) through it; ``{"threads": K}``
caps the BLAS threads (default: as many as the machine has). Matrix products split over
threads, so past one vCPU (1,769 MB on Lambda) it keeps speeding up while it has threads to
run: the kind of function for which more than 1,769 MB pays.

    advisor local invoke examples/matmul_inference.py:handler --memory 3008 -n 5
    advisor local invoke examples/matmul_inference.py:handler --memory 3008 -n 5 --payload '{"threads": 1}'
"""

import numpy as np
from threadpoolctl import threadpool_limits

SEED = 0
LAYERS = (784, 1024, 1024, 10)

_rng = np.random.default_rng(SEED)
WEIGHTS = [_rng.standard_normal((a, b)).astype(np.float32) / np.sqrt(a)
           for a, b in zip(LAYERS[:-1], LAYERS[1:], strict=True)]
INPUTS = _rng.standard_normal((4096, LAYERS[0])).astype(np.float32)


def handler(event, context):
    """Classify ``event["batch"]`` inputs on at most ``event["threads"]`` BLAS threads."""
    batch = int(event.get("batch", 512))
    threads = event.get("threads")
    rows = INPUTS[np.arange(batch) % len(INPUTS)]
    with threadpool_limits(limits=None if threads is None else int(threads), user_api="blas"):
        hidden = rows
        for weight in WEIGHTS[:-1]:
            hidden = np.maximum(hidden @ weight, 0.0)
        logits = hidden @ WEIGHTS[-1]
    labels = logits.argmax(axis=1)
    return {"batch": batch, "first": labels[:5].tolist()}
