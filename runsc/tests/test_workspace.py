"""The files report on a temporary workspace: what changed is returned, the rest omitted with a
reason, and a session's later scans read only what changed."""
import base64
import os
import time
import unittest
from unittest import mock

import codelab_frames
import codelab_workspace
from codelab_workspace import Workspace
from tests.harness import temp_dir

CAPS = {"maxDepth": 4, "maxCount": 64, "maxFileBytes": 1 << 20, "maxTotalBytes": 1 << 22}


class WorkspaceTest(unittest.TestCase):
    def setUp(self):
        self.root = temp_dir(self)
        self.workspace = Workspace(self.root)

    def write(self, path, content=b"x"):
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as out:
            out.write(content)

    def collect(self, caps=None, inputs=None):
        return self.workspace.collect({**CAPS, **(caps or {})}, inputs)

    def test_new_files_are_returned_sorted_and_inputs_are_not(self):
        self.write("in put.txt", b"given")
        self.write("out \u00e9.txt", b"made")
        self.write("data/blob.bin", b"\0\1")
        files, omitted = self.collect(inputs={"in put.txt": codelab_workspace.digest(b"given")})
        self.assertEqual([f["path"] for f in files], ["data/blob.bin", "out \u00e9.txt"])
        self.assertEqual(base64.b64decode(files[1]["content"]), b"made")
        self.assertEqual(files[1]["size"], 4)
        self.assertEqual(omitted, [])

    def test_an_input_the_program_changed_is_returned(self):
        self.write("a.csv", b"changed")
        files, _ = self.collect(inputs={"a.csv": codelab_workspace.digest(b"given")})
        self.assertEqual([f["path"] for f in files], ["a.csv"])

    def test_a_session_reports_only_what_changed_since_its_last_report(self):
        self.write("a.txt", b"1")
        self.write("b.txt", b"1")
        self.assertEqual(len(self.collect()[0]), 2)
        self.assertEqual(self.collect(), ([], []))
        time.sleep(0.01)
        self.write("b.txt", b"2")
        self.write("c.txt", b"3")
        self.assertEqual([f["path"] for f in self.collect()[0]], ["b.txt", "c.txt"])
        os.remove(os.path.join(self.root, "c.txt"))
        self.write("c.txt", b"3")  # same content again: not a change
        self.assertEqual(self.collect(), ([], []))

    def test_unchanged_files_are_neither_read_nor_hashed(self):
        for index in range(800):
            self.write("d%d/f%03d.txt" % (index % 8, index), b"%d" % index)
        self.assertEqual(len(self.collect({"maxCount": 1000, "maxTotalBytes": 1 << 30})[0]), 800)
        with mock.patch.object(codelab_workspace, "read_regular_file") as read, \
                mock.patch.object(codelab_workspace, "digest") as digest:
            started = time.monotonic()
            self.assertEqual(self.collect({"maxCount": 1000}), ([], []))
            elapsed = time.monotonic() - started
        read.assert_not_called()
        digest.assert_not_called()
        self.assertLess(elapsed, 1.0)

    def test_links_and_special_files_are_omitted_once(self):
        os.symlink("/etc/passwd", os.path.join(self.root, "pw"))
        os.mkfifo(os.path.join(self.root, "pipe"))
        files, omitted = self.collect()
        self.assertEqual(files, [])
        self.assertEqual(omitted, [{"path": "pipe", "reason": "not a regular file"}, {"path": "pw", "reason": "symlink"}])
        self.assertEqual(self.collect(), ([], []))

    def test_too_deep(self):
        self.write("a/b/c/d/e.txt")
        self.write("a/b/c/ok.txt")
        files, omitted = self.collect()
        self.assertEqual([f["path"] for f in files], ["a/b/c/ok.txt"])
        self.assertEqual(omitted, [{"path": "a/b/c/d", "reason": "too deep"}])

    def test_caps(self):
        self.write("big.bin", b"x" * 100)
        for index in range(5):
            self.write("f%d.txt" % index, b"y" * 10)
        files, omitted = self.collect({"maxFileBytes": 50, "maxCount": 3, "maxTotalBytes": 25})
        self.assertEqual([f["path"] for f in files], ["f0.txt", "f1.txt"])
        self.assertEqual(omitted, [{"path": "big.bin", "reason": "larger than 50 bytes"},
                                   {"path": "f2.txt", "reason": "files over 25 bytes in total"},
                                   {"path": "f3.txt", "reason": "files over 25 bytes in total"}])

    def test_sparse_files(self):
        with open(os.path.join(self.root, "sparse.bin"), "wb") as out:
            out.truncate(1 << 19)
        _, omitted = self.collect()
        self.assertEqual(omitted, [{"path": "sparse.bin", "reason": "sparse file"}])

    def test_names_the_rule_refuses_are_shown_within_it(self):
        for name in (b"new\nline", b"back\\slash", b"bad \xff utf8", b"bom\xef\xbb\xbf"):
            with open(os.path.join(os.fsencode(self.root), name), "wb") as out:
                out.write(b"x")
        self.write("\U0001FAE0 ok.txt")
        files, omitted = self.collect()
        self.assertEqual([f["path"] for f in files], ["\U0001FAE0 ok.txt"])
        self.assertEqual(len(omitted), 4)
        for entry in omitted:
            self.assertEqual(entry["reason"], codelab_workspace.NOT_ALLOWED)
            self.assertIsNone(codelab_frames.path_problem(entry["path"]), entry)

    def test_a_scan_is_bounded(self):
        workspace = Workspace(self.root, max_entries=50)
        for index in range(60):
            self.write("f%02d" % index)
        files, omitted = workspace.collect(dict(CAPS, maxCount=100))
        self.assertEqual(len(files), 50)
        self.assertEqual(omitted, [{"path": "f50", "reason": "the scan stopped after 50 entries"}])
        files, omitted = workspace.collect(dict(CAPS, maxCount=100))
        self.assertEqual(files, [])  # what it saw is kept; what it did not see is still not reported
        self.assertEqual(len(omitted), 1)

    def test_the_stopped_note_survives_the_count_cap(self):
        workspace = Workspace(self.root, max_entries=10)
        for index in range(12):
            os.symlink("x", os.path.join(self.root, "l%02d" % index))
        _, omitted = workspace.collect(dict(CAPS, maxCount=4))
        self.assertEqual(len(omitted), 4)
        self.assertEqual(omitted[-1]["reason"], "the scan stopped after 10 entries")

    def test_a_link_swapped_in_is_not_followed(self):
        outside = temp_dir(self, "outside-")
        with open(os.path.join(outside, "secret"), "wb") as out:
            out.write(b"s")
        os.makedirs(os.path.join(self.root, "d"))
        self.assertIsNone(codelab_workspace.read_regular_file(self.root, "d/missing", 1))
        os.rmdir(os.path.join(self.root, "d"))
        os.symlink(outside, os.path.join(self.root, "d"))
        self.assertIsNone(codelab_workspace.read_regular_file(self.root, "d/secret", 1))

    def test_a_missing_root_is_empty(self):
        self.assertEqual(Workspace(os.path.join(self.root, "none")).collect(CAPS), ([], []))

    def test_rehearsal_changes_nothing(self):
        self.write("a.txt")
        self.workspace.rehearse()
        self.assertEqual(len(self.collect()[0]), 1)


