"""A function with a heavy init: it builds a large model before the first request.

At init it builds an embedding index of 60,000 vectors x 256 dimensions (about 100 MB of
float32, seeded, no download) and normalises it, the way a function loads a big
model file. Each request is a cheap nearest-neighbour lookup. Cold starts dominate:
compare the first invocation's Init Duration with the warm ones, and replay a trace
with short and long keep-alives to see how many requests pay it.

    advisor local invoke examples/heavy_init.py:handler --memory 1024 -n 3
"""

import numpy as np

ROWS = 100_000
DIMENSIONS = 256
SEED = 0

_rng = np.random.default_rng(SEED)
INDEX = _rng.standard_normal((ROWS, DIMENSIONS), dtype=np.float32)
INDEX /= np.linalg.norm(INDEX, axis=1, keepdims=True)


def handler(event, context):
    """Return the ``event["k"]`` rows most similar to row ``event["row"]`` (default 5 and 0)."""
    query = INDEX[int(event.get("row", 0)) % ROWS]
    scores = INDEX @ query
    k = int(event.get("k", 5))
    nearest = np.argpartition(-scores, k)[:k]
    return {"nearest": sorted(nearest.tolist(), key=lambda i: -scores[i])}
