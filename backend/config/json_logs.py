"""Log lines as JSON objects (LOG_FORMAT=json), for log collectors.

Each line is one object: time (UTC, ISO 8601), level, logger, message, request_id and, for an
error, exception. request_id is the id the audit middleware gives every request and returns in
X-Request-ID; a worker's lines carry the id of the request that queued the task. It is the way
from a log line to the audit log, which says who and which case, under its access rules.

No patient data: the code logs ids rather than names, and this formatter blanks those too, with
e-mail addresses and the numbers in URL paths, so that a log collector holds nothing that points
at a patient.
"""

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

# The id of the request that queued the task this worker process is running ("" when none).
task_request_id: ContextVar[str] = ContextVar("task_request_id", default="")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# "case 12", "image=12", "reading #12", "patient: 12", "user_id 12", "cases/12"
_NAMED_ID = re.compile(
    r"\b(case|image|patient|user|report|reading|doctor|invitation|relationship|object)(s|_id|_ids)?(\s*[#:=]?\s*|/)\d+",
    re.IGNORECASE,
)
_PATH_ID = re.compile(r"(?<=/)\d+(?=/|\b)")
_UUID_IN_PATH = re.compile(r"(?<=/)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=/|\b)", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with e-mail addresses, ids of people and their records, and ids in URL paths blanked."""
    text = _EMAIL.sub("<email>", text)
    text = _NAMED_ID.sub(lambda m: f"{m.group(1)}{m.group(2) or ''}{m.group(3)}<id>", text)
    text = _UUID_IN_PATH.sub("<id>", text)
    return _PATH_ID.sub("<id>", text)


def current_request_id() -> str:
    """The id of the request being answered, or of the request that queued the running task."""
    from audit.origin import current_origin  # stdlib only: safe before the apps are loaded

    return current_origin.get().request_id or task_request_id.get()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": current_request_id() or getattr(getattr(record, "request", None), "request_id", ""),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)
