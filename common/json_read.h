#pragma once
// Every JSON text from outside (job spec, service answers, journal, caches) is parsed through
// here: without recursion (RapidJSON's iterative parser; its recursive one overflows the stack
// on a few hundred KB of brackets), with a nesting depth limit and a size limit, and without
// kParseFullPrecisionFlag (RapidJSON 1.1.0 misreads some valid numbers with it, e.g. 0e44).
//
// Include from .cpp files only: RapidJSON types stay behind them (DESIGN.md).
#include <cstddef>
#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/reader.h>

namespace shotchain::json {

struct Limits {
  std::size_t max_bytes = 16u << 20; // longer texts are refused before parsing
  unsigned max_depth = 64;           // objects and arrays nested deeper are refused
};

// The parse flags every reader in the project uses.
inline constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag;

// Result of a bounded parse: ok, or a one-line reason and the byte offset where it arose.
struct ParseOutcome {
  bool ok = true;
  std::string reason;     // "nested deeper than 64 levels", "invalid JSON: ...", ...
  std::size_t offset = 0; // byte offset of the problem in the text
  explicit operator bool() const { return ok; }
};

// Wraps a SAX handler and stops the parse when nesting passes `max_depth`; used by readers
// that build their own tree (the job spec keeps offsets for line/column errors).
template <class Handler>
class DepthLimited {
 public:
  DepthLimited(Handler& inner, unsigned max_depth) : inner_(inner), max_depth_(max_depth) {}
  bool too_deep() const { return too_deep_; }

  bool Null() { return inner_.Null(); }
  bool Bool(bool b) { return inner_.Bool(b); }
  bool Int(int i) { return inner_.Int(i); }
  bool Uint(unsigned u) { return inner_.Uint(u); }
  bool Int64(int64_t i) { return inner_.Int64(i); }
  bool Uint64(uint64_t u) { return inner_.Uint64(u); }
  bool Double(double d) { return inner_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return inner_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return inner_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return inner_.Key(s, n, copy); }
  bool StartObject() { return enter() && inner_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { return leave() && inner_.EndObject(n); }
  bool StartArray() { return enter() && inner_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return leave() && inner_.EndArray(n); }

 private:
  bool enter() {
    if (++depth_ <= max_depth_) return true;
    too_deep_ = true;
    return false;
  }
  bool leave() {
    --depth_;
    return true;
  }
  Handler& inner_;
  unsigned max_depth_;
  unsigned depth_ = 0;
  bool too_deep_ = false;
};

// Parses `text` into `doc` within `limits`. On failure `doc` is left as null.
ParseOutcome parse(rapidjson::Document& doc, std::string_view text, Limits limits = {});

// The reason of a failed parse as one line: "nested deeper than N levels", "larger than N
// bytes", or "invalid JSON: <RapidJSON's text>" (used by parse() and by custom readers).
std::string describe_failure(rapidjson::ParseErrorCode code, bool too_deep, unsigned max_depth);

} // namespace shotchain::json
