// GGUF (version 2 and 3): a little-endian header (magic, version, tensor
// and metadata counts), typed key-value metadata, tensor infos (name,
// dimensions fastest first, ggml type, offset), then the tensor data at the
// next multiple of general.alignment. Every count, length, dimension and
// offset is checked against the bytes present before anything is allocated.
// Q4_0, Q4_1 and Q8_0 tensors become lmx's affine quantized arrays (group
// size 32): `name` (packed uint32), `name.scales` and `name.biases` (float16),
// as MLX loads them.
#include <cstring>
#include <optional>
#include <set>

#include "lmx/core/error.h"
#include "lmx/core/ops.h"
#include "lmx/core/sizes.h"
#include "lmx/io/bytes.h"
#include "lmx/io/file_io.h"
#include "lmx/io/gguf.h"

namespace lmx {

namespace io {

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read little-endian
constexpr uint64_t kDefaultAlignment = 32;
constexpr int kMaxDims = 4;  // GGML_MAX_DIMS

// Metadata value types.
enum ValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

// The numeric metadata types as dtypes (index: ValueType), bool included.
std::optional<Dtype> scalar_dtype(uint32_t t) {
  switch (t) {
    case kU8:
      return uint8;
    case kI8:
      return int8;
    case kU16:
      return uint16;
    case kI16:
      return int16;
    case kU32:
      return uint32;
    case kI32:
      return int32;
    case kF32:
      return float32;
    case kBool:
      return bool_;
    case kU64:
      return uint64;
    case kI64:
      return int64;
    case kF64:
      return float64;
    default:
      return std::nullopt;
  }
}

std::optional<uint32_t> value_type_of(Dtype t) {
  for (uint32_t v : {kU8, kI8, kU16, kI16, kU32, kI32, kF32, kBool, kU64, kI64, kF64})
    if (scalar_dtype(v) == t) return v;
  return std::nullopt;
}

// ggml tensor types lmx reads or writes.
enum TensorType : uint32_t {
  kTF32 = 0,
  kTF16 = 1,
  kTQ4_0 = 2,
  kTQ4_1 = 3,
  kTQ8_0 = 8,
  kTI8 = 24,
  kTI16 = 25,
  kTI32 = 26,
  kTI64 = 27,
  kTF64 = 28,
  kTBF16 = 30,
};

std::optional<Dtype> plain_dtype(uint32_t t) {
  switch (t) {
    case kTF32:
      return float32;
    case kTF16:
      return float16;
    case kTBF16:
      return bfloat16;
    case kTF64:
      return float64;
    case kTI8:
      return int8;
    case kTI16:
      return int16;
    case kTI32:
      return int32;
    case kTI64:
      return int64;
    default:
      return std::nullopt;
  }
}

// A quantized type's block: 32 weights in `bytes` bytes.
struct QuantFormat {
  int bits;
  uint64_t bytes;
};
std::optional<QuantFormat> quant_format(uint32_t t) {
  if (t == kTQ4_0) return QuantFormat{4, 18};
  if (t == kTQ4_1) return QuantFormat{4, 20};
  if (t == kTQ8_0) return QuantFormat{8, 34};
  return std::nullopt;
}

constexpr int kGroup = 32;

using Reader = ByteReader;

GGUFMetaData read_value(Reader& r, uint32_t type, const std::string& key) {
  if (type == kString) return r.read_string("a metadata string");
  if (auto d = scalar_dtype(type)) {
    r.need(d->size, "a metadata value");
    array a(allocator::malloc(d->size), {}, *d);
    std::memcpy(a.data<char>(), r.at(r.position()), d->size);
    r.skip(d->size, "a metadata value");
    return a;
  }
  if (type != kArray) r.bad("metadata '" + key + "' has unknown type " + std::to_string(type));
  const uint32_t elem = r.read<uint32_t>("an array's element type");
  const uint64_t count = r.read<uint64_t>("an array's length");
  if (elem == kString) {
    // Each string takes at least its 8-byte length.
    if (count > r.remaining() / 8) r.bad("metadata '" + key + "' lists more strings than fit");
    std::vector<std::string> out;
    out.reserve(count);
    for (uint64_t i = 0; i < count; ++i) out.push_back(r.read_string("a metadata string"));
    return out;
  }
  auto d = scalar_dtype(elem);
  if (!d) r.bad("metadata '" + key + "' is an array of unsupported type " + std::to_string(elem));
  if (count > r.remaining() / d->size) r.bad("metadata '" + key + "' is longer than the file");
  if (count > INT32_MAX) r.bad("metadata '" + key + "' has too many elements");
  const uint64_t bytes = count * d->size;
  array a(allocator::malloc(std::max<uint64_t>(bytes, 1)), {static_cast<int>(count)}, *d);
  if (bytes) std::memcpy(a.data<char>(), r.at(r.position()), bytes);
  r.skip(bytes, "a metadata array");
  return a;
}

// A quantized tensor's blocks as lmx's packed weights, scales and biases.
void unpack_blocks(const char* src, uint32_t type, const Shape& shape, uint64_t blocks,
                   std::vector<std::pair<std::string, array>>& out, const std::string& name) {
  const QuantFormat f = *quant_format(type);
  Shape wshape = shape, sshape = shape;
  wshape.back() = shape.back() / 32 * f.bits;
  sshape.back() = shape.back() / kGroup;
  array w(allocator::malloc(blocks * f.bits * 4), wshape, uint32);
  array scales(allocator::malloc(blocks * 2), sshape, float16);
  array biases(allocator::malloc(blocks * 2), sshape, float16);
  uint32_t* pw = w.data<uint32_t>();
  float16_t* ps = scales.data<float16_t>();
  float16_t* pb = biases.data<float16_t>();
  for (uint64_t blk = 0; blk < blocks; ++blk) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(src + blk * f.bytes);
    float16_t d, m;
    std::memcpy(&d.bits, p, 2);
    uint8_t q[kGroup];
    if (type == kTQ8_0) {
      // value = d * q with q signed: stored unsigned as q + 128.
      for (int j = 0; j < kGroup; ++j)
        q[j] = static_cast<uint8_t>(static_cast<int8_t>(p[2 + j]) + 128);
      m = float16_t(-128.0f * float(d));
    } else {
      const unsigned char* qs = p + (type == kTQ4_1 ? 4 : 2);
      // Low nibbles hold weights 0-15, high nibbles 16-31.
      for (int j = 0; j < 16; ++j) {
        q[j] = qs[j] & 0xF;
        q[j + 16] = qs[j] >> 4;
      }
      if (type == kTQ4_1) {
        std::memcpy(&m.bits, p + 2, 2);  // value = d * q + m
      } else {
        m = float16_t(-8.0f * float(d));  // value = d * (q - 8)
      }
    }
    ps[blk] = d;
    pb[blk] = m;
    const int per_word = 32 / f.bits;
    for (int word = 0; word < f.bits; ++word) {
      uint32_t v = 0;
      for (int i = 0; i < per_word; ++i)
        v |= static_cast<uint32_t>(q[word * per_word + i]) << (i * f.bits);
      pw[blk * f.bits + word] = v;
    }
  }
  out.emplace_back(name, w);
  out.emplace_back(name + ".scales", scales);
  out.emplace_back(name + ".biases", biases);
}

}  // namespace

