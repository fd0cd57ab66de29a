#include "lmx/core/einsum.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/ops_numpy.h"

namespace lmx {

namespace {

const char* const kWho = "einsum";

// A subscript: a letter as its character code, the k-th broadcast (ellipsis)
// dimension as kEllipsis + k, so that sorting puts them after the letters and
// in their own order.
using Label = int;
using Labels = std::vector<Label>;
constexpr Label kEllipsis = 256;

struct Parsed {
  std::vector<Labels> inputs;
  Labels output;
  std::map<Label, int64_t> sizes;  // each label's size, broadcast over operands
};

// One operand's subscripts: letters and at most one "...". Returns the letters
// with -1 where the ellipsis stands.
Labels parse_term(const std::string& term) {
  Labels out;
  bool ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    const char c = term[i];
    if (c == '.' && term.compare(i, 3, "...") == 0 && !ellipsis) {
      ellipsis = true;
      out.push_back(-1);
      i += 2;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(c))) {
      fail(kWho, "Subscripts must be letters, but got '", c, "'.");
    }
    out.push_back(c);
  }
  return out;
}

Parsed parse(const std::string& subscripts, const std::vector<array>& operands) {
  std::string text;
  for (char c : subscripts)
    if (c != ' ') text += c;
  const auto arrow = text.find("->");
  const std::string lhs = text.substr(0, arrow);
  std::vector<Labels> terms;
  for (size_t start = 0;;) {
    const auto comma = lhs.find(',', start);
    terms.push_back(parse_term(lhs.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != operands.size()) {
    fail(kWho, "Number of operands, ", operands.size(),
         ", does not match number of input subscripts, ", terms.size());
  }
  // Every operand's ellipsis covers the dimensions its letters leave; they
  // align from the right, as in broadcasting.
  std::vector<int> ellipsis_dims(terms.size(), 0);
  int most = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    const bool has = std::count(terms[i].begin(), terms[i].end(), -1) > 0;
    const int letters = static_cast<int>(terms[i].size()) - (has ? 1 : 0);
    const int ndim = operands[i].ndim();
    if (has ? letters > ndim : letters != ndim) {
      fail(kWho, "Invalid number of subscripts ", letters, " for input ", i, " with ", ndim,
           " dimensions.");
    }
    ellipsis_dims[i] = has ? ndim - letters : 0;
    most = std::max(most, ellipsis_dims[i]);
  }
  Parsed p;
  for (size_t i = 0; i < terms.size(); ++i) {
    Labels labels;
    for (Label l : terms[i]) {
      if (l != -1) {
        labels.push_back(l);
        continue;
      }
      for (int k = 0; k < ellipsis_dims[i]; ++k)
        labels.push_back(kEllipsis + most - ellipsis_dims[i] + k);
    }
    const array& a = operands[i];
    std::map<Label, int64_t> own;
    for (int d = 0; d < a.ndim(); ++d) {
      const int64_t n = a.shape(d);
      auto [it, fresh] = own.emplace(labels[d], n);
      if (!fresh && it->second != n) {
        fail(kWho, "Dimensions of repeated subscripts do not have the same size (", it->second,
             " != ", n, ").");
      }
      auto [known, first] = p.sizes.emplace(labels[d], n);
      if (first || known->second == n || n == 1) continue;
      if (known->second != 1) {
        fail(kWho, "Cannot broadcast dimension ", d, " of input ", i, " with shape ", a.shape(),
             " to size ", known->second, ".");
      }
      known->second = n;
    }
    p.inputs.push_back(std::move(labels));
  }
  if (arrow == std::string::npos) {
    // Implicit: the broadcast dimensions, then the letters seen once, sorted.
    std::map<Label, int> count;
    for (auto& labels : p.inputs)
      for (Label l : labels) ++count[l];
    for (int k = 0; k < most; ++k) p.output.push_back(kEllipsis + k);
    for (auto [l, c] : count)
      if (l < kEllipsis && c == 1) p.output.push_back(l);
    return p;
  }
  for (Label l : parse_term(text.substr(arrow + 2))) {
    if (l == -1) {
      for (int k = 0; k < most; ++k) p.output.push_back(kEllipsis + k);
    } else {
      p.output.push_back(l);
    }
  }
  std::set<Label> seen;
  for (Label l : p.output) {
    if (!seen.insert(l).second) fail(kWho, "Repeat indices not allowed in output.");
    if (!p.sizes.count(l)) {
      fail(kWho, "Output subscript '", static_cast<char>(l), "' does not appear in any input.");
    }
  }
  return p;
}

using LabelSet = std::set<Label>;

LabelSet union_of(const LabelSet& a, const LabelSet& b) {
  LabelSet u = a;
  u.insert(b.begin(), b.end());
  return u;
}

// NumPy's FLOP estimate for one contraction: the size of its index space
// times the operands combined (plus one for the sum when anything is summed).
double flop_count(const LabelSet& indices, bool inner, int terms, const Parsed& p) {
  double size = 1;
  for (Label l : indices) size *= static_cast<double>(p.sizes.at(l));
  return size * (std::max(1, terms - 1) + (inner ? 1 : 0));
}

double size_of(const LabelSet& labels, const Parsed& p) {
  double size = 1;
  for (Label l : labels) size *= static_cast<double>(p.sizes.at(l));
  return size;
}

struct Path {
  std::vector<std::vector<int>> steps;
  double flops = 0;
  size_t scaling = 0;
};

// NumPy's greedy order: contract the pair (sharing an index, when any pair
// does) whose result removes the most elements, cheaper first on ties; the
// result goes to the end of the list.
Path greedy_path(const Parsed& p) {
  std::vector<LabelSet> ops;
  for (auto& labels : p.inputs) ops.emplace_back(labels.begin(), labels.end());
  const LabelSet output(p.output.begin(), p.output.end());
  Path path;
  auto kept_besides = [&](size_t i, size_t j) {
    LabelSet keep = output;
    for (size_t k = 0; k < ops.size(); ++k)
      if (k != i && k != j) keep.insert(ops[k].begin(), ops[k].end());
    return keep;
  };
  if (ops.size() == 1) {
    const LabelSet& all = ops[0];
    const bool inner = all.size() != output.size();
    path.steps.push_back({0});
    path.flops = flop_count(all, inner, 1, p);
    path.scaling = all.size();
    return path;
  }
  while (ops.size() > 1) {
    bool any_shared = false;
    for (size_t i = 0; i < ops.size() && !any_shared; ++i)
      for (size_t j = i + 1; j < ops.size() && !any_shared; ++j)
        for (Label l : ops[i]) any_shared = any_shared || ops[j].count(l);
    size_t best_i = 0, best_j = 1;
    double best_removed = 0, best_cost = 0;
    bool found = false;
    for (size_t i = 0; i < ops.size(); ++i) {
      for (size_t j = i + 1; j < ops.size(); ++j) {
        bool shared = false;
        for (Label l : ops[i]) shared = shared || ops[j].count(l);
        if (any_shared && !shared) continue;
        const LabelSet both = union_of(ops[i], ops[j]);
        const LabelSet keep = kept_besides(i, j);
        LabelSet result;
        for (Label l : both)
          if (keep.count(l)) result.insert(l);
        const double removed = size_of(ops[i], p) + size_of(ops[j], p) - size_of(result, p);
        const double cost = flop_count(both, result.size() != both.size(), 2, p);
        if (!found || removed > best_removed || (removed == best_removed && cost < best_cost)) {
          found = true;
          best_i = i;
          best_j = j;
          best_removed = removed;
          best_cost = cost;
        }
      }
    }
    const LabelSet both = union_of(ops[best_i], ops[best_j]);
    const LabelSet keep = kept_besides(best_i, best_j);
    LabelSet result;
    for (Label l : both)
      if (keep.count(l)) result.insert(l);
    path.steps.push_back({static_cast<int>(best_i), static_cast<int>(best_j)});
    path.flops += best_cost;
    path.scaling = std::max(path.scaling, both.size());
    ops.erase(ops.begin() + best_j);
    ops.erase(ops.begin() + best_i);
    ops.push_back(result);
  }
  return path;
}

// ---- evaluation ----

struct Operand {
  array a;
  Labels labels;
};

int position(const Labels& labels, Label l) {
  return static_cast<int>(std::find(labels.begin(), labels.end(), l) - labels.begin());
}

bool contains(const Labels& labels, Label l) {
  return std::find(labels.begin(), labels.end(), l) != labels.end();
}

// Sums out the labels `drop` says to.
template <typename Drop>
void sum_labels(Operand& op, Drop drop, Stream s) {
  std::vector<int> axes;
  Labels rest;
  for (size_t d = 0; d < op.labels.size(); ++d) {
    if (drop(op.labels[d])) {
      axes.push_back(static_cast<int>(d));
    } else {
      rest.push_back(op.labels[d]);
    }
  }
  if (axes.empty()) return;
  op.a = sum(op.a, axes, false, s);
  op.labels = rest;
}

// A letter repeated within an operand is its diagonal (a trace once summed).
void take_diagonals(Operand& op, Stream s) {
  for (;;) {
    int first = -1, second = -1;
    for (size_t i = 0; i < op.labels.size() && second < 0; ++i)
      for (size_t j = i + 1; j < op.labels.size() && second < 0; ++j)
        if (op.labels[i] == op.labels[j]) {
          first = static_cast<int>(i);
          second = static_cast<int>(j);
        }
    if (second < 0) return;
    const Label l = op.labels[first];
    op.a = diagonal(op.a, 0, first, second, s);  // the diagonal becomes the last axis
    op.labels.erase(op.labels.begin() + second);
    op.labels.erase(op.labels.begin() + first);
    op.labels.push_back(l);
  }
}

int64_t product(const array& a, const std::vector<int>& axes) {
  int64_t n = 1;
  for (int ax : axes) n *= a.shape(ax);
  return n;
}

// a arranged as (batch, rows, columns) over the given label groups. When a
// already lies as (batch, columns, rows), the transpose is a view of it
// instead of a copy.
array as_matrices(const Operand& op, const Labels& batch, const Labels& rows, const Labels& cols,
                  Stream s) {
  auto axes_of = [&](const Labels& group) {
    std::vector<int> axes;
    for (Label l : group) axes.push_back(position(op.labels, l));
    return axes;
  };
  const auto b = axes_of(batch), r = axes_of(rows), c = axes_of(cols);
  const int64_t nb = product(op.a, b), nr = product(op.a, r), nc = product(op.a, c);
  std::vector<int> flipped = b;
  flipped.insert(flipped.end(), c.begin(), c.end());
  flipped.insert(flipped.end(), r.begin(), r.end());
  bool lies_flipped = true;
  for (size_t i = 0; i < flipped.size(); ++i) lies_flipped = lies_flipped && flipped[i] == int(i);
  if (lies_flipped && !r.empty() && !c.empty()) {
    auto m = reshape(op.a, {static_cast<int>(nb), static_cast<int>(nc), static_cast<int>(nr)}, s);
    return swapaxes(m, 1, 2, s);
  }
  std::vector<int> order = b;
  order.insert(order.end(), r.begin(), r.end());
  order.insert(order.end(), c.begin(), c.end());
  return reshape(transpose(op.a, order, s),
                 {static_cast<int>(nb), static_cast<int>(nr), static_cast<int>(nc)}, s);
}

// Contracts two operands over the labels they share that nothing later
// needs, as one batched matmul: shared labels still needed are the batch.
Operand contract(Operand x, Operand y, const LabelSet& keep, Stream s) {
  // Labels only one side has and nothing later needs are summed first.
  sum_labels(
      x, [&](Label l) { return !keep.count(l) && !contains(y.labels, l); }, s);
  sum_labels(
      y, [&](Label l) { return !keep.count(l) && !contains(x.labels, l); }, s);
  Labels batch, summed, free_x, free_y;
  for (Label l : x.labels) {
    if (!contains(y.labels, l)) {
      free_x.push_back(l);
    } else {
      (keep.count(l) ? batch : summed).push_back(l);
    }
  }
  for (Label l : y.labels)
    if (!contains(x.labels, l)) free_y.push_back(l);
  // Size-1 broadcast dimensions: a summed one reduces the other side first;
  // a batch one broadcasts.
  for (Label l : summed) {
    const int px = position(x.labels, l), py = position(y.labels, l);
    if (x.a.shape(px) == y.a.shape(py)) continue;
    Operand& wide = x.a.shape(px) == 1 ? y : x;
    wide.a = sum(wide.a, position(wide.labels, l), true, s);
  }
  for (Label l : batch) {
    const int px = position(x.labels, l), py = position(y.labels, l);
    if (x.a.shape(px) == y.a.shape(py)) continue;
    Operand& narrow = x.a.shape(px) == 1 ? x : y;
    Shape shape = narrow.a.shape();
    shape[position(narrow.labels, l)] = std::max(x.a.shape(px), y.a.shape(py));
    narrow.a = broadcast_to(narrow.a, shape, s);
  }
  auto product_matrix =
      matmul(as_matrices(x, batch, free_x, summed, s), as_matrices(y, batch, summed, free_y, s), s);
  Shape shape;
  for (Label l : batch) shape.push_back(x.a.shape(position(x.labels, l)));
  for (Label l : free_x) shape.push_back(x.a.shape(position(x.labels, l)));
  for (Label l : free_y) shape.push_back(y.a.shape(position(y.labels, l)));
  Labels labels = batch;
  labels.insert(labels.end(), free_x.begin(), free_x.end());
  labels.insert(labels.end(), free_y.begin(), free_y.end());
  return {reshape(product_matrix, shape, s), labels};
}

std::string describe(const std::string& subscripts, const Parsed& p, const Path& path) {
  LabelSet all;
  for (auto& labels : p.inputs) all.insert(labels.begin(), labels.end());
  const bool inner = all.size() != p.output.size();
  const double naive = flop_count(all, inner, static_cast<int>(p.inputs.size()), p);
  std::ostringstream os;
  os << std::fixed;
  os.precision(0);
  os << "  Complete contraction:  " << subscripts << "\n"
     << "         Naive scaling:  " << all.size() << "\n"
     << "     Optimized scaling:  " << path.scaling << "\n"
     << "      Naive FLOP count:  " << naive << "\n"
     << "  Optimized FLOP count:  " << path.flops << "\n";
  return os.str();
}

}  // namespace

