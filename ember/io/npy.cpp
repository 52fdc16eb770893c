// .npy: magic "\x93NUMPY", version, header length (u16 for 1.0, u32 for
// 2.0/3.0), a Python dict literal {'descr', 'fortran_order', 'shape'} padded
// to 64 bytes, then the raw data.
#include "ember/io/npy.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "ember/ops/shape.h"

namespace ember::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
// Headers beyond this are rejected instead of allocated (NumPy's default
// limit is 10000 bytes; ours is generous but bounded).
constexpr uint64_t kMaxHeader = uint64_t(64) << 20;

[[noreturn]] void bad(const char* op, const TensorLocation& loc,
                      const std::string& what) {
  throw std::invalid_argument(std::string("[") + op + "] Invalid .npy data in " +
                              loc.reader->label() + ": " + what + ".");
}

// A parser for the restricted Python literal NumPy writes as the header.
struct HeaderParser {
  const std::string& s;
  size_t i = 0;
  const char* op;
  const TensorLocation& loc;

  [[noreturn]] void fail(const std::string& what) {
    bad(op, loc, what + " at header position " + std::to_string(i));
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                            s[i] == '\r')) {
      ++i;
    }
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  std::string str() {
    ws();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) fail("expected a string");
    char q = s[i++];
    std::string out;
    while (i < s.size() && s[i] != q) {
      if (s[i] == '\\') fail("escape sequences are not supported");
      out += s[i++];
    }
    if (i >= s.size()) fail("unterminated string");
    ++i;
    return out;
  }
  bool word(const char* w) {
    ws();
    size_t n = std::strlen(w);
    if (s.compare(i, n, w) == 0) {
      i += n;
      return true;
    }
    return false;
  }
  int64_t integer() {
    ws();
    bool neg = eat('-');
    ws();
    if (i >= s.size() || s[i] < '0' || s[i] > '9') fail("expected an integer");
    int64_t v = 0;
    bool big = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (v > (INT64_MAX - 9) / 10) big = true;
      if (!big) v = v * 10 + (s[i] - '0');
      ++i;
    }
    if (i < s.size() && (s[i] == 'L' || s[i] == 'l')) ++i;  // Python 2 longs
    if (big) return neg ? INT64_MIN : INT64_MAX;
    return neg ? -v : v;
  }
};

struct DescrInfo {
  Dtype dtype;
  int swap_size;
};

DescrInfo parse_descr(const std::string& d, const char* op,
                      const TensorLocation& loc) {
  auto unsupported = [&](const std::string& why) -> DescrInfo {
    bad(op, loc, "unsupported dtype descr '" + printable(d) + "'" + why);
  };
  if (d.size() < 2) return unsupported("");
  size_t k = 0;
  char order = '|';
  if (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=') order = d[k++];
  char kind = d[k++];
  std::string digits = d.substr(k);
  if (digits.empty() || digits.size() > 2 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return unsupported("");
  }
  int size = std::stoi(digits);
  Dtype t;
  int component = size;
  switch (kind) {
    case 'b':
      if (size != 1) return unsupported("");
      t = Dtype::bool_;
      break;
    case 'u':
    case 'i': {
      bool u = kind == 'u';
      if (size == 1) t = u ? Dtype::uint8 : Dtype::int8;
      else if (size == 2) t = u ? Dtype::uint16 : Dtype::int16;
      else if (size == 4) t = u ? Dtype::uint32 : Dtype::int32;
      else if (size == 8) t = u ? Dtype::uint64 : Dtype::int64;
      else return unsupported("");
      break;
    }
    case 'f':
      if (size == 2) t = Dtype::float16;
      else if (size == 4) t = Dtype::float32;
      else if (size == 8) t = Dtype::float64;
      else return unsupported(" (no such float type in ember)");
      break;
    case 'c':
      if (size != 8) {
        return unsupported(size == 16 ? " (complex128 is not supported; "
                                        "convert to complex64)"
                                      : "");
      }
      t = Dtype::complex64;
      component = 4;
      break;
    case 'V':
      // bfloat16 is stored as 2-byte void, as MLX does.
      if (size != 2) return unsupported("");
      t = Dtype::bfloat16;
      break;
    default:
      return unsupported("");
  }
  return {t, (order == '>' && component > 1) ? component : 0};
}

const char* descr_of(Dtype t) {
  switch (t) {
    case Dtype::bool_: return "|b1";
    case Dtype::uint8: return "|u1";
    case Dtype::uint16: return "<u2";
    case Dtype::uint32: return "<u4";
    case Dtype::uint64: return "<u8";
    case Dtype::int8: return "|i1";
    case Dtype::int16: return "<i2";
    case Dtype::int32: return "<i4";
    case Dtype::int64: return "<i8";
    case Dtype::float16: return "<f2";
    case Dtype::float32: return "<f4";
    case Dtype::float64: return "<f8";
    case Dtype::bfloat16: return "<V2";
    case Dtype::complex64: return "<c8";
  }
  throw std::invalid_argument("[save] Unknown dtype.");
}

uint32_t le32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int k = 3; k >= 0; --k) v = (v << 8) | uint8_t(s[at + k]);
  return v;
}

}  // namespace

