// Checks of the nodes an exported-function file describes. A file is a
// program: its nodes drive kernels that index memory with the parameters it
// holds, so each rebuilt node is held to what lmx's own ops would have built.
#include "lmx/io/export_check.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "lmx/core/attention.h"
#include "lmx/core/extreme_grad.h"
#include "lmx/core/fft_primitive.h"
#include "lmx/core/linalg.h"
#include "lmx/core/linalg_primitives.h"
#include "lmx/core/ops.h"
#include "lmx/core/quantized.h"
#include "lmx/core/rms_norm.h"
#include "lmx/core/rope.h"
#include "lmx/core/sizes.h"
#include "lmx/core/utils.h"

namespace lmx::io {

namespace {

// A rebuilt node's parameters against its inputs, before a shape rule or a
// kernel reads them: argument counts, axes in range, slices inside their
// input, strided views inside their buffer. Nodes lmx traced pass; a file
// whose parameters disagree with its inputs is refused.
#define LMX_OUT_KIND(code, name, dtypes, out, ...) OutKind::out,
constexpr OutKind kUnaryOut[] = {LMX_UNARY_OPS(LMX_OUT_KIND)};
constexpr OutKind kBinaryOut[] = {LMX_BINARY_OPS(LMX_OUT_KIND)};
#undef LMX_OUT_KIND

class NodeCheck {
 public:
  NodeCheck(const Primitive& p, const std::vector<array>& ins, const std::vector<Dtype>& outs)
      : p_(p), ins_(ins), outs_(outs) {}

  void run() {
    check_inputs();
    check_output_dtypes();
  }

  // The output dtypes kernels write, where a file could claim another.
  void check_output_dtypes() const {
    std::optional<Dtype> want;
    auto elementwise = [&](OutKind k) {
      Dtype in = ins_[0].dtype();
      return k == OutKind::Same ? in : k == OutKind::Bool ? bool_ : in == complex64 ? float32 : in;
    };
    if (auto* q = as<Unary>()) want = elementwise(kUnaryOut[static_cast<int>(q->op())]);
    if (auto* q = as<Binary>()) want = elementwise(kBinaryOut[static_cast<int>(q->op())]);
    if (auto* q = as<AsType>()) want = std::get<0>(q->state());
    if (auto* q = as<View>()) want = std::get<0>(q->state());
    if (auto* q = as<NumberOfElements>()) want = std::get<2>(q->state());
    if (as<ArgReduce>() || as<ArgSort>()) want = uint32;
    if (as<Select>()) want = ins_[1].dtype();
    if (as<Reshape>() || as<Transpose>() || as<Copy>() || as<StopGradient>() || as<Broadcast>() ||
        as<Slice>() || as<SliceUpdate>() || as<Concatenate>() || as<Pad>() || as<AsStrided>() ||
        as<Gather>() || as<Scatter>() || as<GatherAxis>() || as<ScatterAxis>() || as<Matmul>() ||
        as<AddMM>() || as<Softmax>() || as<LogSumExp>() || as<Unfold>() || as<Fold>() ||
        as<DivMod>() || as<ExtremeGrad>()) {
      want = ins_[0].dtype();
    }
    if (dynamic_cast<const ConvolutionBase*>(&p_) || dynamic_cast<const AttentionBase*>(&p_) ||
        dynamic_cast<const RmsNormBase*>(&p_) || as<Rope>()) {
      want = float32;
    }
    if (as<Full>() || as<Scan>() || as<Inverse>() || as<Cholesky>() || as<Solve>()) {
      want = ins_[0].dtype();
    }
    if (auto* q = as<Reduce>()) {
      auto t = std::get<0>(q->state());
      if ((t == ReduceType::And || t == ReduceType::Or) && ins_[0].dtype() != bool_) {
        bad("reduces a ", ins_[0].dtype(), " input logically");
      }
      want = ins_[0].dtype();
    }
    if (auto* q = as<FFT>()) {
      auto [ax, inverse, real, scale, length] = q->state();
      (void)ax, (void)scale, (void)length;
      Dtype in = real && !inverse ? float32 : complex64;
      if (ins_[0].dtype() != in) bad("transforms a ", ins_[0].dtype(), " input");
      want = real && inverse ? float32 : complex64;
    }
    if (auto* q = as<Compiled>()) {
      // Replay the fused steps' dtypes through the elementwise checks.
      auto [steps, num_inputs] = q->state();
      std::vector<array> regs(ins_.begin(), ins_.end());
      (void)num_inputs;
      for (auto& st : steps) {
        std::vector<array> args;
        for (int a : st.args) args.push_back(regs[a]);
        NodeCheck(*st.primitive, args, {st.dtype}).run();
        regs.push_back(zeros({}, st.dtype));
      }
      want = steps.back().dtype;
    }
    if (as<LUF>() && (outs_.size() != 3 || outs_[0] != ins_[0].dtype() || outs_[1] != uint32 ||
                      outs_[2] != uint32)) {
      bad("records output dtypes that it does not make");
    }
    if (as<Depends>()) {
      for (size_t i = 0; i < outs_.size() && i < ins_.size(); ++i) {
        if (outs_[i] != ins_[i].dtype()) bad("records an output dtype its input does not have");
      }
    }
    if (!want) return;
    for (auto d : outs_) {
      if (d != *want) bad("records output dtype ", d, " where it makes ", *want);
    }
  }

