// rdptriage drill: the method article's drill. Shows the symptom as the
// client saw it, asks the person to name the layer and pick the first test,
// then reveals the engine's path and what it cost.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <set>

#include "commands.h"
#include "common.h"
#include "output.h"
#include "rdptriage/world.h"

namespace rdptriage::cli {
namespace {

// An answer is a layer name or a number. A longer line is not an answer,
// and an input such as /dev/zero never ends a line: reading stops there.
constexpr std::size_t kMaxAnswerBytes = 256;
bool input_over = false;

// Reads one answer; empty on end of input (a script, CI): the drill then
// just reveals. Reads at most kMaxAnswerBytes + 1 bytes of a line.
std::string ask(const std::string& question) {
  fmt::print("{}", safe(question));
  std::fflush(stdout);
  std::string line;
  std::streambuf* in = std::cin.rdbuf();
  while (!input_over) {
    const int c = in->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      input_over = true;
      if (!line.empty()) return line;
      break;
    }
    if (c == '\n') return line;
    if (line.size() == kMaxAnswerBytes) {
      fmt::print(stderr, "\nrdptriage: an answer longer than {} bytes; reading no more answers\n",
                 kMaxAnswerBytes);
      input_over = true;
      break;
    }
    line += static_cast<char>(c);
  }
  fmt::print("\n");
  return {};
}

int run(const std::string& file) {
  std::filesystem::path path = file;
  if (path.empty()) {
    std::vector<std::filesystem::path> worlds;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(bundled_worlds(), ec))
      if (e.path().extension() == ".json") worlds.push_back(e.path());
    if (worlds.empty()) return usage_error("no bundled worlds found; give a world FILE");
    std::sort(worlds.begin(), worlds.end());
    std::random_device rd;
    path = worlds[rd() % worlds.size()];
  }
  StatusOr<World> world = World::load_file(path);
  if (!world.ok()) return report_error(world.status());
  StatusOr<Triage> triage = load_triage({});
  if (!triage.ok()) return report_error(triage.status());
  EvaluateRequest req;
  req.symptom = world->symptom();
  req.context = world->context();
  req.adapters.push_back(world->adapter());
  StatusOr<Report> report = triage->evaluate(req);
  if (!report.ok()) return report_error(report.status());

  const SymptomInfo* symptom = triage->rules().find_symptom(world->symptom());
  fmt::print("DRILL  {}\n\nThe user reports: {}\n\n", safe(path.filename().string()),
             safe(symptom ? symptom->title : world->symptom()));
  std::string layer = ask("Which layer is it in? [network/service/auth/guest/boundary] ");

  // Offer the test that settled it among a few the engine also considered.
  std::vector<std::string> options;
  for (auto it = report->evidence.rbegin(); it != report->evidence.rend() && options.size() < 5;
       ++it)
    if (it->result.has_value() && it->channel != Channel::kClient) options.push_back(it->probe);
  std::shuffle(options.begin(), options.end(), std::mt19937(static_cast<unsigned>(options.size())));
  std::string pick;
  if (!options.empty()) {
    fmt::print("\nWhich test do you run first?\n");
    for (std::size_t i = 0; i < options.size(); ++i) {
      const ProbeInfo* p = triage->rules().find_probe(options[i]);
      fmt::print("  {}. {} ({}s)\n", i + 1, safe(p ? p->title : options[i]), p ? p->cost_s : 0);
    }
    pick = ask("Your choice [1-" + std::to_string(options.size()) + "] ");
  }

  fmt::print("\n--- What the engine did ---\n\n{}",
             to_text(*report, {.colour = use_colour(stdout)}));
  if (report->layer && !layer.empty())
    fmt::print("\nYou said {}: {}.\n", safe(layer),
               layer == layer_name(*report->layer)
                   ? "right layer"
                   : "the evidence says " + std::string(layer_name(*report->layer)));
  if (!pick.empty() && !report->evidence.empty()) {
    std::size_t n = static_cast<std::size_t>(std::atoi(pick.c_str()));
    if (n >= 1 && n <= options.size()) {
      const auto& decisive = report->evidence.back().probe;
      fmt::print("Your first test: {}. The engine settled it with {}.\n", safe(options[n - 1]),
                 safe(decisive));
    }
  }
  fmt::print("\nScenario: {}\n", safe(world->title()));
  return kDiagnosed;
}

}  // namespace

Runner add_drill(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand(
      "drill", "Practise the method: see a symptom, name the layer, pick a test, see the answer");
  sub->add_option("file", *file, "A world file (default: a random bundled world)");
  return [file] { return run(*file); };
}

}  // namespace rdptriage::cli
