// SPDX-License-Identifier: Apache-2.0
// Generated from native/include/mos/mos.h ... but NOT by jextract, which cannot be installed on the build
// machines: written without it, in the layout `jextract --target-package org.mos.ffi --header-class-name
// mos_h -l mos` produces. Regenerate with scripts/regen-bindings.sh where jextract exists;
// BindingsCoverageTest (java-bindings) fails if a binding is missing or differs from the header.

package org.mos.ffi;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Arrays;
import java.util.stream.Collectors;

import static java.lang.foreign.ValueLayout.*;

/**
 * Low-level FFM bindings of {@code native/include/mos/mos.h}: one static method per {@code MOS_API}
 * function (with its {@code $descriptor()}, {@code $handle()} and {@code $address()}), one accessor per
 * enum constant and ABI macro, and typedef-like layout constants; the struct {@code mos_config_t} is
 * the class {@link mos_config} (layout and field accessors). Handles are {@link MemorySegment}s;
 * statuses are {@code int}s. Use the {@code org.mos} API instead unless you need the raw C ABI.
 *
 * <p>Symbols are resolved lazily, per function, through {@link MosLibrary}, which the API's loader
 * initialises with the absolute path of libmos. Calls that take {@code float*}/{@code int32_t*}/
 * {@code void*} data buffers ({@code mos_tensor_read/write}, {@code mos_pool_read/write},
 * {@code mos_pool_set/get_indices}, {@code mos_decoder_get_weight}, {@code mos_decoder_base_read/write})
 * are linked with {@code Linker.Option.critical(true)}: they accept
 * heap segments ({@code MemorySegment.ofArray(float[])}) without a copy; they neither call back into
 * Java nor block for long (they copy a bounded buffer).
 */
@SuppressWarnings("unused")
public class mos_h {

    mos_h() {
        // Should not be called directly
    }

    static final boolean TRACE_DOWNCALLS = Boolean.getBoolean("jextract.trace.downcalls");

    static void traceDowncall(String name, Object... args) {
         String traceArgs = Arrays.stream(args)
                       .map(Object::toString)
                       .collect(Collectors.joining(", "));
         System.out.printf("%s(%s)\n", name, traceArgs);
    }

    static MemorySegment findOrThrow(String symbol) {
        return SYMBOL_LOOKUP.find(symbol)
            .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
    }

    // Not jextract's default (libraryLookup(mapLibraryName("mos")), which is plain dlopen and ignores
    // java.library.path): a lazy delegate to MosLibrary, so that touching a constant of this class
    // never needs the library, and the library is found by absolute path.
    static final SymbolLookup SYMBOL_LOOKUP = name -> MosLibrary.lookup().find(name);

