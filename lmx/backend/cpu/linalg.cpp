// Linear algebra kernels on LAPACK (the routines OpenBLAS ships). LAPACK is
// column-major; a row-major matrix is its transpose there, which the calls
// below use instead of copying to column-major.
#include <complex>
#include <vector>

#include "lmx/backend/cpu/kernel_utils.h"
#include "lmx/backend/cpu/thread_pool.h"
#include "lmx/core/error.h"
#include "lmx/core/linalg_primitives.h"

// The Fortran routines, with gfortran's hidden lengths of character arguments.
extern "C" {
void sgesdd_(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s,
             float* u, const int* ldu, float* vt, const int* ldvt, float* work, const int* lwork,
             int* iwork, int* info, size_t jobz_len);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork,
             int* iwork, int* info, size_t jobz_len);
void sgetrf_(const int* m, const int* n, float* a, const int* lda, int* ipiv, int* info);
void dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void sgetri_(const int* n, float* a, const int* lda, const int* ipiv, float* work, const int* lwork,
             int* info);
void dgetri_(const int* n, double* a, const int* lda, const int* ipiv, double* work,
             const int* lwork, int* info);
void strtri_(const char* uplo, const char* diag, const int* n, float* a, const int* lda, int* info,
             size_t, size_t);
void dtrtri_(const char* uplo, const char* diag, const int* n, double* a, const int* lda, int* info,
             size_t, size_t);
void spotrf_(const char* uplo, const int* n, float* a, const int* lda, int* info, size_t);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t);
void sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work,
             const int* lwork, int* info);
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
             const int* lwork, int* info);
void sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau,
             float* work, const int* lwork, int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
             double* work, const int* lwork, int* info);
void sgetrs_(const char* trans, const int* n, const int* nrhs, const float* a, const int* lda,
             const int* ipiv, float* b, const int* ldb, int* info, size_t);
void dgetrs_(const char* trans, const int* n, const int* nrhs, const double* a, const int* lda,
             const int* ipiv, double* b, const int* ldb, int* info, size_t);
void cgesdd_(const char* jobz, const int* m, const int* n, std::complex<float>* a, const int* lda,
             float* s, std::complex<float>* u, const int* ldu, std::complex<float>* vt,
             const int* ldvt, std::complex<float>* work, const int* lwork, float* rwork, int* iwork,
             int* info, size_t jobz_len);
void cheevd_(const char* jobz, const char* uplo, const int* n, std::complex<float>* a,
             const int* lda, float* w, std::complex<float>* work, const int* lwork, float* rwork,
             const int* lrwork, int* iwork, const int* liwork, int* info, size_t, size_t);
void sgeev_(const char* jobvl, const char* jobvr, const int* n, float* a, const int* lda, float* wr,
            float* wi, float* vl, const int* ldvl, float* vr, const int* ldvr, float* work,
            const int* lwork, int* info, size_t, size_t);
void dgeev_(const char* jobvl, const char* jobvr, const int* n, double* a, const int* lda,
            double* wr, double* wi, double* vl, const int* ldvl, double* vr, const int* ldvr,
            double* work, const int* lwork, int* info, size_t, size_t);
void cgeev_(const char* jobvl, const char* jobvr, const int* n, std::complex<float>* a,
            const int* lda, std::complex<float>* w, std::complex<float>* vl, const int* ldvl,
            std::complex<float>* vr, const int* ldvr, std::complex<float>* work, const int* lwork,
            float* rwork, int* info, size_t, size_t);
void ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w,
             float* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t,
             size_t);
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t,
             size_t);
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

void gesdd(char jobz, int m, int n, complex64_t* a, float* s, complex64_t* u, complex64_t* vt,
           complex64_t* work, int lwork, int* iwork, int* info) {
  int ldu = std::max(1, m), ldvt = std::max(1, n), lda = std::max(1, m);
  // The real workspace LAPACK documents for cgesdd.
  const int64_t mn = std::min(m, n), mx = std::max(m, n);
  std::vector<float> rwork(
      std::max<int64_t>(1, jobz == 'N' ? 7 * mn : mn * std::max(5 * mn + 7, 2 * mx + 2 * mn + 1)));
  cgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, rwork.data(), iwork, info,
          1);
}

