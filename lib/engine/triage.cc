#include "rdptriage/triage.h"

#include <exception>

#include "engine/planner.h"
#include "engine/render.h"
#include "engine/symptom_matcher.h"
#include "rules/model.h"

namespace rdptriage {

Triage::Triage(RuleSet rules)
    : rules_(std::move(rules)),
      matcher_(std::make_shared<internal::SymptomMatcher>(*rules_.compiled())) {}

StatusOr<Triage> Triage::create(const TriageOptions& options) {
  StatusOr<RuleSet> rules = RuleSet::load(options.rules);
  if (!rules.ok()) return rules.status();
  return from_rules(std::move(rules).value());
}

Triage Triage::from_rules(RuleSet rules) { return Triage(std::move(rules)); }

std::string Triage::symptom_for_client_error(std::string_view text) const {
  return matcher_->match(text);
}

StatusOr<Report> Triage::evaluate(const EvaluateRequest& request) const {
  try {
    const internal::CompiledRules& rules = *rules_.compiled();
    Status valid = internal::validate_context(request.context);
    if (!valid.ok()) return valid;

    internal::PlanInput input;
    input.rules = &rules;
    input.request = &request;
    if (!request.symptom.empty()) {
      input.symptom = request.symptom;
      input.symptom_source = "given";
    } else if (!request.client_error.empty()) {
      input.symptom = matcher_->match(request.client_error);
      input.symptom_source =
          input.symptom == "unknown" ? "client error (unrecognised)" : "client error";
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
                      "unknown symptom \"" + input.symptom + "\" (see `rdptriage rules table`)");
      input.candidates = rules.symptoms[it->second].causes;
    }
    input.context = std::make_shared<const Context>(request.context);
    return internal::run_plan(input);
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("evaluation failed: ") + e.what());
  } catch (...) {
    return Status(ErrorCode::kInternal, "evaluation failed");
  }
}

}  // namespace rdptriage
