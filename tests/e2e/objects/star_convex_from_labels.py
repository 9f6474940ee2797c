"""What a perfect StarDist network would output for a label image, as StarDist trains it.

    /usr/bin/python3 star_convex_from_labels.py LABELS.tif OUT.tif RAYS

OUT.tif (ImageJ hyperstack, float32, channels 1 + RAYS): channel 0 the object probability StarDist
trains on (each object's Euclidean distance transform divided by its maximum), channels 1.. the distance
from each pixel to its object's boundary along ray k at angle 2*pi*k/RAYS, direction (sin, cos) in (y, x),
marched in unit steps and pulled back by the overshoot as StarDist's own `star_dist` does.
"""
import sys

import numpy as np
import tifffile
from scipy import ndimage


def main():
    labels = tifffile.imread(sys.argv[1]).astype(np.int64)
    rays = int(sys.argv[3])
    h, w = labels.shape
    prob = np.zeros(labels.shape, np.float32)
    # Each object's own transform: a touching neighbour is a boundary too.
    for index, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None:
            continue
        inside = labels[box] == index
        d = ndimage.distance_transform_edt(np.pad(inside, 1))[1:-1, 1:-1]
        prob[box][inside] = (d[inside] / d[inside].max()).astype(np.float32)
    out = np.zeros((1 + rays, h, w), np.float32)
    out[0] = prob
    ys, xs = np.nonzero(labels)
    own = labels[ys, xs]
    for k in range(rays):
        phi = 2 * np.pi * k / rays
        dy, dx = np.sin(phi), np.cos(phi)
        y = np.zeros(len(ys))
        x = np.zeros(len(ys))
        active = np.ones(len(ys), bool)
        dist = np.zeros(len(ys))
        while active.any():
            y[active] += dy
            x[active] += dx
            ii = np.rint(ys + y).astype(np.int64)
            jj = np.rint(xs + x).astype(np.int64)
            outside = (ii < 0) | (ii >= h) | (jj < 0) | (jj >= w)
            left = outside.copy()
            inner = ~outside
            left[inner] = labels[ii[inner], jj[inner]] != own[inner]
            stop = active & left
            t = 1 - 0.5 / max(abs(dx), abs(dy))
            dist[stop] = np.hypot(y[stop] - t * dy, x[stop] - t * dx)
            active &= ~stop
        out[1 + k, ys, xs] = dist.astype(np.float32)
    tifffile.imwrite(sys.argv[2], out, imagej=True, metadata={"axes": "CYX"})


if __name__ == "__main__":
    main()
