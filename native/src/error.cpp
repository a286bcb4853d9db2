// SPDX-License-Identifier: Apache-2.0
// error.cpp: the thread-local text behind mos_last_error(), written by guard() (error.h) when an
// entry point fails and emptied when one succeeds.
#include "error.h"

#include <cstdio>

namespace mos {

namespace {
thread_local char t_last_error[2048] = "";
}  // namespace

void set_last_error(const char* fn, const char* prefix, const char* what) noexcept {
  std::snprintf(t_last_error, sizeof(t_last_error), "%s: %s%s", fn, prefix, what);
}

void clear_last_error() noexcept { t_last_error[0] = '\0'; }

const char* last_error() noexcept { return t_last_error; }

}  // namespace mos
