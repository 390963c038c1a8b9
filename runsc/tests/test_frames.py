"""Frames, host lines and message shapes, in process."""
import json
import os
import unittest

import codelab_frames as frames
import codelab_host
import codelab_turn
from tests.harness import cell


class HeaderTest(unittest.TestCase):
    def test_host_header_is_type_cell_and_length(self):
        frame = frames.host_frame(b"O", 7, b"hi")
        self.assertEqual(frame, b"O\x00\x00\x00\x07\x00\x00\x00\x02hi")
        self.assertEqual(frames.HOST_HEADER.size, 9)

    def test_program_header_keeps_five_bytes(self):
        self.assertEqual(frames.program_frame(b"C", b"ok"), b"C\x00\x00\x00\x02ok")

    def test_read_host_frames_splits_and_keeps_the_rest(self):
        data = frames.host_frame(b"K", 0) + frames.host_frame(b"X", 2**31 - 1, b"{}") + b"O\x00"
        self.assertEqual(frames.read_host_frames(data), [(b"K", 0, b""), (b"X", 2**31 - 1, b"{}"), (None, 0, b"O\x00")])

    def test_c_words(self):
        self.assertEqual([codelab_turn.c_outcome(w) for w in (b"ok", b"error", b"exit:0", b"exit:3", b"exit:255")],
                         [0, 1, 0, 3, 255])
        for word in (b"", b"OK", b"exit:", b"exit:256", b"exit:-1", b"exit:03", b"exit:+3", b"exit: 3", b"exit:1x"):
            self.assertIsNone(codelab_turn.c_outcome(word), word)


class HostLinesTest(unittest.TestCase):
    def host(self, max_line=100):
        read, write = os.pipe()
        self.addCleanup(os.close, read)
        self.addCleanup(os.close, write)
        return codelab_host.Host(read, write, max_line=max_line)

    def test_lines_split_across_reads(self):
        host = self.host()
        for chunk in (b'{"a"', b': 1}\n{"b": 2}\n{"c', b'": 3}\n'):
            host.split(chunk)
        self.assertEqual(list(host.items), [b'{"a": 1}', b'{"b": 2}', b'{"c": 3}'])

    def test_a_long_line_is_refused_and_skipped_to_its_newline(self):
        host = self.host(max_line=10)
        host.split(b"x" * 8)
        host.split(b"y" * 8)
        host.split(b"z" * 1000)
        host.split(b"z\nok\n" + b"w" * 11 + b"\nfine\n")
        items = list(host.items)
        self.assertEqual(items, ["line over 10 bytes", b"ok", "line over 10 bytes", b"fine"])
        self.assertEqual(len(host.partial), 0)

    def test_a_line_of_exactly_the_bound_passes(self):
        host = self.host(max_line=10)
        host.split(b"a" * 10 + b"\n")
        self.assertEqual(list(host.items), [b"a" * 10])

    def test_many_short_lines_in_one_read_are_linear(self):
        host = self.host()
        host.split(b"\n" * 200000)
        self.assertEqual(len(host.items), 200000)


