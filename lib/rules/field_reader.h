// Internal: typed readers for the fields of rule-file objects. Each records a
// Diagnostic (with the JSON path) and returns false when a field has the
// wrong type or a required one is missing.
#ifndef RDPTRIAGE_LIB_RULES_FIELD_READER_H_
#define RDPTRIAGE_LIB_RULES_FIELD_READER_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "json/json_document.h"

namespace rdptriage::internal {

// `dotted`: "a.b" style ids (probes, causes, intake sources); otherwise one
// lower-case word ("timeout").
bool valid_id(std::string_view id, bool dotted);

// Typed field readers: record a diagnostic and return false on a wrong type.
class Reader {
 public:
  Reader(DiagnosticSink& sink, const boost::json::object& obj, std::string pointer,
         std::string subject)
      : sink_(sink), obj_(obj), pointer_(std::move(pointer)), subject_(std::move(subject)) {}

  const std::string& subject() const { return subject_; }
  void set_subject(std::string s) { subject_ = std::move(s); }
  std::string at(std::string_view key) const { return pointer_join(pointer_, key); }

  bool string(std::string_view key, std::string* out, bool required) {
    const boost::json::value* v = obj_.if_contains(key);
    if (v == nullptr) {
      if (required) sink_.require(obj_, pointer_, subject_, key);
      return !required;
    }
    if (!v->is_string()) return type_error(key, "a string", *v);
    *out = std::string(v->get_string());
    if (required && out->empty()) {
      sink_.add(at(key), subject_, "\"" + std::string(key) + "\" must not be empty");
      return false;
    }
    return true;
  }

  bool strings(std::string_view key, std::vector<std::string>* out, bool required) {
    const boost::json::value* v = obj_.if_contains(key);
    if (v == nullptr) {
      if (required) sink_.require(obj_, pointer_, subject_, key);
      return !required;
    }
    if (!v->is_array()) return type_error(key, "an array of strings", *v);
    bool ok = true;
    const auto& arr = v->get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string()) {
        sink_.add(pointer_join(at(key), i), subject_,
                  "expected a string, got " + std::string(json_kind_name(arr[i])));
        ok = false;
        continue;
      }
      out->emplace_back(arr[i].get_string());
    }
    return ok;
  }

  bool number(std::string_view key, double* out, bool required) {
    const boost::json::value* v = obj_.if_contains(key);
    if (v == nullptr) {
      if (required) sink_.require(obj_, pointer_, subject_, key);
      return !required;
    }
    if (!v->is_number()) return type_error(key, "a number", *v);
    *out = v->to_number<double>();
    return true;
  }

  bool boolean(std::string_view key, bool* out) {
    const boost::json::value* v = obj_.if_contains(key);
    if (v == nullptr) return true;
    if (!v->is_bool()) return type_error(key, "true or false", *v);
    *out = v->get_bool();
    return true;
  }

  const boost::json::array* array(std::string_view key, bool required) {
    const boost::json::value* v = obj_.if_contains(key);
    if (v == nullptr) {
      if (required) sink_.require(obj_, pointer_, subject_, key);
      return nullptr;
    }
    if (!v->is_array()) {
      type_error(key, "an array", *v);
      return nullptr;
    }
    return &v->get_array();
  }

 private:
  bool type_error(std::string_view key, std::string_view expected, const boost::json::value& v) {
    sink_.add(at(key), subject_,
              "\"" + std::string(key) + "\" must be " + std::string(expected) + ", got " +
                  std::string(json_kind_name(v)));
    return false;
  }

  DiagnosticSink& sink_;
  const boost::json::object& obj_;
  std::string pointer_;
  std::string subject_;
};

// The object at `pointer`, or nullptr with "<what> must be an object".
const boost::json::object* as_object(DiagnosticSink& sink, const boost::json::value& v,
                                     const std::string& pointer, std::string_view what);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_RULES_FIELD_READER_H_
