// The MPI backend: Open MPI's libmpi loaded with dlopen on first use, so lmx
// neither links against MPI nor needs its headers to build. Open MPI's
// handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are the addresses of
// exported globals, which dlsym finds by name; the few constants below are
// Open MPI's values (mpi.h, Open MPI 4 and 5).
//
// A collective that never completes because a peer died, exited or took
// another path would block forever; a watchdog aborts the whole job with a
// message when one has waited longer than LMX_DISTRIBUTED_TIMEOUT seconds
// (default 300), so a fault ends every rank in bounded time.
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "lmx/core/error.h"
#include "lmx/core/half_types.h"
#include "lmx/distributed/backend.h"

namespace lmx::distributed {

namespace {

using Handle = void*;  // MPI_Comm, MPI_Datatype, MPI_Op, MPI_Errhandler
constexpr int kSuccess = 0;
constexpr int kThreadMultiple = 3;
constexpr int kMaxErrorString = 256;
constexpr int kAnyTag = 0;
void* const kStatusIgnore = nullptr;
using UserFunction = void (*)(void*, void*, int*, Handle*);

// The MPI functions and handles lmx uses.
struct Mpi {
  void* lib = nullptr;
  int (*Initialized)(int*);
  int (*Init_thread)(int*, char***, int, int*);
  int (*Finalized)(int*);
  int (*Finalize)();
  int (*Abort)(Handle, int);
  int (*Comm_rank)(Handle, int*);
  int (*Comm_size)(Handle, int*);
  int (*Comm_split)(Handle, int, int, Handle*);
  int (*Comm_set_errhandler)(Handle, Handle);
  int (*Error_string)(int, char*, int*);
  int (*Allreduce)(const void*, void*, int, Handle, Handle, Handle);
  int (*Allgather)(const void*, int, Handle, void*, int, Handle, Handle);
  int (*Reduce_scatter_block)(const void*, void*, int, Handle, Handle, Handle);
  int (*Send)(const void*, int, Handle, int, int, Handle);
  int (*Recv)(void*, int, Handle, int, int, Handle, void*);
  int (*Op_create)(UserFunction, int, Handle*);
  Handle comm_world, errors_return;
  Handle t_bool, t_u8, t_u16, t_u32, t_u64, t_i8, t_i16, t_i32, t_i64, t_f32, t_f64, t_c64;
  Handle op_sum, op_max, op_min, op_lor, op_land;
  Handle f16_sum = nullptr, f16_max = nullptr, f16_min = nullptr;
  Handle bf16_sum = nullptr, bf16_max = nullptr, bf16_min = nullptr;

  bool load() {
    for (const char* name : {"libmpi.so.40", "libmpi.so.12", "libmpi.so"}) {
      lib = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
      if (lib) break;
    }
    if (!lib) return false;
    bool ok = true;
    auto fn = [&](auto& f, const char* name) {
      f = reinterpret_cast<std::remove_reference_t<decltype(f)>>(dlsym(lib, name));
      ok &= f != nullptr;
    };
    // A program that itself links libmpi holds copies of these globals
    // (copy relocations) that libmpi then uses: the global scope finds those
    // first, and libmpi's own otherwise.
    auto handle = [&](Handle& h, const char* name) {
      h = dlsym(RTLD_DEFAULT, name);
      if (!h) h = dlsym(lib, name);
      ok &= h != nullptr;
    };
    fn(Initialized, "MPI_Initialized");
    fn(Init_thread, "MPI_Init_thread");
    fn(Finalized, "MPI_Finalized");
    fn(Finalize, "MPI_Finalize");
    fn(Abort, "MPI_Abort");
    fn(Comm_rank, "MPI_Comm_rank");
    fn(Comm_size, "MPI_Comm_size");
    fn(Comm_split, "MPI_Comm_split");
    fn(Comm_set_errhandler, "MPI_Comm_set_errhandler");
    fn(Error_string, "MPI_Error_string");
    fn(Allreduce, "MPI_Allreduce");
    fn(Allgather, "MPI_Allgather");
    fn(Reduce_scatter_block, "MPI_Reduce_scatter_block");
    fn(Send, "MPI_Send");
    fn(Recv, "MPI_Recv");
    fn(Op_create, "MPI_Op_create");
    handle(comm_world, "ompi_mpi_comm_world");
    handle(errors_return, "ompi_mpi_errors_return");
    handle(t_bool, "ompi_mpi_c_bool");
    handle(t_u8, "ompi_mpi_uint8_t");
    handle(t_u16, "ompi_mpi_uint16_t");
    handle(t_u32, "ompi_mpi_uint32_t");
    handle(t_u64, "ompi_mpi_uint64_t");
    handle(t_i8, "ompi_mpi_int8_t");
    handle(t_i16, "ompi_mpi_int16_t");
    handle(t_i32, "ompi_mpi_int32_t");
    handle(t_i64, "ompi_mpi_int64_t");
    handle(t_f32, "ompi_mpi_float");
    handle(t_f64, "ompi_mpi_double");
    handle(t_c64, "ompi_mpi_c_float_complex");
    handle(op_sum, "ompi_mpi_op_sum");
    handle(op_max, "ompi_mpi_op_max");
    handle(op_min, "ompi_mpi_op_min");
    handle(op_lor, "ompi_mpi_op_lor");
    handle(op_land, "ompi_mpi_op_land");
    return ok;
  }
};

Mpi* mpi() {
  static Mpi* m = [] {
    auto* x = new Mpi();  // lives to the end of the process
    if (!x->load()) x->lib = nullptr;
    return x;
  }();
  return m->lib ? m : nullptr;
}

void check(int rc, const char* who, const char* call) {
  if (rc == kSuccess) return;
  char text[kMaxErrorString + 1] = {0};
  int len = 0;
  mpi()->Error_string(rc, text, &len);
  fail_as<std::runtime_error>(who, call, " failed: ", std::string(text, std::max(len, 0)));
}

// float16 / bfloat16 reductions: MPI has no such types, so they travel as
// 16-bit words through user-defined operations.
template <typename H, typename Op>
void half_op(void* in, void* inout, int* len, Handle*) {
  auto* a = static_cast<const H*>(in);
  auto* b = static_cast<H*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = H(Op{}(static_cast<float>(a[i]), static_cast<float>(b[i])));
}
struct AddF {
  float operator()(float a, float b) const { return a + b; }
};
struct MaxF {
  float operator()(float a, float b) const { return std::max(a, b); }
};
struct MinF {
  float operator()(float a, float b) const { return std::min(a, b); }
};

// Aborts the job when a call has waited past the timeout.
class Watchdog {
 public:
  Watchdog() {
    const char* env = std::getenv("LMX_DISTRIBUTED_TIMEOUT");
    timeout_ = std::chrono::duration<double>(env ? std::max(std::atof(env), 0.1) : 300.0);
    std::thread([this] { watch(); }).detach();
  }
  void start(const char* who, int rank) {
    std::lock_guard<std::mutex> lock(m_);
    who_ = who;
    rank_ = rank;
    since_ = std::chrono::steady_clock::now();
    busy_ = true;
    cv_.notify_all();
  }
  void stop() {
    std::lock_guard<std::mutex> lock(m_);
    busy_ = false;
  }

