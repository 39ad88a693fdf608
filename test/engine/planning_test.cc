// The planner's policy on small synthetic rule sets: layer gates clear
// exactly their stages, sessions are charged once, the stopping rule, the
// channel policy, option validation, and what each answer to the next test
// would mean.
#include <algorithm>
#include <catch2/catch.hpp>
#include <limits>
#include <set>
#include <string>

#include "engine/answer_meanings.h"
#include "engine/diagnosis_state.h"
#include "rdptriage/triage.h"
#include "support/bundled_triage.h"
#include "support/fake_adapter.h"

namespace rdptriage {
namespace {

using testing::MapAdapter;
using testing::V;

// One cause per stage of the path, each confirmed by its own probe; a gate
// clearing client..listener except the listener's cause, and a session
// holding the two run_command probes.
constexpr const char* kRules = R"({
  "schema": "rdptriage.rules/1",
  "probes": [
    {"id": "p.client", "title": "c", "channel": "client", "cost_s": 2, "result": {"type": "bool"}, "how": "c"},
    {"id": "p.platform", "title": "p", "channel": "control_plane", "cost_s": 3, "result": {"type": "bool"}, "how": "p"},
    {"id": "p.network", "title": "n", "channel": "network_watcher", "cost_s": 20, "result": {"type": "bool"}, "how": "n"},
    {"id": "p.listener", "title": "l", "channel": "run_command", "cost_s": 1, "result": {"type": "bool"}, "how": "l",
     "fallback": "p.serial"},
    {"id": "p.serial", "title": "s", "channel": "serial_console", "cost_s": 10, "result": {"type": "bool"}, "how": "s"},
    {"id": "p.logon", "title": "o", "channel": "run_command", "cost_s": 2, "result": {"type": "bool"}, "how": "o"},
    {"id": "p.session", "title": "x", "channel": "metrics", "cost_s": 5, "result": {"type": "bool"}, "how": "x"},
    {"id": "p.answered", "title": "g", "channel": "client", "cost_s": 1, "result": {"type": "bool"}, "how": "g"}
  ],
  "sessions": [
    {"id": "script", "title": "one script", "channel": "run_command", "cost_s": 40, "probes": ["p.listener", "p.logon"]}
  ],
  "gates": [
    {"id": "answered", "title": "it answered", "explanation": "e", "when": {"probe": "p.answered", "eq": true},
     "clears": ["client", "platform", "network", "listener"], "except": ["service.listener"],
     "sources": [{"seed": "003", "section": "x"}]}
  ],
  "symptoms": [{"id": "s", "title": "s", "layer": "network"}, {"id": "ok", "title": "works"}],
  "rules": [
    {"id": "network.client", "layer": "network", "stage": "client", "title": "c", "explanation": "c",
     "symptoms": ["s"], "confirm": {"probe": "p.client", "eq": true}, "confirm_text": "c",
     "fix": [{"text": "c"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "boundary.platform", "layer": "boundary", "stage": "platform", "title": "p", "explanation": "p",
     "symptoms": ["s"], "confirm": {"probe": "p.platform", "eq": true}, "confirm_text": "p",
     "fix": [{"text": "p"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "network.path", "layer": "network", "stage": "network", "title": "n", "explanation": "n",
     "symptoms": ["s"], "confirm": {"probe": "p.network", "eq": true}, "confirm_text": "n",
     "fix": [{"text": "n"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "service.listener", "layer": "service", "stage": "listener", "title": "l", "explanation": "l",
     "symptoms": ["s"], "confirm": {"probe": "p.listener", "eq": true}, "confirm_text": "l",
     "fix": [{"text": "l"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "auth.logon", "layer": "auth", "stage": "logon", "title": "o", "explanation": "o",
     "symptoms": ["s"], "confirm": {"probe": "p.logon", "eq": true}, "confirm_text": "o",
     "fix": [{"text": "o"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "guest.session", "layer": "guest", "stage": "session", "title": "x", "explanation": "x",
     "symptoms": ["s"], "confirm": {"probe": "p.session", "eq": true}, "confirm_text": "x",
     "fix": [{"text": "x"}], "sources": [{"seed": "003", "section": "x"}]}
  ]
})";

Triage make_triage() {
  StatusOr<RuleSet> rules = RuleSet::load_documents({{"planning.json", kRules}});
  INFO(rules.status().to_string());
  REQUIRE(rules.ok());
  return Triage::from_rules(std::move(rules).value());
}

Report evaluate(const Triage& triage, std::map<std::string, ProbeResult> answers,
                const EvaluateOptions& options = {}) {
  EvaluateRequest req;
  req.symptom = "s";
  req.adapters.push_back(std::make_shared<MapAdapter>(std::move(answers)));
  req.options = options;
  StatusOr<Report> r = triage.evaluate(req);
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  return std::move(r).value();
}

const Evidence* find(const Report& r, const std::string& probe) {
  for (const Evidence& e : r.evidence)
    if (e.probe == probe) return &e;
  return nullptr;
}

std::set<std::string> open_candidates(const Report& r) {
  std::set<std::string> out;
  for (const Candidate& c : r.candidates) out.insert(c.cause);
  return out;
}

TEST_CASE("a gate clears exactly the stages it names, minus its exceptions") {
  Triage triage = make_triage();
  // Only the gate's probe answers: nothing else can decide anything.
  Report r = evaluate(triage, {{"p.answered", V(true)}});
  CHECK(r.status == Verdict::kInconclusive);
  CHECK(open_candidates(r) ==
        std::set<std::string>{"service.listener", "auth.logon", "guest.session"});
  const Evidence* e = find(r, "p.answered");
  REQUIRE(e != nullptr);
  CHECK(e->gates == std::vector<std::string>{"answered"});
  CHECK(std::set<std::string>(e->ruled_out.begin(), e->ruled_out.end()) ==
        std::set<std::string>{"network.client", "boundary.platform", "network.path"});
  // Three layers remain and the symptom's (network) has no candidate left.
  CHECK_FALSE(r.layer.has_value());

  // A gate that does not hold clears nothing.
  Report closed = evaluate(triage, {{"p.answered", V(false)}});
  CHECK(open_candidates(closed).size() == 6);
  CHECK(closed.layer == Layer::kNetwork);  // the symptom's layer, still open
}

TEST_CASE("a cheap gate is asked before the causes it can clear") {
  Triage triage = make_triage();
  Report r = evaluate(triage, {{"p.answered", V(true)},
                               {"p.client", V(false)},
                               {"p.platform", V(false)},
                               {"p.network", V(false)},
                               {"p.listener", V(false)},
                               {"p.logon", V(true)},
                               {"p.session", V(false)}});
  CHECK(r.cause == "auth.logon");
  // p.network (20 s) is never needed: the gate (1 s) cleared its cause.
  CHECK(find(r, "p.network") == nullptr);
  CHECK(find(r, "p.platform") == nullptr);
  REQUIRE_FALSE(r.evidence.empty());
  CHECK(r.evidence.front().probe == "p.answered");
}

TEST_CASE("a session is charged once, then each member its own cost") {
  Triage triage = make_triage();
  Report r = evaluate(triage, {{"p.answered", V(true)},
                               {"p.listener", V(false)},
                               {"p.logon", V(true)},
                               {"p.session", V(false)}});
  const Evidence* first = find(r, "p.listener");
  const Evidence* second = find(r, "p.logon");
  REQUIRE(first != nullptr);
  REQUIRE(second != nullptr);
  const bool listener_first = first < second;
  CHECK((listener_first ? first : second)->cost_s == Approx(40 + (listener_first ? 1 : 2)));
  CHECK((listener_first ? second : first)->cost_s == Approx(listener_first ? 2 : 1));
  CHECK(first->session == "script");
  double sum = 0;
  for (const Evidence& e : r.evidence) sum += e.cost_s;
  CHECK(r.cost_s == Approx(sum));
  // A session's opening cost can be overridden by its id.
  EvaluateOptions o;
  o.cost_overrides["script"] = 4;
  Report cheap = evaluate(triage,
                          {{"p.answered", V(true)},
                           {"p.listener", V(false)},
                           {"p.logon", V(true)},
                           {"p.session", V(false)}},
                          o);
  const Evidence* a = find(cheap, "p.listener");
  const Evidence* b = find(cheap, "p.logon");
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(a->cost_s + b->cost_s == Approx(4 + 1 + 2));
}

TEST_CASE("stopping rule: earlier candidates are excluded within the budget, listed beyond it") {
  Triage triage = make_triage();
  // The session cause confirms for 5 s; excluding the network cause costs
  // 20 s and the listener cause a 41 s script.
  std::map<std::string, ProbeResult> answers = {{"p.answered", V(false)}, {"p.client", V(false)},
                                                {"p.platform", V(false)}, {"p.network", V(false)},
                                                {"p.listener", V(false)}, {"p.logon", V(false)},
                                                {"p.session", V(true)}};
  EvaluateOptions tight;
  tight.exclusion_budget_s = 10;
  Report r = evaluate(triage, answers, tight);
  CHECK(r.status == Verdict::kConfirmed);
  CHECK(r.cause == "guest.session");
  std::set<std::string> not_excluded;
  for (const Candidate& c : r.not_excluded) not_excluded.insert(c.cause);
  CHECK(not_excluded == std::set<std::string>{"network.path", "service.listener", "auth.logon"});
  for (const Candidate& c : r.not_excluded) CHECK_FALSE(c.next_test.empty());
  CHECK(find(r, "p.network") == nullptr);

  EvaluateOptions wide;
  wide.exclusion_budget_s = 100;
  Report all = evaluate(triage, answers, wide);
  CHECK(all.cause == "guest.session");
  CHECK(all.not_excluded.empty());
  CHECK(find(all, "p.network") != nullptr);
}

TEST_CASE("stopping rule: of two confirmed causes the earlier is named, the other listed") {
  Triage triage = make_triage();
  const std::map<std::string, ProbeResult> answers = {
      {"p.answered", V(false)}, {"p.client", V(false)},   {"p.platform", V(false)},
      {"p.network", V(true)},   {"p.listener", V(false)}, {"p.logon", V(false)},
      {"p.session", V(true)}};
  // The session cause's probe made nearly free: it is asked first and
  // confirms; excluding the earlier network cause (20 s, within the budget)
  // then confirms that one too.
  EvaluateOptions o;
  o.cost_overrides["p.session"] = 0.01;
  Report r = evaluate(triage, answers, o);
  REQUIRE_FALSE(r.evidence.empty());
  CHECK(r.evidence.front().probe == "p.session");
  CHECK(r.cause == "network.path");
  REQUIRE(r.also_confirmed.size() == 1);
  CHECK(r.also_confirmed.front().cause == "guest.session");
  CHECK(r.also_confirmed.front().confirmed);
  CHECK(r.not_excluded.empty());
  // At the default costs the network probe (20 s) confirms first; nothing
  // after the named cause is then worth asking, and nothing is listed that
  // the evidence did not confirm.
  Report plain = evaluate(triage, answers);
  CHECK(plain.cause == "network.path");
  CHECK(find(plain, "p.session") == nullptr);
  CHECK(plain.also_confirmed.empty());
}

TEST_CASE("a disabled channel is never asked nor suggested, its fallback is used, and named") {
  Triage triage = make_triage();
  EvaluateOptions o;
  o.disabled_channels = {Channel::kRunCommand};
  auto adapter =
      std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{{"p.answered", V(true)},
                                                                      {"p.listener", V(true)},
                                                                      {"p.serial", V(true)},
                                                                      {"p.logon", V(false)},
                                                                      {"p.session", V(false)}});
  EvaluateRequest req;
  req.symptom = "s";
  req.adapters.push_back(adapter);
  req.options = o;
  StatusOr<Report> r = triage.evaluate(req);
  REQUIRE(r.ok());
  for (const std::string& asked : adapter->calls()) {
    CHECK(asked != "p.listener");
    CHECK(asked != "p.logon");
  }
  CHECK(r->cause == "service.listener");  // through the serial console
  const Evidence* serial = find(*r, "p.serial");
  REQUIRE(serial != nullptr);
  CHECK(serial->fallback);
  CHECK(std::find(r->disabled.begin(), r->disabled.end(), "p.listener") != r->disabled.end());
  CHECK(std::find(r->disabled.begin(), r->disabled.end(), "p.logon") != r->disabled.end());

  // Nothing answers: the next test for a person is never a disabled probe.
  EvaluateRequest none;
  none.symptom = "s";
  none.options = o;
  none.options.disabled_probes = {"p.serial"};
  StatusOr<Report> idle = triage.evaluate(none);
  REQUIRE(idle.ok());
  REQUIRE(idle->next_test.has_value());
  for (const char* off : {"p.listener", "p.logon", "p.serial"}) {
    CHECK(idle->next_test->probe != off);
    for (const Candidate& c : idle->candidates) CHECK(c.next_probe != off);
  }
}

TEST_CASE("options out of range are rejected with kInvalidArgument") {
  Triage triage = make_triage();
  auto expect_invalid = [&](EvaluateOptions o, const std::string& fragment) {
    EvaluateRequest req;
    req.symptom = "s";
    req.options = std::move(o);
    StatusOr<Report> r = triage.evaluate(req);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains(fragment));
  };
  EvaluateOptions o;
  o.cost_overrides["p.nope"] = 3;
  expect_invalid(o, "p.nope");
  o = {};
  o.cost_overrides["p.client"] = 0;
  expect_invalid(o, "p.client");
  o = {};
  o.cost_overrides["p.client"] = std::numeric_limits<double>::quiet_NaN();
  expect_invalid(o, "p.client");
  o = {};
  o.cost_overrides["script"] = std::numeric_limits<double>::infinity();
  expect_invalid(o, "script");
  o = {};
  o.disabled_probes = {"p.nope"};
  expect_invalid(o, "p.nope");
  o = {};
  o.probe_deadline = std::chrono::milliseconds(0);
  expect_invalid(o, "probe_deadline");
  o = {};
  o.max_parallel_probes = 0;
  expect_invalid(o, "max_parallel_probes");
  o = {};
  o.exclusion_budget_s = -1;
  expect_invalid(o, "exclusion_budget_s");
  // The extremes that are valid do not overflow anything.
  o = {};
  o.probe_deadline = std::chrono::milliseconds::max();
  o.evaluation_deadline = std::chrono::milliseconds::max();
  EvaluateRequest req;
  req.symptom = "s";
  req.options = o;
  req.adapters.push_back(std::make_shared<MapAdapter>(
      std::map<std::string, ProbeResult>{{"p.client", V(true)}}, true));
  StatusOr<Report> r = triage.evaluate(req);
  REQUIRE(r.ok());
  CHECK(r->cause == "network.client");
}

TEST_CASE("an inconclusive report names one next test, why, and what each answer means") {
  Triage triage = make_triage();
  EvaluateRequest req;
  req.symptom = "s";
  StatusOr<Report> r = triage.evaluate(req);
  REQUIRE(r.ok());
  REQUIRE(r->next_test.has_value());
  // The 1 s gate clears three causes at once: the best test per second.
  CHECK(r->next_test->probe == "p.answered");
  CHECK_THAT(r->next_test->why, Catch::Contains("answered"));
  REQUIRE(r->next_test->outcomes.size() == 2);
  // Yes: the gate passes and clears whole layers.
  CHECK(r->next_test->outcomes[0].meaning ==
        "passes the gate answered; rules out network.client, boundary.platform and "
        "network.path; clears the network and boundary layers");
  // No: the gate cannot pass, nothing else changes.
  CHECK(r->next_test->outcomes[1].meaning == "the gate answered can no longer pass");
  CHECK(r->candidates.size() == 6);
  double total = 0;
  for (const Candidate& c : r->candidates) total += c.weight;
  CHECK(total == Approx(1));
}

// What an answer would mean when it settles nothing alone: which other
// probes it needs and what it then decides (bundled rules: memory above the
// threshold does not rule out exhaustion while the CPU is unknown).
TEST_CASE("an answer that settles nothing alone says what it decides with which probes") {
  const internal::CompiledRules& rules = *testing::bundled_triage().rules().compiled();
  const int symptom = rules.symptom_index.at("black_screen");
  internal::DiagnosisState state(rules, rules.symptoms[static_cast<std::size_t>(symptom)].causes,
                                 -1);
  state.refresh();
  const int memory = rules.probe_index.at("metrics.available_memory_mb");
  std::vector<AnswerMeaning> m = internal::answer_meanings(state, memory);
  REQUIRE(m.size() == 2);
  CHECK(m[0].answer == "below 256");
  CHECK(m[0].meaning == "confirms guest.resource_exhaustion");
  CHECK(m[1].answer == "256 or more");
  CHECK(m[1].meaning ==
        "settles nothing alone; with metrics.cpu_pct it decides guest.resource_exhaustion");
}

}  // namespace
}  // namespace rdptriage
