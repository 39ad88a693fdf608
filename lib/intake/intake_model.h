// Internal: the client-error knowledge as the loader compiles it from the
// rule files' "client_codes" and "client_messages" (and symptoms' messages).
#ifndef RDPTRIAGE_LIB_INTAKE_INTAKE_MODEL_H_
#define RDPTRIAGE_LIB_INTAKE_INTAKE_MODEL_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rdptriage/probe.h"
#include "rdptriage/rules.h"

namespace rdptriage::internal {

// Default priorities: what decides when several things in one text point
// different ways (see ClientErrorReader).
inline constexpr int kMessagePriority = 20;
inline constexpr int kCodeTablePriority = 40;

// What recognising a code or a message tells. Symptom and cause ids are
// checked by the loader; probe values against the probe's domain.
struct IntakeOutcome {
  std::string symptom;                              // "" says nothing about the failure
  std::string cause;                                // "" unless the code is that precise
  std::vector<std::pair<int, ProbeValue>> observe;  // probe index, value the text shows
};

// A regular expression (RE2 syntax, matched case-insensitively on the text
// with its whitespace collapsed) whose named group "code" captures a code.
struct CodePattern {
  std::string regex;
  int priority = kCodeTablePriority;
  bool last_wins = false;  // later matches supersede earlier ones (logs)
  int radix = 10;          // of a captured number without a 0x prefix
  // RE2 instructions (forward and reverse program), as measured at load;
  // its share of the DFA memory is in proportion. 0: not measured.
  std::size_t program_size = 0;
};

struct CodeTable {
  ClientCodeTableInfo info;
  int priority = kCodeTablePriority;  // for name matches and patterns without their own
  std::vector<CodePattern> patterns;
  std::vector<IntakeOutcome> outcomes;  // parallel to info.codes
  std::map<std::uint64_t, int> by_value;
};

struct MessageEntry {
  ClientMessageInfo info;
  int priority = kMessagePriority;
  bool last_wins = false;
  // A line that explains the error around it (a transport, TLS-alert or
  // proxy line): never outvoted; where it disagrees, the reading widens.
  bool underlying = false;
  IntakeOutcome outcome;
  IntakeOutcome paraphrase;  // what a paraphrase shows: the symptom only
};

struct IntakeRules {
  std::vector<CodeTable> tables;
  std::vector<MessageEntry> messages;  // symptoms' messages included, as "symptom.<id>"
};

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_INTAKE_INTAKE_MODEL_H_