std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands) {
  auto p = parse(subscripts, operands);
  auto path = greedy_path(p);
  return {path.steps, describe(subscripts, p, path)};
}

array einsum(const std::string& subscripts, const std::vector<array>& operands, StreamOrDevice sd) {
  const Parsed p = parse(subscripts, operands);
  const Path path = greedy_path(p);
  Stream s = to_stream(sd);
  const LabelSet output(p.output.begin(), p.output.end());
  std::vector<Operand> ops;
  for (size_t i = 0; i < operands.size(); ++i) {
    ops.push_back({operands[i], p.inputs[i]});
    take_diagonals(ops.back(), s);
  }
  // Labels no other operand and not the output has are summed where they are.
  for (size_t i = 0; i < ops.size(); ++i) {
    sum_labels(
        ops[i],
        [&](Label l) {
          if (output.count(l)) return false;
          for (size_t j = 0; j < ops.size(); ++j)
            if (j != i && contains(ops[j].labels, l)) return false;
          return true;
        },
        s);
  }
  for (auto& step : path.steps) {
    if (step.size() < 2) break;
    LabelSet keep = output;
    for (size_t k = 0; k < ops.size(); ++k)
      if (int(k) != step[0] && int(k) != step[1])
        keep.insert(ops[k].labels.begin(), ops[k].labels.end());
    Operand result = contract(ops[step[0]], ops[step[1]], keep, s);
    ops.erase(ops.begin() + step[1]);
    ops.erase(ops.begin() + step[0]);
    ops.push_back(std::move(result));
  }
  Operand& last = ops[0];
  sum_labels(
      last, [&](Label l) { return !output.count(l); }, s);
  std::vector<int> order;
  for (Label l : p.output) order.push_back(position(last.labels, l));
  array out = transpose(last.a, order, s);
  Shape shape;
  for (Label l : p.output) shape.push_back(static_cast<int>(p.sizes.at(l)));
  return out.shape() == shape ? out : broadcast_to(out, shape, s);
}

}  // namespace lmx
