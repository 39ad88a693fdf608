// Scoring a Triage against the corpus of client errors pasted in public
// threads (test/data/client_error_corpus.json): what it reads from each
// paste, compared with the cause and layer the thread resolved. Shared by
// test/intake/corpus_test.cc and bench/client_error_corpus.cc.
#ifndef RDPTRIAGE_TEST_SUPPORT_CORPUS_SCORE_H_
#define RDPTRIAGE_TEST_SUPPORT_CORPUS_SCORE_H_

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "rdptriage/triage.h"

namespace rdptriage::testing {

struct CorpusCase {
  std::string id, source, split, layer, cause, paste;
  std::string client_misreports;  // why the text cannot show the resolved cause, if so
  // Development cases: the reading they are held to ("expect"), so a
  // change that reads one differently fails until the expectation is
  // revised on purpose.
  bool has_expect = false;
  std::string expect_symptom, expect_leading;  // "" leading: none
};

// The corpus file's cases; empty when it cannot be read.
inline std::vector<CorpusCase> load_corpus(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(ss.str(), ec);
  std::vector<CorpusCase> out;
  if (ec || !doc.is_object()) return out;
  auto str = [](const boost::json::object& o, const char* k) {
    const boost::json::value* v = o.if_contains(k);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  for (const auto& v : doc.at("cases").as_array()) {
    const auto& o = v.as_object();
    CorpusCase c;
    c.id = str(o, "id");
    c.source = str(o, "source");
    c.split = str(o, "split");
    c.layer = str(o, "layer");
    c.cause = str(o, "cause");
    c.paste = str(o, "paste");
    c.client_misreports = str(o, "client_misreports");
    if (const boost::json::value* e = o.if_contains("expect"); e != nullptr && e->is_object()) {
      c.has_expect = true;
      c.expect_symptom = str(e->get_object(), "symptom");
      c.expect_leading = str(e->get_object(), "leading");
    }
    out.push_back(std::move(c));
  }
  return out;
}

// What was read from one paste.
struct CaseScore {
  bool recognized = false;          // a symptom other than unknown
  bool layer_right = false;         // the resolved layer is among the candidates' layers
  bool single_layer_right = false;  // the candidates span exactly the resolved layer
  bool cause_among = false;         // the resolved catalog cause is a candidate
  bool leading_right = false;       // the leading cause is the resolved one
  bool confident_wrong = false;     // a leading cause the thread disproved
  std::string symptom, leading;
  std::set<std::string> layers;
};

inline CaseScore score_case(const Triage& triage, const CorpusCase& c) {
  CaseScore s;
  auto reading = triage.read_client_error(c.paste);
  EvaluateRequest req;
  req.client_error = c.paste;
  auto report = triage.evaluate(req);
  if (!reading.ok() || !report.ok()) return s;
  s.symptom = reading->symptom;
  s.leading = reading->leading_cause;
  s.recognized = reading->symptom != "unknown";
  bool has_cause = false;
  for (const Candidate& cand : report->candidates) {
    s.layers.insert(std::string(layer_name(cand.layer)));
    has_cause |= cand.cause == c.cause;
  }
  if (!report->cause.empty()) {
    has_cause |= report->cause == c.cause;
    if (report->layer) s.layers.insert(std::string(layer_name(*report->layer)));
  }
  s.layer_right = s.recognized && s.layers.count(c.layer) > 0;
  s.single_layer_right = s.recognized && s.layers.size() == 1 && s.layers.count(c.layer) > 0;
  s.cause_among = s.recognized && !c.cause.empty() && has_cause;
  s.leading_right = !c.cause.empty() && s.leading == c.cause;
  s.confident_wrong = !s.leading.empty() && s.leading != c.cause;
  return s;
}

// Totals over a set of cases.
struct CorpusTotals {
  int cases = 0, with_layer = 0, with_cause = 0;
  int layer_right = 0, single_layer_right = 0, cause_among = 0, leading_right = 0;
  int confident_wrong = 0, unrecognized = 0, excluded = 0;

  void add(const CorpusCase& c, const CaseScore& s) {
    ++cases;
    if (c.layer != "none") {
      ++with_layer;
      layer_right += s.layer_right;
      single_layer_right += s.single_layer_right;
    }
    if (!c.cause.empty()) {
      ++with_cause;
      cause_among += s.cause_among;
      leading_right += s.leading_right;
      excluded += s.recognized && !s.cause_among;
    }
    confident_wrong += s.confident_wrong;
    unrecognized += !s.recognized;
  }
};

}  // namespace rdptriage::testing

#endif  // RDPTRIAGE_TEST_SUPPORT_CORPUS_SCORE_H_
