// OTIO, FCPXML 1.9 and CMX3600 EDL writers (pure text).
#include "stages/timeline/timeline.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>
#include <system_error>

#include "common/error.h"

namespace shotchain::timeline {
namespace fs = std::filesystem;

std::int64_t Sequence::frames() const {
  std::int64_t n = 0;
  for (const auto& c : clips) n += c.length();
  return n;
}

std::string timecode(std::int64_t frame, Rate fps) {
  const std::int64_t fpsn = fps.nominal() > 0 ? fps.nominal() : 25;
  if (frame < 0) frame = 0;
  const std::int64_t ff = frame % fpsn;
  const std::int64_t total_s = frame / fpsn;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld:%02lld",
                static_cast<long long>(total_s / 3600 % 24),
                static_cast<long long>(total_s / 60 % 60), static_cast<long long>(total_s % 60),
                static_cast<long long>(ff));
  return buf;
}

std::vector<std::string> reel_names(const std::vector<Entry>& clips) {
  std::vector<std::string> out;
  std::set<std::string> used;
  for (std::size_t i = 0; i < clips.size(); ++i) {
    std::string stem = clips[i].source.stem().string();
    std::string reel;
    for (char ch : stem) {
      unsigned char c = static_cast<unsigned char>(ch);
      if (std::isalnum(c))
        reel += static_cast<char>(std::toupper(c));
      else if (c == '_' || c == '-' || c == ' ' || c == '.')
        reel += '_';
      if (reel.size() == 8) break;
    }
    if (reel.empty()) reel = "CLIP";
    // The same source used twice keeps its reel; different sources get distinct reels.
    bool same_source = false;
    for (std::size_t j = 0; j < i; ++j)
      if (clips[j].source == clips[i].source) {
        reel = out[j];
        same_source = true;
        break;
      }
    if (!same_source && used.count(reel)) {
      for (int n = 1;; ++n) {
        std::string suffix = std::to_string(n);
        std::string candidate = reel.substr(0, 8 - suffix.size()) + suffix;
        if (!used.count(candidate)) {
          reel = candidate;
          break;
        }
      }
    }
    used.insert(reel);
    out.push_back(reel);
  }
  return out;
}

namespace {

std::string file_url(const fs::path& path) {
  std::string abs = fs::absolute(path).lexically_normal().string();
  std::string url = "file://";
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : abs) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      url += static_cast<char>(c);
    } else {
      url += '%';
      url += hex[c >> 4];
      url += hex[c & 15];
    }
  }
  return url;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n')
          out += ' ';
        else
          out += c;
    }
  }
  return out;
}

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void key(Writer& w, const char* k) { w.Key(k); }
void str(Writer& w, const std::string& s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}

void rational_time(Writer& w, std::int64_t frames, Rate fps) {
  w.StartObject();
  key(w, "OTIO_SCHEMA");
  w.String("RationalTime.1");
  key(w, "rate");
  w.Double(static_cast<double>(fps.num) / fps.den);
  key(w, "value");
  w.Double(static_cast<double>(frames));
  w.EndObject();
}

void time_range(Writer& w, std::int64_t start, std::int64_t duration, Rate fps) {
  w.StartObject();
  key(w, "OTIO_SCHEMA");
  w.String("TimeRange.1");
  key(w, "duration");
  rational_time(w, duration, fps);
  key(w, "start_time");
  rational_time(w, start, fps);
  w.EndObject();
}

void empty_lists(Writer& w) {
  key(w, "effects");
  w.StartArray();
  w.EndArray();
  key(w, "markers");
  w.StartArray();
  w.EndArray();
  key(w, "enabled");
  w.Bool(true);
}

