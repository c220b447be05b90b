"""``exactid.check``: the independent checker on a document, bytes, files or folders."""

from __future__ import annotations

import os
from typing import Any, Sequence, Union

from ..checker import Outcome, check_bytes, check_document, check_file
from ..checker.core import NotACertificate, Rejected, certificate_files, progress_listener
from ..progress import progress
from ..results import CheckResult, Verdict

PathLike = Union[str, os.PathLike]


class _StepBar:
    """Feeds the checker's step notifications to a progress bar."""

    def __init__(self, bar: Any):
        self.bar, self.done = bar, 0

    def start(self, total: int) -> None:
        if getattr(self.bar, "total", None) != total and hasattr(self.bar, "reset"):
            self.bar.reset(total=total)
        self.done = 0

    def step(self, index: int | None) -> None:
        if index is not None and index >= self.done:
            self.bar.update(index + 1 - self.done)
            self.done = index + 1


def check_outcomes(paths: Sequence[PathLike], show_progress: bool | None = None) -> list[Outcome]:
    """Check files and folders (recursively), one :class:`Outcome` per certificate file.

    On a terminal, a bar counts the files and another the steps of the file being checked.
    """
    files: list[str] = []
    outcomes: dict[int, Outcome] = {}
    for path in map(str, paths):
        if not os.path.exists(path):
            outcomes[len(files)] = Outcome(path, "malformed", reason="no such file or directory")
            files.append(path)
        else:
            files.extend(certificate_files(path))
    with progress(len(files) if len(files) > 1 else None, "certificates", show_progress) as file_bar:
        for index, path in enumerate(files):
            if index not in outcomes:
                with progress(None, os.path.basename(path)[:30], show_progress) as step_bar:
                    token = progress_listener.set(_StepBar(step_bar))
                    try:
                        outcomes[index] = check_file(path)
                    finally:
                        progress_listener.reset(token)
            file_bar.update(1)
    return [outcomes[i] for i in range(len(files))]


def check(target: Union[PathLike, Sequence[PathLike], dict, bytes]) -> CheckResult:
    """Re-verify certificates with the independent checker.

    Parameters
    ----------
    target : path, list of paths, certificate document (dict) or bytes
        Files (``.json``/``.json.gz``), folders (searched recursively), a parsed document
        (e.g. ``result.certificate``) or raw (possibly gzip) bytes.

    Returns
    -------
    CheckResult
        ``valid`` when every certificate is valid, else ``invalid`` or ``malformed``;
        counts and one outcome per certificate; ``exit_code`` as for ``exactid check``.

    Examples
    --------
    >>> import numpy as np, exactid
    >>> res = exactid.check(exactid.rank(np.eye(3, dtype=int)).certificate)
    >>> res.verdict, res.summary
    (<Verdict.VALID: 'valid'>, 'rank = 3 for a 3x3 matrix over QQ')
    >>> exactid.check({"format": "exactid-certificate"}).verdict
    <Verdict.MALFORMED: 'malformed'>
    """
    document = None
    if isinstance(target, dict):
        document = target
        try:
            outcomes = [Outcome("<document>", "valid", summary=check_document(target))]
        except NotACertificate as rej:
            outcomes = [Outcome("<document>", "malformed", kind=rej.kind, reason=f"not an exactid certificate: {rej.reason}")]
        except Rejected as rej:
            outcomes = [Outcome("<document>", "invalid", step=rej.step, kind=rej.kind, reason=rej.reason)]
    elif isinstance(target, (bytes, bytearray)):
        outcomes = [check_bytes(bytes(target))]
    elif isinstance(target, (str, os.PathLike)):
        outcomes = check_outcomes([target])
    else:
        outcomes = check_outcomes(list(target))
    counts = {s: sum(o.status == s for o in outcomes) for s in ("valid", "invalid", "malformed")}
    verdict = Verdict.MALFORMED if counts["malformed"] else Verdict.INVALID if counts["invalid"] else Verdict.VALID
    bad = next((o for o in outcomes if o.status != "valid"), None)
    if bad is not None:
        reason = bad.line()
    elif outcomes:
        reason = f"{len(outcomes)} certificate{'s' if len(outcomes) != 1 else ''} valid"
    else:
        reason = "no certificates found"
    summary = outcomes[0].summary if len(outcomes) == 1 else ""
    return CheckResult(verdict, reason, document if verdict == Verdict.VALID else None, outcomes,
                       total=len(outcomes), summary=summary, outcomes=outcomes, **counts)
