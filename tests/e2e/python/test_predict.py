"""deepimage.Model / Session on numpy arrays: the result of `deepimage run`, views read in place,
outputs owned by the arrays returned, the GIL released while the model runs, errors as exceptions."""
import gc
import threading
import time

import numpy as np
import pytest

import deepimage
from conftest import EXAMPLE_MODEL, NUCLEI_MODEL, cli_run, require_realdata

# Same pixels, same tiles, same code from the view on: only the source of the pixels differs.
SESSION_VS_CLI_MAX_ABS = 1e-6


@pytest.fixture(scope="module")
def example_session():
    return deepimage.Session(deepimage.Model(EXAMPLE_MODEL), threads=2, tile={"y": 168, "x": 168})


def test_predict_equals_cli_run_on_the_real_nuclei_model(stardist_crop, tmp_path):
    require_realdata()
    model = deepimage.Model(NUCLEI_MODEL)
    y = model.predict(stardist_crop, axes="yx", threads=2)
    reference = cli_run(NUCLEI_MODEL, stardist_crop, tmp_path, "--threads", "2", "--axes", "yx")
    assert y.shape == reference.shape == stardist_crop.shape
    assert y.dtype == np.float32
    assert np.abs(y - reference).max() <= SESSION_VS_CLI_MAX_ABS
    assert y.max() > 0.9 and y.min() < 0.1  # nuclei and background, not a constant


def test_tiled_session_equals_cli_run_tiled(example_session, stardist_crop, tmp_path):
    y = example_session.predict(stardist_crop, axes="yx")
    reference = cli_run(EXAMPLE_MODEL, stardist_crop, tmp_path, "--threads", "2", "--axes", "yx", "--tile", "y=168,x=168")
    assert np.abs(y - reference).max() <= SESSION_VS_CLI_MAX_ABS


def test_strided_views_give_the_result_of_their_contiguous_copies(example_session, stardist_crop):
    contiguous = example_session.predict(np.ascontiguousarray(stardist_crop[10:150, 20:200]), axes="yx")
    sliced = stardist_crop[10:150, 20:200]  # a window: rows 256 elements apart
    assert not sliced.flags.c_contiguous
    np.testing.assert_array_equal(example_session.predict(sliced, axes="yx"), contiguous)
    # The window transposed, seen as "xy": outputs come in the model's axis order, "yx".
    transposed = sliced.T
    assert transposed.shape == (180, 140) and not transposed.flags.c_contiguous
    np.testing.assert_array_equal(example_session.predict(transposed, axes="xy"), contiguous)
    # The same pixels stored column-major.
    fortran = np.asfortranarray(sliced)
    assert not fortran.flags.c_contiguous
    np.testing.assert_array_equal(example_session.predict(fortran, axes="yx"), contiguous)
    # Every other pixel, and a reversed view (negative strides).
    np.testing.assert_array_equal(example_session.predict(stardist_crop[::2, ::-2], axes="yx"),
                                  example_session.predict(np.ascontiguousarray(stardist_crop[::2, ::-2]), axes="yx"))
    before = stardist_crop.copy()
    example_session.predict(sliced, axes="yx")
    np.testing.assert_array_equal(stardist_crop, before)  # read, never written


def test_a_stack_runs_slice_by_slice_with_the_looped_axis_first(example_session, stardist_crop):
    stack = np.stack([stardist_crop[:120, :150], stardist_crop[30:150, 40:190], stardist_crop[60:180, 80:230]])
    y = example_session.predict(stack, axes="zyx")
    assert y.shape == stack.shape
    for z in range(len(stack)):
        np.testing.assert_array_equal(y[z], example_session.predict(stack[z], axes="yx"))
    # Stored z-last: the same numbers, z still first.
    np.testing.assert_array_equal(example_session.predict(np.moveaxis(stack, 0, -1), axes="yxz"), y)


def test_output_owns_its_memory_and_outlives_the_session(stardist_crop):
    session = deepimage.Session(deepimage.Model(EXAMPLE_MODEL), threads=2)
    y = session.predict(stardist_crop[:96, :96], axes="yx")
    # Not a copy into a numpy buffer: the array's base is the capsule holding deepimage's Tensor.
    assert type(y.base).__name__ == "PyCapsule"
    assert not y.flags.owndata and y.flags.writeable and y.flags.c_contiguous
    expected = y.copy()
    del session
    gc.collect()
    np.testing.assert_array_equal(y, expected)
    y[0, 0] = 42.0  # writeable, and stays so
    assert y[0, 0] == 42.0
    view = y[10:20]
    del y
    gc.collect()
    np.testing.assert_array_equal(view, expected[10:20])  # the capsule lives while any view does


def test_the_gil_is_released_while_the_model_runs(stardist_crop):
    session = deepimage.Session(deepimage.Model(NUCLEI_MODEL if NUCLEI_MODEL.exists() else EXAMPLE_MODEL), threads=1)
    ticks = []
    running = threading.Event()
    stop = threading.Event()

    def ticker():
        running.set()
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    running.wait()
    # Calls until at least 0.5 s were spent inside predict (one call may be quick on a fast machine).
    calls = []
    while sum(end - start for start, end in calls) < 0.5:
        start = time.monotonic()
        session.predict(stardist_crop, axes="yx")
        calls.append((start, time.monotonic()))
    stop.set()
    thread.join()
    inside = sum(end - start for start, end in calls)
    during = [t for t in ticks if any(start < t < end for start, end in calls)]
    # A held GIL would let the ticker run only around the calls: a handful of ticks at most. Released,
    # it ticks about once per 1-2 ms of the run (slack for a loaded machine).
    assert len(during) >= 0.1 * inside / 0.001


