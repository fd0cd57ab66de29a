#include "lmx/io/datasets.h"

#include "lmx/core/error.h"
#include "lmx/core/sizes.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "lmx/core/ops.h"
#include "lmx/core/random.h"
#include "lmx/io/file_io.h"

namespace lmx::io {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void idx_error(const std::string& path, const std::string& why) {
  fail_as<std::runtime_error>("read_idx_gz", "Invalid IDX file ", path, ": ", why);
}

uint32_t be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

}  // namespace

array read_idx_gz(const std::string& path) {
  std::string gz = read_file(path, "read_idx_gz");
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) idx_error(path, "zlib initialisation failed");
  zs.next_in = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_in = static_cast<uInt>(gz.size());
  // The header first: magic and up to 3 dimensions.
  unsigned char header[16];
  size_t have = 0, want = 4;
  auto inflate_into = [&](unsigned char* dst, size_t n) -> int {
    zs.next_out = dst;
    zs.avail_out = static_cast<uInt>(n);
    int rc = Z_OK;
    while (zs.avail_out > 0 && rc == Z_OK) rc = inflate(&zs, Z_NO_FLUSH);
    return rc;
  };
  int rc = inflate_into(header, 4);
  if (zs.avail_out != 0) {
    inflateEnd(&zs);
    idx_error(path, "truncated before the magic number");
  }
  uint32_t magic = be32(header);
  int type = (magic >> 8) & 0xff, ndim = magic & 0xff;
  if ((magic >> 16) != 0 || type != 0x08 || ndim < 1 || ndim > 3) {
    inflateEnd(&zs);
    idx_error(path, "bad magic number (expected unsigned byte data with 1 to 3 dimensions)");
  }
  want = 4 + 4 * static_cast<size_t>(ndim);
  rc = inflate_into(header + 4, want - 4);
  if (zs.avail_out != 0) {
    inflateEnd(&zs);
    idx_error(path, "truncated header");
  }
  Shape shape;
  std::vector<uint64_t> dims;
  for (int i = 0; i < ndim; ++i) {
    uint32_t d = be32(header + 4 + 4 * i);
    if (d == 0 || d > (1u << 28)) {
      inflateEnd(&zs);
      idx_error(path, "implausible dimension " + std::to_string(d));
    }
    dims.push_back(d);
    shape.push_back(static_cast<int>(d));
  }
  uint64_t count = 0;
  try {
    count = checked_size(dims, "read_idx_gz");
  } catch (...) {
    inflateEnd(&zs);
    throw;
  }
  if (count > (uint64_t{1} << 31)) {
    inflateEnd(&zs);
    idx_error(path, "data of " + std::to_string(count) + " bytes is too large");
  }
  // The data grows as it really arrives (a 31-byte file claiming 2 GiB must
  // not get 2 GiB first), then moves into the array.
  std::vector<unsigned char> bytes;
  have = 0;
  while (have < count) {
    size_t chunk =
        std::min<uint64_t>(count - have, std::max<size_t>(bytes.size(), size_t{1} << 20));
    bytes.resize(have + chunk);
    rc = inflate_into(bytes.data() + have, chunk);
    have += chunk - zs.avail_out;
    if (rc != Z_OK) break;
  }
  if (have != count) {
    inflateEnd(&zs);
    idx_error(path, "truncated: expected " + std::to_string(count) + " data bytes, found " +
                        std::to_string(have));
  }
  array out(allocator::malloc(std::max<uint64_t>(count, 1)), shape, uint8);
  if (count) std::memcpy(out.data<unsigned char>(), bytes.data(), count);
  // Nothing may follow the data.
  unsigned char extra;
  if (rc != Z_STREAM_END) {
    rc = inflate_into(&extra, 1);
    if (zs.avail_out == 0 || rc != Z_STREAM_END) {
      inflateEnd(&zs);
      idx_error(path, "oversized: more data than its dimensions describe");
    }
  }
  inflateEnd(&zs);
  return out;
}

