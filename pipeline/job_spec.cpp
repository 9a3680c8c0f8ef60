// Job spec parsing: RapidJSON's SAX reader builds a small tree that remembers where every value
// starts, so that every error names the line and column (and the shot id).
#include "pipeline/job_spec.h"

#include <rapidjson/reader.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/json_read.h"
#include "common/time_spec.h"

namespace shotchain::pipeline {
namespace {

struct Node {
  enum class Type { null, boolean, integer, number, string, array, object };
  Type type = Type::null;
  bool b = false;
  long long i = 0;
  double d = 0;
  std::string s;
  // An object's members in text order, each with its key in `key` (a vector of the type
  // being defined is allowed; a vector of pair<string, Node> is not, and clang rejects it).
  std::vector<Node> members;
  std::vector<Node> items;
  std::string key;        // this value's key when it is an object's member
  std::size_t offset = 0; // where the value starts
  std::size_t key_offset = 0;
};

const char* type_name(Node::Type t) {
  switch (t) {
    case Node::Type::null:
      return "null";
    case Node::Type::boolean:
      return "a boolean";
    case Node::Type::integer:
      return "an integer";
    case Node::Type::number:
      return "a number";
    case Node::Type::string:
      return "a string";
    case Node::Type::array:
      return "an array";
    case Node::Type::object:
      return "an object";
  }
  return "?";
}

// Builds the Node tree. The reader reports tokens in text order, so a cursor that skips each
// accepted token gives every value's start (the stream's own offset lags inside the reader).
class TreeBuilder {
 public:
  explicit TreeBuilder(const std::string& text) : text_(text) {}
  Node root;

  bool Null() { return add(Node{}); }
  bool Bool(bool v) {
    Node n;
    n.type = Node::Type::boolean;
    n.b = v;
    return add(std::move(n));
  }
  bool Int(int v) { return integer(v); }
  bool Uint(unsigned v) { return integer(v); }
  bool Int64(std::int64_t v) { return integer(v); }
  bool Uint64(std::uint64_t v) {
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return Double(static_cast<double>(v));
    return integer(static_cast<long long>(v));
  }
  bool Double(double v) {
    Node n;
    n.type = Node::Type::number;
    n.d = v;
    return add(std::move(n));
  }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }
  bool String(const char* str, rapidjson::SizeType len, bool) {
    Node n;
    n.type = Node::Type::string;
    n.s.assign(str, len);
    return add(std::move(n));
  }
  bool StartObject() {
    Node n;
    n.type = Node::Type::object;
    return open(std::move(n));
  }
  bool Key(const char* str, rapidjson::SizeType len, bool) {
    pending_key_offset_ = start_of_token();
    pending_key_.assign(str, len);
    skip_token(pending_key_offset_);
    // A set per open object: scanning the members would make a spec of many keys quadratic.
    if (!keys_.back().insert(pending_key_).second) {
      duplicate_key_ = pending_key_;
      duplicate_offset_ = pending_key_offset_;
      return false;
    }
    return true;
  }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() {
    Node n;
    n.type = Node::Type::array;
    return open(std::move(n));
  }
  bool EndArray(rapidjson::SizeType) { return close(); }

  std::string duplicate_key_;
  std::size_t duplicate_offset_ = 0;

