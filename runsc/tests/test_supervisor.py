"""The supervisor's message loop and turn, against fake programs (forked children on the host that
write chosen bytes on their channels): a run, a session's cells, and the supervisor's own failures.
Process ending is the safe one (the program's group)."""
import base64
import json
import os
import signal
import time
import unittest
from unittest import mock

import codelab_frames
import codelab_supervisor
import codelab_turn
import codelab_workspace
from tests.harness import (Kernel, WARMUP, by_cell, cell, check_order, exit_of, fake, interrupt, temp_dir,
                           text_of)

PNG = codelab_frames.PNG_MAGIC + b"rest"
ERROR = b'{"ename": "ValueError", "evalue": "v", "traceback": ["ValueError: v"]}'


def bundle(text="x", **more):
    return json.dumps({"text/plain": text, **more}).encode()


def run(script, steps, start=True, **options):
    return Kernel(fake(script, start=start), **options).run(steps)


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
        self.assertEqual([k for k, _ in by_cell(frames, 1)], [b"S", b"O", b"D", b"E", b"F", b"R", b"C", b"W", b"X"])
        self.assertEqual(exit_of(frames, 1), {"exitCode": 0, "signal": None, "limit": None, "problem": None,
                                              "ended": True})

    def test_displays_with_ids_clears_and_the_error_keep_their_order(self):
        def script(channel, message):
            for kind, payload in ((b"U", b'{"id": "p", "update": false, "data": {"text/plain": "0%"}}'),
                                  (b"U", b'{"id": "p", "update": true, "data": {"text/plain": "50%"}}'),
                                  (b"B", b"wait"), (b"D", bundle("after")), (b"V", ERROR)):
                channel.frame(kind, payload)
                channel.ack()
                os.write(1, kind)
            return 1
        frames = run(script, [cell(1, keep=False, richOut={"displays": 1}), ("wait", b"X", 1)])
        check_order(self, frames, 1)
        kinds = [k for k, _ in by_cell(frames, 1)]
        self.assertEqual(kinds, [b"S", b"U", b"O", b"U", b"O", b"B", b"O", b"O", b"V", b"O", b"C", b"W", b"X"])
        self.assertEqual(text_of(frames, 1), "UUBDV")  # the D over the display cap (1) dropped; an update is not counted
        self.assertEqual(exit_of(frames, 1)["problem"], None)

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

    def test_a_vegalite_display_passes(self):
        def script(channel, message):
            channel.frame(b"D", bundle("chart", **{"application/vnd.vegalite.v5+json": {"mark": "bar",
                                                                                        "data": {"values": []}}}))
            channel.ack()
            channel.frame(b"C", b"ok")
            channel.ack()
        frames = run(script, [cell(1), ("wait", b"X", 1)])
        self.assertEqual([k for k, _ in by_cell(frames, 1)], [b"S", b"D", b"C", b"W", b"X"])
        self.assertIsNone(exit_of(frames, 1)["problem"])

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
        workspace = temp_dir(self)
        given = [{"path": "in put.txt", "content": "eA=="}]
        frames = Kernel(fake(script), workspace=workspace).run(
            [cell(1, files=given), ("wait", b"X", 1), cell(2, files=given), ("wait", b"X", 2)])
        for i in (1, 2):
            report = json.loads(dict(by_cell(frames, i))[b"W"])
            self.assertEqual([f["path"] for f in report["files"]], ["out \u00e9.txt"])


def end(channel, word=b"ok"):
    """The fake program's end of a session's cell: C, and its ack."""
    channel.frame(b"C", word)
    channel.ack()


def kinds_of(frames, cell_id):
    return [kind for kind, _ in by_cell(frames, cell_id)]


def payloads(frames, cell_id, kind):
    return [json.loads(payload) for k, payload in by_cell(frames, cell_id) if k == kind]


CLEAN = {"exitCode": 0, "signal": None, "limit": None, "problem": None, "ended": False}