// Row-major A (M x N) is column-major A^T (N x M). LAPACK's A^T = U' S V'^H
// gives A = conj(V') S U'^T, and a column-major matrix read row-major is its
// transpose: so LAPACK's vt (M x M, V'^H) read row-major is A's U, and its u
// (N x N) is A's Vt. They are written straight into the outputs. R is the
// singular values' (real) type.
template <typename T, typename R = T>
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
    std::vector<T> a0(static_cast<size_t>(m) * n), u0(compute_uv ? size_t(n) * n : 1),
        v0(compute_uv ? size_t(m) * m : 1);
    std::vector<R> s0(k);
    gesdd(jobz, n, m, a0.data(), s0.data(), u0.data(), v0.data(), &query, -1, iwork.data(), &info);
  }
  const int lwork = static_cast<int>(std::real(query)) + 1;
  std::vector<T> work(lwork), scratch(static_cast<size_t>(m) * n);
  R* s_out = outputs[compute_uv ? 1 : 0].data<R>();
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

// float and double entry points under one name each.
void getrf(int m, int n, float* a, int* ipiv, int* info) {
  sgetrf_(&m, &n, a, &m, ipiv, info);
}
void getrf(int m, int n, double* a, int* ipiv, int* info) {
  dgetrf_(&m, &n, a, &m, ipiv, info);
}
void getrf(int n, float* a, int* ipiv, int* info) {
  sgetrf_(&n, &n, a, &n, ipiv, info);
}
void getrf(int n, double* a, int* ipiv, int* info) {
  dgetrf_(&n, &n, a, &n, ipiv, info);
}
void getrs(char trans, int n, int nrhs, const float* a, const int* ipiv, float* b, int* info) {
  sgetrs_(&trans, &n, &nrhs, a, &n, ipiv, b, &n, info, 1);
}
void getrs(char trans, int n, int nrhs, const double* a, const int* ipiv, double* b, int* info) {
  dgetrs_(&trans, &n, &nrhs, a, &n, ipiv, b, &n, info, 1);
}
void getri(int n, float* a, const int* ipiv, float* work, int lwork, int* info) {
  sgetri_(&n, a, &n, ipiv, work, &lwork, info);
}
void getri(int n, double* a, const int* ipiv, double* work, int lwork, int* info) {
  dgetri_(&n, a, &n, ipiv, work, &lwork, info);
}
void trtri(char uplo, int n, float* a, int* info) {
  char diag = 'N';
  strtri_(&uplo, &diag, &n, a, &n, info, 1, 1);
}
void trtri(char uplo, int n, double* a, int* info) {
  char diag = 'N';
  dtrtri_(&uplo, &diag, &n, a, &n, info, 1, 1);
}
void potrf(char uplo, int n, float* a, int* info) {
  spotrf_(&uplo, &n, a, &n, info, 1);
}
void potrf(char uplo, int n, double* a, int* info) {
  dpotrf_(&uplo, &n, a, &n, info, 1);
}
void geqrf(int m, int n, float* a, float* tau, float* work, int lwork, int* info) {
  sgeqrf_(&m, &n, a, &m, tau, work, &lwork, info);
}
void geqrf(int m, int n, double* a, double* tau, double* work, int lwork, int* info) {
  dgeqrf_(&m, &n, a, &m, tau, work, &lwork, info);
}
void orgqr(int m, int n, int k, float* a, const float* tau, float* work, int lwork, int* info) {
  sorgqr_(&m, &n, &k, a, &m, tau, work, &lwork, info);
}
void orgqr(int m, int n, int k, double* a, const double* tau, double* work, int lwork, int* info) {
  dorgqr_(&m, &n, &k, a, &m, tau, work, &lwork, info);
}
void syevd(char jobz, char uplo, int n, float* a, float* w, float* work, int lwork, int* iwork,
           int liwork, int* info) {
  ssyevd_(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, info, 1, 1);
}
void syevd(char jobz, char uplo, int n, double* a, double* w, double* work, int lwork, int* iwork,
           int liwork, int* info) {
  dsyevd_(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, info, 1, 1);
}

// Calls f(T) with the C++ type of a float32 or float64 array.
template <typename F>
void for_real_float(Dtype t, F&& f) {
  if (t == float64) {
    f(double{});
  } else {
    f(float{});
  }
}

