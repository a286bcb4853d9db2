// error.h: mos::Error, the one exception type of the core and the backends, and small helpers
// that build "<what> has <n> but <other> is <m>" messages. api.cpp turns it into a status.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "mos/mos.h"

namespace mos {

// Thrown by internal checks; the guard in api.cpp prefixes the C function's name and returns
// status(). The message says which invariant broke, with the numbers.
class Error : public std::runtime_error {
 public:
  Error(mos_status_t status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  mos_status_t status() const noexcept { return status_; }

 private:
  mos_status_t status_;
};

// cat("x has ", 512, " columns") -> "x has 512 columns" (any streamable arguments).
template <class... Args>
std::string cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

template <class... Args>
[[noreturn]] void fail(mos_status_t status, Args&&... args) {
  throw Error(status, cat(std::forward<Args>(args)...));
}

// check(cond, status, message parts...): throw when cond is false. The parts are only formatted
// on failure, so checks stay cheap in the hot path.
template <class... Args>
inline void check(bool ok, mos_status_t status, Args&&... args) {
  if (!ok) fail(status, std::forward<Args>(args)...);
}

// Sets this thread's mos_last_error() text to "<fn>: <prefix><what>" (defined in api.cpp), for
// C entry points that live outside api.cpp and run their own guard (bank.cpp).
void record_last_error(const char* fn, const char* prefix, const char* what) noexcept;

}  // namespace mos
