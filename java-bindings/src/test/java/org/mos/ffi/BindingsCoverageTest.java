// SPDX-License-Identifier: Apache-2.0
// Compares the hand-written bindings (mos_h) with native/include/mos/mos.h: every MOS_API function,
// its return and parameter layouts (exact carrier and size), every enum constant and ABI macro, and
// every struct (a class per struct: field names, order, carriers, offsets and size).
package org.mos.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BindingsCoverageTest {

  /** One MOS_API declaration: C return type, name, C parameter types (in order). */
  record Decl(String returnType, String name, List<String> paramTypes, String text) {}

  private static String header;
  private static Map<String, Decl> decls;
  private static Set<String> enumTypes;
  private static Set<String> handleTypes;
  private static Set<String> functionPointerTypes;

  static Path root() {
    String r = System.getProperty("mos.root");
    Path p = r != null ? Path.of(r) : Path.of("..");
    if (!Files.isRegularFile(p.resolve("native/include/mos/mos.h"))) {
      p = Path.of(".").toAbsolutePath().getParent();
    }
    return p;
  }

  @BeforeAll
  static void parse() throws IOException {
    Path h = root().resolve("native/include/mos/mos.h");
    assertTrue(Files.isRegularFile(h), "mos.h not found at " + h + " (set -Dmos.root)");
    header = stripComments(Files.readString(h));
    enumTypes = new TreeSet<>();
    Matcher e =
        Pattern.compile("typedef\\s+enum\\s+\\w*\\s*\\{[^}]*\\}\\s*(\\w+)\\s*;").matcher(header);
    while (e.find()) {
      enumTypes.add(e.group(1));
    }
    handleTypes = new TreeSet<>();
    Matcher s =
        Pattern.compile("typedef\\s+struct\\s+\\w+\\s*\\*\\s*(\\w+)\\s*;").matcher(header);
    while (s.find()) {
      handleTypes.add(s.group(1));
    }
    functionPointerTypes = new TreeSet<>();
    Matcher fp = Pattern.compile("typedef\\s+[^;(]*\\(\\s*\\*\\s*(\\w+)\\s*\\)").matcher(header);
    while (fp.find()) {
      functionPointerTypes.add(fp.group(1));
    }
    decls = new LinkedHashMap<>();
    Matcher m = Pattern.compile("MOS_API\\s+([^;(]*?)\\b(mos_\\w+)\\s*\\(([^)]*)\\)\\s*;")
        .matcher(header);
    while (m.find()) {
      String params = m.group(3).replaceAll("\\s+", " ").trim();
      List<String> types = new ArrayList<>();
      if (!params.equals("void") && !params.isEmpty()) {
        for (String p : params.split(",")) {
          p = p.trim();
          // drop the parameter name: the last identifier, unless the declaration is type-only
          Matcher nm = Pattern.compile("^(.*?[\\s*])(\\w+)$").matcher(p);
          types.add(nm.matches() ? nm.group(1).trim() : p);
        }
      }
      decls.put(m.group(2), new Decl(m.group(1).trim(), m.group(2), types, m.group(0)));
    }
    assertTrue(decls.size() > 30, "parsed only " + decls.size() + " MOS_API declarations");

    // mos_h's holders resolve their symbol when first touched (jextract's layout), so reading a
    // descriptor needs a lookup: the built library when there is one (then a missing export is a
    // failure too), else (bindings module run alone) a fake lookup: descriptors are read, no call
    // is ever made through its dummy address.
    if (!MosLibrary.isLoaded()) {
      if (builtLibrary() != null) {
        MosLibrary.load(builtLibrary());
      } else {
        MosLibrary.use(
            name -> Optional.of(MemorySegment.ofAddress(8)),
            "BindingsCoverageTest fake lookup (no libmos built)");
      }
    }
  }

  static Path builtLibrary() {
    String lib = System.getProperty("mos.library.path");
    return lib != null && Files.isRegularFile(Path.of(lib)) ? Path.of(lib) : null;
  }

  static String stripComments(String src) {
    return src.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
  }

  /** The layout a C type maps to (null for void), per the rules of the bindings. */
  static MemoryLayout expected(String cType) {
    String t = cType.replace("const", " ").replaceAll("\\s+", " ").trim();
    if (t.contains("*") || handleTypes.contains(t) || functionPointerTypes.contains(t)) {
      return ValueLayout.ADDRESS;
    }
    if (t.equals("void")) {
      return null;
    }
    if (t.equals("int32_t") || enumTypes.contains(t)) {
      return ValueLayout.JAVA_INT;
    }
    if (t.equals("int64_t") || t.equals("size_t") || t.equals("uint64_t")) {
      return ValueLayout.JAVA_LONG;
    }
    if (t.equals("float")) {
      return ValueLayout.JAVA_FLOAT;
    }
    if (t.equals("double")) {
      return ValueLayout.JAVA_DOUBLE;
    }
    if (t.endsWith("_t")) { // a struct typedef of mos.h held by value (mos_sampling_t in a request)
      try {
        return (MemoryLayout)
            Class.forName("org.mos.ffi." + t).getMethod("layout").invoke(null);
      } catch (ReflectiveOperationException e) {
        // not a struct typedef: fall through to the error below
      }
    }
    throw new AssertionError("BindingsCoverageTest has no mapping for C type '" + cType
        + "': extend expected() (and the bindings)");
  }

  static boolean sameKind(MemoryLayout want, MemoryLayout got) {
    if (want == null || got == null) {
      return want == got;
    }
    if (want instanceof GroupLayout) {
      return got instanceof GroupLayout
          && got.byteSize() == want.byteSize()
          && got.byteAlignment() == want.byteAlignment();
    }
    if (want instanceof AddressLayout) {
      return got instanceof AddressLayout && got.byteSize() == want.byteSize();
    }
    return got instanceof ValueLayout gv
        && want instanceof ValueLayout wv
        && gv.carrier() == wv.carrier()
        && gv.byteSize() == wv.byteSize();
  }

  static Class<?> javaType(MemoryLayout l) {
    return l == null ? void.class : ((ValueLayout) l).carrier();
  }

  @Test
  void everyDeclarationHasAMatchingBinding() throws Exception {
    List<String> problems = new ArrayList<>();
    for (Decl d : decls.values()) {
      Method descriptorMethod;
      try {
        descriptorMethod = mos_h.class.getMethod(d.name() + "$descriptor");
      } catch (NoSuchMethodException ex) {
        problems.add("missing binding for " + d.text());
        continue;
      }
      FunctionDescriptor fd;
      try {
        fd = (FunctionDescriptor) descriptorMethod.invoke(null);
      } catch (java.lang.reflect.InvocationTargetException ex) {
        problems.add(d.name() + ": binding cannot initialise (" + ex.getCause() + "); library: "
            + MosLibrary.source());
        continue;
      }
      MemoryLayout wantRet = expected(d.returnType());
      Optional<MemoryLayout> gotRet = fd.returnLayout();
      if (!sameKind(wantRet, gotRet.orElse(null))) {
        problems.add(d.name() + ": return type " + d.returnType() + " wants " + wantRet
            + " but the binding has " + gotRet.map(Object::toString).orElse("void"));
      }
      List<MemoryLayout> gotArgs = fd.argumentLayouts();
      if (gotArgs.size() != d.paramTypes().size()) {
        problems.add(d.name() + ": header has " + d.paramTypes().size() + " parameters "
            + d.paramTypes() + " but the binding has " + gotArgs.size());
        continue;
      }
      Class<?>[] javaParams = new Class<?>[gotArgs.size()];
      for (int i = 0; i < gotArgs.size(); i++) {
        MemoryLayout want = expected(d.paramTypes().get(i));
        if (!sameKind(want, gotArgs.get(i))) {
          problems.add(d.name() + ": parameter " + i + " (" + d.paramTypes().get(i) + ") wants "
              + want + " but the binding has " + gotArgs.get(i));
        }
        javaParams[i] = javaType(want);
      }
      try {
        Method call = mos_h.class.getMethod(d.name(), javaParams);
        if (!Modifier.isStatic(call.getModifiers()) || call.getReturnType() != javaType(wantRet)) {
          problems.add(d.name() + ": static method returns " + call.getReturnType() + ", expected "
              + javaType(wantRet));
        }
      } catch (NoSuchMethodException ex) {
        problems.add(d.name() + ": no static method " + d.name() + Arrays.toString(javaParams));
      }
    }
    if (!problems.isEmpty()) {
      fail(problems.size() + " binding problem(s); regenerate (scripts/regen-bindings.sh) or fix "
          + "mos_h.java by hand:\n  " + String.join("\n  ", problems));
    }
  }

  @Test
  void noBindingWithoutADeclaration() {
    Set<String> extra = new TreeSet<>();
    for (Method m : mos_h.class.getMethods()) {
      if (m.getName().endsWith("$descriptor")) {
        String fn = m.getName().substring(0, m.getName().length() - "$descriptor".length());
        if (!decls.containsKey(fn)) {
          extra.add(fn);
        }
      }
    }
    assertTrue(extra.isEmpty(), "bindings for functions that mos.h no longer declares: " + extra);
  }

  @Test
  void enumConstantsAndMacrosMatchTheHeader() throws Exception {
    Map<String, Integer> constants = new LinkedHashMap<>();
    Matcher blocks = Pattern.compile("typedef\\s+enum\\s+\\w*\\s*\\{([^}]*)\\}").matcher(header);
    while (blocks.find()) {
      Matcher v = Pattern.compile("(MOS_\\w+)\\s*=\\s*(-?\\d+)").matcher(blocks.group(1));
      while (v.find()) {
        constants.put(v.group(1), Integer.parseInt(v.group(2)));
      }
    }
    Matcher macros =
        Pattern.compile("#define\\s+(MOS_ABI_VERSION_\\w+)\\s+(\\d+)").matcher(header);
    while (macros.find()) {
      constants.put(macros.group(1), Integer.parseInt(macros.group(2)));
    }
    assertTrue(
        constants.containsKey("MOS_STATUS_OK") && constants.containsKey("MOS_ABI_VERSION_MAJOR"),
        "parser found no enums/macros: " + constants.keySet());
    List<String> problems = new ArrayList<>();
    for (var c : constants.entrySet()) {
      try {
        int got = (int) mos_h.class.getMethod(c.getKey()).invoke(null);
        if (got != c.getValue()) {
          problems.add(c.getKey() + " is " + c.getValue() + " in mos.h but " + got + " in mos_h");
        }
      } catch (NoSuchMethodException ex) {
        problems.add("missing constant " + c.getKey() + " = " + c.getValue());
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void everyStructHasAClassWithTheHeadersLayout() throws Exception {
    Matcher s = Pattern.compile("typedef\\s+struct\\s+(\\w+)\\s*\\{([^}]*)\\}\\s*(\\w+)\\s*;")
        .matcher(header);
    List<String> problems = new ArrayList<>();
    int structs = 0;
    while (s.find()) {
      structs++;
      String tag = s.group(1);
      String typedef = s.group(3);
      Class<?> cls;
      try {
        cls = Class.forName("org.mos.ffi." + tag);
      } catch (ClassNotFoundException e) {
        problems.add("struct " + tag + ": no class org.mos.ffi." + tag);
        continue;
      }
      try {
        if (Class.forName("org.mos.ffi." + typedef).getSuperclass() != cls) {
          problems.add(typedef + " does not extend " + tag);
        }
      } catch (ClassNotFoundException e) {
        problems.add("typedef " + typedef + ": no class org.mos.ffi." + typedef);
      }
      GroupLayout layout = (GroupLayout) cls.getMethod("layout").invoke(null);
      // jextract pads with padding layouts where C aligns: those are not fields.
      List<MemoryLayout> got = layout.memberLayouts().stream()
          .filter(m -> !(m instanceof PaddingLayout))
          .toList();
      List<String[]> fields = new ArrayList<>();
      String body = s.group(2).replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
      for (String decl : body.split(";")) {
        String d = decl.trim().replaceAll("\\s+", " ");
        if (!d.isEmpty()) {
          int sp = d.lastIndexOf(' ');
          fields.add(new String[] {d.substring(0, sp), d.substring(sp + 1)});
        }
      }
      if (got.size() != fields.size()) {
        problems.add(tag + ": header has " + fields.size() + " fields but the class " + got.size());
        continue;
      }
      long offset = 0;
      for (int i = 0; i < fields.size(); i++) {
        String type = fields.get(i)[0];
        String name = fields.get(i)[1];
        MemoryLayout want = expected(type);
        offset = (offset + want.byteAlignment() - 1) / want.byteAlignment() * want.byteAlignment();
        MemoryLayout member = got.get(i);
        if (!member.name().equals(Optional.of(name)) || !sameKind(want, member)) {
          problems.add(
              tag + " field " + i + ": header has " + type + " " + name + ", the class " + member);
        }
        long at = (long) cls.getMethod(name + "$offset").invoke(null);
        if (at != offset) {
          problems.add(tag + "." + name + " at offset " + at + ", C puts it at " + offset);
        }
        offset += want.byteSize();
      }
      long align =
          fields.stream().mapToLong(f -> expected(f[0]).byteAlignment()).max().orElse(1);
      long size = (offset + align - 1) / align * align;
      if (layout.byteSize() != size) {
        problems.add(tag + ": " + layout.byteSize() + " bytes in Java, " + size + " in C");
      }
    }
    assertTrue(structs > 0, "parser found no struct in mos.h");
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void everySymbolResolvesInTheBuiltLibrary() throws Exception {
    Path lib = builtLibrary();
    Assumptions.assumeTrue(
        lib != null,
        "no built libmos at mos.library.path=" + System.getProperty("mos.library.path"));
    List<String> missing = new ArrayList<>();
    for (String fn : decls.keySet()) {
      if (MosLibrary.lookup().find(fn).isEmpty()) {
        missing.add(fn);
      }
    }
    assertTrue(missing.isEmpty(), lib + " does not export " + missing);
    MemorySegment addr =
        (MemorySegment) mos_h.class.getMethod("mos_abi_version$address").invoke(null);
    assertFalse(addr.equals(MemorySegment.NULL));
    assertEquals(
        mos_h.MOS_ABI_VERSION_MAJOR(),
        mos_h.mos_abi_version() / 1000,
        "library ABI " + mos_h.mos_abi_version() + " vs bindings major "
            + mos_h.MOS_ABI_VERSION_MAJOR());
  }
}
