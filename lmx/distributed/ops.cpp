// The collective ops and their primitives: each evaluates by handing its
// input's buffer to the group's backend (no copy beyond making the input
// row-contiguous), and differentiates and batches as MLX's do.
#include <array>
#include <cstring>
#include <functional>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/ops_numpy.h"
#include "lmx/core/primitives.h"
#include "lmx/core/sizes.h"
#include "lmx/core/utils.h"
#include "lmx/distributed/backend.h"
#include "lmx/distributed/distributed.h"

namespace lmx::distributed {

namespace {

Group to_group(const std::optional<Group>& g) {
  return g ? *g : init();
}

// Before a collective, every rank learns every rank's dtype and shape, so a
// mismatch is an error naming both on every rank instead of a hang or
// garbage.
constexpr int kHeader = 16;
using Header = std::array<int64_t, kHeader>;

Header header_of(Dtype dtype, const Shape& shape) {
  Header h{};
  h[0] = static_cast<int64_t>(dtype.val);
  h[1] = static_cast<int64_t>(shape.size());
  if (shape.size() <= kHeader - 2) {
    for (size_t i = 0; i < shape.size(); ++i) h[2 + i] = shape[i];
  } else {
    h[2] = static_cast<int64_t>(std::hash<std::string>{}(to_string(shape)));
  }
  return h;
}

constexpr Dtype kDtypes[] = {bool_, uint8, uint16,  uint32,  uint64,  int8,     int16,
                             int32, int64, float16, float32, float64, bfloat16, complex64};

Dtype describe_dtype(const Header& h) {
  return kDtypes[h[0]];
}

std::string describe(const Header& h) {
  std::string out = h[0] >= 0 && h[0] < 14 ? dtype_to_string(kDtypes[h[0]]) : "an unknown dtype";
  out += " array of shape (";
  if (h[1] <= kHeader - 2) {
    for (int64_t i = 0; i < h[1]; ++i) {
      if (i) out += ",";
      out += std::to_string(h[2 + i]);
    }
  } else {
    out += "rank " + std::to_string(h[1]);
  }
  return out + ")";
}

void check_same_everywhere(Backend& b, Dtype dtype, const Shape& shape, const char* who) {
  Header mine = header_of(dtype, shape);
  std::vector<Header> all(b.size());
  b.all_gather(mine.data(), all.data(), sizeof(Header), who);
  for (int r = 1; r < b.size(); ++r) {
    if (all[r] != all[0]) {
      fail(who, "Rank 0 has ", describe(all[0]), " but rank ", r, " has ", describe(all[r]),
           "; every rank must pass the same shape and dtype.");
    }
  }
}

const char* data_of(const array& a, const char* who) {
  if (!a.flags().row_contiguous) fail(who, "Expected a row-contiguous input.");
  return a.data<char>();
}

// The primitives hold their group; on a GPU build they would run on the
// CPU's stream all the same.
class DistributedPrimitive : public UnaryPrimitive {
 public:
  DistributedPrimitive(Stream s, Group g) : UnaryPrimitive(s), group_(std::move(g)) {}
  void eval_gpu(const std::vector<array>&, array&) override {
    fail(name(), "Collectives run on the CPU.");
  }

 protected:
  Backend& backend() const { return *group_.backend(); }
  Group group_;
};

const char* reduce_name(ReduceOp op) {
  return op == ReduceOp::Sum ? "all_sum" : op == ReduceOp::Max ? "all_max" : "all_min";
}

class AllReduce final : public DistributedPrimitive {
 public:
  AllReduce(Stream s, Group g, ReduceOp op) : DistributedPrimitive(s, std::move(g)), op_(op) {}
  const char* name() const override { return "AllReduce"; }

