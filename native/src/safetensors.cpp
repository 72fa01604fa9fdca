#include "safetensors.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "error.hpp"
#include "json_util.hpp"

namespace flk {

using nlohmann::json;

namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // the format's own limit

bool known_safetensors_dtype(const std::string& d) {
  static const std::set<std::string> known = {"BOOL", "U8",  "I8",  "I16", "U16", "F16",
                                              "BF16", "I32", "U32", "F32", "F64", "I64",
                                              "U64",  "F8_E4M3", "F8_E5M2"};
  return known.count(d) != 0;
}

size_t safetensors_dtype_size(const std::string& d) {
  if (d == "BOOL" || d == "U8" || d == "I8" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
  if (d == "I16" || d == "U16" || d == "F16" || d == "BF16") return 2;
  if (d == "I32" || d == "U32" || d == "F32") return 4;
  return 8;
}

bool file_exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

std::string TensorView::shape_str() const { return shape_to_string(shape); }

SafetensorsFile::SafetensorsFile(const std::string& path) : file_(path) {
  const uint8_t* base = file_.data();
  const size_t size = file_.size();
  if (size < 8) fail(FLOCK_E_FORMAT, path + ": truncated safetensors file (" + std::to_string(size) + " bytes, no header length)");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | base[i];
  if (header_len > kMaxHeaderBytes)
    fail(FLOCK_E_FORMAT, path + ": header length " + std::to_string(header_len) + " exceeds the 100 MiB limit");
  if (header_len > size - 8)
    fail(FLOCK_E_FORMAT, path + ": header length " + std::to_string(header_len) + " points past the end of the file (" +
                             std::to_string(size) + " bytes); the file is truncated or corrupt");
  const size_t data_start = 8 + header_len;
  const size_t data_size = size - data_start;

  json header = parse_json_strict(reinterpret_cast<const char*>(base + 8), header_len, path + " (safetensors header)");
  if (!header.is_object()) fail(FLOCK_E_FORMAT, path + ": safetensors header is not a JSON object");

  struct Span { uint64_t begin, end; std::string name; };
  std::vector<Span> spans;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& e = it.value();
    const std::string where = path + ": tensor '" + name + "'";
    if (name == "__metadata__") {
      if (!e.is_object()) fail(FLOCK_E_FORMAT, path + ": __metadata__ is not an object");
      for (auto m = e.begin(); m != e.end(); ++m) {
        if (!m.value().is_string()) fail(FLOCK_E_FORMAT, path + ": __metadata__ value '" + m.key() + "' is not a string");
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!e.is_object()) fail(FLOCK_E_FORMAT, where + " entry is not an object");
    auto dt = e.find("dtype");
    auto sh = e.find("shape");
    auto off = e.find("data_offsets");
    if (dt == e.end() || !dt->is_string()) fail(FLOCK_E_FORMAT, where + " has no string 'dtype'");
    if (sh == e.end() || !sh->is_array()) fail(FLOCK_E_FORMAT, where + " has no array 'shape'");
    if (off == e.end() || !off->is_array() || off->size() != 2)
      fail(FLOCK_E_FORMAT, where + " has no 'data_offsets' pair");
    TensorView v;
    v.name = name;
    v.file = path;
    v.dtype_name = dt->get<std::string>();
    if (!known_safetensors_dtype(v.dtype_name)) fail(FLOCK_E_FORMAT, where + " has unknown dtype '" + v.dtype_name + "'");
    v.dtype_supported = parse_dtype(v.dtype_name, &v.dtype);
    uint64_t numel = 1;
    for (const json& d : *sh) {
      if (!d.is_number_unsigned()) fail(FLOCK_E_FORMAT, where + " has a shape entry that is not a non-negative integer");
      uint64_t dim = d.get<uint64_t>();
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          (dim != 0 && numel > std::numeric_limits<uint64_t>::max() / dim))
        fail(FLOCK_E_FORMAT, where + " has a shape whose size overflows");
      numel *= dim;
      v.shape.push_back(static_cast<int64_t>(dim));
    }
    for (const json& o : *off)
      if (!o.is_number_unsigned()) fail(FLOCK_E_FORMAT, where + " has a data offset that is not a non-negative integer");
    const uint64_t begin = (*off)[0].get<uint64_t>();
    const uint64_t end = (*off)[1].get<uint64_t>();
    if (begin > end) fail(FLOCK_E_FORMAT, where + " has data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] that end before they begin");
    if (end > data_size)
      fail(FLOCK_E_FORMAT, where + " has data_offsets ending at " + std::to_string(end) + ", past the end of the data (" +
                               std::to_string(data_size) + " bytes); the file is truncated or corrupt");
    const size_t esize = safetensors_dtype_size(v.dtype_name);
    if (numel > std::numeric_limits<uint64_t>::max() / esize || numel * esize != end - begin)
      fail(FLOCK_E_FORMAT, where + ": shape " + v.shape_str() + " of " + v.dtype_name + " needs " +
                               std::to_string(numel * esize) + " bytes but data_offsets span " + std::to_string(end - begin));
    v.data = base + data_start + begin;
    v.nbytes = static_cast<size_t>(end - begin);
    spans.push_back({begin, end, name});
    tensors_.emplace(name, std::move(v));
  }
  // As the format's reference reader does: in offset order the tensors tile the data section
  // exactly, each starting where the one before it ends. An overlap (a zero-length tensor
  // inside another included) would let two tensors share bytes; a gap would hide bytes that no
  // tensor accounts for.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin || (a.begin == b.begin && a.end < b.end); });
  uint64_t covered = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    if (s.begin < covered)
      fail(FLOCK_E_FORMAT, path + ": tensors '" + spans[i - 1].name + "' and '" + s.name + "' have overlapping data (data_offsets [" +
                               std::to_string(s.begin) + ", " + std::to_string(s.end) + "] begin before byte " + std::to_string(covered) +
                               ", where the previous tensor ends)");
    if (s.begin > covered)
      fail(FLOCK_E_FORMAT, path + ": tensor '" + s.name + "' has data_offsets beginning at " + std::to_string(s.begin) + ", but the data before it ends at " +
                               std::to_string(covered) + ": " + std::to_string(s.begin - covered) + " bytes belong to no tensor");
    covered = s.end;
  }
  if (covered != data_size)
    fail(FLOCK_E_FORMAT, path + ": the last " + std::to_string(data_size - covered) + " bytes of the data (after byte " + std::to_string(covered) +
                             ") belong to no tensor; the file is corrupt");
}

