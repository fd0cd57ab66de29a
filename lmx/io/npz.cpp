// .npz files: zip archives of .npy members, stored or deflated (zlib). The
// reader follows the central directory (including zip64 extra fields, which
// NumPy always writes) and checks every offset, size and CRC.
#include <zlib.h>

#include <cstring>

#include "lmx/core/error.h"
#include "lmx/io/file_io.h"
#include "lmx/io/load_save.h"

namespace lmx {

namespace io {

namespace {

[[noreturn]] void bad(const std::string& file, const std::string& why) {
  fail_as<std::runtime_error>("load_npz", "Invalid .npz file ", file, ": ", why);
}

uint32_t rd32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}
uint16_t rd16(const std::string& b, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) |
                               (static_cast<unsigned char>(b[at + 1]) << 8));
}
uint64_t rd64(const std::string& b, size_t at) {
  return static_cast<uint64_t>(rd32(b, at)) | (static_cast<uint64_t>(rd32(b, at + 4)) << 32);
}
void wr16(std::string& b, uint16_t v) {
  b.push_back(static_cast<char>(v & 0xff));
  b.push_back(static_cast<char>(v >> 8));
}
void wr32(std::string& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Inflates a raw deflate stream that should produce exactly `expected`
// bytes. The header's claim is not trusted: deflate expands at most about
// 1032:1, so a larger claim is refused before anything is allocated, and the
// output grows only as data really arrives.
std::string inflate_raw(const std::string& in, size_t expected, const std::string& file) {
  constexpr uint64_t kMaxRatio = 1032;
  if (expected > (static_cast<uint64_t>(in.size()) + 1) * kMaxRatio) {
    bad(file, "an entry claims " + std::to_string(expected) + " bytes from " +
                  std::to_string(in.size()) + " compressed bytes, more than deflate can produce");
  }
  constexpr size_t kChunk = size_t{1} << 30;  // zlib counts in 32-bit units
  // One byte past the claim, so a stream that produces more is caught.
  size_t capacity = expected + 1;
  std::string out(std::min<size_t>(capacity, size_t{1} << 20), '\0');
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) bad(file, "zlib initialisation failed");
  size_t in_pos = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && in_pos < in.size()) {
      size_t n = std::min(in.size() - in_pos, kChunk);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
      zs.avail_in = static_cast<uInt>(n);
      in_pos += n;
    }
    size_t produced = zs.total_out;
    if (produced == out.size()) {
      if (out.size() == capacity) break;  // more data than claimed
      out.resize(std::min(capacity, out.size() * 2));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(std::min(out.size() - produced, kChunk));
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_pos == in.size()) break;  // truncated
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;         // corrupt
  }
  size_t produced = zs.total_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || produced != expected) bad(file, "corrupt deflate stream");
  out.resize(produced);
  return out;
}

