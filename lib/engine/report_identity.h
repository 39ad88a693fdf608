// Internal: what names a report for a host's decision log (Report's
// library_version, rules_digest, decision_id, evaluated_at).
#ifndef RDPTRIAGE_LIB_ENGINE_REPORT_IDENTITY_H_
#define RDPTRIAGE_LIB_ENGINE_REPORT_IDENTITY_H_

#include <chrono>
#include <string>
#include <string_view>

#include "rdptriage/status.h"

namespace rdptriage::internal {

// kInvalidArgument unless `id` is 1..128 characters of [A-Za-z0-9._:-].
Status validate_decision_id(std::string_view id);

// A random UUID, version 4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"), from
// OpenSSL's CSPRNG; should that fail, from a SHA-256 of the time, a process
// counter and the address of a local (unique within the process, not
// unpredictable).
std::string new_decision_id();

// `t` as RFC 3339 in UTC with milliseconds: "2026-11-25T15:39:01.123Z".
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_REPORT_IDENTITY_H_
