# SPDX-License-Identifier: Apache-2.0
# The installed C/C++ package of libmos: `cmake --install <build> --prefix P` lays out
#
#   P/include/mos/mos.h                     the one public header
#   P/lib/libmos.so -> libmos.so.<M> -> libmos.so.<M>.<m>.0   (SONAME libmos.so.<M>, M = ABI major)
#   P/lib/mos/libopenblas.so.0, libgfortran.so.5, libquadmath.so.0
#                                           the BLAS runtime libmos was linked against, when it
#                                           came from MOS_OPENBLAS_ROOT (libmos's RUNPATH
#                                           $ORIGIN/mos finds it; see below)
#   P/lib/cmake/mos/                        find_package(mos CONFIG): imported target mos::mos
#   P/lib/pkgconfig/mos.pc                  pkg-config --cflags --libs mos
#   P/share/doc/mos/                        LICENSE, NOTICE, licenses/, examples/train_two_blocks.c
#
# The bundled runtime sits in a private directory, not next to libmos: an install into
# /usr/local/lib would otherwise put a libgfortran.so.5 into ldconfig's cache for every program
# of the system. A libmos built against a system OpenBLAS (no MOS_OPENBLAS_ROOT) bundles nothing
# and keeps needing that OpenBLAS (mos_BLAS in the CMake package and mos.pc say which it is).
# Included at the end of the top-level CMakeLists.txt.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MOS_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/mos" CACHE STRING
    "Where the CMake package files of mos are installed (relative to the prefix)")
set(MOS_INSTALL_PRIVATE_LIBDIR "${CMAKE_INSTALL_LIBDIR}/mos")

# ---- what the BLAS dependency is, and whether the package carries it ----
set(_mos_bundle_default OFF)
if(MOS_BLAS_KIND STREQUAL "openblas" AND MOS_OPENBLAS_ROOT)
  set(_mos_bundle_default ON)
endif()
option(MOS_INSTALL_BLAS_RUNTIME
       "Install the OpenBLAS runtime (libopenblas.so.0, libgfortran.so.5, libquadmath.so.0) of MOS_OPENBLAS_ROOT into <libdir>/mos"
       ${_mos_bundle_default})
set(MOS_BUNDLED_RUNTIME "")
if(MOS_INSTALL_BLAS_RUNTIME AND MOS_BLAS_KIND STREQUAL "openblas")
  get_filename_component(_mos_blas_dir "${MOS_OPENBLAS_LIB}" DIRECTORY)
  foreach(_rt libopenblas.so.0 libgfortran.so.5 libquadmath.so.0)
    if(EXISTS "${_mos_blas_dir}/${_rt}")
      list(APPEND MOS_BUNDLED_RUNTIME "${_mos_blas_dir}/${_rt}")
    endif()
  endforeach()
endif()
if(MOS_BLAS_KIND STREQUAL "openblas" AND MOS_BUNDLED_RUNTIME)
  set(MOS_BLAS_DESCRIPTION "OpenBLAS, bundled in ${MOS_INSTALL_PRIVATE_LIBDIR}")
elseif(MOS_BLAS_KIND STREQUAL "openblas")
  set(MOS_BLAS_DESCRIPTION "OpenBLAS from the system (${MOS_OPENBLAS_LIB}), needed at run time")
else()
  set(MOS_BLAS_DESCRIPTION "none (the plain fallback GEMM)")
endif()

# ---- libmos: SONAME from the ABI major, version on the imported target ----
set_target_properties(mos PROPERTIES
  VERSION "${PROJECT_VERSION}"
  SOVERSION "${MOS_ABI_VERSION_MAJOR}"
  INTERFACE_mos_MAJOR_VERSION "${MOS_ABI_VERSION_MAJOR}")
