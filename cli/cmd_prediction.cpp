// shotchain prediction ID [-o OUT.mp4]: a job's state, or its clip downloaded and verified.
// shotchain history: recent jobs of this key. Both need an API key (exit 2 without one).
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/json_text.h"
#include "cli/progress_sink.h"
#include "common/error.h"
#include "pipeline/backends.h"
#include "remote/url.h"
#include "stages/generate_atlas.h"

namespace shotchain::cli {
namespace {

std::string prediction_json(const remote::Prediction& p) {
  std::string s = "{\"event\":\"prediction\",\"id\":\"" + json_escape(p.id) + "\",\"status\":\"" +
                  json_escape(p.status) + "\",\"model\":\"" + json_escape(p.model) +
                  "\",\"created_at\":\"" + json_escape(p.created_at) + "\"";
  if (!p.completed_at.empty()) s += ",\"completed_at\":\"" + json_escape(p.completed_at) + "\"";
  if (!p.error.empty()) s += ",\"error\":\"" + json_escape(p.error) + "\"";
  s += ",\"outputs\":[";
  for (size_t i = 0; i < p.outputs.size(); ++i)
    s += (i ? ",\"" : "\"") + json_escape(remote::redact_url(p.outputs[i])) + "\"";
  s += "]}";
  return s;
}

std::string require_key(const GlobalOptions& global, const std::string& what) {
  if (global.backend == "preview")
    throw Error(Failure::bad_input, what + ": asks the service; not with --backend preview");
  pipeline::BackendChoice choice{global.backend,   global.api_base, global.api_key_file,
                                 global.verbosity, nullptr,         {}};
  std::string key = pipeline::find_api_key(choice);
  if (key.empty())
    throw Error(Failure::bad_input,
                what + ": needs an API key (set ATLASCLOUD_API_KEY or --api-key-file)");
  return key;
}

remote::LogSink verbose_log(const GlobalOptions& global) {
  if (global.verbosity < 2) return {};
  return [](const std::string& line) { std::fprintf(stderr, "shotchain: %s\n", line.c_str()); };
}

int run_prediction(const std::string& id, const std::string& output, const GlobalOptions& global) {
  std::string key = require_key(global, "prediction");
  stages::AtlasBackend atlas(stages::atlas_options(global.api_base, key, verbose_log(global)));
  if (output.empty()) {
    StageContext ctx;
    auto p = atlas.client(ctx).prediction(id);
    if (global.json) {
      std::printf("%s\n", prediction_json(p).c_str());
    } else {
      std::printf("%s: %s\n", p.id.c_str(), p.status.c_str());
      if (!p.model.empty()) std::printf("  model:      %s\n", p.model.c_str());
      if (!p.created_at.empty()) std::printf("  created:    %s\n", p.created_at.c_str());
      if (!p.completed_at.empty()) std::printf("  completed:  %s\n", p.completed_at.c_str());
      if (p.predict_time > 0) std::printf("  run time:   %.2f s\n", p.predict_time);
      if (!p.error.empty()) std::printf("  error:      %s\n", p.error.c_str());
      for (const auto& o : p.outputs)
        std::printf("  output:     %s\n", remote::redact_url(o).c_str());
    }
    if (p.state() == remote::PredictionState::failed)
      throw Error(Failure::refused,
                  "prediction " + id + " " + p.status + (p.error.empty() ? "" : ": " + p.error));
    return 0;
  }
  std::filesystem::path out(output);
  std::string ext = out.extension().string();
  if (ext != ".mp4" && ext != ".MP4")
    throw Error(Failure::bad_input, "-o " + output + ": must end in .mp4");
  std::error_code ec;
  if (out.has_parent_path() && !std::filesystem::is_directory(out.parent_path(), ec))
    throw Error(Failure::bad_input, "-o " + output + ": the folder does not exist");
  std::unique_ptr<ProgressSink> sink = make_progress_sink(global, false);
  CancelToken cancel;
  StageContext ctx;
  ctx.sink = sink.get();
  ctx.cancel = &cancel;
  auto r = atlas.fetch(id, out, 0, ctx);
  if (!global.json && global.verbosity > 0)
    std::printf("%s: %d frames, %dx%d (prediction %s)\n", r.file.string().c_str(), r.frames,
                r.width, r.height, id.c_str());
  return 0;
}

int run_history(const GlobalOptions& global) {
  std::string key = require_key(global, "history");
  stages::AtlasBackend atlas(stages::atlas_options(global.api_base, key, verbose_log(global)));
  StageContext ctx;
  auto items = atlas.client(ctx).history();
  for (const auto& p : items) {
    if (global.json)
      std::printf("%s\n", prediction_json(p).c_str());
    else
      std::printf("%-28s %-11s %-28s %s\n", p.id.c_str(), p.status.c_str(), p.model.c_str(),
                  p.created_at.c_str());
  }
  if (items.empty() && !global.json && global.verbosity > 0) std::printf("(no predictions)\n");
  return 0;
}

} // namespace

void add_prediction_commands(CLI::App& root, const GlobalOptions& global, Action& action) {
  auto id = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto* pred = root.add_subcommand("prediction", "Show a job's state, or download its clip");
  pred->add_option("id", *id, "Prediction id")->required();
  pred->add_option("-o,--output", *output, "Download the finished clip here (.mp4)");
  pred->callback([id, output, &global, &action] {
    action = [id, output, &global]() -> int { return run_prediction(*id, *output, global); };
  });
  auto* hist = root.add_subcommand("history", "Recent jobs of this API key");
  hist->callback(
      [&global, &action] { action = [&global]() -> int { return run_history(global); }; });
}

} // namespace shotchain::cli
