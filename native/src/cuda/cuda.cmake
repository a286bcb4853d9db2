# SPDX-License-Identifier: Apache-2.0
# cuda.cmake: the CUDA backend of libmos, included by the top-level CMakeLists.txt after the
# `mos` target exists. MOS_CUDA=AUTO builds it when nvcc is found, ON requires it, OFF skips it.
# Sets MOS_CUDA_ENABLED ON when the CUDA sources were added to `mos`.
#
# cudart is linked statically (libmos stays loadable where no CUDA is installed; the probe then
# reports "no CUDA driver") and cuBLAS is dlopen'ed at run time (cublas_loader.cpp), so libmos
# has no link-time dependency on any CUDA library.

string(TOUPPER "${MOS_CUDA}" _mos_cuda_mode)
set(MOS_CUDA_ENABLED OFF)
set(MOS_CUDA_REASON "")

if(_mos_cuda_mode STREQUAL "OFF")
  set(MOS_CUDA_REASON "MOS_CUDA=OFF")
elseif(NOT _mos_cuda_mode STREQUAL "AUTO" AND NOT _mos_cuda_mode STREQUAL "ON")
  message(FATAL_ERROR "mos: MOS_CUDA must be AUTO, ON or OFF (got '${MOS_CUDA}')")
else()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(MOS_CUDA_ENABLED ON)
  else()
    set(MOS_CUDA_REASON "no CUDA compiler (nvcc) found; set CMAKE_CUDA_COMPILER or put nvcc on PATH")
    if(_mos_cuda_mode STREQUAL "ON")
      message(FATAL_ERROR "mos: MOS_CUDA=ON but ${MOS_CUDA_REASON}")
    endif()
  endif()
endif()

