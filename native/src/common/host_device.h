// SPDX-License-Identifier: Apache-2.0
// host_device.h: MOS_HD, the qualifier of the arithmetic both backends share: __host__ __device__
// (inlined) under nvcc, plain inline for g++, so the CPU backend runs the kernels' own functions.
#pragma once

#if defined(__CUDACC__)
#define MOS_HD __host__ __device__ __forceinline__
#else
#define MOS_HD inline
#endif
