#include "json/json_document.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse_options.hpp>
#include <boost/json/stream_parser.hpp>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "engine/safe_text.h"

namespace rdptriage::internal {
namespace {

// Records the line and column of every value, keyed by JSON pointer. Runs
// only on text Boost.JSON has already accepted, so it can be simple.
class PositionScanner {
 public:
  PositionScanner(std::string_view text, std::unordered_map<std::string, SourcePos>* out)
      : text_(text), out_(out) {}

  void scan() {
    skip_ws();
    value("");
  }

 private:
  void record(const std::string& pointer) { (*out_)[pointer] = {line_, column()}; }
  int column() const { return static_cast<int>(pos_ - line_start_) + 1; }

  void advance() {
    if (pos_ < text_.size() && text_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }
  void skip_ws() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      advance();
  }

  void value(const std::string& pointer) {
    if (pos_ >= text_.size()) return;
    record(pointer);
    char c = text_[pos_];
    if (c == '{') {
      advance();
      skip_ws();
      while (pos_ < text_.size() && text_[pos_] != '}') {
        std::string key = string();
        skip_ws();
        advance();  // ':'
        skip_ws();
        value(pointer_join(pointer, key));
        skip_ws();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          advance();
          skip_ws();
        }
      }
      advance();
    } else if (c == '[') {
      advance();
      skip_ws();
      std::size_t index = 0;
      while (pos_ < text_.size() && text_[pos_] != ']') {
        value(pointer_join(pointer, index++));
        skip_ws();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          advance();
          skip_ws();
        }
      }
      advance();
    } else if (c == '"') {
      string();
    } else {
      while (pos_ < text_.size() &&
             std::string_view(",]} \t\r\n").find(text_[pos_]) == std::string_view::npos)
        advance();
    }
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  unsigned hex4() {
    unsigned v = 0;
    for (int i = 0; i < 4 && pos_ < text_.size(); ++i, advance()) {
      char h = text_[pos_];
      v = v * 16 +
          static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h))
                                    ? h - '0'
                                    : (std::tolower(static_cast<unsigned char>(h)) - 'a' + 10));
    }
    return v;
  }

  // Consumes a string literal and returns its unescaped contents.
  std::string string() {
    std::string out;
    advance();  // opening quote
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_];
      if (c != '\\') {
        out += c;
        advance();
        continue;
      }
      advance();
      char e = pos_ < text_.size() ? text_[pos_] : '"';
      advance();
      switch (e) {
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && text_.substr(pos_, 2) == "\\u") {
            advance();
            advance();
            unsigned low = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          out += e;
      }
    }
    advance();  // closing quote
    return out;
  }

  std::string_view text_;
  std::unordered_map<std::string, SourcePos>* out_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  int line_ = 1;
};

std::string errno_text(int error) { return std::generic_category().message(error); }

// Why a file of mode `mode` is not read as a document, or empty for a
// regular file.
std::string not_regular_reason(mode_t mode) {
  if (S_ISREG(mode)) return "";
  if (S_ISFIFO(mode)) return "a FIFO, not a regular file";
  if (S_ISSOCK(mode)) return "a socket, not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device, not a regular file";
  if (S_ISDIR(mode)) return "a directory, not a regular file";
  return "not a regular file";
}

SourcePos position_of_offset(std::string_view text, std::size_t offset) {
  SourcePos p{1, 1};
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

}  // namespace