DatasetSpec mnist_spec() {
  return {"mnist",
          {"https://storage.googleapis.com/cvdf-datasets/mnist/",
           "https://ossci-datasets.s3.amazonaws.com/mnist/"},
          {{"train-images-idx3-ubyte.gz",
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"},
           {"train-labels-idx1-ubyte.gz",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"},
           {"t10k-images-idx3-ubyte.gz",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"},
           {"t10k-labels-idx1-ubyte.gz",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"}}};
}

DatasetSpec fashion_mnist_spec() {
  return {"fashion_mnist",
          {"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"},
          {{"train-images-idx3-ubyte.gz",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"},
           {"train-labels-idx1-ubyte.gz",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"},
           {"t10k-images-idx3-ubyte.gz",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"},
           {"t10k-labels-idx1-ubyte.gz",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"}}};
}

std::string default_cache_dir(const std::string& name) {
  if (const char* d = std::getenv("LMX_DATA_DIR")) return (fs::path(d) / name).string();
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return (fs::path(x) / "lmx" / name).string();
  const char* home = std::getenv("HOME");
  return (fs::path(home ? home : ".") / ".cache" / "lmx" / name).string();
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

namespace {
size_t append_bytes(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<std::string*>(user);
  if (s->size() + size * n > (size_t{1} << 30)) return 0;  // refuse absurd sizes
  s->append(data, size * n);
  return size * n;
}
}  // namespace

std::string download_file(const std::string& url, const std::string& path,
                          const std::string& sha256) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (!curl) return "libcurl could not start";
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_bytes);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 300L);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return curl_easy_strerror(rc);
  std::string got = sha256_hex(body);
  if (got != sha256) return "checksum mismatch (got SHA-256 " + got + ")";
  write_file_atomic(path, body, "download");
  return "";
}

ImageDataset load_dataset(const DatasetSpec& spec, const std::optional<std::string>& dir,
                          bool download, const std::optional<std::string>& cache_dir) {
  auto has_all = [&](const fs::path& d) {
    for (auto& f : spec.files)
      if (!fs::exists(d / f.name)) return false;
    return true;
  };
  fs::path base;
  if (dir && has_all(*dir)) {
    base = *dir;
  } else {
    base = cache_dir ? fs::path(*cache_dir) : fs::path(default_cache_dir(spec.name));
    if (!has_all(base)) {
      std::string where = dir ? *dir + " or " + base.string() : base.string();
      if (!download) {
        fail_as<std::runtime_error>(spec.name, "The data set files are not in ", where,
                                    ". Copy the four IDX .gz files (", spec.files[0].name,
                                    ", ...) there.");
      }
      std::error_code ec;
      fs::create_directories(base, ec);
      for (auto& f : spec.files) {
        if (fs::exists(base / f.name)) continue;
        std::string errors;
        bool ok = false;
        for (auto& mirror : spec.mirrors) {
          auto err = download_file(mirror + f.name, (base / f.name).string(), f.sha256);
          if (err.empty()) {
            ok = true;
            break;
          }
          errors += "\n  " + mirror + f.name + ": " + err;
        }
        if (!ok) {
          fail_as<std::runtime_error>(
              spec.name, "Could not download ", f.name, ":", errors,
              "\nIf this machine is offline, copy the four IDX .gz files into ", base.string(),
              " (or pass their directory).");
        }
      }
    }
  }
  auto images = [&](const std::string& name) {
    auto raw = read_idx_gz((base / name).string());
    if (raw.ndim() != 3) fail_as<std::runtime_error>(spec.name, name, " does not hold images.");
    return divide(astype(reshape(raw, {raw.shape(0), raw.shape(1) * raw.shape(2)}), float32),
                  array(255.0f));
  };
  auto labels = [&](const std::string& name) {
    auto raw = read_idx_gz((base / name).string());
    if (raw.ndim() != 1) fail_as<std::runtime_error>(spec.name, name, " does not hold labels.");
    if (max(raw).item<uint8_t>() > 9)
      fail_as<std::runtime_error>(spec.name, name, " has labels above 9.");
    return astype(raw, uint32);
  };
  ImageDataset d{images(spec.files[0].name), labels(spec.files[1].name), images(spec.files[2].name),
                 labels(spec.files[3].name)};
  if (d.train_images.shape(0) != d.train_labels.shape(0) ||
      d.test_images.shape(0) != d.test_labels.shape(0)) {
    fail_as<std::runtime_error>(spec.name, "Image and label counts differ.");
  }
  eval(d.train_images, d.train_labels, d.test_images, d.test_labels);
  return d;
}

ImageDataset mnist(const std::optional<std::string>& dir, bool download) {
  return load_dataset(mnist_spec(), dir, download);
}
ImageDataset fashion_mnist(const std::optional<std::string>& dir, bool download) {
  return load_dataset(fashion_mnist_spec(), dir, download);
}

BatchIterate::BatchIterate(int batch_size, array x, array y, bool prefetch)
    : batch_size_(batch_size),
      x_(std::move(x)),
      y_(std::move(y)),
      perm_(array(0)),
      prefetch_(prefetch) {
  if (batch_size <= 0) fail("batch_iterate", "Batch size must be positive.");
  if (x_.ndim() == 0 || y_.ndim() == 0 || x_.shape(0) != y_.shape(0)) {
    fail("batch_iterate", "X and y must have the same first dimension.");
  }
  perm_ = random::permutation(x_.shape(0));
  perm_.eval();
}

std::pair<array, array> BatchIterate::batch(int start) const {
  int n = x_.shape(0);
  auto ids = slice(perm_, {start}, {std::min(start + batch_size_, n)});
  return {take(x_, ids, 0), take(y_, ids, 0)};
}

std::pair<array, array> BatchIterate::Iterator::operator*() const {
  auto current =
      owner->next_ && owner->next_->first == start ? owner->next_->second : owner->batch(start);
  owner->next_.reset();
  int following = start + owner->batch_size_;
  if (owner->prefetch_ && following < owner->x_.shape(0)) {
    auto next = owner->batch(following);
    async_eval({next.first, next.second});
    owner->next_.emplace(following, std::move(next));
  }
  return current;
}

}  // namespace lmx::io
