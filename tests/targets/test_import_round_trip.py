"""The REPORT log a local run writes is read back by ``advisor import logs`` field for field."""

from __future__ import annotations

import pandas as pd

from advisor.logs import read_paths
from advisor.record import conform

FIELDS = ["request_id", "end_time", "duration_ms", "billed_duration_ms", "memory_mb",
          "max_memory_used_mb", "init_ms", "restore_ms", "billed_restore_ms", "status", "error_type",
          "log_stream"]


def test_local_records_and_their_imported_log_agree_field_for_field(local_target, tmp_path):
    log = tmp_path / "local.log"
    made = []
    for name, payloads, options in [
        ("echo", [{}, {"again": 1}], {}),                   # cold, then warm
        ("fail", [{}], {}),                                  # handler exception
        ("sleep", [{"seconds": 0}, {"seconds": 5}], {"timeout_s": 0.3}),
        ("allocate", [{"mb": 4096}], {"memory_mb": 512, "timeout_s": 10}),
    ]:
        target = local_target(name, function_name="local-fn", log_path=log, **options)
        made += [target.invoke(payload) for payload in payloads]

    parsed = read_paths([log], function="local-fn")
    ours = conform(pd.DataFrame(made)).sort_values("request_id").reset_index(drop=True)
    theirs = parsed.records.sort_values("request_id").reset_index(drop=True)

    assert parsed.rejected == []
    assert parsed.parsed == len(made) == 6
    assert sorted(ours["status"]) == ["error", "error", "success", "success", "success", "timeout"]
    pd.testing.assert_frame_equal(theirs[FIELDS], ours[FIELDS])
    assert (theirs["function"] == "local-fn").all()
    gap = (theirs["start_time"] - ours["start_time"]).abs()
    assert (gap <= pd.Timedelta(microseconds=1)).all()
