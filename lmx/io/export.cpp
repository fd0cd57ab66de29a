// Exported functions: tracing, the file format, and running a trace back.
//
// File layout (little-endian):
//   magic "LMXFN\0\r\n", u32 format version, string lmx version, u8 shapeless
//   u32 constant count; each: dtype, shape, raw row-major bytes
//   u32 trace count; each:
//     u32 positional count, u32 keyword count, keyword names (sorted)
//     the inputs' dtype and shape, positional first
//     u32 node count; each: primitive, u32 argument count, argument refs,
//       u32 output count, the outputs' dtype and shape
//     u32 output count, output refs
// A string is a u64 length and its bytes; a shape a u32 rank and i32 sizes;
// a dtype one byte; a ref a u8 kind (input, constant, node output) and a u32
// index (node outputs are numbered in tape order). A primitive is its class
// name and its state() fields in order (see `put_field`/`get_field`).
#include "lmx/io/export.h"

#include <algorithm>
#include <tuple>
#include <typeindex>
#include <unordered_map>
#include <unordered_set>

#include "lmx/core/fft_primitive.h"
#include "lmx/core/graph.h"
#include "lmx/core/linalg_primitives.h"
#include "lmx/core/ops.h"
#include "lmx/core/primitives.h"
#include "lmx/core/utils.h"
#include "lmx/io/bytes.h"
#include "lmx/io/export_check.h"
#include "lmx/io/file_io.h"

#ifndef LMX_VERSION_STRING
#define LMX_VERSION_STRING "unknown"
#endif

