"""A small runner for the netns test scripts.

Each test script lists its cases as functions taking a Case and calls
main(). A case builds one or more labs with case.lab(...), checks with
case.check(...) and records figures with case.note(...). The runner prints one
PASS or FAIL line per case with those figures; on failure it adds the reason
and the tail of every daemon log, then tears the labs down.

    python3 tests/netns/test_X.py --build BUILD_DIR [--only NAME] [--verbose]

Exit status: 0 when every case passed, 1 otherwise.
"""

import argparse
import os
import sys
import time
import traceback

import lab as labmod


class Failure(Exception):
    pass


class Case:
    def __init__(self, name, build, verbose):
        self.name = name
        self.build = build
        self.verbose = verbose
        self.notes = []
        self.labs = []

    def lab(self, **kw):
        lab = labmod.Lab(self.build, verbose=self.verbose, **kw)
        self.labs.append(lab)
        lab.setup()
        return lab

    def note(self, text):
        self.notes.append(text)
        if self.verbose:
            print("  .. " + text, flush=True)

    def check(self, condition, message):
        if not condition:
            raise Failure(message)

    def close(self):
        for lab in self.labs:
            lab.close()


def ms(seconds):
    return "%.0f ms" % (seconds * 1000.0)


def main(cases, title):
    ap = argparse.ArgumentParser(description=title)
    ap.add_argument("--build", required=True, help="the CMake build directory")
    ap.add_argument("--only", action="append", help="run only this case (repeatable)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    print("== %s" % title, flush=True)
    failed = 0
    for fn in cases:
        name = fn.__name__.removeprefix("case_")
        if args.only and name not in args.only:
            continue
        case = Case(name, args.build, args.verbose)
        start = time.monotonic()
        error = None
        try:
            fn(case)
        except Failure as e:
            error = str(e)
        except Exception as e:
            error = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc())
        took = time.monotonic() - start
        figures = "; ".join(case.notes)
        if error is None:
            print("PASS %s (%.1fs): %s" % (name, took, figures), flush=True)
        else:
            failed += 1
            print("FAIL %s (%.1fs): %s" % (name, took, error), flush=True)
            if figures:
                print("  figures: %s" % figures)
            for lab in case.labs:
                for node in sorted(lab.daemons):
                    print("  ---- %s log (%s), last lines:" % (node, lab.log_path(node)))
                    for line in lab.log_tail(node, 30).splitlines():
                        print("  | " + line)
            sys.stdout.flush()
        case.close()
    print("== %s: %s" % (title, "all passed" if not failed else "%d case(s) failed" % failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit("runner.py is a library; run a test_*.py script")
