"""A seeded fuzzer: arbitrary bytes on every channel the supervisor reads (host lines, the display
channel, stdout and stderr), against fake programs and the real one. The supervisor must survive,
answer every cell it accepted with exactly one X in the spec's order, and name a broken channel as
the cell's problem. The seed is printed; CODELAB_FUZZ_SEED replays one, CODELAB_FUZZ_ROUNDS runs
more kernels."""
import json
import os
import random
import signal
import sys
import time
import unittest

import codelab_frames
from tests.harness import CAPS, Kernel, WARMUP, cell, check_order, fake, interrupt, real_program, temp_dir

SEED = int(os.environ.get("CODELAB_FUZZ_SEED") or random.SystemRandom().randrange(1 << 32))
ROUNDS = int(os.environ.get("CODELAB_FUZZ_ROUNDS") or 30)
X_KEYS = {"exitCode", "signal", "limit", "problem", "ended"}


def garbage_line(rnd):
    """A host line the supervisor cannot use, or can (a stray interrupt, a warm-up)."""
    choice = rnd.randrange(9)
    if choice == 0:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 200))).replace(b"\n", b"") + b"\n"
    if choice == 1:
        return b"[" * rnd.randrange(1000, 300000) + b"\n"
    if choice == 2:
        message = json.loads(cell(rnd.randrange(1, 1 << 31)))
        field = rnd.choice(sorted(message))
        message[field] = rnd.choice([None, "x", -1, 1.5, [], {}, True, 2 ** 70])
        if codelab_frames.message_problem(message) is None:
            del message["keep"]  # still a valid cell: it would run (and take its id)
        return json.dumps(message).encode() + b"\n"
    if choice == 3:
        return interrupt(rnd.randrange(1, 1 << 31))
    if choice == 4:
        return b'{"type": "interrupt", "id": %s}\n' % rnd.choice([b"0", b"-1", b"true", b"NaN", b"1e999", b'"1"'])
    if choice == 5:
        return rnd.choice([b"\n", b"\r\n", b"null\n", b"{}\n", b'{"type": "cell"}\n', b"\xef\xbb\xbf{}\n"])
    if choice == 6:
        return b"x" * rnd.randrange(3000, 9000) + b"\n"  # over this kernel's 2048-byte lines
    if choice == 7:
        return WARMUP
    return json.dumps({"type": rnd.choice(["cell", "warmup", "interrupt", "Cell", ""]),
                       "id": rnd.randrange(-5, 5)}).encode() + b"\n"


def channel_bytes(rnd):
    """Something for the display channel: valid frames, odd ones, or noise. (bytes, breaks)"""
    choice = rnd.randrange(10)
    if choice == 0:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300))), None
    if choice == 1:
        return rnd.choice([b"Z" + os.urandom(rnd.randrange(4, 40)),  # an unknown type: always breaks it
                           codelab_frames.program_frame(b"S"),  # a second S (the fake said one): as well
                           codelab_frames.program_frame(b"S", os.urandom(rnd.randrange(1, 9)))]), True
    if choice == 2:  # against the rule: dropped and acked; past the budget: skipped; over frameBytes: breaks it
        return codelab_frames.program_frame(b"D", b"[" * rnd.randrange(60, 200000)), None
    if choice == 3:  # over any frameBytes: always breaks it
        return codelab_frames.PROGRAM_HEADER.pack(rnd.choice(b"FRDLPC").to_bytes(1, "big"), 0xFFFFFFFF), True
    if choice == 4:
        value = {"text/plain": "v", "application/vnd.vegalite.v5+json": {"mark": "bar", "n": [[[1]]]}}
        return codelab_frames.program_frame(b"D", json.dumps(value).encode()), False
    if choice == 5:
        return codelab_frames.program_frame(b"F", codelab_frames.PNG_MAGIC + os.urandom(rnd.randrange(0, 3000))), False
    if choice == 6:
        return codelab_frames.program_frame(b"L", rnd.choice([b"memory", b"pids"])), False
    if choice == 7:
        return codelab_frames.program_frame(b"P", os.urandom(rnd.randrange(0, 400))), False
    if choice == 8:
        return codelab_frames.program_frame(b"D", json.dumps({"text/plain": "x" * rnd.randrange(0, 5000)}).encode()), False
    return codelab_frames.program_frame(b"R", b'{"text/plain": 1}'), None  # as choice 2


