"""The one exception tree of hotline: every error raised on purpose in ``bot/``, ``kb_sync/`` and
``handoff/`` derives from ``HotlineError``.

Each class has a stable ``code`` (for clients: the ``code`` of the JSON body and the
``X-Error-Code`` header) and the HTTP ``status`` that fits it; both are class attributes that an
instance may override (``CaseError("consent_required", "…", 422)``). The server's one exception
handler (``handoff/errors.py``) turns any ``HotlineError`` into ``{"detail": …, "code": …}`` with
that status; the CLI prints it as one line (``handoff/cli.py``). The root lives here, in the lowest
package, because ``bot/`` may import nothing above it.

    HotlineError                                   error                500
    ├── ConfigError (also ValueError)               config               422  config.yml or a setting is wrong
    │   ├── MissingDependencyError                  missing_dependency   422  says which pip install
    │   └── EndpointsError             handoff/endpoints.py  endpoints  422  endpoints.yml malformed
    ├── TrainingDataError (also ValueError)         training_data        422  nlu_data YAML off the Rasa 3 schema
    ├── ModelNotFoundError (also FileNotFoundError) no_model             404  no trained model (version) there
    ├── NLUInputError (also ValueError)   handoff/nlu_service.py  nlu_input  422  one text could not be parsed
    ├── KBFileError (also ValueError)     kb_sync/errors.py  kb_file     422  a Q&A file that cannot be imported
    ├── UpkeepError (also ValueError)     kb_sync/errors.py  kb_upkeep   422  a KB edit/approval refused
    │   ├── EntryNotFound (also LookupError)        kb_not_found         404
    │   ├── StaleChange                             kb_stale             409
    │   └── PersonalDataUnconfirmed  kb_sync/upkeep.py  kb_personal_data  422
    ├── KBChangedError (also RuntimeError)          kb_changed           409  the KB changed under an import
    ├── LegacyKBError (also RuntimeError) kb_sync/legacy.py  kb_legacy   409
    ├── ReviewError (also ValueError)     handoff/engineering/review.py  review  422  (409/404 per call)
    ├── IllegalTransition                 handoff/session.py  illegal_transition  409
    ├── FrameError                        handoff/api/frames.py  (code per frame)  400
    ├── AgentStateError (also ValueError) handoff/agent_states.py  (code per call) 409
    ├── CallbackError                     handoff/callback_work.py  (code, status per call)
    ├── CaseError                         handoff/cases/lifecycle.py  (code, status per call)
    ├── ReportError (also ValueError)     handoff/reports/figures.py  report  422
    ├── QualityError (also ValueError)    handoff/reports/quality.py  quality  422 (status per call)
    ├── TargetNotEmptyError (also RuntimeError)  handoff/storage/copy.py  target_not_empty  409
    ├── MissLogOff                        handoff/engineering/api.py  misslog_off  503
    ├── UnknownAnnouncement (also LookupError)  handoff/api/kb_admin.py  not_found  404
    ├── UnknownSender (also LookupError)  handoff/api/rest_callbacks.py  unknown_sender  404

    └── HubError                          handoff/chat/conversations.py  (code per call)  409
"""
from __future__ import annotations

from typing import Any


class HotlineError(Exception):
    """Root of every error raised on purpose by hotline code."""

    code: str = "error"
    status: int = 500

    def __init__(self, *args: object, code: str | None = None, status: int | None = None) -> None:
        super().__init__(*args)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    @property
    def detail(self) -> Any:
        """What the HTTP body's ``detail`` carries: the message, unless a subclass says more."""
        return str(self)


class ConfigError(HotlineError, ValueError):
    """A configuration file or value is wrong; the message says how to fix it. 422 when a request
    runs into it (a training started from the engineer's page)."""

    code, status = "config", 422


class MissingDependencyError(ConfigError):
    """A component needs a package that is not installed."""

    code = "missing_dependency"

    def __init__(self, component: str, package: str) -> None:
        super().__init__(f"{component} needs the package '{package}': pip install {package}")


class TrainingDataError(HotlineError, ValueError):
    """Training data that breaks the Rasa 3 NLU YAML schema; names the file."""

    code, status = "training_data", 422

    def __init__(self, filename: str, message: str) -> None:
        super().__init__(f"{filename}: {message}")
        self.filename = filename


class ModelNotFoundError(HotlineError, FileNotFoundError):
    """No trained model in the models directory."""

    code, status = "no_model", 404