 private:
  bool integer(long long v) {
    Node n;
    n.type = Node::Type::integer;
    n.i = v;
    n.d = static_cast<double>(v);
    return add(std::move(n));
  }
  // The first character at or after the cursor that is not white space, ',' or ':'.
  std::size_t start_of_token() const {
    std::size_t p = pos_;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t' || text_[p] == '\n' ||
                                text_[p] == '\r' || text_[p] == ',' || text_[p] == ':'))
      ++p;
    return p;
  }
  // Moves the cursor past the token that starts at `p` (the reader has accepted it).
  void skip_token(std::size_t p) {
    if (p >= text_.size()) {
      pos_ = p;
      return;
    }
    char ch = text_[p];
    if (ch == '"') {
      ++p;
      while (p < text_.size() && text_[p] != '"') p += text_[p] == '\\' ? 2 : 1;
      pos_ = p + 1;
    } else if (ch == '{' || ch == '[' || ch == '}' || ch == ']') {
      pos_ = p + 1;
    } else {
      while (p < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[p])) ||
                                  text_[p] == '-' || text_[p] == '+' || text_[p] == '.'))
        ++p;
      pos_ = p;
    }
  }
  Node* place(Node&& n) {
    n.offset = start_of_token();
    skip_token(n.offset);
    if (stack_.empty()) {
      root = std::move(n);
      return &root;
    }
    Node* top = stack_.back();
    if (top->type == Node::Type::object) {
      n.key_offset = pending_key_offset_;
      n.key = pending_key_;
      top->members.push_back(std::move(n));
      return &top->members.back();
    }
    top->items.push_back(std::move(n));
    return &top->items.back();
  }
  bool add(Node&& n) {
    place(std::move(n));
    return true;
  }
  bool open(Node&& n) {
    // Containers are filled in place: children are appended to the vector of the node on top
    // of the stack, and a node's address stays valid until its parent gets another child,
    // which only happens after the node is closed.
    bool object = n.type == Node::Type::object;
    stack_.push_back(place(std::move(n)));
    if (object) keys_.emplace_back();
    return true;
  }
  bool close() {
    skip_token(start_of_token());
    if (stack_.back()->type == Node::Type::object) keys_.pop_back();
    stack_.pop_back();
    return true;
  }

  const std::string& text_;
  std::vector<Node*> stack_;
  std::vector<std::set<std::string>> keys_; // the keys seen in each open object
  std::size_t pos_ = 0;
  std::string pending_key_;
  std::size_t pending_key_offset_ = 0;
};

class Checker {
 public:
  Checker(const std::string& text, std::string name) : text_(text), name_(std::move(name)) {}

  std::pair<int, int> line_col(std::size_t offset) const {
    int line = 1, col = 1;
    for (std::size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
        ++col; // count characters, not UTF-8 continuation bytes
      }
    }
    return {line, col};
  }

  [[noreturn]] void fail(std::size_t offset, const std::string& shot, const std::string& field,
                         const std::string& reason) const {
    auto [line, col] = line_col(offset);
    std::string msg = name_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
    if (!shot.empty()) msg += "shot \"" + shot + "\": ";
    if (!field.empty()) msg += field + ": ";
    msg += reason;
    throw Error(Failure::bad_input, msg);
  }

 private:
  const std::string& text_;
  std::string name_;
};

