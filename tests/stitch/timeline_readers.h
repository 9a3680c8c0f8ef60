#pragma once
// Readers for the three timelines as the tests see them, written from the formats' specs (not
// from the writers): FCPXML through xmllint's XPath, OTIO through a JSON parser, the EDL by its
// fixed event lines. Times come back as exact fractions of a second so that "within the
// media" and "adds up" are compared without rounding.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace shotchain::test {

// num/den seconds, den > 0.
struct Seconds {
  std::int64_t num = 0;
  std::int64_t den = 1;
};
Seconds operator+(Seconds a, Seconds b);
Seconds operator-(Seconds a, Seconds b);
bool operator==(Seconds a, Seconds b);
bool operator<=(Seconds a, Seconds b);
double to_double(Seconds s);
// `frames` frames at num/den frames per second.
Seconds frames_at(std::int64_t frames, std::int64_t rate_num, std::int64_t rate_den);
// "0s", "3600s", "1001/30000s".
Seconds parse_fcp_time(const std::string& text);
// "30000/1001", "25/1", "25".
Seconds parse_ratio(const std::string& text);

// The DTD the FCPXML tests validate against: ../shared/data/fcpxml/FCPXMLv1_9.dtd beside the
// source tree (the project does not carry a copy).
std::filesystem::path fcpxml_dtd();

// Values of the attributes an XPath selects, in document order (xmllint --xpath).
std::vector<std::string> xpath_values(const std::filesystem::path& file, const std::string& xpath);

// One EDL event line and the comments under it.
struct EdlEvent {
  std::string number, reel, channels, transition;
  std::string source_in, source_out, record_in, record_out; // timecodes as written
  std::vector<std::string> comments;                        // "* ..." lines, as written
};
struct Edl {
  std::string title, fcm;
  std::vector<EdlEvent> events;
  std::vector<std::string> lines;
};
Edl parse_edl(const std::string& text);
// The comment after "* KEY: " in an event ("" when absent).
std::string edl_comment(const EdlEvent& event, const std::string& key);

// A timecode's frame number at `nominal` frames per timecode second, drop-frame when it uses
// ';' (2 frame numbers dropped per minute at 30, 4 at 60, except every tenth minute).
std::int64_t timecode_frames(const std::string& tc, int nominal);

} // namespace shotchain::test