class SessionTest(unittest.TestCase):
    """keep: true: a kernel of many cells whose program lives on between them (PROTOCOL.md, "A kernel
    and its cells"): cells numbered upwards, interrupts by id, host lines held while a cell runs,
    warm-ups between cells, and a program that ended answering every later cell at once."""

    def test_cells_share_one_program_and_their_c_words_are_their_exit_codes(self):
        words = {1: b"ok", 2: b"error", 3: b"exit:3", 4: b"exit:0", 5: b"exit:255"}

        def script(channel, message):
            os.write(1, b"%d" % os.getpid())
            end(channel, words[message["id"]])
        steps = []
        for cell_id in words:
            steps += [cell(cell_id), ("wait", b"X", cell_id)]
        frames = run(script, steps)
        self.assertEqual([exit_of(frames, i) for i in words],
                         [dict(CLEAN, exitCode=code) for code in (0, 1, 3, 0, 255)])
        self.assertEqual(len({text_of(frames, i) for i in words}), 1)  # one program, alive throughout
        for cell_id in words:
            check_order(self, frames, cell_id)

    def test_a_session_cell_gets_its_stdin_in_its_message_not_on_a_pipe(self):
        def script(channel, message):
            os.write(1, b"pipe %r, message %r" % (os.read(0, 100), message["stdin"].encode()))
            end(channel)
        frames = run(script, [cell(1, stdin="abc"), ("wait", b"X", 1), cell(2, stdin="d"), ("wait", b"X", 2)])
        self.assertEqual(text_of(frames, 1), "pipe b'', message b'abc'")
        self.assertEqual(text_of(frames, 2), "pipe b'', message b'd'")

    def test_an_interrupt_reaches_only_its_running_cell(self):
        def script(channel, message):
            if message["id"] == 1:
                def stop(*_):
                    raise KeyboardInterrupt
                signal.signal(signal.SIGINT, stop)
                started = time.monotonic()
                os.write(1, b"started\n")
                try:
                    time.sleep(10)
                except KeyboardInterrupt:
                    os.write(1, b"interrupted after %.1f s\n" % (time.monotonic() - started))
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                end(channel, b"error")
            else:
                end(channel)
        frames = run(script, [cell(1), ("wait", b"O", 1), interrupt(2), interrupt(99), ("sleep", 0.6),
                              interrupt(1), ("wait", b"X", 1), cell(2), ("wait", b"X", 2)])
        lines = text_of(frames, 1).splitlines()
        self.assertEqual(lines[0], "started")
        self.assertGreaterEqual(float(lines[1].split()[2]), 0.5, lines)  # not before interrupt(1) was sent
        self.assertEqual(exit_of(frames, 1), dict(CLEAN, exitCode=1))
        self.assertEqual(exit_of(frames, 2), CLEAN)
        self.assertNotIn(b"P", [kind for kind, _, _ in frames])  # dropped silently

    def test_an_interrupt_before_the_cells_s_waits_for_it(self):
        def script(channel, message):
            caught = []
            signal.signal(signal.SIGINT, lambda *_: caught.append(1))
            time.sleep(0.3)  # the interrupt came with the line: held by the supervisor
            before = len(caught)
            channel.frame(b"S")
            deadline = time.monotonic() + 5
            while not caught and time.monotonic() < deadline:
                time.sleep(0.01)
            os.write(1, b"before S %d, after %d\n" % (before, len(caught)))
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            end(channel, b"error")
        frames = run(script, [cell(1) + interrupt(1), ("wait", b"X", 1)], start=False)
        self.assertEqual(kinds_of(frames, 1), [b"S", b"O", b"C", b"W", b"X"])
        self.assertEqual(text_of(frames, 1), "before S 0, after 1\n")
        self.assertEqual(exit_of(frames, 1), dict(CLEAN, exitCode=1))

    def test_output_waits_for_s_and_a_cell_without_one_has_none(self):
        def script(channel, message):
            if message["id"] == 2:  # its input files could not be written: no S
                os.write(1, b"printed between cells\n")
                caught = []
                signal.signal(signal.SIGINT, lambda *_: caught.append(1))
                channel.frame(b"P", b"input file 'data': Is a directory")
                channel.ack()
                time.sleep(0.3)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                os.write(1, b"signals %d\n" % len(caught))
                end(channel, b"error")
                return
            os.write(2, b"early ")
            time.sleep(0.2)
            channel.frame(b"S")
            os.write(2, b"late\n")
            end(channel)
        frames = run(script, [cell(1), ("wait", b"X", 1), cell(2) + interrupt(2), ("wait", b"X", 2),
                              cell(3), ("wait", b"X", 3)], start=False)
        for cell_id in (1, 3):
            check_order(self, frames, cell_id, started=True)  # S, then the output printed before it
            self.assertEqual(text_of(frames, cell_id, b"E"), "early late\n")
        self.assertEqual(kinds_of(frames, 2), [b"C", b"W", b"X"])  # its interrupt was dropped, never sent
        self.assertEqual(exit_of(frames, 2), dict(CLEAN, exitCode=1, problem="input file 'data': Is a directory"))
        self.assertEqual(text_of(frames, 3), "printed between cells\nsignals 0\n")  # waited for the next S
        self.assertEqual(text_of(frames, 3, b"E"), "early late\n")

    def test_a_late_interrupt_is_dropped_silently(self):
        caught = []

        def script(channel, message):
            if message["id"] == 1:
                signal.signal(signal.SIGINT, lambda *_: caught.append(1))
            else:
                os.write(1, b"waiting\n")
                time.sleep(0.4)
                os.write(1, b"signals %d\n" % len(caught))
            end(channel)
        frames = run(script, [cell(1), ("wait", b"X", 1), interrupt(1), ("sleep", 0.3), cell(2), ("wait", b"O", 2),
                              interrupt(1), ("wait", b"X", 2)])
        self.assertEqual(text_of(frames, 2), "waiting\nsignals 0\n")
        self.assertEqual(exit_of(frames, 2), CLEAN)
        self.assertEqual([cell_id for _, cell_id, _ in frames], [1] * 4 + [2] * (len(frames) - 4))  # no P

    def test_lines_during_a_cell_are_refused_after_its_x(self):
        def script(channel, message):
            if message["id"] == 1:
                os.write(1, b"started\n")
                time.sleep(0.5)
            end(channel)
        frames = run(script, [cell(1), ("wait", b"O", 1), b"nonsense\n", cell(2), WARMUP, interrupt(7),
                              ("wait", b"X", 1), cell(2), ("wait", b"X", 2)])
        self.assertEqual([(kind, cell_id) for kind, cell_id, _ in frames],
                         [(b"S", 1), (b"O", 1), (b"C", 1), (b"W", 1), (b"X", 1), (b"P", 0), (b"P", 0), (b"P", 0),
                          (b"S", 2), (b"C", 2), (b"W", 2), (b"X", 2)])
        self.assertEqual([payload for kind, _, payload in frames if kind == b"P"],
                         [b"not JSON", b"a cell while one runs", b"a warm-up while a cell runs"])
        self.assertEqual(exit_of(frames, 2), CLEAN)  # the refused cell did not take its id

    def test_refusals_held_during_a_cell_are_capped(self):
        def script(channel, message):
            if message["id"] == 1:
                os.write(1, b"started\n")
                time.sleep(0.5)
            end(channel)
        frames = run(script, [cell(1), ("wait", b"O", 1), b"x\n" * 40, ("wait", b"X", 1), cell(2), ("wait", b"X", 2)])
        refusals = [cell_id for kind, cell_id, _ in frames if kind == b"P"]
        self.assertEqual(refusals, [0] * codelab_supervisor.MAX_REFUSALS)
        self.assertEqual(exit_of(frames, 2), CLEAN)

    def test_cell_ids_must_rise(self):
        def script(channel, message):
            os.write(1, b"ran %d" % message["id"])
            end(channel)
        frames = run(script, [cell(5), ("wait", b"X", 5), cell(5), cell(3), ("sleep", 0.2), cell(6), ("wait", b"X", 6)])
        self.assertEqual([(kind, cell_id) for kind, cell_id, _ in frames],
                         [(b"S", 5), (b"O", 5), (b"C", 5), (b"W", 5), (b"X", 5), (b"P", 0), (b"P", 0),
                          (b"S", 6), (b"O", 6), (b"C", 6), (b"W", 6), (b"X", 6)])
        self.assertEqual([payload for kind, _, payload in frames if kind == b"P"],
                         [b"cell: id 5 is not above the last one (5)", b"cell: id 3 is not above the last one (5)"])
        self.assertEqual(text_of(frames, 6), "ran 6")

    def test_warm_ups_between_cells(self):
        ran = []

        def script(channel, message):
            ran.append(message["id"])
            os.write(1, b"cells %r" % ran)
            end(channel)
        frames = run(script, [WARMUP, ("wait", b"K"), cell(1), ("wait", b"X", 1), WARMUP, cell(2), ("wait", b"X", 2),
                              WARMUP + cell(3), ("wait", b"X", 3)])  # a cell waits for the warm-up before it
        self.assertEqual([(kind, cell_id) for kind, cell_id, _ in frames],
                         [(b"K", 0), (b"S", 1), (b"O", 1), (b"C", 1), (b"W", 1), (b"X", 1),
                          (b"K", 0), (b"S", 2), (b"O", 2), (b"C", 2), (b"W", 2), (b"X", 2),
                          (b"K", 0), (b"S", 3), (b"O", 3), (b"C", 3), (b"W", 3), (b"X", 3)])
        self.assertEqual(text_of(frames, 3), "cells [1, 2, 3]")  # the program's state outlives its warm-ups
        self.assertEqual([exit_of(frames, i) for i in (1, 2, 3)], [CLEAN] * 3)

    def test_no_k_from_a_program_that_has_ended(self):
        def script(channel, message):
            return 9  # the program exits in its cell, without C
        frames = run(script, [cell(1), ("wait", b"X", 1), WARMUP, cell(2), ("wait", b"X", 2), WARMUP, b"x\n",
                              ("wait", b"P")])
        self.assertEqual(exit_of(frames, 1), {"exitCode": 9, "signal": None, "limit": None, "problem": None,
                                              "ended": True})
        self.assertEqual(exit_of(frames, 2), {"exitCode": 9, "signal": None, "limit": None, "ended": True,
                                              "problem": "the program had ended before the cell"})
        self.assertNotIn(b"K", [kind for kind, _, _ in frames])
        self.assertEqual(frames[-1], (b"P", 0, b"not JSON"))  # the warm-ups were read, and answered by nothing

    def test_a_session_whose_program_ended_answers_each_later_cell_at_once(self):
        def script(channel, message):
            os.write(1, b"last words\n")
            return 4
        started = time.monotonic()
        frames = run(script, [cell(1), ("wait", b"X", 1), cell(2), ("wait", b"X", 2), cell(3), ("wait", b"X", 3)])
        self.assertLess(time.monotonic() - started, 3)
        self.assertEqual(text_of(frames, 1), "last words\n")
        self.assertEqual(exit_of(frames, 1), {"exitCode": 4, "signal": None, "limit": None, "problem": None,
                                              "ended": True})
        for cell_id in (2, 3):
            self.assertEqual(kinds_of(frames, cell_id), [b"C", b"W", b"X"])
            self.assertEqual(dict(by_cell(frames, cell_id))[b"W"], b'{"files": [], "omitted": []}')
            self.assertEqual(exit_of(frames, cell_id), {"exitCode": 4, "signal": None, "limit": None, "ended": True,
                                                        "problem": "the program had ended before the cell"})

    def test_a_program_gone_between_cells(self):
        def script(channel, message):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            end(channel)
        frames = run(script, [cell(1), ("wait", b"X", 1), ("signal", signal.SIGTERM), ("sleep", 0.3), cell(2),
                              ("wait", b"X", 2), cell(3), ("wait", b"X", 3)])
        self.assertEqual(exit_of(frames, 1), CLEAN)
        report = exit_of(frames, 2)
        self.assertEqual(report, {"exitCode": None, "signal": signal.SIGTERM, "limit": None, "ended": True,
                                  "problem": "the program had ended before the cell"})
        check_order(self, frames, 2)
        self.assertEqual(exit_of(frames, 3), report)

    def test_a_display_before_the_cells_s_is_dropped_and_named(self):
        def script(channel, message):
            end(channel)
            if message["id"] == 1:
                channel.frame(b"D", bundle("late"))  # between cells (the real program holds it for the next S)
                channel.ack()
        frames = run(script, [cell(1), ("wait", b"X", 1), ("sleep", 0.1), cell(2), ("wait", b"X", 2),
                              cell(3), ("wait", b"X", 3)])
        self.assertEqual(kinds_of(frames, 1), [b"S", b"C", b"W", b"X"])
        self.assertEqual(kinds_of(frames, 2), [b"S", b"C", b"W", b"X"])
        self.assertEqual(exit_of(frames, 2),  # acked, and the program's C for cell 2 came after
                         dict(CLEAN, problem="the program sent a display before its cell's code started"))
        self.assertEqual(exit_of(frames, 3), CLEAN)

    def test_frames_between_cells_met_by_a_warm_up_are_acked_and_dropped(self):
        def script(channel, message):
            if message["id"] == 2:
                os.write(1, b"after\n")
            end(channel)
            if message["id"] == 1:
                channel.frame(b"D", bundle("late"))
                channel.frame(b"P", b"a late word")
                channel.ack()  # waits until the warm-up reads them
                channel.ack()
        frames = run(script, [cell(1), ("wait", b"X", 1), ("sleep", 0.1), WARMUP, ("wait", b"K"), cell(2),
                              ("wait", b"X", 2)])
        self.assertEqual([(kind, cell_id) for kind, cell_id, _ in frames],
                         [(b"S", 1), (b"C", 1), (b"W", 1), (b"X", 1), (b"K", 0), (b"S", 2), (b"O", 2), (b"C", 2),
                          (b"W", 2), (b"X", 2)])
        self.assertEqual(exit_of(frames, 2), CLEAN)

    def test_a_bad_payload_leaves_the_session_alive(self):
        def script(channel, message):
            os.write(1, b"%d " % os.getpid())
            if message["id"] == 1:
                channel.frame(b"D", json.dumps({"text/plain": "x", "application/json": [[[[]]]]}).encode()[:-3])
                channel.ack()
            end(channel)
        frames = run(script, [cell(1), ("wait", b"X", 1), cell(2), ("wait", b"X", 2)])
        first = exit_of(frames, 1)
        self.assertEqual((first["exitCode"], first["ended"]), (0, False))
        self.assertTrue(first["problem"].startswith("the program sent a display that is not a mime bundle: not JSON"),
                        first)
        self.assertEqual(kinds_of(frames, 1), [b"S", b"O", b"C", b"W", b"X"])  # the display dropped
        self.assertEqual(exit_of(frames, 2), CLEAN)
        self.assertEqual(text_of(frames, 1), text_of(frames, 2))  # the same program

    def test_each_payload_rule_costs_its_frame_only(self):
        deep = {"text/plain": "x", "application/json": json.loads("[" * 70 + "]" * 70)}
        cases = [
            ("a display without text/plain", [(b"D", b'{"text/html": "<b>"}')],
             "the program sent a display that is not a mime bundle: no text/plain string"),
            ("a display nested too deep", [(b"D", json.dumps(deep).encode())],
             "the program sent a display that is not a mime bundle: nested over 64 deep"),
            ("a display with NaN", [(b"D", b'{"text/plain": "x", "application/json": NaN}')],
             "the program sent a display that is not a mime bundle: not JSON (NaN is not JSON)"),
            ("a result that is not an object", [(b"R", b"[]")],
             "the program sent a display that is not a mime bundle: not a JSON object"),
            ("a figure that is not a PNG", [(b"F", b"GIF89a")], "the program sent a figure that is not a PNG"),
            ("an unknown limit claim", [(b"L", b"disk")], "the program claimed an unknown limit"),
            ("a second result", [(b"R", bundle("1")), (b"R", bundle("2"))], "the program sent a second result"),
            ("the program's own problem", [(b"P", b"the program's machinery failed: \x01x")],
             "the program's machinery failed: ?x"),
            ("the first problem counts", [(b"F", b"x"), (b"L", b"disk")],
             "the program sent a figure that is not a PNG"),
            ("a display id with a control character", [(b"U", b'{"id": "a\\u0001", "update": false, "data": '
                                                               b'{"text/plain": "x"}}')],
             "the program sent a display with an id that breaks its rule: a display id has a refused character"),
            ("a display id over 128 characters", [(b"U", json.dumps({"id": "i" * 129, "update": True, "data": {
                "text/plain": "x"}}).encode())],
             "the program sent a display with an id that breaks its rule: a display id is not a string of 1 to 128"
             " characters"),
            ("an update that is not a boolean", [(b"U", b'{"id": "a", "update": 1, "data": {"text/plain": "x"}}')],
             "the program sent a display with an id that breaks its rule: update is not true or false"),
            ("a clear that is neither now nor wait", [(b"B", b"later")],
             "the program sent a clear_output that is neither now nor wait"),
            ("an error without its traceback", [(b"V", b'{"ename": "E", "evalue": ""}')],
             "the program sent an error that breaks its rule: not an object of ename, evalue and traceback"),
            ("an error whose traceback holds a number", [(b"V", b'{"ename": "E", "evalue": "", "traceback": [1]}')],
             "the program sent an error that breaks its rule: traceback is not a list of at most 1000 strings"),
            ("a second error", [(b"V", ERROR), (b"V", ERROR)], "the program sent a second error"),
        ]
        for name, sent, problem in cases:
            with self.subTest(name):
                def script(channel, message):
                    os.write(1, b"%d " % os.getpid())
                    if message["id"] == 1:
                        for kind, payload in sent:
                            channel.frame(kind, payload)
                            channel.ack()
                    channel.frame(b"D", bundle("shown %d" % message["id"]))
                    channel.ack()
                    end(channel)
                frames = run(script, [cell(1), ("wait", b"X", 1), cell(2), ("wait", b"X", 2)])
                self.assertEqual(exit_of(frames, 1), dict(CLEAN, problem=problem))
                self.assertEqual(payloads(frames, 1, b"D"), [{"text/plain": "shown 1"}])
                self.assertNotIn(b"F", kinds_of(frames, 1))
                self.assertEqual(payloads(frames, 1, b"R"), [{"text/plain": "1"}] if name == "a second result" else [])
                self.assertEqual(payloads(frames, 1, b"V"), [json.loads(ERROR)] if name == "a second error" else [])
                self.assertNotIn(b"U", kinds_of(frames, 1))
                self.assertNotIn(b"B", kinds_of(frames, 1))
                self.assertEqual(exit_of(frames, 2), CLEAN)  # the problem was the cell's, not the session's
                self.assertEqual(payloads(frames, 2, b"D"), [{"text/plain": "shown 2"}])
                self.assertEqual(text_of(frames, 1), text_of(frames, 2))

    def test_a_header_that_breaks_the_channel_ends_the_session(self):
        cases = [
            ("an invalid C word", codelab_frames.program_frame(b"C", b"exit:x"),
             "the program ended its cell with an invalid word"),
            ("a frame over frameBytes", codelab_frames.PROGRAM_HEADER.pack(b"D", 5000),
             "the program sent a frame over 100 bytes"),
            ("a K inside a cell", codelab_frames.program_frame(b"K"),
             "the program's display channel carried an invalid frame"),
            ("a second S", codelab_frames.program_frame(b"S"), "the program started its cell's code twice"),
            ("an S with a payload", codelab_frames.program_frame(b"S", b"x"),
             "the program's display channel carried an invalid frame"),
        ]
        for name, data, problem in cases:
            with self.subTest(name):
                def script(channel, message):
                    channel.raw(data)
                    time.sleep(30)
                frames = run(script, [cell(1, richOut={"frameBytes": 100}), ("wait", b"X", 1), cell(2),
                                      ("wait", b"X", 2)])
                self.assertEqual(exit_of(frames, 1), {"exitCode": None, "signal": signal.SIGKILL, "limit": None,
                                                      "problem": problem, "ended": True})
                self.assertEqual(exit_of(frames, 2)["problem"], "the program had ended before the cell")

    def test_an_s_between_cells_breaks_the_channel(self):
        def script(channel, message):
            if message["id"] == 1:  # C and an S after it, in one write: the supervisor reads them together
                channel.raw(codelab_frames.program_frame(b"C", b"ok") + codelab_frames.program_frame(b"S"))
                channel.ack()
            time.sleep(30)
        frames = run(script, [cell(1), ("wait", b"X", 1), cell(2), ("wait", b"X", 2)])
        self.assertEqual(exit_of(frames, 1), CLEAN)
        self.assertEqual(kinds_of(frames, 2), [b"C", b"W", b"X"])
        self.assertEqual(exit_of(frames, 2), {"exitCode": None, "signal": signal.SIGKILL, "limit": None,
                                              "problem": "the program started a cell's code between cells",
                                              "ended": True})

    def test_an_s_met_by_a_warm_up_breaks_the_channel(self):
        def script(channel, message):
            end(channel)
            channel.frame(b"S")
            time.sleep(30)
        frames = run(script, [cell(1), ("wait", b"X", 1), ("sleep", 0.1), WARMUP, ("sleep", 0.3), cell(2),
                              ("wait", b"X", 2)])
        self.assertNotIn(b"K", [kind for kind, _, _ in frames])
        self.assertEqual(exit_of(frames, 2)["problem"], "the program had ended before the cell")

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

    def test_the_output_budget_is_each_cells_and_ends_no_session(self):
        def script(channel, message):
            channel.frame(b"D", bundle("y" * 40))
            channel.ack()
            os.write(1, b"printed %d\n" % message["id"])
            end(channel)
        frames = run(script, [cell(1, limits={"outputBytes": 20}), ("wait", b"X", 1), cell(2), ("wait", b"X", 2)])
        self.assertEqual(kinds_of(frames, 1), [b"S", b"T", b"C", b"W", b"X"])  # the display and what follows: not sent
        self.assertEqual(exit_of(frames, 1), CLEAN)
        self.assertEqual(kinds_of(frames, 2), [b"S", b"D", b"O", b"C", b"W", b"X"])
        self.assertEqual(text_of(frames, 2), "printed 2\n")

    def test_a_limit_claim_is_its_cells_own(self):
        def script(channel, message):
            if message["id"] == 1:
                for claim in (b"pids", b"memory"):
                    channel.frame(b"L", claim)
                    channel.ack()
            end(channel, b"error" if message["id"] == 1 else b"ok")
        frames = run(script, [cell(1), ("wait", b"X", 1), cell(2), ("wait", b"X", 2)])
        self.assertEqual(exit_of(frames, 1), dict(CLEAN, exitCode=1, limit="pids"))  # the first claim counts
        self.assertEqual(exit_of(frames, 2), CLEAN)

    def test_each_files_report_holds_what_changed_since_the_last(self):
        workspace = temp_dir(self)
        writes = {1: {"a.txt": b"one"}, 2: {}, 3: {"a.txt": b"three", "b.txt": b"new"}}

        def script(channel, message):
            for name, content in writes[message["id"]].items():
                with open(os.path.join(workspace, name), "wb") as out:
                    out.write(content)
            end(channel)
        frames = Kernel(fake(script), workspace=workspace).run(
            [step for i in (1, 2, 3) for step in (cell(i), ("wait", b"X", i))])
        reports = [payloads(frames, i, b"W")[0] for i in (1, 2, 3)]
        self.assertEqual([[(f["path"], base64.b64decode(f["content"])) for f in r["files"]] for r in reports],
                         [[("a.txt", b"one")], [], [("a.txt", b"three"), ("b.txt", b"new")]])


