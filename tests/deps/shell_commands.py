#!/usr/bin/env python3
"""shell_commands.py - list the external programs the repository's scripts run.

Reads every shell script (bash/sh), the Makefile's recipes and $(shell ...)
calls, the Python scripts' subprocess calls and the command strings the C
tests hand to system()/popen(), finds the words in command position, and
prints one line per program: `NAME FILE:LINE` (the first place it is run).

What it leaves out, because they are not programs a package must provide:
shell builtins and keywords, functions the scripts define, the project's
own tools and scripts, words that are computed ($x) or are paths into the
tree.  It is a reader of shell text, not a shell: tests/deps/check-deps.bash
holds its output against the list of commands in scripts/deps.list, so a
new program in a script without its package there fails the tests.

Usage: shell_commands.py [--repo DIR] [--all]
  --all   also print the words it classified as builtins, functions or
          project tools (for checking the reader itself)
"""
import os
import re
import subprocess
import sys

BUILTINS = set("""
. : [ [[ ]] alias bg bind break builtin caller case cd command compgen complete
compopt continue coproc declare dirs disown do done echo elif else enable esac
eval exec exit export false fc fg fi for function getopts hash help history if
in jobs kill let local logout mapfile popd printf pushd pwd read readarray
readonly return select set shift shopt source suspend test then time times trap
true type typeset ulimit umask unalias unset until wait while { } ! ((
""".split())

# Wrappers: the program they run comes after their own options.  The value
# is how many words after the wrapper are its fixed arguments (besides
# options starting with '-').
WRAPPERS = {
    "sudo": 0, "exec": 0, "nohup": 0, "setsid": 0, "stdbuf": 0, "env": 0,
    "timeout": 1, "nice": 0, "chrt": 1, "taskset": 1, "xargs": 0,
    "chroot": 1, "unshare": 0, "flock": 1, "ionice": 0, "time": 0,
    "command": 0, "builtin": 0,
    "$SUDO": 0,     # install-deps.bash: sudo, or nothing as root
}
# Wrapper options that take a value as the next word.
WRAPPER_OPTS_WITH_ARG = {
    "timeout": {"-s", "--signal", "-k", "--kill-after"},
    "nice": {"-n"},
    "taskset": {"-c"},
    "xargs": {"-n", "-P", "-I", "-d", "-L", "-s", "-a"},
    "sudo": {"-u", "-g"},
    "flock": {"-w"},
    "ionice": {"-c", "-n"},
    "stdbuf": set(),
}


