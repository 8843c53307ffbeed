"""The benchmarks' and the load test's verdicts, on hand-made rows and calls: a goal that does
not hold fails the run and is named; a load run that did too little fails its floors."""

from __future__ import annotations

from bench.common import Row, verdict
from bench.load import FLOORS, MAX_SHARE_4XX, Call, floor_rows


def test_a_goal_that_does_not_hold_fails_the_run_and_is_named(capsys):
    rows = [Row("b", "fast enough", "1 ms", "< 2 ms", True),
            Row("b", "small enough", "9 KiB", "< 4 KiB", False),
            Row("b", "informational", "7", "—", None)]
    assert verdict(rows) == 1
    assert capsys.readouterr().err == "goal not met: small enough: measured 9 KiB, goal < 4 KiB\n"


def test_informational_and_unmeasured_rows_do_not_fail_the_run(capsys):
    assert verdict([Row("b", "fast enough", "1 ms", "< 2 ms", True),
                    Row("b", "on PostgreSQL", "not measured", "—", None)]) == 0
    assert capsys.readouterr().err == ""


def call(role: str, status: int | None = 200, *, trigger: str | None = None,
         creates: bool = False, kind: str = "POST /things") -> Call:
    return Call(kind, trigger, 0.0, 0.1, status, None, "r", creates=creates, role=role)


def enough_work(times: int = 1) -> list[Call]:
    floor = {work: count * times for work, count in FLOORS.items()}
    return [
        *(call("flatcoach", creates=True) for _ in range(floor["flatcoach", "creates"])),
        *(call("flatcoach", trigger="pause")
          for _ in range(floor["flatcoach", "transitions"])),
        *(call("professional", trigger="accept")
          for _ in range(floor["professional", "transitions"])),
        *(call("privacy_officer", kind="GET /audit/verify")
          for _ in range(floor["privacy_officer", "audit verify answers"])),
    ]


def test_work_at_the_floors_holds():
    rows = floor_rows(enough_work(), 30)
    assert [row.holds for row in rows] == [True] * len(rows)
    assert rows[0].measured == str(FLOORS["flatcoach", "creates"])


def test_unacknowledged_work_and_other_roles_work_do_not_count():
    calls = enough_work()
    calls.remove(next(c for c in calls if c.role == "professional"))
    calls += [call("professional", 409, trigger="accept"), call("professional", None,
                                                                trigger="accept"),
              call("flatcoach", trigger="accept")]
    by_figure = {row.figure: row.holds for row in floor_rows(calls, 30)}
    assert by_figure["professional: acknowledged transitions"] is False
    assert by_figure["flatcoach: acknowledged transitions"] is True


def test_floors_scale_with_the_run_and_never_fall_below_one():
    holds = {row.figure: row.holds for row in floor_rows(enough_work(), 60)}
    assert holds["flatcoach: acknowledged creates"] is False
    assert all(row.holds for row in floor_rows(enough_work(2), 60))
    assert {row.goal for row in floor_rows([], 0.1)[:-1]} == {">= 1"}


def test_no_audit_verify_answer_fails():
    calls = [c for c in enough_work() if c.role != "privacy_officer"]
    calls.append(call("privacy_officer", 503, kind="GET /audit/verify"))
    holds = {row.figure: row.holds for row in floor_rows(calls, 30)}
    assert holds["privacy_officer: acknowledged audit verify answers"] is False


def test_too_many_refusals_fail():
    calls = enough_work()
    allowed = int(MAX_SHARE_4XX * len(calls) / (1 - MAX_SHARE_4XX))
    refusals = [call("flatcoach", 409, trigger="pause") for _ in range(allowed + 2)]
    share = floor_rows(calls + refusals, 30)[-1]
    assert share.figure == "4xx among answered requests"
    assert share.holds is False
    assert floor_rows(calls + refusals[:allowed], 30)[-1].holds is True