// A view of one JSON object with its allowed keys; reports unknown keys.
class Obj {
 public:
  Obj(const Checker& c, const Node& n, std::string shot, std::string path)
      : c_(c), n_(n), shot_(std::move(shot)), path_(std::move(path)) {
    if (n.type != Node::Type::object)
      c_.fail(n.offset, shot_, path_, std::string("must be an object, not ") + type_name(n.type));
  }
  void allow(std::initializer_list<const char*> keys) {
    for (const Node& m : n_.members) {
      bool ok = std::any_of(keys.begin(), keys.end(), [&](const char* a) { return m.key == a; });
      if (!ok) {
        std::string known;
        for (const char* a : keys) known += (known.empty() ? "" : ", ") + std::string(a);
        c_.fail(m.key_offset, shot_, field(m.key),
                "unknown field (expected one of: " + known + ")");
      }
    }
  }
  const Node* get(const std::string& key) const {
    for (const Node& m : n_.members)
      if (m.key == key) return &m;
    return nullptr;
  }
  bool has(const std::string& key) const { return get(key) != nullptr; }
  std::string field(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }
  const Node& require(const std::string& key) const {
    const Node* v = get(key);
    if (!v) c_.fail(n_.offset, shot_, field(key), "missing (required)");
    return *v;
  }
  std::string str(const std::string& key, const Node& v) const {
    if (v.type != Node::Type::string)
      c_.fail(v.offset, shot_, field(key),
              std::string("must be a string, not ") + type_name(v.type));
    return v.s;
  }
  std::string str(const std::string& key) const { return str(key, require(key)); }
  long long integer(const std::string& key, const Node& v, long long lo, long long hi) const {
    long long x = 0;
    if (v.type == Node::Type::integer)
      x = v.i;
    else if (v.type == Node::Type::number && std::floor(v.d) == v.d && std::abs(v.d) < 1e15)
      x = static_cast<long long>(v.d);
    else
      c_.fail(v.offset, shot_, field(key),
              std::string("must be an integer, not ") + type_name(v.type));
    if (x < lo || x > hi)
      c_.fail(
          v.offset, shot_, field(key),
          std::to_string(x) + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
    return x;
  }
  double number(const std::string& key, const Node& v, double lo, double hi) const {
    if (v.type != Node::Type::integer && v.type != Node::Type::number)
      c_.fail(v.offset, shot_, field(key),
              std::string("must be a number, not ") + type_name(v.type));
    if (!(v.d >= lo && v.d <= hi)) {
      std::ostringstream os;
      os << v.d << " is out of range " << lo << ".." << hi;
      c_.fail(v.offset, shot_, field(key), os.str());
    }
    return v.d;
  }
  bool boolean(const std::string& key, const Node& v) const {
    if (v.type != Node::Type::boolean)
      c_.fail(v.offset, shot_, field(key),
              std::string("must be true or false, not ") + type_name(v.type));
    return v.b;
  }
  [[noreturn]] void fail(const Node& v, const std::string& key, const std::string& reason) const {
    c_.fail(v.offset, shot_, field(key), reason);
  }
  const Node& node() const { return n_; }

 private:
  const Checker& c_;
  const Node& n_;
  std::string shot_;
  std::string path_;
};

std::string time_text(const Obj& o, const std::string& key, const Node& v) {
  std::string t;
  if (v.type == Node::Type::integer || v.type == Node::Type::number) {
    if (v.d < 0) o.fail(v, key, "a time cannot be negative");
    std::ostringstream os;
    os.precision(15);
    os << v.d;
    t = os.str();
  } else if (v.type == Node::Type::string) {
    t = v.s;
  } else {
    o.fail(v, key,
           std::string("must be a time (seconds, HH:MM:SS.mmm or HH:MM:SS:FF), not ") +
               type_name(v.type));
  }
  if (!parse_time(t)) o.fail(v, key, "\"" + t + "\" is not a time: " + kTimeGrammar);
  return t;
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
  });
}

bool lower_alnum(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); }

// Reads 1..max_digits digits at `p`; returns the count read (0: none).
std::size_t digits(const std::string& t, std::size_t p, std::size_t max_digits) {
  std::size_t n = 0;
  while (p + n < t.size() && n < max_digits + 1 && t[p + n] >= '0' && t[p + n] <= '9') ++n;
  return n > max_digits ? 0 : n;
}

bool valid_model(const std::string& m) {
  // vendor/name[/variant[/more]]: 2 to 4 parts of [a-z0-9][a-z0-9._-]*
  if (m.empty() || m.size() > 128) return false;
  int parts = 0;
  std::size_t start = 0;
  while (start <= m.size()) {
    std::size_t slash = m.find('/', start);
    std::string part =
        m.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || !lower_alnum(part[0])) return false;
    for (char ch : part)
      if (!lower_alnum(ch) && ch != '.' && ch != '_' && ch != '-') return false;
    ++parts;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts >= 2 && parts <= 4;
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char ch : s)
    if ((ch & 0xC0) != 0x80) ++n;
  return n;
}

struct Defaults {
  int duration = 6;
  bool prompt_expansion = false;
};

int parse_duration(const Obj& o, const std::string& key, const Node& v) {
  long long d = o.integer(key, v, 1, 3600);
  if (d != 6 && d != 10)
    o.fail(v, key, std::to_string(d) + " is not a supported duration (6 or 10)");
  return static_cast<int>(d);
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_absolute() || base.empty()) return path.lexically_normal();
  return (base / path).lexically_normal();
}

