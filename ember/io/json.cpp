// Recursive-descent JSON parser. Headers come from untrusted files, so the
// depth is bounded (no stack overflow) and every read is bounds-checked.
#include "ember/io/json.h"

#include "ember/io/reader.h"

#include <set>
#include <stdexcept>

namespace ember::io::json {

namespace {

constexpr int kMaxDepth = 64;

struct Parser {
  std::string_view s;
  size_t i = 0;
  const char* op;
  const std::string& where;

  [[noreturn]] void fail(const std::string& what) {
    throw std::invalid_argument(std::string("[") + op + "] Invalid JSON in " +
                                where + " at byte " + std::to_string(i) +
                                ": " + what + ".");
  }
  void ws() {
    while (i < s.size() &&
           (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
      ++i;
    }
  }
  char peek() {
    if (i >= s.size()) fail("unexpected end of text");
    return s[i];
  }
  void literal(const char* w) {
    for (const char* c = w; *c; ++c, ++i) {
      if (i >= s.size() || s[i] != *c) fail(std::string("expected '") + w + "'");
    }
  }
  unsigned hex4() {
    unsigned v = 0;
    for (int k = 0; k < 4; ++k, ++i) {
      if (i >= s.size()) fail("truncated \\u escape");
      char c = s[i];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
      else fail("bad hex digit in \\u escape");
    }
    return v;
  }
  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }
  // Copies one UTF-8 encoded code point, rejecting malformed sequences.
  void copy_utf8(std::string& out) {
    auto b0 = uint8_t(s[i]);
    int n;
    unsigned cp;
    if (b0 < 0x80) n = 0, cp = b0;
    else if ((b0 & 0xE0) == 0xC0) n = 1, cp = b0 & 0x1F;
    else if ((b0 & 0xF0) == 0xE0) n = 2, cp = b0 & 0x0F;
    else if ((b0 & 0xF8) == 0xF0) n = 3, cp = b0 & 0x07;
    else fail("invalid UTF-8");
    if (i + n >= s.size()) fail("truncated UTF-8 sequence");
    for (int k = 1; k <= n; ++k) {
      auto b = uint8_t(s[i + k]);
      if ((b & 0xC0) != 0x80) fail("invalid UTF-8");
      cp = (cp << 6) | (b & 0x3F);
    }
    static const unsigned kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      fail("invalid UTF-8");
    }
    out.append(s.substr(i, n + 1));
    i += n + 1;
  }
  std::string string() {
    if (peek() != '"') fail("expected a string");
    ++i;
    std::string out;
    while (true) {
      char c = peek();
      if (c == '"') {
        ++i;
        return out;
      }
      if (uint8_t(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        copy_utf8(out);
        continue;
      }
      ++i;
      char e = peek();
      ++i;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 1 >= s.size() || s[i] != '\\' || s[i + 1] != 'u') {
              fail("unpaired surrogate in \\u escape");
            }
            i += 2;
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired surrogate in \\u escape");
          }
          utf8(out, cp);
          break;
        }
        default:
          --i;
          fail("bad escape '\\" + printable(std::string(1, e)) + "'");
      }
    }
  }
  std::string number() {
    size_t b = i;
    auto digits = [&] {
      size_t d = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      if (i == d) fail("expected a digit");
    };
    if (i < s.size() && s[i] == '-') ++i;
    if (i < s.size() && s[i] == '0') {
      ++i;
    } else {
      digits();
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
      digits();
    }
    return std::string(s.substr(b, i - b));
  }
  Value value(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth));
    ws();
    Value v;
    char c = peek();
    if (c == '{') {
      v.type = Value::Type::object;
      ++i;
      ws();
      if (peek() == '}') {
        ++i;
        return v;
      }
      std::set<std::string> keys;
      while (true) {
        ws();
        std::string k = string();
        if (!keys.insert(k).second) fail("duplicate key \"" + printable(k) + "\"");
        ws();
        if (peek() != ':') fail("expected ':'");
        ++i;
        Value item = value(depth + 1);
        v.fields.emplace_back(std::move(k), std::move(item));
        ws();
        char d = peek();
        ++i;
        if (d == '}') return v;
        if (d != ',') {
          --i;
          fail("expected ',' or '}'");
        }
      }
    }
    if (c == '[') {
      v.type = Value::Type::array;
      ++i;
      ws();
      if (peek() == ']') {
        ++i;
        return v;
      }
      while (true) {
        v.items.push_back(value(depth + 1));
        ws();
        char d = peek();
        ++i;
        if (d == ']') return v;
        if (d != ',') {
          --i;
          fail("expected ',' or ']'");
        }
      }
    }
    if (c == '"') {
      v.type = Value::Type::string;
      v.text = string();
      return v;
    }
    if (c == 't') {
      literal("true");
      v.type = Value::Type::boolean;
      v.boolean = true;
      return v;
    }
    if (c == 'f') {
      literal("false");
      v.type = Value::Type::boolean;
      return v;
    }
    if (c == 'n') {
      literal("null");
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      v.type = Value::Type::number;
      v.text = number();
      return v;
    }
    fail("unexpected character '" + printable(std::string(1, c)) + "'");
  }
};

}  // namespace

Value parse(std::string_view text, const char* op, const std::string& where) {
  Parser p{text, 0, op, where};
  Value v = p.value(0);
  p.ws();
  if (p.i != text.size()) p.fail("trailing characters after the value");
  return v;
}

uint64_t to_uint(const Value& v, const char* op, const std::string& what) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(std::string("[") + op + "] " + what + " " +
                                why + ".");
  };
  if (v.type != Value::Type::number) {
    fail(std::string("must be a non-negative integer; got a JSON ") +
         type_name(v.type));
  }
  if (v.text.find_first_not_of("0123456789") != std::string::npos) {
    fail("must be a non-negative integer; got " + printable(v.text));
  }
  uint64_t r = 0;
  for (char c : v.text) {
    uint64_t d = uint64_t(c - '0');
    if (r > (UINT64_MAX - d) / 10) fail("is too large: " + printable(v.text));
    r = r * 10 + d;
  }
  return r;
}

std::string quote(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (uint8_t(c) < 0x20) {
          out += "\\u00";
          out += hex[uint8_t(c) >> 4];
          out += hex[uint8_t(c) & 15];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

const char* type_name(Value::Type t) {
  switch (t) {
    case Value::Type::null: return "null";
    case Value::Type::boolean: return "boolean";
    case Value::Type::number: return "number";
    case Value::Type::string: return "string";
    case Value::Type::array: return "array";
    case Value::Type::object: return "object";
  }
  return "?";
}

}  // namespace ember::io::json
