// mx.export_function, mx.import_function and mx.exporter: Python functions of
// positional and keyword arrays traced into lmx/io/export's files.
#include <nanobind/stl/function.h>
#include <nanobind/stl/map.h>

#include "lmx/io/export.h"
#include "python/src/python.h"

namespace lmx::python {

namespace {

std::string path_of(nb::handle file) {
  return nb::cast<std::string>(nb::module_::import_("os").attr("fspath")(file));
}

bool arrays_only(nb::handle seq, Args& out) {
  for (auto item : seq) {
    if (!nb::isinstance<array>(item)) return false;
    out.push_back(nb::cast<array>(item));
  }
  return true;
}

bool array_dict(nb::handle d, Kwargs& out) {
  if (!PyDict_Check(d.ptr())) return false;
  for (auto [k, v] : nb::borrow<nb::dict>(d)) {
    if (!PyUnicode_Check(k.ptr()) || !nb::isinstance<array>(v)) return false;
    out.emplace(nb::cast<std::string>(k), nb::cast<array>(v));
  }
  return true;
}

// As MLX: inputs are positional and keyword arrays, or one tuple/list of
// arrays and/or one dict of arrays.
std::pair<Args, Kwargs> extract_inputs(nb::args args, nb::kwargs kwargs, const char* who) {
  Args a;
  Kwargs kw;
  auto is_seq = [](nb::handle h) { return PyTuple_Check(h.ptr()) || PyList_Check(h.ptr()); };
  bool ok;
  if (args.size() == 0) {
    ok = array_dict(kwargs, kw);
  } else if (nb::isinstance<array>(args[0])) {
    ok = arrays_only(args, a) && array_dict(kwargs, kw);
  } else if (args.size() == 1 && kwargs.size() == 0) {
    ok = is_seq(args[0]) ? arrays_only(args[0], a) : array_dict(args[0], kw);
  } else if (args.size() == 2 && kwargs.size() == 0 && is_seq(args[0])) {
    ok = arrays_only(args[0], a) && array_dict(args[1], kw);
  } else {
    ok = false;
  }
  if (!ok) {
    throw std::invalid_argument(std::string("[") + who +
                                "] Inputs can either be a variable number of positional and "
                                "keyword arrays or a single tuple and/or dictionary of arrays.");
  }
  return {a, kw};
}

// The Python function as the engine calls it: one array, or a tuple or list
// of arrays, comes back as a list.
std::function<std::vector<array>(const Args&, const Kwargs&)> wrap(nb::callable fun) {
  return [fun](const Args& args, const Kwargs& kwargs) {
    nb::gil_scoped_acquire gil;
    nb::list pos;
    for (auto& a : args) pos.append(nb::cast(a));
    nb::dict kw;
    for (auto& [k, v] : kwargs) kw[nb::str(k.c_str())] = nb::cast(v);
    nb::object out = fun(*nb::tuple(pos), **kw);
    Args result;
    bool ok = nb::isinstance<array>(out) ? (result.push_back(nb::cast<array>(out)), true)
              : (PyTuple_Check(out.ptr()) || PyList_Check(out.ptr())) ? arrays_only(out, result)
                                                                      : false;
    if (!ok) {
      throw std::invalid_argument(
          "[export_function] Outputs can be either a single array, a tuple, or a list of "
          "arrays.");
    }
    return result;
  };
}

}  // namespace

void init_export(nb::module_& m) {
  m.def(
      "export_function",
      [](nb::object file, nb::callable fun, nb::args args, bool shapeless, nb::kwargs kwargs) {
        auto [a, kw] = extract_inputs(args, kwargs, "export_function");
        export_function(path_of(file), wrap(fun), a, kw, shapeless);
      },
      nb::arg("file"), nb::arg("fun"), nb::arg("args"), nb::kw_only(), nb::arg("shapeless") = false,
      nb::arg("kwargs"),
      "Traces fun on example arrays (positional and keyword) and writes the graph to a file that "
      "import_function runs back. With shapeless, the trace serves inputs of any size (same ranks "
      "and dtypes).");
  m.def(
      "import_function",
      [](nb::object file) {
        auto f = std::make_shared<ImportedFunction>(import_function(path_of(file)));
        return nb::cpp_function(
            [f](nb::args args, nb::kwargs kwargs) {
              auto [a, kw] = extract_inputs(args, kwargs, "import_function::call");
              auto outs = (*f)(a, kw);
              nb::list l;
              for (auto& o : outs) l.append(nb::cast(o));
              return nb::tuple(l);
            },
            nb::arg("args"), nb::arg("kwargs"));
      },
      nb::arg("file"),
      "Reads a function written by export_function; calling it returns a tuple of arrays.");
  nb::class_<FunctionExporter>(m, "FunctionExporter",
                               "Adds one trace of a function to its file per call.")
      .def(
          "__call__",
          [](FunctionExporter& ex, nb::args args, nb::kwargs kwargs) {
            auto [a, kw] = extract_inputs(args, kwargs, "export_function");
            ex(a, kw);
          },
          nb::arg("args"), nb::arg("kwargs"))
      .def("close", &FunctionExporter::close)
      .def("__enter__", [](nb::object self) { return self; })
      .def(
          "__exit__", [](FunctionExporter& ex, nb::args) { ex.close(); }, nb::arg("args"));
  m.def(
      "exporter",
      [](nb::object file, nb::callable fun, bool shapeless) {
        return FunctionExporter(path_of(file), wrap(fun), shapeless);
      },
      nb::arg("file"), nb::arg("fun"), nb::kw_only(), nb::arg("shapeless") = false,
      "Makes a callable that exports one trace of fun per call to the same file; a context "
      "manager that closes it on exit.");
}

}  // namespace lmx::python