if __name__ == "__main__":
    unittest.main()


class FileOperationsTest(unittest.TestCase):
    """The service's file operations (a cell's `workspace`): reads, deletes and the listing reach
    only regular files beneath the root, never through a link."""

    def setUp(self):
        self.root = temp_dir(self)
        self.outside = temp_dir(self)
        with open(os.path.join(self.outside, "secret"), "wb") as out:
            out.write(b"untouched")
        os.makedirs(os.path.join(self.root, "d"))
        with open(os.path.join(self.root, "d", "\u00e9t\u00e9.bin"), "wb") as out:
            out.write(b"\0\xff data")
        os.symlink(os.path.join(self.outside, "secret"), os.path.join(self.root, "link"))
        os.symlink(self.outside, os.path.join(self.root, "away"))

    def test_a_read_returns_regular_files_only(self):
        files, unread = codelab_workspace.read(self.root, ["d/\u00e9t\u00e9.bin", "link", "away/secret", "d", "none"], CAPS)
        self.assertEqual([(f["path"], f["size"], base64.b64decode(f["content"])) for f in files],
                         [("d/\u00e9t\u00e9.bin", 7, b"\0\xff data")])
        self.assertEqual(unread, [{"path": p, "reason": "no such file"} for p in ("link", "away/secret", "d", "none")])

    def test_a_read_over_the_caps_is_refused(self):
        self.assertEqual(codelab_workspace.read(self.root, ["d/\u00e9t\u00e9.bin"], {**CAPS, "maxFileBytes": 6}),
                         ([], [{"path": "d/\u00e9t\u00e9.bin", "reason": "too large"}]))
        with open(os.path.join(self.root, "a"), "wb") as out:
            out.write(b"12345")
        files, unread = codelab_workspace.read(self.root, ["a", "d/\u00e9t\u00e9.bin"], {**CAPS, "maxTotalBytes": 10})
        self.assertEqual(([f["path"] for f in files], unread), (["a"], [{"path": "d/\u00e9t\u00e9.bin", "reason": "too large"}]))

    def test_a_delete_removes_a_file_or_a_link_itself_and_never_follows_one(self):
        self.assertFalse(codelab_workspace.delete(self.root, "away/secret"))
        self.assertFalse(codelab_workspace.delete(self.root, "d"))
        self.assertFalse(codelab_workspace.delete(self.root, "none"))
        self.assertTrue(codelab_workspace.delete(self.root, "link"))
        self.assertTrue(codelab_workspace.delete(self.root, "d/\u00e9t\u00e9.bin"))
        self.assertEqual(sorted(os.listdir(self.root)), ["away", "d"])
        self.assertEqual(os.listdir(os.path.join(self.root, "d")), [])
        with open(os.path.join(self.outside, "secret"), "rb") as source:
            self.assertEqual(source.read(), b"untouched")

    def test_the_listing_holds_every_regular_file_with_its_size(self):
        os.makedirs(os.path.join(self.root, "a", "b", "c", "e"))
        with open(os.path.join(self.root, "z.txt"), "wb") as out:
            out.write(b"z" * 3)
        listing = codelab_workspace.listing(Workspace(self.root), CAPS)
        self.assertEqual(listing["files"], [{"path": "d/\u00e9t\u00e9.bin", "size": 7}, {"path": "z.txt", "size": 3}])
        self.assertEqual(listing["omitted"], [{"path": "a/b/c/e", "reason": "too deep"},
                                              {"path": "away", "reason": "symlink"}, {"path": "link", "reason": "symlink"}])
        capped = codelab_workspace.listing(Workspace(self.root), {**CAPS, "maxCount": 1})
        self.assertEqual(capped, {"files": [{"path": "d/\u00e9t\u00e9.bin", "size": 7}],
                                  "omitted": [{"path": "a/b/c/e", "reason": "too deep"}]})