  void check_inputs() {
    if (auto* q = as<Unary>()) return args(1), (void)q;
    if (auto* q = as<Binary>()) return args(2), same_dtypes(0, 2), (void)q;
    if (as<DivMod>()) return args(2), same_dtypes(0, 2);
    if (as<Select>()) return args(3), same_dtypes(1, 3);
    if (as<AsType>() || as<Copy>() || as<Full>() || as<StopGradient>()) return args(1);
    if (as<Arange>()) return args(0);
    if (auto* q = as<Reshape>()) return args(1), reshape(*q);
    if (auto* q = as<Transpose>()) return args(1), permutation(std::get<0>(q->state()));
    if (auto* q = as<View>()) return args(1), view(std::get<0>(q->state()));
    if (auto* q = as<NumberOfElements>()) return args(1), axes(std::get<0>(q->state()), 0);
    if (auto* q = as<AsStrided>()) return args(1), strided(*q);
    if (auto* q = as<Broadcast>()) return args(1), broadcast(std::get<0>(q->state()));
    if (auto* q = as<Slice>()) return args(1), slice(q->state(), 0);
    if (auto* q = as<SliceUpdate>()) return args(2), slice(q->state(), 0), same_dtypes(0, 2);
    if (auto* q = as<Concatenate>())
      return at_least(1), axis(std::get<0>(q->state()), 0), same_dtypes(0, ins_.size());
    if (auto* q = as<Pad>()) return args(2), pad(q->state());
    if (auto* q = as<Unfold>()) return args(1), window(std::get<0>(q->state()), false);
    if (auto* q = as<Fold>()) return args(1), window(std::get<0>(q->state()), true);
    if (auto* q = dynamic_cast<const ConvolutionBase*>(&p_)) return args(2), convolution(*q);
    // The shapes are checked by expected_shapes (the ops that build them).
    if (as<Attention>()) return args_between(3, 4);
    if (as<AttentionGrad>()) return args_between(6, 7);
    // Their output_shapes rules take the shapes as given: the op that builds
    // them checks the rest (a dims past D would read past each row).
    if (auto* q = as<Rope>()) {
      args(2);
      // The kernel reads the offset as int32 (the op casts it there).
      if (ins_[1].dtype() != int32) bad("has a ", ins_[1].dtype(), " offset");
      return built_by([&] {
        auto [dims, traditional, base, scale, forward] = q->state();
        fused_rope(ins_[0], dims, traditional, base, scale, ins_[1], forward);
      });
    }
    if (auto* q = as<RmsNorm>()) {
      return args(2), built_by([&] { fused_rms_norm(ins_[0], ins_[1], q->eps()); });
    }
    if (auto* q = as<RmsNormGrad>()) {
      return args(3), built_by([&] { fused_rms_norm_grad(ins_[0], ins_[1], ins_[2], q->eps()); });
    }
    if (auto* q = as<AffineQuantize>())
      return args(1), quant(std::get<0>(q->state()), std::get<1>(q->state()));
    if (auto* q = as<AffineDequantize>())
      return args(3), quant(std::get<0>(q->state()), std::get<1>(q->state()));
    if (auto* q = as<QuantizedMatmul>())
      return args(4), quant(std::get<0>(q->state()), std::get<1>(q->state()));
    if (auto* q = as<Reduce>()) return args(1), axes(std::get<1>(q->state()), 0);
    if (auto* q = as<ExtremeGrad>()) {
      return args(3),
             built_by([&] { extreme_grad(ins_[0], ins_[1], ins_[2], std::get<0>(q->state())); });
    }
    if (auto* q = as<ArgReduce>()) return args(1), axis(std::get<1>(q->state()), 0);
    if (auto* q = as<Scan>()) return args(1), axis(std::get<1>(q->state()), 0);
    if (as<Softmax>() || as<LogSumExp>()) return args(1), rank_at_least(0, 1);
    if (as<Matmul>()) return args(2), same_dtypes(0, 2);
    if (as<AddMM>()) return args(3), same_dtypes(0, 3);
    if (auto* q = as<Gather>()) return gather(q->state());
    if (auto* q = as<Scatter>()) return scatter(std::get<1>(q->state()));
    if (auto* q = as<GatherAxis>()) return args(2), axis(std::get<0>(q->state()), 0);
    if (auto* q = as<ScatterAxis>()) {
      args(3), axis(std::get<1>(q->state()), 0);
      if (ins_[2].dtype() != ins_[0].dtype()) bad("has updates of another dtype");
      if (ins_[1].shape() != ins_[2].shape() || ndim(1) != ndim(0)) {
        bad("has indices of shape ", ins_[1].shape(), " and updates of shape ", ins_[2].shape());
      }
      for (int k = 0; k < ndim(0); ++k) {
        if (k != std::get<1>(q->state()) && ins_[1].shape(k) > ins_[0].shape(k)) {
          bad("has indices of shape ", ins_[1].shape(), " for an input of shape ", ins_[0].shape());
        }
      }
      return;
    }
    if (auto* q = as<ArgSort>()) return args(1), axis(std::get<0>(q->state()), 0);
    if (auto* q = as<RandomBits>()) return args(1), random_bits(std::get<1>(q->state()));
    if (auto* q = as<Depends>()) {
      int n = std::get<0>(q->state());
      if (n < 0 || static_cast<size_t>(n) > ins_.size())
        bad("passes ", n, " of ", ins_.size(), " inputs");
      return;
    }
    if (auto* q = as<Compiled>()) {
      args(std::get<1>(q->state()));
      if (ins_.empty()) bad("has no inputs");
      return;
    }
    if (as<SVD>() || as<Inverse>() || as<Cholesky>() || as<QRF>() || as<Eigh>() || as<LUF>() ||
        as<Eig>()) {
      return args(1), rank_at_least(0, 2);
    }
    if (as<Solve>()) return args(2), rank_at_least(0, 2), rank_at_least(1, 1);
    if (auto* q = as<FFT>()) return args(1), fft(*q);
    bad("cannot be checked");
  }

