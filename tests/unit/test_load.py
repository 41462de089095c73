"""The harness's load loop: its bounds, and the report the fault tests judge."""

import requests

from stack.core.waiting import wait_until
from stack.harness.acknowledged import acknowledgement_mismatches
from stack.harness.load import LoadLoop, LoadReport, Outcome, load


def answer(status: int) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = b""
    return response


def ok_if_200(response: requests.Response) -> str | None:
    return None if response.status_code == 200 else f"HTTP {response.status_code}"


def test_the_loop_stops_at_its_request_count_and_numbers_each_request_once() -> None:
    with load(lambda number: answer(200), ok_if_200, clients=3, max_requests=50, max_seconds=30) as loop:
        assert loop.count() <= 50
    numbers = sorted(o.number for o in loop.report.outcomes)
    assert numbers == list(range(50))


def test_the_loop_stops_at_its_time_limit() -> None:
    loop = LoadLoop(lambda number: answer(200), ok_if_200, clients=2, max_requests=10**9, max_seconds=0.2)
    loop.start()
    assert wait_until(lambda: loop.finished, timeout_s=10, interval_s=0.05)
    assert loop.stop().outcomes


def test_connection_errors_are_failures_not_crashes() -> None:
    def refuse(number: int) -> requests.Response:
        raise requests.ConnectionError("refused")

    with load(refuse, ok_if_200, clients=1, max_requests=3, max_seconds=10) as loop:
        pass
    assert [o.problem for o in loop.report.failures] == ["ConnectionError: refused"] * 3


def outcome(number: int, start: float, end: float, problem: str | None = None) -> Outcome:
    return Outcome(number, 0, start, end, problem)


def test_the_report_measures_the_outage_and_the_first_success_after_a_fault() -> None:
    report = LoadReport(
        [
            outcome(0, 0.0, 1.0),
            outcome(1, 2.0, 2.5, "HTTP 502"),
            outcome(2, 3.0, 4.0, "HTTP 502"),
            outcome(3, 4.0, 6.0),
        ]
    )
    assert report.outage_s() == 2.0
    assert report.first_success_after(1.5) == 4.5
    assert report.first_success_after(5.0) is None
    assert report.slowest_s() == 2.0
    assert "2 x HTTP 502" in report.summary()


def test_inserts_acknowledged_but_missing_or_failed_but_stored_are_reported() -> None:
    report = LoadReport([outcome(0, 0, 1), outcome(1, 1, 2, "HTTP 502"), outcome(2, 2, 3)])
    assert acknowledgement_mismatches(report, {0, 2}) == []
    problems = acknowledgement_mismatches(report, {0, 1})
    assert len(problems) == 2
    assert "insert 1 failed" in problems[0] and "insert 2 was acknowledged" in problems[1]
