# SPDX-License-Identifier: Apache-2.0
# The version of the native package comes from one place, the ABI version in the public header:
# MOS_ABI_VERSION_MAJOR.MOS_ABI_VERSION_MINOR.0. So the CMake package (SameMajorVersion), the
# pkg-config file, libmos's SONAME (libmos.so.<major>) and mos_version_string() follow every ABI
# bump of native/include/mos/mos.h without a second number to keep in step.
# Sets MOS_ABI_VERSION_MAJOR, MOS_ABI_VERSION_MINOR and MOS_PACKAGE_VERSION; runs before project().
set(_mos_header "${CMAKE_CURRENT_LIST_DIR}/../native/include/mos/mos.h")
file(STRINGS "${_mos_header}" _mos_abi_lines
     REGEX "^#define[ \t]+MOS_ABI_VERSION_(MAJOR|MINOR)[ \t]+[0-9]+[ \t]*$")
foreach(_part MAJOR MINOR)
  set(MOS_ABI_VERSION_${_part} "")
  foreach(_line IN LISTS _mos_abi_lines)
    if(_line MATCHES "MOS_ABI_VERSION_${_part}[ \t]+([0-9]+)")
      set(MOS_ABI_VERSION_${_part} "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  if(MOS_ABI_VERSION_${_part} STREQUAL "")
    message(FATAL_ERROR "mos: no '#define MOS_ABI_VERSION_${_part} <number>' line in ${_mos_header}")
  endif()
endforeach()
set(MOS_PACKAGE_VERSION "${MOS_ABI_VERSION_MAJOR}.${MOS_ABI_VERSION_MINOR}.0")
unset(_mos_abi_lines)
unset(_mos_header)
