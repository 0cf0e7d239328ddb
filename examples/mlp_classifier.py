"""A small scikit-learn neural network served like a Lambda function (CPU-bound, one thread).

At init (the cold start) it trains an ``MLPClassifier`` (one hidden layer of 64 units) on the
handwritten digits dataset that ships with scikit-learn (no download). Each request
classifies ``{"images": N}`` held-out images (default 50,000) with BLAS held to one thread
(``{"threads": K}`` to change it): a light model whose work is small matrix products, so
it speeds up with CPU share to one vCPU (1,769 MB) and no further.

    advisor local invoke examples/mlp_classifier.py:handler --memory 1769 -n 5
"""

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

SEED = 0
#: The warm-up ping advisor's keep-warm sends (`advisor apply --iac`, docs/apply.md). It is
#: answered before any model work, as advisor prices a ping (10 ms).
WARMUP_KEY = "advisor-warmup"

_digits = load_digits()
_train_x, _test_x, _train_y, _test_y = train_test_split(
    _digits.data / 16.0, _digits.target, test_size=0.5, random_state=SEED)
with threadpool_limits(limits=1):
    MODEL = MLPClassifier(hidden_layer_sizes=(64,), max_iter=200, random_state=SEED).fit(
        _train_x, _train_y)


def handler(event, context):
    """Classify ``event["images"]`` held-out digit images; return the accuracy."""
    if event.get(WARMUP_KEY):
        return {"warm": True}
    count = int(event.get("images", 50_000))
    rows = [i % len(_test_x) for i in range(count)]
    with threadpool_limits(limits=int(event.get("threads", 1))):
        predicted = MODEL.predict(_test_x[rows])
    return {"images": count, "accuracy": float((predicted == _test_y[rows]).mean())}