Checkpoint::Checkpoint(const std::string& dir) : dir_(dir) {
  const std::string index_path = dir + "/model.safetensors.index.json";
  const std::string single_path = dir + "/model.safetensors";
  if (file_exists(index_path)) {
    index_file_ = index_path;
    json idx = read_json_file(index_path);
    if (!idx.is_object()) fail(FLOCK_E_FORMAT, index_path + ": not a JSON object");
    auto wm = idx.find("weight_map");
    if (wm == idx.end() || !wm->is_object()) fail(FLOCK_E_FORMAT, index_path + ": no 'weight_map' object");
    std::map<std::string, SafetensorsFile*> shards;
    for (auto it = wm->begin(); it != wm->end(); ++it) {
      if (!it.value().is_string()) fail(FLOCK_E_FORMAT, index_path + ": weight_map['" + it.key() + "'] is not a string");
      const std::string shard = it.value().get<std::string>();
      if (shard.empty() || shard.find('/') != std::string::npos || shard.find('\\') != std::string::npos || shard == "." || shard == "..")
        fail(FLOCK_E_FORMAT, index_path + ": weight_map['" + it.key() + "'] names '" + shard + "', which is not a file name in the model folder");
      if (!shards.count(shard)) {
        files_.push_back(std::make_unique<SafetensorsFile>(dir + "/" + shard));
        shards[shard] = files_.back().get();
      }
      const auto& tensors = shards[shard]->tensors();
      auto t = tensors.find(it.key());
      if (t == tensors.end())
        fail(FLOCK_E_TENSOR, index_path + ": tensor '" + it.key() + "' is listed in shard '" + shard + "' but that file does not contain it");
      index_[it.key()] = &t->second;
    }
  } else if (file_exists(single_path)) {
    files_.push_back(std::make_unique<SafetensorsFile>(single_path));
    for (const auto& kv : files_.back()->tensors()) index_[kv.first] = &kv.second;
  } else {
    fail(FLOCK_E_IO, dir + ": no model.safetensors or model.safetensors.index.json");
  }
}

std::string Checkpoint::describe() const {
  if (index_file_.empty()) return dir_ + "/model.safetensors";
  return index_file_ + " (" + std::to_string(files_.size()) + " shards)";
}

const TensorView& Checkpoint::require(const std::string& name, const std::vector<int64_t>& shape) const {
  auto it = index_.find(name);
  if (it == index_.end()) fail(FLOCK_E_TENSOR, describe() + ": missing tensor '" + name + "' (expected shape " + shape_to_string(shape) + ")");
  const TensorView& v = *it->second;
  if (!v.dtype_supported)
    fail(FLOCK_E_TENSOR, v.file + ": tensor '" + name + "' has dtype " + v.dtype_name + "; only F32, BF16 and F16 weights are supported");
  if (v.shape != shape)
    fail(FLOCK_E_TENSOR, v.file + ": tensor '" + name + "' has shape " + v.shape_str() + ", expected " + shape_to_string(shape));
  return v;
}

}  // namespace flk