def scan(text, fname, lineno0, emit, defs):
    """Find command words in shell text; emit(word, line)."""
    i, n = 0, len(text)
    line = lineno0
    cmdpos = True            # next word is in command position
    words = []               # words of the current simple command
    case_depth = 0
    in_pattern = False       # inside a case pattern, before ')'
    heredocs = []            # delimiters waiting for the next newline
    for_skip = False         # between 'for' and 'do'

    def word_done(w, wline):
        nonlocal cmdpos, in_pattern, for_skip, case_depth
        if w is None:
            return
        if in_pattern:
            if w == "esac":
                case_depth = max(0, case_depth - 1)
                in_pattern = False
            return
        if for_skip:
            if w == "do":
                for_skip = False
                cmdpos = True
            return
        if not words:
            # command position
            if re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=", w):
                return          # assignment prefix: still command position
            if w in ("then", "do", "else", "elif", "if", "while", "until",
                     "!", "{", "}", "fi", "done", "esac", "in", "time"):
                if w == "esac":
                    case_depth = max(0, case_depth - 1)
                return
            if w == "for" or w == "select":
                for_skip = True
                return
            if w == "case":
                words.append(w)
                return
            if w == "function":
                words.append(w)
                return
            words.append(w)
            emit(w, wline)
            return
        # not command position
        first = words[0]
        if first == "case":
            if w == "in":
                case_depth += 1
                in_pattern = True
                words.clear()
            return
        if first == "function" and len(words) == 1:
            defs.add(w.rstrip("()"))
            words.append(w)
            return
        # wrappers: the wrapped program is in command position
        wrapped = wrapper_state.get("w")
        words.append(w)
        if wrapped is not None:
            wrapper_step(w, wline)

    wrapper_state = {}

    def wrapper_step(w, wline):
        st = wrapper_state
        if st.get("skip_next"):
            st["skip_next"] = False
            return
        name = st["w"]
        if name == "ip-netns-exec":
            # ip netns exec NAME PROGRAM ...: NAME first
            if st["fixed"] > 0:
                st["fixed"] -= 1
                return
            st.clear()
            emit(w, wline)
            start_wrapper_if(w)
            return
        if name == "command" and w in ("-v", "-V"):
            # command -v PROG: the script looks for PROG, so it is one of
            # the programs it may run
            st.clear()
            st.update(w="command-v", fixed=0)
            return
        if name == "command-v":
            st.clear()
            emit(w, wline)
            return
        if w.startswith("-"):
            if w in WRAPPER_OPTS_WITH_ARG.get(name, ()):
                st["skip_next"] = True
            if name == "taskset" and w in ("-p", "-cp", "-pc", "--pid"):
                st.clear()          # changes a running process: no program
                return
            if name == "taskset" and w in ("-c", "--cpu-list"):
                st["fixed"] = 0     # the list is the option's argument
            return
        if name == "env" and "=" in w:
            return
        if st["fixed"] > 0:
            st["fixed"] -= 1
            return
        st.clear()
        emit(w, wline)
        start_wrapper_if(w)

    def start_wrapper_if(w):
        if w in WRAPPERS:
            wrapper_state.clear()
            wrapper_state.update(w=w, fixed=WRAPPERS[w])

    def sep():
        nonlocal cmdpos
        words.clear()
        wrapper_state.clear()
        cmdpos = True

    orig_emit = emit

    def emit(w, wline):  # noqa: F811 - wraps the caller's emit
        if len(words) == 1 and not wrapper_state:
            start_wrapper_if(w)
        if w == "ip" or w == "ip-netns":
            pass
        orig_emit(w, wline)

    cur = []
    cur_line = line

    def flush():
        nonlocal cur
        if cur:
            w = "".join(cur)
            cur = []
            # "ip netns exec NS cmd"
            if len(words) == 2 and words[0] == "ip" and words[1] == "netns" and w == "exec":
                words.append(w)
                wrapper_state.clear()
                wrapper_state.update(w="ip-netns-exec", fixed=1)
                return
            word_done(w, cur_line)

    while i < n:
        c = text[i]
        if c == "\n":
            flush()
            line += 1
            if heredocs:
                # skip heredoc bodies
                for delim, strip in heredocs:
                    while i < n:
                        j = text.find("\n", i + 1)
                        if j < 0:
                            j = n
                        body = text[i + 1:j]
                        line += 1
                        i = j
                        if (body.lstrip("\t") if strip else body) == delim:
                            break
                heredocs = []
                line -= 1
            if not words or words[-1] not in ("\\",):
                if not in_pattern:
                    sep()
            i += 1
            continue
        if c in " \t":
            flush()
            i += 1
            continue
        if c == "\\" and i + 1 < n:
            if text[i + 1] == "\n":
                flush()
                line += 1
                i += 2
                continue
            cur.append(text[i + 1])
            i += 2
            continue
        if c == "#" and not cur:
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "'":
            j = text.find("'", i + 1)
            if j < 0:
                j = n
            body = text[i + 1:j]
            # sh -c '...' / bash -c '...': the string is a script
            if words and words[-1] == "-c" and len(words) >= 2 and \
                    os.path.basename(words[-2]) in ("sh", "bash"):
                scan(body, fname, line, orig_emit, defs)
            cur.append("'" + body.replace("\n", " ") + "'" if False else body)
            line += body.count("\n")
            i = j + 1
            continue
        if c == '"':
            # scan $( ... ) inside double quotes
            j = i + 1
            body_start = j
            depth = 0
            while j < n:
                if text[j] == "\\":
                    j += 2
                    continue
                if text[j:j + 2] == "$(" and text[j:j + 3] != "$((":
                    k = match_paren(text, j + 1)
                    scan(text[j + 2:k], fname, line + text.count("\n", i, j),
                         orig_emit, defs)
                    j = k + 1
                    continue
                if text[j] == '"' and depth == 0:
                    break
                j += 1
            body = text[body_start:j]
            if words and words[-1] == "-c" and len(words) >= 2 and \
                    os.path.basename(words[-2]) in ("sh", "bash"):
                scan(body, fname, line, orig_emit, defs)
            cur.append(body if body else '""')
            line += body.count("\n")
            i = j + 1
            continue
        if c == "$" and text[i:i + 3] == "$((":
            k = match_paren(text, i + 2)
            k = match_paren(text, k + 1) if False else k
            # skip to the matching '))'
            j = text.find("))", i)
            cur.append("$0")
            i = (j + 2) if j >= 0 else n
            continue
        if c == "$" and text[i:i + 2] == "$(":
            k = match_paren(text, i + 1)
            scan(text[i + 2:k], fname, line, orig_emit, defs)
            line += text.count("\n", i, k)
            cur.append("$0")
            i = k + 1
            continue
        if c == "$" and text[i:i + 2] == "${":
            k = match_brace(text, i + 1)
            cur.append("$0")
            line += text.count("\n", i, k)
            i = k + 1
            continue
        if c == "`":
            k = text.find("`", i + 1)
            if k < 0:
                k = n
            scan(text[i + 1:k], fname, line, orig_emit, defs)
            cur.append("$0")
            i = k + 1
            continue
        if c == "<" and text[i:i + 2] == "<<" and text[i:i + 3] != "<<<":
            flush()
            m = re.match(r"<<(-?)\s*(['\"]?)([A-Za-z_0-9]+)\2", text[i:])
            if m:
                heredocs.append((m.group(3), m.group(1) == "-"))
                i += m.end()
                continue
        if c in "<>":
            # redirection: skip operator and its target word (and the
            # descriptor number before it: 2>/dev/null, exec 9>file)
            if cur and "".join(cur).isdigit():
                cur = []
            flush()
            j = i
            while j < n and text[j] in "<>&|0123456789":
                j += 1
            while j < n and text[j] in " \t":
                j += 1
            # target word
            if j < n and text[j] in "'\"":
                q = text[j]
                k = text.find(q, j + 1)
                j = n if k < 0 else k + 1
            else:
                while j < n and text[j] not in " \t\n;|&()<>":
                    if text[j] == "$" and text[j:j + 2] == "$(":
                        j = match_paren(text, j + 1) + 1
                        continue
                    j += 1
            i = j
            continue
        if c == "(" and text[i:i + 2] == "((" and not cur and \
                not (words and words[0] == "[["):
            # (( arithmetic )) as a command; inside [[ ]] it is a regex
            flush()
            j = text.find("))", i)
            i = (j + 2) if j >= 0 else n
            continue
        if c == "(" and cur and cur[-1] == "=":
            # an array assignment: x=(a b c)
            k = match_paren(text, i)
            cur.append("(...)")
            line += text.count("\n", i, k)
            i = k + 1
            continue
        if c in ";&|()":
            flush()
            if c == ")" and in_pattern:
                in_pattern = False
                sep()
                i += 1
                continue
            if c == "(" and words and not wrapper_state:
                # name() { ... }: a function definition
                if len(words) == 1 and text[i:i + 2] == "()":
                    defs.add(words[0])
                    i += 2
                    sep()
                    continue
            if c == ";" and text[i:i + 2] in (";;", ";&"):
                if case_depth:
                    in_pattern = True
                sep()
                i += 2
                continue
            if words and words[0] == "[[":
                # inside [[ ... ]] '(' and '||' are not separators
                if "]]" not in words:
                    i += 1
                    continue
            sep()
            i += 1
            continue
        # a plain character of a word
        if not cur:
            cur_line = line
        cur.append(c)
        i += 1
    flush()


