"""deepimage: bioimage.io models run on numpy arrays (and Dask arrays: deepimage.dask).

    import deepimage
    model = deepimage.Model("unet2d_nuclei_broad/")
    y = model.predict(image, axes="yx", tile={"y": 256, "x": 256})

    session = deepimage.Session(model, threads=4)   # loads the weights once
    for image in images:
        y = session.predict(image, axes="yx")

    objects = deepimage.find_objects(y, axes="yx", split=True, intensity=image)   # labels + table

See docs/python.md.
"""

from ._deepimage import (
    AxisSize,
    AxisSpec,
    CancelledError,
    Error,
    find_objects,
    InvalidArgumentError,
    measure_statistics,
    Model,
    ModelSpec,
    NotFoundError,
    Objects,
    ProgressEvent,
    Session,
    TensorSpec,
)

__all__ = [
    "AxisSize", "AxisSpec", "CancelledError", "Error", "InvalidArgumentError", "Model", "ModelSpec",
    "NotFoundError", "Objects", "ProgressEvent", "Session", "TensorSpec", "find_objects", "measure_statistics",
]