std::vector<std::pair<std::string, array>> load_gguf_ordered(
    const std::string& file, std::vector<std::pair<std::string, GGUFMetaData>>* metadata) {
  const std::string bytes = read_file(file, "load_gguf");
  Reader r(bytes, "load_gguf", "Invalid GGUF file " + file);
  if (r.read<uint32_t>("the magic number") != kMagic) r.bad("it does not start with GGUF");
  const uint32_t version = r.read<uint32_t>("the version");
  if (version != 2 && version != 3) r.bad("version " + std::to_string(version) + " is not 2 or 3");
  const uint64_t tensors = r.read<uint64_t>("the tensor count");
  const uint64_t kvs = r.read<uint64_t>("the metadata count");
  // A key-value pair takes at least 12 bytes, a tensor info at least 24.
  if (kvs > r.remaining() / 12) r.bad("the metadata count " + std::to_string(kvs) + " cannot fit");
  uint64_t alignment = kDefaultAlignment;
  std::set<std::string> keys;
  for (uint64_t i = 0; i < kvs; ++i) {
    std::string key = r.read_string("a metadata key");
    if (!keys.insert(key).second) r.bad("metadata key '" + key + "' appears twice");
    const uint32_t type = r.read<uint32_t>("a metadata type");
    GGUFMetaData value = read_value(r, type, key);
    if (key == "general.alignment") {
      if (type != kU32) r.bad("general.alignment is not a uint32");
      uint32_t a = 0;
      std::memcpy(&a, std::get<array>(value).data<char>(), 4);
      if (a == 0 || (a & (a - 1)) != 0)
        r.bad("general.alignment " + std::to_string(a) + " is not a power of two");
      alignment = a;
    }
    if (metadata) metadata->emplace_back(std::move(key), std::move(value));
  }
  if (tensors > r.remaining() / 24) {
    r.bad("the tensor count " + std::to_string(tensors) + " cannot fit");
  }
  struct Info {
    std::string name;
    Shape shape;
    uint32_t type;
    uint64_t offset, bytes, blocks;
  };
  std::vector<Info> infos;
  std::set<std::string> names;
  for (uint64_t i = 0; i < tensors; ++i) {
    Info info;
    info.name = r.read_string("a tensor name");
    if (!names.insert(info.name).second) r.bad("tensor '" + info.name + "' appears twice");
    const uint32_t ndim = r.read<uint32_t>("a tensor's dimension count");
    if (ndim > kMaxDims) {
      r.bad("tensor '" + info.name + "' has " + std::to_string(ndim) + " dimensions (at most 4)");
    }
    std::vector<uint64_t> dims(ndim);
    for (auto& d : dims) {
      d = r.read<uint64_t>("a tensor dimension");
      if (d > INT32_MAX) r.bad("tensor '" + info.name + "' has dimension " + std::to_string(d));
    }
    const uint64_t count = checked_size(dims, "load_gguf");
    for (auto it = dims.rbegin(); it != dims.rend(); ++it) info.shape.push_back(int(*it));
    info.type = r.read<uint32_t>("a tensor type");
    info.offset = r.read<uint64_t>("a tensor offset");
    if (auto d = plain_dtype(info.type)) {
      info.bytes = checked_bytes(count, d->size, "load_gguf");
    } else if (auto q = quant_format(info.type)) {
      if (ndim == 0 || dims[0] % kGroup != 0) {
        r.bad("quantized tensor '" + info.name + "' has rows that are not a multiple of 32");
      }
      info.blocks = count / kGroup;
      info.bytes = checked_bytes(info.blocks, q->bytes, "load_gguf");
    } else {
      r.bad("tensor '" + info.name + "' has ggml type " + std::to_string(info.type) +
            ", which lmx does not read (F32, F16, BF16, F64, I8-I64, Q4_0, Q4_1, Q8_0)");
    }
    infos.push_back(std::move(info));
  }
  const uint64_t data_start = (r.position() + alignment - 1) / alignment * alignment;
  if (data_start > bytes.size() && !infos.empty()) r.bad("the tensor data is missing");
  const uint64_t data_size = data_start > bytes.size() ? 0 : bytes.size() - data_start;
  std::vector<std::pair<std::string, array>> out;
  for (auto& info : infos) {
    if (info.offset > data_size || info.bytes > data_size - info.offset) {
      r.bad("tensor '" + info.name + "' at offset " + std::to_string(info.offset) + " with " +
            std::to_string(info.bytes) + " bytes lies outside the " + std::to_string(data_size) +
            " data bytes");
    }
    const char* src = r.at(data_start + info.offset);
    if (auto d = plain_dtype(info.type)) {
      array a(allocator::malloc(std::max<uint64_t>(info.bytes, 1)), info.shape, *d);
      std::memcpy(a.data<char>(), src, info.bytes);
      out.emplace_back(info.name, a);
    } else {
      unpack_blocks(src, info.type, info.shape, info.blocks, out, info.name);
    }
  }
  return out;
}

