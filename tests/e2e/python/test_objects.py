"""deepimage.find_objects on numpy arrays: the objects `deepimage objects` finds in the same map (the
file route, an independent path through the library), scikit-image's labels of the same threshold,
a StarDist model's own rules, strided views, and errors as exceptions."""
import subprocess
import sys

import numpy as np
import pytest

import deepimage
from conftest import CLI, NUCLEI_MODEL, REALDATA, SOURCE_DIR, require_realdata

STARDIST_FIXTURE = SOURCE_DIR / "tests/data/models/stardist_passthrough"


@pytest.fixture(scope="module")
def probability(stardist_crop):
    return deepimage.Model(NUCLEI_MODEL).predict(stardist_crop, axes="yx", threads=2)


def test_arrays_give_the_objects_of_deepimage_objects_on_files(probability, stardist_crop, tmp_path):
    found = deepimage.find_objects(probability, axes="yx", intensity=stardist_crop, split=True, min_size=10)
    np.save(tmp_path / "p.npy", probability)
    np.save(tmp_path / "i.npy", stardist_crop)
    subprocess.run([CLI, "objects", str(tmp_path / "p.npy"), "--axes", "yx", "--intensity", str(tmp_path / "i.npy"), "--split",
                    "--min-size", "10", "-o", str(tmp_path / "l.tif"), "--table", str(tmp_path / "t.csv"), "--quiet"], check=True)
    tifffile = pytest.importorskip("tifffile")
    assert found.labels.dtype == np.uint32 and found.labels.shape == probability.shape
    assert np.array_equal(found.labels, tifffile.imread(tmp_path / "l.tif").astype(np.uint32))
    table = np.genfromtxt(tmp_path / "t.csv", delimiter=",", names=True)
    assert list(found.table) == list(table.dtype.names)
    for column, values in found.table.items():
        assert np.allclose(values, table[column], rtol=1e-6, atol=1e-6), column
    assert found.count == len(table) > 20 and found.threshold == 0.5 and not found.star_convex


def test_labels_are_scikit_images_labels_of_the_same_threshold(probability):
    measure = pytest.importorskip("skimage.measure")
    found = deepimage.find_objects(probability)  # a 2D array without axes: "yx"
    assert np.array_equal(found.labels, measure.label(probability > 0.5, connectivity=2))
    otsu = deepimage.find_objects(probability, threshold="otsu")
    filters = pytest.importorskip("skimage.filters")
    assert otsu.otsu and abs(otsu.threshold - filters.threshold_otsu(probability)) < 1e-6
    typed = deepimage.find_objects(probability, threshold="0.6")  # as the command line and the web form take it
    assert typed.threshold == 0.6 and np.array_equal(typed.labels, deepimage.find_objects(probability, threshold=0.6).labels)


def test_a_reversed_view_gives_the_same_objects_reversed(probability):
    reversed_view = probability[::-1, ::-1]
    assert reversed_view.strides[0] < 0
    found = deepimage.find_objects(reversed_view, split=True)
    copied = deepimage.find_objects(np.ascontiguousarray(reversed_view), split=True)
    assert np.array_equal(found.labels, copied.labels)
    assert found.count == copied.count > 0


def test_a_stardist_model_gives_star_convex_objects_with_its_thresholds(tmp_path):
    require_realdata()
    tifffile = pytest.importorskip("tifffile")
    maps = tmp_path / "maps.tif"
    subprocess.run([sys.executable, str(SOURCE_DIR / "tests/e2e/objects/star_convex_from_labels.py"),
                    str(REALDATA / "images/stardist_testdata/tests_mask2d.tif"), str(maps), "32"], check=True)
    stack = tifffile.imread(maps)
    model = deepimage.Model(STARDIST_FIXTURE)
    found = deepimage.find_objects(stack, axes="cyx", model=model)
    assert found.star_convex and found.threshold == 0.55 and found.nms == 0.35 and found.rules_from == "config.stardist"
    same = deepimage.find_objects(stack, axes="cyx", star_convex=True, threshold=0.55, nms=0.35)
    assert np.array_equal(found.labels, same.labels) and same.rules_from is None
    truth = tifffile.imread(REALDATA / "images/stardist_testdata/tests_mask2d.tif")
    assert abs(found.count - len(np.unique(truth)) + 1) <= 3  # the nuclei back, a stray polygon at most a few
    with pytest.raises(deepimage.InvalidArgumentError, match="anisotropy"):
        deepimage.find_objects(np.zeros((5, 4, 8, 8), np.float32), axes="czyx", star_convex=True, anisotropy=(0, 1, 1))
    masks = deepimage.find_objects(stack, axes="cyx", model=model, star_convex=False)
    assert not masks.star_convex and masks.threshold == 0.5


def test_bad_input_raises_with_the_value_named(probability):
    with pytest.raises(deepimage.InvalidArgumentError, match='threshold "half"'):
        deepimage.find_objects(probability, threshold="half")
    with pytest.raises(deepimage.InvalidArgumentError, match="axes"):
        deepimage.find_objects(np.zeros((3, 8, 8), np.float32))  # 3D without axes
    with pytest.raises(deepimage.InvalidArgumentError, match="connectivity 26"):
        deepimage.find_objects(probability, connectivity=26)
    with pytest.raises(deepimage.InvalidArgumentError, match="does not match"):
        deepimage.find_objects(probability, intensity=np.zeros((5, 5), np.uint8))
