#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

#include "../test_utils.h"

using namespace lmx;
using namespace lmx::test;
namespace fs = std::filesystem;

namespace {

fs::path tmpdir() {
  auto d = fs::temp_directory_path() / "lmx_io_tests";
  fs::create_directories(d);
  return d;
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

bool have_numpy() {
  return std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") == 0;
}

// ctest runs tests as concurrent processes sharing tmpdir(): each process
// writes its own script, or one test could run another's.
int python(const std::string& code) {
  auto script = tmpdir() / ("script_" + std::to_string(getpid()) + ".py");
  write_bytes(script, code);
  return std::system(("/usr/bin/python3 " + script.string()).c_str());
}

}  // namespace

TEST(Npy, RoundTripEveryDtype) {
  for (Dtype t : {bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64, float16, float32,
                  float64, complex64}) {
    auto a = astype(reshape(arange(6), {2, 3}), t);
    auto path = (tmpdir() / "a.npy").string();
    save(path, a);
    auto b = load(path);
    EXPECT_EQ(b.dtype(), t);
    EXPECT_EQ(b.shape(), (Shape{2, 3}));
    EXPECT_TRUE(array_equal(a, b).item<bool>()) << t;
  }
  save((tmpdir() / "scalar.npy").string(), array(3.5f));
  EXPECT_EQ(load((tmpdir() / "scalar.npy").string()).item<float>(), 3.5f);
  save((tmpdir() / "view").string(), transpose(reshape(arange(6), {2, 3})));  // adds .npy
  EXPECT_EQ(to_vector<int>(load((tmpdir() / "view.npy").string())),
            (std::vector<int>{0, 3, 1, 4, 2, 5}));
  EXPECT_THROW_MSG(save((tmpdir() / "bf.npy").string(), ones({2}, bfloat16)), std::invalid_argument,
                   "[save] bfloat16 has no .npy dtype");
}

TEST(Npy, RejectsBadFiles) {
  auto good = (tmpdir() / "good.npy");
  save(good.string(), arange(10));
  auto bytes = read_bytes(good);
  write_bytes(tmpdir() / "trunc.npy", bytes.substr(0, bytes.size() - 4));
  EXPECT_THROW_MSG(load((tmpdir() / "trunc.npy").string()), std::runtime_error,
                   "expected 40 bytes of data");
  write_bytes(tmpdir() / "magic.npy", "NOTNUMPY" + bytes.substr(8));
  EXPECT_THROW_MSG(load((tmpdir() / "magic.npy").string()), std::runtime_error,
                   "missing the NUMPY magic");
  auto hostile = bytes;
  hostile[8] = '\xff';  // header length past the end
  hostile[9] = '\x7f';
  write_bytes(tmpdir() / "hostile.npy", hostile);
  EXPECT_THROW_MSG(load((tmpdir() / "hostile.npy").string()), std::runtime_error,
                   "header runs past the end");
  auto big = bytes;
  auto pos = big.find("(10,)");
  big.replace(pos, 5, "(99999999999,)");
  write_bytes(tmpdir() / "big.npy", big);
  EXPECT_THROW(load((tmpdir() / "big.npy").string()), std::runtime_error);
  EXPECT_THROW_MSG(load((tmpdir() / "missing.npy").string()), std::runtime_error,
                   "[load] Could not open file");
}

TEST(Npz, RoundTripStoredAndCompressed) {
  std::unordered_map<std::string, array> arrays{{"w", random::normal({3, 4})}, {"b", arange(5)}};
  savez((tmpdir() / "s.npz").string(), arrays);
  savez_compressed((tmpdir() / "c.npz").string(), arrays);
  for (auto name : {"s.npz", "c.npz"}) {
    auto loaded = load_npz((tmpdir() / name).string());
    ASSERT_EQ(loaded.size(), 2u);
    EXPECT_TRUE(array_equal(loaded.at("w"), arrays.at("w")).item<bool>());
    EXPECT_TRUE(array_equal(loaded.at("b"), arrays.at("b")).item<bool>());
  }
  auto bytes = read_bytes(tmpdir() / "c.npz");
  write_bytes(tmpdir() / "t.npz", bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW_MSG(load_npz((tmpdir() / "t.npz").string()), std::runtime_error,
                   "[load_npz] Invalid .npz file");
  auto corrupt = read_bytes(tmpdir() / "s.npz");
  corrupt[100] ^= 0x55;  // inside the first member's data
  write_bytes(tmpdir() / "x.npz", corrupt);
  EXPECT_THROW(load_npz((tmpdir() / "x.npz").string()), std::runtime_error);
}

TEST(Safetensors, RoundTripWithMetadata) {
  std::unordered_map<std::string, array> arrays{{"a", astype(arange(6), bfloat16)},
                                                {"b", ones({2, 2}, float16)},
                                                {"c", array({true, false})}};
  save_safetensors((tmpdir() / "m.safetensors").string(), arrays, {{"format", "mlx"}});
  auto [loaded, meta] = load_safetensors((tmpdir() / "m.safetensors").string());
  EXPECT_EQ(meta.at("format"), "mlx");
  for (auto& [k, v] : arrays) {
    EXPECT_EQ(loaded.at(k).dtype(), v.dtype());
    EXPECT_TRUE(array_equal(loaded.at(k), v).item<bool>()) << k;
  }
  // Header alignment: data starts on an 8-byte boundary.
  auto bytes = read_bytes(tmpdir() / "m.safetensors");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u);
}

TEST(Safetensors, RejectsBadFiles) {
  auto write_st = [&](const std::string& header, const std::string& data) {
    std::string out(8, '\0');
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    write_bytes(tmpdir() / "bad.safetensors", out + header + data);
    return (tmpdir() / "bad.safetensors").string();
  };
  EXPECT_THROW_MSG(load_safetensors(write_st("{not json", "")), std::runtime_error,
                   "header is not valid JSON");
  EXPECT_THROW_MSG(load_safetensors(write_st(
                       R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "1234")),
                   std::runtime_error, "outside the 4 data bytes");
  EXPECT_THROW_MSG(load_safetensors(write_st(
                       R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678")),
                   std::runtime_error, "has 8 bytes but its shape and dtype need 12");
  EXPECT_THROW_MSG(
      load_safetensors(write_st(R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}})", "1")),
      std::runtime_error, "unsupported dtype Q4");
  std::string huge(8, '\xff');
  write_bytes(tmpdir() / "huge.safetensors", huge);
  EXPECT_THROW_MSG(load_safetensors((tmpdir() / "huge.safetensors").string()), std::runtime_error,
                   "exceeds the file size");
}

TEST(Files, WritesAreAtomic) {
  auto dir = tmpdir() / "atomic";
  fs::remove_all(dir);
  fs::create_directories(dir);
  save((dir / "x.npy").string(), arange(4));
  save((dir / "x.npy").string(), arange(8));
  int count = 0;
  for (auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++count;
  }
  EXPECT_EQ(count, 1);  // no temporary files left behind
  EXPECT_EQ(load((dir / "x.npy").string()).size(), 8u);
  EXPECT_THROW_MSG(save((dir / "no_such_dir" / "x.npy").string(), arange(2)), std::runtime_error,
                   "[save] Could not create a file");
}

TEST(Interop, NumpyReadsAndWritesOurFiles) {
  if (!have_numpy()) GTEST_SKIP() << "python3-numpy is not installed";
  auto d = tmpdir();
  save((d / "ours.npy").string(), reshape(astype(arange(6), float32), {2, 3}));
  savez_compressed((d / "ours.npz").string(), {{"x", astype(arange(4), int64)}});
  std::string code =
      "import numpy as np\n"
      "a = np.load('" +
      (d / "ours.npy").string() +
      "')\n"
      "assert a.shape == (2, 3) and a.dtype == np.float32 and a[1, 2] == 5\n"
      "z = np.load('" +
      (d / "ours.npz").string() +
      "')\n"
      "assert list(z['x']) == [0, 1, 2, 3]\n"
      "np.save('" +
      (d / "theirs.npy").string() +
      "', np.arange(12, dtype=np.float64).reshape(3, 4))\n"
      "np.save('" +
      (d / "fortran.npy").string() +
      "', np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)))\n"
      "np.savez('" +
      (d / "theirs.npz").string() +
      "', w=np.ones((2, 2), np.float32), b=np.array([1, 2], np.int16))\n"
      "np.savez_compressed('" +
      (d / "theirs_c.npz").string() + "', w=np.eye(3, dtype=np.float16))\n";
  ASSERT_EQ(python(code), 0);
  auto t = load((d / "theirs.npy").string());
  EXPECT_EQ(t.dtype(), float64);
  EXPECT_EQ(t.shape(), (Shape{3, 4}));
  EXPECT_EQ(to_vector<int>(load((d / "fortran.npy").string())),
            (std::vector<int>{0, 1, 2, 3, 4, 5}));
  auto z = load_npz((d / "theirs.npz").string());
  EXPECT_EQ(z.at("b").dtype(), int16);
  EXPECT_EQ(sum(z.at("w")).item<float>(), 4.0f);
  auto zc = load_npz((d / "theirs_c.npz").string());
  EXPECT_TRUE(array_equal(zc.at("w"), eye(3, float16)).item<bool>());
}

TEST(Interop, SafetensorsLayoutReadByAnIndependentParser) {
  if (!have_numpy()) GTEST_SKIP() << "python3-numpy is not installed";
  auto d = tmpdir();
  save_safetensors(
      (d / "ours.safetensors").string(),
      {{"w", reshape(astype(arange(6), float32), {2, 3})}, {"b", array({7, 8}, int64)}},
      {{"k", "v"}});
  // Parses the file by the format's specification, with json and numpy only.
  std::string code =
      "import json, struct, numpy as np\n"
      "b = open('" +
      (d / "ours.safetensors").string() +
      "', 'rb').read()\n"
      "n = struct.unpack('<Q', b[:8])[0]\n"
      "h = json.loads(b[8:8 + n])\n"
      "assert h['__metadata__'] == {'k': 'v'}\n"
      "data = b[8 + n:]\n"
      "w = h['w']; s, e = w['data_offsets']\n"
      "assert w['dtype'] == 'F32' and w['shape'] == [2, 3]\n"
      "assert np.frombuffer(data[s:e], np.float32).reshape(2, 3)[1, 2] == 5\n"
      "x = h['b']; s, e = x['data_offsets']\n"
      "assert x['dtype'] == 'I64' and list(np.frombuffer(data[s:e], np.int64)) == [7, 8]\n";
  EXPECT_EQ(python(code), 0);
}

namespace {
uint32_t le32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}
void put_le32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
}  // namespace

TEST(HostileFiles, ClaimedSizesNeverWrapOrAllocate) {
  // .npy: a shape of 2^70 elements over no data.
  auto good = (tmpdir() / "good.npy");
  save(good.string(), arange(10));
  auto npy = read_bytes(good);
  auto at = npy.find("(10,)");
  npy.replace(at, 5, "(1048576, 1048576, 1073741824)");
  write_bytes(tmpdir() / "wrap.npy", npy);
  EXPECT_THROW_MSG(load((tmpdir() / "wrap.npy").string()), std::overflow_error,
                   "[load] Shape (1048576,1048576,1073741824) has too many elements.");
  auto empty_shape = read_bytes(good);
  empty_shape.replace(empty_shape.find("(10,)"), 5, "     ");
  write_bytes(tmpdir() / "noshape.npy", empty_shape);
  EXPECT_THROW_MSG(load((tmpdir() / "noshape.npy").string()), std::runtime_error, "bad shape");

  // .safetensors: the same shape.
  std::string header =
      R"({"a":{"dtype":"F32","shape":[1048576,1048576,1073741824],"data_offsets":[0,0]}})";
  std::string st(8, '\0');
  for (int i = 0; i < 8; ++i) st[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  write_bytes(tmpdir() / "wrap.safetensors", st + header);
  EXPECT_THROW_MSG(load_safetensors((tmpdir() / "wrap.safetensors").string()), std::overflow_error,
                   "has too many elements");

  // .npz: a compressed entry claiming 3 GB from a few bytes is refused at
  // once, without inflating (or allocating) anything.
  savez_compressed((tmpdir() / "c.npz").string(), {{"x", zeros({4})}});
  auto npz = read_bytes(tmpdir() / "c.npz");
  size_t cd = npz.find(std::string("PK\x01\x02", 4));
  ASSERT_NE(cd, std::string::npos);
  put_le32(npz, cd + 24, 3000000000u);  // uncompressed size
  write_bytes(tmpdir() / "bomb.npz", npz);
  EXPECT_THROW_MSG(load_npz((tmpdir() / "bomb.npz").string()), std::runtime_error,
                   "more than deflate can produce");
  // A local header offset near 2^32 (and zip64 offsets near 2^64) must not wrap.
  auto far = read_bytes(tmpdir() / "c.npz");
  put_le32(far, cd + 42, 0xfffffff0u);
  write_bytes(tmpdir() / "far.npz", far);
  EXPECT_THROW_MSG(load_npz((tmpdir() / "far.npz").string()), std::runtime_error,
                   "bad local header");
  EXPECT_EQ(le32(far, cd + 42), 0xfffffff0u);
}

TEST(Files, AKilledWritersTemporaryIsRemovedByTheNextWrite) {
  auto dir = tmpdir() / "stale";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // The process id of a writer that is gone: a child that has exited.
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  auto stale = dir / ("w.npy.lmx-tmp." + std::to_string(child) + ".0");
  auto live = dir / ("w.npy.lmx-tmp." + std::to_string(getpid()) + ".999");
  write_bytes(stale, std::string(1000, 'x'));
  write_bytes(live, "being written by this process");
  save((dir / "w.npy").string(), arange(3));
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));  // a writer still running keeps its file
  EXPECT_EQ(load((dir / "w.npy").string()).size(), 3u);
  fs::remove_all(dir);
}

