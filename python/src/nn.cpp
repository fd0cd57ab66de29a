// nn.Module for Python: the C++ nn::Module itself, subclassable from Python.
// A Python subclass's attributes that hold arrays, modules or containers of
// them are registered in the C++ registry as owned values (PyOwnedValue), so
// parameters(), update, freeze, printing and saving walk one registry for
// C++ members and Python attributes alike, and containers stay live.
#include <nanobind/stl/function.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/trampoline.h>

#include <sstream>

#include "python/src/python.h"

namespace lmx::python {

namespace {

// A Python value owned by a module: either the attribute itself (root) or an
// entry `container[key]` of a list, tuple or dict inside it.
class PyOwnedValue : public nn::OwnedValue {
 public:
  explicit PyOwnedValue(nb::object value) : value_(std::move(value)) {}
  PyOwnedValue(nb::object container, nb::object key)
      : container_(std::move(container)), key_(std::move(key)) {}
  ~PyOwnedValue() override {
    nb::gil_scoped_acquire gil;
    value_.reset();
    container_.reset();
    key_.reset();
  }

  nb::object get() const { return container_.is_valid() ? container_[key_] : value_; }
  void put(nb::object v) {
    if (!container_.is_valid()) {
      value_ = std::move(v);
    } else if (PyTuple_Check(container_.ptr())) {
      throw std::invalid_argument("[update] Cannot update an entry of a tuple in place.");
    } else {
      container_[key_] = v;
    }
  }

  Kind kind() const override {
    nb::object v = get();
    if (nb::isinstance<array>(v)) return Kind::Array;
    if (nb::isinstance<nn::Module>(v)) return Kind::Module;
    if (PyList_Check(v.ptr()) || PyTuple_Check(v.ptr())) return Kind::List;
    if (PyDict_Check(v.ptr())) return Kind::Dict;
    return Kind::Other;
  }
  array get_array() const override { return nb::cast<array>(get()); }
  void set_array(const array& a) override { put(nb::cast(a)); }
  nn::Module* module() const override { return nb::cast<nn::Module*>(get()); }
  bool set_module(const std::shared_ptr<nn::Module>& m) override {
    put(nb::cast(m));
    return true;
  }
  std::vector<std::pair<std::string, std::shared_ptr<nn::OwnedValue>>> items() const override {
    std::vector<std::pair<std::string, std::shared_ptr<nn::OwnedValue>>> out;
    nb::object v = get();
    if (PyDict_Check(v.ptr())) {
      for (auto [k, item] : nb::borrow<nb::dict>(v)) {
        (void)item;
        out.emplace_back(nb::cast<std::string>(nb::str(k)),
                         std::make_shared<PyOwnedValue>(v, nb::borrow(k)));
      }
    } else {
      size_t n = nb::len(v);
      for (size_t i = 0; i < n; ++i) {
        out.emplace_back(std::to_string(i), std::make_shared<PyOwnedValue>(v, nb::int_(i)));
      }
    }
    return out;
  }
  nb::object value() const { return get(); }

 private:
  nb::object value_, container_, key_;
};

// Python subclasses override the forward call, the printed name and the
// extra text of repr.
struct PyModule : nn::Module {
  NB_TRAMPOLINE(nn::Module);
  array operator()(array x) override { NB_OVERRIDE_NAME("__call__", operator(), x); }
  std::string name() const override {
    nb::gil_scoped_acquire gil;
    nb::handle self = nb_trampoline.base();
    return nb::cast<std::string>(
        nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(self.ptr()))).attr("__name__"));
  }
  std::string extra_repr() const override { NB_OVERRIDE_NAME("_extra_repr", extra_repr); }
};

bool is_registrable(nb::handle v) {
  return nb::isinstance<array>(v) || nb::isinstance<nn::Module>(v) || PyList_Check(v.ptr()) ||
         PyTuple_Check(v.ptr()) || PyDict_Check(v.ptr());
}

// A data descriptor on the type (a bound property) takes assignments itself.
bool has_data_descriptor(nb::handle self, const char* name) {
  nb::handle type(reinterpret_cast<PyObject*>(Py_TYPE(self.ptr())));
  PyObject* attr = _PyType_Lookup(reinterpret_cast<PyTypeObject*>(type.ptr()), nb::str(name).ptr());
  return attr && Py_TYPE(attr)->tp_descr_set;
}

nb::object object_setattr(nb::handle self, const char* name, nb::handle value) {
  if (PyObject_GenericSetAttr(self.ptr(), nb::str(name).ptr(), value.ptr()) != 0)
    throw nb::python_error();
  return nb::none();
}

