"""The real program (codelab_program) behind the real supervisor, on the host: cells, sessions,
interrupts, input files and displays. Its jail is left out here (test_transcripts has it)."""
import base64
import json
import os
import unittest

from tests.harness import (Kernel, WARMUP, by_cell, cell, check_order, error_of, exit_of, interrupt, real_program,
                           temp_dir, text_of, traceback_of)


def b64(text):
    return base64.b64encode(text.encode()).decode()


class ProgramTest(unittest.TestCase):
    def setUp(self):
        self.workspace = temp_dir(self)

    def run_kernel(self, steps):
        return Kernel(real_program(self.workspace), workspace=self.workspace).run(steps)

    def test_a_run_with_stdin_files_in_and_out(self):
        code = ("import sys\nprint(sys.stdin.read().upper())\n"
                "open('out \u00e9 \U0001FAE0.txt', 'w').write(open('in put/d\u00e9j\u00e0 vu.txt').read() * 2)\n6 * 7")
        frames = self.run_kernel([cell(1, code, keep=False, stdin="abc",
                                       files=[{"path": "in put/d\u00e9j\u00e0 vu.txt", "content": b64("xy")}]),
                                  ("wait", b"X", 1)])
        check_order(self, frames, 1, started=True)
        self.assertEqual(text_of(frames, 1), "ABC\n")
        self.assertEqual(json.loads(dict(by_cell(frames, 1))[b"R"]), {"text/plain": "42"})
        report = json.loads(dict(by_cell(frames, 1))[b"W"])
        self.assertEqual(report["files"], [{"path": "out \u00e9 \U0001FAE0.txt", "size": 4, "encoding": "base64",
                                            "content": b64("xyxy")}])
        self.assertEqual(exit_of(frames, 1), {"exitCode": 0, "signal": None, "limit": None, "problem": None,
                                              "ended": True})

    def test_a_raising_run(self):
        frames = self.run_kernel([cell(1, "print('before')\n1 / 0", keep=False), ("wait", b"X", 1)])
        error = error_of(frames, 1)
        self.assertEqual((error["ename"], error["evalue"]), ("ZeroDivisionError", "division by zero"))
        self.assertEqual(error["traceback"][:3] + error["traceback"][-1:], [  # (carets between, as Python draws them)
            "Traceback (most recent call last):", '  File "<cell>", line 2, in <module>', "    1 / 0",
            "ZeroDivisionError: division by zero"])
        self.assertEqual(text_of(frames, 1, b"E"), "")
        self.assertEqual(exit_of(frames, 1)["exitCode"], 1)

    def test_sys_exit_in_a_run_and_its_message(self):
        frames = self.run_kernel([cell(1, "import sys\nsys.exit('bye')", keep=False), ("wait", b"X", 1)])
        self.assertEqual((exit_of(frames, 1)["exitCode"], text_of(frames, 1, b"E")), (1, "bye\n"))

    def test_a_session_keeps_state_and_sys_exit_is_a_cell_end(self):
        frames = self.run_kernel([cell(1, "x = 41"), ("wait", b"X", 1),
                                  cell(2, "import sys\nsys.exit(3)"), ("wait", b"X", 2),
                                  cell(3, "x + 1", stdin="line\n"), ("wait", b"X", 3),
                                  cell(4, "input()"), ("wait", b"X", 4),
                                  cell(5, "raise SystemExit(256 + 7)"), ("wait", b"X", 5)])
        self.assertEqual([exit_of(frames, i)["exitCode"] for i in range(1, 6)], [0, 3, 0, 1, 7])
        self.assertEqual(json.loads(dict(by_cell(frames, 3))[b"R"]), {"text/plain": "42"})
        self.assertEqual(error_of(frames, 4)["ename"], "EOFError")
        self.assertFalse(any(exit_of(frames, i)["ended"] for i in range(1, 6)))

    def test_os_exit_ends_the_session(self):
        frames = self.run_kernel([cell(1, "import os\nos._exit(5)"), ("wait", b"X", 1)])
        report = exit_of(frames, 1)
        self.assertEqual((report["exitCode"], report["ended"], report["problem"]), (5, True, None))

    def test_an_interrupt_then_a_late_one_dropped(self):
        frames = self.run_kernel([cell(1, "import time\nwhile True:\n    time.sleep(0.01)"), ("sleep", 0.3),
                                  interrupt(1), ("wait", b"X", 1), interrupt(1), cell(2, "'fine'"),
                                  ("wait", b"X", 2)])
        stderr = traceback_of(frames, 1)
        self.assertTrue(stderr.endswith("KeyboardInterrupt\n"), stderr)
        self.assertIn('File "<cell>", line 3', stderr)
        self.assertNotIn("codelab", stderr)
        self.assertEqual(exit_of(frames, 1)["exitCode"], 1)
        self.assertEqual(exit_of(frames, 2)["exitCode"], 0)
        self.assertEqual(json.loads(dict(by_cell(frames, 2))[b"R"]), {"text/plain": "'fine'"})

    def test_an_interrupt_before_the_code_starts_is_not_lost(self):
        frames = self.run_kernel([cell(1, "x = 1"), ("wait", b"X", 1),
                                  cell(2, "import time\ntime.sleep(20)") + interrupt(2), ("wait", b"X", 2),
                                  cell(3, "x"), ("wait", b"X", 3)])
        self.assertEqual(error_of(frames, 2)["ename"], "KeyboardInterrupt")
        self.assertEqual(exit_of(frames, 2)["exitCode"], 1)
        self.assertEqual(exit_of(frames, 3)["exitCode"], 0)

    def test_an_interrupt_sent_with_its_cells_line_is_never_lost(self):
        # Each interrupt comes in the same write as its cell's line, while the program may still be
        # finishing the cell before: the supervisor holds it until the cell's S. A lost one would
        # leave its cell asleep, and the wait for its X would fail.
        steps = [cell(1, "import time\nslept = 0"), ("wait", b"X", 1)]
        for i in range(2, 52):
            steps += [cell(i, "slept += 1\ntime.sleep(30)\nprint('not interrupted')") + interrupt(i),
                      ("wait", b"X", i)]
        steps += [cell(52, "slept"), ("wait", b"X", 52)]
        frames = Kernel(real_program(self.workspace), workspace=self.workspace, timeout=60).run(steps)
        for i in range(2, 52):
            check_order(self, frames, i, started=True)
            stderr = traceback_of(frames, i)
            self.assertTrue(stderr.endswith("KeyboardInterrupt\n"), (i, stderr))
            self.assertNotIn("codelab", stderr, i)
            self.assertEqual(exit_of(frames, i), {"exitCode": 1, "signal": None, "limit": None, "problem": None,
                                                  "ended": False}, i)
        self.assertEqual(text_of(frames, 52), "")
        result = json.loads(dict(by_cell(frames, 52))[b"R"])["text/plain"]
        self.assertLessEqual(int(result), 50)  # an interrupt may come before `slept += 1`, never a second one
        self.assertEqual(exit_of(frames, 52)["exitCode"], 0)  # the kernel alive, no interrupt left over

    def test_a_sigint_handled_between_cells_is_dropped_at_the_next_s(self):
        # As a late interrupt would be (the supervisor signalled before it read the cell's C): held
        # outside the code, and dropped when the next cell's S goes out.
        frames = self.run_kernel([cell(1, "import os, signal, threading\n"
                                          "threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()"),
                                  ("wait", b"X", 1), ("sleep", 0.6), cell(2, "import time\ntime.sleep(0.2)\n'fine'"),
                                  ("wait", b"X", 2)])
        self.assertEqual(exit_of(frames, 1)["exitCode"], 0)
        self.assertEqual(text_of(frames, 2, b"E"), "")
        self.assertEqual(exit_of(frames, 2)["exitCode"], 0)
        self.assertEqual(json.loads(dict(by_cell(frames, 2))[b"R"]), {"text/plain": "'fine'"})

    def test_s_comes_before_the_cells_output_and_a_late_interrupt_waits_for_no_s(self):
        frames = self.run_kernel([cell(1, "print('one')"), ("wait", b"X", 1), interrupt(1),
                                  cell(2, "import sys\nprint('two')\nprint('err', file=sys.stderr)\n2"),
                                  ("wait", b"X", 2)])
        self.assertEqual([k for k, _ in by_cell(frames, 1)], [b"S", b"O", b"C", b"W", b"X"])
        self.assertEqual(by_cell(frames, 1)[0], (b"S", b""))
        kinds = [k for k, _ in by_cell(frames, 2)]
        self.assertEqual(kinds[0], b"S", kinds)
        check_order(self, frames, 2, started=True)
        self.assertEqual((text_of(frames, 2), text_of(frames, 2, b"E")), ("two\n", "err\n"))
        self.assertEqual(exit_of(frames, 2)["exitCode"], 0)

    def test_interrupts_racing_the_ends_of_cells_never_end_the_program(self):
        steps = []
        for i in range(1, 41):
            steps += [cell(i, "sum(range(%d))" % (i * 500)), ("sleep", 0.001 * (i % 4)), interrupt(i),
                      ("wait", b"X", i)]
        frames = self.run_kernel(steps)
        for i in range(1, 41):
            report = exit_of(frames, i)
            self.assertFalse(report["ended"], (i, report))
            self.assertIsNone(report["problem"], (i, report))
            self.assertIn(report["exitCode"], (0, 1))
            check_order(self, frames, i, started=True)

    def test_input_files_that_cannot_be_written(self):
        frames = self.run_kernel([
            cell(1, "import os\nos.mkdir('data')\nopen('plain', 'w').write('x')"), ("wait", b"X", 1),
            cell(2, "print('ran')", files=[{"path": "data", "content": b64("x")}]), ("wait", b"X", 2),
            cell(3, "print('ran')", files=[{"path": "plain/under", "content": b64("x")}]), ("wait", b"X", 3),
            cell(4, "print('after')", files=[{"path": "d\u00e9j\u00e0 vu/ok.txt", "content": b64("x")}]),
            ("wait", b"X", 4)])
        self.assertEqual(exit_of(frames, 2), {"exitCode": 1, "signal": None, "limit": None, "ended": False,
                                              "problem": "input file 'data': Is a directory"})
        self.assertEqual(exit_of(frames, 3)["problem"], "input file 'plain/under': Not a directory")
        self.assertEqual(text_of(frames, 2) + text_of(frames, 3), "")
        for i in (2, 3):
            check_order(self, frames, i, started=False)  # no S: the cell's code never ran
        check_order(self, frames, 4, started=True)
        self.assertEqual(exit_of(frames, 4)["exitCode"], 0)
        self.assertEqual(text_of(frames, 4), "after\n")

    def test_an_input_file_over_the_file_size_limit_of_a_later_cell(self):
        big = [{"path": "big.bin", "content": base64.b64encode(b"x" * 5000).decode()}]
        frames = self.run_kernel([cell(1, "1", files=big, limits={"fileBytes": 4096}), ("wait", b"X", 1),
                                  cell(2, "1", files=big), ("wait", b"X", 2)])
        self.assertIsNone(exit_of(frames, 1)["problem"])  # the first cell's files come before its rlimits
        self.assertEqual(exit_of(frames, 2)["problem"], "input file 'big.bin': File too large")

    def test_an_unwritable_input_file_in_a_run(self):
        os.mkdir(os.path.join(self.workspace, "data"))
        frames = self.run_kernel([cell(1, "print('ran')", keep=False, files=[{"path": "data", "content": ""}]),
                                  ("wait", b"X", 1)])
        report = exit_of(frames, 1)
        self.assertEqual((report["exitCode"], report["ended"], report["problem"]),
                         (1, True, "input file 'data': Is a directory"))
        check_order(self, frames, 1, started=False)

    def test_displays_that_break_the_rule_are_shown_within_it(self):
        code = '''
class Odd:
    def _repr_mimebundle_(self, include=None, exclude=None):
        entries = {"text/html": {"not": "a string"}, "application/json": float("nan"), "nokey": "x"}
        entries.update(("application/x%02d" % i, "v") for i in range(40))
        return entries
    def _repr_html_(self):
        return "<b>odd</b>"
class Chart:
    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"application/vnd.vegalite.v5+json": {"mark": "bar"}, "text/plain": "ignored"}
display(Odd(), Chart())
list(range(400000))
'''
        frames = self.run_kernel([cell(1, code, richOut={"frameBytes": 100000}), ("wait", b"X", 1)])
        displays = [json.loads(p) for k, p in by_cell(frames, 1) if k == b"D"]
        self.assertEqual(len(displays), 2)
        self.assertLessEqual(len(displays[0]), 32)
        self.assertNotIn("text/html", displays[0])
        self.assertEqual(displays[1]["application/vnd.vegalite.v5+json"], {"mark": "bar"})
        result = dict(by_cell(frames, 1))[b"R"]
        self.assertLessEqual(len(result), 100000)
        self.assertTrue(json.loads(result)["text/plain"].endswith("\u2026"))
        self.assertIsNone(exit_of(frames, 1)["problem"])

    def test_a_thread_displaying_between_cells(self):
        code = ("import threading, time\n"
                "def later():\n    time.sleep(0.2)\n    display('late')\n    print('printed late')\n"
                "threading.Thread(target=later).start()")
        frames = self.run_kernel([cell(1, code), ("wait", b"X", 1), ("sleep", 0.5), cell(2, "'next'"),
                                  ("wait", b"X", 2), cell(3, "import time\ntime.sleep(0.3)"), ("wait", b"X", 3)])
        for i in (2, 3):  # sent between cells: held for the next cell's S (and its code may be quicker)
            check_order(self, frames, i, started=True)
            self.assertIsNone(exit_of(frames, i)["problem"])
        self.assertEqual([json.loads(p) for k, c, p in frames if k == b"D"], [{"text/plain": "'late'"}])
        self.assertIn(b"R", [k for k, _ in by_cell(frames, 2)])
        self.assertEqual(text_of(frames, 2) + text_of(frames, 3), "printed late\n")  # after its display's ack
        self.assertEqual([exit_of(frames, i)["exitCode"] for i in (1, 2, 3)], [0, 0, 0])

    def test_a_memory_error_is_claimed(self):
        frames = self.run_kernel([cell(1, "raise MemoryError", keep=False), ("wait", b"X", 1)])
        self.assertEqual(exit_of(frames, 1)["limit"], "memory")

    def test_env_and_warmup(self):
        frames = self.run_kernel([WARMUP, ("wait", b"K"), cell(1, "import os\nos.environ['GREETING']",
                                                              env={"GREETING": "h\u00e9llo"}),
                                  ("wait", b"X", 1), WARMUP, ("wait", b"K"), cell(2, "os.getcwd()"), ("wait", b"X", 2)])
        self.assertEqual(json.loads(dict(by_cell(frames, 1))[b"R"]), {"text/plain": "'h\u00e9llo'"})
        self.assertEqual(json.loads(dict(by_cell(frames, 2))[b"R"]), {"text/plain": repr(self.workspace)})

    def test_closing_the_channel_in_a_session(self):
        frames = self.run_kernel([cell(1, "import os\nos.close(3)"), ("wait", b"X", 1)])
        self.assertTrue(exit_of(frames, 1)["ended"])


if __name__ == "__main__":
    unittest.main()
