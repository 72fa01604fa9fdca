// Internal error type: thrown inside the core, turned into flock_status + text at the C ABI.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>

#include "flock_lora.h"

namespace flk {

class Error : public std::runtime_error {
 public:
  Error(flock_status status, std::string message)
      : std::runtime_error(std::move(message)), status_(status) {}
  flock_status status() const { return status_; }

 private:
  flock_status status_;
};

[[noreturn]] inline void fail(flock_status status, const std::string& message) {
  throw Error(status, message);
}

}  // namespace flk
