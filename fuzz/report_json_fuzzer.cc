// Fuzz target: report_to_json() and client_error_to_json() of any Report a
// host could hold: any bytes in every string (control characters, invalid
// UTF-8), any double (NaN, infinities, 1e19, -0), any probe value. The
// output must always be valid JSON that says what the Report says.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"

namespace rdptriage::fuzz {
namespace {

ProbeValue value(ByteReader& in) {
  switch (in.pick(3)) {
    case 0:
      return in.boolean();
    case 1:
      return in.any_double();
    default:
      return in.text();
  }
}

ProbeResult result(ByteReader& in) {
  ProbeResult r;
  r.kind = static_cast<ProbeResult::Kind>(in.pick(3));
  r.value = value(in);
  r.reason = in.text();
  for (std::size_t n = in.pick(3); n > 0; --n) r.fields[in.text(16)] = in.text();
  return r;
}

std::vector<std::string> strings(ByteReader& in) {
  std::vector<std::string> out(in.pick(3));
  for (std::string& s : out) s = in.text(32);
  return out;
}

FixStep fix_step(ByteReader& in) {
  FixStep f;
  f.text = in.text();
  f.command = in.text();
  f.shell = in.text(16);
  f.runs = in.text(16);
  f.where = in.text(32);
  f.script = in.text();
  f.script_shell = in.text(16);
  f.effects = strings(in);
  f.conditional = in.boolean();
  f.missing = strings(in);
  return f;
}

MissingValue missing_value(ByteReader& in) {
  MissingValue m;
  m.name = in.text(32);
  m.about = in.text();
  m.how = in.text();
  m.probe = in.text(32);
  for (std::size_t n = in.pick(3); n > 0; --n) m.steps.push_back(static_cast<int>(in.u32()));
  return m;
}

Candidate candidate(ByteReader& in) {
  Candidate c;
  c.cause = in.text(32);
  c.layer = static_cast<Layer>(in.pick(5));
  c.title = in.text();
  c.next_probe = in.text(32);
  c.next_test = in.text();
  c.cost_s = in.any_double();
  c.weight = in.any_double();
  c.confirmed = in.boolean();
  if (c.confirmed) {
    for (std::size_t n = in.pick(3); n > 0; --n) c.fix.steps.push_back(fix_step(in));
    c.fix.warnings = strings(in);
    for (std::size_t n = in.pick(2); n > 0; --n) c.fix.missing.push_back(missing_value(in));
  }
  return c;
}

Report report(ByteReader& in) {
  Report r;
  r.status = static_cast<Verdict>(in.pick(3));
  if (in.boolean()) r.layer = static_cast<Layer>(in.pick(5));
  r.cause = in.text(32);
  r.title = in.text();
  r.explanation = in.text();
  r.symptom = in.text(32);
  r.symptom_source = in.text(32);
  r.leading_cause = in.text(32);
  if (in.boolean()) {
    ClientErrorReading& ce = r.client_error;
    ce.symptom = in.text(32);
    ce.leading_cause = in.text(32);
    ce.bytes = in.u32();
    for (std::size_t n = in.pick(4); n > 0; --n) {
      ClientErrorMatch m;
      m.source = in.text(32);
      m.source_title = in.text();
      m.code = in.text(16);
      m.name = in.text(32);
      m.listed = in.boolean();
      m.meaning = in.text();
      m.symptom = in.text(32);
      m.cause = in.text(32);
      for (std::size_t k = in.pick(3); k > 0; --k)
        m.observations.emplace_back(in.text(32), value(in));
      m.excerpt = in.text();
      m.offset = in.u64();
      m.line = static_cast<int>(in.u32());
      m.priority = static_cast<int>(in.u32());
      m.occurrences = static_cast<int>(in.u32());
      m.decisive = in.boolean();
      m.score = in.any_double();
      m.underlying = in.boolean();
      ce.matches.push_back(std::move(m));
    }
    for (std::size_t n = in.pick(3); n > 0; --n) ce.observations[in.text(32)] = value(in);
    ce.notes = strings(in);
  }
  for (std::size_t n = in.pick(5); n > 0; --n) {
    Evidence e;
    e.probe = in.text(32);
    e.channel = static_cast<Channel>(in.pick(8));
    e.session = in.text(16);
    e.adapter = in.text(16);
    e.result = result(in);
    e.cost_s = in.any_double();
    e.elapsed_s = in.any_double();
    e.confirmed = strings(in);
    e.ruled_out = strings(in);
    e.gates = strings(in);
    e.fallback = in.boolean();
    r.evidence.push_back(std::move(e));
  }
  for (std::size_t n = in.pick(3); n > 0; --n) r.fix.push_back(fix_step(in));
  r.warnings = strings(in);
  for (std::size_t n = in.pick(3); n > 0; --n) r.missing.push_back(missing_value(in));
  for (std::size_t n = in.pick(3); n > 0; --n) r.candidates.push_back(candidate(in));
  if (in.boolean()) {
    NextTest t;
    t.probe = in.text(32);
    t.title = in.text();
    t.channel = static_cast<Channel>(in.pick(8));
    t.command = in.text();
    t.cost_s = in.any_double();
    t.why = in.text();
    for (std::size_t n = in.pick(3); n > 0; --n) t.outcomes.push_back({in.text(32), in.text()});
    r.next_test = std::move(t);
  }
  for (std::size_t n = in.pick(2); n > 0; --n) r.not_excluded.push_back(candidate(in));
  for (std::size_t n = in.pick(2); n > 0; --n) r.also_confirmed.push_back(candidate(in));
  r.disabled = strings(in);
  r.notes = strings(in);
  r.cost_s = in.any_double();
  r.wall_s = in.any_double();
  return r;
}

}  // namespace
}  // namespace rdptriage::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rdptriage::fuzz::ByteReader in(data, size);
  const rdptriage::Report report = rdptriage::fuzz::report(in);
  rdptriage::fuzz::check_report_json(report);
  return 0;
}
