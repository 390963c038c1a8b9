"""The shared vectors (runsc/protocol/paths.json, bundles.json): the service's tests read the same
files, so both sides agree on every edge case, including characters newer than either side's tables."""
import json
import os
import unittest

import codelab_frames as frames
from tests.harness import PROTOCOL


def vectors(name):
    with open(os.path.join(PROTOCOL, name), encoding="utf-8") as source:
        return json.load(source)


class PathVectorsTest(unittest.TestCase):
    def test_accepted(self):
        for path in vectors("paths.json")["accepted"]:
            self.assertIsNone(frames.path_problem(path), ascii(path))

    def test_refused(self):
        for path in vectors("paths.json")["refused"]:
            self.assertIsNotNone(frames.path_problem(path), ascii(path))

    def test_the_edge_cases_are_there(self):
        paths = vectors("paths.json")
        accepted, refused = paths["accepted"], paths["refused"]
        self.assertIn("\U0001FAE0.txt", accepted)  # Unicode 14: newer than Java 17's tables
        self.assertIn(255, [len(p) for p in accepted])
        self.assertIn(256, [len(p) for p in refused])
        self.assertIn(255, [len(p.encode("utf-8", "surrogatepass")) for p in accepted])
        self.assertTrue(any(len(s.encode("utf-8", "surrogatepass")) == 256 for p in refused for s in p.split("/")))
        for path in ("a//b", "./a", "..", "/etc/passwd", "a/b/c/d/e/f/g/h/i", "a\\b"):
            self.assertIn(path, refused)
        for char in ("\u2028", "\ufeff", "\u0085", "\ud800"):
            self.assertTrue(any(char in p for p in refused), ascii(char))


class BundleVectorsTest(unittest.TestCase):
    def test_valid(self):
        for bundle in vectors("bundles.json")["valid"]:
            self.assertIsNone(frames.bundle_problem(bundle), ascii(bundle)[:80])
            self.assertIsNone(frames.bundle_payload_problem(json.dumps(bundle).encode()), ascii(bundle)[:80])

    def test_invalid(self):
        for bundle in vectors("bundles.json")["invalid"]:
            self.assertIsNotNone(frames.bundle_problem(bundle), ascii(bundle)[:80])
            self.assertIsNotNone(frames.bundle_payload_problem(json.dumps(bundle).encode()), ascii(bundle)[:80])


if __name__ == "__main__":
    unittest.main()
