// How an image's axes become a model input's axes, and back.
//
//   Tensor in = to_model_axes(image.pixels, spec.inputs[0], "cells.tif");   // "yx" -> "bcyx"
//   Tensor out = to_image_axes(result, image.pixels.axes());                  // "bcyx" -> "yx"
//
// Rules (DESIGN.md "Axes"): axes are matched by id; size-1 axes are inserted or dropped; the channel
// count must match. Stack axes the model lacks (z, t) are looped over before this (stack_loop.hpp), so
// an image axis of size > 1 that is still left over is an error naming it.
#pragma once

#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::run {

// Axes for a tensor whose file did not name them (a .npy): the model's own when the rank matches,
// else yx / cyx (zyx for a model with z and no channels) / bcyx, by rank. `file` names the tensor in
// the error for a rank with no guess.
std::string infer_axes(const Shape& shape, const TensorSpec& input, const std::string& file = "");

// `user_axes` (from --axes) must be one distinct letter of "bitczyx" per dimension.
void override_axes(Tensor& image, const std::string& user_axes, const std::string& file);
// The same check for an image of this shape; returns `user_axes`.
std::string checked_user_axes(const Shape& shape, const std::string& user_axes, const std::string& file);

Tensor to_model_axes(const Tensor& image, const TensorSpec& input, const std::string& file);
// The shape to_model_axes gives an image of this shape and these axes, with the same checks and errors.
Shape model_shape(const Shape& image_shape, const std::string& image_axes, const TensorSpec& input, const std::string& file);

// The image with only `channels` (indices along "c", in the order given), e.g. --channels 0,2.
Tensor select_channels(const Tensor& image, const std::vector<int>& channels, const std::string& file);
// Its checks, for an image of this shape and these axes (throws invalid_argument naming the file).
void check_channel_selection(const Shape& shape, const std::string& axes, const std::vector<int>& channels,
                             const std::string& file);

// Drops the batch axis and any size-1 axis the image did not have, keeping y and x.
Tensor to_image_axes(const Tensor& output, const std::string& image_axes);

}  // namespace deepimage::run
