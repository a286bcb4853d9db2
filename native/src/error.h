// SPDX-License-Identifier: Apache-2.0
// error.h: mos::Error, the one exception type of the core and the backends, helpers that build
// "<what> has <n> but <other> is <m>" messages, and guard(), which turns it into a status.
#pragma once

#include <exception>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "mos/mos.h"

namespace mos {

// Thrown by internal checks; guard() below prefixes the C function's name and returns status(). The message says which invariant broke, with the numbers.
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

// This thread's mos_last_error() text (error.cpp): set by a failing guard(), emptied by a
// successful one.
void set_last_error(const char* fn, const char* prefix, const char* what) noexcept;
void clear_last_error() noexcept;
const char* last_error() noexcept;

// The body of every extern "C" entry point. No exception crosses the C boundary: mos::Error keeps
// its status, bad_alloc is OUT_OF_MEMORY, anything else is a bug (INTERNAL); the message is
// "<fn>: <what broke>"; a successful call empties the message.
template <class F>
mos_status_t guard(const char* fn, F&& body) noexcept {
  try {
    body();
    clear_last_error();
    return MOS_STATUS_OK;
  } catch (const Error& e) {
    set_last_error(fn, "", e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    set_last_error(fn, "", "out of memory");
    return MOS_STATUS_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_last_error(fn, "internal error: ", e.what());
    return MOS_STATUS_INTERNAL;
  } catch (...) {
    set_last_error(fn, "internal error: ", "unknown exception");
    return MOS_STATUS_INTERNAL;
  }
}

// MOS_GUARDED(statements;) as the whole body of an entry point: runs them under guard(), named
// after the enclosing C function.
#define MOS_GUARDED(...) return ::mos::guard(__func__, [&]() { __VA_ARGS__ })

// A required pointer argument: NULL_POINTER "<name> is NULL" when it is null.
template <class T>
T* need(T* p, const char* name) {
  check(p != nullptr, MOS_STATUS_NULL_POINTER, name, " is NULL");
  return p;
}

}  // namespace mos
