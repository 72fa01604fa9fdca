#include "json_util.hpp"

#include <fstream>
#include <set>
#include <vector>

#include "error.hpp"

namespace flk {

using nlohmann::json;

namespace {
constexpr int kMaxDepth = 64;
constexpr size_t kMaxJsonFileBytes = 64u << 20;
}  // namespace

json parse_json_strict(const char* text, size_t len, const std::string& where) {
  // One set of seen keys per open object, so duplicates are found at any depth.
  std::vector<std::set<std::string>> keys;
  std::string problem;
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) -> bool {
    if (!problem.empty()) return false;
    switch (ev) {
      case json::parse_event_t::object_start:
        keys.emplace_back();
        if (depth >= kMaxDepth) problem = "nesting deeper than " + std::to_string(kMaxDepth);
        break;
      case json::parse_event_t::array_start:
        if (depth >= kMaxDepth) problem = "nesting deeper than " + std::to_string(kMaxDepth);
        break;
      case json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case json::parse_event_t::key: {
        const std::string k = parsed.get<std::string>();
        if (!keys.empty() && !keys.back().insert(k).second) problem = "duplicate key '" + k + "'";
        break;
      }
      default:
        break;
    }
    return problem.empty();
  };
  json out;
  try {
    out = json::parse(text, text + len, cb, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const json::exception& e) {
    fail(FLOCK_E_FORMAT, where + ": invalid JSON: " + e.what());
  }
  if (!problem.empty()) fail(FLOCK_E_FORMAT, where + ": " + problem);
  return out;
}

json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(FLOCK_E_IO, path + ": cannot open");
  // Bounded by what is read, not by what stat says: a device, a pipe or a symlink to one
  // reports no size and never ends.
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxJsonFileBytes) fail(FLOCK_E_FORMAT, path + ": larger than 64 MiB");
  }
  if (in.bad()) fail(FLOCK_E_IO, path + ": read error");
  return parse_json_strict(text.data(), text.size(), path);
}

}  // namespace flk
