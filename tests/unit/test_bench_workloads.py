"""The bench's requests are fixed: the same tiles in every run, valid Web Mercator bounds."""

from __future__ import annotations

from urllib.parse import parse_qs

from stack.bench.workloads import MERCATOR_HALF, WORKLOADS, europe_tiles, tile_bbox


def test_the_zoom_0_tile_is_the_whole_web_mercator_square() -> None:
    bounds = [float(v) for v in tile_bbox(0, 0, 0).split(",")]

    assert bounds == [round(-MERCATOR_HALF, 2), round(-MERCATOR_HALF, 2), round(MERCATOR_HALF, 2),
                      round(MERCATOR_HALF, 2)]  # fmt: skip


def test_the_tile_list_is_the_same_in_every_run_and_lies_within_the_grid() -> None:
    assert europe_tiles() == europe_tiles()
    for zoom, x, y in europe_tiles():
        assert 0 <= x < 2**zoom and 0 <= y < 2**zoom


def test_every_workload_names_a_service_and_a_request() -> None:
    for workload in WORKLOADS:
        assert workload.queries, workload.name
        for query in workload.queries:
            params = parse_qs(query)
            assert {"SERVICE", "REQUEST"} <= set(params), (workload.name, query)
            assert "MAP" not in params  # the project comes from the target's URL
