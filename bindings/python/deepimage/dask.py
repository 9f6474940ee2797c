"""deepimage on Dask arrays: the model runs block by block on Dask's workers, with the result of one
Session.predict on the whole image with the same tile.

    import dask.array as da, deepimage.dask
    image = da.from_zarr("cells.zarr")                       # or any dask array, e.g. (8192, 8192) "yx"
    labels = deepimage.dask.predict("unet2d_nuclei_broad/", image, axes="yx", tile={"y": 256, "x": 256})
    labels.to_zarr("probability.zarr")                       # computed on the current scheduler

How (docs/python.md, "Dask"):
- The tile plan of the whole image is asked of the library (Session.tile_plan) and the array is
  rechunked so that block k along each tiled axis is exactly what tile k writes.
- Mirror padding as `deepimage run` pads: numpy's 'reflect' (Dask's own 'reflect' boundary is numpy's
  'symmetric'), so the array is padded with da.pad and overlapped with boundary='none'.
- map_overlap shares the halo (depth = what a tile reads beyond what it writes, the model's halo before,
  the rest of the tile after) with each block; each block is cropped to its tile's read box and run as
  one tile with halo 0, which computes the same pixels the whole-image run computes for that tile.
- The whole image's normalisation statistics are measured first (one pass over the array, held once in
  the process calling predict) and given to every block, so each block is normalised as the whole image
  is; pass statistics= (JSON text, e.g. from `deepimage stats`) to skip that pass.
- Workers open the model themselves from its path (models are not pickled), one Session per worker
  process, cached for the following blocks.
"""
import os
import threading

import numpy as np

from . import Model, Session, measure_statistics

# Dask names numpy's 'symmetric' 'reflect'; da.pad takes numpy's names, which are deepimage's too.
# `zeros` is not among them: deepimage zeroes the model's input after normalisation, which padding the
# raw pixels cannot reproduce.
_NUMPY_PAD_MODES = {"reflect": "reflect", "symmetric": "symmetric", "edge": "edge"}

# Ops whose statistics come from the image (unless their kwargs fix them): then the whole image is measured.
_OPS_WITH_STATISTICS = {"zero_mean_unit_variance", "scale_range", "scale_mean_variance"}

_sessions = {}
_sessions_lock = threading.Lock()


def _session(model_path, options):
    """The Session of this worker process for (model, options): opened on first use, then reused."""
    key = (model_path, tuple(sorted((k, repr(v)) for k, v in options.items())))
    with _sessions_lock:
        session = _sessions.get(key)
        if session is None:
            session = Session(Model(model_path), **options)
            _sessions[key] = session
        return session


def _output_axes(output, image_axes):
    """The letters of an output as predict() returns it for an image with `image_axes` (model order,
    batch and size-1 axes the image lacks dropped; see deepimage.hpp)."""
    letters = ""
    for axis in output.axis_specs:
        if axis.id == "b":
            continue
        size_one = axis.type != "space" and axis.size.kind == "fixed" and axis.size.value == 1
        if axis.id in "yx" or axis.id in image_axes or not size_one:
            letters += axis.id
    return letters


def _predict_block(block, *, model_path, options, axes, tiled, plans, pad_before, output_axes, output_index,
                   block_info=None):
    location = block_info[0]["chunk-location"]
    session = _session(model_path, options)
    # Crop the overlapped block to its tile's read box (in the padded array, block k begins `pad_before`
    # before tile k's write start, except the first, which begins at 0).
    crop = [slice(None)] * block.ndim
    keep = [slice(None)] * len(output_axes)
    for d, letter in enumerate(axes):
        if letter not in tiled:
            continue
        plan = plans[letter]
        k = location[d]
        block_begin = 0 if k == 0 else plan["write_begin"][k]  # in padded coordinates
        read_begin = plan["read_begin"][k] + pad_before[letter]
        start = read_begin - block_begin
        crop[d] = slice(start, start + plan["tile"])
        halo = plan["write_begin"][k] - plan["read_begin"][k]
        keep[output_axes.index(letter)] = slice(halo, halo + plan["write_end"][k] - plan["write_begin"][k])
    tile = block[tuple(crop)]
    result = session.predict(tile, axes=axes)
    if isinstance(result, dict):
        result = list(result.values())[output_index]
    return result[tuple(keep)]