TEST(Files, SaveWeightsErrorsNameSaveWeights) {
  nn::Linear m(2, 2);
  for (auto ext : {".safetensors", ".npz"}) {
    auto path = (tmpdir() / "no_such_dir" / (std::string("w") + ext)).string();
    EXPECT_THROW_MSG(m.save_weights(path), std::runtime_error,
                     "[save_weights] Could not create a file next to");
  }
}

// GGUF: the gguf package's file (tests/reference/make_gguf_refs.py), a round
// trip through save_gguf, and a truncated copy.
TEST(Gguf, ReadsThePackagesFileAndRoundTrips) {
  auto ref = std::string(LMX_SOURCE_DIR) + "/tests/reference/small.gguf";
  auto [arrays, meta] = load_gguf(ref);
  EXPECT_EQ(std::get<std::string>(meta.at("general.architecture")), "llama");
  EXPECT_EQ(std::get<array>(meta.at("answer")).item<uint32_t>(), 42u);
  EXPECT_EQ(std::get<std::vector<std::string>>(meta.at("names")),
            (std::vector<std::string>{"a", "bc"}));
  EXPECT_EQ(arrays.at("f32").shape(), (Shape{2, 3}));
  EXPECT_EQ(arrays.at("f64").dtype(), float64);
  EXPECT_EQ(to_vector<int>(arrays.at("i32")), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arrays.at("q_q4_0").shape(), (Shape{3, 8}));
  EXPECT_EQ(arrays.at("q_q8_0").shape(), (Shape{3, 16}));
  EXPECT_EQ(arrays.at("q_q4_1.biases").dtype(), float16);

  auto path = (tmpdir() / "rt").string();
  save_gguf(path, {{"w", reshape(arange(6, float32), {3, 2})}, {"h", ones({2}, float16)}},
            {{"s", std::string("x")}, {"n", array(3)}});
  auto [back, m] = load_gguf(path + ".gguf");
  EXPECT_TRUE(all_close(back.at("w"), reshape(arange(6, float32), {3, 2})));
  EXPECT_EQ(back.at("h").dtype(), float16);
  EXPECT_EQ(std::get<std::string>(m.at("s")), "x");
  EXPECT_EQ(std::get<array>(m.at("n")).item<int>(), 3);

  auto bytes = read_bytes(ref);
  write_bytes(tmpdir() / "trunc.gguf", bytes.substr(0, bytes.size() - 100));
  EXPECT_THROW_MSG(load_gguf((tmpdir() / "trunc.gguf").string()), std::runtime_error,
                   "lies outside the");
  EXPECT_THROW_MSG(save_gguf(path, {{"b", array({true})}}), std::invalid_argument,
                   "[save_gguf] Array 'b' has dtype bool");
}