namespace lmx {

namespace io {

namespace {

constexpr char kMagic[8] = {'L', 'M', 'X', 'F', 'N', '\0', '\r', '\n'};
constexpr uint32_t kFormatVersion = 1;
// Deeper nesting of Compiled primitives than this is a hostile file.
constexpr int kMaxPrimitiveDepth = 8;

enum class RefKind : uint8_t { input, constant, node };
struct Ref {
  RefKind kind;
  uint32_t index;
};

struct Spec {
  Dtype dtype = float32;
  Shape shape;
};

}  // namespace

struct FunctionTable {
  bool shapeless = false;
  std::vector<array> constants;  // evaluated
  struct Node {
    std::shared_ptr<Primitive> primitive;
    std::vector<Ref> args;
    std::vector<Spec> outputs;
  };
  struct Trace {
    uint32_t num_args = 0;
    std::vector<std::string> kwarg_names;  // sorted, as Kwargs iterates
    std::vector<Spec> inputs;
    std::vector<Node> nodes;
    std::vector<Ref> outputs;
  };
  std::vector<Trace> traces;
  // While exporting: the constants already recorded, by array id.
  std::unordered_map<std::uintptr_t, uint32_t> constant_ids;
};

namespace {

// ---- primitive parameters ------------------------------------------------

// How many values each enum in a primitive's state has (checked on read).
template <typename E>
constexpr int enum_count();
#define LMX_COUNT_ONE(...) +1
template <>
constexpr int enum_count<UnaryOp>() {
  return 0 LMX_UNARY_OPS(LMX_COUNT_ONE);
}
template <>
constexpr int enum_count<BinaryOp>() {
  return 0 LMX_BINARY_OPS(LMX_COUNT_ONE);
}
#undef LMX_COUNT_ONE
template <>
constexpr int enum_count<Reshape::Rule>() {
  return 3;
}
template <>
constexpr int enum_count<ReduceType>() {
  return 6;
}
template <>
constexpr int enum_count<ArgReduceType>() {
  return 2;
}
template <>
constexpr int enum_count<Scan::ScanType>() {
  return 5;
}
template <>
constexpr int enum_count<ScatterType>() {
  return 5;
}

constexpr Dtype kDtypes[] = {bool_, uint8, uint16,  uint32,  uint64,  int8,     int16,
                             int32, int64, float16, float32, float64, bfloat16, complex64};

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};
template <typename T>
struct IsTuple : std::false_type {};
template <typename... T>
struct IsTuple<std::tuple<T...>> : std::true_type {};

void put_primitive(std::string& out, const Primitive& p);
std::shared_ptr<Primitive> get_primitive(ByteReader& r, int depth);

void put_dtype(std::string& out, Dtype d) {
  put<uint8_t>(out, static_cast<uint8_t>(d.val));
}
Dtype get_dtype(ByteReader& r) {
  auto v = r.read<uint8_t>("a dtype");
  if (v >= std::size(kDtypes)) r.bad("unknown dtype code " + std::to_string(v));
  return kDtypes[v];
}

void put_shape(std::string& out, const Shape& s) {
  put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  for (auto d : s) put<int32_t>(out, d);
}
Shape get_shape(ByteReader& r) {
  auto n = r.read<uint32_t>("a rank");
  if (n > r.remaining() / 4)
    r.bad("a shape of rank " + std::to_string(n) + " is longer than the file");
  Shape s(n);
  for (auto& d : s) {
    d = r.read<int32_t>("a dimension");
    if (d < 0) r.bad("a negative dimension " + std::to_string(d));
  }
  return s;
}

template <typename T>
void put_field(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, Dtype>) {
    put_dtype(out, v);
  } else if constexpr (std::is_enum_v<T>) {
    put<int32_t>(out, static_cast<int32_t>(v));
  } else if constexpr (std::is_arithmetic_v<T>) {
    put<T>(out, v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    put_string(out, v);
  } else if constexpr (IsVector<T>::value) {
    put<uint64_t>(out, v.size());
    for (auto& e : v) put_field(out, e);
  } else if constexpr (IsTuple<T>::value) {
    std::apply([&](const auto&... e) { (put_field(out, e), ...); }, v);
  } else if constexpr (std::is_same_v<T, WindowGeometry>) {
    put_field(out, std::tie(v.input, v.kernel, v.stride, v.padding_lo, v.padding_hi,
                            v.kernel_dilation, v.input_dilation, v.output));
  } else if constexpr (std::is_same_v<T, Compiled::Step>) {
    put_primitive(out, *v.primitive);
    put_field(out, v.args);
    put_dtype(out, v.dtype);
  } else {
    static_assert(sizeof(T) == 0, "a primitive's state holds a type exports cannot write");
  }
}

template <typename T>
T get_field(ByteReader& r, int depth);

// Braced initialisation reads the fields left to right.
template <typename Tuple, size_t... I>
Tuple get_tuple(ByteReader& r, int depth, std::index_sequence<I...>) {
  (void)r, (void)depth;  // unused when the tuple is empty
  return Tuple{get_field<std::tuple_element_t<I, Tuple>>(r, depth)...};
}

template <typename T>
T get_field(ByteReader& r, int depth) {
  if constexpr (std::is_same_v<T, Dtype>) {
    return get_dtype(r);
  } else if constexpr (std::is_enum_v<T>) {
    auto v = r.read<int32_t>("an enum");
    if (v < 0 || v >= enum_count<T>()) r.bad("an out-of-range code " + std::to_string(v));
    return static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    auto v = r.read<uint8_t>("a flag");
    if (v > 1) r.bad("a flag that is neither 0 nor 1");
    return v == 1;
  } else if constexpr (std::is_arithmetic_v<T>) {
    return r.read<T>("a number");
  } else if constexpr (std::is_same_v<T, std::string>) {
    return r.read_string("a string");
  } else if constexpr (IsVector<T>::value) {
    auto n = r.read<uint64_t>("a length");
    // Every element takes at least one byte.
    if (n > r.remaining()) r.bad("a list of " + std::to_string(n) + " is longer than the file");
    T v;
    v.reserve(n);
    for (uint64_t i = 0; i < n; ++i) v.push_back(get_field<typename T::value_type>(r, depth));
    return v;
  } else if constexpr (IsTuple<T>::value) {
    return get_tuple<T>(r, depth, std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (std::is_same_v<T, WindowGeometry>) {
    WindowGeometry g;
    std::tie(g.input, g.kernel, g.stride, g.padding_lo, g.padding_hi, g.kernel_dilation,
             g.input_dilation, g.output) =
        get_field<std::tuple<Shape, Shape, Shape, Shape, Shape, Shape, Shape, Shape>>(r, depth);
    return g;
  } else if constexpr (std::is_same_v<T, Compiled::Step>) {
    auto primitive = get_primitive(r, depth + 1);
    auto args = get_field<std::vector<int>>(r, depth);
    return Compiled::Step{std::move(primitive), std::move(args), get_dtype(r)};
  } else {
    static_assert(sizeof(T) == 0, "a primitive's state holds a type exports cannot read");
  }
}

// Parameters that index something of the primitive's own are checked once it
// is rebuilt; those that index its inputs are checked by the shape rules when
// the graph is built (run_trace).
template <typename P>
void check_loaded(ByteReader&, const P&) {}

void check_loaded(ByteReader& r, const Compiled& c) {
  auto [steps, num_inputs] = c.state();
  if (steps.empty() || num_inputs < 0) r.bad("a fused kernel without steps or inputs");
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!steps[i].primitive->is_elementwise())
      r.bad("a fused kernel with a step that is not elementwise");
    for (int a : steps[i].args) {
      if (a < 0 || a >= num_inputs + static_cast<int>(i)) {
        r.bad("a fused kernel whose step " + std::to_string(i) + " reads register " +
              std::to_string(a));
      }
    }
  }
}

// One entry per primitive class: its name in files, and how to write and
// rebuild it from state().
struct Serializer {
  std::string key;
  void (*save)(std::string&, const Primitive&);
  std::shared_ptr<Primitive> (*load)(ByteReader&, int depth);
};

template <typename P>
Serializer serializer_for(const char* key) {
  using State = decltype(std::declval<const P&>().state());
  return {key,
          [](std::string& out, const Primitive& p) {
            put_field(out, static_cast<const P&>(p).state());
          },
          [](ByteReader& r, int depth) -> std::shared_ptr<Primitive> {
            State st = get_field<State>(r, depth);
            Stream s = to_stream(StreamOrDevice{});
            auto p =
                std::apply([&](auto&&... a) { return std::make_shared<P>(s, std::move(a)...); },
                           std::move(st));
            check_loaded(r, *p);
            return p;
          }};
}

struct Registry {
  std::unordered_map<std::type_index, Serializer> by_type;
  std::unordered_map<std::string, const Serializer*> by_key;