ReferenceSpec parse_reference(const Obj& shot, const Node& v, const std::string& shot_id,
                              const Checker& c, const std::filesystem::path& base) {
  Obj o(c, v, shot_id, "reference");
  o.allow({"image", "video", "shot", "at", "frame", "first", "last", "best_near", "window"});
  ReferenceSpec r;
  int kinds = o.has("image") + o.has("video") + o.has("shot");
  if (kinds != 1)
    shot.fail(v, "reference", "needs exactly one of \"image\", \"video\" or \"shot\"");
  auto path_of = [&](const char* key) {
    std::string p = o.str(key);
    if (p.empty()) o.fail(*o.get(key), key, "must not be empty");
    return resolve(base, p);
  };
  if (o.has("image")) {
    r.kind = ReferenceSpec::Kind::image;
    r.path = path_of("image");
    for (const char* k : {"at", "frame", "first", "last", "best_near", "window"})
      if (o.has(k)) o.fail(*o.get(k), k, "only applies to a \"video\" or \"shot\" reference");
    return r;
  }
  if (o.has("shot")) {
    r.kind = ReferenceSpec::Kind::shot;
    r.shot = o.str("shot");
    r.pick = ReferenceSpec::Pick::last;
    for (const char* k : {"at", "first", "best_near", "window"})
      if (o.has(k))
        o.fail(*o.get(k), k, "a \"shot\" reference always takes that shot's last frame");
    if (const Node* f = o.get("frame"); f && !(f->type == Node::Type::string && f->s == "last"))
      o.fail(*f, "frame", "a \"shot\" reference takes \"last\" (the shot's last frame)");
    if (const Node* l = o.get("last"); l && !o.boolean("last", *l))
      o.fail(*l, "last", "a \"shot\" reference always takes that shot's last frame");
    return r;
  }
  r.kind = ReferenceSpec::Kind::video;
  r.path = path_of("video");
  int picks = o.has("at") + o.has("frame") + o.has("first") + o.has("last") + o.has("best_near");
  if (picks != 1)
    shot.fail(v, "reference",
              "a \"video\" reference needs exactly one of \"at\", \"frame\", \"first\", "
              "\"last\" or \"best_near\"");
  if (o.has("window") && !o.has("best_near"))
    o.fail(*o.get("window"), "window", "only applies with \"best_near\"");
  if (const Node* n = o.get("at")) {
    r.pick = ReferenceSpec::Pick::at;
    r.time = time_text(o, "at", *n);
  } else if (const Node* f = o.get("frame")) {
    if (f->type == Node::Type::string && (f->s == "first" || f->s == "last")) {
      r.pick = f->s == "first" ? ReferenceSpec::Pick::first : ReferenceSpec::Pick::last;
    } else if (f->type == Node::Type::string) {
      o.fail(*f, "frame", "\"" + f->s + "\" is not a frame number, \"first\" or \"last\"");
    } else {
      r.pick = ReferenceSpec::Pick::frame;
      r.frame = o.integer("frame", *f, 0, 100'000'000);
    }
  } else if (const Node* fi = o.get("first")) {
    if (!o.boolean("first", *fi)) o.fail(*fi, "first", "must be true when present");
    r.pick = ReferenceSpec::Pick::first;
  } else if (const Node* la = o.get("last")) {
    if (!o.boolean("last", *la)) o.fail(*la, "last", "must be true when present");
    r.pick = ReferenceSpec::Pick::last;
  } else {
    r.pick = ReferenceSpec::Pick::best_near;
    r.time = time_text(o, "best_near", *o.get("best_near"));
    if (const Node* w = o.get("window")) r.window = o.number("window", *w, 0.04, 60.0);
  }
  return r;
}

