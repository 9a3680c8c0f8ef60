#include "pipeline/plan.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "common/error.h"
#include "stages/scenes/storyboard.h"

namespace shotchain::pipeline {

std::optional<double> price_per_generation(const std::string& model, int duration) {
  struct Row {
    const char* model;
    int duration;
    double usd;
  };
  static const Row table[] = {
      {"minimax/hailuo-02/standard", 6, 0.23},
      {"minimax/hailuo-02/standard", 10, 0.56},
  };
  for (const auto& r : table)
    if (model == r.model && duration == r.duration) return r.usd;
  return std::nullopt;
}

std::vector<std::string> placeholder_prompt_shots(const JobSpec& job) {
  std::vector<std::string> ids;
  for (const auto& s : job.shots)
    if (scenes::is_placeholder_prompt(s.prompt)) ids.push_back(s.id);
  return ids;
}

void check_no_placeholder_prompts(const JobSpec& job) {
  const auto ids = placeholder_prompt_shots(job);
  if (!ids.empty())
    throw Error(Failure::bad_input,
                "shot \"" + ids.front() + "\": prompt is still the storyboard's placeholder (" +
                    std::to_string(ids.size()) +
                    " shot(s)); write a prompt before running (nothing was spent)");
}

Plan make_plan(const JobSpec& job) {
  Plan p;
  bool all_priced = true;
  for (std::size_t i = 0; i < job.shots.size(); ++i) {
    const auto& s = job.shots[i];
    ShotPlan sp;
    sp.id = s.id;
    sp.model = s.model;
    sp.reference = s.reference.describe();
    if (s.reference.kind == ReferenceSpec::Kind::shot) sp.depends_on = s.reference.shot;
    sp.segments = s.segments;
    sp.duration = s.duration;
    sp.frames_per_segment = s.duration * kServiceFps;
    sp.frames = s.segments * sp.frames_per_segment - (s.segments - 1);
    sp.joins_previous = i > 0 && sp.depends_on == job.shots[i - 1].id;
    if (auto unit = price_per_generation(s.model, s.duration)) {
      sp.price = *unit * s.segments;
      p.known_price += *sp.price;
    } else {
      all_priced = false;
      if (std::find(p.unpriced_models.begin(), p.unpriced_models.end(), s.model) ==
          p.unpriced_models.end())
        p.unpriced_models.push_back(s.model);
    }
    p.generations += s.segments;
    p.frames += sp.frames - (sp.joins_previous ? 1 : 0);
    p.shots.push_back(std::move(sp));
  }
  p.seconds = static_cast<double>(p.frames) / kServiceFps;
  if (all_priced) p.price = p.known_price;
  return p;
}

namespace {
std::string usd(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f USD", v);
  return buf;
}
} // namespace

std::string format_plan(const Plan& plan, const std::string& backend) {
  std::ostringstream os;
  char line[512];
  os << "plan: " << plan.shots.size() << " shots, " << plan.generations << " generations, "
     << plan.frames << " frames (" << plan.seconds << " s at 25 fps)\n";
  std::snprintf(line, sizeof line, "  %-16s %4s %5s %7s %10s  %s\n", "shot", "segs", "dur",
                "frames", "price", "reference");
  os << line;
  for (const auto& s : plan.shots) {
    std::string price = s.price ? usd(*s.price) : "unknown";
    std::string ref = s.reference;
    if (s.joins_previous) ref += " (join deduped)";
    std::snprintf(line, sizeof line, "  %-16s %4d %4ds %7d %10s  %s\n", s.id.c_str(), s.segments,
                  s.duration, s.frames, price.c_str(), ref.c_str());
    os << line;
  }
  if (plan.price)
    os << "price: " << usd(*plan.price) << " for " << plan.generations
       << " paid generations (prices from " << plan.price_source << ")";
  else
    os << "price: at least " << usd(plan.known_price) << " (no price on record for "
       << plan.unpriced_models.front() << ")";
  if (backend == "preview") os << " on the service; the preview backend spends nothing";
  os << "\n";
  return os.str();
}

std::string plan_json(const Plan& plan, const std::string& backend) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("event");
  w.String("plan");
  w.Key("backend");
  w.String(backend.c_str());
  w.Key("generations");
  w.Int(plan.generations);
  w.Key("frames");
  w.Int64(plan.frames);
  w.Key("seconds");
  w.Double(plan.seconds);
  w.Key("price_usd");
  if (plan.price)
    w.Double(*plan.price);
  else
    w.Null();
  w.Key("price_source");
  w.String(plan.price_source.c_str());
  w.Key("shots");
  w.StartArray();
  for (const auto& s : plan.shots) {
    w.StartObject();
    w.Key("id");
    w.String(s.id.c_str());
    w.Key("model");
    w.String(s.model.c_str());
    w.Key("segments");
    w.Int(s.segments);
    w.Key("duration");
    w.Int(s.duration);
    w.Key("frames");
    w.Int(s.frames);
    w.Key("depends_on");
    w.String(s.depends_on.c_str());
    w.Key("price_usd");
    if (s.price)
      w.Double(*s.price);
    else
      w.Null();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return sb.GetString();
}

} // namespace shotchain::pipeline