NpyHeader read_npy_header(const TensorLocation& loc, const char* op) {
  std::string pre = decode_prefix(loc, 12, op);
  if (pre.size() < 10 || pre.compare(0, kMagicLen, kMagic) != 0) {
    bad(op, loc, "missing the \\x93NUMPY magic (not a .npy file)");
  }
  int major = uint8_t(pre[6]), minor = uint8_t(pre[7]);
  if (major < 1 || major > 3 || minor != 0) {
    bad(op, loc, "unsupported format version " + std::to_string(major) + "." +
                     std::to_string(minor));
  }
  uint64_t start, hlen;
  if (major == 1) {
    start = 10;
    hlen = uint8_t(pre[8]) | (uint32_t(uint8_t(pre[9])) << 8);
  } else {
    if (pre.size() < 12) bad(op, loc, "truncated header");
    start = 12;
    hlen = le32(pre, 8);
  }
  if (hlen > kMaxHeader) {
    bad(op, loc, "header length " + std::to_string(hlen) + " is too large");
  }
  if (start + hlen > loc.decoded_size) {
    bad(op, loc, "header length " + std::to_string(hlen) +
                     " runs past the end of the data (" +
                     std::to_string(loc.decoded_size) + " bytes)");
  }
  std::string all = decode_prefix(loc, start + hlen, op);
  if (all.size() < start + hlen) bad(op, loc, "truncated header");
  std::string text = all.substr(start);

  HeaderParser p{text, 0, op, loc};
  std::string descr;
  bool have_descr = false, have_fortran = false, have_shape = false;
  NpyHeader h;
  std::vector<int64_t> dims;
  p.expect('{');
  while (!p.eat('}')) {
    std::string key = p.str();
    p.expect(':');
    if (key == "descr") {
      p.ws();
      if (p.i < text.size() && text[p.i] == '[') {
        p.fail("structured dtypes are not supported");
      }
      descr = p.str();
      have_descr = true;
    } else if (key == "fortran_order") {
      if (p.word("True")) h.fortran_order = true;
      else if (p.word("False")) h.fortran_order = false;
      else p.fail("fortran_order must be True or False");
      have_fortran = true;
    } else if (key == "shape") {
      p.expect('(');
      while (!p.eat(')')) {
        dims.push_back(p.integer());
        if (!p.eat(',')) {
          p.expect(')');
          break;
        }
      }
      have_shape = true;
    } else {
      p.fail("unexpected key '" + printable(key) + "'");
    }
    if (!p.eat(',')) {
      p.expect('}');
      break;
    }
  }
  if (!have_descr || !have_fortran || !have_shape) {
    bad(op, loc, "header lacks one of 'descr', 'fortran_order', 'shape'");
  }
  auto info = parse_descr(descr, op, loc);
  h.dtype = info.dtype;
  h.swap_size = info.swap_size;
  h.nbytes = checked_nbytes(dims, size_of(h.dtype), op,
                            "Array in " + loc.reader->label());
  for (auto d : dims) h.shape.push_back(ShapeElem(d));
  h.data_offset = start + hlen;
  if (!in_range(h.data_offset, h.nbytes, loc.decoded_size)) {
    bad(op, loc, "truncated data: shape " + shape_str(h.shape) + " of " +
                     printable(descr) + " needs " + std::to_string(h.nbytes) +
                     " bytes after the header, but only " +
                     std::to_string(loc.decoded_size - h.data_offset) +
                     " are present");
  }
  return h;
}

array load_npy_content(TensorLocation loc, StreamOrDevice s, const char* op) {
  NpyHeader h = read_npy_header(loc, op);
  loc.skip = h.data_offset;
  loc.swap_size = h.swap_size;
  Shape shape = h.shape;
  if (h.fortran_order) std::reverse(shape.begin(), shape.end());
  array a = make_loaded_array(std::move(loc), shape, h.dtype, s, op);
  // Fortran data is the C layout of the reversed shape; reversing the axes
  // back gives a column-major view without a copy.
  if (h.fortran_order && a.ndim() > 1) a = transpose(a, s);
  return a;
}

std::string npy_header(const array& a, bool fortran_order) {
  std::string dict = std::string("{'descr': '") + descr_of(a.dtype()) +
                     "', 'fortran_order': " +
                     (fortran_order ? "True" : "False") + ", 'shape': (";
  for (int i = 0; i < a.ndim(); ++i) {
    dict += std::to_string(a.shape()[i]);
    if (a.ndim() == 1 || i + 1 < a.ndim()) dict += ", ";
  }
  if (a.ndim() == 1) dict.pop_back();  // "(3,)" as Python writes it
  dict += "), }";
  // Version 1.0 unless the header length doesn't fit in 16 bits.
  size_t prefix = 10;
  size_t total = prefix + dict.size() + 1;
  size_t padded = (total + 63) / 64 * 64;
  if (padded - prefix > 65535) {
    prefix = 12;
    total = prefix + dict.size() + 1;
    padded = (total + 63) / 64 * 64;
  }
  dict.append(padded - total, ' ');
  dict += '\n';
  std::string out(kMagic, kMagicLen);
  uint64_t hlen = dict.size();
  out += char(prefix == 10 ? 1 : 2);
  out += char(0);
  out += char(hlen & 0xff);
  out += char((hlen >> 8) & 0xff);
  if (prefix == 12) {
    out += char((hlen >> 16) & 0xff);
    out += char((hlen >> 24) & 0xff);
  }
  return out + dict;
}

bool saves_fortran(const array& c) {
  return c.ndim() > 1 && !c.flags().row_contiguous && c.flags().col_contiguous;
}

void write_npy(Writer& w, const array& c) {
  std::string h = npy_header(c, saves_fortran(c));
  w.write(h.data(), h.size());
  if (c.nbytes()) w.write(c.raw_data(), c.nbytes());
}

}  // namespace ember::io