StatusOr<JsonDocument> JsonDocument::parse(std::string_view text, std::string name,
                                           const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status(ErrorCode::kLimitExceeded,
                  name + " is " + std::to_string(text.size()) + " bytes, over the limit of " +
                      std::to_string(limits.max_bytes),
                  {Diagnostic{name, 0, 0, "", "",
                              "file is larger than max_file_bytes (" +
                                  std::to_string(limits.max_bytes) + ")"}});
  }
  boost::json::parse_options options;
  options.max_depth = limits.max_depth;
  boost::json::stream_parser parser({}, options);
  boost::system::error_code ec;
  std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = boost::json::error::extra_data;
  if (!ec) parser.finish(ec);
  if (ec) {
    SourcePos p = position_of_offset(text, consumed);
    const bool too_deep = ec == boost::json::error::too_deep;
    std::string message =
        too_deep ? "nesting deeper than max_depth (" + std::to_string(limits.max_depth) + ")"
                 : "invalid JSON: " + ec.message();
    return Status(
        too_deep ? ErrorCode::kLimitExceeded : ErrorCode::kParseError,
        name + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + message,
        {Diagnostic{name, p.line, p.column, "", "", message}});
  }
  JsonDocument doc;
  doc.root_ = parser.release();
  doc.name_ = std::move(name);
  PositionScanner(text, &doc.positions_).scan();
  return doc;
}

StatusOr<JsonDocument> JsonDocument::parse_file(const std::string& path, const JsonLimits& limits) {
  auto io_error = [&](const std::string& why) {
    return Status(ErrorCode::kIoError, path + ": " + why, {Diagnostic{path, 0, 0, "", "", why}});
  };
  // What the path is, before opening it: opening a FIFO blocks until a
  // writer comes, and a device such as /dev/zero never ends.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return io_error("cannot read: " + errno_text(errno));
  if (std::string why = not_regular_reason(st.st_mode); !why.empty()) return io_error(why);
  // O_NONBLOCK: should the path be swapped for a FIFO after the check, the
  // open still returns, and fstat below refuses it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open: " + errno_text(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0) return io_error("cannot read: " + errno_text(errno));
  if (std::string why = not_regular_reason(st.st_mode); !why.empty()) return io_error(why);
  auto too_large = [&](std::uint64_t size) {
    return Status(ErrorCode::kLimitExceeded,
                  path + " is " + std::to_string(size) + " bytes, over the limit of " +
                      std::to_string(limits.max_bytes),
                  {Diagnostic{path, 0, 0, "", "",
                              "file is larger than max_file_bytes (" +
                                  std::to_string(limits.max_bytes) + ")"}});
  };
  if (static_cast<std::uint64_t>(st.st_size) > limits.max_bytes)
    return too_large(static_cast<std::uint64_t>(st.st_size));
  // Read at most one byte past the limit: a file that grows while it is
  // read (or a /proc file, whose size says 0) is still bounded.
  std::string text;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("read error: " + errno_text(errno));
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > limits.max_bytes) return too_large(text.size());
  }
  return parse(text, path, limits);
}

SourcePos JsonDocument::position(std::string_view pointer) const {
  std::string p(pointer);
  while (true) {
    auto it = positions_.find(p);
    if (it != positions_.end()) return it->second;
    if (p.empty()) return {};
    p.erase(p.rfind('/'));
  }
}

std::string pointer_to_path(std::string_view pointer) {
  if (pointer.empty()) return "(root)";
  std::string out;
  std::size_t i = 1;
  while (i <= pointer.size()) {
    std::size_t next = pointer.find('/', i);
    std::string_view raw = pointer.substr(i, next == std::string_view::npos ? next : next - i);
    std::string token;
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '~' && k + 1 < raw.size()) {
        token += raw[k + 1] == '1' ? '/' : '~';
        ++k;
      } else {
        token += raw[k];
      }
    }
    bool index = !token.empty() && std::all_of(token.begin(), token.end(),
                                               [](char c) { return c >= '0' && c <= '9'; });
    if (index)
      out += "[" + token + "]";
    else
      out += (out.empty() ? "" : ".") + token;
    if (next == std::string_view::npos) break;
    i = next + 1;
  }
  return out;
}

