// rdptriage: reading what the Remote Desktop client showed.
//
// The first signal an operator has is the client's error, in whatever form
// they have it: a dialog's message (curly quotes, line breaks, the VM's name
// inside), an mstsc code ("0x904", "Error code: 0x204 Extended error code:
// 0x7"), a FreeRDP error name or number, an xfreerdp exit status, a whole
// xfreerdp log, or the Security event 4625 of the failed logon. Reading it
// gives the starting symptom, the leading cause where a code is that precise
// (its confirming test still has to run), and the probe answers the text
// itself shows (4625's sub-status, the server's RDP_NEG_FAILURE code). The
// knowledge is data (rules/client_*.json); hosts add their own clients'
// messages and codes in their rule files.
//
//   auto reading = triage->read_client_error(pasted);
//   if (reading.ok() && reading->recognized())
//     reply(reading->symptom, reading->leading_cause);
//
// Text that matches nothing reads as symptom "unknown": never a guess.
//
// Thread safety: plain values.
#ifndef RDPTRIAGE_CLIENT_ERROR_H_
#define RDPTRIAGE_CLIENT_ERROR_H_

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rdptriage/probe.h"

namespace rdptriage {

struct ClientErrorOptions {
  // Longer text fails with ErrorCode::kLimitExceeded (nothing is read).
  std::size_t max_bytes = 1u << 20;
  // Distinct things recognised that a reading keeps; the rest are dropped
  // with a note (a log can repeat one error thousands of times: repeats
  // count as one).
  std::size_t max_matches = 256;
  // Paraphrases and typos of the known messages ("An internal error
  // occured") are recognised when their similarity score reaches this
  // (0..1; above 1 turns the tolerant matching off). The score is the share
  // of the phrase's words found within a few words of each other, a word
  // one typo away counting 0.8 and short filler words a quarter; at least
  // one content word must match exactly. A paraphrase shows its symptom
  // only: it never names a leading cause or answers a probe.
  double min_paraphrase_score = 0.85;
};

// One thing recognised in the text.
struct ClientErrorMatch {
  std::string source;        // code table or message id, e.g. "mstsc.disconnect_reason"
  std::string source_title;  // what that table or message is
  std::string code;          // as the table writes it ("0x904"); empty for a message
  std::string name;          // the code's symbolic name, may be empty
  bool listed = true;        // false: in the table's format, but not a code it lists
  std::string meaning;       // what it means, in words
  std::string symptom;       // empty when it says nothing about where the failure is
  std::string cause;         // leading cause; empty unless the code is that precise
  std::vector<std::pair<std::string, ProbeValue>> observations;  // probe id, value shown
  std::string excerpt;     // the matched text, whitespace collapsed
  std::size_t offset = 0;  // byte offset of the match in the text
  int line = 1;            // its 1-based line
  int priority = 0;        // weight when matches disagree (higher decides)
  int occurrences = 1;     // how often it appears
  bool decisive = false;   // this match decided the symptom
  // 1 for a listed phrase or code found as written; below 1 for a
  // paraphrase of a message (see ClientErrorOptions::min_paraphrase_score).
  double score = 1.0;
  // A transport, TLS-alert or proxy line that explains the error around it:
  // it is never outvoted (the reading widens where it disagrees).
  bool underlying = false;
};

struct ClientErrorReading {
  // The starting symptom; "unknown" when nothing recognised says where the
  // failure is (then every cause is a candidate).
  std::string symptom = "unknown";
  // A catalog cause the text points at; its confirming test has not run.
  std::string leading_cause;
  std::vector<ClientErrorMatch> matches;  // in text order
  // Probe answers the text itself shows, by probe id. evaluate() uses them
  // for probes no other adapter answers.
  std::map<std::string, ProbeValue, std::less<>> observations;
  // Disagreements and limits: why a symptom, cause or answer was not taken.
  std::vector<std::string> notes;
  std::size_t bytes = 0;  // length of the text read; 0 when there was none

  bool recognized() const { return !matches.empty(); }
};

}  // namespace rdptriage

#endif  // RDPTRIAGE_CLIENT_ERROR_H_
