#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;
namespace fs = std::filesystem;

namespace {

fs::path tmpdir(const std::string& name) {
  auto d = fs::temp_directory_path() / "lmx_data_tests" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

void write_gz(const fs::path& p, const std::string& raw) {
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, raw.data(), static_cast<unsigned>(raw.size()));
  gzclose(f);
}

std::string images_idx(int n, int rows, int cols) {
  std::string s = be32(0x803) + be32(n) + be32(rows) + be32(cols);
  for (int i = 0; i < n * rows * cols; ++i) s.push_back(static_cast<char>(i % 256));
  return s;
}

std::string labels_idx(int n) {
  std::string s = be32(0x801) + be32(n);
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(i % 10));
  return s;
}

std::string file_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// A small data set in MNIST's file layout, and a spec whose checksums match.
io::DatasetSpec make_dataset(const fs::path& dir) {
  write_gz(dir / "train-images-idx3-ubyte.gz", images_idx(20, 28, 28));
  write_gz(dir / "train-labels-idx1-ubyte.gz", labels_idx(20));
  write_gz(dir / "t10k-images-idx3-ubyte.gz", images_idx(10, 28, 28));
  write_gz(dir / "t10k-labels-idx1-ubyte.gz", labels_idx(10));
  auto spec = io::mnist_spec();
  for (auto& f : spec.files) f.sha256 = io::sha256_hex(file_bytes(dir / f.name));
  return spec;
}

}  // namespace

TEST(Idx, ParsesAndValidates) {
  auto d = tmpdir("idx");
  write_gz(d / "ok.gz", images_idx(3, 2, 2));
  auto a = io::read_idx_gz((d / "ok.gz").string());
  EXPECT_EQ(a.shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(a.dtype(), uint8);
  EXPECT_EQ(to_vector<int>(flatten(a))[11], 11);
  auto raw = images_idx(3, 2, 2);
  write_gz(d / "trunc.gz", raw.substr(0, raw.size() - 1));
  EXPECT_THROW_MSG(io::read_idx_gz((d / "trunc.gz").string()), std::runtime_error,
                   "truncated: expected 12 data bytes");
  write_gz(d / "over.gz", raw + "x");
  EXPECT_THROW_MSG(io::read_idx_gz((d / "over.gz").string()), std::runtime_error, "oversized");
  write_gz(d / "magic.gz", be32(0x0d03) + raw.substr(4));
  EXPECT_THROW_MSG(io::read_idx_gz((d / "magic.gz").string()), std::runtime_error,
                   "bad magic number");
  write_gz(d / "dims.gz", be32(0x803) + be32(0xffffffff) + be32(1) + be32(1));
  EXPECT_THROW_MSG(io::read_idx_gz((d / "dims.gz").string()), std::runtime_error,
                   "implausible dimension");
  std::ofstream(d / "notgz.gz") << "plain text";
  EXPECT_THROW(io::read_idx_gz((d / "notgz.gz").string()), std::runtime_error);
}

TEST(Datasets, LoadsFromDirectoryAndDownloadsIntoCache) {
  auto src = tmpdir("mirror");
  auto spec = make_dataset(src);
  auto from_dir = io::load_dataset(spec, src.string(), false);
  EXPECT_EQ(from_dir.train_images.shape(), (Shape{20, 784}));
  EXPECT_EQ(from_dir.train_images.dtype(), float32);
  EXPECT_EQ(from_dir.train_labels.dtype(), uint32);
  EXPECT_NEAR(max(from_dir.train_images).item<float>(), 1.0f, 1e-6);
  EXPECT_EQ(to_vector<uint32_t>(from_dir.test_labels)[3], 3u);
  // Missing locally: fetched from the mirror (a file:// URL here) into the cache.
  auto cache = tmpdir("cache");
  spec.mirrors = {"file://" + (tmpdir("dead")).string() + "/", "file://" + src.string() + "/"};
  auto downloaded = io::load_dataset(spec, std::nullopt, true, cache.string());
  EXPECT_TRUE(fs::exists(cache / "train-images-idx3-ubyte.gz"));
  EXPECT_TRUE(array_equal(downloaded.train_images, from_dir.train_images).item<bool>());
  // A checksum mismatch is refused and nothing is written.
  auto cache2 = tmpdir("cache2");
  auto wrong = spec;
  wrong.files[0].sha256 = std::string(64, '0');
  EXPECT_THROW_MSG(io::load_dataset(wrong, std::nullopt, true, cache2.string()), std::runtime_error,
                   "checksum mismatch");
  EXPECT_FALSE(fs::exists(cache2 / "train-images-idx3-ubyte.gz"));
  // Offline: a clear error that says how to supply the files.
  auto offline = spec;
  offline.mirrors = {"file://" + tmpdir("nowhere").string() + "/"};
  EXPECT_THROW_MSG(io::load_dataset(offline, std::nullopt, true, tmpdir("cache3").string()),
                   std::runtime_error,
                   "If this machine is offline, copy the four IDX .gz files into");
  EXPECT_THROW_MSG(io::load_dataset(spec, std::nullopt, false, tmpdir("cache4").string()),
                   std::runtime_error, "The data set files are not in");
}

TEST(Datasets, SharedMnistWhenPresent) {
  fs::path shared = fs::path(LMX_SOURCE_DIR) / ".." / "shared" / "data" / "mnist";
  if (!fs::exists(shared)) GTEST_SKIP() << "../shared/data/mnist is not present";
  auto d = io::mnist(shared.string(), false);
  EXPECT_EQ(d.train_images.shape(), (Shape{60000, 784}));
  EXPECT_EQ(d.test_labels.shape(), (Shape{10000}));
  EXPECT_EQ(sum(d.test_labels).item<uint64_t>(),
            44434u);  // sum of the t10k labels (980 zeros, 1135 ones, ...)
}

TEST(Datasets, BatchIterateCoversEverySampleOnce) {
  auto x = reshape(astype(arange(10), float32), {10, 1});
  auto y = arange(10);
  std::vector<int> seen;
  int batches = 0;
  for (auto [xb, yb] : io::batch_iterate(4, x, y)) {
    EXPECT_TRUE(array_equal(squeeze(xb, 1), astype(yb, float32)).item<bool>());
    for (int v : to_vector<int>(yb)) seen.push_back(v);
    ++batches;
  }
  EXPECT_EQ(batches, 3);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, to_vector<int>(arange(10)));
  EXPECT_THROW_MSG(io::batch_iterate(0, x, y), std::invalid_argument, "[batch_iterate]");
}

