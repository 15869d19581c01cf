"""Runs the examples of README.md as written, so that it cannot drift from
what works (`make check-readme`, part of `make check`).

From the repository's root, with the build in build/:
- every ```console block: each line starting with "$ " is a command, run by
  bash; the lines after it, up to the next "$ " line, are its expected
  standard output;
- every ```python block: run by this Python with python/ on its path; a
  ```output block right after it (blank lines between allowed) is its
  expected standard output.
Commands must exit 0.  In expected output "..." stands for any text, and
numbers are compared with a relative tolerance of 1e-6 (the last digits of
a fit may move with the compiler or the machine, the meaning may not).
Other blocks (```sh, ```c, plain ```) are illustrations and are not run.

Usage: readme_check.py [README.md]    (standard library only)
"""
import math
import os
import re
import subprocess
import sys

NUM = r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])"
RTOL = 1e-6
TIMEOUT = 300


def blocks(text):
    """(info string, first line number, lines) of each fenced block."""
    out, cur = [], None
    for n, line in enumerate(text.splitlines(), 1):
        if cur is None:
            m = re.match(r"^```(\S*)\s*$", line)
            if m:
                cur = (m.group(1), n + 1, [])
        elif line.startswith("```"):
            out.append(cur)
            cur = None
        else:
            cur[2].append(line)
    if cur is not None:
        sys.exit(f"README: block opened at line {cur[1] - 1} is never closed")
    return out


def matches(expected, actual):
    """None when actual is expected (with ... and number tolerance), else why not."""
    parts, nums = [], []
    for chunk in re.split(r"(\.\.\.)", expected):
        if chunk == "...":
            parts.append(r".*?")
            continue
        pos = 0
        for m in re.finditer(NUM, chunk):
            parts.append(re.escape(chunk[pos:m.start()]))
            parts.append("(" + NUM + ")")
            nums.append(m.group(0))
            pos = m.end()
        parts.append(re.escape(chunk[pos:]))
    m = re.fullmatch("".join(parts), actual, re.S)
    if not m:
        return "the output differs"
    for want, got in zip(nums, m.groups()):
        a, b = float(want), float(got)
        if a != b and not math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-300):
            return f"{got} where README says {want}"
    return None


def run(what, argv, stdin, expected, where, env):
    try:
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                           env=env, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"{where}: {what}: no answer within {TIMEOUT} s"
    out = p.stdout.rstrip("\n")
    why = None
    if p.returncode != 0:
        why = f"exit status {p.returncode}"
    elif expected is not None:
        why = matches(expected, out)
    if why is None:
        return None
    return (f"{where}: {what}: {why}\n--- README expects:\n{expected}\n"
            f"--- got:\n{out}\n--- stderr:\n{p.stderr.rstrip()}")


def console_cases(first, lines):
    """(line, command, expected output or None) of a console block."""
    cases = []
    for i, line in enumerate(lines):
        if line.startswith("$ "):
            cases.append([first + i, line[2:], []])
        elif cases:
            cases[-1][2].append(line)
        elif line.strip():
            sys.exit(f"README line {first + i}: console block must start with '$ '")
    return [(n, c, "\n".join(o).rstrip("\n") or None) for n, c, o in cases]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "README.md"
    bl = blocks(open(path, encoding="utf-8").read())
    env = dict(os.environ)
    env["PYTHONPATH"] = "python" + os.pathsep + env.get("PYTHONPATH", "")
    failures, ncmd, npy = [], 0, 0
    for k, (info, first, lines) in enumerate(bl):
        if info == "console":
            for n, cmd, expected in console_cases(first, lines):
                ncmd += 1
                failures.append(run(f"$ {cmd}", ["bash", "-c", cmd], None,
                                    expected, f"{path}:{n}", env))
        elif info == "python":
            npy += 1
            nxt = bl[k + 1] if k + 1 < len(bl) else None
            expected = None
            if nxt and nxt[0] == "output":
                expected = "\n".join(nxt[2]).rstrip("\n")
            failures.append(run("python block", [sys.executable, "-"],
                                "\n".join(lines) + "\n", expected,
                                f"{path}:{first}", env))
    failures = [f for f in failures if f]
    for f in failures:
        print(f, file=sys.stderr)
    if ncmd + npy == 0:
        sys.exit(f"{path}: no ```console or ```python block found")
    print(f"check-readme: {ncmd} commands and {npy} Python blocks of {path}")
    print(f"readme: {ncmd + npy - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