class MessageTest(unittest.TestCase):
    def parse(self, line):
        return codelab_host.parse_line(line)

    def test_valid_messages(self):
        self.assertEqual(self.parse(b'{"type": "warmup"}'), {"type": "warmup"})
        self.assertEqual(self.parse(b'{"type": "interrupt", "id": 3}')["id"], 3)
        self.assertEqual(self.parse(cell(1, "x").rstrip())["code"], "x")

    def test_unusable_lines_have_reasons(self):
        big = 2**31
        for line in (b"", b"\xff\xfe", b"not json", b"[1]", b"null", b'"cell"', b'{}', b'{"type": 1}',
                     b'{"type": "run"}', b'{"type": "interrupt"}', b'{"type": "interrupt", "id": true}',
                     b'{"type": "interrupt", "id": 0}', b'{"type": "interrupt", "id": %d}' % big,
                     b"[" * 200000, b'{"type": "cell", "id": NaN}', b'{"type": "interrupt", "id": 1e400}'):
            self.assertIsInstance(self.parse(line), str, line[:40])

    def test_every_cell_field_is_checked(self):
        base = json.loads(cell(1, "x"))
        broken = {"id": "1", "code": None, "stdin": 5, "keep": "yes", "env": [], "files": {},
                  "limits": {"pids": 1}, "filesOut": None, "richOut": {"figures": -1, "figuresBytes": 1,
                                                                      "displays": 1, "frameBytes": 1}}
        for field, value in broken.items():
            message = dict(base, **{field: value})
            self.assertIn(field, self.parse(json.dumps(message).encode()), field)
            del message[field]
            self.assertIsInstance(self.parse(json.dumps(message).encode()), str, field)
        for env in ({"A=B": "x"}, {"": "x"}, {"A": "\0"}, {"A": 1}):
            self.assertIsInstance(self.parse(json.dumps(dict(base, env=env)).encode()), str, env)
        for files in ([{"path": "../x", "content": ""}], [{"path": "a"}], ["a"], [{"path": "a\\b", "content": ""}]):
            self.assertIsInstance(self.parse(json.dumps(dict(base, files=files)).encode()), str, files)

    def test_the_workspace_field_is_checked(self):
        self.assertEqual(self.parse(cell(1, workspace={"list": True, "read": ["a.txt", "d/\u00e9"],
                                                       "delete": ["b"]}).rstrip())["workspace"]["read"][1], "d/\u00e9")
        base = json.loads(cell(1, filesOut={"maxCount": 2}))
        for workspace in (None, [], {"list": True, "read": []}, {"list": 1, "read": [], "delete": []},
                          {"list": True, "read": [], "delete": [], "write": []},
                          {"list": False, "read": "a", "delete": []}, {"list": False, "read": ["a", "a"], "delete": []},
                          {"list": False, "read": [], "delete": ["../etc/passwd"]},
                          {"list": False, "read": ["/etc/passwd"], "delete": []},
                          {"list": False, "read": [1], "delete": []}, {"list": False, "read": [["a"]], "delete": []},
                          {"list": False, "read": ["a", "b", "c"], "delete": []}):
            problem = self.parse(json.dumps(dict(base, workspace=workspace)).encode())
            self.assertIsInstance(problem, str, workspace)
            self.assertIn("workspace", problem, workspace)


class BundlePayloadTest(unittest.TestCase):
    def test_text_level_problems(self):
        for payload in (b"", b"\xff", b"{", b'{"text/plain": NaN}', b'{"text/plain": "x", "application/json": NaN}',
                        b'{"text/plain": "x", "application/json": Infinity}', b"[" * 200000,
                        b'{"text/plain": "x", "application/json": ' + b"[" * 65 + b"]" * 65 + b"}"):
            self.assertIsNotNone(frames.bundle_payload_problem(payload), payload[:40])

    def test_large_numbers_are_json(self):
        payload = b'{"text/plain": "x", "application/json": [' + b"9" * 100000 + b", 1e999]}"
        self.assertIsNone(frames.bundle_payload_problem(payload))

    def test_a_vegalite_object(self):
        payload = json.dumps({"text/plain": "chart", "application/vnd.vegalite.v5+json": {"mark": "bar"}}).encode()
        self.assertIsNone(frames.bundle_payload_problem(payload))


class TextTest(unittest.TestCase):
    def test_shown_paths_obey_the_rule(self):
        for path in ("a\nb", "\udcff\udcfe", "a\\b", "a" * 300, "x/" * 20 + "y", "\u00e9" * 200, "..", "a//b/",
                     "/".join(["\u00e9" * 200] * 3), "\ufeff", ""):
            shown = frames.shown_path(path)
            self.assertIsNone(frames.path_problem(shown), (path[:20], shown))

    def test_printable_text(self):
        self.assertEqual(frames.printable_text("a\nb\u2028c\udcff"), "a?b?c?")
        self.assertEqual(len(frames.printable_text("x" * 500)), 200)
        self.assertEqual(frames.printable_text(b"caf\xc3\xa9 \xff"), "caf\u00e9 \ufffd")

    def test_cut_utf8_never_splits_a_character(self):
        data = frames.cut_utf8("\u00e9" * 150)
        self.assertEqual(len(data), 200)
        data.decode("utf-8")
        self.assertEqual(len(frames.cut_utf8("\U0001FAE0" * 60)), 200)


if __name__ == "__main__":
    unittest.main()
