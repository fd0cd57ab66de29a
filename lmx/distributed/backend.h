// The interface a communication engine implements for lmx::distributed
// (internal to lmx/distributed). One Backend is one communicator: buffers are
// row-contiguous host memory, counts are elements of `dtype`, and every call
// is collective over the communicator except send and recv. `who` names the
// op in errors.
#pragma once

#include <cstddef>
#include <memory>

#include "lmx/core/dtype.h"

namespace lmx::distributed {

enum class ReduceOp { Sum, Max, Min };

class Backend {
 public:
  virtual ~Backend() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::shared_ptr<Backend> split(int color, int key) = 0;
  virtual void all_reduce(const void* in, void* out, size_t count, Dtype dtype, ReduceOp op,
                          const char* who) = 0;
  // Every rank contributes `bytes`; out holds size() * bytes in rank order.
  virtual void all_gather(const void* in, void* out, size_t bytes, const char* who) = 0;
  // in holds size() * count elements; out gets this rank's reduced part.
  virtual void reduce_scatter(const void* in, void* out, size_t count, Dtype dtype, ReduceOp op,
                              const char* who) = 0;
  virtual void send(const void* data, size_t bytes, int dst, const char* who) = 0;
  virtual void recv(void* data, size_t bytes, int src, const char* who) = 0;
};

// Whether libmpi can be loaded.
bool mpi_loadable();
// The world communicator over MPI, or null where libmpi cannot be loaded or
// the process was not started by an MPI launcher.
std::shared_ptr<Backend> mpi_world();

}  // namespace lmx::distributed
