"""A scikit-learn classifier served like a Lambda function (CPU-bound, single-threaded predict).

At init (the cold start) it trains a random forest on the handwritten digits dataset
that ships with scikit-learn (no download). Each request classifies images from the
held-out set; ``{"images": N}`` picks how many (default 40,000), so the work per request
is steady and CPU-bound on one thread: the kind of function whose duration halves
when Lambda's memory (and so its CPU) doubles, up to one vCPU at 1,769 MB.
``{"jobs": K}`` predicts on K threads instead (one tree per thread at a time), which keeps
speeding up past one vCPU.

    advisor local invoke examples/digits_classifier.py:handler --memory 1769 -n 5
"""

from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

TREES = 100
SEED = 0
#: The warm-up ping advisor's keep-warm sends (`advisor apply --iac`, docs/apply.md). It is
#: answered before any model work, as advisor prices a ping (10 ms).
WARMUP_KEY = "advisor-warmup"

_digits = load_digits()
_train_x, _test_x, _train_y, _test_y = train_test_split(
    _digits.data, _digits.target, test_size=0.5, random_state=SEED)
# n_jobs=1: one thread, as a function sized at or below 1,769 MB can use.
MODEL = RandomForestClassifier(n_estimators=TREES, n_jobs=1, random_state=SEED).fit(_train_x, _train_y)


def handler(event, context):
    """Classify ``event["images"]`` held-out digit images; return the accuracy and a few labels."""
    if event.get(WARMUP_KEY):
        return {"warm": True}
    count = int(event.get("images", 40_000))
    MODEL.n_jobs = int(event.get("jobs", 1))
    rows = [i % len(_test_x) for i in range(count)]
    predicted = MODEL.predict(_test_x[rows])
    correct = int((predicted == _test_y[rows]).sum())
    return {"images": count, "accuracy": correct / count, "first": predicted[:5].tolist()}