  Registry() {
#define LMX_REGISTER(P) add<P>(#P);
    LMX_PRIMITIVE_CLASSES(LMX_REGISTER, LMX_REGISTER)
    LMX_LINALG_PRIMITIVE_CLASSES(LMX_REGISTER, LMX_REGISTER)
    LMX_FFT_PRIMITIVE_CLASSES(LMX_REGISTER, LMX_REGISTER)
#undef LMX_REGISTER
    for (auto& [t, s] : by_type) by_key[s.key] = &s;
  }
  template <typename P>
  void add(const char* key) {
    // A custom function's forward is recorded as the primitives it runs
    // (trace_into inlines it): user callbacks cannot be written to a file.
    if constexpr (!std::is_same_v<P, CustomTransforms>) {
      by_type.emplace(std::type_index(typeid(P)), serializer_for<P>(key));
    }
  }
};

const Registry& registry() {
  static const Registry r;
  return r;
}

void put_primitive(std::string& out, const Primitive& p) {
  auto it = registry().by_type.find(std::type_index(typeid(p)));
  if (it == registry().by_type.end()) {
    fail("export_function", "Unable to export the primitive ", p.name(), ".");
  }
  put_string(out, it->second.key);
  it->second.save(out, p);
}

std::shared_ptr<Primitive> get_primitive(ByteReader& r, int depth) {
  if (depth > kMaxPrimitiveDepth) r.bad("primitives nested too deeply");
  auto key = r.read_string("a primitive's name");
  auto it = registry().by_key.find(key);
  if (it == registry().by_key.end()) r.bad("unknown primitive '" + key + "'");
  return it->second->load(r, depth);
}

// ---- tracing ---------------------------------------------------------------

using Fn = std::function<std::vector<array>(const Args&, const Kwargs&)>;

// Records the nodes that produce `outputs` from arrays `refs` already knows;
// a custom function stands for its forward pass.
class TapeBuilder {
 public:
  TapeBuilder(FunctionTable& table, FunctionTable::Trace& trace) : table_(table), trace_(trace) {}