// Copies each (n x n) matrix of `in` into out's row-major buffer and calls
// f(T* matrix) on it in place.
template <typename T, typename F>
void each_square_matrix(const array& in, array& out, F&& f) {
  const int n = in.shape(-1);
  array a = cpu::ensure_row_contiguous(in);
  cpu::allocate(out);
  const int64_t nn = int64_t(n) * n;
  const int64_t count = nn == 0 ? 0 : static_cast<int64_t>(in.size()) / nn;
  std::copy(a.data<T>(), a.data<T>() + count * nn, out.data<T>());
  for (int64_t b = 0; b < count; ++b) f(out.data<T>() + b * nn);
}

// Zeroes the strict upper (or lower) triangle of a row-major n x n matrix.
template <typename T>
void zero_triangle(T* a, int n, bool upper_part) {
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (upper_part ? j > i : j < i) a[int64_t(i) * n + j] = T(0);
}

template <typename T>
void transpose_square(T* a, int n) {
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) std::swap(a[int64_t(i) * n + j], a[int64_t(j) * n + i]);
}

}  // namespace

// A row-major matrix is its transpose to LAPACK, and inv(A^T) = inv(A)^T:
// inverting the buffer in place gives A's inverse row-major. A triangle of
// A is the other triangle of A^T.
void Inverse::eval_cpu(const std::vector<array>& inputs, array& out) {
  const int n = inputs[0].shape(-1);
  for_real_float(inputs[0].dtype(), [&](auto zero) {
    using T = decltype(zero);
    std::vector<int> ipiv(std::max(n, 1));
    std::vector<T> work;
    each_square_matrix<T>(inputs[0], out, [&](T* a) {
      int info = 0;
      if (triangular_) {
        zero_triangle(a, n, !upper_);
        trtri(upper_ ? 'L' : 'U', n, a, &info);
        if (info > 0) fail("linalg::tri_inv", "The matrix is singular.");
        return;
      }
      getrf(n, a, ipiv.data(), &info);
      if (info > 0) fail("linalg::inv", "The matrix is singular (LU factorization failed).");
      if (work.empty()) {
        T query = 0;
        getri(n, a, ipiv.data(), &query, -1, &info);
        work.resize(std::max<size_t>(1, static_cast<size_t>(query)));
      }
      getri(n, a, ipiv.data(), work.data(), static_cast<int>(work.size()), &info);
      if (info > 0) fail("linalg::inv", "The matrix is singular.");
    });
  });
}

// Row-major a is a^T to LAPACK: getrf factors a^T, and getrs with 'T'
// solves (a^T)^T x = b. The right-hand sides go column-major (each column
// contiguous), so b (N, K) is transposed in and out unless K is 1.
void Solve::eval_cpu(const std::vector<array>& inputs, array& out) {
  const int n = inputs[0].shape(-1), k = inputs[1].shape(-1);
  for_real_float(inputs[0].dtype(), [&](auto zero) {
    using T = decltype(zero);
    array a = cpu::ensure_row_contiguous(inputs[0]);
    array b = cpu::ensure_row_contiguous(inputs[1]);
    cpu::allocate(out);
    const int64_t nn = int64_t(n) * n, nk = int64_t(n) * k;
    const int64_t count = nk == 0 ? 0 : static_cast<int64_t>(out.size()) / nk;
    std::vector<T> lu(nn), columns(k == 1 ? 0 : nk);
    std::vector<int> ipiv(std::max(n, 1));
    for (int64_t m = 0; m < count; ++m) {
      std::copy(a.data<T>() + m * nn, a.data<T>() + (m + 1) * nn, lu.begin());
      int info = 0;
      getrf(n, lu.data(), ipiv.data(), &info);
      if (info > 0) fail("linalg::solve", "The matrix is singular.");
      const T* rhs = b.data<T>() + m * nk;
      T* x = out.data<T>() + m * nk;
      if (k == 1) {
        std::copy(rhs, rhs + n, x);
        getrs('T', n, 1, lu.data(), ipiv.data(), x, &info);
        continue;
      }
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < k; ++j) columns[int64_t(j) * n + i] = rhs[int64_t(i) * k + j];
      getrs('T', n, k, lu.data(), ipiv.data(), columns.data(), &info);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < k; ++j) x[int64_t(i) * k + j] = columns[int64_t(j) * n + i];
    }
  });
}

