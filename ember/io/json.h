// A small strict JSON reader/writer for the safetensors header (RFC 8259:
// UTF-8 validated, duplicate keys rejected, nesting depth bounded).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ember::io::json {

struct Value {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  std::string text;  // string contents, or the number's literal
  std::vector<Value> items;                           // array
  std::vector<std::pair<std::string, Value>> fields;  // object, file order
};

/// Parses `text` (trailing whitespace allowed). Throws std::invalid_argument
/// "[op] Invalid JSON in <where> at byte N: ...".
Value parse(std::string_view text, const char* op, const std::string& where);
/// The number as a non-negative integer; throws std::invalid_argument
/// naming `op` and `what` if it is not a number, has a sign, fraction or
/// exponent, or exceeds 2^64 - 1.
uint64_t to_uint(const Value& v, const char* op, const std::string& what);
/// `s` as a JSON string literal (quotes and escapes added).
std::string quote(std::string_view s);
/// Name of a value type, for messages ("object", "string", ...).
const char* type_name(Value::Type t);

}  // namespace ember::io::json