  void add_input(const array& a, uint32_t i) { refs_[a.id()] = {RefKind::input, i}; }

  Ref ref(const array& a) {
    if (auto it = refs_.find(a.id()); it != refs_.end()) return it->second;
    // Anything else the graph reads is a constant of the function.
    auto [it, fresh] =
        table_.constant_ids.try_emplace(a.id(), static_cast<uint32_t>(table_.constants.size()));
    if (fresh) table_.constants.push_back(a);
    return refs_[a.id()] = {RefKind::constant, it->second};
  }

  void record(const std::vector<array>& outputs) {
    auto known = [&](const array& a) {
      return !a.has_primitive() || refs_.count(a.id()) > 0 || !depends_on_inputs(a);
    };
    for (auto& node : topological_order(outputs, known)) {
      if (dynamic_cast<const CustomTransforms*>(&node.primitive())) {
        // Its first inputs are the forward pass's outputs behind
        // stop_gradient: the imported graph uses them directly.
        auto siblings = node.outputs();
        for (size_t i = 0; i < siblings.size(); ++i) {
          array forward = node.inputs()[i];
          if (forward.has_primitive() && forward.primitive().is_stop_gradient()) {
            forward = forward.inputs()[0];
          }
          refs_[siblings[i].id()] = ref(forward);
        }
        continue;
      }
      FunctionTable::Node n;
      n.primitive = node.primitive_ptr();
      for (auto& in : node.inputs()) n.args.push_back(ref(in));
      for (auto& o : node.outputs()) {
        n.outputs.push_back({o.dtype(), o.shape()});
        refs_[o.id()] = {RefKind::node, next_output_++};
      }
      trace_.nodes.push_back(std::move(n));
    }
  }

 private:
  // Whether a node reads a traced input somewhere below it; nodes that do
  // not are constants, evaluated when the file is written.
  bool depends_on_inputs(const array& a) {
    if (auto it = depends_.find(a.id()); it != depends_.end()) return it->second;
    bool dep = false;
    auto order = topological_order({a}, [&](const array& x) {
      return !x.has_primitive() || refs_.count(x.id()) > 0 || depends_.count(x.id()) > 0;
    });
    for (auto& node : order) {
      bool d = false;
      for (auto& in : node.inputs()) {
        auto r = refs_.find(in.id());
        auto k = depends_.find(in.id());
        d |= (r != refs_.end() && r->second.kind != RefKind::constant) ||
             (k != depends_.end() && k->second);
      }
      for (auto& o : node.outputs()) depends_[o.id()] = d;
    }
    if (auto it = depends_.find(a.id()); it != depends_.end()) dep = it->second;
    return depends_[a.id()] = dep;
  }

