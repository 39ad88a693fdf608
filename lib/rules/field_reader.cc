#include "rules/field_reader.h"

#include <cctype>

namespace rdptriage::internal {

bool valid_id(std::string_view id, bool dotted) {
  if (id.empty() || id.front() == '.' || id.back() == '.') return false;
  bool dot = false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    if (c == '.') {
      if (id[i - 1] == '.') return false;
      dot = true;
      continue;
    }
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  }
  return dotted ? dot : !dot;
}

const boost::json::object* as_object(DiagnosticSink& sink, const boost::json::value& v,
                                     const std::string& pointer, std::string_view what) {
  if (v.is_object()) return &v.get_object();
  sink.add(pointer, "",
           std::string(what) + " must be an object, got " + std::string(json_kind_name(v)));
  return nullptr;
}

}  // namespace rdptriage::internal
