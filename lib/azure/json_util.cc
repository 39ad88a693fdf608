#include "azure/json_util.h"

#include <boost/json/parse.hpp>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace rdptriage::internal::azure {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const boost::json::value* at(const boost::json::value* v,
                             std::initializer_list<std::string_view> path) {
  for (std::string_view key : path) {
    if (v == nullptr || !v->is_object()) return nullptr;
    const boost::json::object& o = v->get_object();
    auto it = o.find(key);
    if (it == o.end()) {
      const std::string want = lower(key);
      it = o.end();
      for (auto i = o.begin(); i != o.end(); ++i)
        if (lower(i->key()) == want) {
          it = i;
          break;
        }
      if (it == o.end()) return nullptr;
    }
    v = &it->value();
  }
  return v;
}

std::string str(const boost::json::value* v) {
  if (v == nullptr || !v->is_string()) return {};
  return std::string(v->get_string());
}

std::optional<double> num(const boost::json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_double())
    return std::isfinite(v->get_double()) ? std::optional<double>(v->get_double()) : std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_string()) {
    std::string s(v->get_string());
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    // "inf" and "nan" parse, but are no number an answer can use.
    if (end != nullptr && *end == '\0' && std::isfinite(d)) return d;
  }
  return std::nullopt;
}

std::optional<bool> boolean(const boost::json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_bool()) return v->get_bool();
  if (v->is_string()) {
    std::string s = lower(v->get_string());
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

const boost::json::array* arr(const boost::json::value* v) {
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

std::optional<boost::json::value> parse_body(std::string_view body, std::string* why) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 64;
  boost::json::value v = boost::json::parse(body, ec, {}, opts);
  if (ec) {
    std::string shown(body.substr(0, 40));
    for (char& c : shown)
      if (!std::isprint(static_cast<unsigned char>(c))) c = '.';
    *why = "the body is not JSON (" + ec.message() + "; it starts \"" + shown + "\")";
    return std::nullopt;
  }
  return v;
}

std::string last_segment(std::string_view id) {
  while (!id.empty() && id.back() == '/') id.remove_suffix(1);
  auto slash = id.rfind('/');
  return std::string(slash == std::string_view::npos ? id : id.substr(slash + 1));
}

std::string id_segment(std::string_view id, std::string_view key) {
  const std::string l = lower(id);
  const std::string k = "/" + lower(key) + "/";
  auto at = l.find(k);
  if (at == std::string::npos) return {};
  std::size_t start = at + k.size();
  std::size_t end = id.find('/', start);
  return std::string(id.substr(start, end == std::string_view::npos ? id.npos : end - start));
}

}  // namespace rdptriage::internal::azure