namespace {

void put_value(std::string& out, const std::string& key, const GGUFMetaData& value) {
  if (auto* s = std::get_if<std::string>(&value)) {
    put<uint32_t>(out, kString);
    return put_string(out, *s);
  }
  if (auto* list = std::get_if<std::vector<std::string>>(&value)) {
    put<uint32_t>(out, kArray);
    put<uint32_t>(out, kString);
    put<uint64_t>(out, list->size());
    for (auto& s : *list) put_string(out, s);
    return;
  }
  auto* a = std::get_if<array>(&value);
  if (!a) fail("save_gguf", "Metadata '", key, "' has no value.");
  auto type = value_type_of(a->dtype());
  if (!type || a->ndim() > 1) {
    fail("save_gguf", "Metadata '", key, "' must be a scalar or 1-D array of a numeric type, got ",
         a->dtype(), " with shape ", a->shape(), ".");
  }
  auto c = full(a->shape(), *a);
  c.eval();
  if (a->ndim() == 1) {
    put<uint32_t>(out, kArray);
    put<uint32_t>(out, *type);
    put<uint64_t>(out, c.size());
  } else {
    put<uint32_t>(out, *type);
  }
  out.append(c.data<char>(), c.nbytes());
}

uint32_t tensor_type_of(Dtype t, const std::string& name) {
  for (uint32_t v : {kTF32, kTF16, kTBF16, kTF64, kTI8, kTI16, kTI32, kTI64})
    if (plain_dtype(v) == t) return v;
  fail("save_gguf", "Array '", name, "' has dtype ", t,
       ", which GGUF cannot hold (float32, float16, bfloat16, float64, int8-int64).");
}

}  // namespace

