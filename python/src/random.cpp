// mx.random: the global key and explicit key= for every sampler.
#include "python/src/python.h"

namespace lmx::python {

namespace {
using Key = std::optional<array>;
constexpr auto S = "stream";
}  // namespace

void init_random(nb::module_& parent) {
  auto m = parent.def_submodule("random", "Random number generation.");
  m.def("seed", &random::seed, nb::arg("seed"));
  m.def("key", &random::key, nb::arg("seed"));
  m.def(
      "split",
      [](const array& key, int num, StreamOrDevice s) { return random::split(key, num, s); },
      nb::arg("key"), nb::arg("num") = 2, nb::kw_only(), nb::arg(S) = nb::none());
  m.def(
      "bits",
      [](const ShapeArg& shape, int width, Key key, StreamOrDevice s) {
        return random::bits(shape.shape, width, key, s);
      },
      nb::arg("shape") = ShapeArg{{}}, nb::arg("width") = 4, nb::kw_only(),
      nb::arg("key") = nb::none(), nb::arg(S) = nb::none());
  m.def(
      "uniform",
      [](const ArrayLike& low, const ArrayLike& high, const ShapeArg& shape, Dtype dtype, Key key,
         StreamOrDevice s) {
        return random::uniform(to_array(low, dtype), to_array(high, dtype), shape.shape, dtype, key,
                               s);
      },
      nb::arg("low") = 0, nb::arg("high") = 1, nb::arg("shape") = ShapeArg{{}},
      nb::arg("dtype") = float32, nb::kw_only(), nb::arg("key") = nb::none(),
      nb::arg(S) = nb::none());
  m.def(
      "normal",
      [](const ShapeArg& shape, Dtype dtype, nb::handle loc, nb::handle scale, Key key,
         StreamOrDevice s) {
        std::optional<array> l, sc;
        if (!loc.is_none()) l = to_array(loc, dtype);
        if (!scale.is_none()) sc = to_array(scale, dtype);
        return random::normal(shape.shape, dtype, l, sc, key, s);
      },
      nb::arg("shape") = ShapeArg{{}}, nb::arg("dtype") = float32, nb::arg("loc") = nb::none(),
      nb::arg("scale") = nb::none(), nb::kw_only(), nb::arg("key") = nb::none(),
      nb::arg(S) = nb::none());
  m.def(
      "multivariate_normal",
      [](const ArrayLike& mean, const ArrayLike& cov, const ShapeArg& shape,
         std::optional<Dtype> dtype, Key key, StreamOrDevice s) {
        return random::multivariate_normal(to_array(mean), to_array(cov), shape.shape,
                                           dtype.value_or(float32), key, s);
      },
      nb::arg("mean"), nb::arg("cov"), nb::arg("shape") = ShapeArg{{}}, nb::arg("dtype") = float32,
      nb::kw_only(), nb::arg("key") = nb::none(), nb::arg(S) = nb::none());
  m.def(
      "randint",
      [](const ArrayLike& low, const ArrayLike& high, const ShapeArg& shape, Dtype dtype, Key key,
         StreamOrDevice s) {
        return random::randint(to_array(low), to_array(high), shape.shape, dtype, key, s);
      },
      nb::arg("low"), nb::arg("high"), nb::arg("shape") = ShapeArg{{}}, nb::arg("dtype") = int32,
      nb::kw_only(), nb::arg("key") = nb::none(), nb::arg(S) = nb::none());
  m.def(
      "bernoulli",
      [](const ArrayLike& p, std::optional<ShapeArg> shape, Key key, StreamOrDevice s) {
        array pp = to_array(p);
        return shape ? random::bernoulli(pp, shape->shape, key, s) : random::bernoulli(pp, key, s);
      },
      nb::arg("p") = 0.5, nb::arg("shape") = nb::none(), nb::kw_only(), nb::arg("key") = nb::none(),
      nb::arg(S) = nb::none());
  m.def(
      "truncated_normal",
      [](const ArrayLike& lower, const ArrayLike& upper, std::optional<ShapeArg> shape, Dtype dtype,
         Key key, StreamOrDevice s) {
        array lo = to_array(lower, dtype), hi = to_array(upper, dtype);
        return shape ? random::truncated_normal(lo, hi, shape->shape, dtype, key, s)
                     : random::truncated_normal(lo, hi, dtype, key, s);
      },
      nb::arg("lower"), nb::arg("upper"), nb::arg("shape") = nb::none(), nb::arg("dtype") = float32,
      nb::kw_only(), nb::arg("key") = nb::none(), nb::arg(S) = nb::none());
  m.def(
      "gumbel",
      [](const ShapeArg& shape, Dtype dtype, Key key, StreamOrDevice s) {
        return random::gumbel(shape.shape, dtype, key, s);
      },
      nb::arg("shape") = ShapeArg{{}}, nb::arg("dtype") = float32, nb::kw_only(),
      nb::arg("key") = nb::none(), nb::arg(S) = nb::none());
  m.def(
      "categorical",
      [](const ArrayLike& logits, int axis, std::optional<ShapeArg> shape,
         std::optional<int> num_samples, Key key, StreamOrDevice s) {
        array l = to_array(logits);
        if (shape && num_samples)
          throw std::invalid_argument("[categorical] Give at most one of shape or num_samples.");
        if (shape) return random::categorical(l, axis, shape->shape, key, s);
        if (num_samples) return random::categorical(l, axis, *num_samples, key, s);
        return random::categorical(l, axis, key, s);
      },
      nb::arg("logits"), nb::arg("axis") = -1, nb::arg("shape") = nb::none(),
      nb::arg("num_samples") = nb::none(), nb::kw_only(), nb::arg("key") = nb::none(),
      nb::arg(S) = nb::none());
  m.def(
      "laplace",
      [](const ShapeArg& shape, Dtype dtype, float loc, float scale, Key key, StreamOrDevice s) {
        return random::laplace(shape.shape, dtype, loc, scale, key, s);
      },
      nb::arg("shape") = ShapeArg{{}}, nb::arg("dtype") = float32, nb::arg("loc") = 0.0f,
      nb::arg("scale") = 1.0f, nb::kw_only(), nb::arg("key") = nb::none(), nb::arg(S) = nb::none());
  m.def(
      "permutation",
      [](nb::handle x, int axis, Key key, StreamOrDevice s) {
        if (PyLong_Check(x.ptr())) return random::permutation(nb::cast<int>(x), key, s);
        return random::permutation(to_array(x), axis, key, s);
      },
      nb::arg("x"), nb::arg("axis") = 0, nb::kw_only(), nb::arg("key") = nb::none(),
      nb::arg(S) = nb::none());
}

}  // namespace lmx::python
