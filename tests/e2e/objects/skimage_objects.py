"""The reference for deepimage's objects: the same steps done with scikit-image and scipy.

    /usr/bin/python3 skimage_objects.py IMAGE LABELS.npy TABLE.csv [options]

IMAGE is a TIFF read with tifffile: yx, zyx (--volume), or cyx (--channel picks one). Writes the label
image (uint32, labels in raster order of first appearance, as deepimage numbers them) and a CSV with
the columns deepimage writes (without calibration), measured on --intensity (one channel).
Prints the threshold used.
"""
import argparse
import sys

import numpy as np
import tifffile
from scipy import ndimage
from skimage.filters import threshold_otsu
from skimage.measure import label, regionprops
from skimage.morphology import h_maxima
from skimage.segmentation import watershed

STEPS = {4: 1, 8: 2, 6: 1, 18: 2, 26: 3}


def raster_order(labels):
    """Labels renumbered 1..n in order of first appearance in a raster scan."""
    flat = labels.ravel()
    values, first = np.unique(flat, return_index=True)
    order = [v for _, v in sorted(zip(first, values)) if v != 0]
    lut = np.zeros(int(flat.max()) + 1, dtype=np.uint32)
    lut[order] = np.arange(1, len(order) + 1, dtype=np.uint32)
    return lut[labels]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("image")
    p.add_argument("labels")
    p.add_argument("table")
    p.add_argument("--threshold", default="0.5")
    p.add_argument("--channel", type=int)
    p.add_argument("--connectivity", type=int, default=0)
    p.add_argument("--fill-holes", action="store_true")
    p.add_argument("--split", type=float)
    p.add_argument("--min-size", type=int, default=0)
    p.add_argument("--max-size", type=int, default=0)
    p.add_argument("--intensity")
    a = p.parse_args()

    image = tifffile.imread(a.image)
    if a.channel is not None:
        image = image[a.channel]
    image = image.astype(np.float32) if image.dtype.kind == "f" else image
    t = threshold_otsu(image) if a.threshold == "otsu" else float(a.threshold)
    mask = image > t
    steps = STEPS[a.connectivity] if a.connectivity else image.ndim
    if a.fill_holes:
        mask = ndimage.binary_fill_holes(mask)
    if a.split is not None:
        # deepimage keeps the distance in float32.
        distance = ndimage.distance_transform_edt(mask).astype(np.float32)
        peaks = h_maxima(distance, a.split).astype(bool) & mask
        markers = label(peaks, connectivity=image.ndim)
        labels = watershed(-distance, markers, mask=mask, connectivity=steps)
    else:
        labels = label(mask, connectivity=steps)
    labels = raster_order(labels)
    if a.min_size > 1 or a.max_size:
        sizes = np.bincount(labels.ravel())
        drop = sizes < a.min_size
        if a.max_size:
            drop |= sizes > a.max_size
        drop[0] = False
        labels[drop[labels]] = 0
        labels = raster_order(labels)
    np.save(a.labels, labels.astype(np.uint32))

    volume = image.ndim == 3
    intensity = tifffile.imread(a.intensity).astype(np.float64) if a.intensity else None
    dims = "xyz" if volume else "xy"
    columns = ["label", "volume_px" if volume else "area_px"]
    columns += ["centroid_" + d for d in dims] + ["bbox_%s0" % d for d in dims] + ["bbox_%s1" % d for d in dims]
    if intensity is not None:
        columns += ["mean", "min", "max"]
    rows = []
    for r in regionprops(labels, intensity_image=intensity):
        n = image.ndim
        # skimage: centroid and bbox in array order (z,) y, x; the table says x, y (, z).
        order = list(range(n))[::-1]
        row = [r.label, r.area] + [r.centroid[k] for k in order]
        row += [r.bbox[k] for k in order] + [r.bbox[n + k] for k in order]
        if intensity is not None:
            row += [r.mean_intensity, r.min_intensity, r.max_intensity]
        rows.append(row)
    with open(a.table, "w") as f:
        f.write(",".join(columns) + "\n")
        for row in rows:
            f.write(",".join("%.9g" % v for v in row) + "\n")
    print("%.9g" % t)


if __name__ == "__main__":
    sys.exit(main())