if(MOS_CUDA_ENABLED)
  # Without a GPU, "native" fails and nvcc's own default is sm_75 only: pick A100 + H100/H200
  # unless the user chose (e.g. -DCMAKE_CUDA_ARCHITECTURES=90a).
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR "${CMAKE_CUDA_ARCHITECTURES}" STREQUAL "")
    set(CMAKE_CUDA_ARCHITECTURES "80;90" CACHE STRING "CUDA architectures of the CUDA backend" FORCE)
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)

  find_package(CUDAToolkit REQUIRED)  # CUDA::cudart_static
  set(_mos_cuda_dir ${CMAKE_CURRENT_LIST_DIR})
  # Kernels and the cuBLAS loader: no dependency on the core (error.h is header-only), so the
  # tests and the benchmark can link them directly. Compiled once (object library) for all users.
  set(MOS_CUDA_KERNEL_SOURCES
      ${_mos_cuda_dir}/shard_gather.cu
      ${_mos_cuda_dir}/pool_scatter_add.cu
      ${_mos_cuda_dir}/lora_shrink.cu
      ${_mos_cuda_dir}/lora_expand.cu
      ${_mos_cuda_dir}/adamw.cu
      ${_mos_cuda_dir}/grad_norm.cu
      ${_mos_cuda_dir}/dropout.cu
      ${_mos_cuda_dir}/elementwise.cu
      ${_mos_cuda_dir}/convert_bf16.cu
      # the decoder's ops (docs/cuda.md, "Decoder kernels")
      ${_mos_cuda_dir}/rmsnorm.cu
      ${_mos_cuda_dir}/rope.cu
      ${_mos_cuda_dir}/attention.cu
      ${_mos_cuda_dir}/paged_attention.cu
      ${_mos_cuda_dir}/swiglu.cu
      ${_mos_cuda_dir}/embedding.cu
      ${_mos_cuda_dir}/cross_entropy.cu
      ${_mos_cuda_dir}/gemm_bf16.cu)
  # CUDA sources that use the core's types (Buffer, the bank's plan): part of libmos itself (and of
  # the tests' emulated libmos), not of the kernels' object library.
  set(MOS_CUDA_CORE_SOURCES
      ${_mos_cuda_dir}/bank_apply.cu)
  set(MOS_CUDA_HOST_SOURCES
      ${_mos_cuda_dir}/cuda_backend.cpp)
  # For version strings: "sm_80 sm_90" (no ';', which would split the definition).
  string(REPLACE ";" " sm_" _mos_archs_text "sm_${CMAKE_CUDA_ARCHITECTURES}")

  # AdamW rounds operation by operation like the CPU (no FMA contraction): bit-identical steps.
  set_source_files_properties(${_mos_cuda_dir}/adamw.cu PROPERTIES COMPILE_OPTIONS "--fmad=false")

  add_library(mos_cuda_kernels OBJECT ${MOS_CUDA_KERNEL_SOURCES} ${_mos_cuda_dir}/cublas_loader.cpp)
  target_include_directories(mos_cuda_kernels
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/native/include
           ${CMAKE_CURRENT_SOURCE_DIR}/native/src
           ${CMAKE_CUDA_TOOLKIT_INCLUDE_DIRECTORIES})
  target_compile_options(mos_cuda_kernels PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall -Xcompiler=-Wextra --expt-relaxed-constexpr>
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -O3>)
  target_link_libraries(mos_cuda_kernels PUBLIC CUDA::cudart_static ${CMAKE_DL_LIBS})

  # Options given to `mos` before this file for g++ (-Wall -Wextra ...) would reach nvcc, which
  # rejects them ("Unknown option '-Wall'"): restrict the plain ones to C and C++.
  get_target_property(_mos_opts mos COMPILE_OPTIONS)
  if(_mos_opts)
    set(_mos_wrapped "")
    foreach(_opt IN LISTS _mos_opts)
      if(_opt MATCHES "^\\$<")
        list(APPEND _mos_wrapped "${_opt}")
      else()
        list(APPEND _mos_wrapped "$<$<COMPILE_LANGUAGE:C,CXX>:${_opt}>")
      endif()
    endforeach()
    set_property(TARGET mos PROPERTY COMPILE_OPTIONS "${_mos_wrapped}")
  endif()

  target_sources(mos PRIVATE ${MOS_CUDA_CORE_SOURCES} ${MOS_CUDA_HOST_SOURCES})
  # cudart statically: libmos loads (and reports "no CUDA driver") where no CUDA is installed.
  target_link_libraries(mos PRIVATE mos_cuda_kernels CUDA::cudart_static ${CMAKE_DL_LIBS})
  # The host sources include cuda_runtime.h / library_types.h (nvcc adds these for .cu only).
  target_include_directories(mos PRIVATE ${CMAKE_CUDA_TOOLKIT_INCLUDE_DIRECTORIES})
  target_compile_options(mos PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall -Xcompiler=-Wextra --expt-relaxed-constexpr>)
  target_compile_definitions(mos PRIVATE MOS_HAVE_CUDA=1 MOS_CUDA_ARCHS="${_mos_archs_text}")
  # `mos` was created before CUDA was enabled, so it did not pick up these defaults.
  foreach(_t mos mos_cuda_kernels)
    set_target_properties(${_t} PROPERTIES
      CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}"
      CUDA_RUNTIME_LIBRARY Static
      CUDA_SEPARABLE_COMPILATION OFF
      POSITION_INDEPENDENT_CODE ON
      CUDA_VISIBILITY_PRESET hidden
      CXX_VISIBILITY_PRESET hidden
      VISIBILITY_INLINES_HIDDEN ON)
  endforeach()

  string(REPLACE ";" ", sm_" _mos_sm "${CMAKE_CUDA_ARCHITECTURES}")
  message(STATUS "mos: CUDA backend built for sm_${_mos_sm} (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, "
                 "cudart static, cuBLAS loaded at run time)")
else()
  message(STATUS "mos: CUDA backend not built: ${MOS_CUDA_REASON}")
endif()
