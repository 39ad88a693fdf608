// Internal: small readers over Boost.JSON values for ARM response bodies,
// which nest deeply and leave out what is unset.
#ifndef RDPTRIAGE_LIB_AZURE_JSON_UTIL_H_
#define RDPTRIAGE_LIB_AZURE_JSON_UTIL_H_

#include <boost/json/value.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace rdptriage::internal::azure {

// The value at `path` (object keys; matched case-insensitively, as ARM
// itself treats property names), or null when any step is missing.
const boost::json::value* at(const boost::json::value* v,
                             std::initializer_list<std::string_view> path);
inline const boost::json::value* at(const boost::json::value& v,
                                    std::initializer_list<std::string_view> path) {
  return at(&v, path);
}
// A string, or "" when absent or not a string.
std::string str(const boost::json::value* v);
// A finite number; numeric strings ("3599") count; inf and nan do not.
std::optional<double> num(const boost::json::value* v);
// A boolean; "true"/"false" strings count.
std::optional<bool> boolean(const boost::json::value* v);
// The array at v, or null.
const boost::json::array* arr(const boost::json::value* v);

// Parses a body; on failure returns nullopt and sets *why ("not JSON:
// syntax error at offset 12").
std::optional<boost::json::value> parse_body(std::string_view body, std::string* why);

// ASCII lower case, for comparing ARM ids and enum values.
std::string lower(std::string_view s);
// The last segment of an ARM id ("/.../networkSecurityGroups/nsg1" -> "nsg1").
std::string last_segment(std::string_view id);
// The segment after `key` in an ARM id (key "resourceGroups" -> "rg1").
std::string id_segment(std::string_view id, std::string_view key);

}  // namespace rdptriage::internal::azure

#endif  // RDPTRIAGE_LIB_AZURE_JSON_UTIL_H_