void save_gguf_ordered(const std::string& file,
                       const std::vector<std::pair<std::string, array>>& arrays,
                       const std::vector<std::pair<std::string, GGUFMetaData>>& metadata) {
  std::string out;
  put<uint32_t>(out, kMagic);
  put<uint32_t>(out, 3);
  put<uint64_t>(out, arrays.size());
  put<uint64_t>(out, metadata.size());
  for (auto& [key, value] : metadata) {
    if (key == "general.alignment") fail("save_gguf", "general.alignment is written by lmx.");
    put_string(out, key);
    put_value(out, key, value);
  }
  std::string data;
  for (auto& [name, a] : arrays) {
    const uint32_t type = tensor_type_of(a.dtype(), name);
    if (a.ndim() > kMaxDims) {
      fail("save_gguf", "Array '", name, "' has ", a.ndim(), " dimensions; GGUF holds at most 4.");
    }
    auto c = full(a.shape(), a);
    c.eval();
    put_string(out, name);
    put<uint32_t>(out, static_cast<uint32_t>(a.ndim()));
    for (int d = a.ndim() - 1; d >= 0; --d) put<uint64_t>(out, static_cast<uint64_t>(a.shape(d)));
    put<uint32_t>(out, type);
    put<uint64_t>(out, data.size());
    data.append(c.data<char>(), c.nbytes());
    data.append((kDefaultAlignment - data.size() % kDefaultAlignment) % kDefaultAlignment, '\0');
  }
  out.append((kDefaultAlignment - out.size() % kDefaultAlignment) % kDefaultAlignment, '\0');
  out += data;
  write_file_atomic(file, out, "save_gguf");
}

}  // namespace io

GGUFLoad load_gguf(const std::string& file, StreamOrDevice) {
  std::vector<std::pair<std::string, GGUFMetaData>> metadata;
  auto arrays = io::load_gguf_ordered(file, &metadata);
  GGUFLoad out;
  for (auto& [k, v] : arrays) out.first.emplace(k, v);
  for (auto& [k, v] : metadata) out.second.emplace(k, v);
  return out;
}

void save_gguf(std::string file, std::unordered_map<std::string, array> arrays,
               std::unordered_map<std::string, GGUFMetaData> metadata) {
  if (!io::ends_with(file, ".gguf")) file += ".gguf";
  io::save_gguf_ordered(file, {arrays.begin(), arrays.end()}, {metadata.begin(), metadata.end()});
}

}  // namespace lmx