def match_brace(text, i):
    """text[i] == '{' of a '${'; return the index of its matching '}'."""
    depth = 0
    j = i
    n = len(text)
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "'" and depth <= 1 and False:
            pass
        if c == '"':
            # a quoted part inside the expansion
            k = j + 1
            while k < n and text[k] != '"':
                if text[k] == "\\":
                    k += 1
                elif text[k:k + 2] == "${":
                    k = match_brace(text, k + 1)
                elif text[k:k + 2] == "$(":
                    k = match_paren(text, k + 1)
                k += 1
            j = k + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return n - 1


def match_paren(text, i):
    """text[i] == '('; return the index of its matching ')'."""
    depth = 0
    j = i
    n = len(text)
    q = None
    while j < n:
        c = text[j]
        if q:
            if c == "\\" and q == '"':
                j += 2
                continue
            if c == q:
                q = None
        elif c in "'\"":
            q = c
        elif c == "#" and (j == 0 or text[j - 1] in " \t\n"):
            k = text.find("\n", j)
            j = n if k < 0 else k
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return n - 1


def shell_files(repo):
    out = []
    files = subprocess.run(["git", "-C", repo, "ls-files"], check=True,
                           stdout=subprocess.PIPE, text=True).stdout.split()
    for f in files:
        p = os.path.join(repo, f)
        if not os.path.isfile(p) or "fixtures" in f.split("/"):
            continue
        if f.endswith((".bash", ".sh")) or f == ".ci/run":
            out.append(("sh", f))
            continue
        if f.endswith(".py"):
            out.append(("py", f))
        elif f.endswith(".c"):
            out.append(("c", f))
        elif os.path.basename(f) == "Makefile":
            out.append(("make", f))
        elif "/systemd/" in "/" + f and f.endswith((".service", ".timer")):
            out.append(("unit", f))
        else:
            try:
                with open(p, "rb") as fh:
                    head = fh.read(64)
            except OSError:
                continue
            if head.startswith(b"#!") and (b"sh" in head.split(b"\n")[0]):
                out.append(("sh", f))
    return out


