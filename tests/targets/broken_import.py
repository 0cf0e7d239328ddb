"""A handler module whose import fails, as a missing dependency would."""

import advisor_no_such_dependency  # noqa: F401


def handler(event, context):
    return 1
