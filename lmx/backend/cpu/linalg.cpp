// Linear algebra kernels on LAPACK (the routines OpenBLAS ships). LAPACK is
// column-major; a row-major matrix is its transpose there, which the calls
// below use instead of copying to column-major.
#include <vector>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/backend/cpu/thread_pool.h"
#include "lmx/core/error.h"
#include "lmx/core/primitives.h"

// The Fortran routines, with gfortran's hidden lengths of character arguments.
extern "C" {
void sgesdd_(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s,
             float* u, const int* ldu, float* vt, const int* ldvt, float* work, const int* lwork,
             int* iwork, int* info, size_t jobz_len);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork,
             int* iwork, int* info, size_t jobz_len);
}

namespace lmx {

namespace {

void gesdd(char jobz, int m, int n, float* a, float* s, float* u, float* vt, float* work, int lwork,
           int* iwork, int* info) {
  int ldu = std::max(1, m), ldvt = std::max(1, n), lda = std::max(1, m);
  sgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);
}
void gesdd(char jobz, int m, int n, double* a, double* s, double* u, double* vt, double* work,
           int lwork, int* iwork, int* info) {
  int ldu = std::max(1, m), ldvt = std::max(1, n), lda = std::max(1, m);
  dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);
}

// Row-major A (M x N) is column-major A^T (N x M). LAPACK's A^T = U' S V'^T
// gives A = V' S U'^T, and a column-major matrix read row-major is its
// transpose: so LAPACK's vt (M x M) read row-major is A's U, and its u
// (N x N) is A's Vt. They are written straight into the outputs.
template <typename T>
void svd_impl(const array& in, std::vector<array>& outputs, bool compute_uv) {
  const int m = in.shape(-2), n = in.shape(-1), k = std::min(m, n);
  const int64_t matrices = in.size() / std::max<int64_t>(int64_t(m) * n, 1);
  array a = cpu::ensure_row_contiguous(in);
  for (auto& o : outputs) cpu::allocate(o);
  if (m == 0 || n == 0) {
    // No singular values; U and Vt are identities.
    if (compute_uv) {
      for (int which : {0, 2}) {
        T* p = outputs[which].data<T>();
        int d = which == 0 ? m : n;
        for (int64_t b = 0; b < matrices; ++b)
          for (int i = 0; i < d; ++i)
            for (int j = 0; j < d; ++j) p[(b * d + i) * d + j] = T(i == j);
      }
    }
    return;
  }
  const char jobz = compute_uv ? 'A' : 'N';
  // LAPACK sizes its workspace on a query call.
  int info = 0;
  T query = 0;
  std::vector<int> iwork(8 * static_cast<size_t>(k));
  {
    std::vector<T> a0(static_cast<size_t>(m) * n), s0(k), u0(compute_uv ? size_t(n) * n : 1),
        v0(compute_uv ? size_t(m) * m : 1);
    gesdd(jobz, n, m, a0.data(), s0.data(), u0.data(), v0.data(), &query, -1, iwork.data(), &info);
  }
  const int lwork = static_cast<int>(query) + 1;
  std::vector<T> work(lwork), scratch(static_cast<size_t>(m) * n);
  T* s_out = outputs[compute_uv ? 1 : 0].data<T>();
  for (int64_t b = 0; b < matrices; ++b) {
    const T* src = a.data<T>() + b * int64_t(m) * n;
    std::copy(src, src + int64_t(m) * n, scratch.begin());  // gesdd overwrites its input
    T* u = compute_uv ? outputs[2].data<T>() + b * int64_t(n) * n : nullptr;
    T* vt = compute_uv ? outputs[0].data<T>() + b * int64_t(m) * m : nullptr;
    T unused = 0;
    gesdd(jobz, n, m, scratch.data(), s_out + b * k, u ? u : &unused, vt ? vt : &unused,
          work.data(), lwork, iwork.data(), &info);
    if (info > 0) fail("linalg::svd", "The SVD did not converge.");
    if (info < 0) fail("linalg::svd", "LAPACK rejected argument ", -info, ".");
  }
}

}  // namespace

void SVD::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  if (inputs[0].dtype() == float64) {
    svd_impl<double>(inputs[0], outputs, compute_uv_);
  } else {
    svd_impl<float>(inputs[0], outputs, compute_uv_);
  }
}

}  // namespace lmx
