"""Finding the notes in a folder: extensions, hidden entries, `.assistantignore`, symlinks.

`scan_notes` never raises for a problem with one of the user's files or folders: it leaves
the entry out and, when the user would want to know, records a `Skipped(path, reason)`.
Silently left out (by design, not worth a warning): hidden files and folders (name starts
with "."), folders that are never notes (`never_notes`: installed packages, `node_modules`
or a Python virtual environment; a Logseq graph's app folder of backups), files with other
extensions, anything `.assistantignore` excludes.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from corpus.models import Skipped

if TYPE_CHECKING:  # imported only when a folder has an ignore file
    import pathspec

__all__ = [
    "IGNORE_FILE",
    "NOTE_SUFFIXES",
    "NoteFile",
    "ScanResult",
    "Skipped",
    "is_ignored",
    "never_notes",
    "scan_notes",
]

NOTE_SUFFIXES = frozenset(
    {".md", ".markdown", ".mdx", ".mdown", ".mdwn", ".mkd", ".mkdn", ".qmd", ".rmd", ".txt"}
)
"""Markdown by every name it goes by (`.mdx`: a Docusaurus or Next.js site's pages, Markdown
with JSX; `.qmd` and `.Rmd`: Quarto and R Markdown, with ```{r} code chunks), and plain text."""
IGNORE_FILE = ".assistantignore"


class NotesMissing(FileNotFoundError):
    """The notes folder itself is gone (deleted, renamed, an unmounted drive), or cannot be
    listed (permission denied): the engine reports it as the user's to fix, unlike a note
    vanishing mid-scan, which is skipped. A folder that cannot be listed is not an empty
    one: taken as such, a refresh removed every note from the index."""


class NoteFile(BaseModel):
    rel: str
    """Path relative to the notes root, "/" separators (the path citations show)."""
    path: Path
    """Absolute path (through any followed symlink, not resolved)."""
    size: int
    mtime_ns: int

    def same_stat(self, size: int, mtime_ns: int) -> bool:
        """The one "unchanged" rule: same size and modification time as recorded."""
        return self.size == size and self.mtime_ns == mtime_ns


class ScanResult(BaseModel):
    root: Path
    """Absolute notes folder; for a single-file root, the file's folder."""
    files: list[NoteFile]
    """Sorted by `rel`."""
    skipped: list[Skipped]
    """Sorted by `path`."""


def is_note_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in NOTE_SUFFIXES


def _load_ignore(dir_path: str) -> pathspec.PathSpec | None:
    """The folder's ignore file as a spec (pathspec is imported only when one exists)."""
    try:
        with open(os.path.join(dir_path, IGNORE_FILE), encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:  # a malformed pattern must not stop the scan
        return None


def _utf8_ok(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(rel: str) -> str:
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _stat_reason(e: OSError, path: str | os.PathLike[str]) -> str:
    """Why `path` could not be read, in a user's words (a missing folder is no symlink)."""
    if e.errno == errno.ELOOP:
        return "symlink loop"
    if e.errno == errno.ENOENT:
        return "broken symlink" if os.path.islink(path) else "no such file or folder"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return f"unreadable: {e.strerror or e}"


def never_notes(folder: str | os.PathLike[str]) -> bool:
    """A folder that never holds notes: installed packages, `node_modules` (npm) or a Python
    virtual environment (it holds `pyvenv.cfg`), whose thousands of READMEs and LICENSE.txt
    files a notes folder kept in a repository with a script or a site generator would have
    searched and cited; or a Logseq graph's `logseq` folder (it holds `config.edn`), whose
    `bak/` keeps old copies of pages: cited first, they gave a pool size the page had since
    changed."""
    name = os.path.basename(folder)
    return (
        name == "node_modules"
        or os.path.isfile(os.path.join(folder, "pyvenv.cfg"))
        or (name == "logseq" and os.path.isfile(os.path.join(folder, "config.edn")))
    )


def scan_notes(
    root: Path, *, follow_symlinks_outside: bool = False, exclude: Path | None = None
) -> ScanResult:
    """List the notes under `root` (a folder, or a single note file).

    Recursive; keeps `NOTE_SUFFIXES` (any case); skips hidden entries and
    `never_notes`; honours
    `.assistantignore` files (gitignore syntax) at the root and in subfolders, each relative
    to its own folder. Symlinks resolving inside the root are followed; ones pointing outside
    are skipped unless `follow_symlinks_outside`; broken ones and loops are skipped with a
    reason; a file reached by several paths (a link to a note, a hard link) is read once,
    under its own path. `exclude` (the index folder, when it lies inside the notes folder)
    is never read: what the assistant writes is not a note. Raises NotesMissing only if
    `root` itself does not exist or cannot be listed.
    """
    root = Path(os.path.abspath(os.path.expanduser(os.fspath(root))))
    try:
        st = os.stat(root)
    except OSError as e:
        why = _stat_reason(e, root)
        raise NotesMissing(f"notes folder not found: {root} ({why})") from None

    if not stat.S_ISDIR(st.st_mode):
        # A single file named explicitly: take it whatever its extension.
        f = NoteFile(rel=root.name, path=root, size=st.st_size, mtime_ns=st.st_mtime_ns)
        return ScanResult(root=root.parent, files=[f], skipped=[])

    root_real = os.path.realpath(root)
    skip_real = os.path.realpath(exclude) if exclude is not None else None
    files: list[NoteFile] = []
    skipped: list[Skipped] = []
    inodes: dict[tuple[int, int], list[NoteFile]] = {}

    # Work stack of folders: (absolute path, rel prefix, ignore specs in force, real-path chain).
    # Iterative, so deep folder trees cannot overflow the Python stack.
    Spec = tuple[str, "pathspec.PathSpec"]  # (rel of the folder holding it, spec)
    stack: list[tuple[str, str, tuple[Spec, ...], frozenset[str]]] = [
        (str(root), "", (), frozenset({root_real}))
    ]
    while stack:
        dir_abs, dir_rel, specs, chain = stack.pop()
        spec = _load_ignore(dir_abs)
        if spec is not None:
            specs = (*specs, (dir_rel, spec))
        try:
            with os.scandir(dir_abs) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            if not dir_rel:  # the notes folder itself
                why = _stat_reason(e, dir_abs)
                raise NotesMissing(f"notes folder cannot be read: {root} ({why})") from None
            skipped.append(Skipped(path=dir_rel, reason=_stat_reason(e, dir_abs)))
            continue

        subdirs: list[tuple[str, str, tuple[Spec, ...], frozenset[str]]] = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = f"{dir_rel}/{name}" if dir_rel else name
            if not _utf8_ok(name):
                # Undecodable bytes would become lone surrogates, which neither JSON nor
                # SQLite accept: report it under a printable name rather than crash later.
                if is_note_name(name) or entry.is_dir():
                    skipped.append(Skipped(path=_printable(rel), reason="file name is not UTF-8"))
                continue
            is_link = False
            try:
                is_link = entry.is_symlink()
                st = entry.stat(follow_symlinks=True)
            except OSError as e:  # broken symlink, symlink loop, vanished, no permission
                if not _ignored(specs, rel, False):
                    skipped.append(Skipped(path=rel, reason=_stat_reason(e, entry.path)))
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            if _ignored(specs, rel, is_dir) or (is_dir and never_notes(entry.path)):
                continue
            if not is_dir and not is_note_name(name):
                continue

            real = None
            if is_link:
                real = os.path.realpath(entry.path)
                if not follow_symlinks_outside and not _is_within(real, root_real):
                    skipped.append(
                        Skipped(path=rel, reason="symlink points outside the notes folder")
                    )
                    continue

            if is_dir:
                real = real or os.path.realpath(entry.path)
                if real == skip_real:
                    continue
                if real in chain:
                    skipped.append(Skipped(path=rel, reason="symlink loop"))
                    continue
                subdirs.append((entry.path, rel, specs, chain | {real}))
            elif stat.S_ISREG(st.st_mode):
                note = NoteFile(
                    rel=rel, path=Path(entry.path), size=st.st_size, mtime_ns=st.st_mtime_ns
                )
                files.append(note)
                inodes.setdefault((st.st_dev, st.st_ino), []).append(note)
            else:
                skipped.append(Skipped(path=rel, reason="not a regular file"))
        stack.extend(reversed(subdirs))

    for same in inodes.values():
        if len(same) > 1:
            kept = _canonical(same, root_real)
            for f in same:
                if f is not kept:
                    files.remove(f)
                    skipped.append(Skipped(path=f.rel, reason=f"same file as {kept.rel!r}"))
    files.sort(key=lambda f: f.rel)
    skipped.sort(key=lambda s: s.path)
    return ScanResult(root=root, files=files, skipped=skipped)


def _canonical(same: list[NoteFile], root_real: str) -> NoteFile:
    """Which of several paths to one file (symlinks, hard links) is indexed: its own path.

    A note reached twice would be searched and cited twice. The path the file really has
    under the root wins; failing that (the file itself hidden or ignored) the first by name.
    """
    own = [
        f
        for f in same
        if os.path.relpath(os.path.realpath(f.path), root_real).replace(os.sep, "/") == f.rel
    ]
    return min(own or same, key=lambda f: f.rel)


def _ignored(specs: tuple[tuple[str, pathspec.PathSpec], ...], rel: str, is_dir: bool) -> bool:
    """Gitignore-style check against every `.assistantignore` from the root down.

    The deepest file that has an opinion (match or negation) wins, as in git.
    """
    verdict = False
    for base, spec in specs:
        sub = rel[len(base) + 1 :] if base else rel
        if is_dir:
            sub += "/"
        res = spec.check_file(sub)
        if res.include is not None:
            verdict = res.include
    return verdict


def is_ignored(
    root: str | os.PathLike[str],
    rel: str,
    is_dir: bool = False,
    cache: dict[str, pathspec.PathSpec | None] | None = None,
) -> bool:
    """Whether `scan_notes(root)` leaves `rel` ("/"-separated) out by an `.assistantignore`
    (its own folder's, one above it, or one that excludes a folder on its way), or as
    `never_notes`.

    `cache` (folder path -> spec) spares re-reading the ignore files; clear it when one changes.
    """
    cache = {} if cache is None else cache
    parts = rel.split("/")
    specs: tuple[tuple[str, pathspec.PathSpec], ...] = ()
    for i in range(len(parts)):
        base = "/".join(parts[:i])
        folder = os.path.join(root, *parts[:i])
        spec = cache[folder] if folder in cache else cache.setdefault(folder, _load_ignore(folder))
        if spec is not None:
            specs = (*specs, (base, spec))
        inside = is_dir or i < len(parts) - 1
        if _ignored(specs, "/".join(parts[: i + 1]), inside):
            return True
        if inside and never_notes(os.path.join(folder, parts[i])):
            return True
    return False