  FunctionTable& table_;
  FunctionTable::Trace& trace_;
  std::unordered_map<std::uintptr_t, Ref> refs_;
  std::unordered_map<std::uintptr_t, bool> depends_;
  uint32_t next_output_ = 0;
};

// Builds one trace's graph on `inputs`; node outputs are checked against the
// primitive's own shape rule where it has one, and with `infer` (a shapeless
// call) their shapes come from it.
std::vector<array> run_trace(const FunctionTable& table, const FunctionTable::Trace& t,
                             const std::vector<array>& inputs, bool infer, const char* who) {
  std::vector<array> values;  // node outputs in tape order
  values.reserve(t.nodes.size());
  auto value = [&](Ref r) -> const array& {
    return r.kind == RefKind::input      ? inputs[r.index]
           : r.kind == RefKind::constant ? table.constants[r.index]
                                         : values[r.index];
  };
  for (auto& n : t.nodes) {
    std::vector<array> ins;
    ins.reserve(n.args.size());
    for (auto r : n.args) ins.push_back(value(r));
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    for (auto& o : n.outputs) {
      shapes.push_back(o.shape);
      dtypes.push_back(o.dtype);
    }
    check_node(*n.primitive, ins, dtypes);
    std::vector<Shape> rule;
    bool has_rule = true;
    try {
      rule = n.primitive->output_shapes(ins);
    } catch (const std::exception&) {
      has_rule = false;
    }
    if (!has_rule && table.shapeless) {
      fail(who, "The shapeless function's ", n.primitive->name(),
           " has no output shape rule, so it cannot follow new input shapes.");
    }
    if (!has_rule && kernel_output_shapes(*n.primitive, ins, dtypes) != shapes) {
      fail(who, "The function's ", n.primitive->name(),
           " records output shapes that do not follow from its inputs.");
    }
    if (has_rule && rule.size() != shapes.size()) {
      fail(who, "The function's ", n.primitive->name(), " records ", shapes.size(),
           " outputs where it makes ", rule.size(), ".");
    }
    if (infer) {
      shapes = rule;
    } else if (has_rule && rule != shapes) {
      fail(who, "The function's ", n.primitive->name(),
           " records output shapes that do not follow from its inputs.");
    }
    if (shapes.size() == 1) {
      values.emplace_back(shapes[0], dtypes[0], n.primitive, std::move(ins));
    } else {
      for (auto& o : array::make_arrays(shapes, dtypes, n.primitive, ins)) values.push_back(o);
    }
  }
  std::vector<array> out;
  for (auto r : t.outputs) out.push_back(value(r));
  return out;
}

void add_trace(FunctionTable& table, const Fn& fun, const Args& args, const Kwargs& kwargs) {
  FunctionTable::Trace trace;
  trace.num_args = static_cast<uint32_t>(args.size());
  TapeBuilder tape(table, trace);
  Args targs;
  Kwargs tkwargs;
  std::vector<array> outputs;
  {
    TracingScope scope;
    uint32_t i = 0;
    auto tracer = [&](const array& a) {
      auto t = copy(a);
      t.set_tracer(true);
      tape.add_input(t, i++);
      trace.inputs.push_back({a.dtype(), a.shape()});
      return t;
    };
    for (auto& a : args) targs.push_back(tracer(a));
    for (auto& [k, a] : kwargs) {
      trace.kwarg_names.push_back(k);
      tkwargs.emplace(k, tracer(a));
    }
    outputs = fun(targs, tkwargs);
  }
  tape.record(outputs);
  for (auto& o : outputs) trace.outputs.push_back(tape.ref(o));
  if (table.shapeless) {
    // Each node must have a shape rule that gives the traced shapes.
    std::vector<array> placeholders;
    for (auto& in : trace.inputs) placeholders.push_back(zeros(in.shape, in.dtype));
    run_trace(table, trace, placeholders, false, "export_function");
  }
  table.traces.push_back(std::move(trace));
}

// ---- the file --------------------------------------------------------------

void put_ref(std::string& out, Ref r) {
  put<uint8_t>(out, static_cast<uint8_t>(r.kind));
  put<uint32_t>(out, r.index);
}

std::string table_bytes(const FunctionTable& table) {
  std::string out(kMagic, sizeof(kMagic));
  put<uint32_t>(out, kFormatVersion);
  put_string(out, LMX_VERSION_STRING);
  put<uint8_t>(out, table.shapeless ? 1 : 0);
  eval(table.constants);
  put<uint32_t>(out, static_cast<uint32_t>(table.constants.size()));
  for (auto& c : table.constants) {
    put_dtype(out, c.dtype());
    put_shape(out, c.shape());
    auto rows = full(c.shape(), c);  // row-major, contiguous
    rows.eval();
    out.append(rows.data<char>(), rows.nbytes());
  }
  put<uint32_t>(out, static_cast<uint32_t>(table.traces.size()));
  for (auto& t : table.traces) {
    put<uint32_t>(out, t.num_args);
    put<uint32_t>(out, static_cast<uint32_t>(t.kwarg_names.size()));
    for (auto& k : t.kwarg_names) put_string(out, k);
    for (auto& s : t.inputs) {
      put_dtype(out, s.dtype);
      put_shape(out, s.shape);
    }
    put<uint32_t>(out, static_cast<uint32_t>(t.nodes.size()));
    for (auto& n : t.nodes) {
      put_primitive(out, *n.primitive);
      put<uint32_t>(out, static_cast<uint32_t>(n.args.size()));
      for (auto r : n.args) put_ref(out, r);
      put<uint32_t>(out, static_cast<uint32_t>(n.outputs.size()));
      for (auto& s : n.outputs) {
        put_dtype(out, s.dtype);
        put_shape(out, s.shape);
      }
    }
    put<uint32_t>(out, static_cast<uint32_t>(t.outputs.size()));
    for (auto r : t.outputs) put_ref(out, r);
  }
  return out;
}

// A count that must fit in what is left, at `min_bytes` per item.
uint32_t get_count(ByteReader& r, uint64_t min_bytes, const char* what) {
  auto n = r.read<uint32_t>(what);
  if (n > r.remaining() / min_bytes) {
    r.bad(std::string(what) + " " + std::to_string(n) + " is more than the file holds");
  }
  return n;
}

Spec get_spec(ByteReader& r) {
  Spec s;
  s.dtype = get_dtype(r);
  s.shape = get_shape(r);
  int64_t n = 1;
  for (auto d : s.shape) {
    if (d > 0 && n > (int64_t{1} << 40) / d) r.bad("an array's shape is too large");
    n *= d;
  }
  return s;
}

Ref get_ref(ByteReader& r, uint32_t inputs, uint32_t constants, uint32_t outputs_so_far) {
  auto kind = r.read<uint8_t>("a reference's kind");
  auto index = r.read<uint32_t>("a reference");
  uint32_t limit = kind == 0 ? inputs : kind == 1 ? constants : outputs_so_far;
  if (kind > 2) r.bad("a reference of unknown kind " + std::to_string(kind));
  if (index >= limit) {
    r.bad("a reference to " +
          std::string(kind == 0   ? "input "
                      : kind == 1 ? "constant "
                                  : "value ") +
          std::to_string(index) + " of " + std::to_string(limit));
  }
  return {static_cast<RefKind>(kind), index};
}

std::shared_ptr<FunctionTable> read_table(const std::string& bytes, const std::string& file) {
  ByteReader r(bytes, "import_function", "Invalid exported function file " + file);
  r.need(sizeof(kMagic), "the header");
  if (std::string(r.at(0), sizeof(kMagic)) != std::string(kMagic, sizeof(kMagic))) {
    r.bad("it does not start with lmx's exported-function header");
  }
  r.skip(sizeof(kMagic), "the header");
  auto version = r.read<uint32_t>("the format version");
  auto writer = r.read_string("the lmx version");
  if (version != kFormatVersion) {
    r.bad("format version " + std::to_string(version) + " (written by lmx " + writer +
          "); this lmx (" LMX_VERSION_STRING ") reads version " + std::to_string(kFormatVersion));
  }
  auto table = std::make_shared<FunctionTable>();
  table->shapeless = get_field<bool>(r, 0);
  auto nconst = get_count(r, 5, "the constant count");
  for (uint32_t i = 0; i < nconst; ++i) {
    Spec s = get_spec(r);
    uint64_t n = 1;
    for (auto d : s.shape) n *= static_cast<uint64_t>(d);
    uint64_t nbytes = n * size_of(s.dtype);
    r.need(nbytes, "a constant's data");
    array c(allocator::malloc(std::max<uint64_t>(nbytes, 1)), s.shape, s.dtype);
    if (nbytes) std::memcpy(c.data<char>(), r.at(r.position()), nbytes);
    r.skip(nbytes, "a constant's data");
    table->constants.push_back(c);
  }
  auto ntraces = get_count(r, 16, "the trace count");
  for (uint32_t ti = 0; ti < ntraces; ++ti) {
    FunctionTable::Trace t;
    t.num_args = get_count(r, 5, "the positional input count");
    auto nkw = get_count(r, 13, "the keyword input count");
    for (uint32_t i = 0; i < nkw; ++i) t.kwarg_names.push_back(r.read_string("a keyword's name"));
    if (!std::is_sorted(t.kwarg_names.begin(), t.kwarg_names.end()) ||
        std::adjacent_find(t.kwarg_names.begin(), t.kwarg_names.end()) != t.kwarg_names.end()) {
      r.bad("keyword names that are not sorted and distinct");
    }
    for (uint32_t i = 0; i < t.num_args + nkw; ++i) t.inputs.push_back(get_spec(r));
    auto nnodes = get_count(r, 20, "the node count");
    uint32_t outputs_so_far = 0;
    for (uint32_t i = 0; i < nnodes; ++i) {
      FunctionTable::Node n;
      n.primitive = get_primitive(r, 0);
      auto nargs = get_count(r, 5, "an argument count");
      for (uint32_t a = 0; a < nargs; ++a) {
        n.args.push_back(
            get_ref(r, static_cast<uint32_t>(t.inputs.size()), nconst, outputs_so_far));
      }
      auto nouts = get_count(r, 5, "an output count");
      if (nouts == 0) r.bad("a node without outputs");
      for (uint32_t o = 0; o < nouts; ++o) n.outputs.push_back(get_spec(r));
      outputs_so_far += nouts;
      t.nodes.push_back(std::move(n));
    }
    auto nouts = get_count(r, 5, "the output count");
    for (uint32_t o = 0; o < nouts; ++o) {
      t.outputs.push_back(
          get_ref(r, static_cast<uint32_t>(t.inputs.size()), nconst, outputs_so_far));
    }
    // Build the graph once on placeholders of the traced shapes: a node whose
    // recorded shapes do not follow from its inputs is refused now.
    std::vector<array> placeholders;
    for (auto& s : t.inputs) placeholders.push_back(zeros(s.shape, s.dtype));
    try {
      run_trace(*table, t, placeholders, false, "import_function");
    } catch (const std::exception& e) {
      r.bad(e.what());
    }
    table->traces.push_back(std::move(t));
  }
  if (r.remaining() != 0) r.bad(std::to_string(r.remaining()) + " bytes after the last trace");
  return table;
}

std::string describe(const Dtype& d, const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(s[i]);
  }
  return out + ") " + dtype_to_string(d);
}

}  // namespace

}  // namespace io

