"""Gradient-boosted trees served like a Lambda function (CPU-bound, multi-threaded via OpenMP).

At init (the cold start) it trains scikit-learn's ``HistGradientBoostingClassifier`` (100
iterations, 10 classes: 1,000 trees) on the handwritten digits dataset that ships with
scikit-learn (no download). Each request scores ``{"images": N}`` held-out images (default
5,000); its predict runs on OpenMP threads, ``{"threads": K}`` caps them (default: as many
as the machine has), so past one vCPU it keeps speeding up while it has threads to run.

    advisor local invoke examples/boosting_classifier.py:handler --memory 3008 -n 5
"""

from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

SEED = 0

_digits = load_digits()
_train_x, _test_x, _train_y, _test_y = train_test_split(
    _digits.data, _digits.target, test_size=0.5, random_state=SEED)
MODEL = HistGradientBoostingClassifier(max_iter=100, early_stopping=False,
                                       random_state=SEED).fit(_train_x, _train_y)


def handler(event, context):
    """Score ``event["images"]`` held-out digit images on at most ``event["threads"]`` threads."""
    count = int(event.get("images", 5_000))
    threads = event.get("threads")
    rows = [i % len(_test_x) for i in range(count)]
    with threadpool_limits(limits=None if threads is None else int(threads), user_api="openmp"):
        predicted = MODEL.predict(_test_x[rows])
    return {"images": count, "accuracy": float((predicted == _test_y[rows]).mean())}