namespace {

// geev for real T: eigenvalues as wr + i wi; a complex pair's vectors come
// as two columns re, im of vr, meaning re + i im and re - i im.
template <typename T>
int geev(bool vectors, int n, T* a, complex64_t* w, complex64_t* v, std::vector<T>& work) {
  const char jobvl = 'N', jobvr = vectors ? 'V' : 'N';
  const int ld = std::max(1, n), one = 1;
  std::vector<T> wr(n), wi(n), vr(vectors ? int64_t(n) * n : 1);
  T vl = 0;
  int info = 0;
  auto call = [&](T* wk, int lwork) {
    if constexpr (std::is_same_v<T, float>) {
      sgeev_(&jobvl, &jobvr, &n, a, &ld, wr.data(), wi.data(), &vl, &one, vr.data(),
             vectors ? &ld : &one, wk, &lwork, &info, 1, 1);
    } else {
      dgeev_(&jobvl, &jobvr, &n, a, &ld, wr.data(), wi.data(), &vl, &one, vr.data(),
             vectors ? &ld : &one, wk, &lwork, &info, 1, 1);
    }
  };
  if (work.empty()) {
    T query = 0;
    call(&query, -1);
    work.resize(std::max<size_t>(1, static_cast<size_t>(query)));
  }
  call(work.data(), static_cast<int>(work.size()));
  if (info != 0) return info;
  for (int j = 0; j < n; ++j) w[j] = complex64_t(float(wr[j]), float(wi[j]));
  if (!vectors) return 0;
  // Row-major output: column j of the result is eigenvector j.
  for (int j = 0; j < n; ++j) {
    if (wi[j] == 0) {
      for (int r = 0; r < n; ++r) v[int64_t(r) * n + j] = float(vr[int64_t(j) * n + r]);
      continue;
    }
    for (int r = 0; r < n; ++r) {
      const float re = float(vr[int64_t(j) * n + r]), im = float(vr[int64_t(j + 1) * n + r]);
      v[int64_t(r) * n + j] = {re, im};
      v[int64_t(r) * n + j + 1] = {re, -im};
    }
    ++j;
  }
  return 0;
}

int geev(bool vectors, int n, complex64_t* a, complex64_t* w, complex64_t* v,
         std::vector<complex64_t>& work) {
  const char jobvl = 'N', jobvr = vectors ? 'V' : 'N';
  const int ld = std::max(1, n), one = 1;
  std::vector<complex64_t> vr(vectors ? int64_t(n) * n : 1);
  std::vector<float> rwork(std::max(1, 2 * n));
  complex64_t vl = 0;
  int info = 0;
  auto call = [&](complex64_t* wk, int lwork) {
    cgeev_(&jobvl, &jobvr, &n, a, &ld, w, &vl, &one, vr.data(), vectors ? &ld : &one, wk, &lwork,
           rwork.data(), &info, 1, 1);
  };
  if (work.empty()) {
    complex64_t query = 0;
    call(&query, -1);
    work.resize(std::max<size_t>(1, static_cast<size_t>(query.real())));
  }
  call(work.data(), static_cast<int>(work.size()));
  if (info != 0 || !vectors) return info;
  for (int j = 0; j < n; ++j)
    for (int r = 0; r < n; ++r) v[int64_t(r) * n + j] = vr[int64_t(j) * n + r];
  return 0;
}

}  // namespace

// geev wants a itself, column-major: each matrix is transposed in.
void Eig::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& in = inputs[0];
  const int n = in.shape(-1);
  auto run = [&](auto zero) {
    using T = decltype(zero);
    array a = cpu::ensure_row_contiguous(in);
    for (auto& o : outputs) cpu::allocate(o);
    const int64_t nn = int64_t(n) * n;
    const int64_t count = nn == 0 ? 0 : static_cast<int64_t>(in.size()) / nn;
    std::vector<T> col(std::max<int64_t>(nn, 1)), work;
    for (int64_t b = 0; b < count; ++b) {
      const T* m = a.data<T>() + b * nn;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) col[int64_t(j) * n + i] = m[int64_t(i) * n + j];
      complex64_t* w = outputs[0].data<complex64_t>() + b * n;
      complex64_t* v = vectors_ ? outputs[1].data<complex64_t>() + b * nn : nullptr;
      if (geev(vectors_, n, col.data(), w, v, work) != 0) {
        fail("linalg::eig", "The eigenvalue computation did not converge.");
      }
    }
  };
  if (in.dtype() == complex64) return run(complex64_t{});
  if (in.dtype() == float64) return run(double{});
  run(float{});
}

