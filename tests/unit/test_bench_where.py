"""stack.bench.where's arithmetic: CPU ticks between two process-table snapshots, per request."""

from stack.bench.where import TICKS_PER_S, Snapshot, cpu_ms_per_request


def test_cpu_per_request_counts_new_processes_and_not_a_reused_pid_twice() -> None:
    before = Snapshot({10: ("nginx", 100), 20: ("postgres", 50)}, total=1_000, idle=800)
    after = Snapshot(
        {10: ("nginx", 110), 20: ("bash", 4), 30: ("qgis_mapserv.fc", 30)}, total=1_100, idle=840
    )

    busy, per_name = cpu_ms_per_request(before, after, requests=2)

    tick_ms = 1000 / TICKS_PER_S
    assert busy == 60 * tick_ms / 2
    # pid 20 is another process now: all of its ticks are new
    assert per_name == {"nginx": 5 * tick_ms, "bash": 2 * tick_ms, "qgis_mapserv.fc": 15 * tick_ms}