class FileOperationsTest(unittest.TestCase):
    """A cell's `workspace`: the supervisor answers it in W after C, whatever the program says."""

    def test_deletes_come_first_then_reads_and_the_listing(self):
        def script(channel, message):
            for entry in message["files"]:  # as the program writes input files, after the supervisor looked
                with open(os.path.join(workspace, entry["path"]), "wb") as out:
                    out.write(codelab_frames.decode_content(entry["content"]))
            channel.frame(b"C", b"ok")
            channel.ack()
        workspace = temp_dir(self)
        with open(os.path.join(workspace, "old.txt"), "wb") as out:
            out.write(b"before")
        with open(os.path.join(workspace, "gone.txt"), "wb") as out:
            out.write(b"bye")
        given = [{"path": "old.txt", "content": "bmV3"}, {"path": "new.txt", "content": "AP8="}]
        ops = {"list": True, "read": ["gone.txt", "new.txt", "none"], "delete": ["gone.txt", "none"]}
        frames = Kernel(fake(script), workspace=workspace).run(
            [cell(1, files=given, workspace=ops), ("wait", b"X", 1), cell(2), ("wait", b"X", 2)])
        answer = json.loads(dict(by_cell(frames, 1))[b"W"])["workspace"]
        self.assertEqual(answer["replaced"], ["old.txt"])
        self.assertEqual(answer["deleted"], ["gone.txt"])
        self.assertEqual([(f["path"], base64.b64decode(f["content"])) for f in answer["read"]], [("new.txt", b"\0\xff")])
        self.assertEqual(answer["unread"], [{"path": "gone.txt", "reason": "no such file"},
                                            {"path": "none", "reason": "no such file"}])
        self.assertEqual(answer["listing"], {"files": [{"path": "new.txt", "size": 2}, {"path": "old.txt", "size": 3}],
                                             "omitted": []})
        self.assertNotIn("workspace", json.loads(dict(by_cell(frames, 2))[b"W"]), "only when asked")
        self.assertIsNone(exit_of(frames, 1)["problem"])


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
        original = codelab_turn.Turn.frame

        def failing(turn, kind, payload):
            if kind == b"D" and turn.cell == 1:
                raise KeyError("boom")
            return original(turn, kind, payload)
        with mock.patch.object(codelab_turn.Turn, "frame", failing):
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
