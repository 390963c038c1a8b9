"""The supervisor's message loop and turn, against fake programs (forked children on the host that
write chosen bytes on their channels). Process ending is the safe one (the program's group)."""
import json
import os
import signal
import time
import unittest
from unittest import mock

import codelab_frames
import codelab_supervisor
import codelab_workspace
from tests.harness import (Kernel, WARMUP, by_cell, cell, check_order, exit_of, fake, interrupt, text_of)

PNG = codelab_frames.PNG_MAGIC + b"rest"


def bundle(text="x", **more):
    return json.dumps({"text/plain": text, **more}).encode()


def run(script, steps, **options):
    return Kernel(fake(script), **options).run(steps)


class RunTest(unittest.TestCase):
    """keep: false: the program's exit is the cell's end."""

    def test_output_display_and_order(self):
        def script(channel, message):
            os.write(1, b"out\n")
            channel.frame(b"D", bundle("shown"))
            channel.ack()
            os.write(2, b"err\n")
            channel.frame(b"F", PNG)
            channel.ack()
            channel.frame(b"R", bundle("42"))
            channel.ack()
            return 0
        frames = run(script, [cell(1, keep=False), ("wait", b"X", 1)])
        check_order(self, frames, 1)
        self.assertEqual([k for k, _ in by_cell(frames, 1)], [b"O", b"D", b"E", b"F", b"R", b"C", b"W", b"X"])
        self.assertEqual(exit_of(frames, 1), {"exitCode": 0, "signal": None, "limit": None, "problem": None,
                                              "ended": True})

    def test_stdin_is_fed_and_closed(self):
        def script(channel, message):
            data = b""
            while True:
                chunk = os.read(0, 1 << 16)
                if not chunk:
                    break
                data += chunk
            os.write(1, str(len(data)).encode())
            return 7
        frames = run(script, [cell(1, keep=False, stdin="\u00e9" * 100000), ("wait", b"X", 1)])
        self.assertEqual(text_of(frames, 1), "200000")
        self.assertEqual(exit_of(frames, 1)["exitCode"], 7)

    def test_a_signal_is_reported_from_waitpid(self):
        def script(channel, message):
            os.kill(os.getpid(), signal.SIGTERM)
        frames = run(script, [cell(1, keep=False), ("wait", b"X", 1)])
        self.assertEqual(exit_of(frames, 1)["signal"], signal.SIGTERM)

    def test_a_payload_that_breaks_its_rule_is_an_error_of_that_frame_only(self):
        def script(channel, message):
            channel.frame(b"D", b"[" * 200000)  # a sound header, a payload nested past any rule
            channel.ack()
            os.write(1, b"still here\n")
            channel.frame(b"D", bundle("next"))
            channel.ack()
            return 0
        frames = run(script, [cell(1, keep=False), ("wait", b"X", 1)])
        self.assertEqual(text_of(frames, 1), "still here\n")
        self.assertEqual([json.loads(p)["text/plain"] for k, p in by_cell(frames, 1) if k == b"D"], ["next"])
        report = exit_of(frames, 1)
        self.assertEqual(report["exitCode"], 0)
        self.assertIn("not a mime bundle", report["problem"])

    def test_a_header_that_breaks_the_channel_closes_it_and_the_run_goes_on(self):
        def script(channel, message):
            channel.frame(b"Z", b"junk")
            time.sleep(0.05)
            os.write(1, b"still here\n")
            try:
                channel.frame(b"D", bundle())
            except OSError:
                os.write(1, b"channel gone\n")
            return 0
        frames = run(script, [cell(1, keep=False), ("wait", b"X", 1)])
        self.assertEqual(text_of(frames, 1), "still here\nchannel gone\n")
        report = exit_of(frames, 1)
        self.assertEqual(report["exitCode"], 0)
        self.assertIn("invalid frame", report["problem"])

    def test_frames_after_c_belong_to_the_next_cell(self):
        def script(channel, message):
            channel.frame(b"C", b"ok")
            channel.ack()
            if message["id"] == 1:
                channel.frame(b"D", bundle("late"))  # a thread of the user's, between cells
                channel.ack()
        frames = run(script, [cell(1), ("wait", b"X", 1), ("sleep", 0.1), cell(2), ("wait", b"X", 2)])
        self.assertEqual([k for k, _ in by_cell(frames, 2)], [b"D", b"C", b"W", b"X"])

    def test_a_bad_payload_leaves_the_session_alive(self):
        def script(channel, message):
            if message["id"] == 1:
                channel.frame(b"D", json.dumps({"text/plain": "x", "application/json": [[[[]]]]}).encode()[:-3])
                channel.ack()
            channel.frame(b"C", b"ok")
            channel.ack()
        frames = run(script, [cell(1), ("wait", b"X", 1), cell(2), ("wait", b"X", 2)])
        first = exit_of(frames, 1)
        self.assertFalse(first["ended"])
        self.assertIn("not a mime bundle", first["problem"])
        self.assertEqual(exit_of(frames, 2), {"exitCode": 0, "signal": None, "limit": None, "problem": None,
                                              "ended": False})

    def test_a_broken_channel_ends_the_session_not_the_supervisor(self):
        def script(channel, message):
            channel.frame(b"Z", b"a header no rule knows")
            time.sleep(30)
        frames = run(script, [cell(1), ("wait", b"X", 1), cell(2), ("wait", b"X", 2), WARMUP, b"x\n",
                              ("wait", b"P")])
        report = exit_of(frames, 1)
        self.assertTrue(report["ended"])
        self.assertEqual(report["signal"], signal.SIGKILL)
        self.assertIn("invalid frame", report["problem"])
        self.assertEqual(exit_of(frames, 2), {"exitCode": None, "signal": signal.SIGKILL, "limit": None,
                                              "problem": "the program had ended before the cell", "ended": True})
        self.assertEqual(frames[-1], (b"P", 0, b"not JSON"))  # no K: there is no program to warm up

    def test_a_vegalite_display_passes(self):
        def script(channel, message):
            channel.frame(b"D", bundle("chart", **{"application/vnd.vegalite.v5+json": {"mark": "bar",
                                                                                        "data": {"values": []}}}))
            channel.ack()
            channel.frame(b"C", b"ok")
            channel.ack()
        frames = run(script, [cell(1), ("wait", b"X", 1)])
        self.assertEqual([k for k, _ in by_cell(frames, 1)], [b"D", b"C", b"W", b"X"])
        self.assertIsNone(exit_of(frames, 1)["problem"])

    def test_a_program_gone_between_cells(self):
        def script(channel, message):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            channel.frame(b"C", b"ok")
            channel.ack()
        frames = run(script, [cell(1), ("wait", b"X", 1), ("signal", signal.SIGTERM), ("sleep", 0.3), cell(2),
                              ("wait", b"X", 2), cell(3), ("wait", b"X", 3)])
        self.assertFalse(exit_of(frames, 1)["ended"])
        report = exit_of(frames, 2)
        self.assertEqual((report["signal"], report["ended"]), (signal.SIGTERM, True))
        self.assertIn("had ended", report["problem"])
        check_order(self, frames, 2)
        self.assertEqual(exit_of(frames, 3), report)

    def test_the_end_of_stdin_during_a_cell(self):
        def script(channel, message):
            time.sleep(30)
        started = time.monotonic()
        frames = run(script, [cell(1), ("sleep", 0.1)])
        self.assertLess(time.monotonic() - started, 5)
        check_order(self, frames, 1)
        self.assertTrue(exit_of(frames, 1)["ended"])

    def test_a_long_host_line_is_refused_and_the_next_served(self):
        def script(channel, message):
            channel.frame(b"C", b"ok")
            channel.ack()
        frames = run(script, [b"{" + b" " * 5000, b" " * 5000 + b"\n", cell(1), ("wait", b"X", 1)], max_line=4096)
        self.assertEqual(frames[0], (b"P", 0, b"line over 4096 bytes"))
        check_order(self, frames, 1)

    def test_files_not_base64_are_refused(self):
        def script(channel, message):
            raise AssertionError("not reached")
        frames = run(script, [cell(1, files=[{"path": "a", "content": "!!"}]), ("sleep", 0.1)])
        self.assertEqual(frames, [(b"P", 0, b"cell: files[0].content is not base64")])

    def test_files_report_and_input_digests(self):
        def script(channel, message):
            for entry in message["files"]:
                with open(os.path.join(workspace, entry["path"]), "wb") as out:
                    out.write(codelab_frames.decode_content(entry["content"]))
            with open(os.path.join(workspace, "out \u00e9.txt"), "w") as out:
                out.write("made %d" % message["id"])
            channel.frame(b"C", b"ok")
            channel.ack()
        import tempfile
        workspace = tempfile.mkdtemp()
        given = [{"path": "in put.txt", "content": "eA=="}]
        frames = Kernel(fake(script), workspace=workspace).run(
            [cell(1, files=given), ("wait", b"X", 1), cell(2, files=given), ("wait", b"X", 2)])
        for i in (1, 2):
            report = json.loads(dict(by_cell(frames, i))[b"W"])
            self.assertEqual([f["path"] for f in report["files"]], ["out \u00e9.txt"])


