"""deepimage.dask.predict equals one Session.predict on the whole image, bit for bit, on Dask's threaded
scheduler, on a LocalCluster of two worker processes, and on a scheduler and two workers started as
separate processes on 127.0.0.1."""
import contextlib
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

import deepimage
import deepimage.dask
from conftest import EXAMPLE_MODEL, REALDATA

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

TILE = {"y": 168, "x": 168}  # the example U-Net: 88 + 8n, halo 40: tiles of 88 valid pixels


@pytest.fixture(scope="module")
def image():
    """256 x 320 uint16 of the real stardist image: 3 x 4 tiles of 168, borders on every side."""
    tifffile = pytest.importorskip("tifffile")
    path = REALDATA / "images/stardist_testdata/img2d.tif"
    if not path.exists():
        pytest.skip("../shared/realdata is not here")
    return np.ascontiguousarray(tifffile.imread(path)[40:296, 100:420])


@pytest.fixture(scope="module")
def single_process(image):
    """The reference: the whole image through one Session with the same tile."""
    return deepimage.Session(deepimage.Model(EXAMPLE_MODEL), tile=TILE, threads=2).predict(image, axes="yx")


def lazy(image, chunks=(100, 130)):
    return deepimage.dask.predict(str(EXAMPLE_MODEL), da.from_array(image, chunks=chunks), axes="yx", tile=TILE)


def test_blocks_are_the_whole_image_tiles(image):
    plan = deepimage.Session(deepimage.Model(EXAMPLE_MODEL), tile=TILE).tile_plan(image, axes="yx")
    result = lazy(image)
    assert result.chunks == tuple(tuple(e - b for b, e in zip(p["write_begin"], p["write_end"])) for p in plan)
    assert result.dtype == np.float32 and result.shape == image.shape


def test_threaded_scheduler_equals_the_single_process_run(image, single_process):
    result = lazy(image).compute(scheduler="threads")
    np.testing.assert_array_equal(result, single_process)
    # Without the whole image's statistics each block is normalised on its own: visibly different, which
    # is what the statistics pass is for (and what this test would miss if it compared nothing real).
    session = deepimage.Session(deepimage.Model(EXAMPLE_MODEL), tile={"y": 168, "x": 168}, halo={"y": 0, "x": 0})
    corner = session.predict(np.pad(image, 40, mode="reflect")[:168, :168], axes="yx")[40:128, 40:128]
    assert np.abs(corner - single_process[:88, :88]).max() > 1e-3


def test_an_array_in_another_axis_order_gives_the_result_in_the_models(image, single_process):
    # "xy": transposed lazily into the model's order; the output comes in it ("yx"), as Session.predict's.
    result = deepimage.dask.predict(str(EXAMPLE_MODEL), da.from_array(image.T, chunks=(100, 130)), axes="xy", tile=TILE)
    assert result.shape == image.shape
    np.testing.assert_array_equal(result.compute(scheduler="threads"), single_process)


def test_statistics_given_are_used_instead_of_measured(image, single_process):
    statistics = deepimage.measure_statistics(deepimage.Model(EXAMPLE_MODEL), image, axes="yx")
    result = deepimage.dask.predict(str(EXAMPLE_MODEL), da.from_array(image, chunks=(64, 64)), axes="yx", tile=TILE,
                                    statistics=statistics)
    np.testing.assert_array_equal(result.compute(scheduler="threads"), single_process)


def test_local_cluster_of_two_worker_processes(image, single_process):
    here = len(deepimage.dask._sessions)  # the threaded scheduler's tests ran blocks in this process
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        result = lazy(image).compute()
        np.testing.assert_array_equal(result, single_process)
        sessions = client.run(lambda: len(deepimage.dask._sessions))
        assert len(sessions) == 2 and sum(sessions.values()) >= 1, sessions  # the workers ran the blocks
    assert len(deepimage.dask._sessions) == here  # no block ran in this process


@contextlib.contextmanager
def scheduler_and_workers(count):
    """`dask scheduler` and `count` `dask worker` processes on 127.0.0.1 (free ports), stopped on exit."""
    processes = []
    with tempfile.TemporaryDirectory() as folder:
        scheduler_file = os.path.join(folder, "scheduler.json")
        try:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                 "--dashboard-address", "127.0.0.1:0", "--scheduler-file", scheduler_file],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            deadline = time.monotonic() + 60
            while not os.path.exists(scheduler_file):
                assert time.monotonic() < deadline and processes[0].poll() is None, "the scheduler did not start"
                time.sleep(0.2)
            for _ in range(count):
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", scheduler_file,
                     "--host", "127.0.0.1", "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            yield scheduler_file
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in reversed(processes):
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def test_scheduler_and_two_workers_as_separate_processes(image, single_process):
    with scheduler_and_workers(2) as scheduler_file, distributed.Client(scheduler_file=scheduler_file) as client:
        client.wait_for_workers(2, timeout=60)
        result = lazy(image).compute()
        np.testing.assert_array_equal(result, single_process)
        sessions = client.run(lambda: len(deepimage.dask._sessions))
        assert len(sessions) == 2 and sum(sessions.values()) >= 1, sessions


def test_a_session_in_plain_map_blocks_answers_dasks_empty_probe(image):
    # Without meta=, Dask calls the function on an empty array to learn the output's type.
    session = deepimage.Session(deepimage.Model(EXAMPLE_MODEL), threads=2)
    probed = []

    def run(block):
        probed.append(block.shape)
        return session.predict(block, axes="yx")

    blocks = da.from_array(image[:96, :192], chunks=(96, 96)).map_blocks(run)
    assert blocks.dtype == np.float32 and (0, 0) in probed  # answered without running the model
    np.testing.assert_array_equal(blocks.compute(scheduler="sync")[:, :96], session.predict(image[:96, :96], axes="yx"))


def test_unsupported_requests_are_refused_before_computing(image):
    array = da.from_array(image, chunks=(128, 128))
    with pytest.raises(ValueError, match='pad "zeros"'):
        deepimage.dask.predict(str(EXAMPLE_MODEL), array, axes="yx", tile=TILE, pad="zeros")
    with pytest.raises(deepimage.InvalidArgumentError, match="100"):
        deepimage.dask.predict(str(EXAMPLE_MODEL), array, axes="yx", tile={"y": 100, "x": 100})