# Two targets of one consumer that link different majors of mos::mos are a configure error.
set_property(TARGET mos APPEND PROPERTY COMPATIBLE_INTERFACE_STRING mos_MAJOR_VERSION)
# One run path for the build tree, the jar and the install: $ORIGIN/mos (the installed package's
# bundled runtime) then $ORIGIN (the copies next to libmos in the build tree and in the directory
# the Java loader extracts the jar to). Linking with it directly leaves nothing to rewrite at
# install, so the build-tree library carries no absolute build path and no empty (current
# directory) entry, which CMake's install-time rewrite would pad it with.
file(RELATIVE_PATH _mos_rpath "/p/${CMAKE_INSTALL_LIBDIR}" "/p/${MOS_INSTALL_PRIVATE_LIBDIR}")
set_target_properties(mos PROPERTIES
  INSTALL_RPATH "$ORIGIN/${_mos_rpath};$ORIGIN"
  BUILD_WITH_INSTALL_RPATH ON)

install(TARGETS mos EXPORT mosTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/native/include/mos/mos.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/mos")
foreach(_rt IN LISTS MOS_BUNDLED_RUNTIME)
  # The file itself under its SONAME, even where the root holds it as a symbolic link.
  get_filename_component(_rt_name "${_rt}" NAME)
  get_filename_component(_rt_real "${_rt}" REALPATH)
  install(FILES "${_rt_real}" DESTINATION "${MOS_INSTALL_PRIVATE_LIBDIR}" RENAME "${_rt_name}"
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endforeach()

# ---- CMake package: find_package(mos CONFIG) -> mos::mos ----
install(EXPORT mosTargets NAMESPACE mos:: FILE mosTargets.cmake
        DESTINATION "${MOS_INSTALL_CMAKEDIR}")
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/mosConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/package/mosConfig.cmake"
  INSTALL_DESTINATION "${MOS_INSTALL_CMAKEDIR}")
# SameMajorVersion: find_package(mos 1.2) accepts 1.2 and any later 1.x, never 2.x.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/package/mosConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/package/mosConfig.cmake"
              "${PROJECT_BINARY_DIR}/package/mosConfigVersion.cmake"
        DESTINATION "${MOS_INSTALL_CMAKEDIR}")

# ---- pkg-config: relocatable (paths relative to the .pc file), so --prefix at install works ----
set(_mos_pcdir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(MOS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")  # an absolute libdir: no relocation
else()
  file(RELATIVE_PATH _mos_up "/p/${_mos_pcdir}" "/p")
  string(REGEX REPLACE "/$" "" _mos_up "${_mos_up}")
  set(MOS_PC_PREFIX "\${pcfiledir}/${_mos_up}")
endif()
foreach(_dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_dir}}")
    set(MOS_PC_${_dir} "${CMAKE_INSTALL_${_dir}}")
  else()
    set(MOS_PC_${_dir} "\${prefix}/${CMAKE_INSTALL_${_dir}}")
  endif()
endforeach()
configure_file("${CMAKE_CURRENT_LIST_DIR}/mos.pc.in" "${PROJECT_BINARY_DIR}/package/mos.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/package/mos.pc" DESTINATION "${_mos_pcdir}")

# ---- licenses and the C example ----
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" "${PROJECT_SOURCE_DIR}/NOTICE"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/licenses" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/native/examples/train_two_blocks.c"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples")

# ---- the package test: install into a fresh prefix, build and run both consumers ----
# Not in the sanitizer build: its libmos needs the ASan runtime loaded first, which a plain
# consumer does not do.
if(MOS_BUILD_TESTS AND NOT MOS_SANITIZE)
  find_program(MOS_PKG_CONFIG NAMES pkg-config pkgconf)
  add_test(NAME package_consumers
           COMMAND bash "${PROJECT_SOURCE_DIR}/tests/consumers/run.sh" "${PROJECT_BINARY_DIR}")
  set_tests_properties(package_consumers PROPERTIES
    LABELS "native;package" TIMEOUT 300
    ENVIRONMENT "CMAKE=${CMAKE_COMMAND};CMAKE_GENERATOR=${CMAKE_GENERATOR};CC=${CMAKE_C_COMPILER};CXX=${CMAKE_CXX_COMPILER};PKG_CONFIG=${MOS_PKG_CONFIG};MOS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endif()
