// Python indexing of arrays as MLX and NumPy: ints, slices, None, Ellipsis,
// integer arrays and lists (advanced indexing through gather and scatter),
// `a[idx] = v` (which rebinds the array) and `a.at[idx].add(v)`.
#include "python/src/python.h"

namespace lmx::python {

namespace {

// One entry of an index tuple after Ellipsis is expanded.
struct IndexEntry {
  enum Kind { Int, Slice, NewAxis, Array } kind;
  explicit IndexEntry(Kind k) : kind(k) {}
  int64_t value = 0;                  // Int
  int start = 0, stop = 0, step = 1;  // Slice, normalised for the axis
  std::optional<array> indices;       // Array (and Int when advanced indexing)
};

struct ParsedIndex {
  std::vector<IndexEntry> entries;
  bool advanced = false;
};

bool is_integer_like(nb::handle h) {
  return !PyBool_Check(h.ptr()) &&
         (PyLong_Check(h.ptr()) ||
          (!nb::isinstance<array>(h) && !PySequence_Check(h.ptr()) && PyIndex_Check(h.ptr())));
}

ParsedIndex parse_index(const array& a, nb::handle idx, const char* who) {
  std::vector<nb::object> items;
  if (PyTuple_Check(idx.ptr())) {
    for (nb::handle h : idx) items.push_back(nb::borrow(h));
  } else {
    items.push_back(nb::borrow(idx));
  }
  int consuming = 0;
  int ellipses = 0;
  for (auto& it : items) {
    if (it.is_none()) continue;
    if (it.ptr() == Py_Ellipsis) {
      ellipses++;
      continue;
    }
    consuming++;
  }
  if (ellipses > 1) throw nb::index_error("An index can only have a single ellipsis (\"...\").");
  if (consuming > a.ndim()) {
    throw nb::index_error(("[" + std::string(who) + "] Too many indices for array with " +
                           std::to_string(a.ndim()) + " dimensions.")
                              .c_str());
  }
  ParsedIndex out;
  int axis = 0;
  auto full_slice = [&](int ax) {
    IndexEntry e{IndexEntry::Slice};
    e.start = 0;
    e.stop = a.shape(ax);
    e.step = 1;
    return e;
  };
  for (auto& it : items) {
    if (it.is_none()) {
      out.entries.push_back(IndexEntry{IndexEntry::NewAxis});
    } else if (it.ptr() == Py_Ellipsis) {
      for (int k = 0; k < a.ndim() - consuming; ++k) out.entries.push_back(full_slice(axis++));
    } else if (PySlice_Check(it.ptr())) {
      Py_ssize_t start, stop, step;
      if (PySlice_Unpack(it.ptr(), &start, &stop, &step) < 0) throw nb::python_error();
      Py_ssize_t n = a.shape(axis);
      PySlice_AdjustIndices(n, &start, &stop, step);
      IndexEntry e{IndexEntry::Slice};
      e.start = static_cast<int>(start);
      // A negative step that runs past index 0 stops at -1, which slice()
      // would read from the end; -n-1 says "before the first element".
      e.stop = static_cast<int>(step < 0 && stop < 0 ? -n - 1 : stop);
      e.step = static_cast<int>(step);
      out.entries.push_back(e);
      axis++;
    } else if (is_integer_like(it)) {
      int64_t v = PyNumber_AsSsize_t(it.ptr(), PyExc_IndexError);
      if (PyErr_Occurred()) throw nb::python_error();
      int64_t n = a.shape(axis);
      if (v < -n || v >= n) {
        throw nb::index_error(("[" + std::string(who) + "] Index " + std::to_string(v) +
                               " is out of bounds for axis " + std::to_string(axis) +
                               " with size " + std::to_string(n) + ".")
                                  .c_str());
      }
      IndexEntry e{IndexEntry::Int};
      e.value = v < 0 ? v + n : v;
      out.entries.push_back(e);
      axis++;
    } else {
      if (!is_array_like(it)) {
        throw std::invalid_argument("[" + std::string(who) + "] Cannot index an array with " +
                                    python_type_name(it) + ".");
      }
      array ind = to_array(it);
      if (ind.dtype() == bool_) {
        // ValueError, as MLX.
        throw std::invalid_argument("[" + std::string(who) +
                                    "] Boolean masks are not supported as indices; use "
                                    "mx.where or integer indices.");
      }
      if (!is_integral(ind.dtype())) {
        // MLX raises ValueError for a float index.
        throw std::invalid_argument("[" + std::string(who) +
                                    "] Cannot index an array with an index of type " +
                                    dtype_to_string(ind.dtype()) + "; indices must be integers.");
      }
      IndexEntry e{IndexEntry::Array};
      e.indices = ind;
      out.entries.push_back(e);
      out.advanced = true;
      axis++;
    }
  }
  for (; axis < a.ndim(); ++axis) out.entries.push_back(full_slice(axis));
  return out;
}

// The bounds of the strided slice of the consuming entries: ints keep a
// dimension of 1 (or, with advanced indexing, the whole axis for gather).
struct SliceBounds {
  Shape start, stop, step;
};

SliceBounds slice_bounds(const ParsedIndex& p) {
  Shape start, stop, step;
  for (auto& e : p.entries) {
    if (e.kind == IndexEntry::NewAxis) continue;
    if (e.kind == IndexEntry::Slice) {
      start.push_back(e.start);
      stop.push_back(e.stop);
      step.push_back(e.step);
    } else if (e.kind == IndexEntry::Int && !p.advanced) {
      start.push_back(static_cast<int>(e.value));
      stop.push_back(static_cast<int>(e.value) + 1);
      step.push_back(1);
    } else {
      start.push_back(0);
      stop.push_back(std::numeric_limits<int>::max());
      step.push_back(1);
    }
  }
  return {start, stop, step};
}

array basic_slice(const array& a, const ParsedIndex& p) {
  auto b = slice_bounds(p);
  return slice(a, b.start, b.stop, b.step);
}

// Advanced-index arrays (ints become 0-d arrays), their axes, and whether
// they are adjacent in the index (NumPy then keeps their dimensions in place).
struct Advanced {
  std::vector<array> indices;
  std::vector<int> axes;
  bool adjacent = true;
  Shape shape;  // the broadcast shape of the indices
};

Advanced advanced_indices(const ParsedIndex& p) {
  Advanced adv;
  int axis = 0;
  int last = -2;
  for (size_t i = 0; i < p.entries.size(); ++i) {
    auto& e = p.entries[i];
    if (e.kind == IndexEntry::NewAxis) continue;
    if (e.kind == IndexEntry::Array || e.kind == IndexEntry::Int) {
      adv.indices.push_back(
          e.kind == IndexEntry::Array ? *e.indices : array(static_cast<int32_t>(e.value), int32));
      adv.axes.push_back(axis);
      if (last >= 0 && static_cast<int>(i) != last + 1) adv.adjacent = false;
      last = static_cast<int>(i);
    }
    axis++;
  }
  adv.indices = broadcast_arrays(adv.indices);
  adv.shape = adv.indices[0].shape();
  return adv;
}

array getitem(const array& a, nb::handle idx) {
  auto p = parse_index(a, idx, "getitem");
  array x = basic_slice(a, p);
  Shape out_shape;
  if (!p.advanced) {
    for (auto& e : p.entries) {
      if (e.kind == IndexEntry::NewAxis) out_shape.push_back(1);
      if (e.kind == IndexEntry::Slice) out_shape.push_back(-2);  // placeholder
    }
    int axis = 0;
    for (auto& e : p.entries) {
      if (e.kind == IndexEntry::NewAxis) continue;
      if (e.kind == IndexEntry::Slice) {
        *std::find(out_shape.begin(), out_shape.end(), -2) = x.shape(axis);
      }
      axis++;
    }
    return out_shape == x.shape() ? x : reshape(x, out_shape);
  }
  auto adv = advanced_indices(p);
  Shape slice_sizes = x.shape();
  for (int ax : adv.axes) slice_sizes[ax] = 1;
  array g = gather(x, adv.indices, adv.axes, slice_sizes);
  // g: (index dims..., x's dims with 1 at the indexed axes). Drop those 1s.
  int nb = static_cast<int>(adv.shape.size());
  std::vector<int> drop;
  for (int ax : adv.axes) drop.push_back(nb + ax);
  g = squeeze(g, drop);
  // Place the index dims where NumPy does, and the new axes.
  std::vector<int> order;
  int slice_dim = nb;
  bool placed = false;
  std::vector<int> newaxis_positions;
  int out_pos = 0;
  if (!adv.adjacent) {
    for (int i = 0; i < nb; ++i) order.push_back(i);
    placed = true;
    out_pos = nb;
  }
  for (auto& e : p.entries) {
    switch (e.kind) {
      case IndexEntry::NewAxis:
        newaxis_positions.push_back(out_pos++);
        break;
      case IndexEntry::Slice:
        order.push_back(slice_dim++);
        out_pos++;
        break;
      default:
        if (!placed) {
          for (int i = 0; i < nb; ++i) order.push_back(i);
          placed = true;
          out_pos += nb;
        }
        break;
    }
  }
  bool identity = true;
  for (size_t i = 0; i < order.size(); ++i) identity &= order[i] == static_cast<int>(i);
  if (!identity) g = transpose(g, order);
  return newaxis_positions.empty() ? g : expand_dims(g, newaxis_positions);
}

// The update `val` shaped as the scatter or slice_update it feeds.
enum class UpdateOp { Set, Add, Subtract, Multiply, Divide, Maximum, Minimum };

// What an update does to the current values (a basic-index update is a
// slice, combined, written back with slice_update).
array combine(UpdateOp op, const array& current, const array& update) {
  switch (op) {
    case UpdateOp::Add:
      return add(current, update);
    case UpdateOp::Subtract:
      return subtract(current, update);
    case UpdateOp::Multiply:
      return multiply(current, update);
    case UpdateOp::Divide:
      return divide(current, update);
    case UpdateOp::Maximum:
      return maximum(current, update);
    case UpdateOp::Minimum:
      return minimum(current, update);
    default:
      return update;
  }
}

array apply_update(const array& a, nb::handle idx, nb::handle val_obj, UpdateOp op,
                   const char* who) {
  auto p = parse_index(a, idx, who);
  array val = to_array(val_obj);
  if (op == UpdateOp::Set) val = astype(val, a.dtype());
  array view_shape_ref = getitem(a, idx);  // only its shape is used
  val = broadcast_to(val, view_shape_ref.shape());
  if (!p.advanced) {
    auto [start, stop, step] = slice_bounds(p);
    array current = slice(a, start, stop, step);
    array upd = reshape(val, current.shape());
    if (op != UpdateOp::Set) upd = combine(op, current, upd);
    return slice_update(a, astype(upd, a.dtype()), start, stop, step);
  }
  auto adv = advanced_indices(p);
  int axis = 0;
  for (auto& e : p.entries) {
    if (e.kind == IndexEntry::NewAxis) {
      throw std::invalid_argument(std::string("[") + who +
                                  "] None cannot be combined with array indices in an update.");
    }
    if (e.kind == IndexEntry::Slice && (e.start != 0 || e.stop != a.shape(axis) || e.step != 1)) {
      throw std::invalid_argument(std::string("[") + who +
                                  "] Partial slices cannot be combined with array indices in an "
                                  "update; use full slices (:) on the other axes.");
    }
    axis++;
  }
  // val has getitem's layout; bring the index dims first, then insert the
  // unit dims of the indexed axes: (index dims..., a's dims with 1 there).
  int nb = static_cast<int>(adv.shape.size());
  int first = adv.adjacent ? adv.axes[0] : 0;
  if (adv.adjacent && first > 0) {
    std::vector<int> order;
    for (int i = 0; i < nb; ++i) order.push_back(first + i);
    for (int i = 0; i < first; ++i) order.push_back(i);
    for (int i = first + nb; i < val.ndim(); ++i) order.push_back(i);
    val = transpose(val, order);
  }
  Shape upd_shape = adv.shape;
  for (int ax = 0; ax < a.ndim(); ++ax) {
    bool indexed = std::find(adv.axes.begin(), adv.axes.end(), ax) != adv.axes.end();
    upd_shape.push_back(indexed ? 1 : a.shape(ax));
  }
  val = reshape(val, upd_shape);
  switch (op) {
    case UpdateOp::Set:
      return scatter(a, adv.indices, val, adv.axes);
    case UpdateOp::Add:
    case UpdateOp::Subtract:
      return scatter_add(a, adv.indices, op == UpdateOp::Add ? val : negative(val), adv.axes);
    case UpdateOp::Multiply:
    case UpdateOp::Divide:
      return scatter_prod(a, adv.indices, op == UpdateOp::Multiply ? val : reciprocal(val),
                          adv.axes);
    case UpdateOp::Maximum:
      return scatter_max(a, adv.indices, val, adv.axes);
    case UpdateOp::Minimum:
      return scatter_min(a, adv.indices, val, adv.axes);
  }
  return a;
}

// a.at[idx] — the target of an out-of-place update.
struct ArrayAt {
  array a;
};
struct ArrayAtIndex {
  array a;
  nb::object idx;
};

}  // namespace

void init_indexing(nb::class_<array>& cls) {
  cls.def("__getitem__", &getitem, nb::arg("index"))
      .def(
          "__setitem__",
          [](array& a, nb::handle idx, nb::handle val) {
            a = apply_update(a, idx, val, UpdateOp::Set, "setitem");
          },
          nb::arg("index"), nb::arg("value"))
      .def_prop_ro(
          "at", [](const array& a) { return ArrayAt{a}; },
          "Out-of-place updates: x.at[idx].add(y) and friends.");
  nb::class_<ArrayAt>(cls, "ArrayAt").def("__getitem__", [](const ArrayAt& at, nb::handle idx) {
    return ArrayAtIndex{at.a, nb::borrow(idx)};
  });
  auto at_index = nb::class_<ArrayAtIndex>(cls, "ArrayAtIndex");
  auto def_op = [&](const char* name, UpdateOp op) {
    at_index.def(
        name,
        [op, name](const ArrayAtIndex& t, nb::handle val) {
          return apply_update(t.a, t.idx, val, op, name);
        },
        nb::arg("value"));
  };
  def_op("add", UpdateOp::Add);
  def_op("subtract", UpdateOp::Subtract);
  def_op("multiply", UpdateOp::Multiply);
  def_op("divide", UpdateOp::Divide);
  def_op("maximum", UpdateOp::Maximum);
  def_op("minimum", UpdateOp::Minimum);
}

}  // namespace lmx::python