def plan_cell(rnd, keep):
    """What the fake program does in one cell, chosen before it forks (so the test knows it)."""
    actions, breaks = [], False
    for _ in range(rnd.randrange(0, 6)):
        kind = rnd.randrange(4)
        if kind == 0:
            actions.append(("out", rnd.choice([1, 2]), os.urandom(rnd.randrange(0, 70000))))
        elif kind == 1 and breaks is False:
            data, breaks = channel_bytes(rnd)  # True: breaks it; None: may break it (the fake waits for no ack)
            actions.append(("channel", data, breaks))
        elif kind == 2:
            actions.append(("sleep", rnd.random() * 0.01))
        else:
            actions.append(("burst",))
    if keep:
        end = rnd.choice(["ok", "ok", "error", "exit", "badc", "die", "exit_process", "hang"])
    else:
        end = rnd.choice(["exit_process", "exit_process", "die", "hang"])
    return {"actions": actions, "end": end, "breaks": breaks, "code": rnd.randrange(256)}


def fake_script(plans, markers):
    def script(channel, message):
        plan = plans.get(message["id"])
        if plan is None:
            time.sleep(30)
        broken = False
        for action in plan["actions"]:
            try:
                if action[0] == "out":
                    os.write(action[1], action[2])
                elif action[0] == "channel":
                    channel.raw(action[1])
                    if action[2] is False:
                        channel.ack()
                    else:
                        broken = True
                elif action[0] == "sleep":
                    time.sleep(action[1])
                elif action[0] == "burst" and not broken:
                    for _ in range(20):
                        channel.frame(b"D", b'{"text/plain": "b"}')
                        channel.ack()
            except OSError:
                broken = True
        open(os.path.join(markers, str(message["id"])), "w").close()  # its actions are done
        end = plan["end"]
        if end == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        if end == "exit_process":
            return plan["code"]
        if end == "hang":
            time.sleep(30)
        word = {"ok": b"ok", "error": b"error", "exit": b"exit:%d" % plan["code"], "badc": b"exit:x"}[end]
        try:
            channel.frame(b"C", word)
            channel.ack()
        except OSError:
            time.sleep(30)
        return None
    return script


class FuzzTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sys.stderr.write("\ncodelab fuzz seed: %d (CODELAB_FUZZ_SEED=%d to replay)\n" % (SEED, SEED))

    def check_frames(self, frames, sent):
        """Frames as the service holds them; every cell sent has exactly one X (a session answers
        even once its program has ended)."""
        for kind, cell_id, payload in frames:
            self.assertIn(kind, codelab_frames.HOST_KINDS)
            if kind in b"KP":
                self.assertEqual(cell_id, 0)
                self.assertLessEqual(len(payload), 200)
                payload.decode("utf-8")
            else:
                self.assertIn(cell_id, sent)
        for cell_id in sent:
            ends = [json.loads(p) for k, c, p in frames if k == b"X" and c == cell_id]
            self.assertEqual(len(ends), 1, "cell %d: %d X frames" % (cell_id, len(ends)))
            check_order(self, frames, cell_id)
            report = ends[0]
            self.assertEqual(set(report), X_KEYS)
            if report["problem"] is not None:
                self.assertLessEqual(len(report["problem"]), 200)
                self.assertFalse(any(codelab_frames.refused_char(ord(c)) for c in report["problem"]), report)
            files = json.loads([p for k, c, p in frames if k == b"W" and c == cell_id][0])
            self.assertEqual(set(files), {"files", "omitted"})
        return {cell_id: [json.loads(p) for k, c, p in frames if k == b"X" and c == cell_id] for cell_id in sent}

    def one_kernel(self, rnd):
        plans, steps, sent = {}, [], []
        markers = temp_dir(self, "markers-")
        next_id = 1
        for _ in range(rnd.randrange(1, 5)):
            for _ in range(rnd.randrange(0, 3)):
                steps.append(garbage_line(rnd))
            keep = rnd.random() < 0.8
            plan = plan_cell(rnd, keep)
            next_id += rnd.randrange(1, 1000)
            plans[next_id] = plan
            caps = {}
            if rnd.random() < 0.3:
                caps["limits"] = {"outputBytes": rnd.randrange(0, 100000)}
            if rnd.random() < 0.2:
                caps["richOut"] = {"frameBytes": rnd.randrange(0, 5000), "displays": rnd.randrange(0, 5),
                                   "figures": rnd.randrange(0, 3)}
            plan["outputBytes"] = caps.get("limits", CAPS["limits"])["outputBytes"]
            steps.append(cell(next_id, "fuzz", keep=keep, **caps))
            sent.append(next_id)
            for _ in range(rnd.randrange(0, 3)):
                steps.append(garbage_line(rnd) if rnd.random() < 0.5 else interrupt(next_id))
            if plan["end"] == "hang" or plan["breaks"] is None:
                # until it has done what it planned (or is over): then the end of stdin ends it
                steps.append(("until", lambda frames, cell_id=next_id: os.path.exists(os.path.join(markers, str(cell_id)))
                              or frames.has(b"X", cell_id)))
                break  # a program that waits (for an ack, or for nothing): the end of stdin ends it
            steps.append(("wait", b"X", next_id))
            if not keep:
                break  # a run's kernel is over: nothing more is owed
        frames = Kernel(fake(fake_script(plans, markers)), max_line=2048, timeout=15).run(steps)
        reports = self.check_frames(frames, sent)
        for cell_id, plan in plans.items():
            sent_bytes = sum(len(p) for k, c, p in frames if c == cell_id and k in b"OEFRD")
            past_budget = sent_bytes > plan["outputBytes"] or (b"T", cell_id) in [(k, c) for k, c, _ in frames]
            if plan["breaks"] is True and reports[cell_id] and not past_budget:  # past it, a run is ended
                self.assertIsNotNone(reports[cell_id][0]["problem"], (cell_id, ascii(plan["actions"])[:300]))

    def test_fake_programs(self):
        rnd = random.Random(SEED)
        started = time.monotonic()
        for round_number in range(ROUNDS):
            with self.subTest(round=round_number, seed=SEED):
                self.one_kernel(random.Random(rnd.randrange(1 << 62)))
        self.assertLess(time.monotonic() - started, 60)

    def test_host_lines_against_the_real_program(self):
        rnd = random.Random(SEED ^ 0x5EED)
        workspace = temp_dir(self)
        steps, sent = [], []
        for cell_id in range(1, 9):
            for _ in range(rnd.randrange(0, 6)):
                steps.append(garbage_line(rnd))
            steps.append(cell(cell_id, rnd.choice(["1", "print('x')", "display([1])", "1/0", "import sys\nsys.exit(2)"])))
            for _ in range(rnd.randrange(0, 3)):
                steps.append(garbage_line(rnd))
            steps.append(("wait", b"X", cell_id))
            sent.append(cell_id)
        frames = Kernel(real_program(workspace), workspace=workspace, max_line=2048).run(steps)
        reports = self.check_frames(frames, sent)
        for cell_id in sent:
            self.assertFalse(reports[cell_id][0]["ended"], reports[cell_id])


if __name__ == "__main__":
    unittest.main()