  // The output shapes kernels write, for primitives without an
  // output_shapes rule; multi-output factorizations ask the op that builds
  // them. nullopt: the primitive has a rule (run_trace applies it).
  std::optional<std::vector<Shape>> expected_shapes() const {
    const Shape& in = ins_[0].shape();
    if (auto* q = as<Slice>()) return std::vector<Shape>{sliced(q->state())};
    if (auto* q = as<SliceUpdate>()) {
      if (ins_[1].shape() != sliced(q->state())) bad("has an update of shape ", ins_[1].shape());
      return std::vector<Shape>{in};
    }
    if (auto* q = as<Broadcast>()) return std::vector<Shape>{std::get<0>(q->state())};
    if (auto* q = as<AsStrided>()) return std::vector<Shape>{std::get<0>(q->state())};
    if (auto* q = as<RandomBits>()) return std::vector<Shape>{std::get<0>(q->state())};
    if (auto* q = as<Reshape>()) return std::vector<Shape>{std::get<0>(q->state())};
    if (auto* q = as<Pad>()) {
      auto [ax, low, high] = q->state();
      Shape out = in;
      for (size_t k = 0; k < ax.size(); ++k) {
        out[ax[k]] = checked_dim(int64_t{out[ax[k]]} + low[k] + high[k], "import_function");
      }
      return std::vector<Shape>{out};
    }
    if (auto* q = as<View>()) {
      Shape out = in;
      if (!out.empty()) {
        out.back() = static_cast<int>(int64_t{out.back()} * size_of(ins_[0].dtype()) /
                                      size_of(std::get<0>(q->state())));
      }
      return std::vector<Shape>{out};
    }
    if (auto* q = as<Gather>()) {
      Shape out = ins_.size() > 1 ? ins_[1].shape() : Shape{};
      auto sizes = std::get<1>(q->state());
      out.insert(out.end(), sizes.begin(), sizes.end());
      return std::vector<Shape>{out};
    }
    if (as<Scatter>() || as<ScatterAxis>()) return std::vector<Shape>{in};
    if (auto* q = as<GatherAxis>()) {
      int ax = std::get<0>(q->state());
      const Shape& idx = ins_[1].shape();
      bool match = idx.size() == in.size();
      for (size_t k = 0; match && k < in.size(); ++k)
        match = static_cast<int>(k) == ax || idx[k] == in[k];
      if (!match) bad("has indices of shape ", idx, " for an input of shape ", in);
      return std::vector<Shape>{idx};
    }
    if (auto* q = as<Arange>()) {
      auto [start, stop, step] = q->state();
      double n = std::ceil((stop - start) / step);
      if (!(step != 0) || !(n < double{1 << 30})) bad("has a bad range");
      return std::vector<Shape>{Shape{static_cast<int>(std::max(n, 0.0))}};
    }
    if (auto* q = as<Unfold>()) {
      auto g = std::get<0>(q->state());
      Shape out{in[0]};
      out.insert(out.end(), g.output.begin(), g.output.end());
      out.insert(out.end(), g.kernel.begin(), g.kernel.end());
      out.push_back(in.back());
      return std::vector<Shape>{out};
    }
    if (auto* q = as<Fold>()) {
      auto g = std::get<0>(q->state());
      Shape out{in[0]};
      out.insert(out.end(), g.input.begin(), g.input.end());
      out.push_back(in.back());
      return std::vector<Shape>{out};
    }
    if (auto* q = as<Convolution>()) {
      return shapes_of({lmx::convolution(ins_[0], ins_[1], q->geometry(), q->groups())});
    }
    if (auto* q = as<ConvolutionInputGrad>()) {
      return shapes_of({convolution_input_grad(ins_[0], ins_[1], q->geometry(), q->groups())});
    }
    if (auto* q = as<ConvolutionWeightGrad>()) {
      return shapes_of({convolution_weight_grad(ins_[0], ins_[1], q->geometry(), q->groups())});
    }
    if (auto* q = as<Attention>()) {
      return shapes_of(
          fused_attention(ins_[0], ins_[1], ins_[2], optional_input(3), q->scale(), q->causal()));
    }
    if (auto* q = as<AttentionGrad>()) {
      return shapes_of(fused_attention_grad(ins_[0], ins_[1], ins_[2], ins_[3], ins_[4], ins_[5],
                                            optional_input(6), q->scale(), q->causal()));
    }
    if (as<Inverse>() || as<Cholesky>()) {
      if (in[in.size() - 1] != in[in.size() - 2]) bad("needs square matrices, not ", in);
      return std::vector<Shape>{in};
    }
    if (as<Solve>()) return shapes_of({linalg::solve(ins_[0], ins_[1])});
    if (auto* q = as<SVD>()) return shapes_of(linalg::svd(ins_[0], std::get<0>(q->state())));
    if (as<QRF>()) {
      auto [qm, r] = linalg::qr(ins_[0]);
      return shapes_of({qm, r});
    }
    if (auto* q = as<Eigh>()) {
      auto [uplo, vectors] = q->state();
      if (!vectors) return shapes_of({linalg::eigvalsh(ins_[0], uplo)});
      auto [w, v] = linalg::eigh(ins_[0], uplo);
      return shapes_of({w, v});
    }
    if (auto* q = as<Eig>()) {
      if (!std::get<0>(q->state())) return shapes_of({linalg::eigvals(ins_[0])});
      auto [w, v] = linalg::eig(ins_[0]);
      return shapes_of({w, v});
    }
    if (as<LUF>()) {
      auto [lu, piv] = linalg::lu_factor(ins_[0]);
      Shape rows = piv.shape();
      rows.back() = in[in.size() - 2];
      return std::vector<Shape>{lu.shape(), piv.shape(), rows};
    }
    if (auto* q = as<AffineQuantize>()) {
      auto [group, bits] = q->state();
      return shapes_of(quantize(ins_[0], group, bits));
    }
    if (auto* q = as<AffineDequantize>()) {
      auto [group, bits] = q->state();
      return shapes_of({dequantize(ins_[0], ins_[1], ins_[2], group, bits)});
    }
    if (auto* q = as<QuantizedMatmul>()) {
      auto [group, bits, transpose] = q->state();
      return shapes_of(
          {quantized_matmul(ins_[0], ins_[1], ins_[2], ins_[3], transpose, group, bits)});
    }
    return std::nullopt;
  }

