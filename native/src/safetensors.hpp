// safetensors reader: memory-mapped, validated, single file or sharded checkpoint.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dtype.hpp"
#include "mapped_file.hpp"

namespace flk {

struct TensorView {
  std::string name;
  std::string file;        // path of the file holding it (for messages)
  std::string dtype_name;  // as written in the header
  bool dtype_supported = false;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
  size_t nbytes = 0;

  int64_t numel() const;
  std::string shape_str() const;
};

std::string shape_to_string(const std::vector<int64_t>& shape);

// One .safetensors file. The constructor validates the whole header and throws
// flk::Error (E_IO / E_FORMAT) naming the file and tensor at fault.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::string& path() const { return file_.path(); }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  MappedFile file_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// A model's weights: `model.safetensors`, or the shards listed by
// `model.safetensors.index.json`.
class Checkpoint {
 public:
  explicit Checkpoint(const std::string& dir);

  bool has(const std::string& name) const { return index_.count(name) != 0; }
  // The tensor, checked to exist, to have a dtype we compute with and the given shape.
  const TensorView& require(const std::string& name, const std::vector<int64_t>& shape) const;
  const std::map<std::string, const TensorView*>& index() const { return index_; }
  std::string describe() const;  // "model.safetensors" or "N shards of ..."

 private:
  std::string dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorView*> index_;
  std::string index_file_;
};

}  // namespace flk
