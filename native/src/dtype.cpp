#include "dtype.hpp"

namespace flk {

bool parse_dtype(const std::string& name, DType* out) {
  if (name == "F32") *out = DType::F32;
  else if (name == "BF16") *out = DType::BF16;
  else if (name == "F16") *out = DType::F16;
  else return false;
  return true;
}

void to_f32(DType d, const void* src, float* dst, size_t n) {
  switch (d) {
    case DType::F32:
      std::memcpy(dst, src, n * 4);
      return;
    case DType::BF16: {
      const uint8_t* p = static_cast<const uint8_t*>(src);
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        dst[i] = bf16_to_f32(h);
      }
      return;
    }
    case DType::F16: {
      const uint8_t* p = static_cast<const uint8_t*>(src);
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        dst[i] = f16_to_f32(h);
      }
      return;
    }
  }
}

}  // namespace flk
