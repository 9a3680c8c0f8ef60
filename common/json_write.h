#pragma once
// Writing JSON with RapidJSON's writers: a key and a string value of any bytes (its length
// ends it, not a NUL), the one way the records, reports and probes write text fields.
#include <rapidjson/rapidjson.h>

#include <string_view>

namespace shotchain::json {

template <class Writer>
void put_string(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

} // namespace shotchain::json
