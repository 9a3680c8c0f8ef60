#include "common/json_read.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>

namespace shotchain::json {

std::string describe_failure(rapidjson::ParseErrorCode code, bool too_deep, unsigned max_depth) {
  if (too_deep) return "nested deeper than " + std::to_string(max_depth) + " levels";
  return std::string("invalid JSON: ") + rapidjson::GetParseError_En(code);
}

ParseOutcome parse(rapidjson::Document& doc, std::string_view text, Limits limits) {
  doc.SetNull();
  if (text.size() > limits.max_bytes)
    return {false, "larger than " + std::to_string(limits.max_bytes) + " bytes", limits.max_bytes};
  // MemoryStream reads exactly text.size() bytes: the text need not be NUL-terminated, and an
  // embedded NUL is an error rather than the end of the input.
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::ParseResult result;
  bool too_deep = false;
  auto generator = [&](rapidjson::Document& handler) {
    DepthLimited<rapidjson::Document> limited(handler, limits.max_depth);
    rapidjson::Reader reader;
    result = reader.Parse<kParseFlags | rapidjson::kParseStopWhenDoneFlag>(stream, limited);
    too_deep = limited.too_deep();
    return !result.IsError();
  };
  doc.Populate(generator);
  if (!result.IsError()) {
    // kParseStopWhenDoneFlag lets us see trailing bytes ourselves (whitespace is allowed).
    for (std::size_t i = stream.Tell(); i < text.size(); ++i) {
      char c = text[i];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        doc.SetNull();
        return {false, describe_failure(rapidjson::kParseErrorDocumentRootNotSingular, false, 0),
                i};
      }
    }
    return {};
  }
  doc.SetNull();
  return {false, describe_failure(result.Code(), too_deep, limits.max_depth), result.Offset()};
}

} // namespace shotchain::json