// A symmetric matrix is its own transpose; LAPACK's upper factor U
// (A = U^T U, column-major) read row-major is the lower factor L.
void Cholesky::eval_cpu(const std::vector<array>& inputs, array& out) {
  const int n = inputs[0].shape(-1);
  for_real_float(inputs[0].dtype(), [&](auto zero) {
    using T = decltype(zero);
    each_square_matrix<T>(inputs[0], out, [&](T* a) {
      int info = 0;
      potrf(upper_ ? 'L' : 'U', n, a, &info);
      if (info > 0) {
        fail("linalg::cholesky", "The matrix is not positive definite (leading minor ", info, ").");
      }
      zero_triangle(a, n, !upper_);
    });
  });
}

// Symmetric: LAPACK reads the buffer as it is, with the triangles swapped;
// its eigenvectors come back as rows, so they are transposed into columns.
// A Hermitian matrix read column-major is its conjugate, whose eigenvectors
// are the conjugates of its own: the vectors are conjugated as they are
// transposed back.
void eigh_complex(const array& in, std::vector<array>& outputs, char jobz, char uplo) {
  const int n = in.shape(-1);
  array a = cpu::ensure_row_contiguous(in);
  for (auto& o : outputs) cpu::allocate(o);
  const int64_t nn = int64_t(n) * n;
  const int64_t count = nn == 0 ? 0 : static_cast<int64_t>(in.size()) / nn;
  std::vector<complex64_t> m(std::max<int64_t>(nn, 1)), work;
  std::vector<float> rwork;
  std::vector<int> iwork;
  for (int64_t b = 0; b < count; ++b) {
    std::copy(a.data<complex64_t>() + b * nn, a.data<complex64_t>() + (b + 1) * nn, m.begin());
    float* w = outputs[0].data<float>() + b * n;
    int info = 0;
    if (work.empty()) {
      complex64_t query = 0;
      float rquery = 0;
      int iquery = 0, minus = -1;
      cheevd_(&jobz, &uplo, &n, m.data(), &n, w, &query, &minus, &rquery, &minus, &iquery, &minus,
              &info, 1, 1);
      work.resize(std::max<size_t>(1, static_cast<size_t>(query.real())));
      rwork.resize(std::max<size_t>(1, static_cast<size_t>(rquery)));
      iwork.resize(std::max(1, iquery));
    }
    const int lwork = static_cast<int>(work.size()), lrwork = static_cast<int>(rwork.size()),
              liwork = static_cast<int>(iwork.size());
    cheevd_(&jobz, &uplo, &n, m.data(), &n, w, work.data(), &lwork, rwork.data(), &lrwork,
            iwork.data(), &liwork, &info, 1, 1);
    if (info > 0) fail("linalg::eigh", "The eigenvalue computation did not converge.");
    if (jobz == 'V') {
      complex64_t* v = outputs[1].data<complex64_t>() + b * nn;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) v[int64_t(i) * n + j] = std::conj(m[int64_t(j) * n + i]);
    }
  }
}

void Eigh::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& in = inputs[0];
  const int n = in.shape(-1);
  const char jobz = vectors_ ? 'V' : 'N', uplo = uplo_ == "L" ? 'U' : 'L';
  if (in.dtype() == complex64) return eigh_complex(in, outputs, jobz, uplo);
  for_real_float(in.dtype(), [&](auto zero) {
    using T = decltype(zero);
    array a = cpu::ensure_row_contiguous(in);
    for (auto& o : outputs) cpu::allocate(o);
    const int64_t nn = int64_t(n) * n;
    const int64_t count = nn == 0 ? 0 : static_cast<int64_t>(in.size()) / nn;
    std::vector<T> scratch(vectors_ ? 0 : nn);
    std::vector<T> work;
    std::vector<int> iwork;
    for (int64_t b = 0; b < count; ++b) {
      T* m = vectors_ ? outputs[1].data<T>() + b * nn : scratch.data();
      std::copy(a.data<T>() + b * nn, a.data<T>() + (b + 1) * nn, m);
      T* w = outputs[0].data<T>() + b * n;
      int info = 0;
      if (work.empty()) {
        T query = 0;
        int iquery = 0;
        syevd(jobz, uplo, n, m, w, &query, -1, &iquery, -1, &info);
        work.resize(std::max<size_t>(1, static_cast<size_t>(query)));
        iwork.resize(std::max(1, iquery));
      }
      syevd(jobz, uplo, n, m, w, work.data(), static_cast<int>(work.size()), iwork.data(),
            static_cast<int>(iwork.size()), &info);
      if (info > 0) fail("linalg::eigh", "The eigenvalue computation did not converge.");
      if (vectors_) transpose_square(m, n);
    }
  });
}