ShotSpec parse_shot(const Checker& c, const Node& v, std::size_t index, const Defaults& d,
                    const std::string& model, const std::filesystem::path& base) {
  std::string label = "shots[" + std::to_string(index) + "]";
  // The id first, so every later error can name the shot.
  std::string id;
  if (v.type == Node::Type::object) {
    for (const Node& val : v.members)
      if (val.key == "id") {
        if (val.type != Node::Type::string)
          c.fail(val.offset, "", label + ".id",
                 std::string("must be a string, not ") + type_name(val.type));
        if (!valid_id(val.s))
          c.fail(val.offset, "", label + ".id",
                 "\"" + val.s + "\" is not a valid id (1-64 of A-Z a-z 0-9 _ -)");
        id = val.s;
      }
  }
  Obj o(c, v, id, id.empty() ? label : "");
  if (id.empty()) o.fail(v, "id", "missing (required)");
  o.allow({"id", "reference", "prompt", "segments", "duration", "prompt_expansion", "model",
           "end_image"});
  ShotSpec s;
  s.id = id;
  s.duration = d.duration;
  s.prompt_expansion = d.prompt_expansion;
  s.model = model;
  s.reference = parse_reference(o, o.require("reference"), id, c, base);
  s.prompt = o.str("prompt");
  {
    const Node& p = o.require("prompt");
    bool blank = std::all_of(s.prompt.begin(), s.prompt.end(),
                             [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n'; });
    if (blank) o.fail(p, "prompt", "must not be empty");
    if (utf8_length(s.prompt) > kMaxPromptChars)
      o.fail(p, "prompt",
             std::to_string(utf8_length(s.prompt)) + " characters is over the limit of " +
                 std::to_string(kMaxPromptChars));
  }
  if (const Node* n = o.get("segments"))
    s.segments = static_cast<int>(o.integer("segments", *n, 1, kMaxSegments));
  if (const Node* n = o.get("duration")) s.duration = parse_duration(o, "duration", *n);
  if (const Node* n = o.get("prompt_expansion"))
    s.prompt_expansion = o.boolean("prompt_expansion", *n);
  if (const Node* n = o.get("model")) {
    s.model = o.str("model", *n);
    if (!valid_model(s.model)) o.fail(*n, "model", "\"" + s.model + "\" is not a model id");
  }
  if (const Node* n = o.get("end_image")) {
    std::string p = o.str("end_image", *n);
    if (p.empty()) o.fail(*n, "end_image", "must not be empty");
    if (s.segments != 1) o.fail(*n, "end_image", "only a one-segment shot can have an end image");
    s.end_image = resolve(base, p);
  }
  return s;
}

OutputSpec parse_output(const Checker& c, const Node* v, const std::filesystem::path& base,
                        const std::string& default_name) {
  OutputSpec out;
  out.path = resolve(base, default_name);
  if (!v) return out;
  Obj o(c, *v, "", "output");
  o.allow({"path", "codec", "fps", "size", "timeline", "qc", "contact_sheet"});
  if (const Node* n = o.get("codec")) {
    out.codec = o.str("codec", *n);
    static const std::set<std::string> codecs{"prores_hq", "prores", "prores_4444", "h264"};
    if (!codecs.count(out.codec))
      o.fail(*n, "codec",
             "\"" + out.codec + "\" is not one of: prores_hq, prores, prores_4444, h264");
  }
  if (const Node* n = o.get("path")) {
    std::string p = o.str("path", *n);
    std::filesystem::path fp(p);
    std::string ext = fp.extension().string();
    if (p.empty() || fp.filename().empty()) o.fail(*n, "path", "must name a file");
    if (ext != ".mov" && ext != ".mp4") o.fail(*n, "path", "must end in .mov or .mp4");
    if (ext == ".mp4" && out.codec != "h264")
      o.fail(*n, "path", "an .mp4 sequence needs \"codec\": \"h264\"");
    out.path = resolve(base, p);
  } else if (out.codec == "h264") {
    out.path.replace_extension(".mp4");
  }
  if (const Node* n = o.get("fps")) out.fps = static_cast<int>(o.integer("fps", *n, 1, 120));
  if (const Node* n = o.get("size")) {
    std::string sz = o.str("size", *n);
    std::size_t x = sz.find('x');
    std::size_t wd = digits(sz, 0, 5);
    std::size_t hd = x == std::string::npos ? 0 : digits(sz, x + 1, 5);
    if (x == std::string::npos || wd < 2 || wd != x || hd < 2 || x + 1 + hd != sz.size())
      o.fail(*n, "size", "\"" + sz + "\" is not WIDTHxHEIGHT");
    out.width = std::stoi(sz.substr(0, x));
    out.height = std::stoi(sz.substr(x + 1));
    if (out.width < 16 || out.height < 16 || out.width > 7680 || out.height > 4320 ||
        out.width % 2 || out.height % 2)
      o.fail(*n, "size", "\"" + sz + "\" must be even numbers from 16x16 to 7680x4320");
  }
  if (const Node* n = o.get("timeline")) {
    if (n->type != Node::Type::array)
      o.fail(*n, "timeline", std::string("must be an array, not ") + type_name(n->type));
    out.timelines.clear();
    for (const Node& t : n->items) {
      if (t.type != Node::Type::string || (t.s != "otio" && t.s != "fcpxml" && t.s != "edl"))
        o.fail(t, "timeline", "entries must be \"otio\", \"fcpxml\" or \"edl\"");
      if (std::find(out.timelines.begin(), out.timelines.end(), t.s) != out.timelines.end())
        o.fail(t, "timeline", "\"" + t.s + "\" is listed twice");
      out.timelines.push_back(t.s);
    }
  }
  if (const Node* n = o.get("qc")) out.qc = o.boolean("qc", *n);
  if (const Node* n = o.get("contact_sheet")) out.contact_sheet = o.boolean("contact_sheet", *n);
  return out;
}

} // namespace

std::string ReferenceSpec::describe() const {
  switch (kind) {
    case Kind::image:
      return "image " + path.string();
    case Kind::shot:
      return "last frame of shot " + shot;
    case Kind::video:
      break;
  }
  std::string s = "video " + path.string() + " ";
  switch (pick) {
    case Pick::at:
      return s + "at " + time;
    case Pick::frame:
      return s + "frame " + std::to_string(frame);
    case Pick::first:
      return s + "first frame";
    case Pick::last:
      return s + "last frame";
    case Pick::best_near: {
      std::ostringstream os;
      os << s << "best near " << time << " window " << window;
      return os.str();
    }
    case Pick::none:
      break;
  }
  return s;
}

const ShotSpec* JobSpec::find(const std::string& id) const {
  for (const auto& s : shots)
    if (s.id == id) return &s;
  return nullptr;
}

std::vector<std::string> JobSpec::dependency_order() const {
  std::vector<std::string> order;
  std::set<std::string> done, visiting;
  std::function<void(const ShotSpec&)> visit = [&](const ShotSpec& s) {
    if (done.count(s.id)) return;
    if (s.reference.kind == ReferenceSpec::Kind::shot) {
      // A host may build a JobSpec by hand: a missing or circular reference is its error, not
      // a crash (parse_job_spec refuses both).
      const ShotSpec* before = find(s.reference.shot);
      if (!before || !visiting.insert(s.id).second)
        throw Error(Failure::bad_input, "shot \"" + s.id + "\": reference.shot \"" +
                                            s.reference.shot + "\" is missing or circular");
      visit(*before);
      visiting.erase(s.id);
    }
    done.insert(s.id);
    order.push_back(s.id);
  };
  for (const auto& s : shots) visit(s);
  return order;
}

JobSpec parse_job_spec(const std::string& text, const std::string& name,
                       const std::filesystem::path& base_dir) {
  Checker c(text, name);
  const json::Limits limits;
  if (text.size() > limits.max_bytes)
    c.fail(0, "", "", "the job spec is larger than " + std::to_string(limits.max_bytes) + " bytes");
  rapidjson::StringStream stream(text.c_str());
  TreeBuilder builder(text);
  json::DepthLimited<TreeBuilder> limited(builder, limits.max_depth);
  rapidjson::Reader reader;
  auto result = reader.Parse<json::kParseFlags>(stream, limited);
  if (!builder.duplicate_key_.empty())
    c.fail(builder.duplicate_offset_, "", builder.duplicate_key_, "field given twice");
  if (result.IsError())
    c.fail(result.Offset(), "", "",
           json::describe_failure(result.Code(), limited.too_deep(), limits.max_depth));
  if (text.find('\0') != std::string::npos) c.fail(text.find('\0'), "", "", "NUL byte in file");

  const Node& root = builder.root;
  Obj top(c, root, "", "");
  top.allow({"model", "defaults", "output", "shots"});
  JobSpec job;
  job.base_dir = base_dir;
  if (const Node* n = top.get("model")) {
    job.model = top.str("model", *n);
    if (!valid_model(job.model)) top.fail(*n, "model", "\"" + job.model + "\" is not a model id");
  }
  Defaults d;
  if (const Node* n = top.get("defaults")) {
    Obj o(c, *n, "", "defaults");
    o.allow({"duration", "prompt_expansion"});
    if (const Node* v = o.get("duration")) d.duration = parse_duration(o, "duration", *v);
    if (const Node* v = o.get("prompt_expansion"))
      d.prompt_expansion = o.boolean("prompt_expansion", *v);
  }
  std::string stem = std::filesystem::path(name).stem().string();
  if (stem.empty()) stem = "sequence";
  job.output = parse_output(c, top.get("output"), base_dir, "out/" + stem + ".mov");

  const Node& shots = top.require("shots");
  if (shots.type != Node::Type::array)
    top.fail(shots, "shots", std::string("must be an array, not ") + type_name(shots.type));
  if (shots.items.empty()) top.fail(shots, "shots", "needs at least one shot");
  if (shots.items.size() > static_cast<std::size_t>(kMaxShots))
    top.fail(shots, "shots", "more than " + std::to_string(kMaxShots) + " shots");
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < shots.items.size(); ++i) {
    ShotSpec s = parse_shot(c, shots.items[i], i, d, job.model, base_dir);
    auto [line, col] = c.line_col(shots.items[i].offset);
    s.line = line;
    s.column = col;
    if (seen.count(s.id)) c.fail(shots.items[i].offset, s.id, "id", "the id is used twice");
    seen[s.id] = i;
    job.shots.push_back(std::move(s));
  }
  // Shot references: the shot must exist, not be itself, and not form a cycle. Every
  // reference is checked to exist before any chain is walked: a chain that ends at a missing
  // id (a -> b -> missing) must be reported, not followed into a null pointer.
  auto reference_node = [&](std::size_t i) -> const Node& {
    return *Obj(c, shots.items[i], job.shots[i].id, "").get("reference");
  };
  for (std::size_t i = 0; i < job.shots.size(); ++i) {
    const auto& s = job.shots[i];
    if (s.reference.kind != ReferenceSpec::Kind::shot) continue;
    if (!seen.count(s.reference.shot))
      c.fail(reference_node(i).offset, s.id, "reference.shot",
             "no shot has the id \"" + s.reference.shot + "\"");
    if (s.reference.shot == s.id)
      c.fail(reference_node(i).offset, s.id, "reference.shot",
             "a shot cannot start from its own last frame");
  }
  for (std::size_t i = 0; i < job.shots.size(); ++i) {
    const auto& s = job.shots[i];
    if (s.reference.kind != ReferenceSpec::Kind::shot) continue;
    const Node& ref = reference_node(i);
    std::set<std::string> path{s.id};
    const ShotSpec* cur = &s;
    while (cur->reference.kind == ReferenceSpec::Kind::shot) {
      cur = job.find(cur->reference.shot);
      if (!path.insert(cur->id).second)
        c.fail(ref.offset, s.id, "reference.shot",
               "shot references form a cycle through \"" + cur->id + "\"");
    }
  }
  return job;
}

JobSpec load_job_spec(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(Failure::bad_input, file.string() + ": cannot read the job spec");
  std::ostringstream os;
  os << in.rdbuf();
  std::string text = os.str();
  if (text.size() > 16 * 1024 * 1024)
    throw Error(Failure::bad_input, file.string() + ": the job spec is over 16 MiB");
  auto base = std::filesystem::absolute(file).parent_path();
  JobSpec job = parse_job_spec(text, file.string(), base);
  job.file = file;
  return job;
}

} // namespace shotchain::pipeline
