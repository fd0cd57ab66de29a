// mx.distributed: Group, init, is_available and the collectives, as MLX's
// Python API (group and stream are keyword arguments).
#include "lmx/distributed/distributed.h"
#include "lmx/distributed/average_gradients.h"
#include "python/src/python.h"

namespace lmx::python {

void init_distributed(nb::module_& parent) {
  namespace dist = lmx::distributed;
  auto m = parent.def_submodule("distributed", "Communication between the processes of a job.");
  nb::class_<dist::Group>(m, "Group", "A group of processes that communicate.")
      .def("rank", &dist::Group::rank, "This process's rank in the group.")
      .def("size", &dist::Group::size, "The number of processes in the group.")
      .def("split", &dist::Group::split, nb::arg("color"), nb::arg("key") = -1,
           "Splits the group: ranks with the same color form a new group, ordered by key.");
  m.def(
      "is_available", [](const std::string& backend) { return dist::is_available(backend); },
      nb::arg("backend") = "any", "Whether a communication backend (MPI) can be loaded.");
  m.def("init", &dist::init, nb::arg("strict") = false, nb::arg("backend") = "any",
        "The world group: every process of an mpirun job, or this process alone.");
  using Opt = std::optional<dist::Group>;
  auto collective = [&](const char* name, array (*fn)(const array&, Opt, StreamOrDevice),
                        const char* doc) {
    m.def(
        name,
        [fn](const ArrayLike& x, Opt group, StreamOrDevice s) { return fn(to_array(x), group, s); },
        nb::arg("x"), nb::kw_only(), nb::arg("group") = nb::none(), nb::arg("stream") = nb::none(),
        doc);
  };
  collective("all_sum", &dist::all_sum, "The elementwise sum over the group, on every rank.");
  collective("all_max", &dist::all_max, "The elementwise maximum over the group, on every rank.");
  collective("all_min", &dist::all_min, "The elementwise minimum over the group, on every rank.");
  collective("all_gather", &dist::all_gather,
             "The ranks' arrays concatenated along axis 0 in rank order.");
  collective("sum_scatter", &dist::sum_scatter,
             "The sum over the group split along axis 0; each rank keeps its part.");
  m.def(
      "send",
      [](const ArrayLike& x, int dst, Opt group, StreamOrDevice s) {
        return dist::send(to_array(x), dst, group, s);
      },
      nb::arg("x"), nb::arg("dst"), nb::kw_only(), nb::arg("group") = nb::none(),
      nb::arg("stream") = nb::none(), "Sends x to rank dst when evaluated; returns x.");
  m.def(
      "recv",
      [](ShapeArg shape, Dtype dtype, int src, Opt group, StreamOrDevice s) {
        return dist::recv(shape.shape, dtype, src, group, s);
      },
      nb::arg("shape"), nb::arg("dtype"), nb::arg("src"), nb::kw_only(),
      nb::arg("group") = nb::none(), nb::arg("stream") = nb::none(),
      "An array of this shape and dtype received from rank src.");
  m.def(
      "recv_like",
      [](const array& x, int src, Opt group, StreamOrDevice s) {
        return dist::recv_like(x, src, group, s);
      },
      nb::arg("x"), nb::arg("src"), nb::kw_only(), nb::arg("group") = nb::none(),
      nb::arg("stream") = nb::none(), "An array shaped like x received from rank src.");
  // lmx.nn.average_gradients (the C++ nn::average_gradients on Python trees).
  m.def(
      "_average_gradients",
      [](nb::handle gradients, Opt group, int64_t all_reduce_size,
         std::optional<Dtype> communication_type) {
        auto tree = to_tree(gradients, "average_gradients");
        return from_tree(nn::average_gradients(tree, group, all_reduce_size, communication_type));
      },
      nb::arg("gradients"), nb::arg("group") = nb::none(),
      nb::arg("all_reduce_size") = 32 * 1024 * 1024, nb::arg("communication_type") = nb::none());
}

}  // namespace lmx::python
