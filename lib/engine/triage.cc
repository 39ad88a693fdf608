#include "rdptriage/triage.h"

#include <algorithm>
#include <chrono>
#include <exception>

#include "engine/costing.h"
#include "engine/fix_render.h"
#include "engine/planner.h"
#include "engine/probe_pool.h"
#include "engine/render.h"
#include "engine/report_identity.h"
#include "intake/client_error_adapter.h"
#include "intake/client_error_reader.h"
#include "rdptriage/version.h"
#include "rules/model.h"

namespace rdptriage {
namespace {

std::string symptom_source(const ClientErrorReading& reading) {
  if (!reading.recognized()) return "client error (unrecognised)";
  if (reading.symptom == "unknown") return "client error (recognised, but it does not say where)";
  return "client error";
}

}  // namespace

Triage::Triage(RuleSet rules, std::shared_ptr<ProbeThreadPool> pool)
    : rules_(std::move(rules)), pool_(std::move(pool)) {}

StatusOr<Triage> Triage::create(const TriageOptions& options) {
  StatusOr<RuleSet> rules = RuleSet::load(options.rules);
  if (!rules.ok()) return rules.status();
  std::shared_ptr<ProbeThreadPool> pool = options.probe_pool;
  if (!pool) pool = ProbeThreadPool::create(options.probe_threads);
  return Triage(std::move(rules).value(), std::move(pool));
}

Triage Triage::from_rules(RuleSet rules, std::shared_ptr<ProbeThreadPool> pool) {
  if (!pool) pool = ProbeThreadPool::create(8);
  return Triage(std::move(rules), std::move(pool));
}

StatusOr<ClientErrorReading> Triage::read_client_error(std::string_view text,
                                                       const ClientErrorOptions& options) const {
  if (text.size() > options.max_bytes)
    return Status(ErrorCode::kLimitExceeded,
                  "the client error is " + std::to_string(text.size()) +
                      " bytes, over max_bytes (" + std::to_string(options.max_bytes) +
                      "); paste the end of the log, where the last error is");
  const auto& reader = rules_.compiled() ? rules_.compiled()->reader : nullptr;
  if (!reader) return ClientErrorReading{};
  try {
    return reader->read(text, options);
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal,
                  std::string("reading the client error failed: ") + e.what());
  }
}

std::string Triage::symptom_for_client_error(std::string_view text) const {
  StatusOr<ClientErrorReading> reading = read_client_error(text);
  return reading.ok() ? reading->symptom : "unknown";
}

StatusOr<Report> Triage::evaluate(const EvaluateRequest& request) const {
  try {
    const internal::CompiledRules& rules = *rules_.compiled();
    const auto started = std::chrono::system_clock::now();
    if (!request.decision_id.empty()) {
      Status id = internal::validate_decision_id(request.decision_id);
      if (!id.ok()) return id;
    }
    Status valid = internal::validate_context(request.context);
    if (!valid.ok()) return valid;
    Status options = internal::validate_options(rules, request.options);
    if (!options.ok()) return options;

    internal::PlanInput input;
    input.rules = &rules;
    input.request = &request;
    input.adapters = request.adapters;
    if (!request.client_error.empty()) {
      StatusOr<ClientErrorReading> reading =
          read_client_error(request.client_error, request.options.client_error);
      if (!reading.ok()) return reading.status();
      input.client_error = std::move(reading).value();
      // What the text shows answers only what no host adapter does.
      if (!input.client_error.observations.empty()) {
        auto shown =
            std::make_shared<internal::ClientErrorAdapter>(input.client_error.observations);
        input.already_collected = shown.get();
        input.adapters.push_back(std::move(shown));
      }
    }
    if (!request.symptom.empty()) {
      input.symptom = request.symptom;
      input.symptom_source = request.symptom_source.empty() ? "given" : request.symptom_source;
    } else if (!request.client_error.empty()) {
      input.symptom = input.client_error.symptom;
      input.symptom_source = symptom_source(input.client_error);
    } else {
      input.symptom = "unknown";
      input.symptom_source = "none given";
    }
    if (input.symptom == "unknown") {
      for (std::size_t i = 0; i < rules.causes.size(); ++i)
        input.candidates.push_back(static_cast<int>(i));
    } else {
      auto it = rules.symptom_index.find(input.symptom);
      if (it == rules.symptom_index.end())
        return Status(ErrorCode::kInvalidArgument,
                      "unknown symptom \"" + input.symptom +
                          "\": RuleSet::symptoms() lists the symptoms the loaded rules know");
      input.candidates = rules.symptoms[it->second].causes;
    }
    if (const std::string& lead = input.client_error.leading_cause; !lead.empty()) {
      auto it = rules.cause_index.find(lead);
      if (it != rules.cause_index.end() &&
          std::find(input.candidates.begin(), input.candidates.end(), it->second) !=
              input.candidates.end())
        input.leading_cause = it->second;
    }
    input.context = std::make_shared<const Context>(request.context);
    input.pool = pool_->state_;
    StatusOr<Report> report = internal::run_plan(input);
    if (report.ok()) {
      internal::apply_fix_channel_policy(rules, request.options.disabled_channels, request.context,
                                         &*report);
      report->library_version = library_version();
      report->rules_schema = kRulesSchema;
      report->rules_digest = rules_.digest();
      report->rule_packs = rules_.packs();
      report->decision_id =
          request.decision_id.empty() ? internal::new_decision_id() : request.decision_id;
      report->evaluated_at = internal::rfc3339_utc(started);
    }
    return report;
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("evaluation failed: ") + e.what());
  } catch (...) {
    return Status(ErrorCode::kInternal, "evaluation failed");
  }
}

}  // namespace rdptriage