def project_names(repo):
    names = set()
    for d in ("samples", "scripts", "bench", "tests"):
        for root, _dirs, files in os.walk(os.path.join(repo, d)):
            for f in files:
                base = f
                for ext in (".bash", ".sh", ".py", ".c"):
                    if base.endswith(ext):
                        base = base[: -len(ext)]
                names.add(base)
                names.add(f)
    for root, dirs, _files in os.walk(os.path.join(repo, "samples")):
        names.update(dirs)
        break
    names.add("install_hpcap.bash")
    names.add("install_hpcap")
    # names the Makefile installs scripts under (OPS_SBIN/OPS_BIN)
    try:
        mk = open(os.path.join(repo, "Makefile")).read()
        for var in ("OPS_SBIN", "OPS_BIN"):
            m = re.search(var + r"\s*:=((?:.*\\\n)*.*)", mk)
            if m:
                names.update(m.group(1).replace("\\\n", " ").split())
    except OSError:
        pass
    return names


def main():
    repo = "."
    show_all = False
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "--repo":
            repo = args.pop(0)
        elif a == "--all":
            show_all = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            print("shell_commands.py: unknown argument %r (see --help)" % a,
                  file=sys.stderr)
            return 2
    occurrences = []        # (word, file, line)
    file_defs = {}          # file -> functions it defines
    file_sources = {}       # file -> basenames of the files it sources
    defs = set()

    def emitter(fname):
        def emit(w, line):
            occurrences.append((w, fname, line))
        return emit

    for kind, f in shell_files(repo):
        text = open(os.path.join(repo, f), encoding="utf-8",
                    errors="replace").read()
        # Functions count where they are defined and in the files that
        # source that file (a library), not everywhere: a script's own
        # function named like a program does not hide the program in others.
        defs = file_defs.setdefault(f, set())
        file_sources[f] = {os.path.basename(m.group(1)) for m in re.finditer(
            r"^\s*(?:\.|source)\s+\"?([^\"\s;]+)\"?", text, flags=re.M)}
        if kind == "sh" and text.startswith("#!/bin/busybox"):
            # runs under busybox in the guest's initramfs: its programs
            # are busybox applets (or, after chroot, the host's)
            def applet(w, line, f=f):
                emitter(f)("busybox/" + w, line)
            scan(text, f, 1, applet, defs)
        elif kind == "sh":
            scan(text, f, 1, emitter(f), defs)
        elif kind == "py":
            for m in re.finditer(r"subprocess\.\w+\(\s*\[\s*[\"']([^\"']+)", text):
                emitter(f)(m.group(1), text.count("\n", 0, m.start()) + 1)
        elif kind == "c":
            for m in re.finditer(r"(?:system|popen)\(\s*\"((?:[^\"\\]|\\.)*)\"", text):
                scan(m.group(1), f, text.count("\n", 0, m.start()) + 1, emitter(f), defs)
            for m in re.finditer(r"snprintf\(\s*cmd\s*,[^,]*,\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+)", text):
                s = "".join(re.findall(r"\"((?:[^\"\\]|\\.)*)\"", m.group(1)))
                s = re.sub(r"%[-0-9.]*[a-z]+", "ARG", s)
                scan(s, f, text.count("\n", 0, m.start()) + 1, emitter(f), defs)
            for m in re.finditer(r"exec[lv]p?\(\s*\"([^\"]+)\"", text):
                emitter(f)(m.group(1), text.count("\n", 0, m.start()) + 1)
        elif kind == "make":
            lines = text.split("\n")
            cont = False    # this line continues a non-recipe line
            for ln, l in enumerate(lines, 1):
                for m in re.finditer(r"\$\(shell ([^)]*)\)", l):
                    scan(m.group(1), f, ln, emitter(f), defs)
                was_cont, cont = cont, l.endswith("\\") and \
                    (cont or not l.startswith("\t"))
                if l.startswith("\t") and not was_cont:
                    body = l[1:].lstrip("@-+").replace("$$", "\0")
                    # make's own $(VAR) and $(function ...) are not shell
                    while True:
                        k = body.find("$(")
                        if k < 0:
                            break
                        e = match_paren(body, k + 1)
                        body = body[:k] + "MAKEVAR" + body[e + 1:]
                    scan(body.replace("\0", "$"), f, ln, emitter(f), defs)
        elif kind == "unit":
            for ln, l in enumerate(text.split("\n"), 1):
                m = re.match(r"Exec\w*=[-@+!:]*(\S+)", l)
                if m:
                    emitter(f)(os.path.basename(m.group(1)), ln)

    by_base = {}
    for f in file_defs:
        by_base.setdefault(os.path.basename(f), []).append(f)

    def visible_defs(f, seen=None):
        """Functions file f can call: its own and its sourced files'."""
        seen = seen if seen is not None else set()
        if f in seen:
            return set()
        seen.add(f)
        out = set(file_defs.get(f, ()))
        for b in file_sources.get(f, ()):
            for g in by_base.get(b, ()):
                out |= visible_defs(g, seen)
        return out

    # A file with no #! line is a library, only ever sourced (often through
    # a computed path): its functions are visible everywhere.
    lib_defs = set()
    for f in file_defs:
        try:
            with open(os.path.join(repo, f), "rb") as fh:
                if not fh.read(2) == b"#!":
                    lib_defs |= file_defs[f]
        except OSError:
            pass
    vis = {f: visible_defs(f) | lib_defs for f in file_defs}
    found = {}
    fn_only = set()
    for w, f, line in occurrences:
        bare = w[len("busybox/"):] if w.startswith("busybox/") else w
        if bare in vis.get(f, ()):
            fn_only.add(w)
            continue
        found.setdefault(w, "%s:%d" % (f, line))
    for w in fn_only:
        if w not in found:
            found[w] = None
    defs = {w[len("busybox/"):] if w.startswith("busybox/") else w
            for w, where in found.items() if where is None}

    project = project_names(repo)
    rows = []
    for w, where in sorted(found.items()):
        kind = None
        prefix = ""
        if w.startswith("busybox/"):
            prefix, w = "busybox/", w[len("busybox/"):]
        if w.startswith("/") and re.match(r"^/(usr/)?(s?bin)/", w):
            w = os.path.basename(w)
        if not w or "$" in w or w.startswith(("-", "MAKEVAR", "ARG")):
            kind = "computed"
        elif w in BUILTINS:
            kind = "builtin"
        elif w in defs:
            kind = "function"
        elif w in project or "/" in w:
            kind = "project"
        elif not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$", w):
            kind = "not-a-name"
        if kind is None:
            rows.append((prefix + w, where))
        elif show_all:
            rows.append((w + " [" + kind + "]", where))
    seen = set()
    for w, where in rows:
        if w in seen:
            continue
        seen.add(w)
        print("%s %s" % (w, where))
    return 0


if __name__ == "__main__":
    sys.exit(main())