// Constructs the C++ Module of a Python subclass in place: from
// Module.__init__, or from the first attribute assignment when a subclass
// assigns before (or without) calling super().__init__(), which MLX allows.
void init_module(nb::handle self) {
  if (nb::inst_ready(self)) return;
  if (nb::type_info(self.type()) != typeid(nn::Module)) {
    throw nb::type_error((python_type_name(self) +
                          ".__init__ must call super().__init__(...) before assigning attributes.")
                             .c_str());
  }
  new (nb::inst_ptr<PyModule>(self)) PyModule();
  nb::inst_mark_ready(self);
}

void module_setattr(nb::handle self, const std::string& name, nb::handle value) {
  init_module(self);
  auto& m = nb::cast<nn::Module&>(self);
  if (has_data_descriptor(self, name.c_str())) {
    object_setattr(self, name.c_str(), value);
    return;
  }
  if (m.has_member(name)) {
    // A C++ layer's parameter or submodule, e.g. linear.weight = ...
    Tree t = Tree::dict();
    t.insert(name, to_tree(value, "setattr"));
    m.update(t, false);
    return;
  }
  if (is_registrable(value)) {
    m.set_owned(name, std::make_shared<PyOwnedValue>(nb::borrow(value)));
    // Drop a plain attribute of the same name so lookups find the owned one.
    nb::object dict = nb::getattr(self, "__dict__", nb::none());
    if (!dict.is_none() && PyDict_Contains(dict.ptr(), nb::str(name.c_str()).ptr()) == 1)
      PyDict_DelItemString(dict.ptr(), name.c_str());
    return;
  }
  m.remove_owned(name);
  object_setattr(self, name.c_str(), value);
}

nb::object module_getattr(nb::handle self, const std::string& name) {
  if (!nb::inst_ready(self)) {
    throw nb::attribute_error(
        ("'" + python_type_name(self) + "' object has no attribute '" + name + "'").c_str());
  }
  auto& m = nb::cast<nn::Module&>(self);
  if (auto v = m.owned(name)) return static_cast<PyOwnedValue&>(*v).value();
  if (m.has_member(name)) {
    // A C++ member: a parameter, a submodule or a list of submodules.
    auto params = m.parameters();
    nb::list children;
    bool is_list = false;
    for (auto& [child_name, child] : m.children()) {
      if (child_name == name) {
        return nb::cast(child, nb::rv_policy::reference_internal, self);
      }
      if (child_name.rfind(name + ".", 0) == 0) {
        is_list = true;
        children.append(nb::cast(child, nb::rv_policy::reference_internal, self));
      }
    }
    if (is_list) return children;
    if (const Tree* t = params.find(name); t && t->is_array()) return nb::cast(t->as_array());
    if (params.find(name)) return from_tree(*params.find(name));
    if (name == "layers") return children;  // an empty module list
    return nb::none();                      // an optional parameter that is absent (bias=False)
  }
  throw nb::attribute_error(("'" + m.name() + "' object has no attribute '" + name + "'").c_str());
}

std::optional<std::vector<std::string>> keys_arg(nb::handle keys) {
  if (keys.is_none()) return std::nullopt;
  if (PyUnicode_Check(keys.ptr())) return std::vector<std::string>{nb::cast<std::string>(keys)};
  return nb::cast<std::vector<std::string>>(keys);
}

std::string module_repr(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

}  // namespace

