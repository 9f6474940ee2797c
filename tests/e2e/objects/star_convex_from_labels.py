"""What a perfect StarDist network would output for a label image, as StarDist trains it.

    /usr/bin/python3 star_convex_from_labels.py LABELS.tif OUT.tif RAYS

LABELS.tif is 2D (y, x) or 3D (z, y, x). OUT.tif (ImageJ hyperstack, float32, channels 1 + RAYS):
channel 0 the object probability StarDist trains on (each object's Euclidean distance transform divided
by its maximum), channels 1.. the distance from each pixel to its object's boundary along ray k,
marched in unit steps and pulled back by the overshoot as StarDist's own `star_dist` does.
2D: ray k at angle 2*pi*k/RAYS, direction (sin, cos) in (y, x).
3D: StarDist's golden spiral for isotropic voxels, written out here independently of deepimage's
sphere_rays.cpp: ray k at height h = -1 + 2k/(RAYS-1), longitude k times the golden angle
pi*(3 - sqrt(5)), direction (h, sqrt(1-h^2) sin, sqrt(1-h^2) cos) in (z, y, x).
"""
import sys

import numpy as np
import tifffile
from scipy import ndimage


def directions(rays, ndim):
    if ndim == 2:
        phi = 2 * np.pi * np.arange(rays) / rays
        return np.stack([np.sin(phi), np.cos(phi)], axis=1)
    h = np.linspace(-1, 1, rays)
    rho = np.sqrt(1 - h ** 2)
    phi = (3 - np.sqrt(5)) * np.pi * np.arange(rays)
    return np.stack([h, rho * np.sin(phi), rho * np.cos(phi)], axis=1)


def main():
    labels = tifffile.imread(sys.argv[1]).astype(np.int64)
    rays = int(sys.argv[3])
    prob = np.zeros(labels.shape, np.float32)
    # Each object's own transform: a touching neighbour is a boundary too.
    for index, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None:
            continue
        inside = labels[box] == index
        d = ndimage.distance_transform_edt(np.pad(inside, 1))[(slice(1, -1),) * labels.ndim]
        prob[box][inside] = (d[inside] / d[inside].max()).astype(np.float32)
    out = np.zeros((1 + rays,) + labels.shape, np.float32)
    out[0] = prob
    points = np.stack(np.nonzero(labels), axis=1)
    own = labels[tuple(points.T)]
    shape = np.array(labels.shape)
    for k, step in enumerate(directions(rays, labels.ndim)):
        offset = np.zeros(points.shape)
        active = np.ones(len(points), bool)
        dist = np.zeros(len(points))
        while active.any():
            offset[active] += step
            at = np.rint(points + offset).astype(np.int64)
            left = ((at < 0) | (at >= shape)).any(axis=1)
            inner = ~left
            left[inner] = labels[tuple(at[inner].T)] != own[inner]
            stop = active & left
            t = 1 - 0.5 / np.abs(step).max()
            dist[stop] = np.linalg.norm(offset[stop] - t * step, axis=1)
            active &= ~stop
        out[(1 + k,) + tuple(points.T)] = dist.astype(np.float32)
    if labels.ndim == 2:
        tifffile.imwrite(sys.argv[2], out, imagej=True, metadata={"axes": "CYX"})
    else:
        tifffile.imwrite(sys.argv[2], np.ascontiguousarray(np.moveaxis(out, 0, 1)), imagej=True, metadata={"axes": "ZCYX"})


if __name__ == "__main__":
    main()
