// ember/io: round trips of every dtype and layout through .npy, .npz and
// .safetensors, hand-written files (big-endian, Fortran order, version 2
// headers, every safetensors dtype), mapped loading, and a table of
// malformed/truncated files that must raise, never crash.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <random>

#include "ember/io/io.h"
#include "test_utils.h"

using namespace ember;

namespace {

const std::vector<Dtype> kAllDtypes = {
    bool_, uint8,   uint16,  uint32,   uint64,   int8,     int16,
    int32, int64,   float16, float32,  float64,  bfloat16, complex64};

std::string tmp_path(const std::string& name) {
  return "/tmp/ember_test_io_" + std::to_string(::getpid()) + "_" + name;
}

// Random bytes as an array of `dtype` (bools are 0/1).
array random_array(Shape shape, Dtype dtype, uint32_t seed) {
  size_t n = shape_size(shape) * size_of(dtype);
  std::vector<uint8_t> bytes(std::max<size_t>(n, 1));
  std::mt19937 gen(seed);
  for (auto& b : bytes) b = uint8_t(gen());
  if (dtype == bool_) {
    for (auto& b : bytes) b &= 1;
  }
  return array(bytes.data(), shape, dtype);
}

// The elements' bytes in logical row-major order, read through the strides.
std::vector<uint8_t> logical_bytes(array a) {
  a.eval();
  size_t isz = a.itemsize();
  std::vector<uint8_t> out(a.size() * isz);
  auto* base = static_cast<const uint8_t*>(a.raw_data());
  for (size_t idx = 0; idx < a.size(); ++idx) {
    int64_t off = 0;
    size_t r = idx;
    for (int i = a.ndim() - 1; i >= 0; --i) {
      off += int64_t(r % a.shape(i)) * a.strides()[i];
      r /= a.shape(i);
    }
    std::memcpy(&out[idx * isz], base + off * int64_t(isz), isz);
  }
  return out;
}

void expect_same(const array& got, const array& want) {
  EXPECT_EQ(got.dtype(), want.dtype());
  EXPECT_EQ(got.shape(), want.shape());
  if (got.shape() == want.shape() && got.dtype() == want.dtype()) {
    EXPECT_EQ(logical_bytes(got), logical_bytes(want));
  }
}

std::vector<uint8_t> to_bytes(const std::function<void(io::Writer&)>& f) {
  std::vector<uint8_t> out;
  auto w = io::callback_writer([&](const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  });
  f(*w);
  w->close();
  return out;
}

LoadResult load_bytes(std::vector<uint8_t> bytes, const std::string& fmt) {
  return load(io::memory_reader(std::move(bytes)), fmt);
}

// Loads and evaluates everything (lazy reads raise here).
LoadResult load_all(std::vector<uint8_t> bytes, const std::string& fmt) {
  auto r = load_bytes(std::move(bytes), fmt);
  for (auto& [k, v] : r.arrays) {
    array x = v;
    x.eval();
  }
  return r;
}

void write_file(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

// A hand-written .npy file: header dict text and raw data bytes.
std::vector<uint8_t> npy_file(const std::string& dict,
                              const std::vector<uint8_t>& data,
                              int version = 1) {
  std::string h = dict;
  size_t prefix = version == 1 ? 10 : 12;
  while ((prefix + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = "\x93NUMPY";
  out += char(version);
  out += char(0);
  uint32_t n = uint32_t(h.size());
  for (size_t k = 0; k < prefix - 8; ++k) out += char((n >> (8 * k)) & 0xff);
  out += h;
  auto v = bytes_of(out);
  v.insert(v.end(), data.begin(), data.end());
  return v;
}

// A hand-written .safetensors file.
std::vector<uint8_t> st_file(const std::string& json,
                             const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out;
  uint64_t n = json.size();
  for (int k = 0; k < 8; ++k) out.push_back(uint8_t(n >> (8 * k)));
  for (char c : json) out.push_back(uint8_t(c));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

template <typename T>
std::vector<uint8_t> raw(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Layouts that each format must save correctly.
std::vector<std::pair<std::string, array>> layouts(Dtype t, uint32_t seed) {
  array m = random_array({4, 6}, t, seed);
  return {
      {"scalar", random_array({}, t, seed + 1)},
      {"empty", random_array({0}, t, seed + 2)},
      {"empty3d", random_array({2, 0, 3}, t, seed + 3)},
      {"vector", random_array({7}, t, seed + 4)},
      {"cube", random_array({2, 3, 4}, t, seed + 5)},
      {"transposed", transpose(m)},
      {"strided", slice(m, {0, 1}, {4, 6}, {1, 2})},
      {"broadcast", broadcast_to(random_array({1, 3}, t, seed + 6), {4, 3})},
      {"permuted", transpose(random_array({2, 3, 4}, t, seed + 7), {1, 0, 2})},
  };
}

}  // namespace

TEST(IO, NpyRoundTripEveryDtypeAndLayout) {
  for (auto t : kAllDtypes) {
    for (auto& [name, a] : layouts(t, 11)) {
      SCOPED_TRACE(std::string(dtype_name(t)) + " " + name);
      auto r = load_all(to_bytes([&](io::Writer& w) { io::save_npy(w, a); }),
                        "npy");
      EXPECT_EQ(r.format, "npy");
      ASSERT_EQ(r.arrays.size(), 1u);
      expect_same(r.arrays[0].second, a);
    }
  }
}

TEST(IO, NpzRoundTripEveryDtypeAndLayout) {
  for (bool compressed : {false, true}) {
    for (auto t : kAllDtypes) {
      NamedArrays arrays = layouts(t, 23);
      SCOPED_TRACE(std::string(dtype_name(t)) + (compressed ? " deflated" : ""));
      auto r = load_all(to_bytes([&](io::Writer& w) {
                          io::save_npz(w, arrays, compressed);
                        }),
                        "npz");
      ASSERT_EQ(r.arrays.size(), arrays.size());
      for (size_t i = 0; i < arrays.size(); ++i) {
        EXPECT_EQ(r.arrays[i].first, arrays[i].first);
        expect_same(r.arrays[i].second, arrays[i].second);
      }
    }
  }
}

TEST(IO, SafetensorsRoundTripEveryDtypeAndLayout) {
  for (auto t : kAllDtypes) {
    if (t == float64) continue;  // not saveable (MLX semantics), see below
    NamedArrays arrays = layouts(t, 37);
    SCOPED_TRACE(dtype_name(t));
    auto r = load_all(to_bytes([&](io::Writer& w) {
                        io::save_safetensors(w, arrays, {{"k", "v"}});
                      }),
                      "safetensors");
    ASSERT_EQ(r.arrays.size(), arrays.size());
    for (size_t i = 0; i < arrays.size(); ++i) {
      EXPECT_EQ(r.arrays[i].first, arrays[i].first);
      expect_same(r.arrays[i].second, arrays[i].second);
    }
  }
}

TEST(IO, SafetensorsMixedDtypesAndMetadata) {
  NamedArrays arrays;
  for (auto t : kAllDtypes) {
    if (t != float64) {
      arrays.emplace_back(std::string("t_") + dtype_name(t),
                          random_array({3, 5}, t, int(t) + 100));
    }
  }
  StringPairs meta = {{"config", "{\"layers\": 2, \"name\": \"x\\u00e9\"}"},
                      {"quote\"key\\", "tab\tnewline\n\x01 ünï"},
                      {"empty", ""}};
  std::string path = tmp_path("mixed.safetensors");
  {
    auto w = io::file_writer(path, "test");
    io::save_safetensors(*w, arrays, meta);
    w->close();
  }
  auto r = load(path);
  ASSERT_EQ(r.arrays.size(), arrays.size());
  for (size_t i = 0; i < arrays.size(); ++i) {
    EXPECT_EQ(r.arrays[i].first, arrays[i].first);
    expect_same(r.arrays[i].second, arrays[i].second);
    // Largest itemsize first keeps every tensor aligned: all are mapped.
    if (arrays[i].second.dtype() != bool_) {
      EXPECT_TRUE(r.arrays[i].second.is_available()) << arrays[i].first;
    }
  }
  EXPECT_EQ(r.metadata, meta);
  auto st = load_safetensors(path);
  EXPECT_EQ(st.second.at("empty"), "");
  EXPECT_EQ(st.first.size(), arrays.size());
  ::unlink(path.c_str());
}

TEST(IO, PathApiAppendsExtensions) {
  array a = random_array({3, 2}, float32, 5);
  std::string base = tmp_path("ext");
  save(base, a);
  expect_same(load_npy(base + ".npy"), a);
  save(base + ".npy", a);  // not doubled
  expect_same(load(base + ".npy").at(""), a);
  savez(base, {{"x", a}});
  expect_same(load_npz(base + ".npz").at("x"), a);
  savez_compressed(base + "c.npz", {{"x", a}});
  expect_same(load(base + "c.npz").at("x"), a);
  save_safetensors(base, {{"x", a}}, {{"m", "1"}});
  auto st = load_safetensors(base + ".safetensors");
  expect_same(st.first.at("x"), a);
  EXPECT_EQ(st.second.at("m"), "1");
  EXPECT_THROW(load(base + ".npz").at("nope"), std::out_of_range);
  for (auto ext : {".npy", ".npz", "c.npz", ".safetensors"}) {
    ::unlink((base + ext).c_str());
  }
}

TEST(IO, FortranOrderSavedAndLoaded) {
  array m = random_array({3, 4}, int32, 9);
  array t = transpose(m);  // column-contiguous view
  auto bytes = to_bytes([&](io::Writer& w) { io::save_npy(w, t); });
  std::string text(bytes.begin(), bytes.begin() + 128);
  EXPECT_NE(text.find("'fortran_order': True"), std::string::npos) << text;
  EXPECT_NE(text.find("'shape': (4, 3)"), std::string::npos) << text;
  auto r = load_all(bytes, "npy");
  expect_same(r.arrays[0].second, t);
  // Hand-written: data 0..5 in column-major order for shape (2, 3).
  auto f = npy_file("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }",
                    raw(std::vector<int16_t>{0, 1, 2, 3, 4, 5}));
  auto a = load_all(f, "npy").arrays[0].second;
  EXPECT_EQ(a.shape(), (Shape{2, 3}));
  expect_values(a, {0, 2, 4, 1, 3, 5});
}

TEST(IO, NpyHandWrittenVariants) {
  // Big-endian integers, floats and complex numbers.
  auto be = [](std::vector<uint8_t> b, int group) {
    for (size_t i = 0; i < b.size(); i += group) {
      std::reverse(b.begin() + i, b.begin() + i + group);
    }
    return b;
  };
  auto a = load_all(npy_file("{'descr': '>i4', 'fortran_order': False, "
                             "'shape': (3,), }",
                             be(raw(std::vector<int32_t>{1, -2, 70000}), 4)),
                    "npy")
               .arrays[0]
               .second;
  EXPECT_EQ(a.dtype(), int32);
  expect_values(a, {1, -2, 70000});
  auto d = load_all(npy_file("{'descr': '>f8', 'fortran_order': False, "
                             "'shape': (2, 1), }",
                             be(raw(std::vector<double>{1.5, -1e300}), 8)),
                    "npy")
               .arrays[0]
               .second;
  EXPECT_EQ(d.dtype(), float64);
  expect_values(d, {1.5, -1e300});
  std::vector<complex64_t> cv = {{1.0f, -2.0f}, {3.5f, 4.25f}};
  auto c = load_all(npy_file("{'descr': '>c8', 'fortran_order': False, "
                             "'shape': (2,), }",
                             be(raw(cv), 4)),
                    "npy")
               .arrays[0]
               .second;
  c.eval();
  EXPECT_EQ(c.data<complex64_t>()[0], cv[0]);
  EXPECT_EQ(c.data<complex64_t>()[1], cv[1]);
  // Big-endian float16 and unsigned 64-bit.
  auto h = load_all(npy_file("{'descr': '>f2', 'fortran_order': False, "
                             "'shape': (2,), }",
                             {0x3C, 0x00, 0xC0, 0x00}),
                    "npy")
               .arrays[0]
               .second;
  expect_values(h, {1.0, -2.0});
  auto u = load_all(npy_file("{'descr': '>u8', 'fortran_order': False, "
                             "'shape': (1,), }",
                             {0, 0, 0, 0, 0, 0, 1, 2}),
                    "npy")
               .arrays[0]
               .second;
  u.eval();
  EXPECT_EQ(u.data<uint64_t>()[0], 258u);
  // Version 2.0 header, double quotes, no trailing comma, extra spaces.
  auto v2 = load_all(npy_file("{ \"shape\" : ( 2 , 2 ) , \"fortran_order\":"
                              "False,\"descr\":\"<u2\"}",
                              raw(std::vector<uint16_t>{1, 2, 3, 65535}), 2),
                     "npy")
                .arrays[0]
                .second;
  expect_values(v2, {1, 2, 3, 65535});
  // Bool bytes other than 0/1 read as True; '|V2' is bfloat16.
  auto b = load_all(npy_file("{'descr': '|b1', 'fortran_order': False, "
                             "'shape': (3,), }",
                             {0, 1, 7}),
                    "npy")
               .arrays[0]
               .second;
  expect_values(b, {0, 1, 1});
  auto bf = load_all(npy_file("{'descr': '|V2', 'fortran_order': False, "
                              "'shape': (), }",
                              {0x80, 0x3F}),
                     "npy")
                .arrays[0]
                .second;
  EXPECT_EQ(bf.dtype(), bfloat16);
  expect_values(bf, {1.0});
}

TEST(IO, SafetensorsHandWritten) {
  // One tensor per dtype, including F64 and the F8 formats (as uint8), laid
  // out with an unaligned float32 (read by copy instead of mapped).
  std::vector<uint8_t> data;
  std::string json = "{";
  auto add = [&](const std::string& name, const std::string& dt,
                 const std::string& shape, const std::vector<uint8_t>& b) {
    if (json.size() > 1) json += ",";
    json += "\"" + name + "\":{\"dtype\":\"" + dt + "\",\"shape\":" + shape +
            ",\"data_offsets\":[" + std::to_string(data.size()) + "," +
            std::to_string(data.size() + b.size()) + "]}";
    data.insert(data.end(), b.begin(), b.end());
  };
  add("u8", "U8", "[1]", {200});
  add("f32_unaligned", "F32", "[2]", raw(std::vector<float>{1.25f, -3.0f}));
  add("bool", "BOOL", "[2]", {1, 0});
  add("i8", "I8", "[1]", {0xFF});
  add("f8", "F8_E4M3", "[2]", {0x38, 0x40});
  add("e8", "F8_E8M0", "[1]", {127});
  add("e5", "F8_E5M2", "[1]", {60});
  add("f64", "F64", "[2,1]", raw(std::vector<double>{0.1, -2.5}));
  add("bf16", "BF16", "[]", {0x80, 0x3F});
  add("f16", "F16", "[1]", {0x00, 0x3C});
  add("i16", "I16", "[1]", raw(std::vector<int16_t>{-300}));
  add("u16", "U16", "[1]", raw(std::vector<uint16_t>{60000}));
  add("i32", "I32", "[1]", raw(std::vector<int32_t>{-70000}));
  add("u32", "U32", "[1]", raw(std::vector<uint32_t>{4000000000u}));
  add("i64", "I64", "[1]", raw(std::vector<int64_t>{-5000000000}));
  add("u64", "U64", "[1]", raw(std::vector<uint64_t>{9000000000u}));
  add("c64", "C64", "[1]", raw(std::vector<complex64_t>{{1.0f, 2.0f}}));
  add("empty", "F32", "[0,3]", {});
  json += ",\"__metadata__\":{\"format\":\"pt\"}}";
  auto r = load_all(st_file(json, data), "safetensors");
  auto get = [&](const char* n) { return r.at(n); };
  EXPECT_EQ(get("u8").dtype(), uint8);
  expect_values(get("u8"), {200});
  expect_values(get("f32_unaligned"), {1.25, -3.0});
  EXPECT_EQ(get("bool").dtype(), bool_);
  expect_values(get("bool"), {1, 0});
  expect_values(get("i8"), {-1});
  EXPECT_EQ(get("f8").dtype(), uint8);
  expect_values(get("f8"), {0x38, 0x40});
  EXPECT_EQ(get("e8").dtype(), uint8);
  EXPECT_EQ(get("e5").dtype(), uint8);
  EXPECT_EQ(get("f64").dtype(), float64);
  EXPECT_EQ(get("f64").shape(), (Shape{2, 1}));
  expect_values(get("f64"), {0.1, -2.5}, 0);
  EXPECT_EQ(get("bf16").dtype(), bfloat16);
  EXPECT_EQ(get("bf16").ndim(), 0);
  expect_values(get("bf16"), {1.0});
  expect_values(get("f16"), {1.0});
  expect_values(get("i16"), {-300});
  expect_values(get("u16"), {60000});
  expect_values(get("i32"), {-70000});
  expect_values(get("u32"), {4000000000.0});
  expect_values(get("i64"), {-5000000000.0});
  expect_values(get("u64"), {9000000000.0});
  array c = get("c64");
  c.eval();
  EXPECT_EQ(c.data<complex64_t>()[0], complex64_t(1.0f, 2.0f));
  EXPECT_EQ(get("empty").shape(), (Shape{0, 3}));
  EXPECT_EQ(r.metadata, (StringPairs{{"format", "pt"}}));
  // JSON escapes in names, whitespace padding, no metadata.
  auto r2 = load_all(st_file("{\"a\\u00e9\\n\\\"\" : {\"shape\": [ ], "
                             "\"dtype\": \"I32\", \"data_offsets\": [0, 4]}}"
                             "     ",
                             raw(std::vector<int32_t>{42})),
                     "safetensors");
  ASSERT_EQ(r2.arrays.size(), 1u);
  EXPECT_EQ(r2.arrays[0].first, "a\xc3\xa9\n\"");
  expect_values(r2.arrays[0].second, {42});
  EXPECT_TRUE(r2.metadata.empty());
}

TEST(IO, SaveErrors) {
  array d = random_array({2}, float64, 1);
  auto w = io::callback_writer([&](const void*, size_t) {});
  EXPECT_THROW(io::save_safetensors(*w, {{"d", d}}), std::invalid_argument);
  array f = random_array({2}, float32, 1);
  EXPECT_THROW(io::save_safetensors(*w, {{"__metadata__", f}}),
               std::invalid_argument);
  EXPECT_THROW(io::save_safetensors(*w, {{"a", f}, {"a", f}}),
               std::invalid_argument);
  EXPECT_THROW(io::save_safetensors(*w, {{"a", f}}, {{"k", "1"}, {"k", "2"}}),
               std::invalid_argument);
  EXPECT_THROW(io::save_npz(*w, {{"a", f}, {"a", f}}, false),
               std::invalid_argument);
  EXPECT_THROW(save("/nonexistent_dir_ember/x.npy", f), std::invalid_argument);
}

TEST(IO, LoadErrors) {
  EXPECT_THROW(load("/nonexistent_dir_ember/x.npy"), std::invalid_argument);
  EXPECT_THROW(load("/tmp"), std::invalid_argument);   // no extension
  EXPECT_THROW(load("/tmp", "npy"), std::invalid_argument);  // a directory
  EXPECT_THROW(load("x.gguf"), std::invalid_argument);
  EXPECT_THROW(load("x.txt"), std::invalid_argument);
  EXPECT_THROW(load(io::memory_reader({}), "npy"), std::invalid_argument);
  try {
    load(io::memory_reader({}), "pickle");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("pickle"), std::string::npos);
  }
}

TEST(IO, MappedLoadDoesNotUseActiveMemory) {
  const int n = 16 << 20;  // 64 MiB of float32
  std::string npy = tmp_path("big.npy"), npz = tmp_path("big.npz"),
              st = tmp_path("big.safetensors");
  {
    std::vector<float> v(n);
    for (int i = 0; i < n; ++i) v[i] = float(i % 1000) - 0.5f;
    array big(v, {n / 1024, 1024}, float32);
    save(npy, big);
    savez(npz, {{"big", big}, {"small", array({1, 2, 3})}});
    save_safetensors(st, {{"big", big}});
  }
  clear_cache();
  for (auto& path : {npy, npz, st}) {
    SCOPED_TRACE(path);
    size_t before = get_active_memory();
    auto r = load(path);
    array a = r.at(r.format == "npy" ? "" : "big");
    EXPECT_TRUE(a.is_available());  // a view of the mapping, no read yet
    EXPECT_LT(get_active_memory() - before, size_t(1) << 20);
    const float* p = a.data<float>();
    EXPECT_EQ(p[0], -0.5f);
    EXPECT_EQ(p[n - 1], float((n - 1) % 1000) - 0.5f);
    EXPECT_EQ(p[123457], float(123457 % 1000) - 0.5f);
    EXPECT_LT(get_active_memory() - before, size_t(1) << 20);
    // Ops on mapped arrays work.
    double expect = 0;
    for (int i = 0; i < n; ++i) expect += double(i % 1000) - 0.5;
    EXPECT_NEAR(sum(a).item<float>(), expect, 1e-3 * expect);
  }
  for (auto& path : {npy, npz, st}) ::unlink(path.c_str());
}

TEST(IO, LazyLoadOfUnalignedAndCompressed) {
  array a = random_array({100, 3}, int32, 3);
  auto r = load_bytes(
      to_bytes([&](io::Writer& w) { io::save_npz(w, {{"a", a}}, true); }),
      "npz");
  array x = r.at("a");
  EXPECT_FALSE(x.is_available());  // read when evaluated
  expect_same(x, a);
  // Big-endian data is swapped on evaluation; bool is normalized.
  auto b = load_bytes(npy_file("{'descr': '>i2', 'fortran_order': False, "
                               "'shape': (1,), }",
                               {0x01, 0x02}),
                      "npy");
  EXPECT_FALSE(b.at("").is_available());
  expect_values(b.at(""), {258});
}

TEST(IO, OverwritingAMappedFileKeepsLoadedArrays) {
  std::string path = tmp_path("overwrite.safetensors");
  array a = random_array({1000}, float32, 1);
  save_safetensors(path, {{"w", a}});
  auto loaded = load_safetensors(path).first.at("w");
  array b = random_array({10}, float32, 2);
  save_safetensors(path, {{"w", b}});
  expect_same(loaded, a);
  expect_same(load_safetensors(path).first.at("w"), b);
  ::unlink(path.c_str());
}

TEST(IO, Zip64Records) {
  NamedArrays arrays = {{"a", random_array({5, 7}, float32, 1)},
                        {"b", random_array({}, int64, 2)},
                        {"c", random_array({0}, uint8, 3)}};
  for (bool compressed : {false, true}) {
    auto bytes = to_bytes(
        [&](io::Writer& w) { io::save_npz(w, arrays, compressed, true); });
    // The zip64 end record and locator are present.
    std::string s(bytes.begin(), bytes.end());
    EXPECT_NE(s.find(std::string("PK\x06\x06", 4)), std::string::npos);
    EXPECT_NE(s.find(std::string("PK\x06\x07", 4)), std::string::npos);
    auto r = load_all(bytes, "npz");
    ASSERT_EQ(r.arrays.size(), 3u);
    for (int i = 0; i < 3; ++i) expect_same(r.arrays[i].second, arrays[i].second);
  }
}

TEST(IO, StoredNpzMembersAreAligned) {
  // Names of different lengths: each member's data still starts 64-aligned,
  // so file loads map every member.
  NamedArrays arrays = {{"a", random_array({3}, float64, 1)},
                        {"longer_name", random_array({5}, complex64, 2)},
                        {"xyz", random_array({2, 2}, int16, 3)}};
  std::string path = tmp_path("aligned.npz");
  savez(path, arrays);
  auto r = load(path);
  for (size_t i = 0; i < arrays.size(); ++i) {
    EXPECT_TRUE(r.arrays[i].second.is_available()) << arrays[i].first;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(r.arrays[i].second.raw_data()) % 64,
              0u);
    expect_same(r.arrays[i].second, arrays[i].second);
  }
  ::unlink(path.c_str());
}

// ---- malformed files ----

namespace {

bool is_ascii(const char* s) {
  for (; *s; ++s) {
    if (uint8_t(*s) >= 0x80) return false;
  }
  return true;
}

void expect_invalid(const std::vector<uint8_t>& bytes, const std::string& fmt,
                    const std::string& what) {
  SCOPED_TRACE(what);
  try {
    load_all(bytes, fmt);
    ADD_FAILURE() << "no error for " << what;
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[load", 0), 0u) << e.what();
    EXPECT_TRUE(is_ascii(e.what())) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type for " << what << ": " << e.what();
  }
}

NamedArrays sample_arrays() {
  return {{"w", random_array({3, 4}, float32, 1)},
          {"b", random_array({4}, int64, 2)},
          {"m", random_array({2}, bool_, 3)}};
}

struct Sample {
  std::string name, fmt;
  std::vector<uint8_t> bytes;
  bool crc_protected;
};

std::vector<Sample> samples() {
  auto arrays = sample_arrays();
  return {
      {"npy", "npy",
       to_bytes([&](io::Writer& w) { io::save_npy(w, arrays[0].second); }),
       false},
      {"npz stored", "npz",
       to_bytes([&](io::Writer& w) { io::save_npz(w, arrays, false); }), true},
      {"npz deflated", "npz",
       to_bytes([&](io::Writer& w) { io::save_npz(w, arrays, true); }), true},
      {"npz zip64", "npz",
       to_bytes([&](io::Writer& w) { io::save_npz(w, arrays, true, true); }),
       true},
      {"safetensors", "safetensors",
       to_bytes([&](io::Writer& w) { io::save_safetensors(w, arrays); }),
       false},
  };
}

}  // namespace

TEST(IOMalformed, TruncatedAtEveryOffsetRaises) {
  for (auto& s : samples()) {
    for (size_t cut = 0; cut < s.bytes.size(); ++cut) {
      std::vector<uint8_t> b(s.bytes.begin(), s.bytes.begin() + cut);
      expect_invalid(b, s.fmt, s.name + " cut at " + std::to_string(cut));
    }
  }
}

TEST(IOMalformed, FlippedBytesNeverCrash) {
  for (auto& s : samples()) {
    auto good = load_all(s.bytes, s.fmt);
    for (size_t i = 0; i < s.bytes.size(); ++i) {
      for (uint8_t mask : {uint8_t(0xFF), uint8_t(0x01), uint8_t(0x80)}) {
        auto b = s.bytes;
        b[i] ^= mask;
        try {
          auto r = load_all(b, s.fmt);
          if (s.crc_protected) {
            // Whatever still loads from a CRC-checked archive is intact.
            ASSERT_EQ(r.arrays.size(), good.arrays.size())
                << s.name << " byte " << i;
            for (size_t k = 0; k < r.arrays.size(); ++k) {
              EXPECT_EQ(r.arrays[k].first, good.arrays[k].first);
              expect_same(r.arrays[k].second, good.arrays[k].second);
            }
          }
        } catch (const std::invalid_argument& e) {
          EXPECT_EQ(std::string(e.what()).rfind("[load", 0), 0u) << e.what();
          // File bytes are escaped: messages stay valid (ASCII) text.
          EXPECT_TRUE(is_ascii(e.what())) << e.what();
        }
      }
    }
  }
}

TEST(IOMalformed, NpyHeaderTable) {
  auto f32 = raw(std::vector<float>{1, 2, 3, 4, 5, 6});
  auto hdr = [&](const std::string& d) { return npy_file(d, f32); };
  const std::string ok_tail = "'fortran_order': False, 'shape': (2, 3), }";
  struct Case {
    std::string what;
    std::vector<uint8_t> bytes;
  };
  std::vector<uint8_t> bad_magic = hdr("{'descr': '<f4', " + ok_tail);
  bad_magic[1] = 'M';
  std::vector<uint8_t> bad_version = hdr("{'descr': '<f4', " + ok_tail);
  bad_version[6] = 9;
  std::vector<uint8_t> long_header = hdr("{'descr': '<f4', " + ok_tail);
  long_header[8] = 0xFF;
  long_header[9] = 0xFF;
  std::vector<uint8_t> huge_v2 = npy_file("{'descr': '<f4', " + ok_tail, f32, 2);
  huge_v2[11] = 0x7F;
  std::vector<Case> cases = {
      {"bad magic", bad_magic},
      {"bad version", bad_version},
      {"header length beyond file", long_header},
      {"v2 header length beyond file", huge_v2},
      {"unknown descr", hdr("{'descr': '<U8', " + ok_tail)},
      {"complex128", hdr("{'descr': '<c16', " + ok_tail)},
      {"float128", hdr("{'descr': '<f16', " + ok_tail)},
      {"object", hdr("{'descr': '|O', " + ok_tail)},
      {"structured", hdr("{'descr': [('a', '<f4')], " + ok_tail)},
      {"descr garbage", hdr("{'descr': '<f4x', " + ok_tail)},
      {"missing shape", hdr("{'descr': '<f4', 'fortran_order': False, }")},
      {"extra key", hdr("{'descr': '<f4', 'x': 1, " + ok_tail)},
      {"negative dim",
       hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }")},
      {"dim beyond int32", hdr("{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (4294967296, 1), }")},
      {"overflowing dims", hdr("{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (99999999999999999999999,), }")},
      {"byte size overflow", hdr("{'descr': '<f8', 'fortran_order': False, "
                                 "'shape': (2147483647, 2147483647, 8), }")},
      {"data shorter than shape",
       hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }")},
      {"bad fortran_order",
       hdr("{'descr': '<f4', 'fortran_order': 1, 'shape': (2, 3), }")},
      {"unterminated dict", hdr("{'descr': '<f4', 'fortran_order': False")},
      {"unterminated string", hdr("{'descr: ")},
      {"not a dict", hdr("['descr', '<f4']")},
      {"escape in string", hdr("{'de\\x73cr': '<f4', " + ok_tail)},
      {"empty", {}},
      {"magic only", bytes_of("\x93NUMPY")},
  };
  for (auto& c : cases) expect_invalid(c.bytes, "npy", c.what);
}

TEST(IOMalformed, SafetensorsTable) {
  auto data = raw(std::vector<float>{1, 2, 3, 4});
  auto st = [&](const std::string& j) { return st_file(j, data); };
  auto t = [](const std::string& body) {
    return "{\"t\":{" + body + "}}";
  };
  const std::string ok = "\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]";
  auto long_len = st("{" + std::string("\"t\":{") + ok + "}}");
  long_len[7] = 0x01;  // header length 2^56 + ...
  auto bad_len = st(t(ok));
  bad_len[0] += 10;  // runs into the data
  std::vector<std::pair<std::string, std::vector<uint8_t>>> cases = {
      {"too short", {1, 2, 3}},
      {"header length beyond file", long_len},
      {"header length off", bad_len},
      {"not json", st("hello")},
      {"json array", st("[1,2]")},
      {"trailing comma", st("{\"t\":{" + ok + "},}")},
      {"unterminated", st("{\"t\":{" + ok)},
      {"duplicate key", st("{\"t\":{" + ok + "},\"t\":{" + ok + "}}")},
      {"bad escape", st("{\"\\q\":{" + ok + "}}")},
      {"lone surrogate", st("{\"\\ud800\":{" + ok + "}}")},
      {"invalid utf8", st("{\"\xff\":{" + ok + "}}")},
      {"control char", st("{\"a\x01\":{" + ok + "}}")},
      {"deep nesting", st(std::string(1000, '[') + std::string(1000, ']'))},
      {"unknown dtype",
       st(t("\"dtype\":\"F128\",\"shape\":[2,2],\"data_offsets\":[0,16]"))},
      {"dtype not string",
       st(t("\"dtype\":5,\"shape\":[2,2],\"data_offsets\":[0,16]"))},
      {"missing dtype", st(t("\"shape\":[2,2],\"data_offsets\":[0,16]"))},
      {"missing offsets", st(t("\"dtype\":\"F32\",\"shape\":[2,2]"))},
      {"tensor not object", st("{\"t\":[1]}")},
      {"shape not array",
       st(t("\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,16]"))},
      {"negative dim",
       st(t("\"dtype\":\"F32\",\"shape\":[-2,-2],\"data_offsets\":[0,16]"))},
      {"fractional dim",
       st(t("\"dtype\":\"F32\",\"shape\":[2.0,2],\"data_offsets\":[0,16]"))},
      {"exponent dim",
       st(t("\"dtype\":\"F32\",\"shape\":[2e0,2],\"data_offsets\":[0,16]"))},
      {"dim beyond int32",
       st(t("\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,16]"))},
      {"dim beyond uint64",
       st(t("\"dtype\":\"F32\",\"shape\":[99999999999999999999999],"
            "\"data_offsets\":[0,16]"))},
      {"overflowing dims",
       st(t("\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],"
            "\"data_offsets\":[0,16]"))},
      {"size mismatch",
       st(t("\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]"))},
      {"offsets reversed",
       st(t("\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[16,0]"))},
      {"offset out of range",
       st(t("\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[8,24]"))},
      {"huge offsets",
       st(t("\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":"
            "[18446744073709551600,18446744073709551615]"))},
      {"three offsets",
       st(t("\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,8,16]"))},
      {"negative offset",
       st(t("\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[-1,15]"))},
      {"metadata not object", st("{\"__metadata__\":[\"a\"]}")},
      {"metadata value not string", st("{\"__metadata__\":{\"a\":1}}")},
  };
  for (auto& [what, bytes] : cases) expect_invalid(bytes, "safetensors", what);
}

TEST(IOMalformed, ZipTable) {
  auto arrays = sample_arrays();
  auto stored = to_bytes([&](io::Writer& w) { io::save_npz(w, arrays, false); });
  auto deflated = to_bytes([&](io::Writer& w) { io::save_npz(w, arrays, true); });
  auto find_sig = [](const std::vector<uint8_t>& b, uint32_t sig, bool last) {
    int64_t pos = -1;
    for (size_t i = 0; i + 4 <= b.size(); ++i) {
      uint32_t v = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) |
                   (uint32_t(b[i + 3]) << 24);
      if (v == sig) {
        pos = int64_t(i);
        if (!last) break;
      }
    }
    return pos;
  };
  auto set32 = [](std::vector<uint8_t>& b, size_t at, uint32_t v) {
    for (int k = 0; k < 4; ++k) b[at + k] = uint8_t(v >> (8 * k));
  };
  auto set16 = [](std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = uint8_t(v);
    b[at + 1] = uint8_t(v >> 8);
  };
  std::vector<std::pair<std::string, std::vector<uint8_t>>> cases;
  for (auto* src : {&stored, &deflated}) {
    std::string kind = src == &stored ? "stored " : "deflated ";
    auto& z = *src;
    int64_t cd = find_sig(z, 0x02014b50, false);
    int64_t eocd = find_sig(z, 0x06054b50, true);
    ASSERT_GE(cd, 0);
    ASSERT_GE(eocd, 0);
    auto c = z;
    set32(c, cd + 16, 0xDEADBEEF);
    cases.push_back({kind + "bad CRC", c});
    c = z;
    set32(c, cd + 24, 3);  // uncompressed size
    cases.push_back({kind + "bad size", c});
    c = z;
    set32(c, cd + 20, 0x7FFFFFF0);  // compressed size past the directory
    cases.push_back({kind + "compressed size too large", c});
    c = z;
    set32(c, cd + 42, 0x00FFFFFF);  // local header offset
    cases.push_back({kind + "local offset out of range", c});
    c = z;
    set16(c, cd + 10, 12);  // bzip2
    cases.push_back({kind + "unsupported method", c});
    c = z;
    set16(c, cd + 8, 1);  // encrypted
    cases.push_back({kind + "encrypted", c});
    c = z;
    set32(c, eocd + 16, uint32_t(z.size()));  // directory offset
    cases.push_back({kind + "directory offset out of range", c});
    c = z;
    set32(c, eocd + 12, 0x10000000);  // directory size
    cases.push_back({kind + "directory size out of range", c});
    c = z;
    set16(c, eocd + 10, 60000);
    set16(c, eocd + 8, 60000);
    cases.push_back({kind + "too many entries", c});
    c = z;
    set16(c, eocd + 4, 1);
    cases.push_back({kind + "multi-disk", c});
    c = z;
    set16(c, eocd + 10, 0xFFFF);
    cases.push_back({kind + "zip64 count without zip64 record", c});
    c = z;
    c[0] = 'X';  // local header signature
    cases.push_back({kind + "bad local signature", c});
    c = z;
    c[30] ^= 0x20;  // first member's name in the local header
    cases.push_back({kind + "local name differs", c});
    c = z;
    c[eocd] = 'X';
    cases.push_back({kind + "no end record", c});
  }
  // Data damage inside the member: caught by the CRC or by inflate.
  auto d = deflated;
  for (size_t i = 40; i < 60; ++i) d[i] ^= 0x55;
  cases.push_back({"deflated garbage stream", d});
  auto s = stored;
  int64_t magic = find_sig(stored, 0x4d554e93, false);  // "\x93NUM"
  ASSERT_GE(magic, 0);
  s[magic + 70] ^= 0x01;  // inside the first member's .npy header
  cases.push_back({"stored data bit flip", s});
  cases.push_back({"not a zip", bytes_of("hello world, this is not a zip file")});
  for (auto& [what, bytes] : cases) expect_invalid(bytes, "npz", what);
}

TEST(IOMalformed, FileTruncatedOnDisk) {
  // Truncated files read through the mapping raise too.
  auto arrays = sample_arrays();
  std::string path = tmp_path("trunc.safetensors");
  auto bytes = to_bytes([&](io::Writer& w) { io::save_safetensors(w, arrays); });
  bytes.resize(bytes.size() - 5);
  write_file(path, bytes);
  EXPECT_THROW(load(path), std::invalid_argument);
  std::string npy = tmp_path("trunc.npy");
  auto nb = to_bytes([&](io::Writer& w) { io::save_npy(w, arrays[0].second); });
  nb.resize(nb.size() - 1);
  write_file(npy, nb);
  EXPECT_THROW(load(npy), std::invalid_argument);
  EXPECT_EQ(read_file(npy).size(), nb.size());
  ::unlink(path.c_str());
  ::unlink(npy.c_str());
}