  void eval_cpu(const std::vector<array>& inputs, array& out) override {
    const char* who = reduce_name(op_);
    check_same_everywhere(backend(), out.dtype(), out.shape(), who);
    out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
    backend().all_reduce(data_of(inputs[0], who), out.data<char>(), out.size(), out.dtype(), op_,
                         who);
  }
  // Each rank's output is the sum of every rank's input, so each input's
  // cotangent is the sum of every rank's output cotangent.
  std::vector<array> vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                         const std::vector<int>&, const std::vector<array>&) override {
    if (op_ != ReduceOp::Sum) fail(reduce_name(op_), "The vjp is only defined for all_sum.");
    return {all_sum(cotangents[0], group_, stream())};
  }
  std::vector<array> jvp(const std::vector<array>&, const std::vector<array>& tangents,
                         const std::vector<int>&) override {
    if (op_ != ReduceOp::Sum) fail(reduce_name(op_), "The jvp is only defined for all_sum.");
    return {all_sum(tangents[0], group_, stream())};
  }
  // Elementwise over the group: a batch axis passes through.
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes,
                                                       const std::vector<array>&) override {
    auto x = op_ == ReduceOp::Sum   ? all_sum(inputs[0], group_, stream())
             : op_ == ReduceOp::Max ? all_max(inputs[0], group_, stream())
                                    : all_min(inputs[0], group_, stream());
    return {{x}, {axes[0]}};
  }

 private:
  ReduceOp op_;
};

class AllGather final : public DistributedPrimitive {
 public:
  using DistributedPrimitive::DistributedPrimitive;
  const char* name() const override { return "AllGather"; }

  void eval_cpu(const std::vector<array>& inputs, array& out) override {
    const array& in = inputs[0];
    check_same_everywhere(backend(), in.dtype(), in.shape(), "all_gather");
    out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
    backend().all_gather(data_of(in, "all_gather"), out.data<char>(), in.nbytes(), "all_gather");
  }
  // As MLX: this rank's rows of the cotangent.
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>&, const std::vector<array>&) override {
    const array& x = primals[0];
    int rows = x.ndim() == 0 ? 1 : x.shape(0);
    int r = group_.rank();
    const array& c = cotangents[0];
    Shape start(c.ndim(), 0), stop = c.shape();
    start[0] = r * rows;
    stop[0] = (r + 1) * rows;
    return {reshape(slice(c, start, stop, stream()), x.shape(), stream())};
  }
  std::vector<array> jvp(const std::vector<array>&, const std::vector<array>& tangents,
                         const std::vector<int>&) override {
    return {all_gather(tangents[0], group_, stream())};
  }
};

class ReduceScatter final : public DistributedPrimitive {
 public:
  using DistributedPrimitive::DistributedPrimitive;
  const char* name() const override { return "ReduceScatter"; }

  void eval_cpu(const std::vector<array>& inputs, array& out) override {
    const array& in = inputs[0];
    check_same_everywhere(backend(), in.dtype(), in.shape(), "sum_scatter");
    out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
    backend().reduce_scatter(data_of(in, "sum_scatter"), out.data<char>(), out.size(), out.dtype(),
                             ReduceOp::Sum, "sum_scatter");
  }
  // The adjoint of summing and keeping one part is gathering the parts.
  std::vector<array> vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                         const std::vector<int>&, const std::vector<array>&) override {
    return {all_gather(cotangents[0], group_, stream())};
  }
  std::vector<array> jvp(const std::vector<array>&, const std::vector<array>& tangents,
                         const std::vector<int>&) override {
    return {sum_scatter(tangents[0], group_, stream())};
  }
};

// Point to point: the sender first sends the header, so a receiver that
// expects another shape or dtype reports both instead of reading garbage.
class Send final : public DistributedPrimitive {
 public:
  Send(Stream s, Group g, int dst) : DistributedPrimitive(s, std::move(g)), dst_(dst) {}
  const char* name() const override { return "Send"; }
  void eval_cpu(const std::vector<array>& inputs, array& out) override {
    const array& in = inputs[0];
    Header h = header_of(in.dtype(), in.shape());
    backend().send(h.data(), sizeof(Header), dst_, "send");
    backend().send(data_of(in, "send"), in.nbytes(), dst_, "send");
    out.copy_shared_buffer(in);
  }

 private:
  int dst_;
};

