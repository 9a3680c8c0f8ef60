#pragma once
// A scene list written as CSV (PySceneDetect's column layout, so its users' scripts keep
// working, plus three columns at the end), JSON, a CMX3600 EDL or an OTIO timeline of the
// cuts (through the timeline writers stitch uses), and read back from JSON (for
// `storyboard --scenes`).
#include <filesystem>
#include <string>

#include "stages/scenes/detect.h"

namespace shotchain::scenes {

enum class ListFormat { csv, json, edl, otio };
// By the file's extension; nullopt when it is none of .csv .json .edl .otio.
std::optional<ListFormat> list_format_for_path(const std::filesystem::path& path);

// "HH:MM:SS:FF" of `frame` counted from the source's start timecode (non-drop-frame).
std::string source_timecode(const SceneList& list, int64_t frame);

std::string to_csv(const SceneList& list);
std::string to_json(const SceneList& list);
std::string to_edl(const SceneList& list);
std::string to_otio(const SceneList& list);

// Writes `list` to `path` in the format its extension names (atomically).
void write_scene_list(const SceneList& list, const std::filesystem::path& path);

// Reads a list written by to_json(). Throws Error(bad_input) naming the file and the field.
SceneList read_scene_list_json(const std::filesystem::path& path);

} // namespace shotchain::scenes
