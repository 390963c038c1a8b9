"""The runner's own suite (runsc/PROTOCOL.md): python3 -m unittest discover -s runsc/tests -t runsc
from the repository root; `make test-fast` and `make test` run it. It lives beside the runner, not in
it: the runner directory is mounted into every sandbox, and is left without bytecode."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "runner"))