  // The shapes of what the op makes; its dtypes must be the recorded ones.
  std::vector<Shape> shapes_of(const std::vector<array>& outs) const {
    std::vector<Shape> shapes;
    for (size_t i = 0; i < outs.size(); ++i) {
      shapes.push_back(outs[i].shape());
      if (i >= outs_.size() || outs[i].dtype() != outs_[i]) {
        bad("records output dtypes that its op does not make");
      }
    }
    return shapes;
  }
  Shape sliced(const std::tuple<Shape, Shape, Shape>& st) const {
    auto& [start, stop, strides] = st;
    Shape out(start.size());
    for (size_t k = 0; k < out.size(); ++k) {
      int64_t span = int64_t{stop[k]} - start[k];
      int64_t n = strides[k] > 0 ? (span + strides[k] - 1) / strides[k]
                                 : (span + strides[k] + 1) / strides[k];
      out[k] = static_cast<int>(std::max<int64_t>(n, 0));
    }
    return out;
  }

  template <typename P>
  const P* as() const {
    return typeid(p_) == typeid(P) ? static_cast<const P*>(&p_) : nullptr;
  }
  template <typename... T>
  [[noreturn]] void bad(const T&... what) const {
    fail("import_function", "The node ", p_.name(), " ", what..., ".");
  }
  int ndim(size_t i) const { return ins_[i].ndim(); }

