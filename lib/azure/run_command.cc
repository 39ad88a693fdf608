#include "azure/run_command.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

#include "azure/json_util.h"

namespace rdptriage::internal::azure {
namespace {

std::string power_code(const boost::json::value& vm) {
  if (const boost::json::array* statuses = arr(at(vm, {"properties", "instanceView", "statuses"})))
    for (const auto& s : *statuses) {
      std::string code = str(at(s, {"code"}));
      if (lower(code).rfind("powerstate/", 0) == 0) return lower(code.substr(11));
    }
  return {};
}

// The script as Run Command takes it: one array element per line.
boost::json::array script_lines(const std::string& script) {
  boost::json::array lines;
  std::size_t start = 0;
  while (start <= script.size()) {
    std::size_t end = script.find('\n', start);
    std::string line = script.substr(start, end == std::string::npos ? end : end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.emplace_back(line);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

std::string output_of(const boost::json::value& result, const std::string& stream) {
  if (const boost::json::array* values = arr(at(result, {"value"})))
    for (const auto& v : *values)
      if (lower(str(at(v, {"code"}))).find("/" + stream + "/") != std::string::npos)
        return str(at(v, {"message"}));
  return {};
}

std::string tail(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

}  // namespace

std::string run_command_blocker(const boost::json::value& vm) {
  const std::string power = power_code(vm);
  if (power != "running")
    return "the VM is " + (power.empty() ? std::string("in an unknown power state") : power) +
           ", so Run Command cannot reach the guest";
  const boost::json::array* agent =
      arr(at(vm, {"properties", "instanceView", "vmAgent", "statuses"}));
  std::string status =
      agent != nullptr && !agent->empty() ? str(at((*agent)[0], {"displayStatus"})) : std::string();
  if (lower(status) != "ready")
    return "the VM agent is " + (status.empty() ? std::string("not reporting") : status) +
           ", so Run Command cannot run";
  return {};
}

std::optional<boost::json::object> parse_guest_facts(const std::string& out, std::string* why) {
  const std::string marker = kGuestFactsMarker;
  std::size_t at_line = std::string::npos;
  for (std::size_t pos = out.find(marker); pos != std::string::npos;
       pos = out.find(marker, pos + 1))
    if (pos == 0 || out[pos - 1] == '\n') at_line = pos;
  if (at_line == std::string::npos) {
    *why = "the script printed no facts line (its output ends: \"" + tail(out, 200) + "\")";
    return std::nullopt;
  }
  std::size_t start = at_line + marker.size();
  std::size_t end = out.find('\n', start);
  std::string line = out.substr(start, end == std::string::npos ? end : end - start);
  std::string parse_why;
  auto v = parse_body(line, &parse_why);
  if (!v || !v->is_object()) {
    *why = "the facts line is not a JSON object: " + (v ? std::string("wrong type") : parse_why);
    return std::nullopt;
  }
  return v->get_object();
}

ProbeResult guest_fact(VmReader& reader, const RunCommandSettings& settings,
                       const std::string& fact) {
  ArmResponse vm = reader.vm();
  if (!vm.ok()) return ProbeResult::unavailable("Run Command needs the VM: " + vm.message);
  if (std::string blocker = run_command_blocker(vm.body); !blocker.empty())
    return ProbeResult::unavailable(blocker);
  ArmResponse run = reader.cached("run_command", [&] {
    boost::json::object body;
    body["commandId"] = "RunPowerShellScript";
    body["script"] = script_lines(settings.script);
    boost::json::array params;
    auto add = [&params](const char* name, const std::string& value) {
      if (value.empty()) return;
      boost::json::object p;
      p["name"] = name;
      p["value"] = value;
      params.push_back(std::move(p));
    };
    add("UserName", settings.username);
    add("ClientAddress", settings.client_address);
    if (!params.empty()) body["parameters"] = std::move(params);
    return reader.arm().post(reader.ref().id() + "/runCommand?api-version=" + kComputeApi,
                             boost::json::serialize(body), "Run Command", reader.deadline(),
                             reader.stop(), reader.reporter());
  });
  if (!run.ok()) {
    // A run that could not start or failed leaves the guest to the serial
    // console; a run cut short by the deadline is a failed probe.
    if (run.kind == ArmResponse::Kind::kTimeout || run.kind == ArmResponse::Kind::kCancelled)
      return ProbeResult::failed("Run Command: " + run.message);
    return ProbeResult::unavailable("no answer from Run Command: " + run.message);
  }
  std::string why;
  auto facts = parse_guest_facts(output_of(run.body, "stdout"), &why);
  if (!facts) {
    std::string err = output_of(run.body, "stderr");
    return ProbeResult::unavailable("Run Command ran, but " + why +
                                    (err.empty() ? "" : "; stderr: " + tail(err, 300)) +
                                    run.request_id_note());
  }
  auto it = facts->find(fact);
  if (it == facts->end() || it->value().is_null())
    return ProbeResult::unavailable("the guest facts script does not report " + fact +
                                    run.request_id_note());
  const boost::json::value& v = it->value();
  std::string detail = "Run Command guest facts" + run.request_id_note();
  ProbeResult result;
  if (v.is_bool()) {
    result = ProbeResult::value_of(v.get_bool(), detail);
  } else if (auto n = num(&v); n && !v.is_string()) {
    result = ProbeResult::value_of(*n, detail);
  } else if (v.is_string()) {
    result = ProbeResult::value_of(std::string(v.get_string()), detail);
  } else {
    return ProbeResult::failed("the guest facts script reported " + fact +
                               " as something else than a value");
  }
  result.fields = guest_fields(*facts, fact);
  return result;
}

std::map<std::string, std::string, std::less<>> guest_fields(const boost::json::object& facts,
                                                             const std::string& fact) {
  std::map<std::string, std::string, std::less<>> fields;
  const std::string prefix = fact + ":";
  for (const auto& kv : facts) {
    const std::string_view key = kv.key();
    if (key.size() <= prefix.size() || key.substr(0, prefix.size()) != prefix) continue;
    const std::string name(key.substr(prefix.size()));
    const boost::json::value& f = kv.value();
    if (f.is_string()) {
      fields[name] = std::string(f.get_string());
    } else if (f.is_int64()) {
      fields[name] = std::to_string(f.get_int64());
    } else if (f.is_uint64()) {
      fields[name] = std::to_string(f.get_uint64());
    } else if (f.is_double()) {
      // Whole numbers only; anything else is not a field the rules declare.
      const double d = f.get_double();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15)
        fields[name] = std::to_string(static_cast<long long>(d));
    }
  }
  return fields;
}

}  // namespace rdptriage::internal::azure