// ---- the API -------------------------------------------------------------------

FunctionExporter::FunctionExporter(const std::string& file, io::Fn fun, bool shapeless)
    : file_(file), fun_(std::move(fun)), table_(std::make_unique<io::FunctionTable>()) {
  if (!fun_) fail("export_function", "Cannot export a function without a target.");
  table_->shapeless = shapeless;
}

FunctionExporter::~FunctionExporter() = default;
FunctionExporter::FunctionExporter(FunctionExporter&&) noexcept = default;
FunctionExporter& FunctionExporter::operator=(FunctionExporter&&) noexcept = default;

void FunctionExporter::operator()(const Args& args) {
  (*this)(args, Kwargs{});
}
void FunctionExporter::operator()(const Kwargs& kwargs) {
  (*this)(Args{}, kwargs);
}
void FunctionExporter::operator()(const Args& args, const Kwargs& kwargs) {
  if (closed_) {
    fail_as<std::runtime_error>("export_function",
                                "Attempting to write after exporting is closed.");
  }
  for (auto& t : table_->traces) {
    if (t.num_args != args.size() || t.kwarg_names.size() != kwargs.size()) continue;
    bool same = true;
    size_t i = 0;
    auto check = [&](const array& a) {
      auto& s = t.inputs[i++];
      same &= s.dtype == a.dtype() &&
              (table_->shapeless ? s.shape.size() == a.shape().size() : s.shape == a.shape());
    };
    for (auto& a : args) check(a);
    auto name = t.kwarg_names.begin();
    for (auto& [k, a] : kwargs) {
      same &= k == *name++;
      check(a);
    }
    if (same) {
      fail("export_function",
           "The function was already exported for these input shapes and dtypes.");
    }
  }
  io::add_trace(*table_, fun_, args, kwargs);
  io::write_file_atomic(file_, io::table_bytes(*table_), "export_function");
}
void FunctionExporter::close() {
  closed_ = true;
}

