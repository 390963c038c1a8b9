"""Notebook syntax and rich output in the real program (codelab_magics, codelab_display,
codelab_errors, codelab_capture), behind the real supervisor on the host: each magic, `;`, display
ids and clear_output, `_ipython_display_`, partial lines, and errors as a notebook shows them.
(tqdm, which the host may not have, is test_transcripts' preloaded kernel's.)
"""
import json
import unittest

from tests.harness import Kernel, by_cell, cell, error_of, exit_of, real_program, temp_dir, text_of


def payloads(frames, cell_id, kind):
    return [json.loads(payload) if kind != b"B" else payload for k, payload in by_cell(frames, cell_id) if k == kind]


class NotebookTest(unittest.TestCase):
    def setUp(self):
        self.workspace = temp_dir(self)

    def cells(self, *codes):
        steps = []
        for number, code in enumerate(codes, 1):
            steps += [cell(number, code), ("wait", b"X", number)]
        frames = Kernel(real_program(self.workspace), workspace=self.workspace).run(steps)
        for number in range(1, len(codes) + 1):
            self.assertFalse(exit_of(frames, number)["ended"], number)
            self.assertIsNone(exit_of(frames, number)["problem"], number)
        return frames

    def test_matplotlib_inline_and_a_trailing_semicolon(self):
        frames = self.cells("%matplotlib inline\nx = 6 * 7\nx;", "x  # shown", "x; # hidden, comment and all",
                            "'a;b'")
        self.assertEqual([payloads(frames, n, b"R") for n in (1, 2, 3, 4)],
                         [[], [{"text/plain": "42"}], [], [{"text/plain": "'a;b'"}]])
        self.assertEqual([exit_of(frames, n)["exitCode"] for n in (1, 2, 3, 4)], [0, 0, 0, 0])

    def test_time_and_timeit(self):
        frames = self.cells("%time y = sum(range(10))\n%time y + 1", "%%time\nz = 2\nz * 3",
                            "%timeit -n 3 -r 2 sum(range(10))", "%%timeit -n 2 -r 1 w = 5\nw * 2")
        self.assertEqual(payloads(frames, 1, b"R"), [{"text/plain": "46"}])
        self.assertEqual(text_of(frames, 1).count("CPU times: user "), 2)
        self.assertEqual(text_of(frames, 1).count("Wall time: "), 2)
        self.assertEqual(payloads(frames, 2, b"R"), [{"text/plain": "6"}])
        self.assertRegex(text_of(frames, 3), r"^\S+ \S+ ± \S+ \S+ per loop \(mean ± std\. dev\. of 2 runs, 3 loops each\)\n$")
        self.assertRegex(text_of(frames, 4), r"per loop \(mean ± std\. dev\. of 1 run, 2 loops each\)\n$")

    def test_installing_and_the_shell_are_usage_errors(self):
        frames = self.cells("%pip install requests", "!ls -l", "x = 1\nif x:\n    !pwd", "%%bash\nls", "%conda list",
                            "%nosuchmagic", "%%nosuchcell\n1")
        for number in range(1, 8):
            error = error_of(frames, number)
            self.assertEqual(error["ename"], "UsageError", number)
            self.assertEqual(error["traceback"], ["UsageError: " + error["evalue"]], number)
            self.assertEqual(exit_of(frames, number)["exitCode"], 1, number)
        self.assertIn("packages come from the sandbox's image", error_of(frames, 1)["evalue"])
        self.assertIn("shell commands are not available", error_of(frames, 2)["evalue"])
        self.assertEqual(error_of(frames, 6)["evalue"], "Line magic function `%nosuchmagic` not found.")

    def test_a_traceback_shows_the_cells_lines_only(self):
        frames = self.cells("%matplotlib inline\ndef f():\n    return 1 / 0\n%time f()",
                            "%%time\nx = 1\nraise ValueError('v')")
        lines = error_of(frames, 1)["traceback"]
        self.assertEqual([line for line in lines if line.startswith("  File")],
                         ['  File "<cell>", line 4, in <module>', '  File "<cell>", line 3, in f'])
        self.assertEqual(lines[lines.index('  File "<cell>", line 4, in <module>') + 1], "    %time f()")
        self.assertFalse(any("codelab" in line for line in lines), lines)
        lines = error_of(frames, 2)["traceback"]
        self.assertEqual([line for line in lines if line.startswith("  File")], ['  File "<cell>", line 3, in <module>'])
        self.assertEqual(lines[-1], "ValueError: v")

    def test_a_syntax_error_names_the_cells_line(self):
        frames = self.cells("%matplotlib inline\nx = (1,\ny = 2 +")
        error = error_of(frames, 1)
        self.assertEqual(error["ename"], "SyntaxError")
        self.assertIn('  File "<cell>", line 2', error["traceback"])

    def test_capture_keeps_output_until_shown(self):
        frames = self.cells("%%capture out\nprint('quiet')\ndisplay('shown later')\n1",
                            "print(repr(out.stdout))\nout.show()", "%%capture\nprint('gone')")
        self.assertEqual((text_of(frames, 1), payloads(frames, 1, b"D"), payloads(frames, 1, b"R")), ("", [], []))
        self.assertEqual(text_of(frames, 2), "'quiet\\n'\nquiet\n")
        self.assertEqual(payloads(frames, 2, b"D"), [{"text/plain": "'shown later'"}])
        self.assertEqual(text_of(frames, 3), "")

    def test_writefile_and_text_cells(self):
        frames = self.cells("%%writefile notes.txt\nhello", "print(open('notes.txt').read(), end='')",
                            "%%html\n<b>bold</b>", "%pwd")
        self.assertEqual(text_of(frames, 1), "Writing notes.txt\n")
        self.assertEqual(text_of(frames, 2), "hello\n")
        self.assertEqual(payloads(frames, 3, b"D"), [{"text/html": "<b>bold</b>", "text/plain": "<b>bold</b>"}])
        self.assertEqual(payloads(frames, 4, b"R"), [{"text/plain": repr(self.workspace)}])

    def test_a_display_with_an_id_is_updated_where_it_is(self):
        frames = self.cells("from IPython.display import update_display\nh = display('step 0', display_id=True)\nh.update('step 1')\n"
                            "update_display('step 2', display_id=h.display_id)\nh",
                            "from IPython.display import display, clear_output, update_display\n"
                            "display('kept', display_id='fixed')\nclear_output(wait=True)\nclear_output()\n"
                            "update_display('new', display_id='fixed')")
        sent = payloads(frames, 1, b"U")
        handle = sent[0]["id"]
        self.assertRegex(handle, r"^[0-9a-f]{32}$")
        self.assertEqual(sent, [{"id": handle, "update": False, "data": {"text/plain": "'step 0'"}},
                                {"id": handle, "update": True, "data": {"text/plain": "'step 1'"}},
                                {"id": handle, "update": True, "data": {"text/plain": "'step 2'"}}])
        self.assertEqual(payloads(frames, 1, b"R"), [{"text/plain": "<DisplayHandle display_id=%s>" % handle}])
        self.assertEqual([k for k, _ in by_cell(frames, 2) if k in b"UB"], [b"U", b"B", b"B", b"U"])
        self.assertEqual(payloads(frames, 2, b"B"), [b"wait", b"now"])
        self.assertEqual(text_of(frames, 2), "")  # no ANSI escapes

    def test_objects_that_display_themselves_and_json_bundles(self):
        frames = self.cells("class Chart:\n"
                            "    def _repr_mimebundle_(self, include=None, exclude=None):\n"
                            "        return {'application/vnd.vegalite.v5+json': {'mark': 'bar', 'data': [1, 2]},"
                            " 'application/vnd.plotly.v1+json': [{'x': 1}]}\n"
                            "class Self:\n    def _ipython_display_(self):\n        display('drawn by itself')\n"
                            "display(Chart())\nSelf()")
        self.assertEqual(payloads(frames, 1, b"D")[0]["application/vnd.vegalite.v5+json"],
                         {"mark": "bar", "data": [1, 2]})
        self.assertEqual(payloads(frames, 1, b"D")[1], {"text/plain": "'drawn by itself'"})
        self.assertEqual(payloads(frames, 1, b"R"), [])

    def test_a_partial_line_is_shown_before_the_line_ends(self):
        frames = self.cells("import time\nprint('.', end='')\ntime.sleep(1)\nprint('!')")
        outputs = [payload for kind, payload in by_cell(frames, 1) if kind == b"O"]
        self.assertEqual(outputs, [b".", b"!\n"])