void otio_clip(Writer& w, const Entry& e, Rate fps) {
  w.StartObject();
  key(w, "OTIO_SCHEMA");
  w.String("Clip.1");
  key(w, "name");
  str(w, e.name);
  key(w, "metadata");
  w.StartObject();
  key(w, "shotchain");
  w.StartObject();
  for (const auto& [k, v] : e.metadata) {
    str(w, k);
    str(w, v);
  }
  w.EndObject();
  w.EndObject();
  key(w, "source_range");
  time_range(w, e.source_start + e.source_in, e.length(), fps);
  key(w, "media_reference");
  w.StartObject();
  key(w, "OTIO_SCHEMA");
  w.String("ExternalReference.1");
  key(w, "name");
  str(w, e.source.filename().string());
  key(w, "target_url");
  str(w, file_url(e.source));
  key(w, "available_range");
  time_range(w, e.source_start, e.available, fps);
  key(w, "metadata");
  w.StartObject();
  w.EndObject();
  w.EndObject();
  empty_lists(w);
  w.EndObject();
}

void otio_gap(Writer& w, std::int64_t length, Rate fps) {
  w.StartObject();
  key(w, "OTIO_SCHEMA");
  w.String("Gap.1");
  key(w, "name");
  w.String("");
  key(w, "metadata");
  w.StartObject();
  w.EndObject();
  key(w, "source_range");
  time_range(w, 0, length, fps);
  empty_lists(w);
  w.EndObject();
}

} // namespace