FunctionExporter exporter(const std::string& file,
                          const std::function<std::vector<array>(const Args&)>& fun,
                          bool shapeless) {
  if (!fun) fail("export_function", "Cannot export a function without a target.");
  return FunctionExporter(
      file,
      [fun](const Args& a, const Kwargs& kw) {
        if (!kw.empty()) fail("export_function", "The function takes no keyword inputs.");
        return fun(a);
      },
      shapeless);
}
FunctionExporter exporter(const std::string& file,
                          const std::function<std::vector<array>(const Kwargs&)>& fun,
                          bool shapeless) {
  if (!fun) fail("export_function", "Cannot export a function without a target.");
  return FunctionExporter(
      file,
      [fun](const Args& a, const Kwargs& kw) {
        if (!a.empty()) fail("export_function", "The function takes no positional inputs.");
        return fun(kw);
      },
      shapeless);
}
FunctionExporter exporter(const std::string& file,
                          const std::function<std::vector<array>(const Args&, const Kwargs&)>& fun,
                          bool shapeless) {
  return FunctionExporter(file, fun, shapeless);
}

void export_function(const std::string& file,
                     const std::function<std::vector<array>(const Args&)>& fun, const Args& args,
                     bool shapeless) {
  exporter(file, fun, shapeless)(args);
}
void export_function(const std::string& file,
                     const std::function<std::vector<array>(const Kwargs&)>& fun,
                     const Kwargs& kwargs, bool shapeless) {
  exporter(file, fun, shapeless)(kwargs);
}
void export_function(const std::string& file,
                     const std::function<std::vector<array>(const Args&, const Kwargs&)>& fun,
                     const Args& args, const Kwargs& kwargs, bool shapeless) {
  exporter(file, fun, shapeless)(args, kwargs);
}

