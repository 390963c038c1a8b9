package dev.codelab.sandbox.runtime;

import dev.codelab.sandbox.RealSandboxTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.codelab.sandbox.Api.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cell behaves as in Jupyter: display(), rich results, the stack a data-science course imports. */
@QuarkusTest
@Tag("sandbox")
class NotebookTest extends RealSandboxTest {

    @Test
    void displayShowsEachObjectInEveryFormItOffers() {
        JsonPath run = run("""
                import pandas as pd, matplotlib.pyplot as plt
                from IPython.display import HTML, Markdown
                display(pd.DataFrame({'x': [1, 2]}))
                fig = plt.figure(); plt.plot([1, 2])
                display(fig)
                plt.close(fig)
                display(HTML('<b>bold</b>'), Markdown('# title'))
                """);
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        List<Map<String, Object>> displays = run.getList("displays.data");
        assertEquals(4, displays.size());
        assertTrue(((String) displays.get(0).get("text/html")).contains("<table"), "a DataFrame's HTML table");
        assertTrue(((String) displays.get(0).get("text/plain")).contains("x"));
        byte[] png = Base64.getDecoder().decode((String) displays.get(1).get("image/png"));
        assertEquals('P', png[1], "a figure's PNG");
        assertEquals("<b>bold</b>", displays.get(2).get("text/html"));
        assertEquals("# title", displays.get(3).get("text/markdown"));
        displays.forEach(bundle -> assertTrue(bundle.get("text/plain") instanceof String, "text/plain always"));
        assertEquals(List.of(), run.getList("figures"), "a closed figure is not shown again");
    }

    @Test
    void aNotebookThatAsksForSvgFiguresGetsThem() {
        for (String asking : List.of("%config InlineBackend.figure_format = 'svg'",
                "from IPython.display import set_matplotlib_formats\nset_matplotlib_formats('svg')",
                "from matplotlib_inline.backend_inline import set_matplotlib_formats\nset_matplotlib_formats('svg')")) {
            JsonPath run = run(asking + "\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()");
            assertEquals("ok", run.getString("status"), run.getString("stderr"));
            assertEquals(List.of(), run.getList("figures"), asking);
            String svg = run.getString("displays[0].data['image/svg+xml']");
            assertTrue(svg != null && svg.contains("<svg"), asking + ": " + run.prettify());
            assertTrue(run.getString("displays[0].data['text/plain']").startsWith("<Figure size"), asking);
        }
        assertEquals("image/png", run("import matplotlib.pyplot as plt\nplt.plot([1])").getString("figures[0].mimeType"),
                "PNG unless asked");
    }

    @Test
    void tutorialDatasetsLoadWithoutANetwork() {
        JsonPath run = run("""
                from sklearn.datasets import load_iris, load_wine, load_digits
                from vega_datasets import local_data
                print(load_iris().data.shape, load_wine().data.shape, load_digits().data.shape)
                print(local_data.iris().shape, local_data.cars().shape, local_data.stocks().shape)""");
        assertEquals("(150, 4) (178, 13) (1797, 64)\n(150, 5) (406, 9) (560, 3)\n", run.getString("stdout"),
                run.getString("stderr"));
    }

    @Test
    void anObjectWithOnlyAMarkdownFormIsShownAsMarkdown() {
        JsonPath run = run("""
                class Note:
                    def _repr_markdown_(self):
                        return '*noted*'
                display(Note())
                Note()
                """);
        assertEquals("*noted*", run.getString("displays[0].data.'text/markdown'"));
        assertEquals("*noted*", run.getString("result.'text/markdown'"), "the last expression gets the same bundle");
        assertTrue(run.getString("result.'text/plain'").startsWith("<__main__.Note object"));
    }

    @Test
    void theLastExpressionOffersLatexJsonAndSvgForms() {
        JsonPath run = run("""
                class Rich:
                    def _repr_latex_(self): return '$x^2$'
                    def _repr_json_(self): return {'k': [1, 2]}
                    def _repr_svg_(self): return '<svg/>'
                Rich()
                """);
        assertEquals("$x^2$", run.getString("result.'text/latex'"));
        assertEquals(List.of(1, 2), run.getList("result.'application/json'.k"));
        assertEquals("<svg/>", run.getString("result.'image/svg+xml'"));
    }

    @Test
    void theCellIsTheRealMainModuleAndItsTracebackShowsOnlyTheCell() {
        JsonPath run = run("""
                import pickle, sys
                class Point:
                    pass
                print(__name__, type(pickle.loads(pickle.dumps(Point()))).__name__, sys.modules['__main__'].Point is Point)
                def fail():
                    return 1 / 0
                fail()
                """);
        assertEquals("__main__ Point True\n", run.getString("stdout"));
        String traceback = run.getString("stderr");
        assertTrue(traceback.contains("File \"<cell>\", line 7, in <module>"), traceback);
        assertTrue(traceback.contains("File \"<cell>\", line 6, in fail\n    return 1 / 0"), traceback);
        assertFalse(traceback.contains("codelab"), "no frame of the service's own code: " + traceback);
    }

    @Test
    void aPoolOfFourMapsACellFunctionOverCellObjectsUnderTheDefaultLimits() {
        JsonPath run = run("""
                from multiprocessing import Pool
                class Point:
                    def __init__(self, x):
                        self.x = x
                def square(point):
                    return point.x * point.x
                if __name__ == '__main__':
                    with Pool(4) as pool:
                        print(pool.map(square, [Point(i) for i in range(5)]))
                """);
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        assertEquals("[0, 1, 4, 9, 16]\n", run.getString("stdout"));
    }

    @Test
    void everyPackageOfTheStackImportsUnderTheDefaultLimits() {
        JsonPath run = run("""
                import numpy, pandas, matplotlib, scipy, sympy, sklearn, seaborn, statsmodels.api, openpyxl
                import networkx, bs4, tabulate, PIL, IPython
                from sklearn.linear_model import LinearRegression
                model = LinearRegression().fit(numpy.arange(10).reshape(-1, 1), numpy.arange(10) * 2.0)
                round(float(model.coef_[0]), 6)
                """);
        assertEquals("ok", run.getString("status"), run.getString("stderr"));
        assertEquals("2.0", run.getString("result.'text/plain'"));
    }

    @Test
    void excelWorkbooksGoOutAndComeBackIn() {
        JsonPath written = run("""
                import openpyxl
                book = openpyxl.Workbook()
                book.active.append(['name', 'score'])
                book.active.append(['ada', 42])
                book.save('scores.xlsx')
                """);
        assertEquals("ok", written.getString("status"), written.getString("stderr"));
        assertEquals("scores.xlsx", written.getString("files[0].path"));
        JsonPath read = run("import pandas as pd\nprint(pd.read_excel('scores.xlsx').to_dict('records'))",
                "files", List.of(Map.of("path", "scores.xlsx", "content", written.getString("files[0].content"),
                        "encoding", "base64")));
        assertEquals("[{'name': 'ada', 'score': 42}]\n", read.getString("stdout"), read.getString("stderr"));
    }
}
