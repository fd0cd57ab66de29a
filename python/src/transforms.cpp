// eval / async_eval over pytrees, and the flat forms of the function
// transforms (lists of arrays in, lists out). lmx/core/transforms.py builds
// MLX's pytree-aware grad, value_and_grad, vjp, jvp, vmap and compile on these.
#include <nanobind/stl/function.h>

#include <fstream>
#include <sstream>

#include "python/src/python.h"

namespace lmx::python {

namespace {
using FlatFn = std::function<std::vector<array>(const std::vector<array>&)>;

std::vector<array> leaves_of_args(nb::args args) {
  std::vector<array> out;
  for (nb::handle a : args) tree_leaves(a, out);
  return out;
}
}  // namespace

void init_transforms(nb::module_& m) {
  m.def(
      "eval",
      [](nb::args args) {
        auto arrays = leaves_of_args(args);
        nb::gil_scoped_release release;
        eval(std::move(arrays));
      },
      "Evaluates every array in the arguments (arrays or trees of them).");
  m.def(
      "async_eval",
      [](nb::args args) {
        auto arrays = leaves_of_args(args);
        nb::gil_scoped_release release;
        async_eval(std::move(arrays));
      },
      "Starts evaluating the arrays in the background.");

  m.def(
      "_value_and_grad",
      [](FlatFn fn, std::vector<int> argnums, const std::vector<array>& primals) {
        return value_and_grad(fn, argnums)(primals);
      },
      nb::arg("fn"), nb::arg("argnums"), nb::arg("primals"));
  m.def(
      "_vjp",
      [](FlatFn fn, const std::vector<array>& primals, const std::vector<array>& cotangents) {
        return vjp(fn, primals, cotangents);
      },
      nb::arg("fn"), nb::arg("primals"), nb::arg("cotangents"));
  m.def(
      "_jvp",
      [](FlatFn fn, const std::vector<array>& primals, const std::vector<array>& tangents) {
        return jvp(fn, primals, tangents);
      },
      nb::arg("fn"), nb::arg("primals"), nb::arg("tangents"));
  m.def(
      "_vmap",
      [](FlatFn fn, const std::vector<array>& inputs, const std::vector<int>& in_axes,
         std::function<std::vector<int>(const std::vector<array>&)> out_axes) {
        return detail::vmap_apply(fn, inputs, in_axes, out_axes);
      },
      nb::arg("fn"), nb::arg("inputs"), nb::arg("in_axes"), nb::arg("out_axes"));
  m.def(
      "_custom_function",
      [](FlatFn fn, std::optional<CustomVjpFn> vjp, std::optional<CustomJvpFn> jvp,
         std::optional<CustomVmapFn> vmap) {
        auto f = custom_function(std::move(fn), std::move(vjp), std::move(jvp), std::move(vmap));
        return nb::cpp_function([f](const std::vector<array>& xs) { return f(xs); },
                                nb::arg("inputs"));
      },
      nb::arg("fn"), nb::arg("vjp").none(), nb::arg("jvp").none(), nb::arg("vmap").none());
  m.def(
      "_checkpoint",
      [](FlatFn fn) {
        auto f = checkpoint(std::move(fn));
        return nb::cpp_function([f](const std::vector<array>& xs) { return f(xs); },
                                nb::arg("inputs"));
      },
      nb::arg("fn"));
  m.def(
      "depends",
      [](nb::handle inputs, nb::handle dependencies) -> nb::object {
        bool single = nb::isinstance<array>(inputs);
        std::vector<array> in = tree_leaves(inputs), deps = tree_leaves(dependencies);
        auto out = depends(in, deps);
        if (single) return nb::cast(out[0]);
        return nb::cast(out);
      },
      nb::arg("inputs"), nb::arg("dependencies"),
      "The inputs, evaluated only after the dependencies are.");
  m.def(
      "export_to_dot",
      [](nb::object file, nb::args args, nb::kwargs kwargs) {
        // Keyword arguments name arrays in the graph (x=x labels x "x").
        NodeNamer namer;
        std::vector<array> outputs = leaves_of_args(args);
        for (auto [key, value] : kwargs) {
          array a = nb::cast<array>(value);
          namer.set_name(a, nb::cast<std::string>(key));
          outputs.push_back(a);
        }
        std::ostringstream os;
        export_to_dot(os, namer, outputs);
        if (nb::isinstance<nb::str>(file)) {
          std::ofstream out(nb::cast<std::string>(file));
          if (!out)
            throw std::invalid_argument("[export_to_dot] Cannot open the file for writing.");
          out << os.str();
        } else {
          file.attr("write")(os.str());
        }
      },
      nb::arg("file"), nb::arg("args"), nb::arg("kwargs"),
      "Writes the graph computing the arrays in Graphviz's DOT language to a path or a file "
      "object; keyword arguments name arrays.");
  m.def(
      "_compile",
      [](FlatFn fn, bool shapeless) {
        auto compiled = compile(std::move(fn), shapeless);
        return nb::cpp_function([compiled](const std::vector<array>& xs) { return compiled(xs); },
                                nb::arg("inputs"));
      },
      nb::arg("fn"), nb::arg("shapeless") = false);
  m.def(
      "_tree_leaves", [](nb::handle tree, bool modules) { return tree_leaves(tree, modules); },
      nb::arg("tree").none(), nb::arg("modules") = true,
      "The array leaves of a tree of lists, tuples and dicts, in order.");
  m.def(
      "_tree_replace",
      [](nb::handle tree, const std::vector<array>& leaves, bool modules) {
        size_t pos = 0;
        nb::object out = tree_replace(tree, leaves, pos, modules);
        if (pos != leaves.size())
          throw std::invalid_argument("[tree_replace] More leaves than the tree holds.");
        return out;
      },
      nb::arg("tree").none(), nb::arg("leaves"), nb::arg("modules") = true,
      "The tree with its array leaves replaced, in order, by `leaves`.");
  m.def(
      "_tree_replace_from",
      [](nb::handle tree, const std::vector<array>& leaves, size_t pos) {
        if (pos > leaves.size()) throw std::out_of_range("[tree_replace] Start past the leaves.");
        nb::object out = tree_replace(tree, leaves, pos);
        return nb::make_tuple(out, pos);
      },
      nb::arg("tree").none(), nb::arg("leaves"), nb::arg("pos"),
      "(tree with leaves[pos:pos+n] in place of its n array leaves, pos + n).");
  m.def("disable_compile", &disable_compile);
  m.def("enable_compile", &enable_compile);
}

}  // namespace lmx::python