ImportedFunction::ImportedFunction(std::shared_ptr<const io::FunctionTable> table)
    : table_(std::move(table)) {}

std::vector<array> ImportedFunction::operator()(const Args& args) const {
  return (*this)(args, Kwargs{});
}
std::vector<array> ImportedFunction::operator()(const Kwargs& kwargs) const {
  return (*this)(Args{}, kwargs);
}
std::vector<array> ImportedFunction::operator()(const Args& args, const Kwargs& kwargs) const {
  const auto& table = *table_;
  std::vector<array> inputs(args);
  for (auto& [k, a] : kwargs) inputs.push_back(a);
  for (auto& t : table.traces) {
    if (t.num_args != args.size() || t.kwarg_names.size() != kwargs.size()) continue;
    bool same = true;
    auto name = t.kwarg_names.begin();
    for (auto& [k, a] : kwargs) same &= k == *name++;
    for (size_t i = 0; same && i < inputs.size(); ++i) {
      const auto& s = t.inputs[i];
      same = s.dtype == inputs[i].dtype() &&
             (table.shapeless ? s.shape.size() == inputs[i].shape().size()
                              : s.shape == inputs[i].shape());
    }
    if (same) return io::run_trace(table, t, inputs, table.shapeless, "import_function::call");
  }
  // MLX's message: what the file offers, then what the call passed.
  std::string msg =
      "No imported function found which matches the given positional and keyword arguments. "
      "Possible functions include:\n";
  int number = 1;
  for (auto& t : table.traces) {
    msg += " " + std::to_string(number++) + ". Function with " + std::to_string(t.num_args) +
           " positional inputs and " + std::to_string(t.kwarg_names.size()) + " keyword inputs:\n";
    for (size_t i = 0; i < t.inputs.size(); ++i) {
      std::string label =
          i < t.num_args ? std::to_string(i + 1) : "\"" + t.kwarg_names[i - t.num_args] + "\"";
      msg += "   " + label + ": " + io::describe(t.inputs[i].dtype, t.inputs[i].shape) + "\n";
    }
  }
  msg += "\nCalled with " + std::to_string(args.size()) + " positional inputs and " +
         std::to_string(kwargs.size()) + " keyword inputs:\n";
  size_t i = 0;
  for (auto& a : args)
    msg += "  " + std::to_string(++i) + ": " + io::describe(a.dtype(), a.shape()) + "\n";
  for (auto& [k, a] : kwargs)
    msg += "  \"" + k + "\": " + io::describe(a.dtype(), a.shape()) + "\n";
  fail("import_function::call", msg);
}

ImportedFunction import_function(const std::string& file) {
  std::string bytes;
  try {
    bytes = io::read_file(file, "import_function");
  } catch (const std::exception&) {
    fail_as<std::runtime_error>("import_function", "Failed to open ", file);
  }
  return ImportedFunction(io::read_table(bytes, file));
}

}  // namespace lmx