std::string to_otio(const Sequence& seq) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.SetIndent(' ', 2);
  w.StartObject();
  key(w, "OTIO_SCHEMA");
  w.String("Timeline.1");
  key(w, "name");
  str(w, seq.name);
  key(w, "metadata");
  w.StartObject();
  key(w, "shotchain");
  w.StartObject();
  key(w, "width");
  w.Int(seq.width);
  key(w, "height");
  w.Int(seq.height);
  w.EndObject();
  w.EndObject();
  key(w, "global_start_time");
  rational_time(w, seq.start(), seq.fps);
  key(w, "tracks");
  w.StartObject();
  key(w, "OTIO_SCHEMA");
  w.String("Stack.1");
  key(w, "name");
  w.String("tracks");
  key(w, "metadata");
  w.StartObject();
  w.EndObject();
  key(w, "source_range");
  w.Null();
  empty_lists(w);
  key(w, "children");
  w.StartArray();
  for (int audio = 0; audio < (seq.has_audio ? 2 : 1); ++audio) {
    w.StartObject();
    key(w, "OTIO_SCHEMA");
    w.String("Track.1");
    key(w, "name");
    w.String(audio ? "A1" : "V1");
    key(w, "kind");
    w.String(audio ? "Audio" : "Video");
    key(w, "metadata");
    w.StartObject();
    w.EndObject();
    key(w, "source_range");
    w.Null();
    empty_lists(w);
    key(w, "children");
    w.StartArray();
    for (const auto& e : seq.clips) {
      if (audio && !e.has_audio)
        otio_gap(w, e.length(), seq.fps);
      else
        otio_clip(w, e, seq.fps);
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

namespace {
// A time of `frames` sequence frames as an FCPXML rational ("0s", "3600/25s", "1001/30000s").
std::string fcp_time(std::int64_t frames, Rate fps) {
  if (frames == 0) return "0s";
  std::int64_t num = frames * fps.den;
  std::int64_t den = fps.num;
  if (num % den == 0) return std::to_string(num / den) + "s";
  return std::to_string(num) + "/" + std::to_string(den) + "s";
}
} // namespace

std::string to_fcpxml(const Sequence& seq) {
  std::ostringstream x;
  const Rate fps = seq.fps;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n"
    << "<fcpxml version=\"1.9\">\n  <resources>\n"
    << "    <format id=\"r1\" name=\"FFVideoFormat" << seq.height << "p" << fps.nominal()
    << "\" frameDuration=\"" << fps.den << "/" << fps.num << "s\" width=\"" << seq.width
    << "\" height=\"" << seq.height << "\" colorSpace=\"1-1-1 (Rec. 709)\"/>\n";
  for (std::size_t i = 0; i < seq.clips.size(); ++i) {
    const auto& e = seq.clips[i];
    x << "    <asset id=\"r" << i + 2 << "\" name=\"" << xml_escape(e.name) << "\" start=\""
      << fcp_time(e.source_start, fps) << "\" duration=\"" << fcp_time(e.available, fps)
      << "\" hasVideo=\"1\" format=\"r1\" videoSources=\"1\"";
    if (e.has_audio) x << " hasAudio=\"1\" audioSources=\"1\" audioChannels=\"2\"";
    x << ">\n      <media-rep kind=\"original-media\" src=\"" << xml_escape(file_url(e.source))
      << "\"/>\n    </asset>\n";
  }
  x << "  </resources>\n  <library>\n    <event name=\"shotchain\">\n"
    << "      <project name=\"" << xml_escape(seq.name) << "\">\n"
    << "        <sequence format=\"r1\" duration=\"" << fcp_time(seq.frames(), fps)
    << "\" tcStart=\"" << fcp_time(seq.start(), fps) << "\" tcFormat=\"NDF\">\n"
    << "          <spine>\n";
  std::int64_t record = seq.start();
  for (std::size_t i = 0; i < seq.clips.size(); ++i) {
    const auto& e = seq.clips[i];
    x << "            <asset-clip ref=\"r" << i + 2 << "\" name=\"" << xml_escape(e.name)
      << "\" offset=\"" << fcp_time(record, fps) << "\" start=\""
      << fcp_time(e.source_start + e.source_in, fps) << "\" duration=\""
      << fcp_time(e.length(), fps) << "\" format=\"r1\" tcFormat=\"NDF\"";
    if (e.metadata.empty()) {
      x << "/>\n";
    } else {
      x << ">\n              <metadata>\n";
      for (const auto& [k, v] : e.metadata)
        x << "                <md key=\"com.shotchain." << xml_escape(k) << "\" value=\""
          << xml_escape(v) << "\"/>\n";
      x << "              </metadata>\n            </asset-clip>\n";
    }
    record += e.length();
  }
  x << "          </spine>\n        </sequence>\n      </project>\n    </event>\n"
    << "  </library>\n</fcpxml>\n";
  return x.str();
}

std::string to_edl(const Sequence& seq) {
  std::ostringstream x;
  std::string title = seq.name;
  for (char& c : title)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  x << "TITLE: " << title << "\nFCM: NON-DROP FRAME\n\n";
  const auto reels = reel_names(seq.clips);
  std::int64_t record = seq.start();
  for (std::size_t i = 0; i < seq.clips.size(); ++i) {
    const auto& e = seq.clips[i];
    char line[160];
    std::snprintf(line, sizeof line, "%03zu  %-8s %-5s C        %s %s %s %s\n", (i + 1) % 1000,
                  reels[i].c_str(), e.has_audio ? "AA/V" : "V",
                  timecode(e.source_start + e.source_in, seq.fps).c_str(),
                  timecode(e.source_start + e.source_out, seq.fps).c_str(),
                  timecode(record, seq.fps).c_str(),
                  timecode(record + e.length(), seq.fps).c_str());
    x << line;
    auto clean = [](std::string s) {
      for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
      return s;
    };
    x << "* FROM CLIP NAME: " << clean(e.name) << "\n";
    x << "* REEL " << reels[i] << " IS CLIP " << clean(e.source.filename().string()) << "\n";
    x << "* SOURCE FILE: " << clean(fs::absolute(e.source).lexically_normal().string()) << "\n\n";
    record += e.length();
  }
  return x.str();
}

void write_text_file(const fs::path& path, const std::string& text) {
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throw Error(Failure::runtime, std::error_code(errno, std::generic_category()),
                path.string() + ": cannot create: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmpl.c_str());
      throw Error(Failure::runtime, std::error_code(err, std::generic_category()),
                  path.string() + ": write failed: " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    throw Error(Failure::runtime, std::error_code(err, std::generic_category()),
                path.string() + ": cannot write: " + std::strerror(err));
  }
}

} // namespace shotchain::timeline
