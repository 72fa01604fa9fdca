// Shared by the C ABI translation units: the handle type and the exception guard.
#pragma once
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "error.hpp"
#include "flock_lora.h"
#include "model.hpp"

struct flock_model {
  std::unique_ptr<flk::Model> impl;
};

namespace flk::capi {

inline Model& model_of(flock_model* m) { return *m->impl; }

inline void set_error(flock_error* err, flock_status status, const std::string& msg) {
  if (err == nullptr) return;
  err->status = status;
  std::strncpy(err->message, msg.c_str(), FLOCK_ERROR_MESSAGE_MAX - 1);
  err->message[FLOCK_ERROR_MESSAGE_MAX - 1] = '\0';
}

// Runs body, converting every exception into a status and message; `doing` (e.g. "loading
// <dir>") names what ran out of memory, which a bare std::bad_alloc cannot.
template <typename F>
flock_status guarded(flock_error* err, F&& body, const std::string& doing = "") {
  try {
    body();
    if (err != nullptr) {
      err->status = FLOCK_OK;
      err->message[0] = '\0';
    }
    return FLOCK_OK;
  } catch (const Error& e) {
    set_error(err, e.status(), e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    set_error(err, FLOCK_E_OUT_OF_MEMORY, doing.empty() ? "out of host memory" : "out of host memory while " + doing);
    return FLOCK_E_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_error(err, FLOCK_E_INTERNAL, std::string("internal error: ") + e.what());
    return FLOCK_E_INTERNAL;
  } catch (...) {
    set_error(err, FLOCK_E_INTERNAL, "internal error");
    return FLOCK_E_INTERNAL;
  }
}

}  // namespace flk::capi