TEST(Datasets, BatchIteratePrefetchGivesTheSameBatches) {
  auto x = reshape(astype(arange(3000), float32), {1000, 3});
  auto y = arange(1000);
  auto collect = [&](bool prefetch) {
    random::seed(7);
    std::vector<std::vector<float>> xs;
    std::vector<std::vector<int>> ys;
    for (auto [xb, yb] : io::batch_iterate(64, x, y, prefetch)) {
      xs.push_back(to_vector<float>(xb));
      ys.push_back(to_vector<int>(yb));
      // Each row of X still belongs to its label.
      EXPECT_TRUE(array_equal(xb, take(x, yb, 0)).item<bool>());
    }
    return std::make_pair(xs, ys);
  };
  auto with = collect(true), without = collect(false);
  EXPECT_EQ(with.first.size(), 16u);  // 15 full batches and one of 40
  EXPECT_EQ(with.second.back().size(), 40u);
  EXPECT_EQ(with, without);
  // Leaving the loop early leaves the prefetched batch to finish on its own.
  random::seed(7);
  for (auto [xb, yb] : io::batch_iterate(64, x, y)) {
    EXPECT_EQ(xb.shape(), (Shape{64, 3}));
    break;
  }
}

TEST(Idx, DimensionsWhoseProductWrapsAreRefused) {
  // 2^28 x 2^28 x 256 = 2^64 bytes: used to wrap to 0 and pass the size check.
  std::string raw = {0, 0, 8, 3};
  for (uint32_t d : {1u << 28, 1u << 28, 256u}) {
    for (int i = 3; i >= 0; --i) raw.push_back(static_cast<char>((d >> (8 * i)) & 0xff));
  }
  auto path = fs::temp_directory_path() / "lmx_idx_wrap.gz";
  write_gz(path, raw);
  EXPECT_THROW_MSG(io::read_idx_gz(path.string()), std::overflow_error,
                   "[read_idx_gz] Shape (268435456,268435456,256) has too many elements.");
  fs::remove(path);
}

TEST(Idx, AClaimLargerThanTheDataAllocatesNothingFirst) {
  // 2^30 claimed bytes in a 31-byte file: truncated, found out before any
  // buffer of the claimed size exists.
  std::string raw = {0, 0, 8, 3};
  for (uint32_t d : {1u << 10, 1u << 10, 1u << 10}) {
    for (int i = 3; i >= 0; --i) raw.push_back(static_cast<char>((d >> (8 * i)) & 0xff));
  }
  auto path = fs::temp_directory_path() / "lmx_idx_claim.gz";
  write_gz(path, raw);
  size_t peak = get_peak_memory();
  EXPECT_THROW_MSG(io::read_idx_gz(path.string()), std::runtime_error,
                   "truncated: expected 1073741824 data bytes, found 0");
  EXPECT_EQ(get_peak_memory(), peak);
  fs::remove(path);
}