// QR needs A itself (not A^T) in LAPACK's layout: each matrix is transposed
// into a column-major buffer, and Q and R are transposed back.
void QRF::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& in = inputs[0];
  const int m = in.shape(-2), n = in.shape(-1), k = std::min(m, n);
  for_real_float(in.dtype(), [&](auto zero) {
    using T = decltype(zero);
    array a = cpu::ensure_row_contiguous(in);
    for (auto& o : outputs) cpu::allocate(o);
    const int64_t mn = int64_t(m) * n;
    const int64_t count = mn == 0 ? 0 : static_cast<int64_t>(in.size()) / mn;
    std::vector<T> col(std::max<int64_t>(mn, 1)), tau(std::max(k, 1)), work;
    for (int64_t b = 0; b < count; ++b) {
      const T* src = a.data<T>() + b * mn;
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) col[int64_t(j) * m + i] = src[int64_t(i) * n + j];
      int info = 0;
      if (work.empty()) {
        T q1 = 0, q2 = 0;
        geqrf(m, n, col.data(), tau.data(), &q1, -1, &info);
        orgqr(m, k, k, col.data(), tau.data(), &q2, -1, &info);
        work.resize(std::max<size_t>(1, static_cast<size_t>(std::max(q1, q2))));
      }
      geqrf(m, n, col.data(), tau.data(), work.data(), static_cast<int>(work.size()), &info);
      // R: the upper triangle of the first k rows.
      T* r = outputs[1].data<T>() + b * int64_t(k) * n;
      for (int i = 0; i < k; ++i)
        for (int j = 0; j < n; ++j) r[int64_t(i) * n + j] = j >= i ? col[int64_t(j) * m + i] : T(0);
      orgqr(m, k, k, col.data(), tau.data(), work.data(), static_cast<int>(work.size()), &info);
      T* q = outputs[0].data<T>() + b * int64_t(m) * k;
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < k; ++j) q[int64_t(i) * k + j] = col[int64_t(j) * m + i];
    }
  });
}

// getrf needs A itself (the LU of A^T is not A's): each matrix goes through
// a column-major buffer, as in QR.
void LUF::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const array& in = inputs[0];
  const int m = in.shape(-2), n = in.shape(-1), k = std::min(m, n);
  for_real_float(in.dtype(), [&](auto zero) {
    using T = decltype(zero);
    array a = cpu::ensure_row_contiguous(in);
    for (auto& o : outputs) cpu::allocate(o);
    const int64_t mn = int64_t(m) * n;
    const int64_t count = mn == 0 ? 0 : static_cast<int64_t>(in.size()) / mn;
    std::vector<T> col(std::max<int64_t>(mn, 1));
    std::vector<int> ipiv(std::max(k, 1)), order(m);
    for (int64_t b = 0; b < count; ++b) {
      const T* src = a.data<T>() + b * mn;
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) col[int64_t(j) * m + i] = src[int64_t(i) * n + j];
      int info = 0;  // > 0 only says U is singular: the factors are still right
      getrf(m, n, col.data(), ipiv.data(), &info);
      if (info < 0) fail("linalg::lu", "LAPACK rejected argument ", -info, ".");
      T* lu = outputs[0].data<T>() + b * mn;
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) lu[int64_t(i) * n + j] = col[int64_t(j) * m + i];
      uint32_t* piv = outputs[1].data<uint32_t>() + b * k;
      for (int i = 0; i < m; ++i) order[i] = i;
      for (int i = 0; i < k; ++i) {
        piv[i] = static_cast<uint32_t>(ipiv[i] - 1);
        std::swap(order[i], order[ipiv[i] - 1]);
      }
      // Row j of L U is row order[j] of a, so a's row i is row P[i] of L U.
      uint32_t* rows = outputs[2].data<uint32_t>() + b * m;
      for (int j = 0; j < m; ++j) rows[order[j]] = static_cast<uint32_t>(j);
    }
  });
}

void SVD::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  if (inputs[0].dtype() == float64) {
    svd_impl<double>(inputs[0], outputs, compute_uv_);
  } else if (inputs[0].dtype() == complex64) {
    svd_impl<complex64_t, float>(inputs[0], outputs, compute_uv_);
  } else {
    svd_impl<float>(inputs[0], outputs, compute_uv_);
  }
}

}  // namespace lmx
