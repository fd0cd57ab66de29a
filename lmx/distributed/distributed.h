// Data-parallel communication, as MLX's mlx::core::distributed: a Group of
// processes and collective ops on arrays (all_sum, all_gather, all_max,
// all_min, sum_scatter, send, recv, recv_like) that are lazy nodes of the
// graph like any other op. Open MPI is the engine, loaded at run time, so a
// program linked with lmx runs where MPI is absent: there, and in a process
// not started by mpirun, the world group has one member and every
// collective returns its input.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "lmx/core/array.h"
#include "lmx/core/device.h"

namespace lmx::distributed {

class Backend;

class Group {
 public:
  int rank() const;
  int size() const;
  // The processes with the same color form a new group, ordered by key (by
  // rank in this group where keys tie; -1: this rank). Collective over this
  // group.
  Group split(int color, int key = -1) const;

  // A group of one process (what init returns without MPI).
  Group() = default;
  explicit Group(std::shared_ptr<Backend> backend) : backend_(std::move(backend)) {}
  const std::shared_ptr<Backend>& backend() const { return backend_; }

 private:
  std::shared_ptr<Backend> backend_;  // null: this process alone
};

// Whether a backend can be used: "mpi" (libmpi loads) or "any".
bool is_available();
bool is_available(const std::string& backend);

// The world group, initialised on first use. Without MPI, or outside mpirun,
// a group of size 1; with strict, that is an error instead.
Group init(bool strict = false, const std::string& backend = "any");

using SOD = StreamOrDevice;

// Elementwise sum, maximum and minimum over the group; every rank gets the
// result.
array all_sum(const array& x, std::optional<Group> group = std::nullopt, SOD s = {});
array all_max(const array& x, std::optional<Group> group = std::nullopt, SOD s = {});
array all_min(const array& x, std::optional<Group> group = std::nullopt, SOD s = {});
// The ranks' arrays concatenated along axis 0 in rank order (scalars become
// a vector).
array all_gather(const array& x, std::optional<Group> group = std::nullopt, SOD s = {});
// The sum over the group, split along axis 0: rank r keeps the r-th part.
array sum_scatter(const array& x, std::optional<Group> group = std::nullopt, SOD s = {});
// Sends x to rank dst when evaluated; returns x.
array send(const array& x, int dst, std::optional<Group> group = std::nullopt, SOD s = {});
// An array received from rank src, which must send this shape and dtype.
array recv(Shape shape, Dtype dtype, int src, std::optional<Group> group = std::nullopt,
           SOD s = {});
array recv_like(const array& x, int src, std::optional<Group> group = std::nullopt, SOD s = {});

}  // namespace lmx::distributed
