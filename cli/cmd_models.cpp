// shotchain models [ID] [--json]: what the service's catalogue says (no key needed): each
// model's price per run and, for one model, its input fields with types and limits; and
// whether this came from the service or from the built-in table.
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/json_text.h"
#include "common/error.h"
#include "stages/generate_atlas.h"

namespace shotchain::cli {
namespace {

std::string price_text(const std::optional<double>& p) {
  if (!p) return "unknown";
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", *p);
  return buf;
}

std::string limits(const remote::ModelField& f) {
  std::string s;
  if (!f.enum_values.empty()) {
    s += "one of";
    for (const auto& v : f.enum_values) s += " " + v;
  }
  auto num = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return std::string(b);
  };
  if (f.minimum) s += (s.empty() ? "" : ", ") + std::string(">= ") + num(*f.minimum);
  if (f.maximum) s += (s.empty() ? "" : ", ") + std::string("<= ") + num(*f.maximum);
  if (f.max_length)
    s += (s.empty() ? "" : ", ") + std::string("at most ") + std::to_string(*f.max_length) +
         " chars";
  if (!f.default_value.empty())
    s += (s.empty() ? "" : ", ") + std::string("default ") + f.default_value;
  return s;
}

std::string facts_json(const stages::ModelFacts& m, bool fields) {
  std::string s = "{\"event\":\"model\",\"id\":\"" + json_escape(m.info.id) + "\",\"type\":\"" +
                  json_escape(m.info.type) + "\",\"source\":\"" +
                  (m.from_service ? "service" : "built-in") + "\"";
  if (m.info.price) s += ",\"price_usd\":" + std::to_string(*m.info.price);
  if (!m.note.empty()) s += ",\"note\":\"" + json_escape(m.note) + "\"";
  if (fields) {
    s += ",\"fields\":[";
    for (std::size_t i = 0; i < m.schema.fields.size(); ++i) {
      const auto& f = m.schema.fields[i];
      s += std::string(i ? "," : "") + "{\"name\":\"" + json_escape(f.name) + "\",\"type\":\"" +
           json_escape(f.type) + "\",\"required\":" + (f.required ? "true" : "false") +
           ",\"limits\":\"" + json_escape(limits(f)) + "\"}";
    }
    s += "]";
  }
  return s + "}";
}

int run_models(const std::string& id, const GlobalOptions& global) {
  // The catalogue needs no key; the client wants one only for the calls that do.
  auto options = stages::atlas_options(global.api_base, "catalogue-needs-no-key", {});
  stages::AtlasBackend atlas(options);
  std::vector<stages::ModelFacts> list;
  if (id.empty()) {
    StageContext ctx;
    list = atlas.catalogue().all(atlas.client(ctx), false);
  } else {
    list.push_back(atlas.model_facts(id));
  }
  for (const auto& m : list) {
    if (global.json) {
      std::printf("%s\n", facts_json(m, !id.empty()).c_str());
      continue;
    }
    std::printf("%-32s %-8s %-9s %s\n", m.info.id.c_str(), m.info.type.c_str(),
                price_text(m.info.price).c_str(),
                m.from_service ? "(the service's catalogue)" : ("(" + m.note + ")").c_str());
    if (!id.empty())
      for (const auto& f : m.schema.fields)
        std::printf("  %-26s %-8s %s%s\n", f.name.c_str(), f.type.c_str(),
                    f.required ? "required; " : "", limits(f).c_str());
  }
  return 0;
}

} // namespace

void add_models_command(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto id = std::make_shared<std::string>();
  auto* sub = root.add_subcommand("models", "The service's model catalogue (fields, price)");
  sub->add_option("id", *id, "One model: its input fields with types and limits");
  sub->callback([id, &global, &action] {
    action = [id, &global]() -> int { return run_models(*id, global); };
  });
}

} // namespace shotchain::cli
