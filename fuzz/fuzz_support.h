// Shared pieces of the fuzz targets: the bundled rules loaded once, checks
// that stop the run when an invariant breaks, a reader of structured values
// from the fuzzer's bytes, and an adapter that answers every probe inside
// (or just outside) its declared domain.
//
// Each target defines LLVMFuzzerTestOneInput. Built with -fsanitize=fuzzer
// (RDPTRIAGE_FUZZ=ON, clang) it is a libFuzzer binary; built with
// replay_main.cc it is a plain program that runs files through the same
// function (the corpus replay in ctest, any compiler).
#ifndef RDPTRIAGE_FUZZ_FUZZ_SUPPORT_H_
#define RDPTRIAGE_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rdptriage/probe.h"
#include "rdptriage/report.h"
#include "rdptriage/rules.h"
#include "rdptriage/triage.h"

namespace rdptriage::fuzz {

// Prints what broke and aborts: libFuzzer saves the input as a crash, the
// replay fails its test.
[[noreturn]] void fail(std::string_view what, std::string_view detail = {});

#define RDPTRIAGE_FUZZ_CHECK(condition, detail)                      \
  do {                                                               \
    if (!(condition)) ::rdptriage::fuzz::fail(#condition, (detail)); \
  } while (0)

// The bundled rules, found as bundled_rules_dir() says (beside the program
// in a build tree, or $RDPTRIAGE_RULES_DIR); loaded once. Aborts when they
// do not load: nothing can be fuzzed against them then.
const Triage& bundled_triage();
// The bundled rule files as (name, text), sorted by name; read once.
const std::vector<std::pair<std::string, std::string>>& bundled_documents();

// Aborts unless `json` is one valid JSON value (Boost.JSON parses it back).
void check_valid_json(std::string_view json, std::string_view what);
// Renders `report` with report_to_json() and client_error_to_json() and
// checks both parse back, with the fields that must be there; and its
// human text with check_report_text().
void check_report_json(const Report& report);

// The reading of `text` must be consistent: matches inside the text, in
// text order, known symptoms, causes and probes, and JSON that parses.
void check_reading(const RuleSet& rules, const ClientErrorReading& reading, std::string_view text);

// The terminal-safety invariant (issue 14): text made for people holds
// nothing a terminal would act on. Aborts when `human` holds a C0 control
// other than a line feed or tab (line structure, allowed when `lines`),
// DEL, a C1 control, a bidirectional override or isolate, a line or
// paragraph separator, or a byte that is not UTF-8.
void check_terminal_safe(std::string_view human, std::string_view what, bool lines);
// Every human rendering of `status`: message(), to_string(), each
// Diagnostic::to_string().
void check_status_text(const Status& status);
// to_text() of `report` (without colour, which is the only escape it may
// write), and Diagnostic-like notes in it.
void check_report_text(const Report& report);

// Counts what became of the inputs ("loaded", "refused", ...): the replay
// prints the counts, so a corpus whose inputs all fail early shows.
void count(const char* outcome);
// "loaded 54, refused 4", in name order; empty when nothing was counted.
std::string counts();

// A load that failed must say why: not kInternal (an exception escaped the
// loader's own checks), a message, and diagnostics naming the document
// `name` (or no document, for limits across documents); and what it says
// must be safe on a terminal (check_status_text()).
void check_load_failure(const Status& status, std::string_view name);

// Uses a rule set that loaded, as a host would: the layer table, the
// decision graph (both terminal-safe, lines allowed), its client-error patterns over `text` (the
// file's own text), and evaluations over its graph (every cause, and one symptom picked by `seed`)
// with a DomainAdapter; each report must render as valid JSON.
void exercise_rules(const RuleSet& rules, std::string_view text, std::uint64_t seed);

// A 64-bit FNV-1a hash of the input: seeds the adapter's answers so that
// different inputs explore different ones, deterministically.
std::uint64_t hash_bytes(const std::uint8_t* data, std::size_t size);

// Answers every probe of `rules` from its declared result domain, the
// answer picked by `seed` and the probe id: a domain value, or now and then
// a value outside it (which the engine must record as failed). Never
// blocks.
class DomainAdapter : public ProbeAdapter {
 public:
  DomainAdapter(const RuleSet& rules, std::uint64_t seed);
  ProbeResult run(const ProbeRequest& request) override;
  std::string name() const override { return "fuzz"; }
  bool may_block() const override { return false; }

 private:
  std::map<std::string, std::string, std::less<>> domains_;  // probe id -> describe()
  std::uint64_t seed_;
};

// Reads typed values from the fuzzer's bytes, front to back; past the end
// every value is zero or empty. Simpler than FuzzedDataProvider and
// available to the replay build without clang.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool boolean() { return (byte() & 1) != 0; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }
  std::uint64_t u64() { return (static_cast<std::uint64_t>(u32()) << 32) | u32(); }
  // Any double, NaN and infinities included.
  double any_double() {
    const std::uint64_t bits = u64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  // One of `n` (n > 0).
  std::size_t pick(std::size_t n) { return byte() % n; }
  // A string of up to `max` bytes, its length given by one byte.
  std::string text(std::size_t max = 255) {
    std::size_t n = byte();
    if (n > max) n = max;
    if (n > size_ - std::min(pos_, size_)) n = size_ - std::min(pos_, size_);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace rdptriage::fuzz

#endif  // RDPTRIAGE_FUZZ_FUZZ_SUPPORT_H_
