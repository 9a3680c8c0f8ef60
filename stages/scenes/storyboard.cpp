#include "stages/scenes/storyboard.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/json_read.h"

namespace shotchain::scenes {
namespace {

[[noreturn]] void bad(const std::filesystem::path& p, const std::string& what) {
  throw Error(Failure::bad_input, p.string() + ": " + what);
}

constexpr size_t kMaxPrompt = 2000; // the job spec's limit

void check_prompt(const std::filesystem::path& file, size_t scene, const std::string& p) {
  if (p.size() > kMaxPrompt)
    bad(file, "prompt for scene " + std::to_string(scene) + " is longer than 2000 characters");
}

std::vector<std::string> prompts_from_json(const std::filesystem::path& file,
                                           const std::string& text, size_t scenes) {
  rapidjson::Document d;
  if (auto r = json::parse(d, text); !r)
    bad(file, r.reason + " at offset " + std::to_string(r.offset));
  std::vector<std::string> out(scenes);
  if (d.IsArray()) {
    if (d.Size() > scenes)
      bad(file, std::to_string(d.Size()) + " prompts for " + std::to_string(scenes) + " scenes");
    for (rapidjson::SizeType i = 0; i < d.Size(); ++i) {
      if (!d[i].IsString()) bad(file, "prompt " + std::to_string(i + 1) + " is not a string");
      out[i] = d[i].GetString();
      check_prompt(file, i + 1, out[i]);
    }
    return out;
  }
  if (!d.IsObject()) bad(file, "JSON prompts must be an array or an object by scene number");
  // By index: clang 14 finds rapidjson's member-iterator comparisons ambiguous in C++20.
  for (rapidjson::SizeType i = 0; i < d.MemberCount(); ++i) {
    const auto& m = *(d.MemberBegin() + i);
    const std::string key = m.name.GetString();
    size_t n = 0;
    if (key.empty() || key.size() > 6 || key.find_first_not_of("0123456789") != std::string::npos ||
        (n = std::stoul(key)) < 1 || n > scenes)
      bad(file, "\"" + key + "\" is not a scene number 1.." + std::to_string(scenes));
    if (!m.value.IsString()) bad(file, "prompt for scene " + key + " is not a string");
    out[n - 1] = m.value.GetString();
    check_prompt(file, n, out[n - 1]);
  }
  return out;
}

} // namespace

std::vector<std::string> read_prompts(const std::filesystem::path& file, size_t scenes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) bad(file, "cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 16 * 1024 * 1024) bad(file, "too large for a prompt file");
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '[' || text[first] == '{'))
    return prompts_from_json(file, text, scenes);
  std::vector<std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (out.size() == scenes)
      bad(file, "more prompts than the " + std::to_string(scenes) + " scenes");
    check_prompt(file, out.size() + 1, line);
    out.push_back(line);
  }
  out.resize(scenes);
  return out;
}

std::string frame_time(int64_t frame, codecs::Rational rate) {
  // floor(frame * den / num) in microseconds, in integers (frame * den * 1e6 fits in 64 bits
  // for any footage shorter than a few years).
  const auto total = static_cast<long long>(frame * rate.den * 1000000 / rate.num);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%06lld", total / 3600000000LL,
                total / 60000000LL % 60, total / 1000000LL % 60, total % 1000000LL);
  return buf;
}

std::string storyboard_json(const SceneList& list, const std::vector<Reference>& refs,
                            const std::vector<std::string>& prompts,
                            const std::filesystem::path& spec_dir, const StoryboardOptions& o) {
  using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;
  rapidjson::StringBuffer buf;
  Writer w(buf);
  auto str = [&](const std::string& s) {
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  };
  std::error_code ec;
  const auto abs_src = std::filesystem::absolute(list.source, ec);
  auto rel = std::filesystem::relative(abs_src, std::filesystem::absolute(spec_dir, ec), ec);
  const std::string video = (ec || rel.empty()) ? abs_src.string() : rel.string();
  const double fps = list.rate.to_double();
  w.StartObject();
  w.Key("defaults");
  w.StartObject();
  w.Key("duration");
  w.Int(o.segment_seconds);
  w.EndObject();
  w.Key("shots");
  w.StartArray();
  for (size_t i = 0; i < refs.size() && i < list.scenes.size(); ++i) {
    const Scene& s = list.scenes[i];
    char id[32];
    std::snprintf(id, sizeof id, "scene-%03zu", i + 1);
    const double seconds = static_cast<double>(s.end - s.start) / fps;
    const int segments =
        std::clamp(static_cast<int>(std::ceil(seconds / o.segment_seconds - 1e-9)), 1, 20);
    std::string prompt = i < prompts.size() ? prompts[i] : "";
    if (prompt.empty())
      prompt = std::string(kPlaceholderPrompt) + " describe the motion of " + id + " (" +
               frame_time(s.start, list.rate) + " - " + frame_time(s.end, list.rate) + ")";
    w.StartObject();
    w.Key("id");
    str(id);
    w.Key("reference");
    w.StartObject();
    w.Key("video");
    str(video);
    w.Key("at");
    str(frame_time(refs[i].frame, list.rate));
    w.EndObject();
    w.Key("prompt");
    str(prompt);
    w.Key("segments");
    w.Int(segments);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

} // namespace shotchain::scenes