std::string deflate_raw(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, array>> load_npz_ordered(const std::string& file) {
  std::string b = read_file(file, "load_npz");
  // End of central directory: the last "PK\5\6" within the final 64 KiB.
  if (b.size() < 22) bad(file, "too small to be a zip archive");
  size_t eocd = std::string::npos;
  size_t lowest = b.size() > 65557 ? b.size() - 65557 : 0;
  for (size_t i = b.size() - 22 + 1; i-- > lowest;) {
    if (rd32(b, i) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) bad(file, "no end of central directory record");
  uint64_t entries = rd16(b, eocd + 10);
  uint64_t cd_size = rd32(b, eocd + 12);
  uint64_t cd_offset = rd32(b, eocd + 16);
  if (cd_offset == 0xffffffffu || entries == 0xffff) {
    // Zip64 end of central directory locator just before the EOCD.
    if (eocd < 20 || rd32(b, eocd - 20) != 0x07064b50) bad(file, "missing zip64 locator");
    uint64_t z64 = rd64(b, eocd - 20 + 8);
    // Offsets come from the file: compared by subtraction, they cannot wrap.
    if (z64 > b.size() || b.size() - z64 < 56 || rd32(b, z64) != 0x06064b50)
      bad(file, "bad zip64 record");
    entries = rd64(b, z64 + 32);
    cd_size = rd64(b, z64 + 40);
    cd_offset = rd64(b, z64 + 48);
  }
  if (cd_offset > b.size() || cd_size > b.size() - cd_offset)
    bad(file, "central directory out of range");
  std::vector<std::pair<std::string, array>> out;
  size_t p = cd_offset;
  for (uint64_t e = 0; e < entries; ++e) {
    if (p + 46 > b.size() || rd32(b, p) != 0x02014b50) bad(file, "bad central directory entry");
    uint16_t method = rd16(b, p + 10);
    uint32_t crc = rd32(b, p + 16);
    uint64_t csize = rd32(b, p + 20), usize = rd32(b, p + 24);
    uint16_t name_len = rd16(b, p + 28), extra_len = rd16(b, p + 30), comment_len = rd16(b, p + 32);
    uint64_t local = rd32(b, p + 42);
    if (p + 46 + name_len + extra_len + comment_len > b.size())
      bad(file, "entry runs past the end");
    std::string name = b.substr(p + 46, name_len);
    // Zip64 extra field: the 0xffffffff fields follow in order.
    size_t x = p + 46 + name_len, xend = x + extra_len;
    while (x + 4 <= xend) {
      uint16_t id = rd16(b, x), len = rd16(b, x + 2);
      if (x + 4 + len > xend) bad(file, "bad extra field");
      if (id == 0x0001) {
        size_t f = x + 4;
        auto take = [&](uint64_t& v) {
          if (v == 0xffffffffu) {
            if (f + 8 > x + 4 + len) bad(file, "short zip64 field");
            v = rd64(b, f);
            f += 8;
          }
        };
        take(usize);
        take(csize);
        take(local);
      }
      x += 4 + len;
    }
    p += 46 + name_len + extra_len + comment_len;
    if (local > b.size() || b.size() - local < 30 || rd32(b, local) != 0x04034b50)
      bad(file, "bad local header for " + name);
    uint64_t data = local + 30 + rd16(b, local + 26) + rd16(b, local + 28);
    if (data > b.size() || csize > b.size() - data) bad(file, "data of " + name + " out of range");
    std::string raw = b.substr(data, csize);
    std::string content;
    if (method == 0) {
      if (csize != usize) bad(file, "stored entry " + name + " has mismatched sizes");
      content = std::move(raw);
    } else if (method == 8) {
      content = inflate_raw(raw, usize, file);
    } else {
      bad(file, "entry " + name + " uses unsupported compression method " + std::to_string(method));
    }
    uint32_t actual = static_cast<uint32_t>(crc32(
        0L, reinterpret_cast<const Bytef*>(content.data()), static_cast<uInt>(content.size())));
    if (actual != crc) bad(file, "CRC mismatch for " + name);
    if (ends_with(name, ".npy")) name = name.substr(0, name.size() - 4);
    out.emplace_back(name, npy_from_bytes(content, file + ":" + name));
  }
  return out;
}

void save_npz_ordered(const std::string& file,
                      const std::vector<std::pair<std::string, array>>& arrays, bool compressed) {
  std::string body, central;
  uint16_t count = 0;
  for (auto& [key, a] : arrays) {
    std::string name = key + ".npy";
    std::string content = npy_bytes(a, compressed ? "savez_compressed" : "savez");
    std::string data = compressed ? deflate_raw(content) : content;
    if (body.size() > 0xffffffffu || content.size() > 0xffffffffu) {
      fail("savez", "Arrays over 4 GiB are not supported in .npz.");
    }
    uint32_t crc = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(content.data()),
                                               static_cast<uInt>(content.size())));
    uint16_t method = compressed ? 8 : 0;
    uint32_t offset = static_cast<uint32_t>(body.size());
    auto common = [&](std::string& h) {
      wr16(h, 20);  // version needed
      wr16(h, 0);   // flags
      wr16(h, method);
      wr16(h, 0);     // time
      wr16(h, 0x21);  // date: 1980-01-01
      wr32(h, crc);
      wr32(h, static_cast<uint32_t>(data.size()));
      wr32(h, static_cast<uint32_t>(content.size()));
      wr16(h, static_cast<uint16_t>(name.size()));
      wr16(h, 0);  // extra length
    };
    wr32(body, 0x04034b50);
    common(body);
    body += name;
    body += data;
    wr32(central, 0x02014b50);
    wr16(central, 20);  // version made by
    common(central);
    wr16(central, 0);  // comment length
    wr16(central, 0);  // disk
    wr16(central, 0);  // internal attributes
    wr32(central, 0);  // external attributes
    wr32(central, offset);
    central += name;
    ++count;
  }
  std::string out = body + central;
  wr32(out, 0x06054b50);
  wr16(out, 0);
  wr16(out, 0);
  wr16(out, count);
  wr16(out, count);
  wr32(out, static_cast<uint32_t>(central.size()));
  wr32(out, static_cast<uint32_t>(body.size()));
  wr16(out, 0);
  write_file_atomic(file, out, compressed ? "savez_compressed" : "savez");
}

}  // namespace io

std::unordered_map<std::string, array> load_npz(const std::string& file, StreamOrDevice) {
  std::unordered_map<std::string, array> out;
  for (auto& [k, v] : io::load_npz_ordered(file)) out.insert_or_assign(k, v);
  return out;
}

namespace {
std::vector<std::pair<std::string, array>> sorted_items(
    const std::unordered_map<std::string, array>& arrays) {
  std::vector<std::pair<std::string, array>> items(arrays.begin(), arrays.end());
  std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.first < b.first; });
  return items;
}
}  // namespace

void savez(std::string file, const std::unordered_map<std::string, array>& arrays) {
  if (!io::ends_with(file, ".npz")) file += ".npz";
  io::save_npz_ordered(file, sorted_items(arrays), false);
}

void savez_compressed(std::string file, const std::unordered_map<std::string, array>& arrays) {
  if (!io::ends_with(file, ".npz")) file += ".npz";
  io::save_npz_ordered(file, sorted_items(arrays), true);
}

}  // namespace lmx