def test_threads_may_share_one_session(example_session, stardist_crop):
    images = [stardist_crop[:120, :120], stardist_crop[50:170, 100:220]]
    expected = [example_session.predict(image, axes="yx") for image in images]
    results = [None, None]

    def run(i):
        results[i] = example_session.predict(images[i], axes="yx")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


def test_progress_is_reported_per_tile_and_cancel_stops(stardist_crop):
    events = []
    model = deepimage.Model(EXAMPLE_MODEL)
    session = deepimage.Session(model, threads=2, tile={"y": 168, "x": 168}, progress=events.append)
    session.predict(stardist_crop, axes="yx")  # 192 x 256 in 168-pixel tiles: 3 x 3
    done = [e.tiles_done for e in events]
    assert done == sorted(done) and done[-1] == events[-1].tiles_total == 9 and events[-1].finished

    cancels = []

    def cancel_after_first_tile(event):
        if event.tiles_done == 1 and not cancels:
            cancels.append(event)
            cancelling.cancel()

    cancelling = deepimage.Session(model, threads=2, tile={"y": 168, "x": 168}, progress=cancel_after_first_tile)
    with pytest.raises(deepimage.CancelledError):
        cancelling.predict(stardist_crop, axes="yx")
    cancelling.predict(stardist_crop[:96, :96], axes="yx")  # the flag is cleared: the next call runs

    def failing(event):
        if event.tiles_done == 2:
            raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        deepimage.Session(model, threads=2, tile={"y": 168, "x": 168}, progress=failing).predict(stardist_crop, axes="yx")


def test_empty_arrays_give_empty_outputs_without_running(example_session):
    events = []
    session = deepimage.Session(deepimage.Model(EXAMPLE_MODEL), progress=events.append)
    for shape in [(0, 0), (0, 37), (5, 0)]:
        y = session.predict(np.zeros(shape, np.uint16), axes="yx")
        assert y.dtype == np.float32 and y.ndim == 2 and y.size == 0
    assert events == []  # nothing ran
    y = session.predict(np.zeros((1, 0, 0), np.float32), axes="cyx")
    assert y.shape == (1, 0, 0)  # an axis the image has is kept, as predict() keeps it


def test_bad_inputs_raise_deepimage_errors(example_session, stardist_crop):
    with pytest.raises(deepimage.InvalidArgumentError, match=r'^input "raw": dtype "float16" is not supported') as e:
        example_session.predict(stardist_crop.astype(np.float16), axes="yx")
    assert isinstance(e.value, ValueError) and isinstance(e.value, deepimage.Error) and e.value.code == "invalid argument"
    with pytest.raises(deepimage.InvalidArgumentError, match="byte order"):
        example_session.predict(stardist_crop.astype(">u2"), axes="yx")
    with pytest.raises(deepimage.InvalidArgumentError, match=r'axes "yq" must be distinct letters'):
        example_session.predict(stardist_crop, axes="yq")
    with pytest.raises(deepimage.InvalidArgumentError, match=r'axes "zyx" name 3 axes but the array has 2 dimensions'):
        example_session.predict(stardist_crop, axes="zyx")
    with pytest.raises(deepimage.InvalidArgumentError, match=r"needs axes=\.\.\."):
        example_session.predict(np.zeros((2, 3, 4, 5, 6), np.uint16))
    with pytest.raises(deepimage.InvalidArgumentError, match="100"):
        deepimage.Session(deepimage.Model(EXAMPLE_MODEL), tile={"y": 100, "x": 100}).predict(stardist_crop, axes="yx")
    with pytest.raises(deepimage.InvalidArgumentError, match='tile names axis "yx"'):
        deepimage.Model(EXAMPLE_MODEL).predict(stardist_crop, axes="yx", tile={"yx": 168})
    with pytest.raises(deepimage.InvalidArgumentError, match="bf17"):
        deepimage.Model(EXAMPLE_MODEL).predict(stardist_crop, axes="yx", precision="bf17")
    with pytest.raises(deepimage.Error, match="no-such-model"):
        deepimage.Model("/no-such-model")


def test_model_describes_itself():
    model = deepimage.Model(EXAMPLE_MODEL)
    assert model.name == model.spec.name == "deepimage nuclei U-Net 2D"
    assert [t.id for t in model.inputs] == ["raw"] and model.inputs[0].axes == "bcyx"
    assert model.outputs[0].id == "probability" and model.outputs[0].dtype == "float32"
    y = model.inputs[0].axis_specs[2]
    assert (y.id, y.type, y.size.kind, y.size.min, y.size.step) == ("y", "space", "parameterized", 88, 8)
    assert model.halo == {"y": 40, "x": 40}
    assert "torchscript" in model.spec.weights_formats
    assert model.inputs[0].preprocessing[0] == "scale_range"
