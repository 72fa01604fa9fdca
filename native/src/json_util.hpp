// JSON parsing with the checks untrusted files need: duplicate keys and depth are rejected.
#pragma once
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace flk {

// Parses `text` as JSON; `where` names the source in error messages (E_FORMAT).
nlohmann::json parse_json_strict(const char* text, size_t len, const std::string& where);
// Reads and parses a JSON file (E_IO when unreadable, E_FORMAT when malformed).
nlohmann::json read_json_file(const std::string& path);

}  // namespace flk