 private:
  void watch() {
    std::unique_lock<std::mutex> lock(m_);
    while (true) {
      cv_.wait_for(lock, std::chrono::milliseconds(100));
      if (!busy_ || std::chrono::steady_clock::now() - since_ < timeout_) continue;
      std::fprintf(stderr,
                   "[%s] rank %d waited %.1f s for the other ranks (LMX_DISTRIBUTED_TIMEOUT); "
                   "a rank has failed or left. Aborting the job.\n",
                   who_, rank_, timeout_.count());
      std::fflush(stderr);
      mpi()->Abort(mpi()->comm_world, 1);
      std::_Exit(1);
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::chrono::duration<double> timeout_;
  std::chrono::steady_clock::time_point since_;
  const char* who_ = "";
  int rank_ = 0;
  bool busy_ = false;
};

Watchdog& watchdog() {
  static auto* w = new Watchdog();  // its thread outlives static destruction
  return *w;
}

struct Waiting {
  Waiting(const char* who, int rank) { watchdog().start(who, rank); }
  ~Waiting() { watchdog().stop(); }
};

// MPI counts are ints: larger buffers go in pieces.
constexpr size_t kMaxCount = size_t{1} << 30;

class MpiBackend final : public Backend {
 public:
  explicit MpiBackend(Handle comm) : comm_(comm) {
    check(mpi()->Comm_rank(comm_, &rank_), "distributed", "MPI_Comm_rank");
    check(mpi()->Comm_size(comm_, &size_), "distributed", "MPI_Comm_size");
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::shared_ptr<Backend> split(int color, int key) override {
    Handle out = nullptr;
    Waiting w("split", rank_);
    check(mpi()->Comm_split(comm_, color, key < 0 ? rank_ : key, &out), "split", "MPI_Comm_split");
    mpi()->Comm_set_errhandler(out, mpi()->errors_return);
    return std::make_shared<MpiBackend>(out);
  }

  void all_reduce(const void* in, void* out, size_t count, Dtype dtype, ReduceOp op,
                  const char* who) override {
    auto [type, mop] = type_and_op(dtype, op, who);
    const size_t esize = size_of(dtype);
    Waiting w(who, rank_);
    for (size_t done = 0; done < count || (count == 0 && done == 0); done += kMaxCount) {
      int n = static_cast<int>(std::min(kMaxCount, count - done));
      if (n == 0) break;
      check(mpi()->Allreduce(static_cast<const char*>(in) + done * esize,
                             static_cast<char*>(out) + done * esize, n, type, mop, comm_),
            who, "MPI_Allreduce");
    }
  }

  void all_gather(const void* in, void* out, size_t bytes, const char* who) override {
    if (bytes > static_cast<size_t>(INT_MAX)) {
      fail(who, "Each rank's part of ", bytes, " bytes is larger than MPI can gather at once.");
    }
    Waiting w(who, rank_);
    check(mpi()->Allgather(in, static_cast<int>(bytes), mpi()->t_u8, out, static_cast<int>(bytes),
                           mpi()->t_u8, comm_),
          who, "MPI_Allgather");
  }

  void reduce_scatter(const void* in, void* out, size_t count, Dtype dtype, ReduceOp op,
                      const char* who) override {
    if (count > static_cast<size_t>(INT_MAX)) {
      fail(who, "Each rank's part of ", count, " elements is larger than MPI can scatter at once.");
    }
    auto [type, mop] = type_and_op(dtype, op, who);
    Waiting w(who, rank_);
    check(mpi()->Reduce_scatter_block(in, out, static_cast<int>(count), type, mop, comm_), who,
          "MPI_Reduce_scatter_block");
  }

  void send(const void* data, size_t bytes, int dst, const char* who) override {
    Waiting w(who, rank_);
    for (size_t done = 0; done < bytes; done += kMaxCount) {
      int n = static_cast<int>(std::min(kMaxCount, bytes - done));
      check(mpi()->Send(static_cast<const char*>(data) + done, n, mpi()->t_u8, dst, kAnyTag, comm_),
            who, "MPI_Send");
    }
  }

  void recv(void* data, size_t bytes, int src, const char* who) override {
    Waiting w(who, rank_);
    for (size_t done = 0; done < bytes; done += kMaxCount) {
      int n = static_cast<int>(std::min(kMaxCount, bytes - done));
      check(mpi()->Recv(static_cast<char*>(data) + done, n, mpi()->t_u8, src, kAnyTag, comm_,
                        kStatusIgnore),
            who, "MPI_Recv");
    }
  }

 private:
  static std::pair<Handle, Handle> type_and_op(Dtype dtype, ReduceOp op, const char* who) {
    Mpi& m = *mpi();
    auto pick = [&](Handle sum, Handle max, Handle min) {
      return op == ReduceOp::Sum ? sum : op == ReduceOp::Max ? max : min;
    };
    Handle arith = pick(m.op_sum, m.op_max, m.op_min);
    switch (dtype.val) {
      case Dtype::Val::bool_:  // sum and max are "any", min is "all"
        return {m.t_bool, pick(m.op_lor, m.op_lor, m.op_land)};
      case Dtype::Val::uint8:
        return {m.t_u8, arith};
      case Dtype::Val::uint16:
        return {m.t_u16, arith};
      case Dtype::Val::uint32:
        return {m.t_u32, arith};
      case Dtype::Val::uint64:
        return {m.t_u64, arith};
      case Dtype::Val::int8:
        return {m.t_i8, arith};
      case Dtype::Val::int16:
        return {m.t_i16, arith};
      case Dtype::Val::int32:
        return {m.t_i32, arith};
      case Dtype::Val::int64:
        return {m.t_i64, arith};
      case Dtype::Val::float32:
        return {m.t_f32, arith};
      case Dtype::Val::float64:
        return {m.t_f64, arith};
      case Dtype::Val::float16:
        return {m.t_u16, pick(m.f16_sum, m.f16_max, m.f16_min)};
      case Dtype::Val::bfloat16:
        return {m.t_u16, pick(m.bf16_sum, m.bf16_max, m.bf16_min)};
      case Dtype::Val::complex64:
        if (op != ReduceOp::Sum)
          fail(who, "complex64 has no order to take a maximum or minimum in.");
        return {m.t_c64, m.op_sum};
    }
    fail(who, "Unsupported dtype ", dtype, ".");
  }

  Handle comm_;
  int rank_ = 0, size_ = 1;
};

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"}) {
    if (std::getenv(v)) return true;
  }
  return false;
}

}  // namespace

bool mpi_loadable() {
  return mpi() != nullptr;
}

std::shared_ptr<Backend> mpi_world() {
  static std::shared_ptr<Backend> world = []() -> std::shared_ptr<Backend> {
    if (!launched_by_mpi() || !mpi()) return nullptr;
    Mpi& m = *mpi();
    int initialized = 0, provided = 0;
    m.Initialized(&initialized);
    if (!initialized) {
      check(m.Init_thread(nullptr, nullptr, kThreadMultiple, &provided), "init", "MPI_Init_thread");
      std::atexit([] {
        int finalized = 0;
        mpi()->Finalized(&finalized);
        if (!finalized) mpi()->Finalize();
      });
    }
    m.Comm_set_errhandler(m.comm_world, m.errors_return);
    m.Op_create(&half_op<float16_t, AddF>, 1, &m.f16_sum);
    m.Op_create(&half_op<float16_t, MaxF>, 1, &m.f16_max);
    m.Op_create(&half_op<float16_t, MinF>, 1, &m.f16_min);
    m.Op_create(&half_op<bfloat16_t, AddF>, 1, &m.bf16_sum);
    m.Op_create(&half_op<bfloat16_t, MaxF>, 1, &m.bf16_max);
    m.Op_create(&half_op<bfloat16_t, MinF>, 1, &m.bf16_min);
    return std::make_shared<MpiBackend>(m.comm_world);
  }();
  return world;
}

}  // namespace lmx::distributed