def predict(model, array, axes=None, *, tile, output=None, statistics=None, threads=1, precision="fp32",
            weights="", pad="reflect"):
    """The model's output for a dask array, as a dask array (lazy; compute it on any scheduler).

    model: the model's path (a folder, .zip or rdf), opened by each worker process.
    axes: the array's axes, e.g. "yx" or "cyx" (default: as Session.predict infers them).
    tile: the model input size per tiled axis, e.g. {"y": 256, "x": 256}, as Session's tile=.
    output: the output id, for a model with several outputs (default: the first).
    statistics: the whole image's statistics (JSON text of deepimage.measure_statistics or of
      `deepimage stats`); default: measured here over the whole array first.
    threads, precision, weights: as for Session, per worker process.
    pad: reflect | symmetric | edge, as `deepimage run --pad` (zeros: not here).
    """
    import dask.array as da

    if isinstance(model, Model):
        raise TypeError("deepimage.dask.predict takes the model's path, which each worker opens, not a deepimage.Model")
    model_path = os.fspath(model)
    if pad not in _NUMPY_PAD_MODES:
        raise ValueError(f'pad "{pad}" is not one of reflect, symmetric, edge (deepimage.dask cannot pad with zeros: '
                         "deepimage zeroes the normalised input, not the raw pixels)")
    array = da.asarray(array)
    local = Model(model_path)
    spec = local.spec
    if len(spec.inputs) != 1:
        raise ValueError(f'model "{spec.name}" takes {len(spec.inputs)} inputs; deepimage.dask.predict runs one-input models')
    output_ids = [o.id for o in spec.outputs]
    output_index = 0 if output is None else output_ids.index(output) if output in output_ids else -1
    if output_index < 0:
        raise ValueError(f'model "{spec.name}" has no output "{output}" (outputs: {", ".join(output_ids)})')

    # Outputs come in the model's axis order (as Session.predict returns them), so the blocks must be
    # cut in that order too: an array in another order ("xy") is transposed first, lazily.
    axes, order = _model_ordered_axes(spec, array.ndim, axes)
    if order is not None:
        array = array.transpose(order)

    # The plan of the whole image, asked of the library on a stand-in of the array's shape (no pixels read).
    stand_in = np.broadcast_to(np.zeros(1, array.dtype), array.shape)
    planner = Session(local, tile=dict(tile), threads=1, precision=precision, weights=weights, pad=pad)
    plans = {p["axis"]: p for p in planner.tile_plan(stand_in, axes=axes)}
    tiled = [letter for letter in axes if letter in plans]

    if statistics is None and any(op in _OPS_WITH_STATISTICS for op in spec.inputs[0].preprocessing):
        statistics = measure_statistics(local, np.asarray(array), axes=axes)  # one pass over the array
    options = {"tile": {a: plans[a]["tile"] for a in tiled}, "halo": {a: 0 for a in tiled}, "threads": threads,
               "precision": precision, "weights": weights, "statistics": statistics or ""}

    # Pad as the whole-image run reads beyond the image, and chunk along tile write boxes.
    pad_before, pad_after, depth, chunks, out_chunks = {}, {}, {}, [], {}
    for d, letter in enumerate(axes):
        if letter not in plans:
            chunks.append(array.shape[d])  # whole along untiled axes
            continue
        plan = plans[letter]
        writes = [e - b for b, e in zip(plan["write_begin"], plan["write_end"])]
        before = max(b - r for b, r in zip(plan["write_begin"], plan["read_begin"]))
        after = max(r + plan["tile"] - e for r, e in zip(plan["read_begin"], plan["write_end"]))
        pad_before[letter], pad_after[letter] = before, after
        padded = list(writes)
        padded[0] += before
        padded[-1] += after
        if len(writes) > 1 and min(padded) < max(before, after):
            raise ValueError(f'tile {plan["tile"]} along "{letter}" reads {max(before, after)} pixels beyond what it '
                             f'writes, more than a block of {min(padded)}: use a smaller tile')
        depth[d] = (before, after) if len(writes) > 1 else 0
        chunks.append(tuple(padded))
        out_chunks[letter] = tuple(writes)
    padded = da.pad(array, [(pad_before.get(a, 0), pad_after.get(a, 0)) for a in axes],
                    mode=_NUMPY_PAD_MODES[pad]).rechunk(tuple(chunks))

    # What a block returns: an empty call answers its dtype and rank without running the model.
    empty = planner.predict(np.zeros((0,) * len(axes), array.dtype), axes=axes)
    if isinstance(empty, dict):
        empty = list(empty.values())[output_index]
    output_axes = _output_axes(spec.outputs[output_index], axes)
    if len(output_axes) != empty.ndim:
        raise ValueError(f'output "{output_ids[output_index]}": cannot tell its axes for image axes "{axes}"')
    for letter in tiled:
        if letter not in output_axes:
            raise ValueError(f'output "{output_ids[output_index]}" has no axis "{letter}"; it cannot be cut into tiles')
    result_chunks = tuple(out_chunks[a] if a in out_chunks else (empty.shape[i],) for i, a in enumerate(output_axes))
    new_axis = [i for i, a in enumerate(output_axes) if a not in axes]
    drop_axis = [i for i, a in enumerate(axes) if a not in output_axes]
    return da.map_overlap(
        _predict_block, padded, depth=depth, boundary="none", trim=False, allow_rechunk=False,
        chunks=result_chunks, new_axis=new_axis or None, drop_axis=drop_axis or None,
        meta=np.empty((0,) * len(output_axes), empty.dtype), dtype=empty.dtype,
        model_path=model_path, options=options, axes=axes, tiled=tiled, plans=plans, pad_before=pad_before,
        output_axes=output_axes, output_index=output_index)


def _model_ordered_axes(spec, ndim, axes):
    """The array's axes (default: the model's when the ranks match, else its spatial axes) in the model's
    order, and the transpose that puts the array so (None when it already is)."""
    model_axes = spec.inputs[0].axes
    if axes is None:
        spatial = "".join(a.id for a in spec.inputs[0].axis_specs if a.type == "space")
        axes = model_axes if ndim == len(model_axes) else spatial
    if len(axes) != ndim or -1 in [model_axes.find(a) for a in axes]:
        return axes, None  # Session.predict names what is wrong with them
    ordered = "".join(sorted(axes, key=model_axes.find))
    if ordered == axes:
        return axes, None
    return ordered, [axes.index(a) for a in ordered]