class Recv final : public DistributedPrimitive {
 public:
  Recv(Stream s, Group g, int src) : DistributedPrimitive(s, std::move(g)), src_(src) {}
  const char* name() const override { return "Recv"; }
  void eval_cpu(const std::vector<array>&, array& out) override {
    Header h{};
    backend().recv(h.data(), sizeof(Header), src_, "recv");
    Header want = header_of(out.dtype(), out.shape());
    if (h != want) {
      // Take the message anyway where its size is known, so the sender is
      // not left blocked, then report.
      if (h[0] >= 0 && h[0] < 14 && h[1] >= 0 && h[1] <= kHeader - 2) {
        Shape shape(h.begin() + 2, h.begin() + 2 + h[1]);
        std::vector<char> scratch(checked_size(shape, "recv") * size_of(describe_dtype(h)));
        backend().recv(scratch.data(), scratch.size(), src_, "recv");
      }
      fail("recv", "Expected ", describe(want), " from rank ", src_, " but it sent ", describe(h),
           ".");
    }
    out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
    backend().recv(out.data<char>(), out.nbytes(), src_, "recv");
  }

 private:
  int src_;
};

array reduce(const array& x, const std::optional<Group>& g, SOD s, ReduceOp op) {
  auto group = to_group(g);
  if (group.size() == 1) return x;
  auto in = contiguous(x, false, s);
  return array(x.shape(), x.dtype(), std::make_shared<AllReduce>(to_stream(s), group, op), {in});
}

}  // namespace

array all_sum(const array& x, std::optional<Group> group, SOD s) {
  return reduce(x, group, s, ReduceOp::Sum);
}
array all_max(const array& x, std::optional<Group> group, SOD s) {
  return reduce(x, group, s, ReduceOp::Max);
}
array all_min(const array& x, std::optional<Group> group, SOD s) {
  return reduce(x, group, s, ReduceOp::Min);
}

array all_gather(const array& x, std::optional<Group> group_, SOD s) {
  auto group = to_group(group_);
  if (group.size() == 1) return x;
  Shape shape = x.shape();
  if (shape.empty()) {
    shape.push_back(group.size());
  } else {
    shape[0] = checked_dim(int64_t{shape[0]} * group.size(), "all_gather");
  }
  return array(std::move(shape), x.dtype(), std::make_shared<AllGather>(to_stream(s), group),
               {contiguous(x, false, s)});
}

array sum_scatter(const array& x, std::optional<Group> group_, SOD s) {
  auto group = to_group(group_);
  if (group.size() == 1) return x;
  if (x.ndim() == 0 || x.shape(0) % group.size() != 0) {
    fail("sum_scatter", "Invalid shape=", x.shape(), " for a group of size ", group.size(),
         ". The first dimension (axis 0) must be divisible by the group size.");
  }
  Shape shape = x.shape();
  shape[0] /= group.size();
  return array(std::move(shape), x.dtype(), std::make_shared<ReduceScatter>(to_stream(s), group),
               {contiguous(x, false, s)});
}

array send(const array& x, int dst, std::optional<Group> group_, SOD s) {
  auto group = to_group(group_);
  if (group.size() == 1) fail("send", "Cannot send to a singleton group.");
  if (dst < 0 || dst >= group.size()) {
    fail("send", "Invalid destination=", dst, " for a group of size ", group.size(), ".");
  }
  if (dst == group.rank()) fail("send", "Cannot send to this rank itself.");
  return array(x.shape(), x.dtype(), std::make_shared<Send>(to_stream(s), group, dst),
               {contiguous(x, false, s)});
}

array recv(Shape shape, Dtype dtype, int src, std::optional<Group> group_, SOD s) {
  auto group = to_group(group_);
  if (group.size() == 1) fail("recv", "Cannot recv from a singleton group.");
  if (src < 0 || src >= group.size()) {
    fail("recv", "Invalid source=", src, " for a group of size ", group.size(), ".");
  }
  if (src == group.rank()) fail("recv", "Cannot receive from this rank itself.");
  checked_size(shape, "recv");
  return array(std::move(shape), dtype, std::make_shared<Recv>(to_stream(s), group, src), {});
}

array recv_like(const array& x, int src, std::optional<Group> group, SOD s) {
  return recv(x.shape(), x.dtype(), src, group, s);
}

}  // namespace lmx::distributed
