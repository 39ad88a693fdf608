// Rendering reports for people (terminal) and machines (pretty JSON).
#ifndef RDPTRIAGE_EXAMPLES_CLI_OUTPUT_H_
#define RDPTRIAGE_EXAMPLES_CLI_OUTPUT_H_

#include <boost/json/value.hpp>
#include <cstdio>
#include <string>

#include "rdptriage/report.h"

namespace rdptriage::cli {

// Colour only for a terminal, and never when NO_COLOR is set.
bool use_colour(std::FILE* stream);

// Prints the report (JSON with --json, else rdptriage::to_text(), in colour
// on a terminal) and returns the
// exit status the spec gives it: 3 inconclusive, else 0.
int print_report(const Report& report, bool json);

// Two-space indented JSON.
std::string pretty_json(const boost::json::value& value);

}  // namespace rdptriage::cli

#endif  // RDPTRIAGE_EXAMPLES_CLI_OUTPUT_H_
