"""Record the hazumi-sk version in pickles and warn when it differs on load."""

from __future__ import annotations

import warnings
from typing import Any

from .._version import __version__

_VERSION_KEY = "_hazumi_sk_version"


class InconsistentHazumiVersionWarning(UserWarning):
    """A pickled estimator was made with another hazumi-sk version than the running one."""


class VersionedStateMixin:
    """Store ``__version__`` in the pickled state and compare it when unpickling.

    Models fitted by one version may not behave identically under another (the
    network layout or preprocessing can change), so loading warns instead of
    silently trusting the pickle.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state = dict(state) if state is not None else dict(self.__dict__)
        state[_VERSION_KEY] = __version__
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        saved = state.pop(_VERSION_KEY, "unknown")
        if saved != __version__:
            warnings.warn(
                f"{type(self).__name__} was pickled with hazumi-sk {saved} but is being "
                f"loaded with hazumi-sk {__version__}; predictions may differ. Refit or "
                "use the version that made it.",
                InconsistentHazumiVersionWarning,
                stacklevel=2,
            )
        super().__setstate__(state)
