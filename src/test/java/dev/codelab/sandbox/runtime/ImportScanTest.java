package dev.codelab.sandbox.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The import scan that picks a run's warm profile: pure logic, the cases a notebook cell has. */
class ImportScanTest {

    private static List<String> scan(String code) {
        return List.copyOf(ImportScan.topLevelModules(code));
    }

    @Test
    void plainImportsNameTheirTopLevelModule() {
        assertEquals(List.of("numpy", "sklearn", "scipy"),
                scan("import numpy as np\nimport sklearn.linear_model as lm\nfrom scipy.stats import norm"));
    }

    @Test
    void severalModulesInOneStatementAndSeveralStatementsOnALine() {
        assertEquals(List.of("os", "seaborn", "sys", "statsmodels"), scan("import os, seaborn as sns, sys\nx = 1; import statsmodels.api as sm"));
    }

    @Test
    void indentedImportsCount() {
        assertEquals(List.of("sklearn", "seaborn"),
                scan("def fit():\n    import sklearn\n    return 1\ntry:\n\tfrom seaborn import scatterplot\nexcept ImportError:\n    pass"));
    }

    @Test
    void commentsDoNotImport() {
        assertEquals(List.of("numpy"), scan("# import sklearn\n  # from seaborn import x\nimport numpy  # and sklearn later"));
    }

    @Test
    void stringsDoNotImport() {
        assertEquals(List.of(), scan("print('import sklearn')\ns = \"from seaborn import x\"\n'import scipy'"));
        assertEquals(List.of("pandas"), scan("doc = \"\"\"\nimport sklearn\nfrom seaborn import x\n\"\"\"\nimport pandas\n"
                + "x = '''\nimport scipy\n'''"));
        assertEquals(List.of("os"), scan("s = 'a; import sklearn'; import os\nt = \"it\\\"s; import scipy\""));
    }

    @Test
    void aSemicolonAfterAClosingTripleQuoteStartsAStatement() {
        assertEquals(List.of("sklearn"), scan("x = '''\ntext\n'''; import sklearn"));
    }

    @Test
    void relativeAndDynamicImportsNameNoInstalledModule() {
        assertEquals(List.of(), scan("from . import sklearn\nfrom .seaborn import x\nm = __import__('sklearn')"));
        assertEquals(List.of("importlib"), scan("import importlib\nimportlib.import_module('sklearn')"));
    }

    @Test
    void namesThatOnlyLookLikeImportsAreNot() {
        assertEquals(List.of("sklearnx"), scan("import_time = 3\nimported = 1\nfrom sklearnx import y\nfromage = 2"));
    }

    @Test
    void parenthesisedNamesAfterFromImport() {
        assertEquals(List.of("sklearn"), scan("from sklearn.linear_model import (\n    LinearRegression,\n    Ridge)"));
    }

    @Test
    void theProfileIsTheSmallestThatCoversTheImports() {
        WarmProfile base = new WarmProfile("base", List.of("numpy"), Set.of(), null);
        WarmProfile ml = new WarmProfile("ml", List.of("numpy", "sklearn"), Set.of("sklearn", "seaborn"), null);
        LanguageRuntime python = new LanguageRuntime("python", null, List.of(base, ml), List.of());
        assertEquals("base", python.pick("import numpy\nprint(1)").name());
        assertEquals("ml", python.pick("import numpy\nfrom sklearn.cluster import KMeans").name());
        assertEquals("base", python.pick("# import seaborn\nprint('import sklearn')").name());
    }
}