  void args(size_t n) const {
    if (ins_.size() != n) bad("takes ", n, " inputs but has ", ins_.size());
  }
  // Runs the op that builds this node on the recorded inputs: what it
  // refuses, the file may not hold either.
  template <typename F>
  void built_by(F&& build) const {
    try {
      build();
    } catch (const std::invalid_argument& e) {
      bad("has inputs its op refuses: ", e.what());
    }
  }
  void args_between(size_t lo, size_t hi) const {
    if (ins_.size() < lo || ins_.size() > hi)
      bad("takes ", lo, " to ", hi, " inputs but has ", ins_.size());
  }
  std::optional<array> optional_input(size_t i) const {
    if (i < ins_.size()) return ins_[i];
    return std::nullopt;
  }
  void at_least(size_t n) const {
    if (ins_.size() < n) bad("takes at least ", n, " inputs but has ", ins_.size());
  }
  void rank_at_least(size_t i, int r) const {
    if (ndim(i) < r) bad("needs an input of rank ", r, " or more, not ", ins_[i].shape());
  }
  void same_dtypes(size_t from, size_t to) const {
    for (size_t i = from + 1; i < to; ++i) {
      if (ins_[i].dtype() != ins_[from].dtype()) bad("has inputs of different dtypes");
    }
  }
  void axis(int ax, size_t i) const {
    if (ax < 0 || ax >= ndim(i)) bad("has axis ", ax, " for an input of shape ", ins_[i].shape());
  }
  void axes(const std::vector<int>& a, size_t i) const {
    for (int ax : a) axis(ax, i);
  }
  void permutation(const std::vector<int>& a) const {
    std::vector<int> sorted = a;
    std::sort(sorted.begin(), sorted.end());
    for (size_t k = 0; k < sorted.size(); ++k) {
      if (sorted[k] != static_cast<int>(k) || sorted.size() != static_cast<size_t>(ndim(0))) {
        bad("has axes ", a, " that do not permute an input of shape ", ins_[0].shape());
      }
    }
  }
  void reshape(const Reshape& r) const {
    auto [shape, rule, unit] = r.state();
    if (rule == Reshape::Rule::Fixed) {
      if (checked_size(shape, "import_function") != ins_[0].size()) {
        bad("reshapes ", ins_[0].shape(), " to ", shape);
      }
    }
    for (int ax : unit) {
      if (ax < 0) bad("has a negative axis");
    }
  }
  void view(Dtype d) const {
    size_t from = size_of(ins_[0].dtype()), to = size_of(d);
    if (from != to && (ndim(0) == 0 || (ins_[0].shape().back() * from) % to != 0)) {
      bad("cannot view ", ins_[0].shape(), " as ", d);
    }
  }
  void strided(const AsStrided& a) const {
    auto [shape, strides, offset] = a.state();
    if (shape.size() != strides.size())
      bad("has ", shape.size(), " sizes and ", strides.size(), " strides");
    // The lowest and highest elements the view reaches must lie in the input
    // (in 128 bits, so nothing wraps).
    __int128 lo = static_cast<__int128>(offset), hi = lo;
    for (size_t k = 0; k < shape.size(); ++k) {
      if (shape[k] == 0) return;
      __int128 span = static_cast<__int128>(shape[k] - 1) * strides[k];
      (span < 0 ? lo : hi) += span;
    }
    if (lo < 0 || hi >= static_cast<__int128>(ins_[0].size())) {
      bad("reaches outside an input of ", ins_[0].size(), " elements");
    }
  }
  void broadcast(const Shape& shape) const {
    try {
      if (broadcast_shapes(shape, ins_[0].shape()) != shape)
        bad("cannot broadcast ", ins_[0].shape(), " to ", shape);
    } catch (const std::invalid_argument&) {
      bad("cannot broadcast ", ins_[0].shape(), " to ", shape);
    }
  }
  void slice(const std::tuple<Shape, Shape, Shape>& st, size_t i) const {
    auto& [start, stop, strides] = st;
    const Shape& in = ins_[i].shape();
    if (start.size() != in.size() || stop.size() != in.size() || strides.size() != in.size()) {
      bad("slices ", in.size(), " axes with ", start.size(), " bounds");
    }
    for (size_t k = 0; k < in.size(); ++k) {
      if (strides[k] == 0) bad("has a zero stride");
      bool inside = strides[k] > 0 ? start[k] >= 0 && stop[k] <= in[k] &&
                                         start[k] <= std::max(stop[k], start[k])
                                   : start[k] < in[k] && stop[k] >= -1;
      if (!inside && start[k] != stop[k]) bad("slices outside an input of shape ", in);
    }
  }
  void pad(const std::tuple<std::vector<int>, Shape, Shape>& st) const {
    auto& [ax, low, high] = st;
    axes(ax, 0);
    if (low.size() != ax.size() || high.size() != ax.size())
      bad("pads ", ax.size(), " axes with ", low.size(), " sizes");
    for (size_t k = 0; k < ax.size(); ++k) {
      if (low[k] < 0 || high[k] < 0) bad("has a negative pad");
    }
    if (ins_[1].size() != 1) bad("has a pad value that is not a scalar");
    if (ins_[1].dtype() != ins_[0].dtype()) bad("has a pad value of another dtype");
  }
  // Unfold reads (N, spatial..., C); Fold reads its columns (N, output...,
  // kernel..., C).
  void window(const WindowGeometry& g, bool columns) const {
    const Shape& in = ins_[0].shape();
    size_t n = g.kernel.size();
    if (in.size() != (columns ? 2 * n : n) + 2 || g.input.size() != n || g.stride.size() != n ||
        g.padding_lo.size() != n || g.padding_hi.size() != n || g.kernel_dilation.size() != n ||
        g.input_dilation.size() != n || g.output.size() != n) {
      bad("has a window of rank ", n, " for an input of shape ", in);
    }
    for (size_t k = 0; k < n; ++k) {
      bool fits = columns ? g.output[k] == in[k + 1] && g.kernel[k] == in[n + k + 1]
                          : g.input[k] == in[k + 1];
      if (!fits) bad("has a window that does not fit an input of shape ", in);
    }
    auto expect = make_window_geometry("import_function", g.input, g.kernel, g.stride, g.padding_lo,
                                       g.padding_hi, g.kernel_dilation, g.input_dilation);
    if (!(expect == g)) bad("has an inconsistent window");
  }
  // The operands of a fused convolution: float32, (N, spatial..., C_in)
  // inputs, (N, output..., C_out) gradients and (C_out, kernel..., C_in /
  // groups) weights, as Convolution and its gradients take them.
  void convolution(const ConvolutionBase& q) const {
    const WindowGeometry& g = q.geometry();
    bool forward = as<Convolution>(), input_grad = as<ConvolutionInputGrad>();
    if (ins_[0].dtype() != float32 || ins_[1].dtype() != float32) bad("needs float32 inputs");
    size_t n = g.kernel.size();
    if (n < 1 || n > 3 || g.input.size() != n || g.stride.size() != n || g.padding_lo.size() != n ||
        g.padding_hi.size() != n || g.kernel_dilation.size() != n || g.input_dilation.size() != n ||
        g.output.size() != n) {
      bad("has a window of rank ", n);
    }
    auto expect = make_window_geometry("import_function", g.input, g.kernel, g.stride, g.padding_lo,
                                       g.padding_hi, g.kernel_dilation, g.input_dilation);
    if (!(expect == g)) bad("has an inconsistent window");
    // Which input is (N, spatial..., C_in), (N, output..., C_out) and the weight.
    const array* x = forward || !input_grad ? &ins_[0] : nullptr;
    const array* dy = input_grad ? &ins_[0] : forward ? nullptr : &ins_[1];
    const array* w = forward || input_grad ? &ins_[1] : nullptr;
    auto has = [&](const array* a, const Shape& spatial) {
      return !a || (a->ndim() == static_cast<int>(n) + 2 &&
                    std::equal(spatial.begin(), spatial.end(), a->shape().begin() + 1));
    };
    if (!has(x, g.input) || !has(dy, g.output) || !has(w, g.kernel)) {
      bad("has operands of shapes ", ins_[0].shape(), " and ", ins_[1].shape(),
          " that do not fit its window");
    }
    int groups = q.groups();
    if (groups < 1) bad("has ", groups, " groups");
    int c_out = dy ? dy->shape(-1) : w->shape(0);
    if (c_out % groups != 0 || (w && w->shape(0) != c_out) || (x && x->shape(-1) % groups != 0) ||
        (x && w && x->shape(-1) != w->shape(-1) * groups) ||
        (x && dy && x->shape(0) != dy->shape(0))) {
      bad("has operands of shapes ", ins_[0].shape(), " and ", ins_[1].shape(), " for ", groups,
          " groups");
    }
  }
  void quant(int group_size, int bits) const {
    if (group_size != 32 && group_size != 64 && group_size != 128)
      bad("has group size ", group_size);
    if (bits != 2 && bits != 3 && bits != 4 && bits != 5 && bits != 6 && bits != 8)
      bad("has ", bits, " bits");
  }
  void gather(const std::tuple<std::vector<int>, Shape>& st) const {
    auto& [ax, sizes] = st;
    args(ax.size() + 1);
    axes(ax, 0);
    if (sizes.size() != static_cast<size_t>(ndim(0)))
      bad("has ", sizes.size(), " slice sizes for rank ", ndim(0));
    for (int k = 0; k < ndim(0); ++k) {
      if (sizes[k] < 0 || sizes[k] > ins_[0].shape(k))
        bad("has slice size ", sizes[k], " for an axis of ", ins_[0].shape(k));
    }
    for (size_t k = 2; k < ins_.size(); ++k) {
      if (ins_[k].shape() != ins_[1].shape()) bad("has index arrays of different shapes");
    }
  }
  void scatter(const std::vector<int>& ax) const {
    args(ax.size() + 2);
    axes(ax, 0);
    for (size_t k = 2; k + 1 < ins_.size(); ++k) {
      if (ins_[k].shape() != ins_[1].shape()) bad("has index arrays of different shapes");
    }
    const array& upd = ins_.back();
    size_t idx_rank = ax.empty() ? 0 : ins_[1].ndim();
    if (upd.ndim() != static_cast<int>(idx_rank) + ndim(0))
      bad("has updates of shape ", upd.shape());
    for (int k = 0; k < ndim(0); ++k) {
      if (upd.shape(static_cast<int>(idx_rank) + k) > ins_[0].shape(k))
        bad("has updates of shape ", upd.shape());
    }
    if (upd.dtype() != ins_[0].dtype()) bad("has updates of another dtype");
  }
  void random_bits(int width) const {
    if (width != 1 && width != 2 && width != 4 && width != 8) bad("has width ", width);
    if (ins_[0].dtype() != uint32 || ndim(0) == 0 || ins_[0].shape().back() != 2) {
      bad("needs uint32 keys of shape (..., 2), not ", ins_[0].shape());
    }
  }
  void fft(const FFT& f) const {
    auto [ax, inverse, real, scale, real_length] = f.state();
    (void)inverse, (void)scale;
    if (ax.empty()) bad("has no axes");
    axes(ax, 0);
    if (real && real_length <= 0) bad("has real length ", real_length);
  }

  const Primitive& p_;
  const std::vector<array>& ins_;
  const std::vector<Dtype>& outs_;
};

}  // namespace

void check_node(const Primitive& p, const std::vector<array>& inputs,
                const std::vector<Dtype>& output_dtypes) {
  NodeCheck(p, inputs, output_dtypes).run();
}

std::vector<Shape> kernel_output_shapes(const Primitive& p, const std::vector<array>& inputs,
                                        const std::vector<Dtype>& output_dtypes) {
  NodeCheck check(p, inputs, output_dtypes);
  auto shapes = check.expected_shapes();
  if (!shapes) check.bad("has no rule for its output shapes");
  return *shapes;
}

}  // namespace lmx::io