    public static final ValueLayout.OfBoolean C_BOOL = ValueLayout.JAVA_BOOLEAN;
    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, JAVA_BYTE));
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;

    private static final int MOS_ABI_VERSION_MAJOR = (int)2L;

    /**
     * {@snippet lang=c :
     * #define MOS_ABI_VERSION_MAJOR 2
     * }
     */
    public static int MOS_ABI_VERSION_MAJOR() {
        return MOS_ABI_VERSION_MAJOR;
    }

    private static final int MOS_ABI_VERSION_MINOR = (int)2L;

    /**
     * {@snippet lang=c :
     * #define MOS_ABI_VERSION_MINOR 2
     * }
     */
    public static int MOS_ABI_VERSION_MINOR() {
        return MOS_ABI_VERSION_MINOR;
    }

    public static final OfInt int32_t = mos_h.C_INT;
    public static final OfLong int64_t = mos_h.C_LONG;
    public static final OfLong uint64_t = mos_h.C_LONG;
    public static final OfLong size_t = mos_h.C_LONG;

    private static final int MOS_STATUS_OK = (int)0L;

    /**
     * {@snippet lang=c :
     * enum mos_status.MOS_STATUS_OK = 0
     * }
     */
    public static int MOS_STATUS_OK() {
        return MOS_STATUS_OK;
    }
    private static final int MOS_STATUS_INVALID_ARGUMENT = (int)1L;

    /**
     * {@snippet lang=c :
     * enum mos_status.MOS_STATUS_INVALID_ARGUMENT = 1
     * }
     */
    public static int MOS_STATUS_INVALID_ARGUMENT() {
        return MOS_STATUS_INVALID_ARGUMENT;
    }
    private static final int MOS_STATUS_NULL_POINTER = (int)2L;

    /**
     * {@snippet lang=c :
     * enum mos_status.MOS_STATUS_NULL_POINTER = 2
     * }
     */
    public static int MOS_STATUS_NULL_POINTER() {
        return MOS_STATUS_NULL_POINTER;
    }
    private static final int MOS_STATUS_SHAPE_MISMATCH = (int)3L;

    /**
     * {@snippet lang=c :
     * enum mos_status.MOS_STATUS_SHAPE_MISMATCH = 3
     * }
     */
    public static int MOS_STATUS_SHAPE_MISMATCH() {
        return MOS_STATUS_SHAPE_MISMATCH;
    }
    private static final int MOS_STATUS_INDEX_OUT_OF_RANGE = (int)4L;

    /**
     * {@snippet lang=c :
     * enum mos_status.MOS_STATUS_INDEX_OUT_OF_RANGE = 4
     * }
     */
    public static int MOS_STATUS_INDEX_OUT_OF_RANGE() {
        return MOS_STATUS_INDEX_OUT_OF_RANGE;
    }
    private static final int MOS_STATUS_OUT_OF_MEMORY = (int)5L;

    /**
     * {@snippet lang=c :
     * enum mos_status.MOS_STATUS_OUT_OF_MEMORY = 5
     * }
     */
    public static int MOS_STATUS_OUT_OF_MEMORY() {
        return MOS_STATUS_OUT_OF_MEMORY;
    }
    private static final int MOS_STATUS_UNSUPPORTED = (int)6L;

    /**
     * {@snippet lang=c :
     * enum mos_status.MOS_STATUS_UNSUPPORTED = 6
     * }
     */
    public static int MOS_STATUS_UNSUPPORTED() {
        return MOS_STATUS_UNSUPPORTED;
    }
    private static final int MOS_STATUS_BACKEND_UNAVAILABLE = (int)7L;

    /**
     * {@snippet lang=c :
     * enum mos_status.MOS_STATUS_BACKEND_UNAVAILABLE = 7
     * }
     */
    public static int MOS_STATUS_BACKEND_UNAVAILABLE() {
        return MOS_STATUS_BACKEND_UNAVAILABLE;
    }
    private static final int MOS_STATUS_INVALID_STATE = (int)8L;

    /**
     * {@snippet lang=c :
     * enum mos_status.MOS_STATUS_INVALID_STATE = 8
     * }
     */
    public static int MOS_STATUS_INVALID_STATE() {
        return MOS_STATUS_INVALID_STATE;
    }
    private static final int MOS_STATUS_INTERNAL = (int)9L;

    /**
     * {@snippet lang=c :
     * enum mos_status.MOS_STATUS_INTERNAL = 9
     * }
     */
    public static int MOS_STATUS_INTERNAL() {
        return MOS_STATUS_INTERNAL;
    }
    /**
     * {@snippet lang=c :
     * typedef enum mos_status { ... } mos_status_t
     * }
     */
    public static final OfInt mos_status_t = mos_h.C_INT;

    private static final int MOS_BACKEND_CPU = (int)0L;

    /**
     * {@snippet lang=c :
     * enum mos_backend.MOS_BACKEND_CPU = 0
     * }
     */
    public static int MOS_BACKEND_CPU() {
        return MOS_BACKEND_CPU;
    }
    private static final int MOS_BACKEND_CUDA = (int)1L;

    /**
     * {@snippet lang=c :
     * enum mos_backend.MOS_BACKEND_CUDA = 1
     * }
     */
    public static int MOS_BACKEND_CUDA() {
        return MOS_BACKEND_CUDA;
    }
    /**
     * {@snippet lang=c :
     * typedef enum mos_backend { ... } mos_backend_t
     * }
     */
    public static final OfInt mos_backend_t = mos_h.C_INT;

    private static final int MOS_DTYPE_F32 = (int)0L;

    /**
     * {@snippet lang=c :
     * enum mos_dtype.MOS_DTYPE_F32 = 0
     * }
     */
    public static int MOS_DTYPE_F32() {
        return MOS_DTYPE_F32;
    }
    private static final int MOS_DTYPE_BF16 = (int)1L;

    /**
     * {@snippet lang=c :
     * enum mos_dtype.MOS_DTYPE_BF16 = 1
     * }
     */
    public static int MOS_DTYPE_BF16() {
        return MOS_DTYPE_BF16;
    }
    private static final int MOS_DTYPE_I32 = (int)2L;

    /**
     * {@snippet lang=c :
     * enum mos_dtype.MOS_DTYPE_I32 = 2
     * }
     */
    public static int MOS_DTYPE_I32() {
        return MOS_DTYPE_I32;
    }
    private static final int MOS_DTYPE_F16 = (int)3L;

    /**
     * {@snippet lang=c :
     * enum mos_dtype.MOS_DTYPE_F16 = 3
     * }
     */
    public static int MOS_DTYPE_F16() {
        return MOS_DTYPE_F16;
    }
    /**
     * {@snippet lang=c :
     * typedef enum mos_dtype { ... } mos_dtype_t
     * }
     */
    public static final OfInt mos_dtype_t = mos_h.C_INT;

    private static final int MOS_MODE_FULL = (int)0L;

    /**
     * {@snippet lang=c :
     * enum mos_mode.MOS_MODE_FULL = 0
     * }
     */
    public static int MOS_MODE_FULL() {
        return MOS_MODE_FULL;
    }
    private static final int MOS_MODE_ADAPTER_ONLY = (int)1L;

    /**
     * {@snippet lang=c :
     * enum mos_mode.MOS_MODE_ADAPTER_ONLY = 1
     * }
     */
    public static int MOS_MODE_ADAPTER_ONLY() {
        return MOS_MODE_ADAPTER_ONLY;
    }
    /**
     * {@snippet lang=c :
     * typedef enum mos_mode { ... } mos_mode_t
     * }
     */
    public static final OfInt mos_mode_t = mos_h.C_INT;

    private static final int MOS_POOL_A = (int)0L;

    /**
     * {@snippet lang=c :
     * enum mos_pool_array.MOS_POOL_A = 0
     * }
     */
    public static int MOS_POOL_A() {
        return MOS_POOL_A;
    }
    private static final int MOS_POOL_B = (int)1L;

    /**
     * {@snippet lang=c :
     * enum mos_pool_array.MOS_POOL_B = 1
     * }
     */
    public static int MOS_POOL_B() {
        return MOS_POOL_B;
    }
    private static final int MOS_POOL_GRAD_A = (int)2L;

    /**
     * {@snippet lang=c :
     * enum mos_pool_array.MOS_POOL_GRAD_A = 2
     * }
     */
    public static int MOS_POOL_GRAD_A() {
        return MOS_POOL_GRAD_A;
    }
    private static final int MOS_POOL_GRAD_B = (int)3L;

    /**
     * {@snippet lang=c :
     * enum mos_pool_array.MOS_POOL_GRAD_B = 3
     * }
     */
    public static int MOS_POOL_GRAD_B() {
        return MOS_POOL_GRAD_B;
    }
    private static final int MOS_POOL_ADAM_M_A = (int)4L;

    /**
     * {@snippet lang=c :
     * enum mos_pool_array.MOS_POOL_ADAM_M_A = 4
     * }
     */
    public static int MOS_POOL_ADAM_M_A() {
        return MOS_POOL_ADAM_M_A;
    }
    private static final int MOS_POOL_ADAM_V_A = (int)5L;

    /**
     * {@snippet lang=c :
     * enum mos_pool_array.MOS_POOL_ADAM_V_A = 5
     * }
     */
    public static int MOS_POOL_ADAM_V_A() {
        return MOS_POOL_ADAM_V_A;
    }
    private static final int MOS_POOL_ADAM_M_B = (int)6L;

    /**
     * {@snippet lang=c :
     * enum mos_pool_array.MOS_POOL_ADAM_M_B = 6
     * }
     */
    public static int MOS_POOL_ADAM_M_B() {
        return MOS_POOL_ADAM_M_B;
    }
    private static final int MOS_POOL_ADAM_V_B = (int)7L;

    /**
     * {@snippet lang=c :
     * enum mos_pool_array.MOS_POOL_ADAM_V_B = 7
     * }
     */
    public static int MOS_POOL_ADAM_V_B() {
        return MOS_POOL_ADAM_V_B;
    }
    /**
     * {@snippet lang=c :
     * typedef enum mos_pool_array { ... } mos_pool_array_t
     * }
     */
    public static final OfInt mos_pool_array_t = mos_h.C_INT;

    private static final int MOS_MATH_DEFAULT = (int)0L;

    /**
     * {@snippet lang=c :
     * enum mos_math_mode.MOS_MATH_DEFAULT = 0
     * }
     */
    public static int MOS_MATH_DEFAULT() {
        return MOS_MATH_DEFAULT;
    }
    private static final int MOS_MATH_TF32 = (int)1L;

    /**
     * {@snippet lang=c :
     * enum mos_math_mode.MOS_MATH_TF32 = 1
     * }
     */
    public static int MOS_MATH_TF32() {
        return MOS_MATH_TF32;
    }
    /**
     * {@snippet lang=c :
     * typedef enum mos_math_mode { ... } mos_math_mode_t
     * }
     */
    public static final OfInt mos_math_mode_t = mos_h.C_INT;

    /**
     * {@snippet lang=c :
     * typedef struct mos_context *mos_context_t
     * }
     */
    public static final AddressLayout mos_context_t = mos_h.C_POINTER;

    /**
     * {@snippet lang=c :
     * typedef struct mos_tensor *mos_tensor_t
     * }
     */
    public static final AddressLayout mos_tensor_t = mos_h.C_POINTER;

    /**
     * {@snippet lang=c :
     * typedef struct mos_pool *mos_pool_t
     * }
     */
    public static final AddressLayout mos_pool_t = mos_h.C_POINTER;

    /**
     * {@snippet lang=c :
     * typedef struct mos_layer *mos_layer_t
     * }
     */
    public static final AddressLayout mos_layer_t = mos_h.C_POINTER;

    /**
     * {@snippet lang=c :
     * typedef struct mos_optimizer *mos_optimizer_t
     * }
     */
    public static final AddressLayout mos_optimizer_t = mos_h.C_POINTER;

    private static class mos_abi_version {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_abi_version");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * int32_t mos_abi_version(void)
     * }
     */
    public static FunctionDescriptor mos_abi_version$descriptor() {
        return mos_abi_version.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * int32_t mos_abi_version(void)
     * }
     */
    public static MethodHandle mos_abi_version$handle() {
        return mos_abi_version.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * int32_t mos_abi_version(void)
     * }
     */
    public static MemorySegment mos_abi_version$address() {
        return mos_abi_version.ADDR;
    }

    /**
     * {@snippet lang=c :
     * int32_t mos_abi_version(void)
     * }
     */
    public static int mos_abi_version() {
        var mh$ = mos_abi_version.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_abi_version");
            }
            return (int)mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_version_string {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_version_string");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * const char* mos_version_string(void)
     * }
     */
    public static FunctionDescriptor mos_version_string$descriptor() {
        return mos_version_string.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * const char* mos_version_string(void)
     * }
     */
    public static MethodHandle mos_version_string$handle() {
        return mos_version_string.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * const char* mos_version_string(void)
     * }
     */
    public static MemorySegment mos_version_string$address() {
        return mos_version_string.ADDR;
    }

    /**
     * {@snippet lang=c :
     * const char* mos_version_string(void)
     * }
     */
    public static MemorySegment mos_version_string() {
        var mh$ = mos_version_string.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_version_string");
            }
            return (MemorySegment)mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_last_error {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_last_error");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * const char* mos_last_error(void)
     * }
     */
    public static FunctionDescriptor mos_last_error$descriptor() {
        return mos_last_error.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * const char* mos_last_error(void)
     * }
     */
    public static MethodHandle mos_last_error$handle() {
        return mos_last_error.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * const char* mos_last_error(void)
     * }
     */
    public static MemorySegment mos_last_error$address() {
        return mos_last_error.ADDR;
    }

    /**
     * {@snippet lang=c :
     * const char* mos_last_error(void)
     * }
     */
    public static MemorySegment mos_last_error() {
        var mh$ = mos_last_error.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_last_error");
            }
            return (MemorySegment)mh$.invokeExact();
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_backend_available {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_backend_available");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_backend_available(mos_backend_t backend, int32_t* available, char* reason, size_t reason_capacity)
     * }
     */
    public static FunctionDescriptor mos_backend_available$descriptor() {
        return mos_backend_available.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_backend_available(mos_backend_t backend, int32_t* available, char* reason, size_t reason_capacity)
     * }
     */
    public static MethodHandle mos_backend_available$handle() {
        return mos_backend_available.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_backend_available(mos_backend_t backend, int32_t* available, char* reason, size_t reason_capacity)
     * }
     */
    public static MemorySegment mos_backend_available$address() {
        return mos_backend_available.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_backend_available(mos_backend_t backend, int32_t* available, char* reason, size_t reason_capacity)
     * }
     */
    public static int mos_backend_available(int backend, MemorySegment available, MemorySegment reason, long reason_capacity) {
        var mh$ = mos_backend_available.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_backend_available", backend, available, reason, reason_capacity);
            }
            return (int)mh$.invokeExact(backend, available, reason, reason_capacity);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_context_create {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_INT,
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_context_create");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_context_create(mos_backend_t backend, int32_t device, mos_context_t* out)
     * }
     */
    public static FunctionDescriptor mos_context_create$descriptor() {
        return mos_context_create.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_context_create(mos_backend_t backend, int32_t device, mos_context_t* out)
     * }
     */
    public static MethodHandle mos_context_create$handle() {
        return mos_context_create.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_context_create(mos_backend_t backend, int32_t device, mos_context_t* out)
     * }
     */
    public static MemorySegment mos_context_create$address() {
        return mos_context_create.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_context_create(mos_backend_t backend, int32_t device, mos_context_t* out)
     * }
     */
    public static int mos_context_create(int backend, int device, MemorySegment out) {
        var mh$ = mos_context_create.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_context_create", backend, device, out);
            }
            return (int)mh$.invokeExact(backend, device, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_context_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_context_free");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_context_free(mos_context_t ctx)
     * }
     */
    public static FunctionDescriptor mos_context_free$descriptor() {
        return mos_context_free.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_context_free(mos_context_t ctx)
     * }
     */
    public static MethodHandle mos_context_free$handle() {
        return mos_context_free.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_context_free(mos_context_t ctx)
     * }
     */
    public static MemorySegment mos_context_free$address() {
        return mos_context_free.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_context_free(mos_context_t ctx)
     * }
     */
    public static int mos_context_free(MemorySegment ctx) {
        var mh$ = mos_context_free.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_context_free", ctx);
            }
            return (int)mh$.invokeExact(ctx);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_context_backend {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_context_backend");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_context_backend(mos_context_t ctx, mos_backend_t* out)
     * }
     */
    public static FunctionDescriptor mos_context_backend$descriptor() {
        return mos_context_backend.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_context_backend(mos_context_t ctx, mos_backend_t* out)
     * }
     */
    public static MethodHandle mos_context_backend$handle() {
        return mos_context_backend.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_context_backend(mos_context_t ctx, mos_backend_t* out)
     * }
     */
    public static MemorySegment mos_context_backend$address() {
        return mos_context_backend.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_context_backend(mos_context_t ctx, mos_backend_t* out)
     * }
     */
    public static int mos_context_backend(MemorySegment ctx, MemorySegment out) {
        var mh$ = mos_context_backend.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_context_backend", ctx, out);
            }
            return (int)mh$.invokeExact(ctx, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_context_set_num_threads {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_context_set_num_threads");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_context_set_num_threads(mos_context_t ctx, int32_t num_threads)
     * }
     */
    public static FunctionDescriptor mos_context_set_num_threads$descriptor() {
        return mos_context_set_num_threads.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_context_set_num_threads(mos_context_t ctx, int32_t num_threads)
     * }
     */
    public static MethodHandle mos_context_set_num_threads$handle() {
        return mos_context_set_num_threads.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_context_set_num_threads(mos_context_t ctx, int32_t num_threads)
     * }
     */
    public static MemorySegment mos_context_set_num_threads$address() {
        return mos_context_set_num_threads.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_context_set_num_threads(mos_context_t ctx, int32_t num_threads)
     * }
     */
    public static int mos_context_set_num_threads(MemorySegment ctx, int num_threads) {
        var mh$ = mos_context_set_num_threads.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_context_set_num_threads", ctx, num_threads);
            }
            return (int)mh$.invokeExact(ctx, num_threads);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_context_set_math_mode {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_context_set_math_mode");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_context_set_math_mode(mos_context_t ctx, mos_math_mode_t mode)
     * }
     */
    public static FunctionDescriptor mos_context_set_math_mode$descriptor() {
        return mos_context_set_math_mode.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_context_set_math_mode(mos_context_t ctx, mos_math_mode_t mode)
     * }
     */
    public static MethodHandle mos_context_set_math_mode$handle() {
        return mos_context_set_math_mode.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_context_set_math_mode(mos_context_t ctx, mos_math_mode_t mode)
     * }
     */
    public static MemorySegment mos_context_set_math_mode$address() {
        return mos_context_set_math_mode.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_context_set_math_mode(mos_context_t ctx, mos_math_mode_t mode)
     * }
     */
    public static int mos_context_set_math_mode(MemorySegment ctx, int mode) {
        var mh$ = mos_context_set_math_mode.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_context_set_math_mode", ctx, mode);
            }
            return (int)mh$.invokeExact(ctx, mode);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_context_set_deterministic {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_context_set_deterministic");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_context_set_deterministic(mos_context_t ctx, int32_t on)
     * }
     */
    public static FunctionDescriptor mos_context_set_deterministic$descriptor() {
        return mos_context_set_deterministic.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_context_set_deterministic(mos_context_t ctx, int32_t on)
     * }
     */
    public static MethodHandle mos_context_set_deterministic$handle() {
        return mos_context_set_deterministic.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_context_set_deterministic(mos_context_t ctx, int32_t on)
     * }
     */
    public static MemorySegment mos_context_set_deterministic$address() {
        return mos_context_set_deterministic.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_context_set_deterministic(mos_context_t ctx, int32_t on)
     * }
     */
    public static int mos_context_set_deterministic(MemorySegment ctx, int on) {
        var mh$ = mos_context_set_deterministic.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_context_set_deterministic", ctx, on);
            }
            return (int)mh$.invokeExact(ctx, on);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_context_synchronize {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_context_synchronize");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_context_synchronize(mos_context_t ctx)
     * }
     */
    public static FunctionDescriptor mos_context_synchronize$descriptor() {
        return mos_context_synchronize.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_context_synchronize(mos_context_t ctx)
     * }
     */
    public static MethodHandle mos_context_synchronize$handle() {
        return mos_context_synchronize.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_context_synchronize(mos_context_t ctx)
     * }
     */
    public static MemorySegment mos_context_synchronize$address() {
        return mos_context_synchronize.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_context_synchronize(mos_context_t ctx)
     * }
     */
    public static int mos_context_synchronize(MemorySegment ctx) {
        var mh$ = mos_context_synchronize.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_context_synchronize", ctx);
            }
            return (int)mh$.invokeExact(ctx);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_tensor_create {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_LONG,
            mos_h.C_LONG,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_tensor_create");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_create(mos_context_t ctx, mos_dtype_t dtype, int64_t rows, int64_t cols, mos_tensor_t* out)
     * }
     */
    public static FunctionDescriptor mos_tensor_create$descriptor() {
        return mos_tensor_create.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_create(mos_context_t ctx, mos_dtype_t dtype, int64_t rows, int64_t cols, mos_tensor_t* out)
     * }
     */
    public static MethodHandle mos_tensor_create$handle() {
        return mos_tensor_create.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_create(mos_context_t ctx, mos_dtype_t dtype, int64_t rows, int64_t cols, mos_tensor_t* out)
     * }
     */
    public static MemorySegment mos_tensor_create$address() {
        return mos_tensor_create.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_tensor_create(mos_context_t ctx, mos_dtype_t dtype, int64_t rows, int64_t cols, mos_tensor_t* out)
     * }
     */
    public static int mos_tensor_create(MemorySegment ctx, int dtype, long rows, long cols, MemorySegment out) {
        var mh$ = mos_tensor_create.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_tensor_create", ctx, dtype, rows, cols, out);
            }
            return (int)mh$.invokeExact(ctx, dtype, rows, cols, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_tensor_wrap_host {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_LONG,
            mos_h.C_LONG,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_tensor_wrap_host");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_wrap_host(mos_context_t ctx, mos_dtype_t dtype, int64_t rows, int64_t cols, void* data, mos_tensor_t* out)
     * }
     */
    public static FunctionDescriptor mos_tensor_wrap_host$descriptor() {
        return mos_tensor_wrap_host.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_wrap_host(mos_context_t ctx, mos_dtype_t dtype, int64_t rows, int64_t cols, void* data, mos_tensor_t* out)
     * }
     */
    public static MethodHandle mos_tensor_wrap_host$handle() {
        return mos_tensor_wrap_host.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_wrap_host(mos_context_t ctx, mos_dtype_t dtype, int64_t rows, int64_t cols, void* data, mos_tensor_t* out)
     * }
     */
    public static MemorySegment mos_tensor_wrap_host$address() {
        return mos_tensor_wrap_host.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_tensor_wrap_host(mos_context_t ctx, mos_dtype_t dtype, int64_t rows, int64_t cols, void* data, mos_tensor_t* out)
     * }
     */
    public static int mos_tensor_wrap_host(MemorySegment ctx, int dtype, long rows, long cols, MemorySegment data, MemorySegment out) {
        var mh$ = mos_tensor_wrap_host.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_tensor_wrap_host", ctx, dtype, rows, cols, data, out);
            }
            return (int)mh$.invokeExact(ctx, dtype, rows, cols, data, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_tensor_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_tensor_free");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_free(mos_tensor_t t)
     * }
     */
    public static FunctionDescriptor mos_tensor_free$descriptor() {
        return mos_tensor_free.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_free(mos_tensor_t t)
     * }
     */
    public static MethodHandle mos_tensor_free$handle() {
        return mos_tensor_free.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_free(mos_tensor_t t)
     * }
     */
    public static MemorySegment mos_tensor_free$address() {
        return mos_tensor_free.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_tensor_free(mos_tensor_t t)
     * }
     */
    public static int mos_tensor_free(MemorySegment t) {
        var mh$ = mos_tensor_free.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_tensor_free", t);
            }
            return (int)mh$.invokeExact(t);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_tensor_shape {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_tensor_shape");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_shape(mos_tensor_t t, int64_t* rows, int64_t* cols)
     * }
     */
    public static FunctionDescriptor mos_tensor_shape$descriptor() {
        return mos_tensor_shape.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_shape(mos_tensor_t t, int64_t* rows, int64_t* cols)
     * }
     */
    public static MethodHandle mos_tensor_shape$handle() {
        return mos_tensor_shape.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_shape(mos_tensor_t t, int64_t* rows, int64_t* cols)
     * }
     */
    public static MemorySegment mos_tensor_shape$address() {
        return mos_tensor_shape.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_tensor_shape(mos_tensor_t t, int64_t* rows, int64_t* cols)
     * }
     */
    public static int mos_tensor_shape(MemorySegment t, MemorySegment rows, MemorySegment cols) {
        var mh$ = mos_tensor_shape.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_tensor_shape", t, rows, cols);
            }
            return (int)mh$.invokeExact(t, rows, cols);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_tensor_dtype {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_tensor_dtype");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_dtype(mos_tensor_t t, mos_dtype_t* out)
     * }
     */
    public static FunctionDescriptor mos_tensor_dtype$descriptor() {
        return mos_tensor_dtype.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_dtype(mos_tensor_t t, mos_dtype_t* out)
     * }
     */
    public static MethodHandle mos_tensor_dtype$handle() {
        return mos_tensor_dtype.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_dtype(mos_tensor_t t, mos_dtype_t* out)
     * }
     */
    public static MemorySegment mos_tensor_dtype$address() {
        return mos_tensor_dtype.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_tensor_dtype(mos_tensor_t t, mos_dtype_t* out)
     * }
     */
    public static int mos_tensor_dtype(MemorySegment t, MemorySegment out) {
        var mh$ = mos_tensor_dtype.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_tensor_dtype", t, out);
            }
            return (int)mh$.invokeExact(t, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_tensor_write {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_tensor_write");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy; the call
        // copies a bounded buffer and never calls back into Java.
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_write(mos_tensor_t t, const void* src, int64_t num_elements)
     * }
     */
    public static FunctionDescriptor mos_tensor_write$descriptor() {
        return mos_tensor_write.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_write(mos_tensor_t t, const void* src, int64_t num_elements)
     * }
     */
    public static MethodHandle mos_tensor_write$handle() {
        return mos_tensor_write.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_write(mos_tensor_t t, const void* src, int64_t num_elements)
     * }
     */
    public static MemorySegment mos_tensor_write$address() {
        return mos_tensor_write.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_tensor_write(mos_tensor_t t, const void* src, int64_t num_elements)
     * }
     */
    public static int mos_tensor_write(MemorySegment t, MemorySegment src, long num_elements) {
        var mh$ = mos_tensor_write.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_tensor_write", t, src, num_elements);
            }
            return (int)mh$.invokeExact(t, src, num_elements);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_tensor_read {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_tensor_read");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy; the call
        // copies a bounded buffer and never calls back into Java.
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_read(mos_tensor_t t, void* dst, int64_t num_elements)
     * }
     */
    public static FunctionDescriptor mos_tensor_read$descriptor() {
        return mos_tensor_read.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_read(mos_tensor_t t, void* dst, int64_t num_elements)
     * }
     */
    public static MethodHandle mos_tensor_read$handle() {
        return mos_tensor_read.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_tensor_read(mos_tensor_t t, void* dst, int64_t num_elements)
     * }
     */
    public static MemorySegment mos_tensor_read$address() {
        return mos_tensor_read.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_tensor_read(mos_tensor_t t, void* dst, int64_t num_elements)
     * }
     */
    public static int mos_tensor_read(MemorySegment t, MemorySegment dst, long num_elements) {
        var mh$ = mos_tensor_read.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_tensor_read", t, dst, num_elements);
            }
            return (int)mh$.invokeExact(t, dst, num_elements);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_gemm {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_INT,
            mos_h.C_FLOAT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_FLOAT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_gemm");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_gemm(mos_context_t ctx, int32_t trans_a, int32_t trans_b, float alpha, mos_tensor_t a, mos_tensor_t b, float beta, mos_tensor_t c)
     * }
     */
    public static FunctionDescriptor mos_gemm$descriptor() {
        return mos_gemm.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_gemm(mos_context_t ctx, int32_t trans_a, int32_t trans_b, float alpha, mos_tensor_t a, mos_tensor_t b, float beta, mos_tensor_t c)
     * }
     */
    public static MethodHandle mos_gemm$handle() {
        return mos_gemm.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_gemm(mos_context_t ctx, int32_t trans_a, int32_t trans_b, float alpha, mos_tensor_t a, mos_tensor_t b, float beta, mos_tensor_t c)
     * }
     */
    public static MemorySegment mos_gemm$address() {
        return mos_gemm.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_gemm(mos_context_t ctx, int32_t trans_a, int32_t trans_b, float alpha, mos_tensor_t a, mos_tensor_t b, float beta, mos_tensor_t c)
     * }
     */
    public static int mos_gemm(MemorySegment ctx, int trans_a, int trans_b, float alpha, MemorySegment a, MemorySegment b, float beta, MemorySegment c) {
        var mh$ = mos_gemm.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_gemm", ctx, trans_a, trans_b, alpha, a, b, beta, c);
            }
            return (int)mh$.invokeExact(ctx, trans_a, trans_b, alpha, a, b, beta, c);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_config_validate {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_config_validate");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_config_validate(const mos_config_t* config)
     * }
     */
    public static FunctionDescriptor mos_config_validate$descriptor() {
        return mos_config_validate.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_config_validate(const mos_config_t* config)
     * }
     */
    public static MethodHandle mos_config_validate$handle() {
        return mos_config_validate.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_config_validate(const mos_config_t* config)
     * }
     */
    public static MemorySegment mos_config_validate$address() {
        return mos_config_validate.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_config_validate(const mos_config_t* config)
     * }
     */
    public static int mos_config_validate(MemorySegment config) {
        var mh$ = mos_config_validate.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_config_validate", config);
            }
            return (int)mh$.invokeExact(config);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_config_param_count {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_config_param_count");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_config_param_count(const mos_config_t* config, int64_t* out)
     * }
     */
    public static FunctionDescriptor mos_config_param_count$descriptor() {
        return mos_config_param_count.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_config_param_count(const mos_config_t* config, int64_t* out)
     * }
     */
    public static MethodHandle mos_config_param_count$handle() {
        return mos_config_param_count.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_config_param_count(const mos_config_t* config, int64_t* out)
     * }
     */
    public static MemorySegment mos_config_param_count$address() {
        return mos_config_param_count.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_config_param_count(const mos_config_t* config, int64_t* out)
     * }
     */
    public static int mos_config_param_count(MemorySegment config, MemorySegment out) {
        var mh$ = mos_config_param_count.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_config_param_count", config, out);
            }
            return (int)mh$.invokeExact(config, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_create {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_create");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_create(mos_context_t ctx, const mos_config_t* config, mos_pool_t* out)
     * }
     */
    public static FunctionDescriptor mos_pool_create$descriptor() {
        return mos_pool_create.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_create(mos_context_t ctx, const mos_config_t* config, mos_pool_t* out)
     * }
     */
    public static MethodHandle mos_pool_create$handle() {
        return mos_pool_create.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_create(mos_context_t ctx, const mos_config_t* config, mos_pool_t* out)
     * }
     */
    public static MemorySegment mos_pool_create$address() {
        return mos_pool_create.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_create(mos_context_t ctx, const mos_config_t* config, mos_pool_t* out)
     * }
     */
    public static int mos_pool_create(MemorySegment ctx, MemorySegment config, MemorySegment out) {
        var mh$ = mos_pool_create.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_create", ctx, config, out);
            }
            return (int)mh$.invokeExact(ctx, config, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_free");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_free(mos_pool_t pool)
     * }
     */
    public static FunctionDescriptor mos_pool_free$descriptor() {
        return mos_pool_free.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_free(mos_pool_t pool)
     * }
     */
    public static MethodHandle mos_pool_free$handle() {
        return mos_pool_free.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_free(mos_pool_t pool)
     * }
     */
    public static MemorySegment mos_pool_free$address() {
        return mos_pool_free.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_free(mos_pool_t pool)
     * }
     */
    public static int mos_pool_free(MemorySegment pool) {
        var mh$ = mos_pool_free.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_free", pool);
            }
            return (int)mh$.invokeExact(pool);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_get_config {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_get_config");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_get_config(mos_pool_t pool, mos_config_t* out)
     * }
     */
    public static FunctionDescriptor mos_pool_get_config$descriptor() {
        return mos_pool_get_config.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_get_config(mos_pool_t pool, mos_config_t* out)
     * }
     */
    public static MethodHandle mos_pool_get_config$handle() {
        return mos_pool_get_config.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_get_config(mos_pool_t pool, mos_config_t* out)
     * }
     */
    public static MemorySegment mos_pool_get_config$address() {
        return mos_pool_get_config.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_get_config(mos_pool_t pool, mos_config_t* out)
     * }
     */
    public static int mos_pool_get_config(MemorySegment pool, MemorySegment out) {
        var mh$ = mos_pool_get_config.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_get_config", pool, out);
            }
            return (int)mh$.invokeExact(pool, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_array_length {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_array_length");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_array_length(mos_pool_t pool, mos_pool_array_t which, int64_t* num_elements)
     * }
     */
    public static FunctionDescriptor mos_pool_array_length$descriptor() {
        return mos_pool_array_length.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_array_length(mos_pool_t pool, mos_pool_array_t which, int64_t* num_elements)
     * }
     */
    public static MethodHandle mos_pool_array_length$handle() {
        return mos_pool_array_length.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_array_length(mos_pool_t pool, mos_pool_array_t which, int64_t* num_elements)
     * }
     */
    public static MemorySegment mos_pool_array_length$address() {
        return mos_pool_array_length.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_array_length(mos_pool_t pool, mos_pool_array_t which, int64_t* num_elements)
     * }
     */
    public static int mos_pool_array_length(MemorySegment pool, int which, MemorySegment num_elements) {
        var mh$ = mos_pool_array_length.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_array_length", pool, which, num_elements);
            }
            return (int)mh$.invokeExact(pool, which, num_elements);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_index_length {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_index_length");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_index_length(mos_pool_t pool, int64_t* num_elements)
     * }
     */
    public static FunctionDescriptor mos_pool_index_length$descriptor() {
        return mos_pool_index_length.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_index_length(mos_pool_t pool, int64_t* num_elements)
     * }
     */
    public static MethodHandle mos_pool_index_length$handle() {
        return mos_pool_index_length.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_index_length(mos_pool_t pool, int64_t* num_elements)
     * }
     */
    public static MemorySegment mos_pool_index_length$address() {
        return mos_pool_index_length.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_index_length(mos_pool_t pool, int64_t* num_elements)
     * }
     */
    public static int mos_pool_index_length(MemorySegment pool, MemorySegment num_elements) {
        var mh$ = mos_pool_index_length.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_index_length", pool, num_elements);
            }
            return (int)mh$.invokeExact(pool, num_elements);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_init {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_init");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_init(mos_pool_t pool, uint64_t seed)
     * }
     */
    public static FunctionDescriptor mos_pool_init$descriptor() {
        return mos_pool_init.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_init(mos_pool_t pool, uint64_t seed)
     * }
     */
    public static MethodHandle mos_pool_init$handle() {
        return mos_pool_init.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_init(mos_pool_t pool, uint64_t seed)
     * }
     */
    public static MemorySegment mos_pool_init$address() {
        return mos_pool_init.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_init(mos_pool_t pool, uint64_t seed)
     * }
     */
    public static int mos_pool_init(MemorySegment pool, long seed) {
        var mh$ = mos_pool_init.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_init", pool, seed);
            }
            return (int)mh$.invokeExact(pool, seed);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_generate_indices {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_generate_indices");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_generate_indices(mos_pool_t pool, uint64_t seed)
     * }
     */
    public static FunctionDescriptor mos_pool_generate_indices$descriptor() {
        return mos_pool_generate_indices.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_generate_indices(mos_pool_t pool, uint64_t seed)
     * }
     */
    public static MethodHandle mos_pool_generate_indices$handle() {
        return mos_pool_generate_indices.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_generate_indices(mos_pool_t pool, uint64_t seed)
     * }
     */
    public static MemorySegment mos_pool_generate_indices$address() {
        return mos_pool_generate_indices.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_generate_indices(mos_pool_t pool, uint64_t seed)
     * }
     */
    public static int mos_pool_generate_indices(MemorySegment pool, long seed) {
        var mh$ = mos_pool_generate_indices.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_generate_indices", pool, seed);
            }
            return (int)mh$.invokeExact(pool, seed);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_set_indices {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_set_indices");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy; the call
        // copies a bounded buffer and never calls back into Java.
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_set_indices(mos_pool_t pool, int32_t block, const int32_t* idx_a, const int32_t* idx_b, int64_t num_elements)
     * }
     */
    public static FunctionDescriptor mos_pool_set_indices$descriptor() {
        return mos_pool_set_indices.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_set_indices(mos_pool_t pool, int32_t block, const int32_t* idx_a, const int32_t* idx_b, int64_t num_elements)
     * }
     */
    public static MethodHandle mos_pool_set_indices$handle() {
        return mos_pool_set_indices.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_set_indices(mos_pool_t pool, int32_t block, const int32_t* idx_a, const int32_t* idx_b, int64_t num_elements)
     * }
     */
    public static MemorySegment mos_pool_set_indices$address() {
        return mos_pool_set_indices.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_set_indices(mos_pool_t pool, int32_t block, const int32_t* idx_a, const int32_t* idx_b, int64_t num_elements)
     * }
     */
    public static int mos_pool_set_indices(MemorySegment pool, int block, MemorySegment idx_a, MemorySegment idx_b, long num_elements) {
        var mh$ = mos_pool_set_indices.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_set_indices", pool, block, idx_a, idx_b, num_elements);
            }
            return (int)mh$.invokeExact(pool, block, idx_a, idx_b, num_elements);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_get_indices {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_get_indices");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy; the call
        // copies a bounded buffer and never calls back into Java.
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_get_indices(mos_pool_t pool, int32_t block, int32_t* idx_a, int32_t* idx_b, int64_t num_elements)
     * }
     */
    public static FunctionDescriptor mos_pool_get_indices$descriptor() {
        return mos_pool_get_indices.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_get_indices(mos_pool_t pool, int32_t block, int32_t* idx_a, int32_t* idx_b, int64_t num_elements)
     * }
     */
    public static MethodHandle mos_pool_get_indices$handle() {
        return mos_pool_get_indices.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_get_indices(mos_pool_t pool, int32_t block, int32_t* idx_a, int32_t* idx_b, int64_t num_elements)
     * }
     */
    public static MemorySegment mos_pool_get_indices$address() {
        return mos_pool_get_indices.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_get_indices(mos_pool_t pool, int32_t block, int32_t* idx_a, int32_t* idx_b, int64_t num_elements)
     * }
     */
    public static int mos_pool_get_indices(MemorySegment pool, int block, MemorySegment idx_a, MemorySegment idx_b, long num_elements) {
        var mh$ = mos_pool_get_indices.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_get_indices", pool, block, idx_a, idx_b, num_elements);
            }
            return (int)mh$.invokeExact(pool, block, idx_a, idx_b, num_elements);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_read {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_read");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy; the call
        // copies a bounded buffer and never calls back into Java.
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_read(mos_pool_t pool, mos_pool_array_t which, float* dst, int64_t num_elements)
     * }
     */
    public static FunctionDescriptor mos_pool_read$descriptor() {
        return mos_pool_read.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_read(mos_pool_t pool, mos_pool_array_t which, float* dst, int64_t num_elements)
     * }
     */
    public static MethodHandle mos_pool_read$handle() {
        return mos_pool_read.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_read(mos_pool_t pool, mos_pool_array_t which, float* dst, int64_t num_elements)
     * }
     */
    public static MemorySegment mos_pool_read$address() {
        return mos_pool_read.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_read(mos_pool_t pool, mos_pool_array_t which, float* dst, int64_t num_elements)
     * }
     */
    public static int mos_pool_read(MemorySegment pool, int which, MemorySegment dst, long num_elements) {
        var mh$ = mos_pool_read.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_read", pool, which, dst, num_elements);
            }
            return (int)mh$.invokeExact(pool, which, dst, num_elements);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_write {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_write");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy; the call
        // copies a bounded buffer and never calls back into Java.
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_write(mos_pool_t pool, mos_pool_array_t which, const float* src, int64_t num_elements)
     * }
     */
    public static FunctionDescriptor mos_pool_write$descriptor() {
        return mos_pool_write.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_write(mos_pool_t pool, mos_pool_array_t which, const float* src, int64_t num_elements)
     * }
     */
    public static MethodHandle mos_pool_write$handle() {
        return mos_pool_write.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_write(mos_pool_t pool, mos_pool_array_t which, const float* src, int64_t num_elements)
     * }
     */
    public static MemorySegment mos_pool_write$address() {
        return mos_pool_write.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_write(mos_pool_t pool, mos_pool_array_t which, const float* src, int64_t num_elements)
     * }
     */
    public static int mos_pool_write(MemorySegment pool, int which, MemorySegment src, long num_elements) {
        var mh$ = mos_pool_write.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_write", pool, which, src, num_elements);
            }
            return (int)mh$.invokeExact(pool, which, src, num_elements);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_zero_grad {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_zero_grad");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_zero_grad(mos_pool_t pool)
     * }
     */
    public static FunctionDescriptor mos_pool_zero_grad$descriptor() {
        return mos_pool_zero_grad.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_zero_grad(mos_pool_t pool)
     * }
     */
    public static MethodHandle mos_pool_zero_grad$handle() {
        return mos_pool_zero_grad.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_zero_grad(mos_pool_t pool)
     * }
     */
    public static MemorySegment mos_pool_zero_grad$address() {
        return mos_pool_zero_grad.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_zero_grad(mos_pool_t pool)
     * }
     */
    public static int mos_pool_zero_grad(MemorySegment pool) {
        var mh$ = mos_pool_zero_grad.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_zero_grad", pool);
            }
            return (int)mh$.invokeExact(pool);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_assemble {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_assemble");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_assemble(mos_pool_t pool, int32_t block, mos_tensor_t a_out, mos_tensor_t b_out)
     * }
     */
    public static FunctionDescriptor mos_pool_assemble$descriptor() {
        return mos_pool_assemble.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_assemble(mos_pool_t pool, int32_t block, mos_tensor_t a_out, mos_tensor_t b_out)
     * }
     */
    public static MethodHandle mos_pool_assemble$handle() {
        return mos_pool_assemble.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_assemble(mos_pool_t pool, int32_t block, mos_tensor_t a_out, mos_tensor_t b_out)
     * }
     */
    public static MemorySegment mos_pool_assemble$address() {
        return mos_pool_assemble.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_assemble(mos_pool_t pool, int32_t block, mos_tensor_t a_out, mos_tensor_t b_out)
     * }
     */
    public static int mos_pool_assemble(MemorySegment pool, int block, MemorySegment a_out, MemorySegment b_out) {
        var mh$ = mos_pool_assemble.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_assemble", pool, block, a_out, b_out);
            }
            return (int)mh$.invokeExact(pool, block, a_out, b_out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_pool_param_count {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_pool_param_count");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_param_count(mos_pool_t pool, int64_t* out)
     * }
     */
    public static FunctionDescriptor mos_pool_param_count$descriptor() {
        return mos_pool_param_count.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_param_count(mos_pool_t pool, int64_t* out)
     * }
     */
    public static MethodHandle mos_pool_param_count$handle() {
        return mos_pool_param_count.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_pool_param_count(mos_pool_t pool, int64_t* out)
     * }
     */
    public static MemorySegment mos_pool_param_count$address() {
        return mos_pool_param_count.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_pool_param_count(mos_pool_t pool, int64_t* out)
     * }
     */
    public static int mos_pool_param_count(MemorySegment pool, MemorySegment out) {
        var mh$ = mos_pool_param_count.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_pool_param_count", pool, out);
            }
            return (int)mh$.invokeExact(pool, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_layer_create {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_layer_create");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_create(mos_pool_t pool, int32_t block, mos_tensor_t weight, mos_tensor_t bias, mos_layer_t* out)
     * }
     */
    public static FunctionDescriptor mos_layer_create$descriptor() {
        return mos_layer_create.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_create(mos_pool_t pool, int32_t block, mos_tensor_t weight, mos_tensor_t bias, mos_layer_t* out)
     * }
     */
    public static MethodHandle mos_layer_create$handle() {
        return mos_layer_create.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_create(mos_pool_t pool, int32_t block, mos_tensor_t weight, mos_tensor_t bias, mos_layer_t* out)
     * }
     */
    public static MemorySegment mos_layer_create$address() {
        return mos_layer_create.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_layer_create(mos_pool_t pool, int32_t block, mos_tensor_t weight, mos_tensor_t bias, mos_layer_t* out)
     * }
     */
    public static int mos_layer_create(MemorySegment pool, int block, MemorySegment weight, MemorySegment bias, MemorySegment out) {
        var mh$ = mos_layer_create.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_layer_create", pool, block, weight, bias, out);
            }
            return (int)mh$.invokeExact(pool, block, weight, bias, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_layer_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_layer_free");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_free(mos_layer_t layer)
     * }
     */
    public static FunctionDescriptor mos_layer_free$descriptor() {
        return mos_layer_free.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_free(mos_layer_t layer)
     * }
     */
    public static MethodHandle mos_layer_free$handle() {
        return mos_layer_free.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_free(mos_layer_t layer)
     * }
     */
    public static MemorySegment mos_layer_free$address() {
        return mos_layer_free.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_layer_free(mos_layer_t layer)
     * }
     */
    public static int mos_layer_free(MemorySegment layer) {
        var mh$ = mos_layer_free.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_layer_free", layer);
            }
            return (int)mh$.invokeExact(layer);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_layer_forward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_INT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_layer_forward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_forward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t y, mos_mode_t mode, int32_t training)
     * }
     */
    public static FunctionDescriptor mos_layer_forward$descriptor() {
        return mos_layer_forward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_forward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t y, mos_mode_t mode, int32_t training)
     * }
     */
    public static MethodHandle mos_layer_forward$handle() {
        return mos_layer_forward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_forward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t y, mos_mode_t mode, int32_t training)
     * }
     */
    public static MemorySegment mos_layer_forward$address() {
        return mos_layer_forward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_layer_forward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t y, mos_mode_t mode, int32_t training)
     * }
     */
    public static int mos_layer_forward(MemorySegment layer, MemorySegment x, MemorySegment y, int mode, int training) {
        var mh$ = mos_layer_forward.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_layer_forward", layer, x, y, mode, training);
            }
            return (int)mh$.invokeExact(layer, x, y, mode, training);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_layer_backward {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_INT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_layer_backward");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_backward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t dy, mos_tensor_t dx, mos_mode_t mode)
     * }
     */
    public static FunctionDescriptor mos_layer_backward$descriptor() {
        return mos_layer_backward.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_backward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t dy, mos_tensor_t dx, mos_mode_t mode)
     * }
     */
    public static MethodHandle mos_layer_backward$handle() {
        return mos_layer_backward.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_backward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t dy, mos_tensor_t dx, mos_mode_t mode)
     * }
     */
    public static MemorySegment mos_layer_backward$address() {
        return mos_layer_backward.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_layer_backward(mos_layer_t layer, mos_tensor_t x, mos_tensor_t dy, mos_tensor_t dx, mos_mode_t mode)
     * }
     */
    public static int mos_layer_backward(MemorySegment layer, MemorySegment x, MemorySegment dy, MemorySegment dx, int mode) {
        var mh$ = mos_layer_backward.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_layer_backward", layer, x, dy, dx, mode);
            }
            return (int)mh$.invokeExact(layer, x, dy, dx, mode);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_layer_delta_weight {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_layer_delta_weight");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_delta_weight(mos_layer_t layer, mos_tensor_t delta)
     * }
     */
    public static FunctionDescriptor mos_layer_delta_weight$descriptor() {
        return mos_layer_delta_weight.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_delta_weight(mos_layer_t layer, mos_tensor_t delta)
     * }
     */
    public static MethodHandle mos_layer_delta_weight$handle() {
        return mos_layer_delta_weight.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_delta_weight(mos_layer_t layer, mos_tensor_t delta)
     * }
     */
    public static MemorySegment mos_layer_delta_weight$address() {
        return mos_layer_delta_weight.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_layer_delta_weight(mos_layer_t layer, mos_tensor_t delta)
     * }
     */
    public static int mos_layer_delta_weight(MemorySegment layer, MemorySegment delta) {
        var mh$ = mos_layer_delta_weight.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_layer_delta_weight", layer, delta);
            }
            return (int)mh$.invokeExact(layer, delta);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_layer_merge {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_layer_merge");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_merge(mos_layer_t layer)
     * }
     */
    public static FunctionDescriptor mos_layer_merge$descriptor() {
        return mos_layer_merge.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_merge(mos_layer_t layer)
     * }
     */
    public static MethodHandle mos_layer_merge$handle() {
        return mos_layer_merge.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_merge(mos_layer_t layer)
     * }
     */
    public static MemorySegment mos_layer_merge$address() {
        return mos_layer_merge.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_layer_merge(mos_layer_t layer)
     * }
     */
    public static int mos_layer_merge(MemorySegment layer) {
        var mh$ = mos_layer_merge.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_layer_merge", layer);
            }
            return (int)mh$.invokeExact(layer);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_layer_unmerge {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_layer_unmerge");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_unmerge(mos_layer_t layer)
     * }
     */
    public static FunctionDescriptor mos_layer_unmerge$descriptor() {
        return mos_layer_unmerge.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_unmerge(mos_layer_t layer)
     * }
     */
    public static MethodHandle mos_layer_unmerge$handle() {
        return mos_layer_unmerge.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_unmerge(mos_layer_t layer)
     * }
     */
    public static MemorySegment mos_layer_unmerge$address() {
        return mos_layer_unmerge.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_layer_unmerge(mos_layer_t layer)
     * }
     */
    public static int mos_layer_unmerge(MemorySegment layer) {
        var mh$ = mos_layer_unmerge.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_layer_unmerge", layer);
            }
            return (int)mh$.invokeExact(layer);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_layer_is_merged {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_layer_is_merged");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_is_merged(mos_layer_t layer, int32_t* merged)
     * }
     */
    public static FunctionDescriptor mos_layer_is_merged$descriptor() {
        return mos_layer_is_merged.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_is_merged(mos_layer_t layer, int32_t* merged)
     * }
     */
    public static MethodHandle mos_layer_is_merged$handle() {
        return mos_layer_is_merged.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_is_merged(mos_layer_t layer, int32_t* merged)
     * }
     */
    public static MemorySegment mos_layer_is_merged$address() {
        return mos_layer_is_merged.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_layer_is_merged(mos_layer_t layer, int32_t* merged)
     * }
     */
    public static int mos_layer_is_merged(MemorySegment layer, MemorySegment merged) {
        var mh$ = mos_layer_is_merged.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_layer_is_merged", layer, merged);
            }
            return (int)mh$.invokeExact(layer, merged);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_layer_set_dropout_state {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_layer_set_dropout_state");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_set_dropout_state(mos_layer_t layer, uint64_t seed, uint64_t counter)
     * }
     */
    public static FunctionDescriptor mos_layer_set_dropout_state$descriptor() {
        return mos_layer_set_dropout_state.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_set_dropout_state(mos_layer_t layer, uint64_t seed, uint64_t counter)
     * }
     */
    public static MethodHandle mos_layer_set_dropout_state$handle() {
        return mos_layer_set_dropout_state.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_set_dropout_state(mos_layer_t layer, uint64_t seed, uint64_t counter)
     * }
     */
    public static MemorySegment mos_layer_set_dropout_state$address() {
        return mos_layer_set_dropout_state.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_layer_set_dropout_state(mos_layer_t layer, uint64_t seed, uint64_t counter)
     * }
     */
    public static int mos_layer_set_dropout_state(MemorySegment layer, long seed, long counter) {
        var mh$ = mos_layer_set_dropout_state.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_layer_set_dropout_state", layer, seed, counter);
            }
            return (int)mh$.invokeExact(layer, seed, counter);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_layer_get_dropout_state {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_layer_get_dropout_state");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_get_dropout_state(mos_layer_t layer, uint64_t* seed, uint64_t* counter)
     * }
     */
    public static FunctionDescriptor mos_layer_get_dropout_state$descriptor() {
        return mos_layer_get_dropout_state.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_get_dropout_state(mos_layer_t layer, uint64_t* seed, uint64_t* counter)
     * }
     */
    public static MethodHandle mos_layer_get_dropout_state$handle() {
        return mos_layer_get_dropout_state.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_layer_get_dropout_state(mos_layer_t layer, uint64_t* seed, uint64_t* counter)
     * }
     */
    public static MemorySegment mos_layer_get_dropout_state$address() {
        return mos_layer_get_dropout_state.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_layer_get_dropout_state(mos_layer_t layer, uint64_t* seed, uint64_t* counter)
     * }
     */
    public static int mos_layer_get_dropout_state(MemorySegment layer, MemorySegment seed, MemorySegment counter) {
        var mh$ = mos_layer_get_dropout_state.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_layer_get_dropout_state", layer, seed, counter);
            }
            return (int)mh$.invokeExact(layer, seed, counter);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_optimizer_create_adamw {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_FLOAT,
            mos_h.C_FLOAT,
            mos_h.C_FLOAT,
            mos_h.C_FLOAT,
            mos_h.C_FLOAT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_optimizer_create_adamw");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_create_adamw(mos_context_t ctx, float lr, float beta1, float beta2, float eps, float weight_decay, mos_optimizer_t* out)
     * }
     */
    public static FunctionDescriptor mos_optimizer_create_adamw$descriptor() {
        return mos_optimizer_create_adamw.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_create_adamw(mos_context_t ctx, float lr, float beta1, float beta2, float eps, float weight_decay, mos_optimizer_t* out)
     * }
     */
    public static MethodHandle mos_optimizer_create_adamw$handle() {
        return mos_optimizer_create_adamw.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_create_adamw(mos_context_t ctx, float lr, float beta1, float beta2, float eps, float weight_decay, mos_optimizer_t* out)
     * }
     */
    public static MemorySegment mos_optimizer_create_adamw$address() {
        return mos_optimizer_create_adamw.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_create_adamw(mos_context_t ctx, float lr, float beta1, float beta2, float eps, float weight_decay, mos_optimizer_t* out)
     * }
     */
    public static int mos_optimizer_create_adamw(MemorySegment ctx, float lr, float beta1, float beta2, float eps, float weight_decay, MemorySegment out) {
        var mh$ = mos_optimizer_create_adamw.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_optimizer_create_adamw", ctx, lr, beta1, beta2, eps, weight_decay, out);
            }
            return (int)mh$.invokeExact(ctx, lr, beta1, beta2, eps, weight_decay, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_optimizer_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_optimizer_free");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_free(mos_optimizer_t opt)
     * }
     */
    public static FunctionDescriptor mos_optimizer_free$descriptor() {
        return mos_optimizer_free.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_free(mos_optimizer_t opt)
     * }
     */
    public static MethodHandle mos_optimizer_free$handle() {
        return mos_optimizer_free.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_free(mos_optimizer_t opt)
     * }
     */
    public static MemorySegment mos_optimizer_free$address() {
        return mos_optimizer_free.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_free(mos_optimizer_t opt)
     * }
     */
    public static int mos_optimizer_free(MemorySegment opt) {
        var mh$ = mos_optimizer_free.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_optimizer_free", opt);
            }
            return (int)mh$.invokeExact(opt);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_optimizer_add_pool {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_optimizer_add_pool");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_add_pool(mos_optimizer_t opt, mos_pool_t pool)
     * }
     */
    public static FunctionDescriptor mos_optimizer_add_pool$descriptor() {
        return mos_optimizer_add_pool.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_add_pool(mos_optimizer_t opt, mos_pool_t pool)
     * }
     */
    public static MethodHandle mos_optimizer_add_pool$handle() {
        return mos_optimizer_add_pool.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_add_pool(mos_optimizer_t opt, mos_pool_t pool)
     * }
     */
    public static MemorySegment mos_optimizer_add_pool$address() {
        return mos_optimizer_add_pool.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_add_pool(mos_optimizer_t opt, mos_pool_t pool)
     * }
     */
    public static int mos_optimizer_add_pool(MemorySegment opt, MemorySegment pool) {
        var mh$ = mos_optimizer_add_pool.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_optimizer_add_pool", opt, pool);
            }
            return (int)mh$.invokeExact(opt, pool);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_optimizer_set_lr {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_FLOAT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_optimizer_set_lr");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_set_lr(mos_optimizer_t opt, float lr)
     * }
     */
    public static FunctionDescriptor mos_optimizer_set_lr$descriptor() {
        return mos_optimizer_set_lr.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_set_lr(mos_optimizer_t opt, float lr)
     * }
     */
    public static MethodHandle mos_optimizer_set_lr$handle() {
        return mos_optimizer_set_lr.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_set_lr(mos_optimizer_t opt, float lr)
     * }
     */
    public static MemorySegment mos_optimizer_set_lr$address() {
        return mos_optimizer_set_lr.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_set_lr(mos_optimizer_t opt, float lr)
     * }
     */
    public static int mos_optimizer_set_lr(MemorySegment opt, float lr) {
        var mh$ = mos_optimizer_set_lr.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_optimizer_set_lr", opt, lr);
            }
            return (int)mh$.invokeExact(opt, lr);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_optimizer_get_lr {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_optimizer_get_lr");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_get_lr(mos_optimizer_t opt, float* lr)
     * }
     */
    public static FunctionDescriptor mos_optimizer_get_lr$descriptor() {
        return mos_optimizer_get_lr.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_get_lr(mos_optimizer_t opt, float* lr)
     * }
     */
    public static MethodHandle mos_optimizer_get_lr$handle() {
        return mos_optimizer_get_lr.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_get_lr(mos_optimizer_t opt, float* lr)
     * }
     */
    public static MemorySegment mos_optimizer_get_lr$address() {
        return mos_optimizer_get_lr.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_get_lr(mos_optimizer_t opt, float* lr)
     * }
     */
    public static int mos_optimizer_get_lr(MemorySegment opt, MemorySegment lr) {
        var mh$ = mos_optimizer_get_lr.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_optimizer_get_lr", opt, lr);
            }
            return (int)mh$.invokeExact(opt, lr);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_optimizer_clip_grad_norm {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_FLOAT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_optimizer_clip_grad_norm");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_clip_grad_norm(mos_optimizer_t opt, float max_norm, float* total_norm)
     * }
     */
    public static FunctionDescriptor mos_optimizer_clip_grad_norm$descriptor() {
        return mos_optimizer_clip_grad_norm.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_clip_grad_norm(mos_optimizer_t opt, float max_norm, float* total_norm)
     * }
     */
    public static MethodHandle mos_optimizer_clip_grad_norm$handle() {
        return mos_optimizer_clip_grad_norm.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_clip_grad_norm(mos_optimizer_t opt, float max_norm, float* total_norm)
     * }
     */
    public static MemorySegment mos_optimizer_clip_grad_norm$address() {
        return mos_optimizer_clip_grad_norm.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_clip_grad_norm(mos_optimizer_t opt, float max_norm, float* total_norm)
     * }
     */
    public static int mos_optimizer_clip_grad_norm(MemorySegment opt, float max_norm, MemorySegment total_norm) {
        var mh$ = mos_optimizer_clip_grad_norm.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_optimizer_clip_grad_norm", opt, max_norm, total_norm);
            }
            return (int)mh$.invokeExact(opt, max_norm, total_norm);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_optimizer_step {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_optimizer_step");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_step(mos_optimizer_t opt)
     * }
     */
    public static FunctionDescriptor mos_optimizer_step$descriptor() {
        return mos_optimizer_step.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_step(mos_optimizer_t opt)
     * }
     */
    public static MethodHandle mos_optimizer_step$handle() {
        return mos_optimizer_step.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_step(mos_optimizer_t opt)
     * }
     */
    public static MemorySegment mos_optimizer_step$address() {
        return mos_optimizer_step.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_step(mos_optimizer_t opt)
     * }
     */
    public static int mos_optimizer_step(MemorySegment opt) {
        var mh$ = mos_optimizer_step.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_optimizer_step", opt);
            }
            return (int)mh$.invokeExact(opt);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_optimizer_zero_grad {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_optimizer_zero_grad");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_zero_grad(mos_optimizer_t opt)
     * }
     */
    public static FunctionDescriptor mos_optimizer_zero_grad$descriptor() {
        return mos_optimizer_zero_grad.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_zero_grad(mos_optimizer_t opt)
     * }
     */
    public static MethodHandle mos_optimizer_zero_grad$handle() {
        return mos_optimizer_zero_grad.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_zero_grad(mos_optimizer_t opt)
     * }
     */
    public static MemorySegment mos_optimizer_zero_grad$address() {
        return mos_optimizer_zero_grad.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_zero_grad(mos_optimizer_t opt)
     * }
     */
    public static int mos_optimizer_zero_grad(MemorySegment opt) {
        var mh$ = mos_optimizer_zero_grad.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_optimizer_zero_grad", opt);
            }
            return (int)mh$.invokeExact(opt);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_optimizer_get_step {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_optimizer_get_step");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_get_step(mos_optimizer_t opt, int64_t* step)
     * }
     */
    public static FunctionDescriptor mos_optimizer_get_step$descriptor() {
        return mos_optimizer_get_step.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_get_step(mos_optimizer_t opt, int64_t* step)
     * }
     */
    public static MethodHandle mos_optimizer_get_step$handle() {
        return mos_optimizer_get_step.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_get_step(mos_optimizer_t opt, int64_t* step)
     * }
     */
    public static MemorySegment mos_optimizer_get_step$address() {
        return mos_optimizer_get_step.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_get_step(mos_optimizer_t opt, int64_t* step)
     * }
     */
    public static int mos_optimizer_get_step(MemorySegment opt, MemorySegment step) {
        var mh$ = mos_optimizer_get_step.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_optimizer_get_step", opt, step);
            }
            return (int)mh$.invokeExact(opt, step);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_optimizer_set_step {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_optimizer_set_step");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_set_step(mos_optimizer_t opt, int64_t step)
     * }
     */
    public static FunctionDescriptor mos_optimizer_set_step$descriptor() {
        return mos_optimizer_set_step.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_set_step(mos_optimizer_t opt, int64_t step)
     * }
     */
    public static MethodHandle mos_optimizer_set_step$handle() {
        return mos_optimizer_set_step.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_set_step(mos_optimizer_t opt, int64_t step)
     * }
     */
    public static MemorySegment mos_optimizer_set_step$address() {
        return mos_optimizer_set_step.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_optimizer_set_step(mos_optimizer_t opt, int64_t step)
     * }
     */
    public static int mos_optimizer_set_step(MemorySegment opt, long step) {
        var mh$ = mos_optimizer_set_step.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_optimizer_set_step", opt, step);
            }
            return (int)mh$.invokeExact(opt, step);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    /**
     * {@snippet lang=c :
     * typedef struct mos_bank *mos_bank_t
     * }
     */
    public static final AddressLayout mos_bank_t = mos_h.C_POINTER;

    private static final int MOS_BANK_PATH_AUTO = (int)0L;

    /**
     * {@snippet lang=c :
     * enum mos_bank_path.MOS_BANK_PATH_AUTO = 0
     * }
     */
    public static int MOS_BANK_PATH_AUTO() {
        return MOS_BANK_PATH_AUTO;
    }
    private static final int MOS_BANK_PATH_DECODE = (int)1L;

    /**
     * {@snippet lang=c :
     * enum mos_bank_path.MOS_BANK_PATH_DECODE = 1
     * }
     */
    public static int MOS_BANK_PATH_DECODE() {
        return MOS_BANK_PATH_DECODE;
    }
    private static final int MOS_BANK_PATH_PREFILL = (int)2L;

    /**
     * {@snippet lang=c :
     * enum mos_bank_path.MOS_BANK_PATH_PREFILL = 2
     * }
     */
    public static int MOS_BANK_PATH_PREFILL() {
        return MOS_BANK_PATH_PREFILL;
    }
    /**
     * {@snippet lang=c :
     * typedef enum mos_bank_path { ... } mos_bank_path_t
     * }
     */
    public static final OfInt mos_bank_path_t = mos_h.C_INT;

    private static class mos_bank_create {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_create");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_create(mos_context_t ctx, int64_t memory_budget_bytes, mos_bank_t* out)
     * }
     */
    public static FunctionDescriptor mos_bank_create$descriptor() {
        return mos_bank_create.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_create(mos_context_t ctx, int64_t memory_budget_bytes, mos_bank_t* out)
     * }
     */
    public static MethodHandle mos_bank_create$handle() {
        return mos_bank_create.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_create(mos_context_t ctx, int64_t memory_budget_bytes, mos_bank_t* out)
     * }
     */
    public static MemorySegment mos_bank_create$address() {
        return mos_bank_create.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_create(mos_context_t ctx, int64_t memory_budget_bytes, mos_bank_t* out)
     * }
     */
    public static int mos_bank_create(MemorySegment ctx, long memory_budget_bytes, MemorySegment out) {
        var mh$ = mos_bank_create.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_create", ctx, memory_budget_bytes, out);
            }
            return (int)mh$.invokeExact(ctx, memory_budget_bytes, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_bank_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_free");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_free(mos_bank_t bank)
     * }
     */
    public static FunctionDescriptor mos_bank_free$descriptor() {
        return mos_bank_free.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_free(mos_bank_t bank)
     * }
     */
    public static MethodHandle mos_bank_free$handle() {
        return mos_bank_free.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_free(mos_bank_t bank)
     * }
     */
    public static MemorySegment mos_bank_free$address() {
        return mos_bank_free.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_free(mos_bank_t bank)
     * }
     */
    public static int mos_bank_free(MemorySegment bank) {
        var mh$ = mos_bank_free.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_free", bank);
            }
            return (int)mh$.invokeExact(bank);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_bank_add {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_add");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_add(mos_bank_t bank, int32_t count, const char* const* names, const mos_pool_t* pools, int32_t* adapter_id)
     * }
     */
    public static FunctionDescriptor mos_bank_add$descriptor() {
        return mos_bank_add.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_add(mos_bank_t bank, int32_t count, const char* const* names, const mos_pool_t* pools, int32_t* adapter_id)
     * }
     */
    public static MethodHandle mos_bank_add$handle() {
        return mos_bank_add.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_add(mos_bank_t bank, int32_t count, const char* const* names, const mos_pool_t* pools, int32_t* adapter_id)
     * }
     */
    public static MemorySegment mos_bank_add$address() {
        return mos_bank_add.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_add(mos_bank_t bank, int32_t count, const char* const* names, const mos_pool_t* pools, int32_t* adapter_id)
     * }
     */
    public static int mos_bank_add(MemorySegment bank, int count, MemorySegment names, MemorySegment pools, MemorySegment adapter_id) {
        var mh$ = mos_bank_add.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_add", bank, count, names, pools, adapter_id);
            }
            return (int)mh$.invokeExact(bank, count, names, pools, adapter_id);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_bank_remove {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_remove");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_remove(mos_bank_t bank, int32_t adapter_id)
     * }
     */
    public static FunctionDescriptor mos_bank_remove$descriptor() {
        return mos_bank_remove.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_remove(mos_bank_t bank, int32_t adapter_id)
     * }
     */
    public static MethodHandle mos_bank_remove$handle() {
        return mos_bank_remove.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_remove(mos_bank_t bank, int32_t adapter_id)
     * }
     */
    public static MemorySegment mos_bank_remove$address() {
        return mos_bank_remove.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_remove(mos_bank_t bank, int32_t adapter_id)
     * }
     */
    public static int mos_bank_remove(MemorySegment bank, int adapter_id) {
        var mh$ = mos_bank_remove.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_remove", bank, adapter_id);
            }
            return (int)mh$.invokeExact(bank, adapter_id);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_bank_adapter_bytes {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_adapter_bytes");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_adapter_bytes(mos_bank_t bank, int32_t adapter_id, int64_t* bytes, int64_t* dense_lora_bytes)
     * }
     */
    public static FunctionDescriptor mos_bank_adapter_bytes$descriptor() {
        return mos_bank_adapter_bytes.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_adapter_bytes(mos_bank_t bank, int32_t adapter_id, int64_t* bytes, int64_t* dense_lora_bytes)
     * }
     */
    public static MethodHandle mos_bank_adapter_bytes$handle() {
        return mos_bank_adapter_bytes.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_adapter_bytes(mos_bank_t bank, int32_t adapter_id, int64_t* bytes, int64_t* dense_lora_bytes)
     * }
     */
    public static MemorySegment mos_bank_adapter_bytes$address() {
        return mos_bank_adapter_bytes.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_adapter_bytes(mos_bank_t bank, int32_t adapter_id, int64_t* bytes, int64_t* dense_lora_bytes)
     * }
     */
    public static int mos_bank_adapter_bytes(MemorySegment bank, int adapter_id, MemorySegment bytes, MemorySegment dense_lora_bytes) {
        var mh$ = mos_bank_adapter_bytes.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_adapter_bytes", bank, adapter_id, bytes, dense_lora_bytes);
            }
            return (int)mh$.invokeExact(bank, adapter_id, bytes, dense_lora_bytes);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_bank_usage {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_usage");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_usage(mos_bank_t bank, int64_t* total_bytes, int64_t* budget_bytes, int32_t* num_adapters)
     * }
     */
    public static FunctionDescriptor mos_bank_usage$descriptor() {
        return mos_bank_usage.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_usage(mos_bank_t bank, int64_t* total_bytes, int64_t* budget_bytes, int32_t* num_adapters)
     * }
     */
    public static MethodHandle mos_bank_usage$handle() {
        return mos_bank_usage.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_usage(mos_bank_t bank, int64_t* total_bytes, int64_t* budget_bytes, int32_t* num_adapters)
     * }
     */
    public static MemorySegment mos_bank_usage$address() {
        return mos_bank_usage.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_usage(mos_bank_t bank, int64_t* total_bytes, int64_t* budget_bytes, int32_t* num_adapters)
     * }
     */
    public static int mos_bank_usage(MemorySegment bank, MemorySegment total_bytes, MemorySegment budget_bytes, MemorySegment num_adapters) {
        var mh$ = mos_bank_usage.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_usage", bank, total_bytes, budget_bytes, num_adapters);
            }
            return (int)mh$.invokeExact(bank, total_bytes, budget_bytes, num_adapters);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_bank_projection {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_projection");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_projection(mos_bank_t bank, const char* name, int32_t* slot, int32_t* d_in, int32_t* d_out, int32_t* num_blocks)
     * }
     */
    public static FunctionDescriptor mos_bank_projection$descriptor() {
        return mos_bank_projection.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_projection(mos_bank_t bank, const char* name, int32_t* slot, int32_t* d_in, int32_t* d_out, int32_t* num_blocks)
     * }
     */
    public static MethodHandle mos_bank_projection$handle() {
        return mos_bank_projection.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_projection(mos_bank_t bank, const char* name, int32_t* slot, int32_t* d_in, int32_t* d_out, int32_t* num_blocks)
     * }
     */
    public static MemorySegment mos_bank_projection$address() {
        return mos_bank_projection.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_projection(mos_bank_t bank, const char* name, int32_t* slot, int32_t* d_in, int32_t* d_out, int32_t* num_blocks)
     * }
     */
    public static int mos_bank_projection(MemorySegment bank, MemorySegment name, MemorySegment slot, MemorySegment d_in, MemorySegment d_out, MemorySegment num_blocks) {
        var mh$ = mos_bank_projection.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_projection", bank, name, slot, d_in, d_out, num_blocks);
            }
            return (int)mh$.invokeExact(bank, name, slot, d_in, d_out, num_blocks);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_bank_set_path {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_set_path");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_set_path(mos_bank_t bank, mos_bank_path_t path)
     * }
     */
    public static FunctionDescriptor mos_bank_set_path$descriptor() {
        return mos_bank_set_path.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_set_path(mos_bank_t bank, mos_bank_path_t path)
     * }
     */
    public static MethodHandle mos_bank_set_path$handle() {
        return mos_bank_set_path.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_set_path(mos_bank_t bank, mos_bank_path_t path)
     * }
     */
    public static MemorySegment mos_bank_set_path$address() {
        return mos_bank_set_path.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_set_path(mos_bank_t bank, mos_bank_path_t path)
     * }
     */
    public static int mos_bank_set_path(MemorySegment bank, int path) {
        var mh$ = mos_bank_set_path.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_set_path", bank, path);
            }
            return (int)mh$.invokeExact(bank, path);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_bank_apply {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_LONG,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_apply");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy; the apply reads
        // x and the ids and adds into y in place and never calls back into Java (it runs for as long
        // as its batch takes: milliseconds, during which this thread holds off safepoints).
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_apply(mos_bank_t bank, int32_t slot, int32_t block, mos_tensor_t x, const int32_t* adapter_ids, int64_t num_ids, mos_tensor_t y)
     * }
     */
    public static FunctionDescriptor mos_bank_apply$descriptor() {
        return mos_bank_apply.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_apply(mos_bank_t bank, int32_t slot, int32_t block, mos_tensor_t x, const int32_t* adapter_ids, int64_t num_ids, mos_tensor_t y)
     * }
     */
    public static MethodHandle mos_bank_apply$handle() {
        return mos_bank_apply.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_apply(mos_bank_t bank, int32_t slot, int32_t block, mos_tensor_t x, const int32_t* adapter_ids, int64_t num_ids, mos_tensor_t y)
     * }
     */
    public static MemorySegment mos_bank_apply$address() {
        return mos_bank_apply.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_apply(mos_bank_t bank, int32_t slot, int32_t block, mos_tensor_t x, const int32_t* adapter_ids, int64_t num_ids, mos_tensor_t y)
     * }
     */
    public static int mos_bank_apply(MemorySegment bank, int slot, int block, MemorySegment x, MemorySegment adapter_ids, long num_ids, MemorySegment y) {
        var mh$ = mos_bank_apply.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_apply", bank, slot, block, x, adapter_ids, num_ids, y);
            }
            return (int)mh$.invokeExact(bank, slot, block, x, adapter_ids, num_ids, y);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_bank_apply_host {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_apply_host");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy; the apply reads
        // x and the ids and adds into y in place and never calls back into Java (it runs for as long
        // as its batch takes: milliseconds, during which this thread holds off safepoints).
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_apply_host(mos_bank_t bank, int32_t slot, int32_t block, const float* x, int64_t tokens, const int32_t* adapter_ids, float* y)
     * }
     */
    public static FunctionDescriptor mos_bank_apply_host$descriptor() {
        return mos_bank_apply_host.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_apply_host(mos_bank_t bank, int32_t slot, int32_t block, const float* x, int64_t tokens, const int32_t* adapter_ids, float* y)
     * }
     */
    public static MethodHandle mos_bank_apply_host$handle() {
        return mos_bank_apply_host.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_apply_host(mos_bank_t bank, int32_t slot, int32_t block, const float* x, int64_t tokens, const int32_t* adapter_ids, float* y)
     * }
     */
    public static MemorySegment mos_bank_apply_host$address() {
        return mos_bank_apply_host.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_apply_host(mos_bank_t bank, int32_t slot, int32_t block, const float* x, int64_t tokens, const int32_t* adapter_ids, float* y)
     * }
     */
    public static int mos_bank_apply_host(MemorySegment bank, int slot, int block, MemorySegment x, long tokens, MemorySegment adapter_ids, MemorySegment y) {
        var mh$ = mos_bank_apply_host.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_apply_host", bank, slot, block, x, tokens, adapter_ids, y);
            }
            return (int)mh$.invokeExact(bank, slot, block, x, tokens, adapter_ids, y);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_bank_merge {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_INT,
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_merge");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_merge(mos_bank_t bank, int32_t adapter_id, int32_t slot, int32_t block, mos_tensor_t weight)
     * }
     */
    public static FunctionDescriptor mos_bank_merge$descriptor() {
        return mos_bank_merge.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_merge(mos_bank_t bank, int32_t adapter_id, int32_t slot, int32_t block, mos_tensor_t weight)
     * }
     */
    public static MethodHandle mos_bank_merge$handle() {
        return mos_bank_merge.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_merge(mos_bank_t bank, int32_t adapter_id, int32_t slot, int32_t block, mos_tensor_t weight)
     * }
     */
    public static MemorySegment mos_bank_merge$address() {
        return mos_bank_merge.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_merge(mos_bank_t bank, int32_t adapter_id, int32_t slot, int32_t block, mos_tensor_t weight)
     * }
     */
    public static int mos_bank_merge(MemorySegment bank, int adapter_id, int slot, int block, MemorySegment weight) {
        var mh$ = mos_bank_merge.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_merge", bank, adapter_id, slot, block, weight);
            }
            return (int)mh$.invokeExact(bank, adapter_id, slot, block, weight);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_bank_unmerge {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_INT,
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_bank_unmerge");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_unmerge(mos_bank_t bank, int32_t adapter_id, int32_t slot, int32_t block, mos_tensor_t weight)
     * }
     */
    public static FunctionDescriptor mos_bank_unmerge$descriptor() {
        return mos_bank_unmerge.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_unmerge(mos_bank_t bank, int32_t adapter_id, int32_t slot, int32_t block, mos_tensor_t weight)
     * }
     */
    public static MethodHandle mos_bank_unmerge$handle() {
        return mos_bank_unmerge.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_bank_unmerge(mos_bank_t bank, int32_t adapter_id, int32_t slot, int32_t block, mos_tensor_t weight)
     * }
     */
    public static MemorySegment mos_bank_unmerge$address() {
        return mos_bank_unmerge.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_bank_unmerge(mos_bank_t bank, int32_t adapter_id, int32_t slot, int32_t block, mos_tensor_t weight)
     * }
     */
    public static int mos_bank_unmerge(MemorySegment bank, int adapter_id, int slot, int block, MemorySegment weight) {
        var mh$ = mos_bank_unmerge.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_bank_unmerge", bank, adapter_id, slot, block, weight);
            }
            return (int)mh$.invokeExact(bank, adapter_id, slot, block, weight);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    /**
     * {@snippet lang=c :
     * typedef struct mos_decoder *mos_decoder_t
     * }
     */
    public static final AddressLayout mos_decoder_t = mos_h.C_POINTER;

    /**
     * {@snippet lang=c :
     * typedef struct mos_kv_cache *mos_kv_cache_t
     * }
     */
    public static final AddressLayout mos_kv_cache_t = mos_h.C_POINTER;

    private static final int MOS_ROPE_DEFAULT = (int)0L;

    /**
     * {@snippet lang=c :
     * enum mos_rope_type.MOS_ROPE_DEFAULT = 0
     * }
     */
    public static int MOS_ROPE_DEFAULT() {
        return MOS_ROPE_DEFAULT;
    }
    private static final int MOS_ROPE_LLAMA3 = (int)1L;

    /**
     * {@snippet lang=c :
     * enum mos_rope_type.MOS_ROPE_LLAMA3 = 1
     * }
     */
    public static int MOS_ROPE_LLAMA3() {
        return MOS_ROPE_LLAMA3;
    }
    /**
     * {@snippet lang=c :
     * typedef enum mos_rope_type { ... } mos_rope_type_t
     * }
     */
    public static final OfInt mos_rope_type_t = mos_h.C_INT;
    private static final int MOS_BASE_GRAD = (int)0L;

    /**
     * {@snippet lang=c :
     * enum mos_base_array.MOS_BASE_GRAD = 0
     * }
     */
    public static int MOS_BASE_GRAD() {
        return MOS_BASE_GRAD;
    }

    private static final int MOS_BASE_ADAM_M = (int)1L;

    /**
     * {@snippet lang=c :
     * enum mos_base_array.MOS_BASE_ADAM_M = 1
     * }
     */
    public static int MOS_BASE_ADAM_M() {
        return MOS_BASE_ADAM_M;
    }

    private static final int MOS_BASE_ADAM_V = (int)2L;

    /**
     * {@snippet lang=c :
     * enum mos_base_array.MOS_BASE_ADAM_V = 2
     * }
     */
    public static int MOS_BASE_ADAM_V() {
        return MOS_BASE_ADAM_V;
    }
    /**
     * {@snippet lang=c :
     * typedef enum mos_base_array { ... } mos_base_array_t
     * }
     */
    public static final OfInt mos_base_array_t = mos_h.C_INT;

    private static class mos_decoder_config_validate {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_config_validate");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_config_validate(const mos_decoder_config_t* config)
     * }
     */
    public static FunctionDescriptor mos_decoder_config_validate$descriptor() {
        return mos_decoder_config_validate.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_config_validate(const mos_decoder_config_t* config)
     * }
     */
    public static MethodHandle mos_decoder_config_validate$handle() {
        return mos_decoder_config_validate.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_config_validate(const mos_decoder_config_t* config)
     * }
     */
    public static MemorySegment mos_decoder_config_validate$address() {
        return mos_decoder_config_validate.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_config_validate(const mos_decoder_config_t* config)
     * }
     */
    public static int mos_decoder_config_validate(MemorySegment config) {
        var mh$ = mos_decoder_config_validate.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_config_validate", config);
            }
            return (int)mh$.invokeExact(config);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_create {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_create");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_create(mos_context_t ctx, const mos_decoder_config_t* config, mos_decoder_t* out)
     * }
     */
    public static FunctionDescriptor mos_decoder_create$descriptor() {
        return mos_decoder_create.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_create(mos_context_t ctx, const mos_decoder_config_t* config, mos_decoder_t* out)
     * }
     */
    public static MethodHandle mos_decoder_create$handle() {
        return mos_decoder_create.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_create(mos_context_t ctx, const mos_decoder_config_t* config, mos_decoder_t* out)
     * }
     */
    public static MemorySegment mos_decoder_create$address() {
        return mos_decoder_create.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_create(mos_context_t ctx, const mos_decoder_config_t* config, mos_decoder_t* out)
     * }
     */
    public static int mos_decoder_create(MemorySegment ctx, MemorySegment config, MemorySegment out) {
        var mh$ = mos_decoder_create.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_create", ctx, config, out);
            }
            return (int)mh$.invokeExact(ctx, config, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_free");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_free(mos_decoder_t dec)
     * }
     */
    public static FunctionDescriptor mos_decoder_free$descriptor() {
        return mos_decoder_free.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_free(mos_decoder_t dec)
     * }
     */
    public static MethodHandle mos_decoder_free$handle() {
        return mos_decoder_free.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_free(mos_decoder_t dec)
     * }
     */
    public static MemorySegment mos_decoder_free$address() {
        return mos_decoder_free.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_free(mos_decoder_t dec)
     * }
     */
    public static int mos_decoder_free(MemorySegment dec) {
        var mh$ = mos_decoder_free.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_free", dec);
            }
            return (int)mh$.invokeExact(dec);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_get_config {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_get_config");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_config(mos_decoder_t dec, mos_decoder_config_t* out)
     * }
     */
    public static FunctionDescriptor mos_decoder_get_config$descriptor() {
        return mos_decoder_get_config.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_config(mos_decoder_t dec, mos_decoder_config_t* out)
     * }
     */
    public static MethodHandle mos_decoder_get_config$handle() {
        return mos_decoder_get_config.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_config(mos_decoder_t dec, mos_decoder_config_t* out)
     * }
     */
    public static MemorySegment mos_decoder_get_config$address() {
        return mos_decoder_get_config.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_config(mos_decoder_t dec, mos_decoder_config_t* out)
     * }
     */
    public static int mos_decoder_get_config(MemorySegment dec, MemorySegment out) {
        var mh$ = mos_decoder_get_config.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_get_config", dec, out);
            }
            return (int)mh$.invokeExact(dec, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_set_weight {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_LONG,
            mos_h.C_LONG,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_set_weight");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_weight(mos_decoder_t dec, const char* name, mos_dtype_t src_dtype, int64_t rows, int64_t cols, const void* data)
     * }
     */
    public static FunctionDescriptor mos_decoder_set_weight$descriptor() {
        return mos_decoder_set_weight.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_weight(mos_decoder_t dec, const char* name, mos_dtype_t src_dtype, int64_t rows, int64_t cols, const void* data)
     * }
     */
    public static MethodHandle mos_decoder_set_weight$handle() {
        return mos_decoder_set_weight.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_weight(mos_decoder_t dec, const char* name, mos_dtype_t src_dtype, int64_t rows, int64_t cols, const void* data)
     * }
     */
    public static MemorySegment mos_decoder_set_weight$address() {
        return mos_decoder_set_weight.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_weight(mos_decoder_t dec, const char* name, mos_dtype_t src_dtype, int64_t rows, int64_t cols, const void* data)
     * }
     */
    public static int mos_decoder_set_weight(MemorySegment dec, MemorySegment name, int src_dtype, long rows, long cols, MemorySegment data) {
        var mh$ = mos_decoder_set_weight.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_set_weight", dec, name, src_dtype, rows, cols, data);
            }
            return (int)mh$.invokeExact(dec, name, src_dtype, rows, cols, data);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_weight_count {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_weight_count");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_weight_count(mos_decoder_t dec, int32_t* count)
     * }
     */
    public static FunctionDescriptor mos_decoder_weight_count$descriptor() {
        return mos_decoder_weight_count.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_weight_count(mos_decoder_t dec, int32_t* count)
     * }
     */
    public static MethodHandle mos_decoder_weight_count$handle() {
        return mos_decoder_weight_count.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_weight_count(mos_decoder_t dec, int32_t* count)
     * }
     */
    public static MemorySegment mos_decoder_weight_count$address() {
        return mos_decoder_weight_count.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_weight_count(mos_decoder_t dec, int32_t* count)
     * }
     */
    public static int mos_decoder_weight_count(MemorySegment dec, MemorySegment count) {
        var mh$ = mos_decoder_weight_count.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_weight_count", dec, count);
            }
            return (int)mh$.invokeExact(dec, count);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_weight_info {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_weight_info");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_weight_info(mos_decoder_t dec, int32_t index, char* name, size_t name_capacity, int64_t* rows, int64_t* cols, int32_t* is_set)
     * }
     */
    public static FunctionDescriptor mos_decoder_weight_info$descriptor() {
        return mos_decoder_weight_info.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_weight_info(mos_decoder_t dec, int32_t index, char* name, size_t name_capacity, int64_t* rows, int64_t* cols, int32_t* is_set)
     * }
     */
    public static MethodHandle mos_decoder_weight_info$handle() {
        return mos_decoder_weight_info.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_weight_info(mos_decoder_t dec, int32_t index, char* name, size_t name_capacity, int64_t* rows, int64_t* cols, int32_t* is_set)
     * }
     */
    public static MemorySegment mos_decoder_weight_info$address() {
        return mos_decoder_weight_info.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_weight_info(mos_decoder_t dec, int32_t index, char* name, size_t name_capacity, int64_t* rows, int64_t* cols, int32_t* is_set)
     * }
     */
    public static int mos_decoder_weight_info(MemorySegment dec, int index, MemorySegment name, long name_capacity, MemorySegment rows, MemorySegment cols, MemorySegment is_set) {
        var mh$ = mos_decoder_weight_info.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_weight_info", dec, index, name, name_capacity, rows, cols, is_set);
            }
            return (int)mh$.invokeExact(dec, index, name, name_capacity, rows, cols, is_set);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_attach_pool {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_attach_pool");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_attach_pool(mos_decoder_t dec, const char* projection, mos_pool_t pool)
     * }
     */
    public static FunctionDescriptor mos_decoder_attach_pool$descriptor() {
        return mos_decoder_attach_pool.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_attach_pool(mos_decoder_t dec, const char* projection, mos_pool_t pool)
     * }
     */
    public static MethodHandle mos_decoder_attach_pool$handle() {
        return mos_decoder_attach_pool.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_attach_pool(mos_decoder_t dec, const char* projection, mos_pool_t pool)
     * }
     */
    public static MemorySegment mos_decoder_attach_pool$address() {
        return mos_decoder_attach_pool.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_attach_pool(mos_decoder_t dec, const char* projection, mos_pool_t pool)
     * }
     */
    public static int mos_decoder_attach_pool(MemorySegment dec, MemorySegment projection, MemorySegment pool) {
        var mh$ = mos_decoder_attach_pool.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_attach_pool", dec, projection, pool);
            }
            return (int)mh$.invokeExact(dec, projection, pool);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_set_dropout_state {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_set_dropout_state");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_dropout_state(mos_decoder_t dec, uint64_t seed, uint64_t counter)
     * }
     */
    public static FunctionDescriptor mos_decoder_set_dropout_state$descriptor() {
        return mos_decoder_set_dropout_state.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_dropout_state(mos_decoder_t dec, uint64_t seed, uint64_t counter)
     * }
     */
    public static MethodHandle mos_decoder_set_dropout_state$handle() {
        return mos_decoder_set_dropout_state.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_dropout_state(mos_decoder_t dec, uint64_t seed, uint64_t counter)
     * }
     */
    public static MemorySegment mos_decoder_set_dropout_state$address() {
        return mos_decoder_set_dropout_state.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_dropout_state(mos_decoder_t dec, uint64_t seed, uint64_t counter)
     * }
     */
    public static int mos_decoder_set_dropout_state(MemorySegment dec, long seed, long counter) {
        var mh$ = mos_decoder_set_dropout_state.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_set_dropout_state", dec, seed, counter);
            }
            return (int)mh$.invokeExact(dec, seed, counter);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_get_dropout_state {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_get_dropout_state");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_dropout_state(mos_decoder_t dec, uint64_t* seed, uint64_t* counter)
     * }
     */
    public static FunctionDescriptor mos_decoder_get_dropout_state$descriptor() {
        return mos_decoder_get_dropout_state.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_dropout_state(mos_decoder_t dec, uint64_t* seed, uint64_t* counter)
     * }
     */
    public static MethodHandle mos_decoder_get_dropout_state$handle() {
        return mos_decoder_get_dropout_state.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_dropout_state(mos_decoder_t dec, uint64_t* seed, uint64_t* counter)
     * }
     */
    public static MemorySegment mos_decoder_get_dropout_state$address() {
        return mos_decoder_get_dropout_state.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_dropout_state(mos_decoder_t dec, uint64_t* seed, uint64_t* counter)
     * }
     */
    public static int mos_decoder_get_dropout_state(MemorySegment dec, MemorySegment seed, MemorySegment counter) {
        var mh$ = mos_decoder_get_dropout_state.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_get_dropout_state", dec, seed, counter);
            }
            return (int)mh$.invokeExact(dec, seed, counter);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_set_recompute {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_set_recompute");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_recompute(mos_decoder_t dec, int32_t on)
     * }
     */
    public static FunctionDescriptor mos_decoder_set_recompute$descriptor() {
        return mos_decoder_set_recompute.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_recompute(mos_decoder_t dec, int32_t on)
     * }
     */
    public static MethodHandle mos_decoder_set_recompute$handle() {
        return mos_decoder_set_recompute.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_recompute(mos_decoder_t dec, int32_t on)
     * }
     */
    public static MemorySegment mos_decoder_set_recompute$address() {
        return mos_decoder_set_recompute.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_recompute(mos_decoder_t dec, int32_t on)
     * }
     */
    public static int mos_decoder_set_recompute(MemorySegment dec, int on) {
        var mh$ = mos_decoder_set_recompute.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_set_recompute", dec, on);
            }
            return (int)mh$.invokeExact(dec, on);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_loss {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_FLOAT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_loss");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_loss(mos_decoder_t dec, const mos_batch_t* batch, int32_t backward, float grad_scale, double* loss_sum, int64_t* loss_count)
     * }
     */
    public static FunctionDescriptor mos_decoder_loss$descriptor() {
        return mos_decoder_loss.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_loss(mos_decoder_t dec, const mos_batch_t* batch, int32_t backward, float grad_scale, double* loss_sum, int64_t* loss_count)
     * }
     */
    public static MethodHandle mos_decoder_loss$handle() {
        return mos_decoder_loss.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_loss(mos_decoder_t dec, const mos_batch_t* batch, int32_t backward, float grad_scale, double* loss_sum, int64_t* loss_count)
     * }
     */
    public static MemorySegment mos_decoder_loss$address() {
        return mos_decoder_loss.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_loss(mos_decoder_t dec, const mos_batch_t* batch, int32_t backward, float grad_scale, double* loss_sum, int64_t* loss_count)
     * }
     */
    public static int mos_decoder_loss(MemorySegment dec, MemorySegment batch, int backward, float grad_scale, MemorySegment loss_sum, MemorySegment loss_count) {
        var mh$ = mos_decoder_loss.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_loss", dec, batch, backward, grad_scale, loss_sum, loss_count);
            }
            return (int)mh$.invokeExact(dec, batch, backward, grad_scale, loss_sum, loss_count);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_logits {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_logits");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_logits(mos_decoder_t dec, const mos_batch_t* batch, float* logits)
     * }
     */
    public static FunctionDescriptor mos_decoder_logits$descriptor() {
        return mos_decoder_logits.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_logits(mos_decoder_t dec, const mos_batch_t* batch, float* logits)
     * }
     */
    public static MethodHandle mos_decoder_logits$handle() {
        return mos_decoder_logits.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_logits(mos_decoder_t dec, const mos_batch_t* batch, float* logits)
     * }
     */
    public static MemorySegment mos_decoder_logits$address() {
        return mos_decoder_logits.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_logits(mos_decoder_t dec, const mos_batch_t* batch, float* logits)
     * }
     */
    public static int mos_decoder_logits(MemorySegment dec, MemorySegment batch, MemorySegment logits) {
        var mh$ = mos_decoder_logits.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_logits", dec, batch, logits);
            }
            return (int)mh$.invokeExact(dec, batch, logits);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_merge {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_merge");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_merge(mos_decoder_t dec)
     * }
     */
    public static FunctionDescriptor mos_decoder_merge$descriptor() {
        return mos_decoder_merge.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_merge(mos_decoder_t dec)
     * }
     */
    public static MethodHandle mos_decoder_merge$handle() {
        return mos_decoder_merge.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_merge(mos_decoder_t dec)
     * }
     */
    public static MemorySegment mos_decoder_merge$address() {
        return mos_decoder_merge.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_merge(mos_decoder_t dec)
     * }
     */
    public static int mos_decoder_merge(MemorySegment dec) {
        var mh$ = mos_decoder_merge.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_merge", dec);
            }
            return (int)mh$.invokeExact(dec);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_unmerge {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_unmerge");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_unmerge(mos_decoder_t dec)
     * }
     */
    public static FunctionDescriptor mos_decoder_unmerge$descriptor() {
        return mos_decoder_unmerge.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_unmerge(mos_decoder_t dec)
     * }
     */
    public static MethodHandle mos_decoder_unmerge$handle() {
        return mos_decoder_unmerge.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_unmerge(mos_decoder_t dec)
     * }
     */
    public static MemorySegment mos_decoder_unmerge$address() {
        return mos_decoder_unmerge.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_unmerge(mos_decoder_t dec)
     * }
     */
    public static int mos_decoder_unmerge(MemorySegment dec) {
        var mh$ = mos_decoder_unmerge.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_unmerge", dec);
            }
            return (int)mh$.invokeExact(dec);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_get_weight {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_LONG,
            mos_h.C_LONG,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_get_weight");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy; the call
        // copies a bounded buffer and never calls back into Java.
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_weight(mos_decoder_t dec, const char* name, mos_dtype_t dst_dtype, int64_t rows, int64_t cols, void* dst)
     * }
     */
    public static FunctionDescriptor mos_decoder_get_weight$descriptor() {
        return mos_decoder_get_weight.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_weight(mos_decoder_t dec, const char* name, mos_dtype_t dst_dtype, int64_t rows, int64_t cols, void* dst)
     * }
     */
    public static MethodHandle mos_decoder_get_weight$handle() {
        return mos_decoder_get_weight.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_weight(mos_decoder_t dec, const char* name, mos_dtype_t dst_dtype, int64_t rows, int64_t cols, void* dst)
     * }
     */
    public static MemorySegment mos_decoder_get_weight$address() {
        return mos_decoder_get_weight.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_weight(mos_decoder_t dec, const char* name, mos_dtype_t dst_dtype, int64_t rows, int64_t cols, void* dst)
     * }
     */
    public static int mos_decoder_get_weight(MemorySegment dec, MemorySegment name, int dst_dtype, long rows, long cols, MemorySegment dst) {
        var mh$ = mos_decoder_get_weight.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_get_weight", dec, name, dst_dtype, rows, cols, dst);
            }
            return (int)mh$.invokeExact(dec, name, dst_dtype, rows, cols, dst);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_set_base_trainable {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_set_base_trainable");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_base_trainable(mos_decoder_t dec, int32_t on)
     * }
     */
    public static FunctionDescriptor mos_decoder_set_base_trainable$descriptor() {
        return mos_decoder_set_base_trainable.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_base_trainable(mos_decoder_t dec, int32_t on)
     * }
     */
    public static MethodHandle mos_decoder_set_base_trainable$handle() {
        return mos_decoder_set_base_trainable.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_base_trainable(mos_decoder_t dec, int32_t on)
     * }
     */
    public static MemorySegment mos_decoder_set_base_trainable$address() {
        return mos_decoder_set_base_trainable.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_set_base_trainable(mos_decoder_t dec, int32_t on)
     * }
     */
    public static int mos_decoder_set_base_trainable(MemorySegment dec, int on) {
        var mh$ = mos_decoder_set_base_trainable.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_set_base_trainable", dec, on);
            }
            return (int)mh$.invokeExact(dec, on);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_get_base_trainable {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_get_base_trainable");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_base_trainable(mos_decoder_t dec, int32_t* on)
     * }
     */
    public static FunctionDescriptor mos_decoder_get_base_trainable$descriptor() {
        return mos_decoder_get_base_trainable.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_base_trainable(mos_decoder_t dec, int32_t* on)
     * }
     */
    public static MethodHandle mos_decoder_get_base_trainable$handle() {
        return mos_decoder_get_base_trainable.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_base_trainable(mos_decoder_t dec, int32_t* on)
     * }
     */
    public static MemorySegment mos_decoder_get_base_trainable$address() {
        return mos_decoder_get_base_trainable.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_get_base_trainable(mos_decoder_t dec, int32_t* on)
     * }
     */
    public static int mos_decoder_get_base_trainable(MemorySegment dec, MemorySegment on) {
        var mh$ = mos_decoder_get_base_trainable.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_get_base_trainable", dec, on);
            }
            return (int)mh$.invokeExact(dec, on);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_base_zero_grad {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_base_zero_grad");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_zero_grad(mos_decoder_t dec)
     * }
     */
    public static FunctionDescriptor mos_decoder_base_zero_grad$descriptor() {
        return mos_decoder_base_zero_grad.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_zero_grad(mos_decoder_t dec)
     * }
     */
    public static MethodHandle mos_decoder_base_zero_grad$handle() {
        return mos_decoder_base_zero_grad.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_zero_grad(mos_decoder_t dec)
     * }
     */
    public static MemorySegment mos_decoder_base_zero_grad$address() {
        return mos_decoder_base_zero_grad.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_zero_grad(mos_decoder_t dec)
     * }
     */
    public static int mos_decoder_base_zero_grad(MemorySegment dec) {
        var mh$ = mos_decoder_base_zero_grad.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_base_zero_grad", dec);
            }
            return (int)mh$.invokeExact(dec);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_base_grad_norm {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_base_grad_norm");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_grad_norm(mos_decoder_t dec, double* norm)
     * }
     */
    public static FunctionDescriptor mos_decoder_base_grad_norm$descriptor() {
        return mos_decoder_base_grad_norm.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_grad_norm(mos_decoder_t dec, double* norm)
     * }
     */
    public static MethodHandle mos_decoder_base_grad_norm$handle() {
        return mos_decoder_base_grad_norm.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_grad_norm(mos_decoder_t dec, double* norm)
     * }
     */
    public static MemorySegment mos_decoder_base_grad_norm$address() {
        return mos_decoder_base_grad_norm.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_grad_norm(mos_decoder_t dec, double* norm)
     * }
     */
    public static int mos_decoder_base_grad_norm(MemorySegment dec, MemorySegment norm) {
        var mh$ = mos_decoder_base_grad_norm.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_base_grad_norm", dec, norm);
            }
            return (int)mh$.invokeExact(dec, norm);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_base_step {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_base_step");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_step(mos_decoder_t dec, const mos_adamw_params_t* params, double* grad_norm)
     * }
     */
    public static FunctionDescriptor mos_decoder_base_step$descriptor() {
        return mos_decoder_base_step.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_step(mos_decoder_t dec, const mos_adamw_params_t* params, double* grad_norm)
     * }
     */
    public static MethodHandle mos_decoder_base_step$handle() {
        return mos_decoder_base_step.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_step(mos_decoder_t dec, const mos_adamw_params_t* params, double* grad_norm)
     * }
     */
    public static MemorySegment mos_decoder_base_step$address() {
        return mos_decoder_base_step.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_step(mos_decoder_t dec, const mos_adamw_params_t* params, double* grad_norm)
     * }
     */
    public static int mos_decoder_base_step(MemorySegment dec, MemorySegment params, MemorySegment grad_norm) {
        var mh$ = mos_decoder_base_step.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_base_step", dec, params, grad_norm);
            }
            return (int)mh$.invokeExact(dec, params, grad_norm);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_base_get_step {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_base_get_step");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_get_step(mos_decoder_t dec, int64_t* step)
     * }
     */
    public static FunctionDescriptor mos_decoder_base_get_step$descriptor() {
        return mos_decoder_base_get_step.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_get_step(mos_decoder_t dec, int64_t* step)
     * }
     */
    public static MethodHandle mos_decoder_base_get_step$handle() {
        return mos_decoder_base_get_step.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_get_step(mos_decoder_t dec, int64_t* step)
     * }
     */
    public static MemorySegment mos_decoder_base_get_step$address() {
        return mos_decoder_base_get_step.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_get_step(mos_decoder_t dec, int64_t* step)
     * }
     */
    public static int mos_decoder_base_get_step(MemorySegment dec, MemorySegment step) {
        var mh$ = mos_decoder_base_get_step.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_base_get_step", dec, step);
            }
            return (int)mh$.invokeExact(dec, step);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_base_set_step {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_base_set_step");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_set_step(mos_decoder_t dec, int64_t step)
     * }
     */
    public static FunctionDescriptor mos_decoder_base_set_step$descriptor() {
        return mos_decoder_base_set_step.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_set_step(mos_decoder_t dec, int64_t step)
     * }
     */
    public static MethodHandle mos_decoder_base_set_step$handle() {
        return mos_decoder_base_set_step.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_set_step(mos_decoder_t dec, int64_t step)
     * }
     */
    public static MemorySegment mos_decoder_base_set_step$address() {
        return mos_decoder_base_set_step.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_set_step(mos_decoder_t dec, int64_t step)
     * }
     */
    public static int mos_decoder_base_set_step(MemorySegment dec, long step) {
        var mh$ = mos_decoder_base_set_step.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_base_set_step", dec, step);
            }
            return (int)mh$.invokeExact(dec, step);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_base_read {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_base_read");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy; the call
        // copies a bounded buffer and never calls back into Java.
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_read(mos_decoder_t dec, const char* name, mos_base_array_t which, float* dst, int64_t num_elements)
     * }
     */
    public static FunctionDescriptor mos_decoder_base_read$descriptor() {
        return mos_decoder_base_read.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_read(mos_decoder_t dec, const char* name, mos_base_array_t which, float* dst, int64_t num_elements)
     * }
     */
    public static MethodHandle mos_decoder_base_read$handle() {
        return mos_decoder_base_read.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_read(mos_decoder_t dec, const char* name, mos_base_array_t which, float* dst, int64_t num_elements)
     * }
     */
    public static MemorySegment mos_decoder_base_read$address() {
        return mos_decoder_base_read.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_read(mos_decoder_t dec, const char* name, mos_base_array_t which, float* dst, int64_t num_elements)
     * }
     */
    public static int mos_decoder_base_read(MemorySegment dec, MemorySegment name, int which, MemorySegment dst, long num_elements) {
        var mh$ = mos_decoder_base_read.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_base_read", dec, name, which, dst, num_elements);
            }
            return (int)mh$.invokeExact(dec, name, which, dst, num_elements);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_base_write {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_base_write");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy; the call
        // copies a bounded buffer and never calls back into Java.
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_write(mos_decoder_t dec, const char* name, mos_base_array_t which, const float* src, int64_t num_elements)
     * }
     */
    public static FunctionDescriptor mos_decoder_base_write$descriptor() {
        return mos_decoder_base_write.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_write(mos_decoder_t dec, const char* name, mos_base_array_t which, const float* src, int64_t num_elements)
     * }
     */
    public static MethodHandle mos_decoder_base_write$handle() {
        return mos_decoder_base_write.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_write(mos_decoder_t dec, const char* name, mos_base_array_t which, const float* src, int64_t num_elements)
     * }
     */
    public static MemorySegment mos_decoder_base_write$address() {
        return mos_decoder_base_write.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_base_write(mos_decoder_t dec, const char* name, mos_base_array_t which, const float* src, int64_t num_elements)
     * }
     */
    public static int mos_decoder_base_write(MemorySegment dec, MemorySegment name, int which, MemorySegment src, long num_elements) {
        var mh$ = mos_decoder_base_write.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_base_write", dec, name, which, src, num_elements);
            }
            return (int)mh$.invokeExact(dec, name, which, src, num_elements);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_kv_cache_bytes_per_token {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_kv_cache_bytes_per_token");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_bytes_per_token(mos_decoder_t dec, int64_t* bytes)
     * }
     */
    public static FunctionDescriptor mos_kv_cache_bytes_per_token$descriptor() {
        return mos_kv_cache_bytes_per_token.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_bytes_per_token(mos_decoder_t dec, int64_t* bytes)
     * }
     */
    public static MethodHandle mos_kv_cache_bytes_per_token$handle() {
        return mos_kv_cache_bytes_per_token.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_bytes_per_token(mos_decoder_t dec, int64_t* bytes)
     * }
     */
    public static MemorySegment mos_kv_cache_bytes_per_token$address() {
        return mos_kv_cache_bytes_per_token.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_bytes_per_token(mos_decoder_t dec, int64_t* bytes)
     * }
     */
    public static int mos_kv_cache_bytes_per_token(MemorySegment dec, MemorySegment bytes) {
        var mh$ = mos_kv_cache_bytes_per_token.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_kv_cache_bytes_per_token", dec, bytes);
            }
            return (int)mh$.invokeExact(dec, bytes);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_kv_cache_create {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_kv_cache_create");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_create(mos_decoder_t dec, int64_t capacity_tokens, mos_kv_cache_t* out)
     * }
     */
    public static FunctionDescriptor mos_kv_cache_create$descriptor() {
        return mos_kv_cache_create.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_create(mos_decoder_t dec, int64_t capacity_tokens, mos_kv_cache_t* out)
     * }
     */
    public static MethodHandle mos_kv_cache_create$handle() {
        return mos_kv_cache_create.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_create(mos_decoder_t dec, int64_t capacity_tokens, mos_kv_cache_t* out)
     * }
     */
    public static MemorySegment mos_kv_cache_create$address() {
        return mos_kv_cache_create.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_create(mos_decoder_t dec, int64_t capacity_tokens, mos_kv_cache_t* out)
     * }
     */
    public static int mos_kv_cache_create(MemorySegment dec, long capacity_tokens, MemorySegment out) {
        var mh$ = mos_kv_cache_create.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_kv_cache_create", dec, capacity_tokens, out);
            }
            return (int)mh$.invokeExact(dec, capacity_tokens, out);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_kv_cache_free {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_kv_cache_free");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_free(mos_kv_cache_t cache)
     * }
     */
    public static FunctionDescriptor mos_kv_cache_free$descriptor() {
        return mos_kv_cache_free.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_free(mos_kv_cache_t cache)
     * }
     */
    public static MethodHandle mos_kv_cache_free$handle() {
        return mos_kv_cache_free.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_free(mos_kv_cache_t cache)
     * }
     */
    public static MemorySegment mos_kv_cache_free$address() {
        return mos_kv_cache_free.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_free(mos_kv_cache_t cache)
     * }
     */
    public static int mos_kv_cache_free(MemorySegment cache) {
        var mh$ = mos_kv_cache_free.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_kv_cache_free", cache);
            }
            return (int)mh$.invokeExact(cache);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_kv_cache_add_sequence {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_kv_cache_add_sequence");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_add_sequence(mos_kv_cache_t cache, int32_t* seq_id)
     * }
     */
    public static FunctionDescriptor mos_kv_cache_add_sequence$descriptor() {
        return mos_kv_cache_add_sequence.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_add_sequence(mos_kv_cache_t cache, int32_t* seq_id)
     * }
     */
    public static MethodHandle mos_kv_cache_add_sequence$handle() {
        return mos_kv_cache_add_sequence.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_add_sequence(mos_kv_cache_t cache, int32_t* seq_id)
     * }
     */
    public static MemorySegment mos_kv_cache_add_sequence$address() {
        return mos_kv_cache_add_sequence.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_add_sequence(mos_kv_cache_t cache, int32_t* seq_id)
     * }
     */
    public static int mos_kv_cache_add_sequence(MemorySegment cache, MemorySegment seq_id) {
        var mh$ = mos_kv_cache_add_sequence.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_kv_cache_add_sequence", cache, seq_id);
            }
            return (int)mh$.invokeExact(cache, seq_id);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_kv_cache_remove_sequence {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_kv_cache_remove_sequence");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_remove_sequence(mos_kv_cache_t cache, int32_t seq_id)
     * }
     */
    public static FunctionDescriptor mos_kv_cache_remove_sequence$descriptor() {
        return mos_kv_cache_remove_sequence.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_remove_sequence(mos_kv_cache_t cache, int32_t seq_id)
     * }
     */
    public static MethodHandle mos_kv_cache_remove_sequence$handle() {
        return mos_kv_cache_remove_sequence.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_remove_sequence(mos_kv_cache_t cache, int32_t seq_id)
     * }
     */
    public static MemorySegment mos_kv_cache_remove_sequence$address() {
        return mos_kv_cache_remove_sequence.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_remove_sequence(mos_kv_cache_t cache, int32_t seq_id)
     * }
     */
    public static int mos_kv_cache_remove_sequence(MemorySegment cache, int seq_id) {
        var mh$ = mos_kv_cache_remove_sequence.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_kv_cache_remove_sequence", cache, seq_id);
            }
            return (int)mh$.invokeExact(cache, seq_id);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_kv_cache_sequence_length {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_kv_cache_sequence_length");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_sequence_length(mos_kv_cache_t cache, int32_t seq_id, int32_t* length)
     * }
     */
    public static FunctionDescriptor mos_kv_cache_sequence_length$descriptor() {
        return mos_kv_cache_sequence_length.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_sequence_length(mos_kv_cache_t cache, int32_t seq_id, int32_t* length)
     * }
     */
    public static MethodHandle mos_kv_cache_sequence_length$handle() {
        return mos_kv_cache_sequence_length.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_sequence_length(mos_kv_cache_t cache, int32_t seq_id, int32_t* length)
     * }
     */
    public static MemorySegment mos_kv_cache_sequence_length$address() {
        return mos_kv_cache_sequence_length.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_sequence_length(mos_kv_cache_t cache, int32_t seq_id, int32_t* length)
     * }
     */
    public static int mos_kv_cache_sequence_length(MemorySegment cache, int seq_id, MemorySegment length) {
        var mh$ = mos_kv_cache_sequence_length.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_kv_cache_sequence_length", cache, seq_id, length);
            }
            return (int)mh$.invokeExact(cache, seq_id, length);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_kv_cache_usage {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_kv_cache_usage");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_usage(mos_kv_cache_t cache, int64_t* used_tokens, int64_t* capacity_tokens, int64_t* free_tokens, int32_t* num_seqs)
     * }
     */
    public static FunctionDescriptor mos_kv_cache_usage$descriptor() {
        return mos_kv_cache_usage.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_usage(mos_kv_cache_t cache, int64_t* used_tokens, int64_t* capacity_tokens, int64_t* free_tokens, int32_t* num_seqs)
     * }
     */
    public static MethodHandle mos_kv_cache_usage$handle() {
        return mos_kv_cache_usage.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_usage(mos_kv_cache_t cache, int64_t* used_tokens, int64_t* capacity_tokens, int64_t* free_tokens, int32_t* num_seqs)
     * }
     */
    public static MemorySegment mos_kv_cache_usage$address() {
        return mos_kv_cache_usage.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_kv_cache_usage(mos_kv_cache_t cache, int64_t* used_tokens, int64_t* capacity_tokens, int64_t* free_tokens, int32_t* num_seqs)
     * }
     */
    public static int mos_kv_cache_usage(MemorySegment cache, MemorySegment used_tokens, MemorySegment capacity_tokens, MemorySegment free_tokens, MemorySegment num_seqs) {
        var mh$ = mos_kv_cache_usage.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_kv_cache_usage", cache, used_tokens, capacity_tokens, free_tokens, num_seqs);
            }
            return (int)mh$.invokeExact(cache, used_tokens, capacity_tokens, free_tokens, num_seqs);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_step {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_step");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_step(mos_decoder_t dec, mos_kv_cache_t cache, mos_bank_t bank, const mos_step_t* step, float* logits)
     * }
     */
    public static FunctionDescriptor mos_decoder_step$descriptor() {
        return mos_decoder_step.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_step(mos_decoder_t dec, mos_kv_cache_t cache, mos_bank_t bank, const mos_step_t* step, float* logits)
     * }
     */
    public static MethodHandle mos_decoder_step$handle() {
        return mos_decoder_step.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_step(mos_decoder_t dec, mos_kv_cache_t cache, mos_bank_t bank, const mos_step_t* step, float* logits)
     * }
     */
    public static MemorySegment mos_decoder_step$address() {
        return mos_decoder_step.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_step(mos_decoder_t dec, mos_kv_cache_t cache, mos_bank_t bank, const mos_step_t* step, float* logits)
     * }
     */
    public static int mos_decoder_step(MemorySegment dec, MemorySegment cache, MemorySegment bank, MemorySegment step, MemorySegment logits) {
        var mh$ = mos_decoder_step.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_step", dec, cache, bank, step, logits);
            }
            return (int)mh$.invokeExact(dec, cache, bank, step, logits);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_sample {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_LONG,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_sample");

        // critical(true): heap segments (MemorySegment.ofArray) pass without a copy. mos_sample reads
        // one row of logits and writes one token (microseconds to a millisecond) and never calls
        // back into Java. The decoder's long calls (loss, logits, step, set_weight, and generate
        // with its upcall) are not critical: they would hold off safepoints for their duration.
        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC, Linker.Option.critical(true));
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_sample(const float* logits, int32_t vocab, const mos_sampling_t* sampling, uint64_t counter, int32_t* token, float* logprob)
     * }
     */
    public static FunctionDescriptor mos_sample$descriptor() {
        return mos_sample.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_sample(const float* logits, int32_t vocab, const mos_sampling_t* sampling, uint64_t counter, int32_t* token, float* logprob)
     * }
     */
    public static MethodHandle mos_sample$handle() {
        return mos_sample.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_sample(const float* logits, int32_t vocab, const mos_sampling_t* sampling, uint64_t counter, int32_t* token, float* logprob)
     * }
     */
    public static MemorySegment mos_sample$address() {
        return mos_sample.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_sample(const float* logits, int32_t vocab, const mos_sampling_t* sampling, uint64_t counter, int32_t* token, float* logprob)
     * }
     */
    public static int mos_sample(MemorySegment logits, int vocab, MemorySegment sampling, long counter, MemorySegment token, MemorySegment logprob) {
        var mh$ = mos_sample.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_sample", logits, vocab, sampling, counter, token, logprob);
            }
            return (int)mh$.invokeExact(logits, vocab, sampling, counter, token, logprob);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    private static class mos_decoder_generate {
        public static final FunctionDescriptor DESC = FunctionDescriptor.of(
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_POINTER,
            mos_h.C_INT,
            mos_h.C_POINTER,
            mos_h.C_POINTER
        );

        public static final MemorySegment ADDR = mos_h.findOrThrow("mos_decoder_generate");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }

    /**
     * Function descriptor for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_generate(mos_decoder_t dec, mos_bank_t bank, mos_generate_request_t* requests, int32_t num_requests, mos_token_callback_t callback, void* user)
     * }
     */
    public static FunctionDescriptor mos_decoder_generate$descriptor() {
        return mos_decoder_generate.DESC;
    }

    /**
     * Downcall method handle for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_generate(mos_decoder_t dec, mos_bank_t bank, mos_generate_request_t* requests, int32_t num_requests, mos_token_callback_t callback, void* user)
     * }
     */
    public static MethodHandle mos_decoder_generate$handle() {
        return mos_decoder_generate.HANDLE;
    }

    /**
     * Address for:
     * {@snippet lang=c :
     * mos_status_t mos_decoder_generate(mos_decoder_t dec, mos_bank_t bank, mos_generate_request_t* requests, int32_t num_requests, mos_token_callback_t callback, void* user)
     * }
     */
    public static MemorySegment mos_decoder_generate$address() {
        return mos_decoder_generate.ADDR;
    }

    /**
     * {@snippet lang=c :
     * mos_status_t mos_decoder_generate(mos_decoder_t dec, mos_bank_t bank, mos_generate_request_t* requests, int32_t num_requests, mos_token_callback_t callback, void* user)
     * }
     */
    public static int mos_decoder_generate(MemorySegment dec, MemorySegment bank, MemorySegment requests, int num_requests, MemorySegment callback, MemorySegment user) {
        var mh$ = mos_decoder_generate.HANDLE;
        try {
            if (TRACE_DOWNCALLS) {
                traceDowncall("mos_decoder_generate", dec, bank, requests, num_requests, callback, user);
            }
            return (int)mh$.invokeExact(dec, bank, requests, num_requests, callback, user);
        } catch (Error | RuntimeException ex) {
           throw ex;
        } catch (Throwable ex$) {
           throw new AssertionError("should not reach here", ex$);
        }
    }

    static MethodHandle upcallHandle(Class<?> fi, String name, FunctionDescriptor fdesc) {
        try {
            return MethodHandles.lookup().findVirtual(fi, name, fdesc.toMethodType());
        } catch (ReflectiveOperationException ex) {
           throw new AssertionError(ex);
        }
    }
}