std::string pointer_join(std::string_view pointer, std::string_view token) {
  std::string out(pointer);
  out += '/';
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string pointer_join(std::string_view pointer, std::size_t index) {
  return std::string(pointer) + "/" + std::to_string(index);
}

void DiagnosticSink::add(std::string_view pointer, std::string_view subject, std::string message) {
  const std::size_t same = ++seen_[message];
  if (same > kSameMessageCap) {
    ++held_back_;
    ++same_[message];
    return;
  }
  if (kept_ >= kMaxDiagnostics) {
    ++held_back_;
    ++over_total_;
    return;
  }
  ++kept_;
  SourcePos p = doc_->position(pointer);
  diagnostics_.push_back(Diagnostic{doc_->name(), p.line, p.column, pointer_to_path(pointer),
                                    std::string(subject), std::move(message)});
}

std::vector<Diagnostic>& DiagnosticSink::diagnostics() {
  for (auto& [message, count] : same_)
    if (count > 0)
      diagnostics_.push_back(
          Diagnostic{doc_->name(), 0, 0, "", "",
                     "and " + std::to_string(count) + " more like it: " + message});
  same_.clear();
  if (over_total_ > 0)
    diagnostics_.push_back(Diagnostic{doc_->name(), 0, 0, "", "",
                                      "and " + std::to_string(over_total_) +
                                          " more problems (only the first " +
                                          std::to_string(kMaxDiagnostics) + " are listed)"});
  over_total_ = 0;
  held_back_ = 0;
  return diagnostics_;
}

bool DiagnosticSink::check_fields(const boost::json::object& obj, std::string_view pointer,
                                  std::string_view subject,
                                  std::initializer_list<std::string_view> allowed) {
  bool ok = true;
  for (const auto& member : obj) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(member.key())) != allowed.end())
      continue;
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    add(pointer_join(pointer, member.key()), subject,
        "unknown field \"" + std::string(member.key()) + "\" (allowed: " + list + ")");
    ok = false;
  }
  return ok;
}

bool DiagnosticSink::require(const boost::json::object& obj, std::string_view pointer,
                             std::string_view subject, std::string_view key) {
  if (obj.contains(key)) return true;
  add(pointer, subject, "missing required field \"" + std::string(key) + "\"");
  return false;
}

std::string_view json_kind_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "value";
}

namespace {

struct TextCheck {
  DiagnosticSink& sink;
  std::initializer_list<std::string_view> multiline;
  std::size_t max_reports;
  std::size_t found = 0;

  bool multiline_key(std::string_view key) const {
    return std::find(multiline.begin(), multiline.end(), key) != multiline.end();
  }
  void check(std::string_view text, const std::string& pointer, bool lines, bool is_key) {
    std::uint32_t cp = 0;
    const std::size_t at = find_terminal_control(text, lines, &cp);
    if (at == std::string_view::npos) return;
    if (++found > max_reports) return;
    sink.add(pointer, "",
             std::string(is_key ? "the member name" : "the text") + " holds " +
                 describe_terminal_control(cp) + " at byte " + std::to_string(at) +
                 ": text shown to people must not carry control characters, "
                 "bidirectional overrides or line separators" +
                 (lines ? " (line feeds and tabs are allowed here)" : ""));
  }
  void walk(const boost::json::value& v, const std::string& pointer, bool lines, int depth) {
    if (depth > 64) return;  // the parser's depth limit is far lower
    if (v.is_string()) {
      check(v.get_string(), pointer, lines, false);
    } else if (v.is_array()) {
      const auto& a = v.get_array();
      for (std::size_t i = 0; i < a.size(); ++i)
        walk(a[i], pointer_join(pointer, i), lines, depth + 1);
    } else if (v.is_object()) {
      for (const auto& m : v.get_object()) {
        const std::string child = pointer_join(pointer, m.key());
        check(m.key(), child, false, true);
        walk(m.value(), child, multiline_key(m.key()), depth + 1);
      }
    }
  }
};

}  // namespace

bool check_terminal_text(DiagnosticSink& sink, const boost::json::value& root,
                         std::string_view pointer,
                         std::initializer_list<std::string_view> multiline_keys,
                         std::size_t max_reports) {
  TextCheck c{sink, multiline_keys, max_reports};
  c.walk(root, std::string(pointer), false, 0);
  if (c.found > max_reports)
    sink.add(
        pointer, "",
        "and " + std::to_string(c.found - max_reports) + " more texts holding control characters");
  return c.found == 0;
}

}  // namespace rdptriage::internal