void init_nn(nb::module_& m) {
  nb::class_<nn::Module, PyModule>(m, "Module", nb::dynamic_attr(),
                                   "The base class of layers and models.")
      .def("__init__", [](nb::handle self, nb::args, nb::kwargs) { init_module(self); })
      .def("__setattr__", &module_setattr, nb::arg("name"), nb::arg("value"))
      .def("__getattr__", &module_getattr, nb::arg("name"))
      .def(
          "__delattr__",
          [](nb::handle self, const std::string& name) {
            if (nb::cast<nn::Module&>(self).remove_owned(name)) return;
            if (PyObject_GenericSetAttr(self.ptr(), nb::str(name.c_str()).ptr(), nullptr) != 0)
              throw nb::python_error();
          },
          nb::arg("name"))
      .def(
          "__call__",
          [](nn::Module& mod, const array& x) {
            // Reached by a Python module that defines no __call__ of its own.
            if (typeid(mod) == typeid(PyModule) || typeid(mod) == typeid(nn::Module))
              throw nb::type_error(("'" + mod.name() + "' object is not callable").c_str());
            return mod(x);
          },
          nb::arg("x"))
      .def("__repr__", &module_repr)
      .def("_extra_repr", [](const nn::Module&) { return std::string(); })
      .def("keys", &nn::Module::entry_names,
           "The names of the module's parameters, submodules and containers (MLX's dict keys).")
      .def("parameters", [](const nn::Module& mod) { return from_tree(mod.parameters()); })
      .def("trainable_parameters",
           [](const nn::Module& mod) { return from_tree(mod.trainable_parameters()); })
      .def(
          "update",
          [](nb::handle self, nb::handle parameters, bool strict) {
            nb::cast<nn::Module&>(self).update(to_tree(parameters, "update"), strict);
            return nb::borrow(self);
          },
          nb::arg("parameters"), nb::arg("strict") = true)
      .def(
          "_set_leaves",
          [](nn::Module& mod, const std::vector<array>& leaves, size_t pos) {
            // Replaces the parameters, in tree order, by leaves[pos...]; for
            // compile's state, without a round trip through Python dicts.
            auto flat = tree_flatten(mod.parameters());
            if (pos + flat.size() > leaves.size())
              throw std::invalid_argument("[update] Fewer arrays than the module's parameters.");
            for (auto& [k, v] : flat) v = leaves[pos++];
            mod.update(tree_unflatten(flat), false);
            return pos;
          },
          nb::arg("leaves"), nb::arg("pos"))
      .def(
          "_children",
          [](nb::handle self) {
            nb::list out;
            for (auto& [name, child] : nb::cast<nn::Module&>(self).children()) {
              out.append(
                  nb::make_tuple(name, nb::cast(child, nb::rv_policy::reference_internal, self)));
            }
            return out;
          },
          "Direct submodules as (dotted path, module) pairs.")
      .def(
          "_update_modules",
          [](nb::handle self,
             const std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>>& modules,
             bool strict) {
            nb::cast<nn::Module&>(self).update_modules(modules, strict);
            return nb::borrow(self);
          },
          nb::arg("modules"), nb::arg("strict") = true)
      .def(
          "freeze",
          [](nb::handle self, bool recurse, nb::handle keys, bool strict) {
            nb::cast<nn::Module&>(self).freeze(recurse, keys_arg(keys), strict);
            return nb::borrow(self);
          },
          nb::kw_only(), nb::arg("recurse") = true, nb::arg("keys") = nb::none(),
          nb::arg("strict") = false)
      .def(
          "unfreeze",
          [](nb::handle self, bool recurse, nb::handle keys, bool strict) {
            nb::cast<nn::Module&>(self).unfreeze(recurse, keys_arg(keys), strict);
            return nb::borrow(self);
          },
          nb::kw_only(), nb::arg("recurse") = true, nb::arg("keys") = nb::none(),
          nb::arg("strict") = false)
      .def(
          "train",
          [](nb::handle self, bool mode) {
            nb::cast<nn::Module&>(self).train(mode);
            return nb::borrow(self);
          },
          nb::arg("mode") = true)
      .def("eval",
           [](nb::handle self) {
             nb::cast<nn::Module&>(self).eval();
             return nb::borrow(self);
           })
      .def_prop_ro("training", &nn::Module::training)
      .def_prop_ro(
          "state", [](nb::handle self) { return nb::borrow(self); },
          "The module itself: its arrays are the state compile tracks.")
      .def(
          "set_dtype",
          [](nb::handle self, Dtype dtype, std::optional<std::function<bool(Dtype)>> predicate) {
            nb::cast<nn::Module&>(self).set_dtype(dtype, predicate.value_or(nullptr));
            return nb::borrow(self);
          },
          nb::arg("dtype"), nb::arg("predicate") = nb::none())
      .def(
          "save_weights",
          [](const nn::Module& mod, nb::handle file) {
            mod.save_weights(
                nb::cast<std::string>(nb::module_::import_("os").attr("fspath")(file)));
          },
          nb::arg("file"))
      .def(
          "load_weights",
          [](nb::handle self, nb::handle file_or_weights, bool strict) {
            auto& mod = nb::cast<nn::Module&>(self);
            if (PyList_Check(file_or_weights.ptr())) {
              std::vector<std::pair<std::string, array>> weights;
              for (nb::handle item : file_or_weights) {
                auto pair = nb::cast<nb::tuple>(item);
                weights.emplace_back(nb::cast<std::string>(pair[0]), to_array(pair[1]));
              }
              mod.load_weights(weights, strict);
            } else {
              mod.load_weights(
                  nb::cast<std::string>(nb::module_::import_("os").attr("fspath")(file_or_weights)),
                  strict);
            }
            return nb::borrow(self);
          },
          nb::arg("file_or_weights"), nb::arg("strict") = true);
}

}  // namespace lmx::python
