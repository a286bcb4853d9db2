// SPDX-License-Identifier: Apache-2.0
// The packages of mos-api depend one way: org.mos (the core: contexts, pools, layers, models,
// the bank) <- org.mos.io (adapter files) <- org.mos.train (the trainer, checkpoints). Checked on
// the compiled classes (imports, fully qualified names, signatures alike) with ArchUnit.
package org.mos;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "org.mos", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule packagesDependOneWay = layeredArchitecture()
      .consideringOnlyDependenciesInLayers()
      .layer("core")
      .definedBy("org.mos")
      .layer("io")
      .definedBy("org.mos.io..")
      .layer("train")
      .definedBy("org.mos.train..")
      .whereLayer("train")
      .mayNotBeAccessedByAnyLayer()
      .whereLayer("io")
      .mayOnlyBeAccessedByLayers("train")
      .because("org.mos must not import org.mos.io or org.mos.train, nor org.mos.io org.mos.train:"
          + " a cycle would tie the core to the file formats and the trainer");
}
