// Groups and initialisation: the world group comes from the MPI backend when
// the process was started by an MPI launcher, and is this process alone
// otherwise.
#include "lmx/core/error.h"
#include "lmx/distributed/backend.h"
#include "lmx/distributed/distributed.h"

namespace lmx::distributed {

int Group::rank() const {
  return backend_ ? backend_->rank() : 0;
}
int Group::size() const {
  return backend_ ? backend_->size() : 1;
}

Group Group::split(int color, int key) const {
  if (color < 0) fail("split", "The color must be non-negative, got ", color, ".");
  if (!backend_) return Group();
  return Group(backend_->split(color, key));
}

bool is_available() {
  return mpi_loadable();
}

bool is_available(const std::string& backend) {
  if (backend == "any" || backend == "mpi") return mpi_loadable();
  return false;
}

Group init(bool strict, const std::string& backend) {
  if (backend != "any" && backend != "mpi") {
    fail("distributed::init", "Unknown backend '", backend, "'; lmx has 'mpi' (or 'any').");
  }
  auto world = mpi_world();
  if (!world && strict) {
    fail_as<std::runtime_error>(
        "distributed::init",
        mpi_loadable() ? "MPI is installed but this process was not started by an MPI launcher "
                         "(mpirun or lmx-launch)."
                       : "Couldn't load MPI (libmpi.so): install Open MPI to run on several "
                         "processes.");
  }
  return world ? Group(world) : Group();
}

}  // namespace lmx::distributed
