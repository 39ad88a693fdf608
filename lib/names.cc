// Stable names of the public enums, used by the data files, the JSON report
// and the CLI.
#include <array>
#include <string_view>

#include "rdptriage/probe.h"
#include "rdptriage/report.h"
#include "rdptriage/rules.h"

namespace rdptriage {
namespace {

constexpr std::array<std::string_view, 8> kChannelNames = {
    "client",          "control_plane", "boot_diagnostics", "metrics",
    "network_watcher", "run_command",   "serial_console",   "user"};
constexpr std::array<std::string_view, 5> kLayerNames = {"network", "service", "auth", "guest",
                                                         "boundary"};
constexpr std::array<std::string_view, 7> kStageNames = {
    "client", "platform", "network", "listener", "channel", "logon", "session"};
constexpr std::array<std::string_view, 3> kVerdictNames = {"confirmed", "inconclusive", "healthy"};

template <std::size_t N>
std::string_view name_at(const std::array<std::string_view, N>& names, std::size_t i) {
  return i < N ? names[i] : std::string_view("unknown");
}

template <typename Enum, std::size_t N>
bool parse_name(const std::array<std::string_view, N>& names, std::string_view name, Enum* out) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) {
      *out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view channel_name(Channel c) {
  return name_at(kChannelNames, static_cast<std::size_t>(c));
}
bool parse_channel(std::string_view name, Channel* out) {
  return parse_name(kChannelNames, name, out);
}
std::string_view layer_name(Layer l) { return name_at(kLayerNames, static_cast<std::size_t>(l)); }
bool parse_layer(std::string_view name, Layer* out) { return parse_name(kLayerNames, name, out); }
std::string_view stage_name(Stage s) { return name_at(kStageNames, static_cast<std::size_t>(s)); }
bool parse_stage(std::string_view name, Stage* out) { return parse_name(kStageNames, name, out); }
std::string_view verdict_name(Verdict v) {
  return name_at(kVerdictNames, static_cast<std::size_t>(v));
}

}  // namespace rdptriage