class FailuresTest(unittest.TestCase):
    """A failure of the supervisor's own ends the cell with a problem; it then serves on."""

    @staticmethod
    def ok(channel, message):
        channel.frame(b"D", bundle())
        channel.ack()
        channel.frame(b"C", b"ok")
        channel.ack()

    def test_a_failing_scan(self):
        with mock.patch.object(codelab_workspace.Workspace, "collect", side_effect=RuntimeError("disk on fire")):
            frames = run(self.ok, [cell(1), ("wait", b"X", 1)])
        self.assertEqual(dict(by_cell(frames, 1))[b"W"], b'{"files": [], "omitted": []}')
        self.assertEqual(exit_of(frames, 1)["problem"], "the workspace scan failed: RuntimeError: disk on fire")

    def test_a_failing_turn_kills_the_program_and_says_so(self):
        original = codelab_supervisor.Turn.frame

        def failing(turn, kind, payload):
            if kind == b"D" and turn.cell == 1:
                raise KeyError("boom")
            return original(turn, kind, payload)
        with mock.patch.object(codelab_supervisor.Turn, "frame", failing):
            frames = run(self.ok, [cell(1), ("wait", b"X", 1), cell(2), ("sleep", 0.1)])
        report = exit_of(frames, 1)
        self.assertEqual(report["problem"], "the supervisor failed: KeyError: 'boom'")
        self.assertTrue(report["ended"])
        check_order(self, frames, 1)

    def test_a_failure_between_cells_is_a_refusal(self):
        with mock.patch.object(codelab_supervisor.Supervisor, "warm_up", side_effect=ValueError("odd")):
            frames = run(self.ok, [WARMUP, cell(1), ("wait", b"X", 1)])
        self.assertEqual(frames[0], (b"P", 0, b"the supervisor failed: ValueError: odd"))
        check_order(self, frames, 1)


if __name__ == "__main__":
    unittest.main()
