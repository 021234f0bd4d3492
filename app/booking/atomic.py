"""``use_case``: a core use case is all or nothing inside the caller's transaction.

The outermost caller (an inbound turn, a web view, a job, a CLI command) owns the
transaction and commits it once (``Database.studio`` commits when its block ends).
A use case never commits. It runs inside a SAVEPOINT, so when it raises, whatever it
wrote is undone and the caller's transaction is exactly as it was before the call: the
caller can turn the domain error into words and carry on (a second request in the same
text, the reply, the message log). A use case called from another one joins it: one
savepoint for the outermost use case, so ``move_booking`` = cancel + book is both or
neither.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy.orm import Session, scoped_session

P = ParamSpec("P")
R = TypeVar("R")
_ACTIVE = "frontdesk.use_case"


def use_case(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a use case whose first argument is the caller's ``Session``."""

    @wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        session = args[0]
        assert isinstance(session, (Session, scoped_session)), f"{fn.__name__} takes the session first"
        if session.info.get(_ACTIVE):
            return fn(*args, **kwargs)
        session.info[_ACTIVE] = True
        try:
            with session.begin_nested():
                return fn(*args, **kwargs)
        finally:
            session.info.pop(_ACTIVE, None)

    return run
