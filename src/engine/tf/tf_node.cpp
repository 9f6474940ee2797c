#include "engine/tf/tf_node.hpp"

#include "engine/tf/tf_tensor.hpp"

namespace deepimage::engine {

std::string TfNode::describe() const { return builder.source() + ": " + def.op() + " node \"" + def.name() + "\""; }

Error TfNode::refused(const std::string& why) const { return Error(ErrorCode::unsupported, describe() + ": " + why); }

Error TfNode::broken(const std::string& why) const { return Error(ErrorCode::bad_model, describe() + ": " + why); }

graph::ValueId TfNode::input(std::size_t k) const {
  if (k >= inputs.size())
    throw broken("has " + std::to_string(inputs.size()) + " inputs, expected at least " + std::to_string(k + 1));
  return inputs[k];
}

const Tensor& TfNode::constant_input(std::size_t k, const std::string& what) const {
  const Tensor* t = builder.constant_of(input(k));
  if (!t)
    throw refused(what + " (\"" + input_names.at(k) + "\") is computed at run time; the native engine needs it constant");
  return *t;
}

std::vector<std::int64_t> TfNode::constant_ints(std::size_t k, const std::string& what) const {
  const Tensor& t = constant_input(k, what);
  if (t.dtype() != DType::i32 && t.dtype() != DType::i64)
    throw broken(what + " is " + std::string(to_string(t.dtype())) + ", expected int32 or int64");
  std::vector<std::int64_t> v(static_cast<std::size_t>(t.element_count()));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = t.dtype() == DType::i32 ? t.data<std::int32_t>()[i] : t.data<std::int64_t>()[i];
  return v;
}

namespace {

const tfproto::AttrValue* find(const tfproto::NodeDef& def, const std::string& key) {
  const auto it = def.attr().find(key);
  return it == def.attr().end() ? nullptr : &it->second;
}

}  // namespace

std::int64_t TfNode::int_attr(const std::string& key, std::int64_t fallback) const {
  const auto* a = find(def, key);
  if (!a) return fallback;
  if (a->value_case() != tfproto::AttrValue::kI) throw broken("attribute \"" + key + "\" is not an integer");
  return a->i();
}

double TfNode::float_attr(const std::string& key, double fallback) const {
  const auto* a = find(def, key);
  if (!a) return fallback;
  if (a->value_case() != tfproto::AttrValue::kF) throw broken("attribute \"" + key + "\" is not a float");
  return a->f();
}

bool TfNode::bool_attr(const std::string& key, bool fallback) const {
  const auto* a = find(def, key);
  if (!a) return fallback;
  if (a->value_case() != tfproto::AttrValue::kB) throw broken("attribute \"" + key + "\" is not a bool");
  return a->b();
}

std::string TfNode::string_attr(const std::string& key, const std::string& fallback) const {
  const auto* a = find(def, key);
  if (!a) return fallback;
  if (a->value_case() != tfproto::AttrValue::kS) throw broken("attribute \"" + key + "\" is not a string");
  return a->s();
}

std::vector<std::int64_t> TfNode::ints_attr(const std::string& key) const {
  const auto* a = find(def, key);
  if (!a) return {};
  if (a->value_case() != tfproto::AttrValue::kList) throw broken("attribute \"" + key + "\" is not a list");
  return {a->list().i().begin(), a->list().i().end()};
}

DType TfNode::type_attr(const std::string& key) const {
  const auto* a = find(def, key);
  if (!a) return DType::f32;
  if (a->value_case() != tfproto::AttrValue::kType) throw broken("attribute \"" + key + "\" is not an element type");
  return dtype_from_tf(a->type(), describe() + ": attribute \"" + key + "\"");
}

}  // namespace deepimage::engine
