#include "rdptriage/observations.h"

#include <algorithm>
#include <boost/json.hpp>

#include "json/json_document.h"
#include "rules/model.h"

namespace rdptriage {
namespace {

using internal::DiagnosticSink;
using internal::JsonDocument;
using internal::pointer_join;

// Answers from a recorded file. Never blocks, so the engine calls it inline.
class RecordedAdapter : public ProbeAdapter {
 public:
  explicit RecordedAdapter(std::shared_ptr<const std::map<std::string, ProbeResult, std::less<>>> r)
      : results_(std::move(r)) {}

  ProbeResult run(const ProbeRequest& request) override {
    auto it = results_->find(request.probe_id);
    if (it == results_->end()) return ProbeResult::unavailable("not in the recorded observations");
    return it->second;
  }
  std::string name() const override { return "recorded"; }
  bool may_block() const override { return false; }

 private:
  std::shared_ptr<const std::map<std::string, ProbeResult, std::less<>>> results_;
};

bool to_probe_value(const boost::json::value& v, ProbeValue* out) {
  if (v.is_bool()) {
    *out = v.get_bool();
  } else if (v.is_number()) {
    *out = v.to_number<double>();
  } else if (v.is_string()) {
    *out = std::string(v.get_string());
  } else {
    return false;
  }
  return true;
}

void parse_result(const internal::CompiledRules& rules, const std::string& id,
                  const boost::json::value& v, const std::string& ptr, DiagnosticSink& sink,
                  std::map<std::string, ProbeResult, std::less<>>* out) {
  auto probe_it = rules.probe_index.find(id);
  if (probe_it == rules.probe_index.end()) {
    sink.add(ptr, id, "unknown probe id \"" + id + "\"");
    return;
  }
  const internal::Probe& probe = rules.probes[probe_it->second];
  ProbeValue value;
  std::string detail;
  std::map<std::string, std::string, std::less<>> fields;
  const boost::json::value* raw = &v;
  std::string raw_ptr = ptr;
  if (v.is_object()) {
    const auto& obj = v.get_object();
    if (!sink.check_fields(obj, ptr, id, {"value", "detail", "fields", "unavailable", "failed"}))
      return;
    const bool value_form =
        obj.contains("value") && !obj.contains("unavailable") && !obj.contains("failed");
    if (!value_form && obj.size() != 1) {
      sink.add(ptr, id,
               "give one of \"value\" (with optional \"detail\" and \"fields\"), "
               "\"unavailable\" or \"failed\"");
      return;
    }
    if (const auto* f = obj.if_contains("fields")) {
      std::string fptr = pointer_join(ptr, "fields");
      if (!f->is_object()) {
        sink.add(fptr, id, "fields must be an object of named facts (strings or numbers)");
        return;
      }
      for (const auto& [k, fv] : f->get_object()) {
        std::string name(k);
        bool declared = std::any_of(probe.info.fields.begin(), probe.info.fields.end(),
                                    [&](const ProbeFieldInfo& d) { return d.name == name; });
        if (!declared) {
          std::string list;
          for (const ProbeFieldInfo& d : probe.info.fields)
            list += (list.empty() ? "" : ", ") + d.name;
          sink.add(pointer_join(fptr, name), id,
                   "probe " + id + " declares no field \"" + name +
                       "\" (declared: " + (list.empty() ? "none" : list) + ")");
          continue;
        }
        if (fv.is_string())
          fields[name] = std::string(fv.get_string());
        else if (fv.is_int64() || fv.is_uint64())
          fields[name] = boost::json::serialize(fv);
        else
          sink.add(pointer_join(fptr, name), id, "a field's value must be a string or an integer");
      }
    }
    for (const char* kind : {"unavailable", "failed"}) {
      if (const auto* why = obj.if_contains(kind)) {
        if (!why->is_string()) {
          sink.add(pointer_join(ptr, kind), id, std::string(kind) + " takes a reason string");
          return;
        }
        std::string reason(why->get_string());
        (*out)[id] =
            kind[0] == 'u' ? ProbeResult::unavailable(reason) : ProbeResult::failed(reason);
        return;
      }
    }
    if (const auto* d = obj.if_contains("detail")) {
      if (!d->is_string()) {
        sink.add(pointer_join(ptr, "detail"), id, "detail must be a string");
        return;
      }
      detail = std::string(d->get_string());
    }
    raw = obj.if_contains("value");
    raw_ptr = pointer_join(ptr, "value");
    if (raw == nullptr) {
      sink.add(ptr, id, "missing \"value\"");
      return;
    }
  }
  if (!to_probe_value(*raw, &value)) {
    sink.add(raw_ptr, id,
             "expected " + probe.domain.describe() + ", got " +
                 std::string(internal::json_kind_name(*raw)));
    return;
  }
  if (!probe.domain.accepts(value)) {
    sink.add(raw_ptr, id,
             "expected " + probe.domain.describe() + ", got " + boost::json::serialize(*raw));
    return;
  }
  ProbeResult result = ProbeResult::value_of(std::move(value), std::move(detail));
  result.fields = std::move(fields);
  (*out)[id] = std::move(result);
}

}  // namespace

StatusOr<Observations> Observations::load_file(const std::filesystem::path& path,
                                               const RuleSet& rules,
                                               const ObservationsOptions& options) {
  StatusOr<JsonDocument> doc =
      JsonDocument::parse_file(path.string(), {options.max_file_bytes, options.max_depth});
  if (!doc.ok()) return doc.status();
  return from_document(*doc, rules);
}

StatusOr<Observations> Observations::load_string(std::string_view json, std::string_view name,
                                                 const RuleSet& rules,
                                                 const ObservationsOptions& options) {
  StatusOr<JsonDocument> doc =
      JsonDocument::parse(json, std::string(name), {options.max_file_bytes, options.max_depth});
  if (!doc.ok()) return doc.status();
  return from_document(*doc, rules);
}

StatusOr<Observations> Observations::from_document(const internal::JsonDocument& document,
                                                   const RuleSet& rules) {
  const JsonDocument* doc = &document;
  const std::string& name = document.name();
  const internal::CompiledRules& compiled = *rules.compiled();
  DiagnosticSink sink(*doc);
  Observations obs;
  const boost::json::value& root = doc->root();
  if (!root.is_object()) {
    sink.add("", "", "expected an object");
    return Status(ErrorCode::kValidationError, "invalid observations",
                  std::move(sink.diagnostics()));
  }
  const auto& top = root.get_object();
  sink.check_fields(top, "", "",
                    {"schema", "title", "symptom", "client_error", "context", "results", "notes"});
  auto get_string = [&](const char* key, std::string* out) {
    if (const auto* v = top.if_contains(key)) {
      if (v->is_string())
        *out = std::string(v->get_string());
      else
        sink.add(pointer_join("", key), "", std::string(key) + " must be a string");
    }
  };
  std::string schema;
  get_string("schema", &schema);
  if (top.contains("schema") && schema != "rdptriage.observations/1")
    sink.add("/schema", "", "expected \"rdptriage.observations/1\"");
  get_string("symptom", &obs.symptom_);
  get_string("client_error", &obs.client_error_);
  if (!obs.symptom_.empty() && obs.symptom_ != "unknown" &&
      !compiled.symptom_index.count(obs.symptom_))
    sink.add("/symptom", obs.symptom_, "unknown symptom id");
  if (const auto* ctx = top.if_contains("context")) {
    if (!ctx->is_object()) {
      sink.add("/context", "", "context must be an object of strings");
    } else {
      for (const auto& [k, v] : ctx->get_object()) {
        std::string key(k), ptr = pointer_join("/context", key), value;
        if (v.is_string())
          value = std::string(v.get_string());
        else if (v.is_int64() || v.is_uint64())
          value = boost::json::serialize(v);
        else {
          sink.add(ptr, key, "context values must be strings");
          continue;
        }
        Status s = validate_context_value(key, value);
        if (!s.ok()) {
          sink.add(ptr, key, s.message());
          continue;
        }
        obs.context_[key] = value;
      }
    }
  }
  if (const auto* results = top.if_contains("results")) {
    if (!results->is_object()) {
      sink.add("/results", "", "results must be an object mapping probe ids to results");
    } else {
      for (const auto& [k, v] : results->get_object()) {
        std::string id(k);
        parse_result(compiled, id, v, pointer_join("/results", id), sink, &obs.results_);
      }
    }
  }
  if (!sink.empty()) {
    std::size_t n = sink.diagnostics().size();
    return Status(
        ErrorCode::kValidationError,
        std::to_string(n) + (n == 1 ? " problem" : " problems") + " in " + std::string(name),
        std::move(sink.diagnostics()));
  }
  return obs;
}

std::shared_ptr<ProbeAdapter> Observations::adapter() const {
  return std::make_shared<RecordedAdapter>(
      std::make_shared<const std::map<std::string, ProbeResult, std::less<>>>(results_));
}

EvaluateRequest Observations::to_request() const {
  EvaluateRequest request;
  request.symptom = symptom_;
  request.client_error = client_error_;
  request.context = context_;
  request.adapters.push_back(adapter());
  return request;
}

}  // namespace rdptriage
